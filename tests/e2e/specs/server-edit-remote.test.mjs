// The Edit form of a remote server run through the bridge, end to end against a real FastMCP server
// over HTTP (tests/peers): Test starts the edited, unsaved entry through the real bridge, so a URL
// nothing listens at is explained before it is saved, and the live URL answers with its tools;
// nothing is written until Save. Choose… beside the CA certificate field is there and enabled in
// the Edit form and in Add server (the system's file dialog it opens is a native GTK window that
// WebDriver cannot drive: choosing a file is covered by the UI tests with a mocked dialog).
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { REPO, appBinary, clickInRow, freePort, startApp, waitForPort, waitForText } from "../lib/app.mjs";

const PEERS = path.join(REPO, "tests", "peers");
const PYTHON = path.join(PEERS, ".venv", "bin", "python");
const CLI = path.join(path.dirname(appBinary()), "mcp-tray");

/** Types into a field, replacing what it held. */
async function fill(browser, selector, text) {
  const field = browser.$(selector);
  await field.waitForExist({ timeout: 10_000 });
  await field.clearValue();
  await field.setValue(text);
}

/** The Edit form's text, for a failure message. */
function formText(browser) {
  return browser
    .$('[data-testid="server-edit-form"]')
    .getText()
    .catch(() => "(no form)");
}

describe("the Edit form of a bridged remote server", () => {
  let server;
  let url;
  let config;
  let app;

  before(async () => {
    assert.ok(fs.existsSync(PYTHON), `${PYTHON} is missing: run \`make peers\``);
    const port = await freePort();
    server = spawn(PYTHON, [path.join(PEERS, "fastmcp_server.py"), "streamable-http", String(port)], {
      stdio: "ignore",
      detached: true,
    });
    await waitForPort(port, server, 20_000);
    url = `http://127.0.0.1:${port}/mcp`;
    config = `${JSON.stringify({ mcpServers: { team: { command: CLI, args: ["bridge", url, "--name", "team"] } } }, null, 2)}\n`;
    app = await startApp({ config });
    await waitForText(app.browser, '[data-testid="server-name"]', { equals: "team" });
  });

  after(async () => {
    await app?.stop();
    if (server && server.exitCode === null) {
      try {
        process.kill(-server.pid, "SIGTERM");
      } catch {
        server.kill("SIGTERM");
      }
    }
  });

  it("offers Choose… beside the CA certificate field in the Edit form", async () => {
    const { browser } = app;
    assert.ok(await clickInRow(browser, "team", "server-edit"), "no Edit button on team");
    await browser.waitUntil(async () => (await browser.$('[data-testid="edit-url"]').getValue()) === url, {
      timeout: 10_000,
      timeoutMsg: "the form never showed the server's URL",
    });
    const editChoose = browser.$('[data-testid="edit-ca-cert-choose"]');
    assert.equal((await editChoose.getText()).trim(), "Choose…");
    assert.ok(await editChoose.isEnabled(), "Choose… in the Edit form is disabled");
  });

  it("Test explains a URL nothing listens at, then lists the live one's tools; only Save writes", async () => {
    const { browser } = app;
    const test = browser.$('[data-testid="edit-test"]');
    const dead = await freePort();
    await fill(browser, '[data-testid="edit-url"]', `http://127.0.0.1:${dead}/mcp`);
    await test.click();
    const diagnosis = browser.$('[data-testid="edit-test-diagnosis"]');
    await diagnosis.waitForExist({ timeout: 60_000 }).catch(async (error) => {
      throw new Error(`${error.message}; the form showed:\n${await formText(browser)}`);
    });
    assert.equal(await diagnosis.getAttribute("data-code"), "connection-refused", await formText(browser));
    assert.match(await waitForText(browser, '[data-testid="edit-test-diagnosis-summary"]'), new RegExp(String(dead)));
    await browser.execute(() => document.querySelector('[data-testid="server-edit-form"]')?.closest('[data-testid="server-row"]')?.scrollIntoView());
    await app.screenshot("servers-edit-test-refused");
    assert.equal(fs.readFileSync(app.configPath, "utf8"), config, "a test wrote the config");

    // Back to the live URL, with a header added: the stale diagnosis goes, and Test answers.
    await fill(browser, '[data-testid="edit-url"]', url);
    assert.equal(await diagnosis.isExisting(), false, "the diagnosis of the old URL stayed");
    await browser.$('[data-testid="edit-headers-add"]').click();
    await fill(browser, '[aria-label="Header name"]', "X-Team");
    await fill(browser, '[aria-label="Value of X-Team"]', "e2e");
    await test.click();
    await waitForText(browser, '[data-testid="edit-test-ok"]', { timeout: 60_000 }).catch(async (error) => {
      throw new Error(`${error.message}; the form showed:\n${await formText(browser)}`);
    });
    assert.match(await browser.$('[data-testid="edit-test-tool-count"]').getText(), /^[1-9]\d* tools?$/);
    await browser.execute(() => document.querySelector('[data-testid="server-edit-form"]')?.closest('[data-testid="server-row"]')?.scrollIntoView());
    await app.screenshot("servers-edit-test");
    assert.equal(fs.readFileSync(app.configPath, "utf8"), config, "a test wrote the config");
    // The row still tells of the saved entry: the refused test is not taken for it.
    const row = await browser.$('[data-testid="server-row"][data-server="team"]').getText();
    assert.doesNotMatch(row.split("\n").slice(0, 4).join(" "), /Failing|connection-refused/, row);

    await browser.$('[data-testid="edit-save"]').click();
    await waitForText(browser, '[data-testid="server-change"]');
    const saved = JSON.parse(fs.readFileSync(app.configPath, "utf8"));
    assert.deepEqual(saved.mcpServers.team.args, ["bridge", url, "--name", "team", "--header", "X-Team: e2e"]);
  });

  it("offers Choose… beside the CA certificate field in Add server", async () => {
    const { browser } = app;
    await fill(browser, '[data-testid="add-input"]', "https://corp.example/mcp");
    const choose = browser.$('[data-testid="add-ca-cert-choose"]');
    await choose.waitForExist({ timeout: 10_000 });
    assert.equal((await choose.getText()).trim(), "Choose…");
    assert.ok(await choose.isEnabled(), "Choose… in Add server is disabled");
  });
});
