// Measures what keeping a server running costs the app while its window is hidden: the app's own
// process (not the server, not WebKit's helpers) is watched for wake-ups (context switches summed
// over its threads, from /proc/PID/task/*/status) and CPU over SECONDS, with the window closed the
// way a window manager's close button does. Rounds alternate between an app keeping nothing and an
// app keeping the FastMCP stdio server of tests/peers running (saved in settings.json, so it starts
// with the app; the server's own CPU is shown apart). Nothing automates the page (no WebDriver).
// Usage: MCP_TRAY_APP=target/debug/mcp-tray-app node measure-kept-idle.mjs [settle-s] [seconds] [rounds]
// Prints a Markdown report, its last line one JSON object.
import { execFileSync, spawn } from "node:child_process";
import { once } from "node:events";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { REPO, appBinary, startDbus, startXvfb } from "./lib/app.mjs";

const settleSeconds = Number(process.argv[2] ?? 10);
const seconds = Number(process.argv[3] ?? 20);
const rounds = Number(process.argv[4] ?? 3);
const ticksPerSecond = 100; // USER_HZ on Linux
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const APP = appBinary();
const CLOSE_WINDOW = path.join(import.meta.dirname, "x11-close-window.py");
const PYTHON = path.join(REPO, "tests", "peers", ".venv", "bin", "python");
const SERVER = path.join(REPO, "tests", "peers", "fastmcp_server.py");
for (const file of [APP, PYTHON]) if (!fs.existsSync(file)) throw new Error(`${file} is missing`);

function stat(pid) {
  const text = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  return text.slice(text.lastIndexOf(")") + 2).split(" ");
}

/** Per thread of `pid`: name → context switches; and the process's CPU ticks. */
function sample(pid) {
  const threads = {};
  for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
    try {
      const status = fs.readFileSync(`/proc/${pid}/task/${tid}/status`, "utf8");
      const name = status.match(/^Name:\s+(.*)$/m)?.[1] ?? tid;
      const switches = [...status.matchAll(/^(?:non)?voluntary_ctxt_switches:\s+(\d+)$/gm)].reduce((s, m) => s + Number(m[1]), 0);
      threads[`${name}#${tid}`] = switches;
    } catch {
      // the thread ended
    }
  }
  const fields = stat(pid);
  return { threads, ticks: Number(fields[11]) + Number(fields[12]) };
}

function childrenOf(pid) {
  const out = [];
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (Number(stat(entry)[1]) === pid) out.push(Number(entry));
    } catch {
      // gone
    }
  }
  return out;
}

const comm = (pid) => fs.readFileSync(`/proc/${pid}/comm`, "utf8").trim();

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mcp-tray-kept-idle-"));
const config = path.join(dir, "claude_desktop_config.json");
fs.writeFileSync(config, JSON.stringify({ mcpServers: { fast: { command: PYTHON, args: [SERVER, "stdio"] } } }));
const xvfb = await startXvfb();
const dbus = await startDbus();

async function measure(keep) {
  const run = fs.mkdtempSync(path.join(dir, "run-"));
  const home = path.join(run, "home");
  fs.mkdirSync(home, { recursive: true });
  if (keep) fs.writeFileSync(path.join(home, "settings.json"), JSON.stringify({ keepRunning: ["fast"] }));
  const child = spawn(APP, [], {
    env: {
      ...process.env,
      DISPLAY: xvfb.display,
      DBUS_SESSION_BUS_ADDRESS: dbus.address,
      MCP_TRAY_CLAUDE_CONFIG: config,
      MCP_TRAY_HOME: home,
      MCP_TRAY_CLAUDE_LOGS: path.join(run, "claude-logs"),
      XDG_CONFIG_HOME: path.join(run, "xdg-config"),
      XDG_DATA_HOME: path.join(run, "xdg-data"),
      XDG_CACHE_HOME: path.join(run, "xdg-cache"),
      NO_AT_BRIDGE: "1",
      WAYLAND_DISPLAY: "",
    },
    stdio: "ignore",
  });
  try {
    await sleep(settleSeconds * 1000);
    if (child.exitCode !== null) throw new Error(`the app exited (${child.exitCode}) while settling`);
    execFileSync("python3", [CLOSE_WINDOW, "MCP Tray"], { env: { ...process.env, DISPLAY: xvfb.display } });
    await sleep(3000);
    const server = childrenOf(child.pid).find((pid) => /python/.test(comm(pid)));
    if (keep && !server) throw new Error("the kept server is not running under the app");
    if (!keep && server) throw new Error("a server runs although none is kept");
    const before = sample(child.pid);
    const serverBefore = server ? Number(stat(server)[11]) + Number(stat(server)[12]) : 0;
    await sleep(seconds * 1000);
    const after = sample(child.pid);
    const serverAfter = server ? Number(stat(server)[11]) + Number(stat(server)[12]) : 0;
    const byThread = {};
    for (const [thread, n] of Object.entries(after.threads)) {
      const name = thread.split("#")[0];
      byThread[name] = (byThread[name] ?? 0) + (n - (before.threads[thread] ?? 0));
    }
    const wakeups = Object.values(byThread).reduce((s, n) => s + n, 0);
    return {
      keep,
      wakeupsPerSecond: wakeups / seconds,
      appCpuPercent: ((after.ticks - before.ticks) / ticksPerSecond / seconds) * 100,
      serverCpuPercent: ((serverAfter - serverBefore) / ticksPerSecond / seconds) * 100,
      byThread: Object.entries(byThread)
        .filter(([, n]) => n > 0)
        .sort((a, b) => b[1] - a[1])
        .map(([name, n]) => `${name} ${(n / seconds).toFixed(1)}`)
        .join(", "),
    };
  } finally {
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 8000);
    if (child.exitCode === null && child.signalCode === null) await once(child, "exit");
    clearTimeout(timer);
    await sleep(1000);
  }
}

const uptimeBefore = execFileSync("uptime", { encoding: "utf8" }).trim();
const results = [];
try {
  for (let round = 0; round < rounds; round++) {
    results.push(await measure(false));
    results.push(await measure(true));
  }
} finally {
  await dbus.stop();
  await xvfb.stop();
  fs.rmSync(dir, { recursive: true, force: true });
}
const uptimeAfter = execFileSync("uptime", { encoding: "utf8" }).trim();
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const r2 = (x) => Math.round(x * 100) / 100;
const of = (keep, key) => median(results.filter((r) => r.keep === keep).map((r) => r[key]));

console.log(`# Keeping a server running, window hidden: the app's own wake-ups

Generated by tests/e2e/measure-kept-idle.mjs on ${new Date().toISOString()}; app \`${APP.includes("/release/") ? "release" : "debug"}\` build,
${rounds} rounds alternating, settle ${settleSeconds} s, then the window closed (hidden to the tray) and ${seconds} s measured.
Machine: ${os.cpus().length} cores; load before: \`${uptimeBefore}\`; after: \`${uptimeAfter}\`.

| round | kept servers | app wake-ups/s | app CPU | kept server's CPU | wake-ups/s by thread |
|---|---|---|---|---|---|
${results.map((r, i) => `| ${Math.floor(i / 2) + 1} | ${r.keep ? "fast (FastMCP, stdio)" : "none"} | ${r.wakeupsPerSecond.toFixed(1)} | ${r.appCpuPercent.toFixed(2)} % | ${r.keep ? `${r.serverCpuPercent.toFixed(2)} %` : "–"} | ${r.byThread} |`).join("\n")}

Median app wake-ups/s: ${of(false, "wakeupsPerSecond").toFixed(1)} keeping nothing, ${of(true, "wakeupsPerSecond").toFixed(1)} keeping one server.
${JSON.stringify({ wakeups_none: r2(of(false, "wakeupsPerSecond")), wakeups_kept: r2(of(true, "wakeupsPerSecond")), cpu_none: r2(of(false, "appCpuPercent")), cpu_kept: r2(of(true, "appCpuPercent")), server_cpu: r2(of(true, "serverCpuPercent")) })}`);
