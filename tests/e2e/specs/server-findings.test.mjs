// Servers findings, end to end: the real app lists the classic config mistakes under each server
// (core doctor's config-only checks), a Fix rewrites only that entry on disk (read back from the
// file), the finding goes, and Undo gives the file back byte for byte.
import assert from "node:assert/strict";
import fs from "node:fs";
import { after, before, describe, it } from "node:test";
import { clickWhenEnabled, startApp, waitForText } from "../lib/app.mjs";

// Hand-formatted on purpose: everything but the fixed entry must stay exactly as it is.
const ORIGINAL = `{
  "mcpServers": {
    "linear": { "type": "http", "url": "https://mcp.linear.app/mcp" },
    "atlassian":   { "command": "npx", "args": ["-y", "mcp-remote", "https://mcp.atlassian.com/v1/sse"] },
    "github": {
\t"command": "sh", "args": ["-c", "exec true"],
      "env": { "GITHUB_PERSONAL_ACCESS_TOKEN": "<YOUR_TOKEN>" }
    },
    "fetch": { "command": "sh", "args": ["-c", "exec true"] }
  }
}
`;

/** Each row's findings as {server: [[code, severity, fixable], …]}, read in one go. */
function findings(browser) {
  return browser.execute(() =>
    Object.fromEntries(
      [...document.querySelectorAll('[data-testid="server-row"]')].map((row) => [
        row.querySelector('[data-testid="server-name"]')?.textContent?.trim(),
        [...row.querySelectorAll('[data-testid="server-finding"]')].map((f) => [
          f.dataset.code,
          f.dataset.severity,
          Boolean(f.querySelector('[data-testid="server-finding-fix"]')),
        ]),
      ]),
    ),
  );
}

async function until(browser, check, what) {
  await browser.waitUntil(check, { timeout: 15_000, interval: 100, timeoutMsg: what });
}

describe("server findings", () => {
  let app;
  before(async () => {
    app = await startApp({ config: ORIGINAL });
    await waitForText(app.browser, '[data-testid="server-finding"]');
  });
  after(async () => {
    await app?.stop();
  });

  it("shows each entry's mistake in its row, in plain words, with Fix where MCP Tray can fix it", async () => {
    let seen = {};
    await until(
      app.browser,
      async () => {
        seen = await findings(app.browser);
        return seen.linear?.length > 0 && seen.atlassian?.length > 0 && seen.github?.length > 0;
      },
      `not every finding was shown: ${JSON.stringify(seen)}`,
    );
    assert.deepEqual(seen.linear, [["url-entry-unsupported", "error", true]]);
    assert.ok(
      seen.atlassian.some(([code, , fixable]) => code === "mcp-remote-replaceable" && fixable),
      JSON.stringify(seen.atlassian),
    );
    assert.deepEqual(seen.github, [["missing-env", "error", false]]);
    assert.deepEqual(seen.fetch, []);
    const text = await app.browser.execute(() => document.querySelector('[data-testid="server-list"]')?.textContent ?? "");
    assert.match(text, /Claude Desktop ignores url entries/);
    assert.match(text, /GITHUB_PERSONAL_ACCESS_TOKEN still holds the README's placeholder/);
    assert.ok(!text.includes("<YOUR_TOKEN>"), "an env value is shown");
    await app.screenshot("servers-findings");
  });

  it("Fix (from the keyboard) rewrites only that entry into the bridge, and Undo restores the file", async () => {
    // Focus the linear row's Fix button and press Enter, as a keyboard user would.
    const focused = await app.browser.execute(() => {
      const row = [...document.querySelectorAll('[data-testid="server-row"]')].find(
        (r) => r.querySelector('[data-testid="server-name"]')?.textContent?.trim() === "linear",
      );
      const button = row?.querySelector('[data-testid="server-finding-fix"]');
      button?.focus();
      return document.activeElement === button && Boolean(button);
    });
    assert.ok(focused, "linear's Fix button takes the focus");
    await app.browser.keys("Enter");
    await until(
      app.browser,
      async () => !fs.readFileSync(app.configPath, "utf8").includes('"url": "https://mcp.linear.app/mcp"'),
      "the url entry was not rewritten",
    );
    const fixed = fs.readFileSync(app.configPath, "utf8");
    const [head] = ORIGINAL.split('"linear": ');
    const tail = ORIGINAL.slice(ORIGINAL.indexOf(',\n    "atlassian"'));
    assert.ok(fixed.startsWith(`${head}"linear": `) && fixed.endsWith(tail), `more than the entry changed:\n${fixed}`);
    const linear = JSON.parse(fixed).mcpServers.linear;
    assert.deepEqual(linear.args.slice(0, 2), ["bridge", "https://mcp.linear.app/mcp"]);

    await until(
      app.browser,
      async () => !(await findings(app.browser)).linear?.some(([code]) => code === "url-entry-unsupported"),
      "the url-entry finding is still shown",
    );
    assert.match(await waitForText(app.browser, '[data-testid="server-change"]'), /^Fixed linear/);
    await clickWhenEnabled(app.browser, '[data-testid="server-undo"]');
    await until(app.browser, async () => fs.readFileSync(app.configPath, "utf8") === ORIGINAL, "Undo did not restore the file");
    await until(
      app.browser,
      async () => (await findings(app.browser)).linear?.some(([code]) => code === "url-entry-unsupported"),
      "the finding did not come back after Undo",
    );
  });
});

describe("server findings in dark mode at 200 % zoom", () => {
  it("keeps the finding readable and its Fix button in the window", async () => {
    const app = await startApp({ config: ORIGINAL, env: { GTK_THEME: "Adwaita:dark", MCP_TRAY_ZOOM: "2" } });
    try {
      await waitForText(app.browser, '[data-testid="server-finding"]');
      const box = await app.browser.execute(() => {
        const button = document.querySelector('[data-testid="server-finding-fix"]');
        const rect = button?.getBoundingClientRect();
        return rect ? { right: rect.right, width: window.innerWidth } : null;
      });
      assert.ok(box && box.right <= box.width, `the Fix button runs off the window: ${JSON.stringify(box)}`);
      const [background, text] = await app.browser.execute(() => {
        const fix = document.querySelector('[data-testid="server-finding"] .fix');
        const list = document.querySelector('[data-testid="server-list"]');
        return [getComputedStyle(list).backgroundColor, getComputedStyle(fix).color];
      });
      const sum = (css) => (css.match(/\d+/g) ?? []).slice(0, 3).map(Number).reduce((a, b) => a + b, 0);
      assert.ok(sum(background) < 200, `a dark list, got ${background}`);
      assert.ok(sum(text) > 450, `light text, got ${text}`);
      await app.screenshot("zoom-200-servers-findings-dark");
    } finally {
      await app.stop();
    }
  });
});

// A key written twice: Claude reads only the last `mcpServers`, here empty, so no row exists to
// carry the problem. It is said above the list, and its Fix merges the two copies, undoably.
const TWICE = `{
  "mcpServers": {
    "fetch": { "command": "sh", "args": ["-c", "exec true"] }
  },
  "mcpServers": {}
}
`;

describe("a problem with the whole config file", () => {
  let app;
  before(async () => {
    app = await startApp({ config: TWICE });
  });
  after(async () => {
    await app?.stop();
  });

  it("is shown above the list when Claude reads no server, and its Fix merges the copies, undoably", async () => {
    const card = '[data-testid="config-findings"] [data-testid="server-finding"]';
    await waitForText(app.browser, card);
    const [code, fixable] = await app.browser.execute((sel) => {
      const f = document.querySelector(sel);
      return [f?.dataset.code, Boolean(f?.querySelector('[data-testid="server-finding-fix"]'))];
    }, card);
    assert.equal(code, "duplicate-key");
    assert.ok(fixable, "the merge is offered");
    assert.match(await waitForText(app.browser, '[data-testid="no-servers"]'), /reads no server from this config/);
    await app.screenshot("servers-file-finding");

    await app.browser.$(`${card} [data-testid="server-finding-fix"]`).click();
    await until(
      app.browser,
      async () => (fs.readFileSync(app.configPath, "utf8").match(/"mcpServers"/g) ?? []).length === 1,
      "the two copies were not merged",
    );
    assert.deepEqual(Object.keys(JSON.parse(fs.readFileSync(app.configPath, "utf8")).mcpServers), ["fetch"]);
    await until(
      app.browser,
      async () => (await findings(app.browser)).fetch !== undefined,
      "the merged server did not appear in the list",
    );
    await until(
      app.browser,
      async () => !(await app.browser.$('[data-testid="config-findings"]').isExisting()),
      "the file's problem is still shown after the merge",
    );

    await clickWhenEnabled(app.browser, '[data-testid="server-undo"]');
    await until(app.browser, async () => fs.readFileSync(app.configPath, "utf8") === TWICE, "Undo did not restore the file");
    await waitForText(app.browser, card);
  });
});

// A number where Claude wants a string: Claude Desktop then loads no server from the file at all
// ("Could not load app settings"). Said above the list and in the entry's row; nothing rewritten.
const WRONG_TYPE = `{
  "mcpServers": {
    "fetch": { "command": "sh", "args": ["-c", "exec true"] },
    "web": { "command": "sh", "args": ["-c", "exec true"], "env": { "PORT": 8080 } }
  }
}
`;

describe("an entry with a field of the wrong type", () => {
  let app;
  before(async () => {
    app = await startApp({ config: WRONG_TYPE });
  });
  after(async () => {
    await app?.stop();
  });

  it("is said above the list as what stops Claude loading every server, and in its row, leaving the file as it is", async () => {
    const card = '[data-testid="config-findings"] [data-testid="server-finding"]';
    const said = await waitForText(app.browser, card);
    assert.match(said, /Claude Desktop loads no server from this file: the entry of web has a field of the wrong type/);
    let seen = {};
    await until(
      app.browser,
      async () => {
        seen = await findings(app.browser);
        return seen.web?.length > 0;
      },
      `the row's finding was not shown: ${JSON.stringify(seen)}`,
    );
    assert.deepEqual(seen.web, [["invalid-entry", "error", false]]);
    assert.deepEqual(seen.fetch, []);
    const row = await app.browser.execute(
      () => document.querySelector('[data-testid="server-row"][data-server="web"]')?.textContent ?? "",
    );
    assert.match(row, /the value of "PORT" in "env" is a number/);
    assert.ok(!row.includes("8080"), "the value itself is not shown");
    assert.ok(
      !(await app.browser.$('[data-testid="server-row"][data-server="web"] [data-testid="server-test"]').isExisting()),
      "no Test for an entry Claude cannot load: it would pass where Claude fails",
    );
    await app.screenshot("servers-wrong-type");
    assert.equal(fs.readFileSync(app.configPath, "utf8"), WRONG_TYPE);
  });
});

// Two mistakes hand-edited configs often hold: a whole command line in "command" (Claude starts it
// as one program name), and servers under VS Code's "servers", where Claude Desktop never looks.
const MISPLACED = `{
  "mcpServers": {
    "memory": { "command": "sh -c 'exec true'" }
  },
  "servers": { "gh": { "type": "stdio", "command": "npx", "args": ["-y", "gh-mcp"] } }
}
`;

describe("a command line in command, and servers where Claude never looks", () => {
  let app;
  before(async () => {
    app = await startApp({ config: MISPLACED });
  });
  after(async () => {
    await app?.stop();
  });

  it("says where the servers belong, and Fix splits the command line into command and args, undoably", async () => {
    const card = '[data-testid="config-findings"] [data-testid="server-finding"]';
    const said = await waitForText(app.browser, card, { contains: "under \"servers\"" });
    assert.match(said, /Claude Desktop reads servers only from "mcpServers"/);
    let seen = {};
    await until(
      app.browser,
      async () => {
        seen = await findings(app.browser);
        return seen.memory?.length > 0;
      },
      `memory's finding was not shown: ${JSON.stringify(seen)}`,
    );
    assert.deepEqual(seen.memory, [["command-not-found", "error", true]]);
    await app.screenshot("servers-command-line");

    const row = '[data-testid="server-row"]';
    await app.browser.execute((sel) => {
      const memory = [...document.querySelectorAll(sel)].find(
        (r) => r.querySelector('[data-testid="server-name"]')?.textContent?.trim() === "memory",
      );
      memory?.querySelector('[data-testid="server-finding-fix"]')?.click();
    }, row);
    await until(
      app.browser,
      async () => JSON.parse(fs.readFileSync(app.configPath, "utf8")).mcpServers.memory.command === "sh",
      "the command line was not split",
    );
    assert.deepEqual(JSON.parse(fs.readFileSync(app.configPath, "utf8")).mcpServers.memory, {
      command: "sh",
      args: ["-c", "exec true"],
    });
    await until(
      app.browser,
      async () => !(await findings(app.browser)).memory?.some(([code]) => code === "command-not-found"),
      "the finding is still shown after the fix",
    );
    await clickWhenEnabled(app.browser, '[data-testid="server-undo"]');
    await until(app.browser, async () => fs.readFileSync(app.configPath, "utf8") === MISPLACED, "Undo did not restore the file");
  });
});
