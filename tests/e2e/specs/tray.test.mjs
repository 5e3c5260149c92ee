// The tray menu, end to end: read from the real app over D-Bus (the StatusNotifierItem's dbusmenu,
// what a Linux panel shows), one submenu per server of the config, the app's own items, and a
// server's "Disable" clicked through D-Bus writes the file; a config that does not parse is said first.
import assert from "node:assert/strict";
import fs from "node:fs";
import { after, before, describe, it } from "node:test";
import { startApp, waitForText } from "../lib/app.mjs";
import { dbus, findMenu, layout } from "../lib/tray.mjs";

/** The app's tray menu on its D-Bus session bus, once it is there. */
async function waitForMenu(app) {
  let menu;
  const deadline = Date.now() + 15_000;
  while (!menu && Date.now() < deadline) {
    menu = await findMenu(app.env);
    if (!menu) await new Promise((r) => setTimeout(r, 300));
  }
  assert.ok(menu, "the app's tray menu is not on its D-Bus session bus");
  return menu;
}

/** Clicks a menu item, as a panel does. */
async function clickItem(app, menu, item) {
  await dbus(app.env, [`--dest=${menu.dest}`, menu.path, "com.canonical.dbusmenu.Event", `int32:${item.id}`, "string:clicked", "variant:int32:0", "uint32:0"]);
}

describe("tray menu", () => {
  let app;
  let menu;
  before(async () => {
    // Commands found here: a server whose command is missing is marked failing in the menu.
    app = await startApp({
      config: { mcpServers: { alpha: { command: "npx", args: ["-y", "a"] }, beta: { command: "sh", args: ["-c", "exec true"] } } },
    });
    await waitForText(app.browser, '[data-testid="server-name"]');
    menu = await waitForMenu(app);
  });
  after(async () => {
    await app?.stop();
  });

  it("has a line per server with its submenu, then Add remote server, Open, Quit (no Restart Claude on Linux)", async () => {
    const labels = (await layout(app.env, menu)).map((i) => i.label);
    for (const expected of ["alpha", "beta", "Open traffic", "Open logs", "Disable", "Add remote server…", "Open MCP Tray", "Quit"]) {
      assert.ok(labels.includes(expected), `${expected} missing from ${JSON.stringify(labels)}`);
    }
    // Restart Claude Desktop is offered only where MCP Tray can restart it (macOS, Windows), as in the window.
    assert.ok(!labels.some((l) => l.startsWith("Restart Claude Desktop")), JSON.stringify(labels));
    assert.ok(labels.indexOf("alpha") < labels.indexOf("Add remote server…"));
  });

  it("disables a server from its submenu and follows the file in its labels", async () => {
    const items = await layout(app.env, menu);
    const beta = items.findIndex((i) => i.label === "beta");
    const disable = items.slice(beta + 1).find((i) => i.label === "Disable");
    assert.ok(disable, "no Disable under beta");
    await clickItem(app, menu, disable);
    await app.browser.waitUntil(async () => !fs.readFileSync(app.configPath, "utf8").includes('"beta"'), {
      timeout: 10_000,
      timeoutMsg: "beta was not disabled in the file",
    });
    await app.browser.waitUntil(async () => (await layout(app.env, menu)).some((i) => i.label === "beta (disabled)"), {
      timeout: 10_000,
      timeoutMsg: "the menu did not show beta as disabled",
    });
  });

  async function click(label, under) {
    const items = await layout(app.env, menu);
    const start = under ? items.findIndex((i) => i.label === under) + 1 : 0;
    const item = items.slice(start).find((i) => i.label === label);
    assert.ok(item, `no ${label}${under ? ` under ${under}` : ""}`);
    await clickItem(app, menu, item);
  }

  it("opens a server's traffic, filtered to it, from its submenu", async () => {
    await click("Open traffic", "alpha");
    await waitForText(app.browser, "h1", { equals: "Traffic" });
    const server = await app.browser.execute(() => document.querySelector('[data-testid="traffic-server"]')?.value);
    assert.equal(server, "alpha");
  });

  it("opens the Add field from Add remote server…", async () => {
    await click("Add remote server…");
    await waitForText(app.browser, "h1", { equals: "Servers" });
    await app.browser.waitUntil(
      async () => (await app.browser.execute(() => document.activeElement?.getAttribute("data-testid"))) === "add-input",
      { timeout: 5_000, timeoutMsg: "the Add field did not get the focus" },
    );
  });
});

describe("tray menu with a config file that does not parse", () => {
  let app;
  let menu;
  before(async () => {
    app = await startApp({ config: '{\n  "mcpServers": {\n    "alpha": {"command": "npx"\n  }\n' });
    await waitForText(app.browser, '[data-testid="bad-config-help"]');
    menu = await waitForMenu(app);
  });
  after(async () => {
    await app?.stop();
  });

  it("says so first, and that line opens Servers, which shows where", async () => {
    // The layout's root has no label of its own ("Label Empty").
    const items = (await layout(app.env, menu)).filter((i) => i.label !== "Label Empty");
    assert.equal(items[0]?.label, "Claude's config file has an error…", JSON.stringify(items.map((i) => i.label)));
    await app.browser.execute(() => [...document.querySelectorAll("nav button")].find((b) => b.textContent?.includes("Logs"))?.click());
    await waitForText(app.browser, "h1", { equals: "Logs" });
    await clickItem(app, menu, items[0]);
    await waitForText(app.browser, "h1", { equals: "Servers" });
    assert.match(await waitForText(app.browser, '[data-testid="bad-config-help"]'), /cannot read this file either/);
  });
});
