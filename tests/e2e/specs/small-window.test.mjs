// A small window with long server names, end to end: at 800×600 and 740×600 (the window's minimum
// is 720 px wide) each Servers row gives its name the room to read (at most two lines, never a
// few letters a line; the whole name in its tooltip), and the header's Add a server lines up with
// the heading. The window itself never scrolls, whatever the keys: only the view does (End with
// the navigation clicked, Enter on Add a server). In Logs and Traffic a long name is cut, so a
// record keeps the room for its message and the filters stay on one line. Screenshots:
// small-window-*.png (E2E_SCREENSHOT_DIR).
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { openView, painted, startApp, waitForText } from "../lib/app.mjs";

/** 136 characters, with hyphens to wrap at. */
const LONG = "my-company-internal-knowledge-base-search-server-production-eu-west-".repeat(2);
/** 99 characters with nowhere to wrap. */
const UNBROKEN = `unbroken_${"x".repeat(90)}`;
const CONFIG = {
  mcpServers: {
    crashy: { command: "sh", args: ["-c", "echo 'Error: API_KEY missing' >&2; exit 2"] },
    [LONG]: { command: "uvx", args: ["kb-search-mcp", "--region", "eu-west"] },
    "remote-url": { command: "npx", args: ["-y", "mcp-remote", "https://mcp.example.com/mcp"] },
    [UNBROKEN]: { command: "uvx", args: ["unbroken-mcp"] },
    ...Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`srv-${String(i + 1).padStart(2, "0")}`, { command: "uvx", args: [`s${i}`] }])),
  },
};

/** Journal lines of LONG: a call, its reply, and its exit with a traceback. */
function journalLines() {
  const base = { server: LONG, session: "0a1b2c3d", pid: 4242 };
  const at = (ms) => new Date(Date.now() - 5_000 + ms).toISOString();
  const call = { jsonrpc: "2.0", id: 1, method: "tools/list", params: {} };
  const reply = { jsonrpc: "2.0", id: 1, result: { tools: [] } };
  const traceback = [
    "uvx exited (exit code 1) before answering anything; its last stderr lines:",
    "Traceback (most recent call last):",
    '  File "/srv/kb/server.py", line 28, in <module>',
    "    port = int(sys.argv[2]) if len(sys.argv) > 2 else 8000",
    "ValueError: invalid literal for int() with base 10: '-x'",
  ].join("\n");
  return [
    { ts: at(0), ...base, dir: "c2s", kind: "request", method: "tools/list", id: 1, bytes: JSON.stringify(call).length, msg: call },
    { ts: at(40), ...base, dir: "s2c", kind: "response", method: "tools/list", id: 1, bytes: JSON.stringify(reply).length, latency_ms: 40.2, msg: reply },
    { ts: at(90), ...base, dir: "event", kind: "event", code: "exited-early", level: "error", text: traceback },
  ]
    .map((l) => JSON.stringify(l))
    .join("\n");
}

/** Resizes the window and waits until the page has the new width. */
async function resize(browser, width, height) {
  await browser.setWindowSize(width, height);
  await browser.waitUntil(async () => (await browser.execute(() => window.innerWidth)) <= width && (await browser.execute(() => window.innerWidth)) > width - 40, {
    timeout: 5_000,
    timeoutMsg: `the window did not become ${width} px wide`,
  });
  await painted(browser);
}

/** How far the page itself is scrolled, and how much taller than the window it is. */
function pageScroll(browser) {
  return browser.execute(() => {
    const page = document.scrollingElement ?? document.documentElement;
    return { top: page.scrollTop, taller: page.scrollHeight - page.clientHeight, sidebarTop: document.querySelector("aside").getBoundingClientRect().top };
  });
}

/** Each server name's box, its line height, its tooltip, and the row's width. */
function names(browser) {
  return browser.execute(() =>
    [...document.querySelectorAll('[data-testid="server-row"]')].map((row) => {
      const name = row.querySelector('[data-testid="server-name"]');
      const box = name.getBoundingClientRect();
      return {
        name: name.textContent,
        title: name.getAttribute("title"),
        width: box.width,
        height: box.height,
        line: Number.parseFloat(getComputedStyle(name).lineHeight),
        row: row.getBoundingClientRect().width,
      };
    }),
  );
}

describe("a small window with long server names", () => {
  let app;
  let before_;
  before(async () => {
    app = await startApp({ config: CONFIG });
    fs.mkdirSync(path.join(app.home, "journal"), { recursive: true });
    fs.writeFileSync(path.join(app.home, "journal", `${LONG}.jsonl`), `${journalLines()}\n`);
    await waitForText(app.browser, '[data-testid="server-name"]', { equals: "crashy" });
    before_ = await app.browser.getWindowSize();
  });
  after(async () => {
    await app?.browser.setWindowSize(before_.width, before_.height).catch(() => {});
    await app?.stop();
  });

  for (const [width, height] of [
    [800, 600],
    [740, 600],
  ]) {
    it(`Servers at ${width}×${height}: every name has room (two lines at most), whole in its tooltip; Add a server lines up with the heading`, async () => {
      await resize(app.browser, width, height);
      await app.browser.execute(() => document.querySelector("main").scrollTo(0, 0));
      await painted(app.browser);
      await app.screenshot(`small-window-${width}x${height}-servers`);
      for (const row of await names(app.browser)) {
        assert.equal(row.title, row.name, `${row.name}'s tooltip`);
        assert.ok(row.height <= 2 * row.line + 2, `${row.name} takes ${row.height} px, ${(row.height / row.line).toFixed(1)} lines`);
        // A long name has its line to itself: most of the row, not a column beside the buttons.
        if (row.name.length > 40) assert.ok(row.width >= 0.8 * (row.row - 32), `${row.name} is ${row.width} px wide in a row of ${row.row} px`);
        else assert.ok(row.height <= row.line + 2, `${row.name} wraps (${row.height} px)`);
      }
      const header = await app.browser.execute(() => {
        const h1 = document.querySelector("h1").getBoundingClientRect();
        const add = document.querySelector('[data-testid="servers-add"]').getBoundingClientRect();
        return { h1: { left: h1.left, top: h1.top, bottom: h1.bottom }, add: { left: add.left, top: add.top, height: add.height } };
      });
      const beside = header.add.top < header.h1.bottom;
      assert.ok(beside || Math.abs(header.add.left - header.h1.left) < 1, `Add a server at ${JSON.stringify(header.add)}, the heading at ${JSON.stringify(header.h1)}`);
      assert.ok(header.add.height < 40, `Add a server wraps (${header.add.height} px high)`);
      assert.deepEqual(await pageScroll(app.browser), { top: 0, taller: 0, sidebarTop: 0 });
    });
  }

  it("never scrolls the window itself: End with the navigation clicked, Enter on Add a server", async () => {
    await resize(app.browser, 800, 600);
    await app.browser.execute(() => document.querySelector("main").scrollTo(0, 0));
    // A click on the navigation's empty part leaves the focus on the page: End would scroll it.
    await app.browser.$("aside").click({ x: 0, y: 200 });
    await app.browser.keys(["End"]);
    await app.browser.pause(400);
    assert.deepEqual(await pageScroll(app.browser), { top: 0, taller: 0, sidebarTop: 0 });
    await app.browser.keys(["PageDown"]);
    await app.browser.pause(300);
    assert.deepEqual(await pageScroll(app.browser), { top: 0, taller: 0, sidebarTop: 0 });

    await app.browser.execute(() => document.querySelector('[data-testid="servers-add"]').focus());
    await app.browser.keys(["Enter"]);
    await app.browser.waitUntil(async () => (await app.browser.execute(() => document.activeElement?.getAttribute("data-testid"))) === "add-input", {
      timeout: 5_000,
      timeoutMsg: "Add a server did not focus the Add field",
    });
    await app.browser.pause(400);
    assert.deepEqual(await pageScroll(app.browser), { top: 0, taller: 0, sidebarTop: 0 });
    const viewScrolled = await app.browser.execute(() => document.querySelector("main").scrollTop);
    assert.ok(viewScrolled > 0, "the view did not scroll to the Add field");
    await app.screenshot("small-window-800x600-add");
  });

  for (const [width, height] of [
    [1280, 800],
    [800, 600],
  ]) {
    it(`Logs and Traffic at ${width}×${height}: a long name is cut (whole in its tooltip), its message keeps the room, the filters their line`, async () => {
      await resize(app.browser, width, height);
      await openView(app.browser, "Logs");
      await waitForText(app.browser, '[data-testid="log-row"]', { contains: "exited" });
      const logs = await app.browser.execute((long) => {
        const row = [...document.querySelectorAll('[data-testid="log-row"]')].find((r) => r.querySelector(".server")?.getAttribute("title") === long);
        const text = row?.querySelector('[data-testid="log-text"], [data-testid="log-diagnosis"]');
        const output = row?.querySelector('[data-testid="text-output"]');
        return {
          found: Boolean(row),
          server: row?.querySelector(".server").getBoundingClientRect().width,
          text: text?.getBoundingClientRect().width ?? 0,
          line: row?.getBoundingClientRect().width,
          output: output ? { lines: output.textContent.split("\n").length, whiteSpace: getComputedStyle(output).whiteSpace, font: getComputedStyle(output).fontFamily } : null,
        };
      }, LONG);
      assert.ok(logs.found, "no Logs row of the long-named server");
      assert.ok(logs.server <= 0.3 * logs.line + 1, `the name takes ${logs.server} of ${logs.line} px`);
      assert.ok(logs.text >= 0.4 * logs.line, `the message has ${logs.text} of ${logs.line} px`);
      assert.ok(logs.output && logs.output.lines === 4, `the traceback's lines: ${JSON.stringify(logs.output)}`);
      assert.equal(logs.output.whiteSpace, "pre-wrap");
      assert.match(logs.output.font, /mono/i);
      const logsFilters = await app.browser.execute(() => {
        const select = document.querySelector('[data-testid="logs-server"]').getBoundingClientRect();
        const search = document.querySelector('[data-testid="logs-search"]').getBoundingClientRect();
        return { width: select.width, sameLine: Math.abs(select.top + select.height / 2 - (search.top + search.height / 2)) < 4 };
      });
      assert.ok(logsFilters.width <= 16 * 13.5 + 1, `the server filter is ${logsFilters.width} px wide`);
      // (At 800 px the four filters need two lines whatever the names.)
      if (width >= 1000) assert.ok(logsFilters.sameLine, "the Logs filters went onto two lines");
      await app.screenshot(`small-window-${width}x${height}-logs`);

      await openView(app.browser, "Traffic");
      await waitForText(app.browser, '[data-testid="traffic-row"]');
      const traffic = await app.browser.execute(() => {
        const select = document.querySelector('[data-testid="traffic-server"]').getBoundingClientRect();
        const method = document.querySelector('[data-testid="traffic-method-filter"]').getBoundingClientRect();
        const cell = document.querySelector('[data-testid="traffic-row"] [role="gridcell"]:nth-child(2)');
        return {
          width: select.width,
          sameLine: Math.abs(select.top + select.height / 2 - (method.top + method.height / 2)) < 4,
          cellTitle: cell?.getAttribute("title"),
        };
      });
      assert.ok(traffic.width <= 16 * 13.5 + 1, `the server filter is ${traffic.width} px wide`);
      assert.ok(traffic.sameLine, "the Traffic filters went onto two lines");
      assert.equal(traffic.cellTitle, LONG);
      await app.screenshot(`small-window-${width}x${height}-traffic`);
      assert.deepEqual(await pageScroll(app.browser), { top: 0, taller: 0, sidebarTop: 0 });
      // Nothing off the window's right edge either (the list once kept the width it had before
      // the window shrank: a long name made its column as wide as the name).
      const sideways = await app.browser.execute(() => {
        const view = document.querySelector(".content");
        return view.scrollWidth - view.clientWidth;
      });
      assert.equal(sideways, 0, "Traffic is wider than the window");
      await openView(app.browser, "Servers");
    });
  }
});
