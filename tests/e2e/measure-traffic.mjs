// Measures the Traffic view under load: 100k messages already in the journals, then 1k messages/s
// appended for SECONDS while the page records every animation frame's duration and scrolls the
// list. Prints one JSON line: frame-time percentiles, long frames, rows shown at the end.
// Usage: MCP_TRAY_APP=target/debug/mcp-tray-app node measure-traffic.mjs [preloaded] [rate] [seconds] [scroll]
// (scroll 0 leaves the list still, to tell the cost of arriving rows from that of scrolling).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { openView, startApp, waitForText } from "./lib/app.mjs";

const PRELOADED = Number(process.argv[2] ?? 100_000);
const RATE = Number(process.argv[3] ?? 1000);
const SECONDS = Number(process.argv[4] ?? 10);
const SCROLL = process.argv[5] !== "0";
const SERVERS = ["alpha", "beta", "gamma", "delta"];

/** One request or response journal line, in the format core's journal writes. */
function line(n, at) {
  const server = SERVERS[n % SERVERS.length];
  const id = Math.floor(n / 2);
  const ts = new Date(at).toISOString();
  if (n % 2 === 0) {
    const msg = `{"jsonrpc":"2.0","id":${id},"method":"tools/call","params":{"name":"echo","arguments":{"message":"hello ${n}"}}}`;
    return `{"ts":"${ts}","server":"${server}","session":"0000beef","pid":1,"dir":"c2s","kind":"request","method":"tools/call","id":${id},"bytes":${msg.length},"msg":${msg}}\n`;
  }
  const msg = `{"jsonrpc":"2.0","id":${id},"result":{"content":[{"type":"text","text":"Echo: hello ${n}"}]}}`;
  return `{"ts":"${ts}","server":"${server}","session":"0000beef","pid":1,"dir":"s2c","kind":"response","method":"tools/call","id":${id},"bytes":${msg.length},"latency_ms":0.8,"msg":${msg}}\n`;
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** Waits until the view's count reads `total` rows; says what it read last when it does not. */
async function untilCount(total, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  let text = "";
  while (Date.now() < deadline) {
    text = await app.browser.execute(() => document.querySelector('[data-testid="traffic-count"]')?.textContent ?? "");
    if (Number(text.split(" of ")[1]?.replace(/\D/g, "")) === total) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`expected ${total} rows, the view shows "${text}"`);
}

const app = await startApp({ config: { mcpServers: {} } });
try {
  const journals = path.join(app.home, "journal");
  fs.mkdirSync(journals, { recursive: true });
  const start = Date.now() - PRELOADED;
  const perServer = new Map(SERVERS.map((s) => [s, []]));
  for (let n = 0; n < PRELOADED; n++) perServer.get(SERVERS[n % SERVERS.length]).push(line(n, start + n));
  for (const [server, lines] of perServer) fs.writeFileSync(path.join(journals, `${server}.jsonl`), lines.join(""));

  await openView(app.browser, "Traffic");
  const loadStarted = Date.now();
  await untilCount(PRELOADED, 120_000);
  const loadMs = Date.now() - loadStarted;

  // Record frame durations in the page while scrolling up and down the list.
  await app.browser.execute((seconds, scroll) => {
    const state = { frames: [], done: false };
    window.__trafficBench = state;
    const viewport = document.querySelector('[data-testid="traffic-viewport"]');
    let last = performance.now();
    const endAt = last + seconds * 1000;
    function frame(now) {
      state.frames.push(now - last);
      last = now;
      if (viewport && scroll) viewport.scrollTop = (Math.sin(now / 700) * 0.5 + 0.5) * viewport.scrollHeight;
      if (now < endAt) requestAnimationFrame(frame);
      else state.done = true;
    }
    requestAnimationFrame(frame);
  }, SECONDS, SCROLL);

  // Append RATE lines/s, in 10 writes a second, across the servers' journals.
  let n = PRELOADED;
  const ticks = SECONDS * 10;
  for (let t = 0; t < ticks; t++) {
    const chunk = new Map(SERVERS.map((s) => [s, ""]));
    for (let i = 0; i < RATE / 10; i++, n++) {
      const server = SERVERS[n % SERVERS.length];
      chunk.set(server, chunk.get(server) + line(n, Date.now()));
    }
    for (const [server, text] of chunk) fs.appendFileSync(path.join(journals, `${server}.jsonl`), text);
    await new Promise((r) => setTimeout(r, 100));
  }
  await app.browser.waitUntil(() => app.browser.execute(() => window.__trafficBench.done), { timeout: 30_000 });
  const frames = await app.browser.execute(() => window.__trafficBench.frames.slice(1));
  await untilCount(n, 20_000);
  const shown = await waitForText(app.browser, '[data-testid="traffic-count"]');
  // The figures mean nothing if the list shows nothing: the rows must cover the viewport.
  const [domNodes, viewportPx, covered] = await app.browser.execute(() => {
    const viewport = document.querySelector('[data-testid="traffic-viewport"]');
    const box = viewport.getBoundingClientRect();
    const rows = [...viewport.querySelectorAll('[data-testid="traffic-row"]')].map((r) => r.getBoundingClientRect());
    const top = Math.min(...rows.map((r) => r.top));
    const bottom = Math.max(...rows.map((r) => r.bottom));
    return [viewport.getElementsByTagName("*").length, box.height, box.height > 0 && top <= box.top + 1 && bottom >= box.bottom - 1];
  });
  if (!covered) throw new Error(`the list's rows do not cover its ${viewportPx} px viewport`);
  const sorted = [...frames].sort((a, b) => a - b);
  const round = (x) => Math.round(x * 10) / 10;
  console.log(
    JSON.stringify({
      preloaded: PRELOADED,
      rate_per_s: RATE,
      seconds: SECONDS,
      scrolling: SCROLL,
      // Under Xvfb WebKit composites through software GL; WEBKIT_DISABLE_COMPOSITING_MODE=1 paints directly.
      webkit_compositing: process.env.WEBKIT_DISABLE_COMPOSITING_MODE ? "off" : "on",
      initial_load_ms: loadMs,
      frames: frames.length,
      fps: round(frames.length / SECONDS),
      frame_ms_p50: round(percentile(sorted, 50)),
      frame_ms_p95: round(percentile(sorted, 95)),
      frame_ms_p99: round(percentile(sorted, 99)),
      frame_ms_max: round(sorted[sorted.length - 1]),
      frames_over_50ms: frames.filter((f) => f > 50).length,
      shown,
      list_dom_nodes: domNodes,
      viewport_px: Math.round(viewportPx),
      load_average: os.loadavg().map((x) => Math.round(x * 100) / 100),
    }),
  );
} finally {
  await app.stop();
}
