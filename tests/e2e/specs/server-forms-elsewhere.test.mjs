// The server forms, end to end, where they meet names and changes made elsewhere: an Edit form whose
// server another program removes says why it went and leaves the focus on that sentence; one whose
// server another program renames stays open on the new name with what was typed; a name
// already used is said in the same words, as it is typed, in the Add card and the local-server form;
// Enter in the Add card's Name field does what its Add button does.
import assert from "node:assert/strict";
import fs from "node:fs";
import { after, before, describe, it } from "node:test";
import { clickInRow, startApp, waitForText } from "../lib/app.mjs";

const CONFIG = {
  mcpServers: {
    alpha: { command: "uvx", args: ["mcp-server-fetch"] },
    gamma: { command: "node", args: ["/opt/gamma/index.js"] },
  },
};

/** Types into a field, replacing what it held. */
async function fill(browser, testid, text) {
  const field = browser.$(`[data-testid="${testid}"]`);
  await field.waitForExist({ timeout: 10_000 });
  await field.clearValue();
  await field.setValue(text);
}

describe("server forms and changes made elsewhere", () => {
  let app;
  before(async () => {
    app = await startApp({ config: CONFIG });
    await waitForText(app.browser, '[data-testid="server-name"]', { equals: "alpha" });
  });
  after(async () => {
    await app?.stop();
  });

  it("says an Edit form was closed when another program removed its server, with the focus on why", async () => {
    assert.ok(await clickInRow(app.browser, "gamma", "server-edit"), "no Edit button on gamma");
    await app.browser.waitUntil(async () => (await app.browser.$('[data-testid="edit-args"]').getValue()) === "/opt/gamma/index.js", {
      timeout: 10_000,
      timeoutMsg: "the form never showed gamma's args",
    });
    await fill(app.browser, "edit-args", "/opt/gamma/index.js --typed");
    // Another program (an editor) takes gamma out of the file.
    fs.writeFileSync(app.configPath, `${JSON.stringify({ mcpServers: { alpha: CONFIG.mcpServers.alpha } }, null, 2)}\n`);
    const said = await waitForText(app.browser, '[data-testid="server-change"]', { contains: "gamma was removed" });
    assert.equal(
      said,
      "gamma was removed from the config file by another program, so its Edit form was closed: the changes typed in it were not saved.",
    );
    assert.equal(await app.browser.$('[data-testid="server-edit-form"]').isExisting(), false);
    const focused = await app.browser.execute(() => document.activeElement?.getAttribute("data-testid") ?? document.activeElement?.tagName);
    assert.equal(focused, "server-change");
    await app.screenshot("servers-edit-removed-elsewhere");
  });

  it("says a name already used in the same words, as it is typed, in the Add card and the local-server form", async () => {
    await fill(app.browser, "add-input", "http://127.0.0.1:9/mcp");
    await fill(app.browser, "add-name", "alpha");
    const remote = await waitForText(app.browser, '[data-testid="add-taken"]');
    await app.browser.$('[data-testid="local-server"] summary').click();
    await fill(app.browser, "local-name", "alpha");
    await fill(app.browser, "local-command", "uvx");
    const local = await waitForText(app.browser, '[data-testid="local-taken"]');
    assert.equal(remote, "A server named “alpha” already exists: choose another name.");
    assert.equal(local, remote);
    assert.equal(await app.browser.$('[data-testid="local-add"]').isEnabled(), false);
    await app.screenshot("add-name-taken");
    await app.browser.$('[data-testid="local-name"]').clearValue();
  });

  it("tests the server on Enter in the Add card's Name field, as its Add button does", async () => {
    await fill(app.browser, "add-name", "refused");
    await app.browser.waitUntil(async () => !(await app.browser.$('[data-testid="add-taken"]').isExisting()), { timeout: 5_000 });
    await app.browser.waitUntil(() => app.browser.$('[data-testid="add-button"]').isEnabled(), { timeout: 5_000 });
    await app.browser.$('[data-testid="add-name"]').click();
    await app.browser.keys(["Enter"]);
    // Nothing listens on port 9: the test fails and says why; nothing is written.
    await app.browser.$('[data-testid="add-diagnosis"]').waitForExist({ timeout: 20_000 });
    assert.equal(await app.browser.$('[data-testid="add-button"]').getText(), "Test again");
    assert.ok(!fs.readFileSync(app.configPath, "utf8").includes("refused"));
  });

  it("keeps an Edit form open, with what was typed, when another program renames its server", async () => {
    assert.ok(await clickInRow(app.browser, "alpha", "server-edit"), "no Edit button on alpha");
    await app.browser.waitUntil(async () => (await app.browser.$('[data-testid="edit-args"]').getValue()) === "mcp-server-fetch", {
      timeout: 10_000,
      timeoutMsg: "the form never showed alpha's args",
    });
    await fill(app.browser, "edit-args", "mcp-server-fetch --typed");
    // An editor renames alpha to fetch: the same entry under another key.
    fs.writeFileSync(app.configPath, `${JSON.stringify({ mcpServers: { fetch: CONFIG.mcpServers.alpha } }, null, 2)}\n`);
    const said = await waitForText(app.browser, '[data-testid="edit-renamed"]');
    assert.equal(said, "Renamed from alpha to fetch outside this form; what you typed here is kept.");
    const form = app.browser.$('[data-testid="server-edit-form"]');
    assert.equal(await form.getAttribute("aria-label"), "Edit fetch");
    assert.equal(await app.browser.$('[data-testid="edit-args"]').getValue(), "mcp-server-fetch --typed");
    assert.equal(await app.browser.$('[data-testid="edit-name"]').getValue(), "fetch");
    // Nothing closed, so nothing said in the bar; the focus is back in the field typed in.
    const focused = await app.browser.execute(() => document.activeElement?.getAttribute("data-testid") ?? document.activeElement?.tagName);
    assert.equal(focused, "edit-args");
    await app.screenshot("servers-edit-renamed-elsewhere");
    // Saved under its new name.
    await app.browser.$('[data-testid="edit-save"]').click();
    await waitForText(app.browser, '[data-testid="server-change"]', { contains: "Saved fetch" });
    assert.deepEqual(JSON.parse(fs.readFileSync(app.configPath, "utf8")).mcpServers.fetch.args, ["mcp-server-fetch", "--typed"]);
  });
});
