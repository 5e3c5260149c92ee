// The app's window, end to end: the real debug build under Xvfb, driven through tauri-driver.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
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
    await app.screenshot("servers");
  });

  it("shows the data dir named by MCP_TRAY_HOME in Settings", async () => {
    await openView(app.browser, "Settings");
    assert.equal(await waitForText(app.browser, '[data-testid="data-dir"]'), app.home);
    await openView(app.browser, "Servers");
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

describe("main window in dark mode", () => {
  it("follows a dark OS theme", async () => {
    const app = await startApp({ env: { GTK_THEME: "Adwaita:dark" } });
    try {
      await waitForText(app.browser, '[data-testid="config-path"]', { equals: app.configPath });
      const background = await app.browser.execute(() => getComputedStyle(document.body).backgroundColor);
      await app.screenshot("servers-dark");
      const [r, g, b] = (background.match(/\d+/g) ?? []).map(Number);
      assert.ok(r + g + b < 200, `expected a dark background, got ${background}`);
    } finally {
      await app.stop();
    }
  });
});
