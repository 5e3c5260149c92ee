// Native controls in the OS's dark theme, end to end: WebKitGTK draws checkboxes and radio buttons
// light whatever the page's color-scheme says, so unticked ones were white boxes on the dark
// window. Read from the window as painted (a screenshot), not from the styles: the styles said
// "dark" all along.
import assert from "node:assert/strict";
import fs from "node:fs";
import { after, before, describe, it } from "node:test";
import { openView, startApp, waitForText } from "../lib/app.mjs";
import { decodeRgbaPng } from "../lib/png.mjs";

/** The mean colour, as [r, g, b], of the element `selector` as painted, inside its 1px border. */
async function painted(app, selector) {
  const box = await app.browser.execute((s) => {
    const element = document.querySelector(s);
    element.scrollIntoView({ block: "center" });
    const r = element.getBoundingClientRect();
    const scale = window.devicePixelRatio;
    return { left: (r.left + 1) * scale, top: (r.top + 1) * scale, right: (r.right - 1) * scale, bottom: (r.bottom - 1) * scale };
  }, selector);
  // Measured, not shown: kept out of the screenshots folder.
  const image = decodeRgbaPng(fs.readFileSync(await app.screenshot(`dark-controls-${selector.replace(/\W+/g, "-")}`, app.dir)));
  const sum = [0, 0, 0];
  let n = 0;
  for (let y = Math.ceil(box.top); y < Math.floor(box.bottom); y++) {
    for (let x = Math.ceil(box.left); x < Math.floor(box.right); x++) {
      const i = (y * image.width + x) * 4;
      for (let c = 0; c < 3; c++) sum[c] += image.rgba[i + c];
      n += 1;
    }
  }
  assert.ok(n > 0, `${selector} has no size`);
  return sum.map((v) => Math.round(v / n));
}

const bright = ([r, g, b]) => r + g + b;

describe("native controls in the OS's dark theme", () => {
  let app;
  before(async () => {
    app = await startApp({ config: { mcpServers: {} }, env: { GTK_THEME: "Adwaita:dark" } });
    await waitForText(app.browser, "h1", { equals: "Servers" });
  });
  after(async () => {
    await app?.stop();
  });

  it("paints an unticked checkbox dark (Traffic's Errors only, Settings' Start at login)", async () => {
    await openView(app.browser, "Traffic");
    const errorsOnly = await painted(app, '[data-testid="traffic-errors"]');
    assert.ok(bright(errorsOnly) < 200, `Errors only, unticked, painted ${errorsOnly}`);
    await openView(app.browser, "Settings");
    const atLogin = await painted(app, '[data-testid="start-at-login"]');
    assert.ok(bright(atLogin) < 200, `Start at login, unticked, painted ${atLogin}`);
  });

  it("paints a ticked checkbox in the accent colour, not white (Settings' Hide secrets)", async () => {
    await openView(app.browser, "Settings");
    const ticked = await painted(app, '[data-testid="redact-secrets"]');
    assert.equal(await app.browser.$('[data-testid="redact-secrets"]').isSelected(), true);
    // The tick on the accent colour: neither white nor the light theme's box.
    assert.ok(bright(ticked) < 560, `Hide secrets, ticked, painted ${ticked}`);
    await app.screenshot("settings-dark-checkboxes");
  });
});
