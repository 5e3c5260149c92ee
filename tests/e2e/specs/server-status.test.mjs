// Servers status, end to end: a real FastMCP server kept running through `mcp-tray wrap` shows its
// process (pid, CPU, memory, uptime) in Servers; a server MCP Tray never ran but that fails in
// Claude's own log (a log folder fixture saying `spawn … ENOENT`) shows Failing with the
// diagnosis, where it came from, and the fix.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { REPO, appBinary, clickInRow, fastmcpCommand, openView, startApp, waitForText } from "../lib/app.mjs";
import { decodeRgbaPng, imageDistance } from "../lib/png.mjs";
import { dbus, layout, waitForMenu } from "../lib/tray.mjs";

const TRAY_ITEM = "/org/ayatana/NotificationItem/tray_icon_tray_app_mcp_tray";
const TRAY_ICONS = ["ok", "degraded", "failing"].flatMap((status) =>
  ["light", "dark"].map((panel) => {
    const name = `${status}-${panel}`;
    return { name, status, image: decodeRgbaPng(fs.readFileSync(path.join(REPO, "icons", "tray", `${name}.png`))) };
  }),
);

/** The status the tray icon shows: the icon the panel was given (over D-Bus), matched to ours. */
async function trayStatus(env) {
  const bus = (args) => dbus(env, args);
  const names = await bus(["--dest=org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus.ListNames"]);
  for (const name of names.match(/":[0-9.]+"/g) ?? []) {
    const reply = await bus([
      `--dest=${name.slice(1, -1)}`,
      TRAY_ITEM,
      "org.freedesktop.DBus.Properties.Get",
      "string:org.kde.StatusNotifierItem",
      "string:IconName",
    ]).catch(() => "");
    const file = reply.match(/string "([^"]+\.png)"/)?.[1];
    if (!file) continue;
    const shown = decodeRgbaPng(fs.readFileSync(file));
    const nearest = TRAY_ICONS.map((icon) => ({ ...icon, distance: imageDistance(shown, icon.image) })).sort(
      (a, b) => a.distance - b.distance,
    )[0];
    return nearest.status;
  }
  return undefined;
}

const CLI = path.join(path.dirname(appBinary()), "mcp-tray");
const GHOST = "/nonexistent/ghost-mcp-server";

/** What the Servers row of `name` shows, read in one go. */
function rowOf(browser, name) {
  return browser.execute((n) => {
    const row = [...document.querySelectorAll('[data-testid="server-row"]')].find(
      (r) => r.querySelector('[data-testid="server-name"]')?.textContent?.trim() === n,
    );
    if (!row) return null;
    const text = (id) => row.querySelector(`[data-testid="${id}"]`)?.textContent?.trim() ?? null;
    const process = row.querySelector('[data-testid="server-process"]');
    const problem = row.querySelector('[data-testid="server-problem"]');
    return {
      status: text("server-status"),
      statusSource: row.querySelector('[data-testid="server-status"]')?.getAttribute("data-source") ?? null,
      testCode: row.querySelector('[data-testid="server-test-diagnosis"]')?.getAttribute("data-code") ?? null,
      problem: text("server-problem"),
      code: problem?.getAttribute("data-code") ?? null,
      source: problem?.getAttribute("data-source") ?? null,
      fix: text("server-fix"),
      process: process
        ? {
            text: process.textContent.trim(),
            running: process.getAttribute("data-running"),
            pid: Number(process.getAttribute("data-pid")),
            memory: Number(process.getAttribute("data-memory")),
            cpu: Number(process.getAttribute("data-cpu")),
          }
        : null,
    };
  }, name);
}

describe("server status", () => {
  let app;
  let logs;
  let shim;
  let tmp;

  before(async () => {
    logs = fs.mkdtempSync(path.join(os.tmpdir(), "mcp-tray-claude-logs-"));
    // The tray library writes the panel's icon under the temp dir: this app's own.
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "mcp-tray-tmp-"));
    // As Claude Desktop writes it when the command of a server does not exist: the cause, then
    // the generic records it always ends with (which must not replace the cause as the status).
    fs.writeFileSync(
      path.join(logs, "mcp-server-ghost.log"),
      `${new Date().toISOString()} [ghost] [info] Initializing server...\n` +
        `${new Date().toISOString()} [ghost] [error] spawn ${GHOST} ENOENT {"context":"connection"}\n` +
        `${new Date().toISOString()} [ghost] [info] Server transport closed\n` +
        `${new Date().toISOString()} [ghost] [info] Server transport closed unexpectedly, this is likely due to the process exiting early.\n` +
        `${new Date().toISOString()} [ghost] [error] Server disconnected. For troubleshooting guidance, please visit our [debugging documentation](https://modelcontextprotocol.io/docs/tools/debugging) {"context":"connection"}\n`,
    );
    app = await startApp({
      config: {
        mcpServers: {
          tiny: { command: CLI, args: ["wrap", "--name", "tiny", "--", fastmcpCommand(), "stdio"] },
          ghost: { command: GHOST, args: [] },
        },
      },
      env: { MCP_TRAY_CLAUDE_LOGS: logs, TMPDIR: tmp },
    });
    await waitForText(app.browser, '[data-testid="server-name"]');
  });

  after(async () => {
    if (shim && shim.exitCode === null) shim.kill();
    await app?.stop();
    fs.rmSync(logs, { recursive: true, force: true, maxRetries: 5 });
    fs.rmSync(tmp, { recursive: true, force: true, maxRetries: 5 });
  });

  it("shows a wrapped server's process: running, its pid, memory and CPU", async () => {
    // Started as Claude starts it, and kept open: a client that initialised and stays connected.
    shim = spawn(CLI, ["wrap", "--name", "tiny", "--", fastmcpCommand(), "stdio"], {
      env: { ...process.env, MCP_TRAY_HOME: app.home },
      stdio: ["pipe", "pipe", "ignore"],
    });
    shim.stdin.write(
      `${JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "initialize",
        params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "e2e", version: "1" } },
      })}\n`,
    );
    const [answer] = await once(shim.stdout, "data");
    assert.match(String(answer), /"serverInfo"/);

    let row;
    await app.browser.waitUntil(
      async () => {
        row = await rowOf(app.browser, "tiny");
        // The second sample gives CPU; wait for the tree to include the server under the shim.
        return row?.process?.running === "true" && row.process.text.includes("processes");
      },
      { timeout: 20_000, timeoutMsg: `tiny never showed as running: ${JSON.stringify(row)}` },
    );
    assert.equal(row.process.pid, shim.pid, "the shim's pid, as its journal says");
    assert.ok(row.process.memory > 1_000_000, `memory of a Python server: ${row.process.memory}`);
    assert.ok(Number.isFinite(row.process.cpu) && row.process.cpu >= 0, `CPU: ${row.process.cpu}`);
    assert.match(row.process.text, /CPU \d+\.\d % · \d+\.\d MB · up \d+ s/);
    assert.equal(row.status, "Connected");
    await app.screenshot("servers-process");

    shim.stdin.end();
    await once(shim, "exit");
    await app.browser.waitUntil(async () => (await rowOf(app.browser, "tiny"))?.process?.running === "false", {
      timeout: 15_000,
      timeoutMsg: "tiny still shows as running after its shim exited",
    });
  });

  it("shows a server failing only in Claude's log as Failing, with the diagnosis, its origin and the fix", async () => {
    let row;
    await app.browser.waitUntil(
      async () => {
        row = await rowOf(app.browser, "ghost");
        return row?.status === "Failing";
      },
      { timeout: 15_000, timeoutMsg: `ghost never showed Failing: ${JSON.stringify(row)}` },
    );
    assert.equal(row.code, "command-not-found");
    assert.equal(row.source, "claude-log");
    assert.match(row.problem, /from Claude's log, \d\d:\d\d/);
    assert.ok(row.fix && row.fix.length > 10, `a fix: ${row.fix}`);
    assert.equal(row.process, null, "MCP Tray never saw a process of it");
    let shown;
    await app.browser.waitUntil(async () => (shown = await trayStatus(app.env)) === "failing", {
      timeout: 10_000,
      timeoutMsg: `the tray icon shows ${shown}, not the failing one`,
    });
    // The tray menu's line for it carries the status too.
    const menu = await waitForMenu(app.env);
    let labels = [];
    await app.browser.waitUntil(
      async () => (labels = (await layout(app.env, menu)).map((i) => i.label)).includes("ghost — failing"),
      { timeout: 10_000, timeoutMsg: `no "ghost — failing" line in the tray menu: ${JSON.stringify(labels)}` },
    );
  });

  it("counts the last test: its result, newer than the log line, becomes the status and says so, once", async () => {
    await openView(app.browser, "Servers");
    assert.ok(await clickInRow(app.browser, "ghost", "server-test"), "no Test button on ghost");
    let row;
    await app.browser.waitUntil(
      async () => {
        row = await rowOf(app.browser, "ghost");
        return row?.statusSource === "probe";
      },
      { timeout: 20_000, timeoutMsg: `the test's result never became ghost's status: ${JSON.stringify(row)}` },
    );
    assert.equal(row.status, "Failing");
    // Said by the test's result in the row; the status note from that same test gives way to it.
    assert.equal(row.testCode, "command-not-found");
    assert.equal(row.problem, null, JSON.stringify(row));
  });

  it("forgets a removed server's status when another is added under its name", async () => {
    // ghost is Failing (Claude's log, then a test). Removed, and the tray's menu no longer lists
    // it: the app read the config without it.
    const config = JSON.parse(fs.readFileSync(app.configPath, "utf8"));
    const { ghost, ...others } = config.mcpServers;
    assert.ok(ghost, "ghost is in the config");
    fs.writeFileSync(app.configPath, JSON.stringify({ mcpServers: others }));
    const menu = await waitForMenu(app.env);
    let labels = [];
    await app.browser.waitUntil(
      async () => !(labels = (await layout(app.env, menu)).map((i) => i.label)).some((l) => l.startsWith("ghost")),
      { timeout: 15_000, timeoutMsg: `ghost is still in the tray menu: ${JSON.stringify(labels)}` },
    );
    // A new ghost, a server that works: nothing has run it yet.
    fs.writeFileSync(
      app.configPath,
      JSON.stringify({
        mcpServers: { ...others, ghost: { command: CLI, args: ["wrap", "--name", "ghost", "--", fastmcpCommand(), "stdio"] } },
      }),
    );
    let row;
    await app.browser.waitUntil(async () => (row = await rowOf(app.browser, "ghost")) !== null, {
      timeout: 15_000,
      timeoutMsg: "the new ghost never showed",
    });
    await app.browser.waitUntil(
      async () => (labels = (await layout(app.env, menu)).map((i) => i.label)).some((l) => l.startsWith("ghost")),
      { timeout: 15_000, timeoutMsg: `the new ghost is not in the tray menu: ${JSON.stringify(labels)}` },
    );
    row = await rowOf(app.browser, "ghost");
    assert.equal(row.status, "Never started", JSON.stringify(row));
    assert.equal(row.problem, null, JSON.stringify(row));
    assert.ok(!labels.includes("ghost — failing"), JSON.stringify(labels));
  });

  it("turns the tray red for an entry Claude cannot start before anything ran (a url entry), calm once it runs through the bridge", async () => {
    const trayBecomes = async (status, why) => {
      let shown;
      await app.browser.waitUntil(async () => (shown = await trayStatus(app.env)) === status, {
        timeout: 15_000,
        timeoutMsg: `${why}: the tray icon shows ${shown}, not ${status}`,
      });
    };
    fs.writeFileSync(app.configPath, JSON.stringify({ mcpServers: {} }));
    await trayBecomes("ok", "no servers");
    // Claude Desktop ignores url entries: nothing ran, and yet it cannot start that server.
    fs.writeFileSync(app.configPath, JSON.stringify({ mcpServers: { weather: { url: "https://weather.example.com/mcp" } } }));
    await trayBecomes("failing", "a url entry");
    // The menu says which server the red icon is about.
    const menu = await waitForMenu(app.env);
    let labels = [];
    await app.browser.waitUntil(
      async () => (labels = (await layout(app.env, menu)).map((i) => i.label)).includes("weather — failing"),
      { timeout: 10_000, timeoutMsg: `no "weather — failing" line in the tray menu: ${JSON.stringify(labels)}` },
    );
    fs.writeFileSync(
      app.configPath,
      JSON.stringify({ mcpServers: { weather: { command: CLI, args: ["bridge", "https://weather.example.com/mcp", "--name", "weather"] } } }),
    );
    await trayBecomes("ok", "the same server through the bridge");
  });
});
