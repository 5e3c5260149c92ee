// Settings, end to end: "Start MCP Tray at login" writes and removes the XDG autostart entry (in
// a private HOME); the config in use, Claude's logs and the data folder are shown and opened in the
// file manager (a recording xdg-open first on PATH stands in for it); redaction and retention are
// written to the settings file the shims read, and a value out of bounds is refused.
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
  // The file manager: an xdg-open that writes down what it was asked to open.
  const bin = path.join(home, "bin");
  const opened = path.join(home, "opened.txt");
  fs.mkdirSync(bin);
  fs.writeFileSync(path.join(bin, "xdg-open"), `#!/bin/sh\nprintf '%s\\n' "$1" >> ${JSON.stringify(opened)}\n`, { mode: 0o755 });
  before(async () => {
    app = await startApp({ env: { HOME: home, PATH: `${bin}${path.delimiter}${process.env.PATH}` } });
    await openView(app.browser, "Settings");
  });
  after(async () => {
    await app?.stop();
    fs.rmSync(home, { recursive: true, force: true, maxRetries: 5 });
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
    await box.click();
    await app.browser.waitUntil(async () => autostartFiles().length === 0, { timeout: 5_000, timeoutMsg: "the autostart entry stayed" });
  });

  const settingsFile = () => path.join(app.home, "settings.json");
  const savedSettings = () => JSON.parse(fs.readFileSync(settingsFile(), "utf8"));

  it("shows the config in use and why, Claude's logs and the data folder, and opens a folder", async () => {
    assert.equal(await waitForText(app.browser, '[data-testid="settings-config-path"]'), app.configPath);
    assert.match(await app.browser.$("main").getText(), /Set by MCP_TRAY_CLAUDE_CONFIG/);
    assert.equal(await waitForText(app.browser, '[data-testid="data-dir"]'), app.home);
    assert.match(await waitForText(app.browser, '[data-testid="claude-logs-dir"]'), /Claude[/\\]logs$/);
    await app.browser.$('[data-testid="data-dir-open"]').click();
    await app.browser.waitUntil(async () => fs.existsSync(opened), { timeout: 5_000, timeoutMsg: "nothing was opened" });
    assert.equal(fs.readFileSync(opened, "utf8").trim(), app.home);
    // Claude's log folder does not exist in this private HOME: said so, nothing opened.
    await app.browser.$('[data-testid="claude-logs-dir-open"]').click();
    assert.match(await waitForText(app.browser, '[data-testid="claude-logs-dir-problem"]'), /does not exist yet/);
    assert.equal(fs.readFileSync(opened, "utf8").trim().split("\n").length, 1);
    await app.browser.execute(() => document.querySelector("main")?.scrollTo(0, 0));
    await app.screenshot("settings");
  });

  it("hides secrets in the journals by default, and writes redaction off and on to the settings file", async () => {
    const box = app.browser.$('[data-testid="redact-secrets"]');
    await app.browser.waitUntil(async () => await box.isEnabled(), { timeout: 10_000, timeoutMsg: "the redaction box stayed disabled" });
    assert.equal(await box.isSelected(), true);
    assert.equal(fs.existsSync(settingsFile()), false, "defaults need no file");
    await box.click();
    await waitForText(app.browser, '[data-testid="redaction-off"]');
    assert.equal(savedSettings().redact, false);
    await box.click();
    await app.browser.waitUntil(async () => savedSettings().redact === true, { timeout: 5_000, timeoutMsg: "redaction stayed off" });
  });

  it("saves the journals' retention, and refuses a value out of bounds without writing it", async () => {
    const kept = app.browser.$('[data-testid="retention-files-kept"]');
    assert.equal(await kept.getValue(), "3");
    assert.equal(await app.browser.$('[data-testid="retention-file-mib"]').getValue(), "8");
    await kept.setValue("25");
    await app.browser.$('[data-testid="retention-save"]').click();
    assert.match(await waitForText(app.browser, '[data-testid="journal-settings-error"]'), /between 0 and 20 \(got 25\)/);
    assert.equal(savedSettings().journal.filesKept, 3);
    await kept.setValue("5");
    await app.browser.$('[data-testid="retention-save"]').click();
    await waitForText(app.browser, '[data-testid="retention-saved"]');
    assert.equal(savedSettings().journal.filesKept, 5);
    assert.equal(await app.browser.$('[data-testid="journal-settings-error"]').isExisting(), false);
    await app.browser.execute(() => document.querySelector("main")?.scrollTo(0, 1e6));
    await app.screenshot("settings-journals");
  });
});

// Theme: Settings says it follows the OS; in the OS's dark and light schemes it is dark and light.
for (const [theme, env] of [
  ["light", {}],
  ["dark", { GTK_THEME: "Adwaita:dark" }],
]) {
  describe(`settings in the OS's ${theme} theme`, () => {
    it(`is ${theme}, and says the theme follows the system`, async () => {
      const app = await startApp({ env });
      try {
        await openView(app.browser, "Settings");
        assert.match(await app.browser.$("main").getText(), /Theme: follows the system's light or dark mode/);
        const [bg, text] = await app.browser.execute(() => [
          getComputedStyle(document.querySelector(".card")).backgroundColor,
          getComputedStyle(document.querySelector("h1")).color,
        ]);
        const sum = (css) => (css.match(/\d+/g) ?? []).slice(0, 3).map(Number).reduce((a, b) => a + b, 0);
        if (theme === "dark") assert.ok(sum(bg) < 200 && sum(text) > 600, `dark: card ${bg}, heading ${text}`);
        else assert.ok(sum(bg) > 600 && sum(text) < 200, `light: card ${bg}, heading ${text}`);
        await waitForText(app.browser, '[data-testid="data-dir"]');
        // The light one is settings.png, above.
        if (theme === "dark") await app.screenshot("settings-dark");
      } finally {
        await app.stop();
      }
    });
  });
}
