// Sign-in handed to the app, end to end: the real app runs; a real bridge (target/debug/mcp-tray)
// started by the test meets a protected FastMCP server (tests/peers/auth_server.py, whose
// authorization server approves at once) and hands its sign-in to the app; the window shows
// "Sign in to prot", the test clicks the button, the "browser" ($BROWSER: auth_browser.py, which
// follows the authorization URL like a user agent) completes the flow in the app, and the
// bridge's next request goes through with the tokens the app stored. The same from the tray's
// "Sign in to NAME" line, from Add server when the server it tests asks for a sign-in, and after
// Claude killed the bridge that asked (the next bridge finds the tokens the app stored).
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import readline from "node:readline";
import { after, before, describe, it } from "node:test";
import { REPO, appBinary, clickAdd, freePorts, startApp, waitForText } from "../lib/app.mjs";
import { clickItem, layout, waitForMenu } from "../lib/tray.mjs";

const PYTHON = path.join(REPO, "tests", "peers", ".venv", "bin", "python");
const PEERS = path.join(REPO, "tests", "peers");
const MCP_TRAY = path.join(path.dirname(appBinary()), "mcp-tray");

async function listening(port) {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/** Starts auth_server.py; resolves to `{ url, stats(), stop() }`. */
async function startProtectedServer() {
  const [asPort, mcpPort] = await freePorts(2);
  const child = spawn(PYTHON, [path.join(PEERS, "auth_server.py"), String(asPort), String(mcpPort)], {
    stdio: "ignore",
  });
  const deadline = Date.now() + 20_000;
  while (!((await listening(asPort)) && (await listening(mcpPort)))) {
    if (child.exitCode !== null) throw new Error(`auth_server.py exited (${child.exitCode})`);
    if (Date.now() > deadline) throw new Error("auth_server.py did not start");
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url: `http://127.0.0.1:${mcpPort}/mcp`,
    stats: async () => (await fetch(`http://127.0.0.1:${asPort}/stats`)).json(),
    stop: async () => {
      if (child.exitCode === null) {
        child.kill("SIGTERM");
        await once(child, "exit").catch(() => {});
      }
    },
  };
}

/** A bridge as Claude Desktop starts it, with a JSON-RPC `request()` over its stdio. */
function startBridge(url, env, name = "prot") {
  const child = spawn(MCP_TRAY, ["bridge", url, "--name", name], { env, stdio: ["pipe", "pipe", "ignore"] });
  const lines = readline.createInterface({ input: child.stdout });
  const waiting = [];
  lines.on("line", (line) => waiting.shift()?.(JSON.parse(line)));
  return {
    request(id, method, params) {
      const reply = new Promise((resolve) => waiting.push(resolve));
      child.stdin.write(`${JSON.stringify({ jsonrpc: "2.0", id, method, params })}\n`);
      return reply;
    },
    initialize(id) {
      return this.request(id, "initialize", {
        protocolVersion: "2025-11-25",
        capabilities: {},
        clientInfo: { name: "e2e", version: "1" },
      });
    },
    stop() {
      child.stdin.end();
      child.kill("SIGTERM");
    },
  };
}

describe("sign-in handed to the app", () => {
  let server;
  let app;
  let bridge;
  let browserDir;

  before(async () => {
    assert.ok(fs.existsSync(PYTHON), `${PYTHON} is missing: run \`make peers\``);
    server = await startProtectedServer();
    // The "browser": a one-line command, so nothing of this checkout shows in a process list.
    browserDir = fs.mkdtempSync(path.join(os.tmpdir(), "mcp-tray-browser-"));
    const browser = path.join(browserDir, "browser");
    fs.writeFileSync(
      browser,
      `#!/bin/sh\nexec ${JSON.stringify(PYTHON)} ${JSON.stringify(path.join(PEERS, "auth_browser.py"))} "$@"\n`,
      { mode: 0o755 },
    );
    app = await startApp({
      config: { mcpServers: { prot: { command: MCP_TRAY, args: ["bridge", server.url, "--name", "prot"] } } },
      env: { BROWSER: browser },
    });
    await waitForText(app.browser, '[data-testid="server-name"]');
  });

  after(async () => {
    bridge?.stop();
    await app?.stop();
    await server?.stop();
    if (browserDir) fs.rmSync(browserDir, { recursive: true, force: true, maxRetries: 5 });
  });

  it("shows 'Sign in to prot', signs in from the app, and the bridge's next request succeeds", async () => {
    // The bridge gets no browser of its own: a sign-in by the bridge itself would fail.
    bridge = startBridge(server.url, { ...app.env, BROWSER: "false" });
    const first = await bridge.initialize(1);
    assert.equal(first.error?.message, "sign-in required for prot: open MCP Tray or run mcp-tray auth login prot");

    await waitForText(app.browser, '[data-testid="sign-in-title"]', { equals: "Sign in to prot" });
    // Servers says so too (Claude cannot use it yet), not "Connected": the bridge's own
    // "sign-in required" reply is not the server talking.
    await waitForText(app.browser, '[data-testid="server-status"]', { equals: "Failing" });
    // (Its diagnosis in words; the code itself on the element, and on hover.)
    assert.match(await app.browser.$('[data-testid="server-row"]').getText(), /Sign-in needed/);
    assert.equal(await app.browser.$('[data-testid="server-problem"]').getAttribute("data-code"), "auth-required");
    await app.screenshot("sign-in");
    assert.equal((await server.stats()).authorize, 0, "nobody signed in before the click");

    await app.browser.$('[data-testid="sign-in-button"]').click();
    await app.browser.waitUntil(async () => !(await app.browser.$('[data-testid="sign-in-banner"]').isExisting()), {
      timeout: 30_000,
      timeoutMsg: "the banner did not go away after the sign-in",
    });
    assert.equal(fs.readdirSync(path.join(app.home, "auth", "requests")).filter((f) => f.endsWith(".json")).length, 0);
    // Said, with what to do next (Claude got "sign-in required" and does not try again by itself),
    // and the focus is on it, not left on the page with the button that went.
    assert.equal(
      await waitForText(app.browser, '[data-testid="sign-in-notice"]'),
      "Signed in to prot. If Claude Desktop shows prot as failed, restart Claude Desktop: it does not try a server again by itself.",
    );
    const focused = await app.browser.execute(() => document.activeElement?.getAttribute("data-testid"));
    assert.equal(focused, "sign-in-notice");
    // MCP Tray cannot restart Claude Desktop on Linux: no button offers to.
    assert.equal(await app.browser.$('[data-testid="sign-in-restart-claude"]').isExisting(), process.platform !== "linux");
    // The row no longer says "sign-in required" nor offers Sign in: signed in, and what brings
    // Claude back to it.
    await waitForText(app.browser, '[data-testid="server-status"]', { equals: "Needs attention" });
    assert.match(await app.browser.$('[data-testid="server-problem"]').getText(), /^signed in; .*restart Claude Desktop/s);
    assert.equal(await app.browser.$('[data-testid="server-sign-in"]').isExisting(), false);
    await app.screenshot("sign-in-done");

    const second = await bridge.initialize(2);
    assert.ok(second.result?.serverInfo, JSON.stringify(second));
    // The bridge talked since: that is newer, and the server is connected.
    await waitForText(app.browser, '[data-testid="server-status"]', { equals: "Connected" });
    const stats = await server.stats();
    assert.equal(stats.authorize, 1, JSON.stringify(stats));
    // No token in the app's log.
    for (const token of stats.issued ?? []) assert.ok(!fs.readFileSync(app.log, "utf8").includes(token));
  });

  it("the sign-in survives Claude killing the bridge: the next bridge finds the tokens", async () => {
    const fresh = await startProtectedServer();
    let doomed;
    let next;
    try {
      doomed = startBridge(fresh.url, { ...app.env, BROWSER: "false" }, "killed");
      const first = await doomed.initialize(1);
      assert.match(first.error?.message ?? "", /^sign-in required for killed/);
      await waitForText(app.browser, '[data-testid="sign-in-title"]', { equals: "Sign in to killed" });
      // Claude Desktop kills the bridge before the person gets to the button.
      doomed.stop();
      await app.browser.$('[data-testid="sign-in-button"]').click();
      await app.browser.waitUntil(async () => !(await app.browser.$('[data-testid="sign-in-banner"]').isExisting()), {
        timeout: 30_000,
        timeoutMsg: "the banner did not go away after the sign-in",
      });
      // The bridge Claude starts next finds the app's sign-in and needs no other.
      next = startBridge(fresh.url, { ...app.env, BROWSER: "false" }, "killed");
      const reply = await next.initialize(1);
      assert.ok(reply.result?.serverInfo, JSON.stringify(reply));
      assert.equal((await fresh.stats()).authorize, 1);
    } finally {
      // Also when the test failed before Claude's "kill": a bridge left waiting would keep the
      // test process alive.
      doomed?.stop();
      next?.stop();
      await fresh.stop();
    }
  });

  it("Add server: a server that asks for a sign-in gets a Sign in button, then is tested and written", async () => {
    const fresh = await startProtectedServer();
    try {
      const input = app.browser.$('[data-testid="add-input"]');
      await input.waitForExist({ timeout: 15_000 });
      await input.setValue(fresh.url);
      const name = app.browser.$('[data-testid="add-name"]');
      await name.waitForExist({ timeout: 10_000 });
      await name.setValue("guarded");
      await clickAdd(app.browser);
      const signIn = app.browser.$('[data-testid="add-sign-in"]');
      await signIn.waitForExist({ timeout: 60_000, timeoutMsg: "no Sign in offered after the probe" });
      assert.ok(!fs.readFileSync(app.configPath, "utf8").includes("guarded"), "written before the sign-in");
      await signIn.click();
      await waitForText(app.browser, '[data-testid="add-done"]', { timeout: 60_000 });
      // The Sign in button went while the browser was open: the focus is on what was added, not on the page.
      await app.browser.waitUntil(
        async () => (await app.browser.execute(() => document.activeElement?.getAttribute("data-testid"))) === "add-done",
        { timeout: 5_000, timeoutMsg: "the focus is not on the 'Added' message" },
      );
      const written = JSON.parse(fs.readFileSync(app.configPath, "utf8"));
      assert.deepEqual(written.mcpServers.guarded?.args, ["bridge", fresh.url, "--name", "guarded"]);
      assert.equal((await fresh.stats()).authorize, 1);
    } finally {
      await fresh.stop();
    }
  });

  it("the tray's 'Sign in to NAME' line signs in too", async () => {
    const fresh = await startProtectedServer();
    const other = startBridge(fresh.url, { ...app.env, BROWSER: "false" }, "tray-prot");
    try {
      const first = await other.initialize(1);
      assert.match(first.error?.message ?? "", /^sign-in required for tray-prot/);
      const menu = await waitForMenu(app.env);
      let line;
      await app.browser.waitUntil(
        async () => {
          line = (await layout(app.env, menu)).find((i) => i.label === "Sign in to tray-prot");
          return line !== undefined;
        },
        { timeout: 10_000, timeoutMsg: "no 'Sign in to tray-prot' line in the tray menu" },
      );
      await clickItem(app.env, menu, line.id);
      // The line goes once the tokens are stored (storing clears the request).
      await app.browser.waitUntil(
        async () => !(await layout(app.env, menu)).some((i) => i.label === "Sign in to tray-prot"),
        { timeout: 30_000, timeoutMsg: "the tray line stayed: the sign-in did not finish" },
      );
      // A menu has no place for what to do next: the window says it, as after its own sign-in.
      await app.browser.waitUntil(
        async () => (await (await app.browser.$('[data-testid="sign-in-notice"]')).getText()).startsWith("Signed in to tray-prot."),
        { timeout: 10_000, timeoutMsg: "the window did not say the tray's sign-in worked" },
      );
      assert.equal((await fresh.stats()).authorize, 1);
      const second = await other.initialize(2);
      assert.ok(second.result?.serverInfo, JSON.stringify(second));
    } finally {
      other.stop();
      await fresh.stop();
    }
  });

  it("no browser opens: the window shows the sign-in address with Copy, and opening it by hand signs in", async () => {
    const fresh = await startProtectedServer();
    const other = startBridge(fresh.url, { ...app.env, BROWSER: "false" }, "authy");
    const browser = path.join(browserDir, "browser");
    const request = `[data-sign-in-url="${fresh.url}"]`;
    try {
      const first = await other.initialize(1);
      assert.match(first.error?.message ?? "", /^sign-in required for authy/);
      await waitForText(app.browser, '[data-testid="sign-in-title"]', { equals: "Sign in to authy" });
      // No browser can be opened: $BROWSER names a file that cannot run, and there is no other.
      fs.chmodSync(browser, 0o644);
      await app.browser.$(`${request} [data-testid="sign-in-button"]`).click();
      // Said at once, not after the browser's 10 minutes: the address to open, with Copy, and
      // the controls of the sign-in under way.
      const said = await waitForText(app.browser, `${request} [data-testid="sign-in-browser-failed"]`);
      assert.match(said, /browser did not open/i);
      const field = app.browser.$(`${request} [data-testid="sign-in-address"]`);
      await field.waitForExist({ timeout: 5_000, timeoutMsg: "no sign-in address shown" });
      const address = await field.getValue();
      const page = new URL(address);
      assert.equal(page.searchParams.get("code_challenge_method"), "S256");
      assert.match(page.searchParams.get("redirect_uri") ?? "", /^http:\/\/127\.0\.0\.1:\d+\/callback$/);
      for (const control of ["sign-in-open-again", "sign-in-cancel"]) {
        assert.ok(await app.browser.$(`${request} [data-testid="${control}"]`).isExisting(), control);
      }
      // No browser came up: nothing is opened "again".
      assert.equal(await app.browser.$(`${request} [data-testid="sign-in-open-again"]`).getText(), "Open the browser");
      await app.browser.execute(() => document.querySelector('[data-testid="sign-in-banner"]')?.scrollIntoView());
      await app.screenshot("sign-in-browser-failed");
      const copy = app.browser.$(`${request} [data-testid="sign-in-copy"]`);
      await copy.click();
      await app.browser.waitUntil(async () => (await copy.getText()) === "Copied", { timeout: 5_000, timeoutMsg: "Copy did not say it copied" });
      assert.equal((await fresh.stats()).authorize, 0, "nobody opened the address yet");

      // The person pastes the address into a browser: the sign-in finishes as usual.
      fs.chmodSync(browser, 0o755);
      const opened = spawn(PYTHON, [path.join(PEERS, "auth_browser.py"), address], { stdio: "ignore" });
      await once(opened, "exit");
      await app.browser.waitUntil(async () => !(await app.browser.$(request).isExisting()), {
        timeout: 30_000,
        timeoutMsg: "the request stayed: the sign-in did not finish",
      });
      assert.match(await waitForText(app.browser, '[data-testid="sign-in-notice"]'), /^Signed in to authy\./);
      assert.equal((await fresh.stats()).authorize, 1);
      const second = await other.initialize(2);
      assert.ok(second.result?.serverInfo, JSON.stringify(second));
    } finally {
      fs.chmodSync(browser, 0o755);
      // A sign-in left waiting (the test failed) would keep its listener for 10 minutes.
      const cancel = app.browser.$(`${request} [data-testid="sign-in-cancel"]`);
      if (await cancel.isExisting()) await cancel.click();
      other.stop();
      await fresh.stop();
    }
  });
});
