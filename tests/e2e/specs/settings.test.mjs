// Settings, end to end: "Start MCP Tray at login" writes and removes the XDG autostart entry (in
// a private HOME), and the journals' retention is shown.
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { openView, startApp, waitForText } from "../lib/app.mjs";

describe("settings", () => {
  let app;
  // auto-launch writes to $HOME/.config/autostart whatever XDG_CONFIG_HOME says: a private HOME.
  const home = fs.mkdtempSync(path.join(os.tmpdir(), "mcp-tray-e2e-home-"));
  before(async () => {
    app = await startApp({ env: { HOME: home } });
    await openView(app.browser, "Settings");
  });
  after(async () => {
    await app?.stop();
    fs.rmSync(home, { recursive: true, force: true });
  });

  const autostartFiles = () => {
    const dir = path.join(home, ".config", "autostart");
    return fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith(".desktop")) : [];
  };

  it("turns start at login on and off through the OS's autostart entry", async () => {
    const box = app.browser.$('[data-testid="start-at-login"]');
    await app.browser.waitUntil(async () => await box.isEnabled(), { timeout: 10_000, timeoutMsg: "the checkbox stayed disabled" });
    assert.equal(await box.isSelected(), false);
    assert.deepEqual(autostartFiles(), []);
    await box.click();
    await app.browser.waitUntil(async () => autostartFiles().length === 1, { timeout: 5_000, timeoutMsg: "no autostart entry was written" });
    const entry = fs.readFileSync(path.join(home, ".config", "autostart", autostartFiles()[0]), "utf8");
    assert.match(entry, /mcp-tray-app/);
    await app.screenshot("settings");
    await box.click();
    await app.browser.waitUntil(async () => autostartFiles().length === 0, { timeout: 5_000, timeoutMsg: "the autostart entry stayed" });
  });

  it("shows how much traffic the journals keep", async () => {
    assert.match(await waitForText(app.browser, '[data-testid="journal-retention"]'), /MiB per server/);
  });
});
