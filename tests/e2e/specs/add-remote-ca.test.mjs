// Add server for a remote server whose certificate a private CA signed, end to end: the real app
// probes a real FastMCP server over TLS (tests/peers) through the real bridge; the first test fails
// with the unknown-CA diagnosis in the app's words, the CA certificate field makes the next one
// pass, and the entry written trusts that file (`--ca-cert`).
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { REPO, appBinary, clickAdd, freePort, startApp, waitForPort, waitForText } from "../lib/app.mjs";

const PEERS = path.join(REPO, "tests", "peers");
const PYTHON = path.join(PEERS, ".venv", "bin", "python");

/** The card's text, for a failure message. */
function cardText(browser) {
  return browser
    .$('[data-testid="add-server"]')
    .getText()
    .catch(() => "(no card)");
}

describe("add a remote server signed by a private CA", () => {
  let dir;
  let cert;
  let server;
  let port;
  let app;

  before(async () => {
    assert.ok(fs.existsSync(PYTHON), `${PYTHON} is missing: run \`make peers\``);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "mcp-tray-e2e-ca-"));
    cert = path.join(dir, "ca.pem");
    const key = path.join(dir, "key.pem");
    // A certificate for 127.0.0.1 marked CA:FALSE: the file a private CA's user would choose.
    execFileSync("openssl", [
      "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
      "-subj", "/CN=127.0.0.1",
      "-addext", "subjectAltName=IP:127.0.0.1",
      "-addext", "basicConstraints=critical,CA:FALSE",
      "-keyout", key, "-out", cert,
    ], { stdio: "ignore" });
    port = await freePort();
    server = spawn(PYTHON, [path.join(PEERS, "fastmcp_server.py"), "streamable-https", String(port), cert, key], {
      stdio: "ignore",
      detached: true,
    });
    await waitForPort(port, server, 20_000);
    app = await startApp({ config: `{\n  "mcpServers": {}\n}\n` });
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
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("says to choose the CA certificate in its field, and with it tests and writes --ca-cert", async () => {
    const { browser } = app;
    const url = `https://127.0.0.1:${port}/mcp`;
    const input = browser.$('[data-testid="add-input"]');
    await input.waitForExist({ timeout: 15_000 });
    await input.setValue(url);
    const field = browser.$('[data-testid="add-ca-cert"]');
    await field.waitForExist({ timeout: 10_000 });
    const add = browser.$('[data-testid="add-button"]');
    await clickAdd(browser);

    const diagnosis = browser.$('[data-testid="add-diagnosis"]');
    await diagnosis.waitForExist({ timeout: 60_000 }).catch(async (error) => {
      throw new Error(`${error.message}; the card showed:\n${await cardText(browser)}`);
    });
    assert.equal(await diagnosis.getAttribute("data-code"), "tls-error");
    const summary = await waitForText(browser, '[data-testid="add-diagnosis-summary"]');
    assert.match(summary, /not signed by an authority this computer trusts/);
    const fix = await waitForText(browser, '[data-testid="add-diagnosis-fix"]');
    assert.match(fix, /CA certificate field/);
    assert.doesNotMatch(`${summary} ${fix}`, /--ca-cert|mcp-tray /);
    assert.deepEqual(JSON.parse(fs.readFileSync(app.configPath, "utf8")), { mcpServers: {} }, "nothing written");

    await field.setValue(cert);
    await browser.waitUntil(async () => (await add.getText()).trim() === "Add" && (await add.isEnabled()), {
      timeout: 10_000,
      timeoutMsg: "a new CA certificate did not make the test stale",
    });
    await clickAdd(browser);
    await waitForText(browser, '[data-testid="add-done"]', { timeout: 60_000 }).catch(async (error) => {
      throw new Error(`${error.message}; the card showed:\n${await cardText(browser)}`);
    });
    const written = JSON.parse(fs.readFileSync(app.configPath, "utf8"));
    assert.deepEqual(written.mcpServers, {
      [`local-${port}`]: {
        command: path.join(path.dirname(appBinary()), "mcp-tray"),
        args: ["bridge", url, "--name", `local-${port}`, "--ca-cert", cert],
      },
    });
  });
});
