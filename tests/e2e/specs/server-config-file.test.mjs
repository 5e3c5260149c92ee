// Which config file, end to end: MCP Tray pointed (MCP_TRAY_CLAUDE_CONFIG) at another file than
// the one Claude Desktop reads (its standard location under XDG_CONFIG_HOME exists) warns with a
// banner naming the file Claude reads; switching to it lists that file's servers, and from then on
// the window follows edits of that file.
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { startApp, waitForText } from "../lib/app.mjs";

describe("which config file", () => {
  let app;
  let xdg;
  let claudeFile;

  before(async () => {
    xdg = fs.mkdtempSync(path.join(os.tmpdir(), "mcp-tray-xdg-"));
    claudeFile = path.join(xdg, "Claude", "claude_desktop_config.json");
    fs.mkdirSync(path.dirname(claudeFile), { recursive: true });
    fs.writeFileSync(claudeFile, `${JSON.stringify({ mcpServers: { "read-by-claude": { command: "uvx", args: ["x"] } } })}\n`);
    app = await startApp({
      config: { mcpServers: { "edited-by-us": { command: "npx", args: ["y"] } } },
      env: { XDG_CONFIG_HOME: xdg },
    });
    await waitForText(app.browser, '[data-testid="server-name"]', { equals: "edited-by-us" });
  });

  after(async () => {
    await app?.stop();
    fs.rmSync(xdg, { recursive: true, force: true, maxRetries: 5 });
  });

  it("warns that Claude reads another file, names it, and switches to it", async () => {
    await waitForText(app.browser, '[data-testid="claude-reads"]', { equals: claudeFile });
    await app.screenshot("servers-config-banner");
    await app.browser.$('[data-testid="use-claude-config"]').click();
    await waitForText(app.browser, '[data-testid="server-name"]', { equals: "read-by-claude" });
    await waitForText(app.browser, '[data-testid="config-path"]', { equals: claudeFile });
    assert.equal(await app.browser.$('[data-testid="claude-config-banner"]').isExisting(), false);
  });

  it("after the switch, another program's edit of the file Claude reads shows live", async () => {
    const edited = { mcpServers: { "read-by-claude": { command: "uvx", args: ["x"] }, "added-in-an-editor": { command: "uvx", args: ["z"] } } };
    fs.writeFileSync(claudeFile, `${JSON.stringify(edited, null, 2)}\n`);
    await app.browser.waitUntil(
      async () => {
        const names = await app.browser.$$('[data-testid="server-name"]').map((e) => e.getText());
        return names.includes("added-in-an-editor");
      },
      { timeout: 15_000, timeoutMsg: "the Servers list did not follow an edit of the file Claude reads" },
    );
  });
});
