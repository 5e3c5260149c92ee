// Add server, end to end: paste a URL into the real app, which probes it through the real bridge
// (target/debug/mcp-tray) against a real server-everything on a loopback port, and writes the entry;
// a local server whose command exits at once is written by the local form's Add anyway.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { alive, appBinary, clickAdd, clickWhenEnabled, freePort, REPO, startApp, waitForText } from "../lib/app.mjs";

const EVERYTHING = path.join(REPO, "tests", "peers", "node_modules", ".bin", "mcp-server-everything");


async function waitForPort(port, child, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server-everything exited (${child.exitCode})`);
    const ok = await new Promise((resolve) => {
      const socket = net.connect(port, "127.0.0.1");
      socket.once("connect", () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`server-everything did not listen on ${port}`);
}

/** Pastes `text` into the Add field (as the clipboard would: one input event). */
async function paste(browser, text) {
  const input = browser.$('[data-testid="add-input"]');
  await input.waitForExist({ timeout: 15_000 });
  await input.setValue(text);
}

async function waitForSuggestedName(browser, expected) {
  const name = browser.$('[data-testid="add-name"]');
  await browser.waitUntil(async () => (await name.isExisting()) && (await name.getValue()) === expected, {
    timeout: 10_000,
    timeoutMsg: `the suggested name ${expected} did not appear`,
  });
}

/** Types into a field, replacing what it held. */
async function fill(browser, testid, text) {
  const field = browser.$(`[data-testid="${testid}"]`);
  await field.waitForExist({ timeout: 10_000 });
  await field.clearValue();
  await field.setValue(text);
}

/** The names in the Servers list, read in one go (the list re-renders when the file changes). */
function serverNames(browser) {
  return browser.execute(() =>
    [...document.querySelectorAll('[data-testid="server-name"]')].map((el) => el.textContent?.trim()),
  );
}

describe("add server", () => {
  let everything;
  let port;
  let app;

  before(async () => {
    assert.ok(fs.existsSync(EVERYTHING), `${EVERYTHING} is missing: run \`make peers\``);
    port = await freePort();
    everything = spawn(EVERYTHING, ["streamableHttp"], {
      env: { ...process.env, PORT: String(port) },
      stdio: "ignore",
      detached: true,
    });
    await waitForPort(port, everything);
    app = await startApp({ config: `{\n  "mcpServers": {}\n}\n` });
  });

  after(async () => {
    await app?.stop();
    if (everything && everything.exitCode === null) {
      try {
        process.kill(-everything.pid, "SIGTERM");
      } catch {
        everything.kill("SIGTERM");
      }
    }
  });

  it("says nothing of a URL still being typed: why it cannot be read only after a pause, and at once when the field is left", async () => {
    const input = app.browser.$('[data-testid="add-input"]');
    await input.waitForExist({ timeout: 15_000 });
    await input.click();
    await app.browser.keys(["h"]);
    await app.browser.pause(500);
    assert.equal(await app.browser.$('[data-testid="add-invalid"]').isExisting(), false, "a problem was said at the first letter");
    await app.browser.keys(["t"]);
    await waitForText(app.browser, '[data-testid="add-invalid"]', { contains: '"ht"', timeout: 5_000 });
    await app.browser.keys(["t"]);
    await app.browser.pause(300);
    assert.equal(await app.browser.$('[data-testid="add-invalid"]').isExisting(), false, "a problem was said while typing");
    await app.browser.keys(["Tab"]);
    await waitForText(app.browser, '[data-testid="add-invalid"]', { contains: '"htt"', timeout: 2_000 });
    // Emptied by hand (WebDriver's own clear sends no input event).
    await input.click();
    await app.browser.keys(["Backspace", "Backspace", "Backspace"]);
    await app.browser.waitUntil(async () => !(await app.browser.$('[data-testid="add-invalid"]').isExisting()), {
      timeout: 5_000,
      timeoutMsg: "the problem stayed once the field was emptied",
    });
  });

  it("adds an open remote server in two steps (paste, Add) and writes a bridge entry", async () => {
    const url = `http://127.0.0.1:${port}/mcp`;
    await paste(app.browser, url);
    await waitForSuggestedName(app.browser, `local-${port}`);
    await clickAdd(app.browser);
    await waitForText(app.browser, '[data-testid="add-done"]', { timeout: 60_000 });
    const tools = await waitForText(app.browser, '[data-testid="add-tool-count"]');
    assert.match(tools, /^\d+ tools$/);
    assert.ok(Number.parseInt(tools, 10) > 0, tools);
    assert.match(await waitForText(app.browser, '[data-testid="add-tools"]'), /\becho\b/);

    const written = JSON.parse(fs.readFileSync(app.configPath, "utf8"));
    const entry = written.mcpServers[`local-${port}`];
    assert.deepEqual(entry, {
      command: path.join(path.dirname(appBinary()), "mcp-tray"),
      args: ["bridge", url, "--name", `local-${port}`],
    });
    // The Servers list follows the file.
    await app.browser.waitUntil(async () => (await serverNames(app.browser)).includes(`local-${port}`), {
      timeout: 10_000,
      timeoutMsg: "the added server did not appear in the list",
    });
    await app.screenshot("add-server");
    // The bar names the change, as it does every other one made here, with its Undo.
    const bar = await waitForText(app.browser, '[data-testid="server-change"]');
    assert.match(bar, new RegExp(`^Added local-${port}\\b`));
    assert.equal(await app.browser.$('[data-testid="server-undo"]').isExisting(), true);
  });

  it("asks on Linux to restart Claude Desktop by hand (MCP Tray cannot restart it there), in the words used everywhere", async () => {
    if (process.platform === "linux") {
      assert.equal(await waitForText(app.browser, '[data-testid="restart-by-hand"]'), "Restart Claude Desktop to load the new server.");
      assert.equal(await app.browser.$('[data-testid="restart-claude"]').isExisting(), false);
    } else {
      await app.browser.$('[data-testid="restart-claude"]').click();
      await waitForText(app.browser, '[data-testid="restart-result"]');
    }
  });

  it("takes an added server back on the bar's Undo", async () => {
    const before = JSON.parse(fs.readFileSync(app.configPath, "utf8"));
    const added = Object.keys(before.mcpServers).find((n) => n.startsWith("local-"));
    assert.ok(added, JSON.stringify(before));
    assert.equal(await app.browser.$('[data-testid="add-done"]').isExisting(), true);
    await clickWhenEnabled(app.browser, '[data-testid="server-undo"]');
    await app.browser.waitUntil(async () => !(added in JSON.parse(fs.readFileSync(app.configPath, "utf8")).mcpServers), {
      timeout: 10_000,
      timeoutMsg: "Undo did not take the added server out of the config",
    });
    assert.match(await waitForText(app.browser, '[data-testid="server-change"]'), /^Undone: Added /);
    // The card no longer says it was added: it is ready for the next server.
    assert.equal(await app.browser.$('[data-testid="add-done"]').isExisting(), false);
    assert.equal(await app.browser.$('[data-testid="add-input"]').getValue(), "");
  });

  it("explains a server that cannot be reached with its diagnosis, and writes nothing", async () => {
    const before = fs.readFileSync(app.configPath, "utf8");
    const closed = await freePort();
    await paste(app.browser, `npx -y mcp-remote http://127.0.0.1:${closed}/mcp`);
    // Click only once the whole line is read (the suggested name follows the port), not on a
    // preview of half the text.
    await waitForSuggestedName(app.browser, `local-${closed}`);
    await clickAdd(app.browser);
    const diagnosis = app.browser.$('[data-testid="add-diagnosis"]');
    await diagnosis.waitForExist({ timeout: 60_000 }).catch(async (error) => {
      const card = await app.browser.$('[data-testid="add-server"]').getText().catch(() => "(no card)");
      throw new Error(`${error.message}; the card showed:\n${card}`);
    });
    assert.equal(await diagnosis.getAttribute("data-code"), "connection-refused");
    assert.match(await waitForText(app.browser, '[data-testid="add-diagnosis-summary"]'), /refused the connection/);
    assert.match(await waitForText(app.browser, '[data-testid="add-diagnosis-fix"]'), /Start the server/);
    assert.equal(fs.readFileSync(app.configPath, "utf8"), before, "a failed probe must not write the file");
    await app.screenshot("add-server-failure");
  });

  it("tests every server of a pasted snippet, writes none while one fails, and all on Add them anyway", async () => {
    const before = fs.readFileSync(app.configPath, "utf8");
    const snippet = JSON.stringify(
      {
        mcpServers: {
          everything: { url: `http://127.0.0.1:${port}/mcp` },
          missing: { command: "mcp-tray-e2e-no-such-command", args: ["--stdio"] },
        },
      },
      null,
      2,
    );
    await paste(app.browser, snippet);
    await app.browser.waitUntil(
      async () => (await app.browser.$$('[data-testid="add-preview"] li').length) === 2,
      { timeout: 10_000, timeoutMsg: "the preview did not list both servers" },
    );
    await clickAdd(app.browser);
    const results = app.browser.$('[data-testid="add-results"]');
    await results.waitForExist({ timeout: 90_000 }).catch(async (error) => {
      const card = await app.browser.$('[data-testid="add-server"]').getText().catch(() => "(no card)");
      throw new Error(`${error.message}; the card showed:\n${card}`);
    });
    const rows = await app.browser.execute(() =>
      [...document.querySelectorAll('[data-testid="add-result"]')].map((li) => ({
        ok: li.getAttribute("data-ok"),
        text: li.textContent ?? "",
        code: li.querySelector('[data-testid="add-diagnosis"]')?.getAttribute("data-code") ?? null,
      })),
    );
    assert.equal(rows.length, 2, JSON.stringify(rows));
    assert.equal(rows[0].ok, "true", JSON.stringify(rows));
    assert.match(rows[0].text, /everything answered — \d+ tools/);
    assert.equal(rows[1].ok, "false", JSON.stringify(rows));
    assert.equal(rows[1].code, "command-not-found", JSON.stringify(rows));
    assert.equal(fs.readFileSync(app.configPath, "utf8"), before, "nothing is written while a server fails");
    await app.screenshot("add-server-several");

    await app.browser.$('[data-testid="add-anyway"]').click();
    const counts = await waitForText(app.browser, '[data-testid="add-tool-counts"]', { timeout: 30_000 });
    assert.match(counts, /^everything: \d+ tools · missing: did not answer$/);
    const written = JSON.parse(fs.readFileSync(app.configPath, "utf8"));
    // The local one runs through the tap (Capture their traffic is on unless unticked).
    assert.deepEqual(written.mcpServers.missing, {
      command: path.join(path.dirname(appBinary()), "mcp-tray"),
      args: ["wrap", "--name", "missing", "--", "mcp-tray-e2e-no-such-command", "--stdio"],
    });
    assert.match(await waitForText(app.browser, '[data-testid="add-captured"]'), /will show the messages of missing from its next start/);
    assert.deepEqual(written.mcpServers.everything, {
      command: path.join(path.dirname(appBinary()), "mcp-tray"),
      args: ["bridge", `http://127.0.0.1:${port}/mcp`, "--name", "everything"],
    });
  });

  it("stops a test on Cancel: the server it started is gone at once, and nothing is written", async () => {
    await app.browser.$('[data-testid="add-another"]').click();
    const before = fs.readFileSync(app.configPath, "utf8");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mcp-tray-e2e-cancel-"));
    const pidFile = path.join(dir, "pid");
    // Starts, leaves a child in its group as npx leaves node, and never answers initialize.
    const script = `sleep 1000 & echo $! > ${pidFile}.child; echo $$ > ${pidFile}; exec cat >/dev/null`;
    await paste(app.browser, JSON.stringify({ mcpServers: { mute: { command: "sh", args: ["-c", script] } } }));
    await waitForSuggestedName(app.browser, "mute");
    await clickAdd(app.browser);
    const readPid = (file) => {
      try {
        return Number.parseInt(fs.readFileSync(file, "utf8"), 10) || null;
      } catch {
        return null;
      }
    };
    let pids = [];
    await app.browser.waitUntil(
      async () => (pids = [readPid(pidFile), readPid(`${pidFile}.child`)]).every((p) => p !== null),
      { timeout: 20_000, timeoutMsg: "the test did not start the server" },
    );
    assert.ok(pids.every(alive), `not running: ${pids}`);
    await app.browser.$('[data-testid="add-cancel"]').click();
    await waitForText(app.browser, '[data-testid="add-button"]');
    // The probe would wait 20 s for an answer: these are gone because the test was stopped.
    const deadline = Date.now() + 5_000;
    while (pids.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(pids.filter(alive), [], "the cancelled test's server (and its child) still run");
    assert.equal(fs.readFileSync(app.configPath, "utf8"), before, "a cancelled test writes nothing");
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("adds a local server whose command exits at once with Add anyway, as the remote card does; the config then holds it", async () => {
    const before = fs.readFileSync(app.configPath, "utf8");
    const script = "echo 'API_TOKEN is not set' >&2; exit 2";
    await app.browser.$('[data-testid="local-server"] summary').click();
    await fill(app.browser, "local-name", "needs-token");
    await fill(app.browser, "local-command", "sh");
    await fill(app.browser, "local-args", `-c "${script}"`);
    await app.browser.$('[data-testid="local-add"]').click();
    const anyway = app.browser.$('[data-testid="local-anyway"]');
    await anyway.waitForExist({ timeout: 30_000 });
    assert.ok(await app.browser.$('[data-testid="local-diagnosis"]').isExisting(), "no diagnosis above Add anyway");
    assert.equal(await anyway.getText(), "Add anyway");
    assert.equal(
      await app.browser.$('[data-testid="local-anyway-hint"]').getText(),
      "Writes the entry as it is: Claude Desktop gets the same failure until it is fixed (its Edit form).",
    );
    assert.equal(fs.readFileSync(app.configPath, "utf8"), before, "a failed test writes nothing by itself");

    await anyway.click();
    await waitForText(app.browser, '[data-testid="local-untested"]', { timeout: 30_000 });
    const written = JSON.parse(fs.readFileSync(app.configPath, "utf8"));
    assert.deepEqual(written.mcpServers["needs-token"], {
      command: path.join(path.dirname(appBinary()), "mcp-tray"),
      args: ["wrap", "--name", "needs-token", "--", "sh", "-c", script],
    });
    await app.browser.waitUntil(async () => (await serverNames(app.browser)).includes("needs-token"), {
      timeout: 10_000,
      timeoutMsg: "needs-token is not in the Servers list",
    });
    // Its row says what the test found.
    const status = () =>
      app.browser.execute(() => {
        const badge = document.querySelector('[data-server="needs-token"] [data-testid="server-status"]');
        return badge ? `${badge.textContent?.trim()} ${badge.getAttribute("data-source")}` : null;
      });
    await app.browser.waitUntil(async () => (await status()) === "Failing probe", {
      timeout: 10_000,
      timeoutMsg: "needs-token's row does not show its failed test",
    });
  });
});
