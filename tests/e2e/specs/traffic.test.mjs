// Traffic, end to end: a real MCP client (the Python SDK driver) talks to a real FastMCP server
// through `mcp-tray wrap`, which journals into the app's MCP_TRAY_HOME; the running app shows the
// messages live, paired, filterable, with a detail pane.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { REPO, appBinary, freePort, fastmcpCommand, openView, startApp, waitForText } from "../lib/app.mjs";

const PYTHON = path.join(REPO, "tests", "peers", ".venv", "bin", "python");
const DRIVER = path.join(REPO, "tests", "peers", "driver.py");
const CLI = path.join(path.dirname(appBinary()), "mcp-tray");
const EVERYTHING = path.join(REPO, "tests", "peers", "node_modules", ".bin", "mcp-server-everything");


async function listening(port, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
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
  throw new Error(`nothing listened on ${port}`);
}

/** The (method, kind) of every row the list shows, read in one go. */
function shownRows(browser) {
  return browser.execute(() =>
    [...document.querySelectorAll('[data-testid="traffic-row"]')].map((el) => el.textContent ?? ""),
  );
}

describe("traffic", () => {
  let app;

  before(async () => {
    assert.ok(fs.existsSync(PYTHON), `${PYTHON} is missing: run \`make peers\``);
    assert.ok(fs.existsSync(CLI), `${CLI} is missing: run \`make app\``);
    app = await startApp({
      config: {
        mcpServers: {
          tiny: { command: CLI, args: ["wrap", "--name", "tiny", "--", fastmcpCommand(), "stdio"] },
          broken: { command: CLI, args: ["wrap", "--name", "broken", "--", "/nonexistent/mcp-server"] },
        },
      },
    });
    await openView(app.browser, "Traffic");
    await waitForText(app.browser, '[data-testid="traffic-empty"]');
  });

  after(async () => {
    await app?.stop();
  });

  it("shows a wrapped server's messages live, requests paired with responses", async () => {
    const client = spawn(
      PYTHON,
      [DRIVER, "basic", "--", CLI, "wrap", "--name", "tiny", "--", fastmcpCommand(), "stdio"],
      { env: { ...process.env, MCP_TRAY_HOME: app.home }, stdio: ["ignore", "pipe", "pipe"] },
    );
    let out = "";
    client.stdout.on("data", (c) => (out += c));
    let err = "";
    client.stderr.on("data", (c) => (err += c));
    const [code] = await once(client, "exit");
    assert.equal(code, 0, `driver failed: ${out}\n${err}`);

    await app.browser.waitUntil(
      async () => (await shownRows(app.browser)).some((text) => text.includes("tools/call") && text.includes("response")),
      { timeout: 15_000, timeoutMsg: "the tools/call response did not appear in Traffic" },
    );
    const rows = await shownRows(app.browser);
    for (const method of ["initialize", "tools/list", "tools/call"]) {
      assert.ok(rows.some((text) => text.includes(method)), `${method} is missing from ${JSON.stringify(rows)}`);
    }
    assert.ok(rows.every((text) => text.includes("tiny")), "every row names the server");
    // A response shows its latency.
    assert.ok(rows.some((text) => /tools\/call.*\d+\.\d ms/.test(text)), JSON.stringify(rows));
  });

  it("opens a request with its response side by side, pretty-printed", async () => {
    const clicked = await app.browser.execute(() => {
      const row = [...document.querySelectorAll('[data-testid="traffic-row"]')].find(
        (el) => el.textContent?.includes("tools/call") && el.textContent.includes("request"),
      );
      row?.click();
      return row !== undefined;
    });
    assert.ok(clicked, "no tools/call request row");
    await waitForText(app.browser, '[data-testid="traffic-detail"]');
    const panes = await app.browser.execute(() =>
      [...document.querySelectorAll('[data-testid="traffic-json"]')].map((el) => el.textContent ?? ""),
    );
    assert.equal(panes.length, 2, "request and response are shown together");
    assert.match(panes[0], /"method": "tools\/call"/);
    assert.match(panes[1], /"result"/);
    await app.screenshot("traffic");
  });

  it("keeps Latency and Size in sight in the narrowest window, and uses the width of a wide one", async () => {
    const lastColumn = () =>
      app.browser.execute(() => {
        const table = document.querySelector(".table")?.getBoundingClientRect();
        // The Size cell of a message (an event has none).
        const cell = [...document.querySelectorAll('[data-testid="traffic-row"]')]
          .map((row) => [...row.querySelectorAll('[role="gridcell"]')].filter((c) => c.getBoundingClientRect().width > 0).at(-1))
          .find((c) => c?.textContent?.trim());
        const size = cell?.getBoundingClientRect();
        return { tableRight: table?.right ?? 0, tableWidth: table?.width ?? 0, sizeRight: size?.right ?? Infinity, text: cell?.textContent ?? "" };
      });
    const before = await app.browser.getWindowSize();
    try {
      await app.browser.setWindowSize(720, 640);
      await app.browser.waitUntil(async () => (await app.browser.execute(() => window.innerWidth)) <= 720, { timeout: 5_000 });
      const narrow = await lastColumn();
      assert.ok(narrow.sizeRight <= narrow.tableRight, `Size is cut off: ${JSON.stringify(narrow)}`);
      assert.match(narrow.text, /\d+(\.\d)? (B|KB|MB)/);
      await app.screenshot("traffic-narrow");
      await app.browser.setWindowSize(1600, 900);
      await app.browser.waitUntil(async () => (await app.browser.execute(() => window.innerWidth)) >= 1500, { timeout: 5_000 });
      const wide = await lastColumn();
      assert.ok(wide.tableWidth > 1100, `the table keeps a narrow width in a wide window: ${JSON.stringify(wide)}`);
    } finally {
      await app.browser.setWindowSize(before.width, before.height);
    }
  });

  it("filters by method", async () => {
    await app.browser.$('[data-testid="traffic-method-filter"]').setValue("tools/list");
    await app.browser.waitUntil(
      async () => {
        const rows = await shownRows(app.browser);
        return rows.length === 2 && rows.every((t) => t.includes("tools/list"));
      },
      { timeout: 5_000, timeoutMsg: "the method filter did not leave the tools/list request and response" },
    );
  });

  it("shows a broken server's failure with its diagnosis code in Servers, and the working one stopped (cleanly)", async () => {
    // Started the way Claude starts it: the tapped entry's command, stdin closed at once.
    const broken = spawn(CLI, ["wrap", "--name", "broken", "--", "/nonexistent/mcp-server"], {
      env: { ...process.env, MCP_TRAY_HOME: app.home },
      stdio: ["ignore", "ignore", "ignore"],
    });
    await once(broken, "exit");
    await openView(app.browser, "Servers");
    const problem = app.browser.$('[data-testid="server-problem"]');
    await problem.waitForExist({ timeout: 10_000 });
    assert.equal(await problem.getAttribute("data-code"), "command-not-found");
    assert.match(await problem.getText(), /nonexistent\/mcp-server/);
    // What to do comes with it, as it does for a failure read from Claude's log.
    const fix = problem.$('[data-testid="server-fix"]');
    assert.match(await fix.getText(), /Fix: Install the command, or give its correct absolute path/);
    const statuses = await app.browser.execute(() =>
      Object.fromEntries(
        [...document.querySelectorAll('[data-testid="server-row"]')].map((row) => [
          row.querySelector('[data-testid="server-name"]')?.textContent?.trim(),
          row.querySelector('[data-testid="server-status"]')?.textContent?.trim(),
        ]),
      ),
    );
    // tiny's client ended its session: its shim journaled a clean stop, so it is neither up nor failing.
    assert.deepEqual(statuses, { tiny: "Stopped", broken: "Failing" });
    const tinyNote = await app.browser.execute(() => {
      const row = [...document.querySelectorAll('[data-testid="server-row"]')].find(
        (r) => r.querySelector('[data-testid="server-name"]')?.textContent?.trim() === "tiny",
      );
      return [row?.querySelector('[data-testid="server-evidence"]')?.textContent ?? "", Boolean(row?.querySelector('[data-testid="server-problem"]'))];
    });
    assert.match(tinyNote[0], /server stopped \(exit code 0\)/);
    assert.equal(tinyNote[1], false, "a clean stop is no problem");
    await app.screenshot("servers-status");
  });

  it("shows the broken server's failure with its diagnosis in Logs", async () => {
    await openView(app.browser, "Logs");
    const diagnosis = app.browser.$('[data-testid="log-diagnosis"][data-code="command-not-found"]');
    await diagnosis.waitForExist({ timeout: 15_000 });
    assert.match(await diagnosis.getText(), /nonexistent\/mcp-server/);
    await app.screenshot("logs");
  });

  it("finds events by the words typed in Logs, and copies the ones shown", async () => {
    const search = app.browser.$('[data-testid="logs-search"]');
    await search.setValue("NONEXISTENT not found");
    await app.browser.waitUntil(async () => (await app.browser.$$('[data-testid="log-row"]')).length === 1, {
      timeout: 5_000,
      timeoutMsg: "the search did not narrow Logs to the broken server's failure",
    });
    assert.match(await waitForText(app.browser, '[data-testid="logs-count"]'), /^1 of \d+$/);
    await app.browser.$('[data-testid="logs-copy"]').click();
    assert.equal(await waitForText(app.browser, '[data-testid="logs-copied"]'), "Copied 1 event");
    // What was copied, pasted back into the search field (which keeps it on one line).
    await search.clearValue();
    await search.click();
    await app.browser.keys(["Control", "v"]);
    await app.browser.waitUntil(async () => (await search.getValue()).length > 0, {
      timeout: 5_000,
      timeoutMsg: "nothing came from the clipboard",
    });
    const pasted = await search.getValue();
    assert.match(pasted, /broken \(MCP Tray\)/);
    assert.match(pasted, /✗ command-not-found: The command `\/nonexistent\/mcp-server` was not found/);
    assert.match(pasted, /fix: /);
    await search.clearValue();
  });

  it("shows a remote server's messages through the bridge live", async () => {
    const port = await freePort();
    const everything = spawn(EVERYTHING, ["streamableHttp"], {
      env: { ...process.env, PORT: String(port) },
      stdio: "ignore",
      detached: true,
    });
    try {
      await listening(port);
      const client = spawn(
        PYTHON,
        [DRIVER, "basic", "--", CLI, "bridge", `http://127.0.0.1:${port}/mcp`, "--name", "remote"],
        { env: { ...process.env, MCP_TRAY_HOME: app.home }, stdio: ["ignore", "pipe", "pipe"] },
      );
      let err = "";
      client.stderr.on("data", (c) => (err += c));
      const [code] = await once(client, "exit");
      assert.equal(code, 0, `driver through the bridge failed: ${err}`);
      await openView(app.browser, "Traffic");
      await app.browser.$('[data-testid="traffic-method-filter"]').setValue("tools/call");
      await app.browser.waitUntil(
        async () =>
          (await shownRows(app.browser)).some(
            (text) => text.includes("remote") && text.includes("tools/call") && text.includes("response"),
          ),
        { timeout: 15_000, timeoutMsg: "the bridge's tools/call response did not appear in Traffic" },
      );
    } finally {
      try {
        process.kill(-everything.pid, "SIGTERM");
      } catch {
        everything.kill("SIGTERM");
      }
    }
  });
});

/** Journal lines of `server`, as its shim writes them. */
function entries(server, lines) {
  const base = { server, session: "0a1b2c3d", pid: 4242 };
  return `${lines.map((line) => JSON.stringify({ ts: new Date().toISOString(), ...base, ...line })).join("\n")}\n`;
}

/** Where the rows of the list are, and where the selected one is (null: not in the page). */
function listState(browser) {
  return browser.execute(() => {
    const viewport = document.querySelector('[data-testid="traffic-viewport"]');
    const box = viewport?.getBoundingClientRect();
    const selected = document.querySelector('[data-testid="traffic-row"][aria-selected="true"]')?.getBoundingClientRect();
    return {
      atBottom: viewport ? viewport.scrollTop + viewport.clientHeight >= viewport.scrollHeight - 30 : false,
      // (Within a pixel: the list's height can be a fraction of one.)
      selectedInSight: Boolean(selected && box && selected.top >= box.top - 1 && selected.bottom <= box.bottom + 1),
      count: document.querySelector('[data-testid="traffic-count"]')?.textContent ?? "",
    };
  });
}

describe("traffic, from journals written here", () => {
  let app;
  let journal;

  before(async () => {
    app = await startApp();
    journal = path.join(app.home, "journal");
    fs.mkdirSync(journal, { recursive: true });
    fs.writeFileSync(path.join(journal, "calm.jsonl"), entries("calm", [{ dir: "c2s", kind: "request", method: "tools/list", id: 1, bytes: 46, msg: { jsonrpc: "2.0", id: 1, method: "tools/list" } }]));
    await openView(app.browser, "Traffic");
    await waitForText(app.browser, '[data-testid="traffic-count"]', { equals: "1 of 1 message" });
  });

  after(async () => {
    await app?.stop();
  });

  it("says when Errors only hides every message, and counts a line that was not JSON as an error", async () => {
    await app.browser.$('[data-testid="traffic-errors"]').click();
    assert.equal(await waitForText(app.browser, '[data-testid="traffic-none"]'), "No message matches these filters.");
    await app.screenshot("traffic-no-match");
    fs.appendFileSync(path.join(journal, "calm.jsonl"), entries("calm", [{ dir: "s2c", kind: "invalid", bytes: 34, msg: "Traceback (most recent call last):" }]));
    await waitForText(app.browser, '[data-testid="traffic-count"]', { equals: "1 of 2 messages" });
    assert.equal(await app.browser.$('[data-testid="traffic-none"]').isExisting(), false);
    assert.match((await shownRows(app.browser))[0], /invalid/);
    await app.browser.$('[data-testid="traffic-errors"]').click();
    await waitForText(app.browser, '[data-testid="traffic-count"]', { equals: "2 of 2 messages" });
  });

  it("says under the response that it was cut when its request is selected", async () => {
    const start = `{"jsonrpc":"2.0","id":5,"result":{"content":[{"type":"text","text":"${"lorem ipsum ".repeat(6_000)}`;
    fs.writeFileSync(
      path.join(journal, "big.jsonl"),
      entries("big", [
        { dir: "c2s", kind: "request", method: "tools/call", id: 5, bytes: 60, msg: { jsonrpc: "2.0", id: 5, method: "tools/call", params: { name: "dump" } } },
        { dir: "s2c", kind: "response", method: "tools/call", id: 5, bytes: 3_145_728, latency_ms: 12.5, msg: start, truncated: true },
      ]),
    );
    await waitForText(app.browser, '[data-testid="traffic-count"]', { equals: "4 of 4 messages" });
    const clicked = await app.browser.execute(() => {
      const row = [...document.querySelectorAll('[data-testid="traffic-row"]')].find((el) => el.textContent?.includes("big") && el.textContent.includes("request"));
      row?.click();
      return row !== undefined;
    });
    assert.ok(clicked, "no request row of big");
    await waitForText(app.browser, '[data-testid="traffic-cut"]');
    const panes = await app.browser.execute(() =>
      [...document.querySelectorAll('[data-testid="traffic-json"]')].map((pre) => {
        const note = pre.parentElement?.querySelector('[data-testid="traffic-cut"]');
        const box = note?.getBoundingClientRect();
        return { note: note?.textContent ?? null, inSight: Boolean(box && box.height > 0 && box.bottom <= window.innerHeight) };
      }),
    );
    assert.deepEqual(panes, [
      { note: null, inSight: false },
      { note: "Only its start was recorded (the whole message was 3.0 MiB).", inSight: true },
    ]);
    await app.screenshot("traffic-cut-response");
    await app.browser.$('[data-testid="traffic-close"]').click();
  });

  it("keeps a selected row in sight while hundreds of messages arrive a second, and follows again once closed", async () => {
    const file = path.join(journal, "flood.jsonl");
    let id = 0;
    const flood = setInterval(() => {
      const lines = Array.from({ length: 10 }, () => {
        id += 1;
        return { dir: "c2s", kind: "notification", method: "notifications/progress", bytes: 80, msg: { jsonrpc: "2.0", method: "notifications/progress", params: { n: id } } };
      });
      fs.appendFileSync(file, entries("flood", lines));
    }, 20);
    try {
      await app.browser.waitUntil(async () => id > 1_000 && (await listState(app.browser)).atBottom, { timeout: 15_000, timeoutMsg: "the flood did not reach the list" });
      // A row near the bottom, as a user clicks one while the list moves: the detail then opens
      // below the list, which gets shorter.
      await app.browser.execute(() => [...document.querySelectorAll('[data-testid="traffic-row"]')].at(-3)?.click());
      for (let i = 0; i < 6; i += 1) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        const state = await listState(app.browser);
        assert.ok(state.selectedInSight, `the selected row left the list's sight after ${(i + 1) * 250} ms: ${JSON.stringify(state)}`);
      }
      await app.screenshot("traffic-selected-while-flooding");
      await app.browser.$('[data-testid="traffic-close"]').click();
      await app.browser.waitUntil(async () => (await listState(app.browser)).atBottom, { timeout: 5_000, timeoutMsg: "closing the detail did not follow the newest again" });
      await new Promise((resolve) => setTimeout(resolve, 500));
      assert.ok((await listState(app.browser)).atBottom, "the list stopped following after the detail closed");
    } finally {
      clearInterval(flood);
    }
  });
});

// "Hide secrets" turned on hides what is already on screen too: the traffic is read again, masked
// as Rust reads it, so a secret journaled while it was off neither stays in the list nor is found
// by a search (nor goes into an export, which is made of the rows shown).
describe("traffic, when Hide secrets is turned on", () => {
  let app;

  before(async () => {
    app = await startApp();
  });

  after(async () => {
    await app?.stop();
  });

  const toggleRedaction = async (on) => {
    await openView(app.browser, "Settings");
    const box = app.browser.$('[data-testid="redact-secrets"]');
    await app.browser.waitUntil(async () => (await box.isEnabled()) && (await box.isSelected()) !== on, {
      timeout: 10_000,
      timeoutMsg: "the redaction box stayed disabled",
    });
    await box.click();
    const settings = path.join(app.home, "settings.json");
    await app.browser.waitUntil(async () => fs.existsSync(settings) && JSON.parse(fs.readFileSync(settings, "utf8")).redact === on, {
      timeout: 5_000,
      timeoutMsg: `redaction was not turned ${on ? "on" : "off"}`,
    });
  };

  it("masks the secrets of messages already shown", async () => {
    await toggleRedaction(false);
    const journal = path.join(app.home, "journal");
    fs.mkdirSync(journal, { recursive: true });
    // As a shim journals with redaction off: the password as sent.
    const call = { jsonrpc: "2.0", id: 7, method: "tools/call", params: { name: "login", arguments: { password: "hunter2-e2e" } } };
    fs.writeFileSync(path.join(journal, "vault.jsonl"), entries("vault", [{ dir: "c2s", kind: "request", method: "tools/call", id: 7, bytes: 90, msg: call }]));
    await openView(app.browser, "Traffic");
    await app.browser.$('[data-testid="traffic-search"]').setValue("hunter2-e2e");
    await waitForText(app.browser, '[data-testid="traffic-count"]', { equals: "1 of 1 message" });
    await toggleRedaction(true);
    await openView(app.browser, "Traffic");
    // Read again, masked: the search that found the password finds nothing now.
    await waitForText(app.browser, '[data-testid="traffic-count"]', { equals: "0 of 1 message" });
    await app.browser.$('[data-testid="traffic-search"]').setValue("[redacted]");
    await waitForText(app.browser, '[data-testid="traffic-count"]', { equals: "1 of 1 message" });
    assert.doesNotMatch(await app.browser.$("main").getText(), /hunter2-e2e/);
  });
});
