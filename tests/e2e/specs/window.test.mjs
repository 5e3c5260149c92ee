// The app's window, end to end: the real debug build under Xvfb, driven through tauri-driver.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { appBinary, navLabels, openView, startApp, waitForText } from "../lib/app.mjs";

describe("main window", () => {
  let app;
  before(async () => {
    app = await startApp({
      config: { mcpServers: { everything: { command: "npx", args: ["-y", "@modelcontextprotocol/server-everything"] } } },
    });
  });
  after(async () => {
    await app?.stop();
  });

  it("shows the four views of the design in the navigation", async () => {
    await waitForText(app.browser, "h1", { equals: "Servers" });
    assert.deepEqual(await navLabels(app.browser), ["Servers", "Traffic", "Logs", "Settings"]);
  });

  it("shows the config file named by MCP_TRAY_CLAUDE_CONFIG on Servers", async () => {
    const shown = await waitForText(app.browser, '[data-testid="config-path"]');
    assert.equal(shown, app.configPath);
  });

  it("lists the servers of that config file", async () => {
    await waitForText(app.browser, '[data-testid="server-name"]', { equals: "everything" });
  });

  it("shows a server added to the file by another program without a reload", async () => {
    const config = JSON.parse(fs.readFileSync(app.configPath, "utf8"));
    config.mcpServers.linear = { command: "npx", args: ["-y", "mcp-remote", "https://mcp.linear.app/mcp"] };
    fs.writeFileSync(app.configPath, JSON.stringify(config, null, 2));
    await app.browser.waitUntil(async () => (await app.browser.$$('[data-testid="server-name"]')).length === 2, {
      timeout: 10_000,
      timeoutMsg: "the new server did not appear",
    });
    const names = [];
    for (const el of await app.browser.$$('[data-testid="server-name"]')) names.push(await el.getText());
    assert.deepEqual(names, ["everything", "linear"]);
  });

  it("shows the data dir named by MCP_TRAY_HOME in Settings", async () => {
    await openView(app.browser, "Settings");
    assert.equal(await waitForText(app.browser, '[data-testid="data-dir"]'), app.home);
    await openView(app.browser, "Servers");
  });

  it("moves between views with the keyboard alone", async () => {
    await app.browser.$('[data-testid="nav-servers"]').click();
    await app.browser.keys(["ArrowDown"]);
    await waitForText(app.browser, "h1", { equals: "Traffic" });
    const focused = await app.browser.execute(() => document.activeElement?.getAttribute("data-testid"));
    assert.equal(focused, "nav-traffic");
    await app.browser.keys(["Control", "4"]);
    await waitForText(app.browser, "h1", { equals: "Settings" });
    await app.browser.keys(["Control", "1"]);
    await waitForText(app.browser, "h1", { equals: "Servers" });
  });

  it("loads nothing from outside the app: the CSP blocks requests to other origins", async () => {
    let requests = 0;
    const server = http.createServer((_req, res) => {
      requests += 1;
      res.setHeader("Access-Control-Allow-Origin", "*");
      res.end("hello");
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    try {
      const url = `http://127.0.0.1:${server.address().port}/probe`;
      const outcome = await app.browser.executeAsync((target, done) => {
        fetch(target).then(
          (r) => r.text().then((t) => done(`loaded: ${t}`)),
          (e) => done(`blocked: ${e}`),
        );
      }, url);
      assert.match(outcome, /^blocked/);
      assert.equal(requests, 0, "the request reached the server");
    } finally {
      server.close();
    }
  });

  it("hands a second launch over to the running app, which keeps its window", async () => {
    const second = spawn(appBinary(), [], { env: app.env, stdio: "ignore" });
    const timer = setTimeout(() => second.kill("SIGKILL"), 20_000);
    const [code, signal] = await once(second, "exit");
    clearTimeout(timer);
    assert.equal(signal, null, "the second launch hung instead of handing over");
    assert.equal(code, 0);
    assert.equal(await waitForText(app.browser, '[data-testid="config-path"]'), app.configPath);
  });
});

describe("main window with a config that does not parse", () => {
  it("says where the file is broken, as path:line:col, and comes back by itself once it is fixed", async () => {
    const app = await startApp({ config: '{\n  "mcpServers": {\n    "a": { "command": "x" },\n  }\n}\n' });
    try {
      const alert = await waitForText(app.browser, '[role="alert"]');
      assert.ok(alert.includes(`${app.configPath}:3:`), alert);
      // The way to the file, not a Try again: the view follows the file.
      assert.equal(await app.browser.$('[data-testid="load-error-open"]').getText(), "Open folder");
      assert.equal(await app.browser.$("button=Try again").isExisting(), false);
      assert.match(await waitForText(app.browser, '[data-testid="bad-config-help"]'), /comes back by itself/);
      await app.screenshot("servers-broken-config");
      fs.writeFileSync(app.configPath, '{\n  "mcpServers": {\n    "a": { "command": "x" }\n  }\n}\n');
      assert.equal(await waitForText(app.browser, '[data-testid="server-name"]'), "a");
      assert.equal(await app.browser.$('[data-testid="load-error-open"]').isExisting(), false);
    } finally {
      await app.stop();
    }
  });
});

// A config with one entry of each kind people have, for the screenshots in docs/screenshots/. The
// shims run the CLI built beside the app, as entries MCP Tray writes do (no row shows that path).
const CLI = path.join(path.dirname(appBinary()), "mcp-tray");
const SHOWCASE = {
  mcpServers: {
    filesystem: { command: "npx", args: ["-y", "@modelcontextprotocol/server-filesystem", "/home/me/Projects"] },
    github: { command: CLI, args: ["bridge", "https://api.githubcopilot.com/mcp/", "--name", "github"] },
    linear: { command: "npx", args: ["-y", "mcp-remote", "https://mcp.linear.app/mcp"] },
    notes: { command: CLI, args: ["wrap", "--name", "notes", "--", "uvx", "notes-mcp"] },
    weather: { url: "https://weather.example.com/mcp" },
  },
};

for (const [theme, env] of [
  ["light", {}],
  ["dark", { GTK_THEME: "Adwaita:dark" }],
]) {
  describe(`main window in ${theme} mode`, () => {
    it(`follows a ${theme} OS theme and lists every kind of server`, async () => {
      const app = await startApp({ config: SHOWCASE, env });
      try {
        await app.browser.waitUntil(async () => (await app.browser.$$('[data-testid="server-name"]')).length === 5, {
          timeout: 15_000,
          timeoutMsg: "the five showcase servers did not appear",
        });
        await waitForText(app.browser, '[data-testid="config-path"]', { equals: app.configPath });
        // The config's own mistakes (mcp-remote, a url entry) are listed once the checks answer.
        await app.browser.waitUntil(
          async () => {
            const codes = await app.browser.$$('[data-testid="server-finding"]').map((f) => f.getAttribute("data-code"));
            return codes.includes("mcp-remote-replaceable") && codes.includes("url-entry-unsupported");
          },
          { timeout: 15_000, timeoutMsg: "the showcase's config findings did not appear" },
        );
        const background = await app.browser.execute(() => getComputedStyle(document.body).backgroundColor);
        const [r, g, b] = (background.match(/\d+/g) ?? []).map(Number);
        if (theme === "dark") assert.ok(r + g + b < 200, `expected a dark background, got ${background}`);
        else assert.ok(r + g + b > 600, `expected a light background, got ${background}`);
        await app.screenshot(theme === "dark" ? "servers-dark" : "servers");
      } finally {
        await app.stop();
      }
    });
  });
}
