// Traffic's toolbar and sizes at the window's default size, end to end: with thousands of
// messages and a server chosen in the filter, the count ("12,345 of 12,345 messages", beside the
// heading) stays on one line, and so do the filters and buttons; sizes are in the CLI's units (KiB, MiB), whole in their
// column, the widest ("1024.0 KiB") too. Screenshot: traffic-toolbar.png (E2E_SCREENSHOT_DIR).
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { openView, painted, startApp, waitForText } from "../lib/app.mjs";

/** How many messages the journal holds: a count with thousands separators, both sides. */
const MESSAGES = 12_345;
/** Sizes the first rows have, and how `mcp-tray traffic` writes each. */
const SIZES = [
  [900, "900 B"],
  [1280, "1.2 KiB"],
  [1_048_575, "1024.0 KiB"],
  [3_145_728, "3.0 MiB"],
];
const SERVER = "knowledge-base";

/** The journal of SERVER: notifications, the newest ones (in sight) of the sizes in SIZES. */
function journalLines() {
  const start = Date.now() - 60_000;
  const lines = [];
  for (let i = 0; i < MESSAGES; i++) {
    const msg = { jsonrpc: "2.0", method: "notifications/progress", params: { n: i } };
    const bytes = SIZES[i - (MESSAGES - SIZES.length)]?.[0] ?? JSON.stringify(msg).length;
    const ts = new Date(start + i).toISOString();
    lines.push(JSON.stringify({ ts, server: SERVER, session: "0a1b2c3d", pid: 4242, dir: "s2c", kind: "notification", method: msg.method, bytes, msg }));
  }
  return `${lines.join("\n")}\n`;
}

describe("Traffic's toolbar at the default window size", () => {
  let app;
  before(async () => {
    app = await startApp({ config: { mcpServers: { [SERVER]: { command: "uvx", args: ["kb-mcp"] } } } });
    fs.mkdirSync(path.join(app.home, "journal"), { recursive: true });
    fs.writeFileSync(path.join(app.home, "journal", `${SERVER}.jsonl`), journalLines());
    await openView(app.browser, "Traffic");
    // (In the page's locale: "12,345", or "12345" where it has no separator.)
    await app.browser.waitUntil(
      async () => (await app.browser.execute(() => document.querySelector('[data-testid="traffic-count"]')?.textContent ?? "")).replace(/\D/g, "") === `${MESSAGES}${MESSAGES}`,
      { timeout: 30_000, timeoutMsg: `Traffic did not count ${MESSAGES} messages` },
    );
  });
  after(async () => {
    await app?.stop();
  });

  it("keeps the message count on one line, and the toolbar too, with a server chosen", async () => {
    await app.browser.execute((server) => {
      const select = document.querySelector('[data-testid="traffic-server"]');
      select.value = server;
      select.dispatchEvent(new Event("change", { bubbles: true }));
    }, SERVER);
    await painted(app.browser);
    const at = await app.browser.execute(() => {
      const count = document.querySelector('[data-testid="traffic-count"]');
      const box = count.getBoundingClientRect();
      const toolbar = document.querySelector('[role="toolbar"]').getBoundingClientRect();
      const middles = [...document.querySelector('[role="toolbar"]').children].map((c) => {
        const r = c.getBoundingClientRect();
        return Math.round((r.top + r.bottom) / 2);
      });
      return {
        text: count.textContent,
        height: box.height,
        line: Number.parseFloat(getComputedStyle(count).lineHeight) || 0,
        countInside: box.left >= 0 && box.right <= window.innerWidth && box.bottom <= toolbar.top,
        middles,
        window: { width: window.innerWidth, height: window.innerHeight },
      };
    });
    await app.screenshot("traffic-toolbar");
    assert.deepEqual(at.window, { width: 980, height: 700 }, "not the window's default size");
    assert.ok(at.height <= (at.line || 16) * 1.5, `the count takes ${at.height} px, more than a line: ${JSON.stringify(at)}`);
    assert.ok(at.countInside, `the count is not above the toolbar, whole in the window: ${JSON.stringify(at)}`);
    assert.ok(Math.max(...at.middles) - Math.min(...at.middles) < 8, `the toolbar wraps: ${JSON.stringify(at)}`);
  });

  it("writes sizes as the CLI does, each whole in its column", async () => {
    const cells = await app.browser.execute(() =>
      [...document.querySelectorAll('[data-testid="traffic-row"]')].map((row) => {
        const cell = [...row.querySelectorAll('[role="gridcell"]')].at(-1);
        const range = document.createRange();
        range.selectNodeContents(cell);
        const ink = range.getBoundingClientRect();
        const box = cell.getBoundingClientRect();
        return { text: cell.textContent, inside: ink.left >= box.left - 0.5 && ink.right <= box.right + 0.5 };
      }),
    );
    for (const [, shown] of SIZES) {
      const cell = cells.find((c) => c.text === shown);
      assert.ok(cell, `no row shows ${shown}: ${JSON.stringify(cells)}`);
      assert.ok(cell.inside, `${shown} does not fit its column: ${JSON.stringify(cells)}`);
    }
  });
});
