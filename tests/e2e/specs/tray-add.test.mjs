// The tray's "Add remote server…", end to end: it shows the window at Servers with the focus in the
// Add card's field, and that field and its Add button are whole in sight (not half below the
// window's edge or under the Undo bar), with a config long enough that the card is below the list,
// at the window's default size and at 150 % zoom, from Servers, from another view and with the
// window closed to the tray. Screenshots: tray-add-*.png (E2E_SCREENSHOT_DIR).
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { painted, startApp, waitForText } from "../lib/app.mjs";
import { clickItem, layout, waitForMenu } from "../lib/tray.mjs";

/** Asks the window to close as a window manager's close button does: it hides to the tray. */
const CLOSE_WINDOW = path.join(import.meta.dirname, "..", "x11-close-window.py");

/** Enough servers that the Add card starts below the window's edge. */
const CONFIG = {
  mcpServers: Object.fromEntries(Array.from({ length: 14 }, (_, i) => [`srv-${String(i + 1).padStart(2, "0")}`, { command: "uvx", args: [`s${i}`] }])),
};

/** Where the Add card's field and Add button are, against the part of the view in sight. */
function addFieldInSight(browser) {
  return browser.execute(() => {
    const main = document.querySelector("main").getBoundingClientRect();
    // The part of the view not under the Undo bar, when that bar is stuck to the window's bottom.
    const dock = document.querySelector('[data-testid="server-change-dock"]')?.getBoundingClientRect();
    const bottom = Math.min(main.bottom, window.innerHeight, dock && dock.height > 0 && dock.top < main.bottom ? dock.top : Infinity);
    const sight = { top: Math.max(main.top, 0), left: Math.max(main.left, 0), right: Math.min(main.right, window.innerWidth), bottom };
    const box = (testid) => {
      const r = document.querySelector(`[data-testid="${testid}"]`)?.getBoundingClientRect();
      return r ? { top: r.top, left: r.left, right: r.right, bottom: r.bottom, height: r.height } : null;
    };
    const inside = (r) => r !== null && r.height > 0 && r.top >= sight.top - 0.5 && r.bottom <= sight.bottom + 0.5 && r.left >= sight.left - 0.5 && r.right <= sight.right + 0.5;
    const field = box("add-input");
    const button = box("add-button");
    return {
      field,
      button,
      sight,
      window: { width: window.innerWidth, height: window.innerHeight },
      fieldInside: inside(field),
      buttonInside: inside(button),
      focused: document.activeElement?.getAttribute("data-testid") ?? null,
    };
  });
}

for (const zoom of [1, 1.5]) {
  describe(`tray: Add remote server… at ${zoom * 100} % zoom`, () => {
    let app;
    let menu;
    before(async () => {
      app = await startApp({ config: CONFIG, env: zoom === 1 ? {} : { MCP_TRAY_ZOOM: String(zoom) } });
      await waitForText(app.browser, '[data-testid="server-name"]', { equals: "srv-01" });
      menu = await waitForMenu(app.env);
    });
    after(async () => {
      await app?.stop();
    });

    /** Clicks "Add remote server…" as a panel does, and waits until the Add field has the focus. */
    async function addFromTray() {
      const item = (await layout(app.env, menu)).find((i) => i.label === "Add remote server…");
      assert.ok(item, "no Add remote server… in the tray menu");
      await clickItem(app.env, menu, item.id);
      await waitForText(app.browser, "h1", { equals: "Servers" });
      await app.browser.waitUntil(async () => (await app.browser.execute(() => document.activeElement?.getAttribute("data-testid"))) === "add-input", {
        timeout: 5_000,
        timeoutMsg: "the Add field did not get the focus",
      });
      // Whatever scrolling brings it into view is over.
      await app.browser.pause(400);
      await painted(app.browser);
    }

    async function assertInSight(shot) {
      const at = await addFieldInSight(app.browser);
      await app.screenshot(shot);
      assert.equal(at.focused, "add-input");
      assert.ok(at.fieldInside, `the Add field is not whole in sight: ${JSON.stringify(at)}`);
      assert.ok(at.buttonInside, `the Add button is not whole in sight: ${JSON.stringify(at)}`);
    }

    const suffix = zoom === 1 ? "" : `-zoom-${zoom * 100}`;

    it("from the top of Servers: the field and its Add button are whole in sight", async () => {
      await app.browser.execute(() => document.querySelector("main").scrollTo(0, 0));
      await addFromTray();
      await assertInSight(`tray-add-servers${suffix}`);
    });

    it("from another view: the same", async () => {
      // (Clicked from the page: at a zoom, WebDriver's pointer misses the navigation.)
      await app.browser.execute(() => {
        document.activeElement?.blur();
        document.querySelector('[data-testid="nav-logs"]').click();
      });
      await waitForText(app.browser, "h1", { equals: "Logs" });
      await addFromTray();
      await assertInSight(`tray-add-other-view${suffix}`);
    });

    it("with the window closed to the tray: the same", async () => {
      await app.browser.execute(() => {
        document.activeElement?.blur();
        document.querySelector("main").scrollTo(0, 0);
      });
      execFileSync("python3", [CLOSE_WINDOW, "MCP Tray"], { env: app.env });
      await app.browser.pause(1000);
      await addFromTray();
      await assertInSight(`tray-add-from-hidden${suffix}`);
    });
  });
}
