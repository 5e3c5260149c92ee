// Measures the idle cost of the real app: memory (RSS and PSS summed over the whole process tree,
// WebKit's web and network processes included) and CPU, with the window open, under Xvfb.
// Usage: MCP_TRAY_APP=target/debug/mcp-tray-app node measure-idle.mjs [settle-seconds] [cpu-seconds]
// Prints one JSON line. It starts the app directly (no WebDriver), so nothing automates the page.
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { appBinary, startDbus, startXvfb } from "./lib/app.mjs";

const settleSeconds = Number(process.argv[2] ?? 8);
const cpuSeconds = Number(process.argv[3] ?? 10);
const ticksPerSecond = 100; // USER_HZ on Linux
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function children() {
  const byParent = new Map();
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (!byParent.has(ppid)) byParent.set(ppid, []);
      byParent.get(ppid).push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return byParent;
}

function tree(root) {
  const byParent = children();
  const out = [];
  const queue = [root];
  while (queue.length) {
    const pid = queue.shift();
    out.push(pid);
    queue.push(...(byParent.get(pid) ?? []));
  }
  return out;
}

function kib(file, field) {
  try {
    const match = fs.readFileSync(file, "utf8").match(new RegExp(`^${field}:\\s+(\\d+) kB`, "m"));
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}

function cpuTicks(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mcp-tray-idle-"));
const config = path.join(dir, "claude_desktop_config.json");
fs.writeFileSync(config, JSON.stringify({ mcpServers: { everything: { command: "npx", args: ["-y", "x"] } } }));
const xvfb = await startXvfb();
const dbus = await startDbus();
const app = spawn(appBinary(), [], {
  env: {
    ...process.env,
    DISPLAY: xvfb.display,
    DBUS_SESSION_BUS_ADDRESS: dbus.address,
    MCP_TRAY_CLAUDE_CONFIG: config,
    MCP_TRAY_HOME: path.join(dir, "home"),
  },
  stdio: "ignore",
});
try {
  await sleep(settleSeconds * 1000);
  const pids = tree(app.pid);
  const names = pids.map((pid) => {
    try {
      return fs.readFileSync(`/proc/${pid}/comm`, "utf8").trim();
    } catch {
      return "?";
    }
  });
  const rssKiB = pids.reduce((sum, pid) => sum + kib(`/proc/${pid}/status`, "VmRSS"), 0);
  const pssKiB = pids.reduce((sum, pid) => sum + kib(`/proc/${pid}/smaps_rollup`, "Pss"), 0);
  const before = pids.reduce((sum, pid) => sum + cpuTicks(pid), 0);
  await sleep(cpuSeconds * 1000);
  const after = pids.reduce((sum, pid) => sum + cpuTicks(pid), 0);
  const cpuPercent = ((after - before) / ticksPerSecond / cpuSeconds) * 100;
  console.log(
    JSON.stringify({
      processes: names,
      rss_mib: Math.round((rssKiB / 1024) * 10) / 10,
      pss_mib: Math.round((pssKiB / 1024) * 10) / 10,
      cpu_percent_window_open: Math.round(cpuPercent * 100) / 100,
      settle_s: settleSeconds,
      cpu_window_s: cpuSeconds,
    }),
  );
} finally {
  app.kill("SIGTERM");
  await sleep(500);
  await dbus.stop();
  await xvfb.stop();
  fs.rmSync(dir, { recursive: true, force: true });
}
