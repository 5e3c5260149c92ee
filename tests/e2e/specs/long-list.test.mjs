// A long server list, end to end: what a row's button did (or why it failed) is said in the status
// bar, which stays in sight at the bottom of the window however far below the list goes; a row that
// is disabled keeps its place, and the view and the focus stay where they were.
import assert from "node:assert/strict";
import fs from "node:fs";
import { after, before, describe, it } from "node:test";
import { clickInRow, clickWhenEnabled, startApp, waitForText } from "../lib/app.mjs";

/** Whether the element is inside the window's visible area. */
function inSight(browser, testid) {
  return browser.execute((t) => {
    const element = document.querySelector(`[data-testid="${t}"]`);
    if (!element) return false;
    const box = element.getBoundingClientRect();
    return box.height > 0 && box.top >= 0 && box.bottom <= window.innerHeight;
  }, testid);
}

describe("a long server list", () => {
  let app;
  const servers = Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`server-${String(i).padStart(2, "0")}`, { command: "uvx", args: [`s${i}`] }]));

  before(async () => {
    app = await startApp({ config: { mcpServers: servers } });
    await waitForText(app.browser, '[data-testid="server-name"]', { equals: "server-00" });
  });

  after(async () => {
    await app?.stop();
  });

  it("says what Disable did at the bottom of the window, near the top of the list", async () => {
    assert.ok(await clickInRow(app.browser, "server-01", "server-toggle"), "no Disable on server-01");
    await waitForText(app.browser, '[data-testid="server-change"]', { contains: "Disabled server-01" });
    assert.equal(await inSight(app.browser, "server-change"), true, "the status bar is out of sight");
    assert.equal(await inSight(app.browser, "server-undo"), true, "Undo is out of sight");
    await app.screenshot("servers-long-list-change");
    await clickWhenEnabled(app.browser, '[data-testid="server-undo"]');
    await waitForText(app.browser, '[data-testid="server-change"]', { contains: "Undone" });
  });

  it("keeps a disabled server in its place, with the view and the focus where they were", async () => {
    const scrolled = () => app.browser.execute(() => document.querySelector("main")?.scrollTop ?? -1);
    const order = () =>
      app.browser.execute(() => [...document.querySelectorAll("[data-server]")].map((r) => r.getAttribute("data-server")));
    const before = await scrolled();
    const listed = await order();
    // A real click: it focuses the button, which stays in its row, now as Enable.
    const row = await app.browser.$('[data-server="server-03"]');
    await row.$('[data-testid="server-toggle"]').click();
    await waitForText(app.browser, '[data-testid="server-change"]', { contains: "Disabled server-03" });
    await app.browser.pause(300);
    assert.deepEqual(await order(), listed, "the list changed order");
    assert.equal(await scrolled(), before, "the view jumped");
    const focused = await app.browser.execute(() => {
      const active = document.activeElement;
      return [active?.closest("[data-server]")?.getAttribute("data-server"), active?.textContent?.trim()];
    });
    assert.deepEqual(focused, ["server-03", "Enable"]);
    await clickWhenEnabled(app.browser, '[data-testid="server-undo"]');
    await waitForText(app.browser, '[data-testid="server-change"]', { contains: "Undone" });
  });

  it("says why an action failed in sight too (a write-protected file)", async () => {
    fs.chmodSync(app.configPath, 0o444);
    try {
      assert.ok(await clickInRow(app.browser, "server-02", "server-toggle"), "no Disable on server-02");
      await waitForText(app.browser, '[data-testid="server-change"]', { contains: "read-only" });
      assert.equal(await inSight(app.browser, "server-change"), true, "the failure is out of sight");
    } finally {
      fs.chmodSync(app.configPath, 0o644);
    }
  });

  it("keeps the control Tab reaches in sight above the bar stuck at the window's bottom", async () => {
    assert.ok(await clickInRow(app.browser, "server-01", "server-toggle"), "no Disable on server-01");
    await waitForText(app.browser, '[data-testid="server-change"]', { contains: "Disabled server-01" });
    // From a row near the window's bottom edge, Tab on down the list.
    await app.browser.execute(() => {
      document.querySelector("main").scrollTop = 0;
      const row = document.querySelector('[data-server="server-06"]');
      row.querySelector('[data-testid="server-test"]').focus({ preventScroll: true });
    });
    const hidden = [];
    for (let i = 0; i < 30; i++) {
      await app.browser.keys(["Tab"]);
      await app.browser.pause(60);
      const seen = await app.browser.execute(() => {
        const active = document.activeElement;
        const dock = document.querySelector('[data-testid="server-change-dock"]');
        const box = active.getBoundingClientRect();
        const top = dock.getBoundingClientRect().top;
        const hit = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
        const row = active.closest("[data-server]")?.getAttribute("data-server");
        return { what: `${row} ${active.textContent.trim()}`, top: box.top, bottom: box.bottom, dock: top, hit: hit === active || active.contains(hit) };
      });
      if (seen.bottom > seen.dock || !seen.hit || seen.top < 0) hidden.push(seen);
    }
    assert.deepEqual(hidden, [], "the focused control went out of sight");
    await app.screenshot("servers-long-list-tab");
    await clickWhenEnabled(app.browser, '[data-testid="server-undo"]');
    await waitForText(app.browser, '[data-testid="server-change"]', { contains: "Undone" });
  });

  it("scrolls from anywhere in a wide window: the view spans it, its scrollbar at the window's right edge", async () => {
    const before = await app.browser.getWindowSize();
    try {
      await app.browser.setWindowSize(1600, 900);
      await app.browser.waitUntil(async () => (await app.browser.execute(() => window.innerWidth)) >= 1500, { timeout: 5_000 });
      const layout = await app.browser.execute(() => {
        const main = document.querySelector("main");
        const box = main.getBoundingClientRect();
        const list = document.querySelector('[data-testid="server-list"]').getBoundingClientRect();
        // Far right, where the view had left the window blank.
        const hit = document.elementFromPoint(window.innerWidth - 40, window.innerHeight / 2);
        return { right: box.right, width: window.innerWidth, listWidth: list.width, listLeft: list.left, inView: main.contains(hit) };
      });
      assert.ok(layout.right >= layout.width - 1, `the view ends at ${layout.right}, the window at ${layout.width}`);
      assert.equal(layout.inView, true, "the window's right part is not the view's");
      // Its content keeps its line length, beside the navigation.
      assert.ok(layout.listWidth <= 816 && layout.listWidth > 700, `the list is ${layout.listWidth} px wide`);
      assert.ok(layout.listLeft < 300, `the list starts at ${layout.listLeft}`);
      await app.screenshot("servers-long-list-wide");
    } finally {
      await app.browser.setWindowSize(before.width, before.height);
    }
  });
});
