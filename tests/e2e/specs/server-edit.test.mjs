// Editing a server and adding a local one, end to end: the Edit form changes one entry's args in
// a hand-formatted config (only that entry's bytes change, its masked secret is kept) and Undo
// gives the file back byte for byte; the local-server form explains a command that does not exist
// without writing anything, and with the real FastMCP server lists its tools, then writes it to run
// through the tap (traffic capture is on by default).
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { appBinary, clickInRow, clickWhenEnabled, fastmcpCommand, startApp, waitForText } from "../lib/app.mjs";

// Hand-formatted on purpose: a re-serialising writer would change the spacing and the tab.
const ORIGINAL = `{
  "globalShortcut": "Ctrl+Space",
  "mcpServers": {
    "alpha":   { "command": "npx", "args": ["-y", "@modelcontextprotocol/server-everything"] },
    "beta": {
\t"command": "uvx",   "args": ["mcp-server-fetch"],
      "env": { "FETCH_TOKEN": "not-a-real-secret" }
    },
    "gamma": { "command": "node", "args": ["/opt/gamma/index.js"] }
  }
}
`;
const BEFORE_BETA = ORIGINAL.slice(0, ORIGINAL.indexOf('"beta": ') + '"beta": '.length);
const AFTER_BETA = ORIGINAL.slice(ORIGINAL.indexOf(',\n    "gamma"'));

/** Types into a field, replacing what it held. */
async function fill(browser, testid, text) {
  const field = browser.$(`[data-testid="${testid}"]`);
  await field.waitForExist({ timeout: 10_000 });
  await field.clearValue();
  await field.setValue(text);
}

describe("server edit and the local-server form", () => {
  let app;
  before(async () => {
    app = await startApp({ config: ORIGINAL });
    await waitForText(app.browser, '[data-testid="server-name"]');
  });
  after(async () => {
    await app?.stop();
  });

  it("edits one entry's args: only its bytes change, its secret is kept and never shown; Undo restores the file", async () => {
    assert.ok(await clickInRow(app.browser, "beta", "server-edit"), "no Edit button on beta");
    await app.browser.$('[data-testid="edit-args"]').waitForExist({ timeout: 10_000 });
    await app.browser.waitUntil(async () => (await app.browser.$('[data-testid="edit-args"]').getValue()) === "mcp-server-fetch", {
      timeout: 10_000,
      timeoutMsg: "the form never showed beta's args",
    });
    await app.browser.$('[data-testid="edit-env-masked"]').waitForExist({ timeout: 5_000 });
    await fill(app.browser, "edit-args", "mcp-server-fetch --ignore-robots-txt");
    const page = await app.browser.execute(() => document.body.innerHTML);
    assert.ok(!page.includes("not-a-real-secret"), "the secret value is in the page");
    await app.screenshot("servers-edit");

    await app.browser.$('[data-testid="edit-save"]').click();
    await waitForText(app.browser, '[data-testid="server-change"]');
    const written = fs.readFileSync(app.configPath, "utf8");
    assert.ok(written.startsWith(BEFORE_BETA), `the bytes before beta changed:\n${written}`);
    assert.ok(written.endsWith(AFTER_BETA), `the bytes after beta changed:\n${written}`);
    const beta = JSON.parse(written.slice(BEFORE_BETA.length, written.length - AFTER_BETA.length));
    assert.deepEqual(beta, {
      command: "uvx",
      args: ["mcp-server-fetch", "--ignore-robots-txt"],
      env: { FETCH_TOKEN: "not-a-real-secret" },
    });

    await clickWhenEnabled(app.browser, '[data-testid="server-undo"]');
    await app.browser.waitUntil(() => fs.readFileSync(app.configPath, "utf8") === ORIGINAL, {
      timeout: 10_000,
      timeoutMsg: "Undo did not give the original file back byte for byte",
    });
  });

  it("a save refused because another program changed the field meanwhile writes nothing, and loads the file's version on request", async () => {
    // The buttons are off while the last test's Undo is written and the list read again.
    await app.browser.waitUntil(
      () =>
        app.browser.execute(() => {
          const row = [...document.querySelectorAll('[data-testid="server-row"]')].find(
            (r) => r.querySelector('[data-testid="server-name"]')?.textContent?.trim() === "gamma",
          );
          const edit = row?.querySelector('[data-testid="server-edit"]');
          return Boolean(edit && !edit.disabled);
        }),
      { timeout: 10_000, timeoutMsg: "gamma's Edit button stayed off" },
    );
    assert.ok(await clickInRow(app.browser, "gamma", "server-edit"), "no Edit button on gamma");
    await app.browser.waitUntil(async () => (await app.browser.$('[data-testid="edit-args"]').getValue()) === "/opt/gamma/index.js", {
      timeout: 10_000,
      timeoutMsg: "the form never showed gamma's args",
    });
    await fill(app.browser, "edit-args", "/opt/gamma/index.js --verbose");
    // An editor changes the same entry while the form is open.
    const theirs = ORIGINAL.replace('"args": ["/opt/gamma/index.js"]', '"args": ["/opt/gamma/v2.js"]');
    fs.writeFileSync(app.configPath, theirs);
    await app.browser.$('[data-testid="edit-save"]').click();
    const problem = await waitForText(app.browser, '[data-testid="edit-problem"]', { contains: "changed in the file since you opened this form" });
    assert.match(problem, /Arguments field/);
    assert.equal(fs.readFileSync(app.configPath, "utf8"), theirs, "the refused save wrote the file");
    await app.browser.$('[data-testid="edit-reload"]').click();
    await app.browser.waitUntil(async () => (await app.browser.$('[data-testid="edit-args"]').getValue()) === "/opt/gamma/v2.js", {
      timeout: 10_000,
      timeoutMsg: "Load the file's version did not show the file's args",
    });
    assert.equal(await app.browser.$('[data-testid="edit-problem"]').isExisting(), false);
    await app.browser.$('[data-testid="edit-cancel"]').click();
    fs.writeFileSync(app.configPath, ORIGINAL);
    await app.browser.waitUntil(async () => !(await app.browser.$('[data-testid="server-edit-form"]').isExisting()), { timeout: 5_000 });
  });

  it("Save is off until the form changes something; saved with Enter, the focus goes to Undo, as after a click on Save", async () => {
    const editOn = (name) =>
      app.browser.waitUntil(
        () =>
          app.browser.execute((n) => {
            const edit = document.querySelector(`[data-server="${n}"] [data-testid="server-edit"]`);
            return Boolean(edit && !edit.disabled);
          }, name),
        { timeout: 10_000, timeoutMsg: `${name}'s Edit button stayed off` },
      );
    await editOn("alpha");
    assert.ok(await clickInRow(app.browser, "alpha", "server-edit"), "no Edit button on alpha");
    const args = app.browser.$('[data-testid="edit-args"]');
    await app.browser.waitUntil(async () => (await args.getValue()) === "-y @modelcontextprotocol/server-everything", {
      timeout: 10_000,
      timeoutMsg: "the form never showed alpha's args",
    });
    const save = app.browser.$('[data-testid="edit-save"]');
    assert.equal(await save.isEnabled(), false, "Save is on with nothing changed");
    await args.click();
    await app.browser.keys(["End", " ", "-", "-", "x"]);
    assert.equal(await save.isEnabled(), true, "Save stayed off after a change");
    await app.browser.keys(["Enter"]);
    await waitForText(app.browser, '[data-testid="server-change"]', { contains: "Saved alpha" });
    await app.browser.waitUntil(
      async () => (await app.browser.execute(() => document.activeElement?.getAttribute("data-testid"))) === "server-undo",
      { timeout: 5_000, timeoutMsg: "after Enter in the form, the focus is not on Undo" },
    );
    await app.browser.keys(["Enter"]);
    await app.browser.waitUntil(() => fs.readFileSync(app.configPath, "utf8") === ORIGINAL, {
      timeout: 10_000,
      timeoutMsg: "Undo did not give the original file back",
    });
  });

  it("the local form explains a command that does not exist, with where it looked, and writes nothing", async () => {
    await app.browser.$('[data-testid="local-server"] summary').click();
    await fill(app.browser, "local-name", "ghost");
    await fill(app.browser, "local-command", "ghost-mcp-server-that-is-not-installed");
    await fill(app.browser, "local-args", "stdio");
    await app.browser.$('[data-testid="local-add"]').click();
    const diagnosis = app.browser.$('[data-testid="local-diagnosis"]');
    await diagnosis.waitForExist({ timeout: 30_000 });
    assert.equal(await diagnosis.getAttribute("data-code"), "command-not-found");
    const text = await app.browser.execute(() => document.querySelector('[data-testid="local-diagnosis"]')?.textContent ?? "");
    assert.match(text, /ghost-mcp-server-that-is-not-installed/);
    assert.match(text, /\/usr\/bin|\/bin/, `where it looked: ${text}`);
    assert.equal(fs.readFileSync(app.configPath, "utf8"), ORIGINAL, "nothing was written");
  });

  it("the local form with the FastMCP server lists its tools, then writes the entry", async () => {
    await fill(app.browser, "local-name", "tiny");
    await fill(app.browser, "local-command", fastmcpCommand());
    await fill(app.browser, "local-args", "stdio");
    await app.browser.$('[data-testid="local-add"]').click();
    const added = app.browser.$('[data-testid="local-added"]');
    await added.waitForExist({ timeout: 60_000 });
    const tools = await app.browser.$('[data-testid="local-tool-count"]').getText();
    assert.match(tools, /^[1-9]\d* tools$/);
    // Test and add was disabled while testing: the focus went on to what was added, not to the page.
    await app.browser.waitUntil(
      async () => (await app.browser.execute(() => document.activeElement?.getAttribute("data-testid"))) === "local-added",
      { timeout: 5_000, timeoutMsg: "the focus is not on the 'Added' message" },
    );
    const doc = JSON.parse(fs.readFileSync(app.configPath, "utf8"));
    // Captured by default: Claude starts it through MCP Tray's tap, which records its traffic.
    assert.deepEqual(doc.mcpServers.tiny, {
      command: path.join(path.dirname(appBinary()), "mcp-tray"),
      args: ["wrap", "--name", "tiny", "--", fastmcpCommand(), "stdio"],
    });
    await waitForText(app.browser, '[data-testid="local-captured"]');
    assert.ok(doc.mcpServers.beta && doc.mcpServers.gamma, "the other servers are still there");
    await waitForText(app.browser, '[data-testid="server-row"]:last-child [data-testid="server-name"]', { equals: "tiny" });
    await app.browser.execute(() => document.querySelector('[data-testid="local-server"]')?.scrollIntoView());
    await app.screenshot("add-local");
  });

  it("tests a local server's edit before it is saved: a failing change shows its diagnosis, a working one its tools; nothing is written", async () => {
    const before = fs.readFileSync(app.configPath, "utf8");
    assert.ok(await clickInRow(app.browser, "tiny", "server-edit"), "no Edit button on tiny");
    await app.browser.waitUntil(async () => (await app.browser.$('[data-testid="edit-args"]').getValue()) === "stdio", {
      timeout: 10_000,
      timeoutMsg: "the form never showed tiny's args",
    });
    // A transport the server does not know: it exits before answering.
    await fill(app.browser, "edit-args", "no-such-transport");
    await app.browser.$('[data-testid="edit-test"]').click();
    const diagnosis = app.browser.$('[data-testid="edit-test-diagnosis"]');
    await diagnosis.waitForExist({ timeout: 60_000 });
    assert.equal(await diagnosis.getAttribute("data-code"), "exited-early");
    // Back to the working args: its tools, and still nothing saved.
    await fill(app.browser, "edit-args", "stdio");
    await app.browser.$('[data-testid="edit-test"]').click();
    await app.browser.$('[data-testid="edit-test-ok"]').waitForExist({ timeout: 60_000 });
    assert.match(await app.browser.$('[data-testid="edit-test-tool-count"]').getText(), /^[1-9]\d* tools?$/);
    assert.equal(fs.readFileSync(app.configPath, "utf8"), before, "testing wrote the file");
    await app.browser.$('[data-testid="edit-cancel"]').click();
  });
});

describe("server forms in dark mode", () => {
  it("the Edit and local-server forms keep dark fields with light text", async () => {
    const app = await startApp({ config: ORIGINAL, env: { GTK_THEME: "Adwaita:dark" } });
    try {
      await waitForText(app.browser, '[data-testid="server-name"]');
      assert.ok(await clickInRow(app.browser, "beta", "server-edit"), "no Edit button on beta");
      await app.browser.waitUntil(async () => (await app.browser.$('[data-testid="edit-args"]').getValue()) === "mcp-server-fetch", {
        timeout: 10_000,
        timeoutMsg: "the form never showed beta's args",
      });
      await app.browser.$('[data-testid="local-server"] summary').click();
      const colours = await app.browser.execute(() =>
        ["edit-args", "local-command"].map((id) => {
          const style = getComputedStyle(document.querySelector(`[data-testid="${id}"]`));
          return [style.backgroundColor, style.color];
        }),
      );
      const sum = (css) => (css.match(/\d+/g) ?? []).slice(0, 3).map(Number).reduce((a, b) => a + b, 0);
      for (const [background, text] of colours) {
        assert.ok(sum(background) < 200, `a dark field, got ${background}`);
        assert.ok(sum(text) > 450, `light text, got ${text}`);
      }
      await app.screenshot("servers-edit-dark");
    } finally {
      await app.stop();
    }
  });
});
