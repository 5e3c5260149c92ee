// Replacing a hidden secret in the Edit form, typed key by key as a person types: an env value of a
// local server and the Authorization header of a remote one. The whole typed value is saved, the
// focus stays in the field while typing, and the new value stays hidden (a password field) until
// Show.
import assert from "node:assert/strict";
import fs from "node:fs";
import { after, before, describe, it } from "node:test";
import { clickInRow, startApp, waitForText } from "../lib/app.mjs";

const CONFIG = `${JSON.stringify(
  {
    mcpServers: {
      local: { command: "node", args: ["/opt/local/index.js"], env: { API_KEY: "old-key-1" } },
      team: {
        command: "/opt/mcp-tray",
        args: ["bridge", "https://mcp.example.com/mcp", "--name", "team", "--header", "Authorization: ${MCP_TRAY_HEADER_AUTHORIZATION}"],
        env: { MCP_TRAY_HEADER_AUTHORIZATION: "Bearer old-token" },
      },
    },
  },
  null,
  2,
)}\n`;

/** Opens the Edit form of `name` and waits for its hidden value box (`testid`). */
async function editForm(browser, name, testid) {
  // Another test's form left open (one that failed before Save) is put away first.
  const cancel = browser.$('[data-testid="edit-cancel"]');
  if (await cancel.isExisting()) {
    await cancel.click();
    await browser.$('[data-testid="server-edit-form"]').waitForExist({ reverse: true, timeout: 5_000 });
  }
  await browser.waitUntil(
    () =>
      browser.execute((n) => {
        const edit = document.querySelector(`[data-server="${n}"] [data-testid="server-edit"]`);
        return Boolean(edit && !edit.disabled);
      }, name),
    { timeout: 10_000, timeoutMsg: `${name}'s Edit button stayed off` },
  );
  assert.ok(await clickInRow(browser, name, "server-edit"), `no Edit button on ${name}`);
  const box = browser.$(`[data-testid="${testid}"]`);
  await box.waitForExist({ timeout: 10_000 });
  return box;
}

/** Types `text` one key at a time into the focused field; returns the field focused after each key. */
async function typeKeyByKey(browser, text) {
  const focused = [];
  for (const key of text) {
    await browser.keys([key]);
    focused.push(await browser.execute(() => document.activeElement?.getAttribute("data-testid") ?? document.activeElement?.tagName));
  }
  return focused;
}

describe("typing over a hidden secret in the Edit form", () => {
  let app;
  before(async () => {
    app = await startApp({ config: CONFIG });
    await waitForText(app.browser, '[data-testid="server-name"]');
  });
  after(async () => {
    await app?.stop();
  });

  it("a local server's env value: every key is kept, the focus stays, the value stays hidden", async () => {
    const { browser } = app;
    const box = await editForm(browser, "local", "edit-env-masked");
    await box.click();
    const focused = await typeKeyByKey(browser, "real-key-42");
    assert.deepEqual(new Set(focused), new Set(["edit-env-masked"]), `the focus left the field: ${focused}`);
    const field = await browser.execute(() => {
      const input = document.activeElement;
      return { type: input?.getAttribute("type"), value: input?.value };
    });
    assert.deepEqual(field, { type: "password", value: "real-key-42" }, "the typed value is not kept hidden");
    await browser.$('[data-testid="edit-save"]').click();
    await waitForText(browser, '[data-testid="server-change"]', { contains: "Saved local" });
    const entry = JSON.parse(fs.readFileSync(app.configPath, "utf8")).mcpServers.local;
    assert.deepEqual(entry.env, { API_KEY: "real-key-42" });
  });

  it("a remote server's Authorization header: every key is kept, the focus stays, the value stays hidden", async () => {
    const { browser } = app;
    const box = await editForm(browser, "team", "edit-headers-masked");
    await box.click();
    const focused = await typeKeyByKey(browser, "Bearer xyz-9");
    assert.deepEqual(new Set(focused), new Set(["edit-headers-masked"]), `the focus left the field: ${focused}`);
    assert.equal(await box.getAttribute("type"), "password", "the typed header is shown in clear");
    await browser.$('[data-testid="edit-save"]').click();
    await waitForText(browser, '[data-testid="server-change"]', { contains: "Saved team" });
    const written = fs.readFileSync(app.configPath, "utf8");
    const entry = JSON.parse(written).mcpServers.team;
    assert.equal(entry.env.MCP_TRAY_HEADER_AUTHORIZATION, "Bearer xyz-9", written);
  });
});
