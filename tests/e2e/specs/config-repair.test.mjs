// What the window mends in the config file itself, end to end: a file deleted by another program
// while the app is open (the window says so and puts it back, byte for byte, as it last saw it: a
// deletion kept in MCP Tray's history, so the CLI's `mcp-tray history` and `undo` know it too), a
// file another program left without any server (the same, with its servers put back),
// a byte-order mark, which Claude Desktop cannot read (removed alone; Undo puts it back), and a
// file saved as UTF-16, which it cannot read either (converted to UTF-8; Undo puts it back), and a
// Windows path written with single backslashes, which is not JSON (each one written twice; Undo
// puts them back).
import assert from "node:assert/strict";
import fs from "node:fs";
import { after, before, describe, it } from "node:test";
import { clickWhenEnabled, startApp, waitForText } from "../lib/app.mjs";

describe("config file deleted by another program", () => {
  let app;
  // Tabs, CRLF and a key the app does not know: what must come back exactly.
  const original = '{\r\n\t"mcpServers": {\r\n\t\t"notes": {"command": "uvx", "args": ["notes-mcp"]}\r\n\t},\r\n\t"globalShortcut": "Ctrl+Space"\r\n}\r\n';

  before(async () => {
    app = await startApp({ config: original });
    await waitForText(app.browser, '[data-testid="server-name"]', { equals: "notes" });
  });

  after(async () => {
    await app?.stop();
  });

  it("says the file was deleted and puts it back as it was", async () => {
    fs.rmSync(app.configPath);
    await waitForText(app.browser, '[data-testid="config-deleted"]', { contains: "deleted by another program" });
    await app.screenshot("servers-config-deleted");
    await app.browser.$('[data-testid="config-put-back"]').click();
    await waitForText(app.browser, '[data-testid="server-name"]', { equals: "notes" });
    await waitForText(app.browser, '[data-testid="server-change"]', { contains: "Put back the config file" });
    assert.equal(fs.readFileSync(app.configPath, "utf8"), original);
    await app.browser.waitUntil(async () => !(await app.browser.$('[data-testid="config-deleted"]').isExisting()), {
      timeout: 10_000,
      timeoutMsg: "the deleted-file card stayed after the file came back",
    });
  });

  it("says nothing when the file comes back by other means", async () => {
    // Another program's content first, seen by the watch (only it re-reads the list now).
    fs.writeFileSync(app.configPath, '{"mcpServers": {"other": {"command": "uvx", "args": ["o"]}}}\n');
    await waitForText(app.browser, '[data-testid="server-name"]', { equals: "other" });
    fs.rmSync(app.configPath);
    await waitForText(app.browser, '[data-testid="config-deleted"]', { contains: "deleted by another program" });
    fs.writeFileSync(app.configPath, '{"mcpServers": {}}\n');
    await app.browser.waitUntil(async () => !(await app.browser.$('[data-testid="config-deleted"]').isExisting()), {
      timeout: 10_000,
      timeoutMsg: "the deleted-file card stayed after another program wrote the file again",
    });
    assert.equal(fs.readFileSync(app.configPath, "utf8"), '{"mcpServers": {}}\n');
  });
});

describe("config file emptied by another program", () => {
  let app;
  const original = '{\n  "mcpServers": {\n    "notes": {"command": "uvx", "args": ["notes-mcp"]},\n    "files": {"command": "npx", "args": ["-y", "files"]}\n  }\n}\n';

  before(async () => {
    app = await startApp({ config: original });
    await waitForText(app.browser, '[data-testid="server-name"]', { equals: "notes" });
  });

  after(async () => {
    await app?.stop();
  });

  it("says every server went and puts them back as they were", async () => {
    fs.writeFileSync(app.configPath, "{}");
    await waitForText(app.browser, '[data-testid="config-emptied"]', { contains: "without any server" });
    await app.screenshot("servers-config-emptied");
    await app.browser.$('[data-testid="config-put-back-servers"]').click();
    await waitForText(app.browser, '[data-testid="server-name"]', { equals: "notes" });
    await waitForText(app.browser, '[data-testid="server-change"]', { contains: "Put back the servers another program removed" });
    assert.equal(fs.readFileSync(app.configPath, "utf8"), original);
    await app.browser.waitUntil(async () => !(await app.browser.$('[data-testid="config-emptied"]').isExisting()), {
      timeout: 10_000,
      timeoutMsg: "the emptied-file card stayed after the servers came back",
    });
  });
});

describe("config file with a byte-order mark", () => {
  let app;
  const plain = '{\n  "mcpServers": {\n    "notes": {"command": "uvx", "args": ["notes-mcp"]}\n  }\n}\n';

  before(async () => {
    app = await startApp({ config: `\u{feff}${plain}` });
  });

  after(async () => {
    await app?.stop();
  });

  it("removes the mark alone, lists the servers, and Undo puts it back", async () => {
    await app.browser.$('[data-testid="config-remove-bom"]').waitForExist({ timeout: 15_000 });
    await app.screenshot("servers-config-bom");
    await app.browser.$('[data-testid="config-remove-bom"]').click();
    await waitForText(app.browser, '[data-testid="server-name"]', { equals: "notes" });
    assert.equal(fs.readFileSync(app.configPath, "utf8"), plain);
    await waitForText(app.browser, '[data-testid="server-change"]', { contains: "Removed the byte-order mark" });
    await clickWhenEnabled(app.browser, '[data-testid="server-undo"]');
    await app.browser.waitUntil(() => fs.readFileSync(app.configPath, "utf8") === `\u{feff}${plain}`, {
      timeout: 10_000,
      timeoutMsg: "Undo did not put the mark back",
    });
    await app.browser.$('[data-testid="config-remove-bom"]').waitForExist({ timeout: 15_000 });
  });
});

describe("config file saved as UTF-16", () => {
  let app;
  const plain = '{\r\n  "mcpServers": {\r\n    "notes": {"command": "uvx", "args": ["notes-mcp"]}\r\n  }\r\n}\r\n';
  // As Windows PowerShell 5's `echo '…' > claude_desktop_config.json` writes it.
  const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(plain, "utf16le")]);

  before(async () => {
    app = await startApp({ config: plain });
    await waitForText(app.browser, '[data-testid="server-name"]', { equals: "notes" });
  });

  after(async () => {
    await app?.stop();
  });

  it("says so, converts it to UTF-8, lists the servers, and Undo puts it back", async () => {
    fs.writeFileSync(app.configPath, utf16);
    await app.browser.$('[data-testid="config-to-utf8"]').waitForExist({ timeout: 15_000 });
    await waitForText(app.browser, ".load-error", { contains: "saved as UTF-16" });
    await app.screenshot("servers-config-utf16");
    await app.browser.$('[data-testid="config-to-utf8"]').click();
    // (The list as last read stays under the error meanwhile: the bar says when it is done.)
    await waitForText(app.browser, '[data-testid="server-change"]', { contains: "Converted the file to UTF-8" });
    assert.equal(fs.readFileSync(app.configPath, "utf8"), plain);
    await app.browser.waitUntil(async () => !(await app.browser.$('[data-testid="config-to-utf8"]').isExisting()), {
      timeout: 10_000,
      timeoutMsg: "Convert to UTF-8 stayed after the file was converted",
    });
    await waitForText(app.browser, '[data-testid="server-name"]', { equals: "notes" });
    await clickWhenEnabled(app.browser, '[data-testid="server-undo"]');
    await app.browser.waitUntil(() => fs.readFileSync(app.configPath).equals(utf16), {
      timeout: 10_000,
      timeoutMsg: "Undo did not put the UTF-16 file back",
    });
    await app.browser.$('[data-testid="config-to-utf8"]').waitForExist({ timeout: 15_000 });
  });
});

describe("config file with Windows paths written with single backslashes", () => {
  let app;
  // As a Windows user types it by hand: not JSON (`\P`, `\U` are no escapes), so Claude Desktop
  // starts no server. A string JSON reads as it is (`\n`, `\\`) stays as it is.
  const typed =
    '{\r\n  "mcpServers": {\r\n    "notes": {\r\n      "command": "C:\\Program Files\\nodejs\\node.exe",\r\n' +
    '      "args": ["C:\\Users\\new\\notes.js", "--sep=\\n", "D:\\\\kept"]\r\n    }\r\n  }\r\n}\r\n';
  const mended =
    '{\r\n  "mcpServers": {\r\n    "notes": {\r\n      "command": "C:\\\\Program Files\\\\nodejs\\\\node.exe",\r\n' +
    '      "args": ["C:\\\\Users\\\\new\\\\notes.js", "--sep=\\n", "D:\\\\kept"]\r\n    }\r\n  }\r\n}\r\n';

  before(async () => {
    app = await startApp({ config: typed });
  });

  after(async () => {
    await app?.stop();
  });

  it("says how to write them, doubles them, lists the servers, and Undo puts them back", async () => {
    await app.browser.$('[data-testid="config-backslashes"]').waitForExist({ timeout: 15_000 });
    await waitForText(app.browser, ".load-error", { contains: "write each backslash of a Windows path twice" });
    await waitForText(app.browser, '[data-testid="config-backslashes"]', { equals: "Double the backslashes" });
    await app.screenshot("servers-config-backslashes");
    await app.browser.$('[data-testid="config-backslashes"]').click();
    await waitForText(app.browser, '[data-testid="server-change"]', { contains: "Doubled the backslashes of Windows paths" });
    assert.equal(fs.readFileSync(app.configPath, "utf8"), mended);
    await app.browser.waitUntil(async () => !(await app.browser.$('[data-testid="config-backslashes"]').isExisting()), {
      timeout: 10_000,
      timeoutMsg: "Double the backslashes stayed after the file was mended",
    });
    await waitForText(app.browser, '[data-testid="server-name"]', { equals: "notes" });
    // The row shows the paths as a Windows user writes them, not doubled as in JSON (the
    // argument holding a newline is quoted).
    const runs = await app.browser.execute(() => document.querySelector('[data-server="notes"] code.runs')?.textContent);
    assert.equal(runs, '"C:\\Program Files\\nodejs\\node.exe" C:\\Users\\new\\notes.js "--sep=\n" D:\\kept');
    await clickWhenEnabled(app.browser, '[data-testid="server-undo"]');
    await app.browser.waitUntil(() => fs.readFileSync(app.configPath, "utf8") === typed, {
      timeout: 10_000,
      timeoutMsg: "Undo did not put the single backslashes back",
    });
    await app.browser.$('[data-testid="config-backslashes"]').waitForExist({ timeout: 15_000 });
  });
});
