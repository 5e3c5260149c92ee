// A WebSocket URL typed into Add server, end to end: its scheme alone says it cannot be added
// (MCP has no WebSocket transport), so the real app says so as soon as ws:// or wss:// and the
// first letter of the host are typed (the scheme alone is no URL yet), while the typing goes on,
// not after the pause other texts wait for (1 s). And in a snippet of several, the WebSocket
// entry is named as not added while the others are listed to add. Screenshots: add-websocket.png,
// add-refused.png (E2E_SCREENSHOT_DIR).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startApp, waitForText } from "../lib/app.mjs";

/** Well under the pause after which a text's problem is said anyway (PROBLEM_DELAY_MS, 1 s). */
const AT_ONCE_MS = 500;

describe("add server: a WebSocket URL", () => {
  let app;
  before(async () => {
    app = await startApp({ config: { mcpServers: {} } });
  });
  after(async () => {
    await app?.stop();
  });

  /** Types `text` a key at a time, `every` ms apart, as a person does. */
  async function type(text, every = 120) {
    for (const key of text) {
      await app.browser.keys([key]);
      await app.browser.pause(every);
    }
  }

  /** The problem the card says now, or null. */
  const said = () => app.browser.execute(() => document.querySelector('[data-testid="add-invalid"]')?.textContent ?? null);

  it("names the WebSocket entry of a snippet of several as not added, and lists the others", async () => {
    const input = app.browser.$('[data-testid="add-input"]');
    await input.waitForExist({ timeout: 15_000 });
    const snippet = JSON.stringify(
      {
        mcpServers: {
          linear: { url: "https://mcp.linear.app/mcp" },
          chat: { url: "wss://chat.example.com/mcp" },
          notion: { url: "https://mcp.notion.com/mcp" },
        },
      },
      null,
      2,
    );
    await input.setValue(snippet);
    await app.browser.waitUntil(async () => (await app.browser.$$('[data-testid="add-preview"] li').length) === 2, {
      timeout: 10_000,
      timeoutMsg: "the preview did not list the two servers that can be added",
    });
    const refused = await waitForText(app.browser, '[data-testid="add-refused"]', { contains: "WebSocket" });
    assert.match(refused, /^Not added: "chat": /);
    const listed = await app.browser.$('[data-testid="add-preview"]').getText();
    assert.match(listed, /linear/);
    assert.match(listed, /notion/);
    assert.doesNotMatch(listed, /chat/);
    await app.screenshot("add-refused");
  });

  for (const scheme of ["wss://", "WS://"]) {
    it(`says why at once for ${scheme}, while the typing goes on`, async () => {
      const input = app.browser.$('[data-testid="add-input"]');
      await input.waitForExist({ timeout: 15_000 });
      await input.click();
      await app.browser.keys(["Control", "a"]);
      await app.browser.keys(["Backspace"]);
      await app.browser.waitUntil(async () => (await said()) === null, { timeout: 5_000, timeoutMsg: "a problem stayed once the field was emptied" });
      await type(scheme);
      assert.equal(await said(), null, "a problem was said before the URL had begun");
      await app.browser.keys(["m"]);
      await waitForText(app.browser, '[data-testid="add-invalid"]', { contains: "WebSocket", timeout: AT_ONCE_MS });
      // Typing on: still said, for the URL as typed.
      await type("cp.example.com");
      assert.match((await said()) ?? "", /WebSocket/);
      await waitForText(app.browser, '[data-testid="add-invalid"]', { contains: "mcp.example.com", timeout: AT_ONCE_MS });
      if (scheme === "wss://") await app.screenshot("add-websocket");
    });
  }
});
