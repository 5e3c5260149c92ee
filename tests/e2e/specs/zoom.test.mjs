// 200 % zoom and the keyboard, end to end: the real app opens at a page zoom of 2 (the debug
// build's MCP_TRAY_ZOOM hook calls WebviewWindow::set_zoom), in the OS's light and dark themes.
// Every view (Servers, Traffic, Logs, Settings) must fit its width: no sideways scrolling of the
// window or of the view. Each view must be reachable from the keyboard (Tab to the navigation,
// arrows along it, Enter), and its primary actions with Tab, each showing where the focus is; Enter
// on a focused button acts. Screenshots: docs/screenshots/zoom-200-*.png.
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { painted, startApp, waitForText } from "../lib/app.mjs";

const CONFIG = {
  mcpServers: {
    filesystem: { command: "npx", args: ["-y", "@modelcontextprotocol/server-filesystem", "/home/me/Projects/a-rather-long-folder-name"] },
    linear: { command: "npx", args: ["-y", "mcp-remote", "https://mcp.linear.app/mcp"] },
    notes: { command: "/usr/local/bin/mcp-tray", args: ["wrap", "--name", "notes", "--", "uvx", "notes-mcp"] },
  },
};

/** A few journal lines of the tapped `notes` server: a call, its reply, an error event. */
function journalLines() {
  const base = { server: "notes", session: "0a1b2c3d", pid: 4242 };
  const at = (ms) => new Date(Date.now() - 5_000 + ms).toISOString();
  const call = { jsonrpc: "2.0", id: 7, method: "tools/call", params: { name: "search_notes", arguments: { query: "quarterly planning with a long query string" } } };
  const reply = { jsonrpc: "2.0", id: 7, result: { content: [{ type: "text", text: "3 notes found: planning-2026-q1.md, planning-2026-q2.md, retro.md" }] } };
  return [
    { ts: at(0), ...base, dir: "c2s", kind: "request", method: "tools/call", id: 7, bytes: JSON.stringify(call).length, msg: call },
    { ts: at(40), ...base, dir: "s2c", kind: "response", method: "tools/call", id: 7, bytes: JSON.stringify(reply).length, latency_ms: 40.2, msg: reply },
    { ts: at(90), ...base, dir: "event", kind: "event", code: "server-exited", level: "error", text: "the server exited with status 1 after printing a very long stack trace to stderr" },
  ]
    .map((l) => JSON.stringify(l))
    .join("\n");
}

/** A Claude log folder with two classic failures, each shown in Logs with its diagnosis card. */
function claudeLogs() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mcp-tray-e2e-claude-logs-"));
  const ts = (s) => new Date(Date.now() - 60_000 + s * 1000).toISOString();
  fs.writeFileSync(
    path.join(dir, "mcp.log"),
    [
      `${ts(1)} [info] [filesystem] Initializing server...`,
      `${ts(2)} [error] [filesystem] spawn npx ENOENT {"context":"connection","stack":"Error: spawn npx ENOENT\\n    at ChildProcess._handle.onexit (node:internal/child_process:285:19)"}`,
      `${ts(3)} [error] [notes] Unexpected token 'N', "Notes MCP server v2.1 listening on stdio with a long banner" is not valid JSON`,
      "",
    ].join("\n"),
  );
  return dir;
}

/**
 * How far the window and the view scroll sideways, what sticks out of the view (for the message),
 * what is cut off sideways inside it, and what spills out of its box over its neighbours.
 */
function overflow(browser) {
  return browser.execute(() => {
    const main = document.querySelector("main");
    const root = document.documentElement;
    const edge = main.getBoundingClientRect().right;
    const sticking = [];
    for (const el of main.querySelectorAll("*")) {
      const box = el.getBoundingClientRect();
      if (box.width > 0 && box.right > edge + 1) sticking.push(`${el.tagName.toLowerCase()}.${el.className} +${Math.round(box.right - edge)}px`);
    }
    // Content cut off sideways by its box (a row whose buttons squeeze its text away), except text
    // that says it is cut (an ellipsis), form fields, which scroll their own text, and text shown
    // to no one (for screen readers).
    const clipped = [];
    for (const el of main.querySelectorAll("*")) {
      const style = getComputedStyle(el);
      if (["INPUT", "SELECT", "TEXTAREA"].includes(el.tagName) || style.textOverflow === "ellipsis") continue;
      // Text for screen readers only, clipped away on purpose (a finding's severity in words).
      if (style.clipPath !== "none" && el.clientWidth <= 1) continue;
      if (style.overflowX !== "visible" && el.clientWidth > 0 && el.scrollWidth > el.clientWidth + 1) {
        clipped.push(`${el.tagName.toLowerCase()}.${el.className} ${el.scrollWidth}>${el.clientWidth}px`);
      }
    }
    // Content spilling out of its box sideways, under its neighbours (a badge under a button).
    const spilling = [];
    for (const el of main.querySelectorAll("*")) {
      const parent = el.parentElement;
      if (!parent || ["absolute", "fixed"].includes(getComputedStyle(el).position)) continue;
      const box = el.getBoundingClientRect();
      const room = parent.getBoundingClientRect();
      if (box.width > 0 && box.right > room.right + 1) {
        spilling.push(`${el.tagName.toLowerCase()}.${el.className} +${Math.round(box.right - room.right)}px out of ${parent.className}`);
      }
    }
    return {
      clipped: clipped.slice(0, 8),
      spilling: spilling.slice(0, 8),
      window: root.scrollWidth - root.clientWidth,
      view: main.scrollWidth - main.clientWidth,
      width: window.innerWidth,
      sticking: sticking.slice(0, 8),
    };
  });
}

/** What has the focus: its test id (or tag and text), and whether it shows a focus ring. */
function focused(browser) {
  return browser.execute(() => {
    const el = document.activeElement;
    if (!el || el === document.body) return { id: null, ring: false };
    const style = getComputedStyle(el);
    return {
      id: el.getAttribute("data-testid") ?? `${el.tagName.toLowerCase()}:${(el.textContent ?? "").trim().slice(0, 30)}`,
      ring: el.matches(":focus-visible") && style.outlineStyle !== "none" && Number.parseFloat(style.outlineWidth) > 0,
    };
  });
}

/** Presses Tab until `testid` has the focus (at most `max` times); answers every stop on the way. */
async function tabTo(browser, testid, max = 40) {
  const stops = [];
  for (let i = 0; i < max; i++) {
    await browser.keys("Tab");
    const now = await focused(browser);
    stops.push(now.id);
    if (now.id === testid) return { reached: true, ring: now.ring, stops };
  }
  return { reached: false, ring: false, stops };
}

/**
 * Reaches a view's nav item as a keyboard user does: Tab to the navigation (one tab stop, the
 * current view), then arrow keys down the list. Answers the focus on arrival and every stop.
 */
async function navigateTo(browser, label) {
  const target = `nav-${label.toLowerCase()}`;
  const stops = [];
  let now = await focused(browser);
  for (let i = 0; i < 40 && !now.id?.startsWith("nav-"); i++) {
    await browser.keys("Tab");
    now = await focused(browser);
    stops.push(now.id);
  }
  for (let i = 0; i < 4 && now.id !== target; i++) {
    await browser.keys("ArrowDown");
    now = await focused(browser);
    stops.push(now.id);
  }
  return { reached: now.id === target, ring: now.ring, stops };
}

/** Each view, the nav item that opens it, and the actions a keyboard user must reach in it. */
const VIEWS = [
  { label: "Servers", actions: ["servers-add", "add-input", "server-test"] },
  { label: "Traffic", actions: ["traffic-search", "traffic-pause", "traffic-export"] },
  { label: "Logs", actions: ["logs-level", "logs-search", "logs-copy"] },
  { label: "Settings", actions: ["settings-config-path-copy", "start-at-login", "redact-secrets", "retention-save"] },
];

for (const [theme, env] of [
  ["light", {}],
  ["dark", { GTK_THEME: "Adwaita:dark" }],
]) {
  describe(`every view at 200 % zoom, ${theme} theme`, () => {
    let app;
    const logs = claudeLogs();
    before(async () => {
      app = await startApp({ config: CONFIG, env: { MCP_TRAY_ZOOM: "2", MCP_TRAY_CLAUDE_LOGS: logs, ...env } });
      fs.mkdirSync(path.join(app.home, "journal"), { recursive: true });
      fs.writeFileSync(path.join(app.home, "journal", "notes.jsonl"), `${journalLines()}\n`);
      await waitForText(app.browser, "h1", { equals: "Servers" });
    });
    after(async () => {
      await app?.stop();
      fs.rmSync(logs, { recursive: true, force: true, maxRetries: 5 });
    });

    it("is zoomed: the window is half as many CSS pixels wide", async () => {
      const { width } = await overflow(app.browser);
      // The window is 980 device pixels wide; at 200 % the page lays out in 490 CSS pixels.
      assert.ok(width <= 500, `the page is ${width} CSS px wide: the zoom did not apply`);
    });

    for (const view of VIEWS) {
      it(`${view.label}: fits its width, and its actions are reached with Tab and show the focus`, async () => {
        // From the top of the window, reach the view's nav item with the keyboard; Enter opens it.
        await app.browser.execute(() => {
          document.activeElement?.blur();
          document.querySelector("main")?.scrollTo(0, 0);
        });
        const nav = await navigateTo(app.browser, view.label);
        assert.ok(nav.reached, `the keyboard never reached the ${view.label} nav item: ${nav.stops.join(", ")}`);
        assert.ok(nav.ring, `the focused ${view.label} nav item shows no focus ring`);
        await app.browser.keys("Enter");
        await waitForText(app.browser, "h1", { equals: view.label });
        if (view.label === "Traffic") await waitForText(app.browser, '[data-testid="traffic-count"]');
        if (view.label === "Logs") await waitForText(app.browser, '[data-testid="log-diagnosis"]');
        if (view.label === "Settings") await waitForText(app.browser, '[data-testid="data-dir"]');

        const before = await overflow(app.browser);
        await painted(app.browser);
        await app.screenshot(`zoom-200-${view.label.toLowerCase()}${theme === "dark" ? "-dark" : ""}`);
        assert.equal(before.window, 0, `the window scrolls sideways by ${before.window}px: ${before.sticking.join("; ")}`);
        assert.equal(before.view, 0, `${view.label} scrolls sideways by ${before.view}px: ${before.sticking.join("; ")}`);
        assert.deepEqual(before.clipped, [], `${view.label} cuts content off sideways`);
        assert.deepEqual(before.spilling, [], `${view.label} has content spilling out of its box`);

        for (const action of view.actions) {
          const stop = await tabTo(app.browser, action);
          assert.ok(stop.reached, `Tab never reached ${action}: ${stop.stops.join(", ")}`);
          assert.ok(stop.ring, `${action} has the focus but shows no focus ring`);
        }
        const after = await overflow(app.browser);
        assert.equal(after.view, 0, `${view.label} scrolls sideways once scrolled to its actions: ${after.sticking.join("; ")}`);
      });
    }

    it("Enter on a focused button acts: Pause in Traffic", async () => {
      await app.browser.execute(() => {
        document.activeElement?.blur();
        document.querySelector("main")?.scrollTo(0, 0);
      });
      assert.ok((await navigateTo(app.browser, "Traffic")).reached);
      await app.browser.keys("Enter");
      await waitForText(app.browser, "h1", { equals: "Traffic" });
      const pause = app.browser.$('[data-testid="traffic-pause"]');
      const label = (await pause.getText()).trim();
      const stop = await tabTo(app.browser, "traffic-pause");
      assert.ok(stop.reached);
      await app.browser.keys("Enter");
      await app.browser.waitUntil(async () => (await pause.getText()).trim() !== label, {
        timeout: 5_000,
        timeoutMsg: `Enter on "${label}" did nothing`,
      });
    });
  });
}
