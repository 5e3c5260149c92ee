// Logs, end to end, with a Claude log folder holding more than the view reads: thousands of
// records and one huge line. The view lists only the newest events (older ones on request), never
// scrolls sideways, shows a huge record collapsed, and says the file was read only in part.
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { openView, startApp, waitForText } from "../lib/app.mjs";

/** How wide the list is, and how wide its content. */
function widths(browser) {
  return browser.execute(() => {
    const list = document.querySelector('[data-testid="logs-list"]');
    return { client: list?.clientWidth ?? 0, scroll: list?.scrollWidth ?? Infinity, page: document.documentElement.scrollWidth, window: window.innerWidth };
  });
}

describe("logs", () => {
  let app;
  let logs;
  const RECORDS = 6_000;

  before(async () => {
    logs = fs.mkdtempSync(path.join(os.tmpdir(), "mcp-tray-e2e-claude-logs-"));
    const at = (i) => new Date(Date.now() - 3_600_000 + i * 100).toISOString();
    const lines = Array.from({ length: RECORDS }, (_, i) => `${at(i)} [gh] [info] Message from server: {"jsonrpc":"2.0","id":${i},"result":{}}`);
    lines.push(`${at(RECORDS)} [gh] [info] ${"A".repeat(20_000)}`);
    fs.writeFileSync(path.join(logs, "mcp-server-gh.log"), `${lines.join("\n")}\n`);
    app = await startApp({ env: { MCP_TRAY_CLAUDE_LOGS: logs } });
    await openView(app.browser, "Logs");
    await waitForText(app.browser, '[data-testid="log-show-all"]');
  });

  after(async () => {
    await app?.stop();
    if (logs) fs.rmSync(logs, { recursive: true, force: true, maxRetries: 5 });
  });

  it("says the file was read only in part", async () => {
    assert.equal(
      await waitForText(app.browser, '[data-testid="logs-read-in-part"]'),
      "Older lines of mcp-server-gh.log are not shown: only its last 256 KiB is read.",
    );
  });

  it("shows a huge line collapsed, and all of it on request, without scrolling sideways", async () => {
    const collapsed = await widths(app.browser);
    assert.ok(collapsed.scroll <= collapsed.client, `the list scrolls sideways: ${JSON.stringify(collapsed)}`);
    assert.ok(collapsed.page <= collapsed.window, `the page scrolls sideways: ${JSON.stringify(collapsed)}`);
    const toggle = app.browser.$('[data-testid="log-show-all"]');
    assert.match(await toggle.getText(), /^Show all \(20,?000 characters\)$/);
    await app.screenshot("logs-huge-line");
    await toggle.click();
    await waitForText(app.browser, '[data-testid="log-show-all"]', { equals: "Show less" });
    const opened = await widths(app.browser);
    await app.screenshot("logs-huge-line-opened");
    assert.ok(opened.scroll <= opened.client, `the list scrolls sideways with the whole line: ${JSON.stringify(opened)}`);
    await app.browser.$('[data-testid="log-show-all"]').click();
  });

  it("lists only the newest events, older ones on request, and clears a search at once", async (t) => {
    const count = await waitForText(app.browser, '[data-testid="logs-count"]');
    const [shown] = count.replace(/,/g, "").split(" of ").map(Number);
    assert.ok(shown > 2_000, `the file's recent end holds thousands of events: ${count}`);
    const rows = async () => (await app.browser.$$('[data-testid="log-row"]')).length;
    assert.equal(await rows(), 200);
    await app.browser.$('[data-testid="logs-older"]').click();
    await app.browser.waitUntil(async () => (await rows()) === 400, { timeout: 5_000, timeoutMsg: "Show older added no events" });

    // Searching, then clearing the search, as in the report of a 2.3 s freeze.
    const search = app.browser.$('[data-testid="logs-search"]');
    await search.setValue("AAAAAAAAAA");
    await app.browser.waitUntil(async () => (await rows()) === 1, {
      timeout: 5_000,
      timeoutMsg: `the search did not find the huge line: ${await app.browser.execute(() => document.querySelector('[data-testid="logs-count"]')?.textContent)}`,
    });
    const ms = await app.browser.executeAsync((done) => {
      const input = document.querySelector('[data-testid="logs-search"]');
      const started = performance.now();
      input.value = "";
      input.dispatchEvent(new Event("input", { bubbles: true }));
      requestAnimationFrame(() => setTimeout(() => done(performance.now() - started)));
    });
    assert.equal(await rows(), 200);
    t.diagnostic(`clearing the search took ${Math.round(ms)} ms`);
    assert.ok(ms < 1_000, `clearing the search took ${Math.round(ms)} ms`);
    await app.screenshot("logs-many");
  });
});
