// Measures the idle cost of the real app side by side with a blank Tauri window (examples/
// blank_window.rs: same tauri, same webview, same window size, an empty page), on one Xvfb, by one
// method: RSS and PSS summed over the whole process tree (WebKit's web and network processes
// included) after SETTLE seconds, then CPU over CPU seconds with the window open. For the app it
// then closes the window the way a window manager's close button does (WM_DELETE_WINDOW, the app's
// own "close hides to tray" path), checks the window is unmapped and the app still runs, and
// measures CPU again. The two alternate for ROUNDS rounds; medians are compared with DESIGN.md's
// budgets (memory <= 1.2x the blank window, CPU < 1 % open, 0 hidden).
// Usage: MCP_TRAY_APP=target/debug/mcp-tray-app [BLANK_WINDOW=target/debug/examples/blank_window]
//        node measure-idle.mjs [settle-seconds] [cpu-seconds] [rounds]
// Prints a Markdown report, its last line one JSON object. It starts both directly (no WebDriver),
// so nothing automates the page.
import { execFileSync, spawn } from "node:child_process";
import { once } from "node:events";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { appBinary, startDbus, startXvfb } from "./lib/app.mjs";

const settleSeconds = Number(process.argv[2] ?? 8);
const cpuSeconds = Number(process.argv[3] ?? 10);
const rounds = Number(process.argv[4] ?? 3);
const ticksPerSecond = 100; // USER_HZ on Linux
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const APP = appBinary();
const BLANK = path.resolve(process.env.BLANK_WINDOW ?? path.join(path.dirname(APP), "examples", "blank_window"));
const CLOSE_WINDOW = path.join(import.meta.dirname, "x11-close-window.py");

for (const binary of [APP, BLANK]) {
  if (!fs.existsSync(binary)) throw new Error(`${binary} is missing: build the app and its blank_window example first`);
}

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

/** How WebKit paints in the tree under `pids`: "CPU" when its web process was told to
 * (WEBKIT_SKIA_ENABLE_CPU_RENDERING=1, see src-tauri/src/painting.rs), else WebKit's default. */
function painting(pids) {
  const web = pids.find((pid) => comm(pid).startsWith("WebKitWebProces"));
  try {
    const env = fs.readFileSync(`/proc/${web}/environ`, "utf8").split("\0");
    return env.includes("WEBKIT_SKIA_ENABLE_CPU_RENDERING=1") ? "CPU (Skia)" : "WebKit's default (GPU, hybrid)";
  } catch {
    return "unknown";
  }
}

function comm(pid) {
  try {
    return fs.readFileSync(`/proc/${pid}/comm`, "utf8").trim();
  } catch {
    return "?";
  }
}

/** The app's own threads (the rest are GTK's, WebKit's and libraries'): the tokio runtime that
 * runs its tasks, its watcher and tailer threads, and notify's (file watches). */
const OUR_THREADS = /^mcp-tray-app\/(tokio-rt-worker|server-status|traffic-tail|config-watch|notify-rs|keychain|journal)/;

/** Nanoseconds each thread of `pid` has run (schedstat: exact, where ticks are sampled), by thread. */
function threadNs(pid) {
  const out = new Map();
  try {
    for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
      try {
        const ns = Number(fs.readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ")[0]);
        const name = fs.readFileSync(`/proc/${pid}/task/${tid}/comm`, "utf8").trim();
        out.set(tid, { name, ns });
      } catch {
        // the thread ended while we looked
      }
    }
  } catch {
    // the process ended
  }
  return out;
}

/** CPU of the tree under `root` over `seconds`, in percent of one core, and the ticks counted;
 * also the exact run time (schedstat), in total and by thread. */
async function cpu(root, seconds) {
  const pids = tree(root);
  const before = pids.map(cpuTicks);
  const nsBefore = pids.map(threadNs);
  await sleep(seconds * 1000);
  const used = pids.map((pid, i) => cpuTicks(pid) - before[i]);
  const ticks = used.reduce((sum, t) => sum + Math.max(0, t), 0);
  const byProcess = pids.map((pid, i) => `${comm(pid)} ${Math.max(0, used[i])}`).join(", ");
  const threads = [];
  pids.forEach((pid, i) => {
    for (const [tid, { name, ns }] of threadNs(pid)) {
      const ran = ns - (nsBefore[i].get(tid)?.ns ?? 0);
      if (ran > 0) threads.push({ name: `${comm(pid)}/${name}`, ms: ran / 1e6 });
    }
  });
  threads.sort((a, b) => b.ms - a.ms);
  const ms = threads.reduce((sum, t) => sum + t.ms, 0);
  const oursMs = threads.filter((t) => OUR_THREADS.test(t.name)).reduce((sum, t) => sum + t.ms, 0);
  const byThread = threads
    .slice(0, 6)
    .map((t) => `${t.name} ${t.ms.toFixed(2)}`)
    .join(", ");
  return { percent: (ticks / ticksPerSecond / seconds) * 100, ticks, byProcess, ms, oursMs, byThread };
}

const mib = (k) => Math.round((k / 1024) * 10) / 10;
const pct = (x) => Math.round(x * 100) / 100;
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mcp-tray-idle-"));
const config = path.join(dir, "claude_desktop_config.json");
fs.writeFileSync(config, JSON.stringify({ mcpServers: { everything: { command: "npx", args: ["-y", "x"] } } }));
const xvfb = await startXvfb();
const dbus = await startDbus();

/** Starts `binary`, measures it, stops it. `title` is its window's; `hide` closes it first. */
async function measure(binary, title, hide) {
  const run = fs.mkdtempSync(path.join(dir, "run-"));
  const child = spawn(binary, [], {
    env: {
      ...process.env,
      DISPLAY: xvfb.display,
      DBUS_SESSION_BUS_ADDRESS: dbus.address,
      MCP_TRAY_CLAUDE_CONFIG: config,
      MCP_TRAY_HOME: path.join(run, "home"),
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
    if (child.exitCode !== null) throw new Error(`${binary} exited (${child.exitCode}) while settling`);
    const pids = tree(child.pid);
    const result = {
      processes: pids.map(comm),
      painting: painting(pids),
      rssByProcess: pids.map((pid) => `${comm(pid)} ${mib(kib(`/proc/${pid}/status`, "VmRSS"))}`).join(", "),
      rssKiB: pids.reduce((sum, pid) => sum + kib(`/proc/${pid}/status`, "VmRSS"), 0),
      pssKiB: pids.reduce((sum, pid) => sum + kib(`/proc/${pid}/smaps_rollup`, "Pss"), 0),
      open: await cpu(child.pid, cpuSeconds),
    };
    if (hide) {
      const env = { ...process.env, DISPLAY: xvfb.display };
      const windows = execFileSync("python3", [CLOSE_WINDOW, title], { env, encoding: "utf8" }).trim().split("\n");
      await sleep(2000);
      if (child.exitCode !== null) throw new Error(`closing the window ended the app (${child.exitCode}); it should hide`);
      for (const id of windows) {
        const info = execFileSync("xwininfo", ["-id", id], { env, encoding: "utf8" });
        if (!/Map State:\s+IsUnMapped/.test(info)) throw new Error(`window ${id} is still mapped after the close request`);
      }
      result.hidden = await cpu(child.pid, cpuSeconds);
    }
    return result;
  } finally {
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
    if (child.exitCode === null && child.signalCode === null) await once(child, "exit");
    clearTimeout(timer);
    await sleep(1000); // WebKit's helpers end after their parent
  }
}

const uptimeBefore = execFileSync("uptime", { encoding: "utf8" }).trim();
const app = [];
const blank = [];
try {
  for (let round = 0; round < rounds; round++) {
    app.push(await measure(APP, "MCP Tray", true));
    blank.push(await measure(BLANK, "Blank", false));
  }
} finally {
  await dbus.stop();
  await xvfb.stop();
  fs.rmSync(dir, { recursive: true, force: true });
}
const uptimeAfter = execFileSync("uptime", { encoding: "utf8" }).trim();

const summary = {
  app_rss_mib: mib(median(app.map((r) => r.rssKiB))),
  app_pss_mib: mib(median(app.map((r) => r.pssKiB))),
  blank_rss_mib: mib(median(blank.map((r) => r.rssKiB))),
  blank_pss_mib: mib(median(blank.map((r) => r.pssKiB))),
  app_cpu_open_percent: pct(median(app.map((r) => r.open.percent))),
  app_cpu_hidden_percent: pct(median(app.map((r) => r.hidden.percent))),
  app_cpu_hidden_ticks: app.map((r) => r.hidden.ticks),
  app_cpu_hidden_ms: app.map((r) => Math.round(r.hidden.ms * 10) / 10),
  app_own_threads_hidden_ms: app.map((r) => Math.round(r.hidden.oursMs * 100) / 100),
  blank_cpu_open_ms: blank.map((r) => Math.round(r.open.ms * 10) / 10),
  blank_cpu_open_percent: pct(median(blank.map((r) => r.open.percent))),
};
// Each round's app against the blank window run right after it (PSS moves with what else on the
// machine maps the same libraries), then the median of those ratios.
summary.rss_ratio = pct(median(app.map((a, i) => a.rssKiB / blank[i].rssKiB)));
summary.pss_ratio = pct(median(app.map((a, i) => a.pssKiB / blank[i].pssKiB)));
const verdict = (ok) => (ok ? "met" : "NOT met");

console.log(`# The app at idle, side by side with a blank Tauri window

Generated by tests/e2e/measure-idle.mjs (\`make bench-app-idle\` runs it on the debug build) on ${new Date().toISOString()}.
App: \`${path.basename(APP)}\` (${APP.includes("/release/") ? "release" : "debug"} build); baseline: \`examples/blank_window.rs\`
(same tauri and webview, same 980x700 window, an empty page). Both under one Xvfb, one after the
other, ${rounds} rounds alternating; settle ${settleSeconds} s, CPU over ${cpuSeconds} s. Memory is summed over the
whole process tree (${app[0].processes.join(", ")} for the app; ${blank[0].processes.join(", ")} for the blank window).
Machine: ${os.cpus().length} cores; load before: \`${uptimeBefore}\`; after: \`${uptimeAfter}\`.

| round | app RSS MiB | app PSS MiB | app CPU open % | app CPU hidden % | app CPU time hidden (exact) | blank RSS MiB | blank PSS MiB | blank CPU % | blank CPU time (exact) | RSS ratio | PSS ratio |
|---|---|---|---|---|---|---|---|---|---|---|---|
${app
  .map(
    (a, i) =>
      `| ${i + 1} | ${mib(a.rssKiB)} | ${mib(a.pssKiB)} | ${pct(a.open.percent)} | ${pct(a.hidden.percent)} (${a.hidden.ticks} ticks) | ${a.hidden.ms.toFixed(1)} ms (${(a.hidden.ms / cpuSeconds / 10).toFixed(3)} %) | ${mib(blank[i].rssKiB)} | ${mib(blank[i].pssKiB)} | ${pct(blank[i].open.percent)} | ${blank[i].open.ms.toFixed(1)} ms | ${pct(a.rssKiB / blank[i].rssKiB)} | ${pct(a.pssKiB / blank[i].pssKiB)} |`,
  )
  .join("\n")}

Medians: app ${summary.app_rss_mib} MiB RSS / ${summary.app_pss_mib} MiB PSS, blank window ${summary.blank_rss_mib} MiB RSS /
${summary.blank_pss_mib} MiB PSS; median of the rounds' ratios: **${summary.rss_ratio}x RSS, ${summary.pss_ratio}x PSS** against a
budget of 1.2x (${verdict(summary.rss_ratio <= 1.2)} by RSS, ${verdict(summary.pss_ratio <= 1.2)} by PSS).
RSS by process, round 1 (MiB): app: ${app[0].rssByProcess}; blank window: ${blank[0].rssByProcess}.
Painting (the web process's environment): app ${app[0].painting}, blank window ${blank[0].painting}; GPU render node: ${fs.existsSync("/dev/dri") && fs.readdirSync("/dev/dri").some((n) => n.startsWith("renderD")) ? "present" : "none (GL is Mesa's software rasterizer)"}.
CPU: ${summary.app_cpu_open_percent} % with the window open (budget < 1 %: ${verdict(summary.app_cpu_open_percent < 1)}), ${summary.app_cpu_hidden_percent} % hidden
by sampled ticks (one tick is ${pct(100 / ticksPerSecond / cpuSeconds)} %; the budget is judged on the exact run time below).
Ticks by process, window open: ${app.map((r) => r.open.byProcess).join("; ")}.
Ticks by process, hidden: ${app.map((r) => r.hidden.byProcess).join("; ")}.
Ticks are sampled (a thread that runs for a few µs when the clock ticks is charged 10 ms); the
exact run time comes from each thread's schedstat. Hidden, the app's own threads (tokio workers,
status, traffic and config watchers, file watches) ran ${app.map((r) => `${r.hidden.oursMs.toFixed(2)} ms`).join(", ")}
(budget 0: ${verdict(app.every((r) => r.hidden.oursMs === 0))}); everything that ran, by thread (ms over ${cpuSeconds} s), per round:
${app.map((r, i) => `${i + 1}. ${r.hidden.byThread || "nothing ran"}`).join("\n")}
The blank window, open, by thread: ${blank.map((r, i) => `${i + 1}. ${r.open.byThread || "nothing ran"}`).join("; ")}.

${JSON.stringify(summary)}`);
