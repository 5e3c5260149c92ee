// Servers actions, end to end: disable and enable a server from the window and get the config file
// back byte for byte (odd formatting, comments-free JSON with its own spacing and key order);
// remove a server and undo it; Undo goes when another program changes the file after it, and the
// bar then no longer names a change the other program may have undone (the CLI's undo), nor an
// Undo's "Undone: …"; repeated Undo walks back the window's own changes, newest first, and the bar
// closes (×, Escape); the status bar hides nothing of the Add card below it. A row's Test keeps
// keyboard focus in the row: on Cancel test while it runs, back on Test after.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { appBinary, clickInRow, clickWhenEnabled, fastmcpCommand, startApp, waitForText } from "../lib/app.mjs";

const MCP_TRAY = path.join(path.dirname(appBinary()), "mcp-tray");
/** What the bar says once another program changed the file after the change it named. */
const CHANGED_ELSEWHERE =
  "Another program changed the config file since, so the last change made here can no longer be undone from this window (mcp-tray history lists every change).";
/** The same, in place of a bar that had no Undo ("Undone: …"). */
const CHANGED_ELSEWHERE_SINCE = "Another program changed the config file since the last change made here (mcp-tray history lists every change).";

// Hand-formatted on purpose: a re-serialising writer would change the spacing and the tab.
const ORIGINAL = `{
  "globalShortcut": "Ctrl+Space",
  "mcpServers": {
    "alpha":   { "command": "npx", "args": ["-y", "@modelcontextprotocol/server-everything"] },
    "beta": {
\t"command": "uvx",   "args": ["mcp-server-fetch"],
      "env": { "FETCH_TOKEN": "not-a-real-secret" }
    },
    "gamma": { "command": "node", "args": ["/opt/gamma/index.js"] }
  }
}
`;

/** The Servers rows as [name, enabled] pairs, read in one go. */
function rows(browser) {
  return browser.execute(() =>
    [...document.querySelectorAll('[data-testid="server-row"]')].map((row) => [
      row.querySelector('[data-testid="server-name"]')?.textContent?.trim(),
      !row.classList.contains("disabled"),
    ]),
  );
}

/** Clicks `action` (server-toggle or server-remove) on the row of `name`. */
async function clickOn(browser, name, action) {
  assert.ok(await clickInRow(browser, name, action), `no ${action} button on ${name}`);
}

async function until(browser, check, what) {
  await browser.waitUntil(check, { timeout: 10_000, timeoutMsg: what });
}

/** The data-testid of the element with keyboard focus ("BODY" when on the page), and its row's server. */
function focused(browser) {
  return browser.execute(() => {
    const active = document.activeElement;
    return [active?.getAttribute("data-testid") ?? active?.tagName, active?.closest("[data-server]")?.getAttribute("data-server") ?? null];
  });
}

/** Whether the top edge of the Add card is seen (nothing laid over it), once scrolled into the middle of the window. */
function addCardTopInSight(browser) {
  return browser.execute(() => {
    const card = document.querySelector('[data-testid="add-server"]');
    card.scrollIntoView({ block: "center" });
    const box = card.getBoundingClientRect();
    const hit = document.elementFromPoint(box.left + box.width / 2, box.top + 1);
    return card.contains(hit) ? true : `${hit?.tagName}.${hit?.className} (${hit?.getAttribute("data-testid")}) is over it`;
  });
}

/** Removes gamma from the window and waits until its row is gone. */
async function removeGamma(browser) {
  await clickOn(browser, "gamma", "server-remove");
  await until(browser, async () => !JSON.stringify(await rows(browser)).includes("gamma"), "gamma is still listed");
}

describe("server actions", () => {
  let app;
  before(async () => {
    app = await startApp({ config: ORIGINAL });
    await waitForText(app.browser, '[data-testid="server-name"]');
  });
  after(async () => {
    await app?.stop();
  });

  it("disables and enables a server, and the file comes back byte for byte", async () => {
    await clickOn(app.browser, "beta", "server-toggle");
    await until(
      app.browser,
      async () => JSON.stringify(await rows(app.browser)).includes('["beta",false]'),
      "beta was not shown disabled",
    );
    const disabled = fs.readFileSync(app.configPath, "utf8");
    assert.ok(!disabled.includes('"beta"'), "beta is still in Claude's config");
    assert.ok(disabled.includes('"alpha":   { "command"'), "the other entries were reformatted");

    await clickOn(app.browser, "beta", "server-toggle");
    await until(
      app.browser,
      async () => JSON.stringify(await rows(app.browser)).includes('["beta",true]'),
      "beta was not shown enabled again",
    );
    assert.equal(fs.readFileSync(app.configPath, "utf8"), ORIGINAL);
  });

  it("removes a server and brings it back with Undo", async () => {
    await removeGamma(app.browser);
    assert.ok(!fs.readFileSync(app.configPath, "utf8").includes("gamma"));
    // The status bar, above the Add card, hides none of it (its top edge was under the bar's bottom).
    assert.equal(await addCardTopInSight(app.browser), true);
    await app.screenshot("servers-removed");
    await clickWhenEnabled(app.browser, '[data-testid="server-undo"]');
    await until(
      app.browser,
      async () => JSON.stringify(await rows(app.browser)).includes('["gamma",true]'),
      "Undo did not bring gamma back",
    );
    assert.equal(fs.readFileSync(app.configPath, "utf8"), ORIGINAL);
  });

  it("takes Undo away, and says why, when another program changes the file after the change", async () => {
    await removeGamma(app.browser);
    // The app's own write is seen by its watch too: Undo stays.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    assert.ok(await app.browser.$('[data-testid="server-undo"]').isExisting(), "Undo went after the app's own change");

    // An editor (or Claude Desktop) writes the file.
    const elsewhere = fs.readFileSync(app.configPath, "utf8").replace('"mcpServers": {', '"mcpServers": {\n    "delta": { "command": "delta" },');
    fs.writeFileSync(app.configPath, elsewhere);
    await until(
      app.browser,
      async () =>
        JSON.stringify(await rows(app.browser)).includes('["delta",true]') &&
        !(await app.browser.$('[data-testid="server-undo"]').isExisting()),
      "Undo was still offered after another program changed the file",
    );
    const bar = await waitForText(app.browser, '[data-testid="server-change"]');
    assert.equal(bar, CHANGED_ELSEWHERE);
    assert.equal(fs.readFileSync(app.configPath, "utf8"), elsewhere);
  });

  it("after the CLI undid the window's Disable, the bar no longer says 'Disabled', and the focus on Undo moves to it", async () => {
    await clickOn(app.browser, "beta", "server-toggle");
    await until(app.browser, async () => JSON.stringify(await rows(app.browser)).includes('["beta",false]'), "beta was not shown disabled");
    await waitForText(app.browser, '[data-testid="server-change"] span', { equals: "Disabled beta" });
    // The keyboard's way to Undo (as after Remove): the focus sits on it.
    await until(
      app.browser,
      () =>
        app.browser.execute(() => {
          const undo = document.querySelector('[data-testid="server-undo"]');
          if (!undo || undo.disabled) return false;
          undo.focus();
          return document.activeElement === undo;
        }),
      "Undo did not take the focus",
    );

    // As QA did: another program adds a server and undoes it, then undoes the window's Disable.
    const cli = (...args) => execFileSync(MCP_TRAY, args, { env: app.env, stdio: ["ignore", "pipe", "pipe"] });
    // (Apart, as typed: three writes within a few ms were sometimes not seen by the window at all.)
    for (const args of [["add", "u1", "--", "echo", "u1"], ["undo"], ["undo"]]) {
      cli(...args);
      await new Promise((resolve) => setTimeout(resolve, 600));
    }
    await until(
      app.browser,
      async () =>
        JSON.stringify(await rows(app.browser)).includes('["beta",true]') &&
        !(await app.browser.$('[data-testid="server-undo"]').isExisting()),
      "beta was not shown enabled again, or Undo stayed",
    );
    assert.equal(await waitForText(app.browser, '[data-testid="server-change"]'), CHANGED_ELSEWHERE);
    assert.equal(await app.browser.$('[data-testid="server-change-when"]').isExisting(), false);
    const focused = await app.browser.execute(() => document.activeElement?.getAttribute("data-testid"));
    assert.equal(focused, "server-change");
    await app.screenshot("servers-changed-elsewhere");
  });

  it("no longer says 'Undone: …' once another program changed the file after the Undo", async () => {
    await clickOn(app.browser, "delta", "server-remove");
    await waitForText(app.browser, '[data-testid="server-change"] span', { equals: "Removed delta" });
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await clickWhenEnabled(app.browser, '[data-testid="server-undo"]');
    await waitForText(app.browser, '[data-testid="server-change"] span', { equals: "Undone: Removed delta" });
    // The app's own write (the Undo) is seen by its watch too: the bar stays.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    assert.equal(await waitForText(app.browser, '[data-testid="server-change"] span'), "Undone: Removed delta");

    // An editor removes delta again: the bar no longer says it is back.
    fs.writeFileSync(app.configPath, fs.readFileSync(app.configPath, "utf8").replace('\n    "delta": { "command": "delta" },', ""));
    await until(app.browser, async () => !JSON.stringify(await rows(app.browser)).includes("delta"), "delta is still listed");
    assert.equal(await waitForText(app.browser, '[data-testid="server-change"]', { equals: CHANGED_ELSEWHERE_SINCE }), CHANGED_ELSEWHERE_SINCE);
    assert.equal(await app.browser.$('[data-testid="server-change-when"]').isExisting(), false);
  });
});

describe("server actions: Undo, again and again", () => {
  let app;
  before(async () => {
    app = await startApp({ config: ORIGINAL });
    await waitForText(app.browser, '[data-testid="server-name"]');
  });
  after(async () => {
    await app?.stop();
  });

  it("walks back the window's own changes, newest first, and the file comes back byte for byte", async () => {
    await clickOn(app.browser, "beta", "server-toggle");
    await waitForText(app.browser, '[data-testid="server-change"] span', { contains: "Disabled beta" });
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await removeGamma(app.browser);
    await waitForText(app.browser, '[data-testid="server-change"] span', { equals: "Removed gamma" });
    // Each write's own news first (as a person reads the bar before pressing): news of a write
    // that comes while an Undo is under way cannot be told from another program's, and the bar
    // then offers nothing more rather than something it cannot vouch for.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await clickWhenEnabled(app.browser, '[data-testid="server-undo"]');
    await waitForText(app.browser, '[data-testid="server-change"] span', { equals: "Undone: Removed gamma" });
    const earlier = app.browser.$('[data-testid="server-undo-earlier"]');
    await earlier.waitForExist({ timeout: 5_000 });
    assert.equal(await earlier.getText(), "Undo “Disabled beta”");
    // The app's own write (the Undo) is seen by its watch too: the offer stays (the file holds
    // what Disable wrote, and Disable is the change Rust would undo now).
    await new Promise((resolve) => setTimeout(resolve, 1500));
    assert.equal(await earlier.isExisting(), true, "the offer went after the Undo's own write");
    await app.screenshot("servers-undo-earlier");
    await clickWhenEnabled(app.browser, '[data-testid="server-undo-earlier"]');
    await waitForText(app.browser, '[data-testid="server-change"] span', { equals: "Undone: Disabled beta" });
    await until(app.browser, async () => JSON.stringify(await rows(app.browser)).includes('["beta",true]'), "beta was not enabled again");
    assert.equal(fs.readFileSync(app.configPath, "utf8"), ORIGINAL);
    assert.equal(await app.browser.$('[data-testid="server-undo-earlier"]').isExisting(), false);
  });

  it("closes the bar with Escape while the focus is in it, and with its × button", async () => {
    await app.browser.execute(() => document.querySelector('[data-testid="server-change"]').focus());
    await app.browser.keys(["Escape"]);
    await until(app.browser, async () => !(await app.browser.$('[data-testid="server-change"]').isExisting()), "Escape left the bar");
    assert.equal(await app.browser.execute(() => document.activeElement?.id), "view-title");

    await clickOn(app.browser, "alpha", "server-toggle");
    await waitForText(app.browser, '[data-testid="server-change"] span', { contains: "Disabled alpha" });
    const close = app.browser.$('[data-testid="server-change-close"]');
    assert.equal(await close.getAttribute("aria-label"), "Close this message");
    await close.click();
    await until(app.browser, async () => !(await app.browser.$('[data-testid="server-change"]').isExisting()), "× left the bar");
  });
});

describe("server test and capture", () => {
  const config = `{
  "mcpServers": {
    "fast": {"command": ${JSON.stringify(fastmcpCommand())}, "args": ["stdio"]}
  }
}
`;
  let app;
  before(async () => {
    app = await startApp({ config });
    await waitForText(app.browser, '[data-testid="server-name"]', { equals: "fast" });
  });
  after(async () => {
    await app?.stop();
  });

  it("tests a server as Claude would start it and shows its tools", async () => {
    await clickOn(app.browser, "fast", "server-test");
    const count = await waitForText(app.browser, '[data-testid="server-tool-count"]', { timeout: 30_000 });
    assert.ok(Number.parseInt(count, 10) > 0, count);
    const result = await waitForText(app.browser, '[data-testid="server-test-result"]');
    assert.match(result, /\badd\b/);
    // Named as in the row it sits in; the name the server gives itself comes second.
    assert.match(result, /^fast answered in \d+ ms \(it calls itself tiny\)/);
    await app.screenshot("servers-test");
  });

  it("keeps keyboard focus in the row through a Test (on Cancel test while it runs) and a Cancel test, never on the page", async () => {
    const focusOn = (testid) =>
      app.browser.execute((t) => {
        const button = document.querySelector(`[data-server="fast"] [data-testid="${t}"]`);
        button?.focus();
        return document.activeElement === button;
      }, testid);
    const testEnabled = () => app.browser.execute(() => document.querySelector('[data-server="fast"] [data-testid="server-test"]')?.disabled === false);

    // By the keyboard: Enter on Test; while it runs, the focus is on Cancel test (Test is off).
    assert.ok(await focusOn("server-test"));
    await app.browser.keys("Enter");
    await until(app.browser, () => app.browser.execute(() => !!document.querySelector('[data-testid="server-test-cancel"]')), "the test did not start");
    assert.deepEqual(await focused(app.browser), ["server-test-cancel", "fast"]);
    await until(app.browser, testEnabled, "the test did not end");
    await waitForText(app.browser, '[data-testid="server-test-result"]', { timeout: 30_000 });
    await app.browser.pause(200);
    assert.deepEqual(await focused(app.browser), ["server-test", "fast"], "the focus did not come back to Test after the test");

    // Cancel test by the keyboard: the focus goes back to Test.
    await app.browser.keys("Enter");
    await until(app.browser, () => app.browser.execute(() => !!document.querySelector('[data-testid="server-test-cancel"]')), "the test did not start");
    assert.deepEqual(await focused(app.browser), ["server-test-cancel", "fast"]);
    await app.browser.keys("Enter");
    await until(app.browser, testEnabled, "Cancel test did not give Test back");
    await app.browser.pause(200);
    assert.deepEqual(await focused(app.browser), ["server-test", "fast"], "the focus did not come back to Test after Cancel test");
  });

  it("turns traffic capture on and off, and the file comes back byte for byte", async () => {
    await clickOn(app.browser, "fast", "server-capture");
    await until(
      app.browser,
      async () => fs.readFileSync(app.configPath, "utf8").includes('"wrap"'),
      "the entry was not wrapped",
    );
    const wrapped = JSON.parse(fs.readFileSync(app.configPath, "utf8")).mcpServers.fast;
    assert.equal(path.basename(wrapped.command), "mcp-tray");
    assert.deepEqual(wrapped.args.slice(0, 4), ["wrap", "--name", "fast", "--"]);
    await until(
      app.browser,
      async () => (await app.browser.execute(() => document.querySelector('[data-testid="server-capture"]')?.textContent?.trim())) === "Stop capture",
      "the row did not offer Stop capture",
    );
    await clickOn(app.browser, "fast", "server-capture");
    await until(app.browser, async () => fs.readFileSync(app.configPath, "utf8") === config, "untap did not restore the file");
  });
});
