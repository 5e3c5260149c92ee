// Which config file, end to end: MCP Tray pointed (MCP_TRAY_CLAUDE_CONFIG) at another file than
// the one Claude Desktop reads (its standard location under XDG_CONFIG_HOME exists) warns with a
// banner naming the file Claude reads, and switching to it lists that file's servers.
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
    fs.rmSync(xdg, { recursive: true, force: true });
  });

  it("warns that Claude reads another file, names it, and switches to it", async () => {
    await waitForText(app.browser, '[data-testid="claude-reads"]', { equals: claudeFile });
    await app.screenshot("servers-config-banner");
    await app.browser.$('[data-testid="use-claude-config"]').click();
    await waitForText(app.browser, '[data-testid="server-name"]', { equals: "read-by-claude" });
    await waitForText(app.browser, '[data-testid="config-path"]', { equals: claudeFile });
    assert.equal(await app.browser.$('[data-testid="claude-config-banner"]').isExisting(), false);
  });
});
