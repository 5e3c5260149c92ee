import { emit } from "@tauri-apps/api/event";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { cleanup, fireEvent, render, screen } from "@testing-library/svelte";
import { tick } from "svelte";
import { afterEach, describe, expect, it } from "vitest";
import App from "../App.svelte";

afterEach(() => {
  cleanup();
  clearMocks();
});

describe("Servers: which config file", () => {
  it("warns when Claude reads another file, and switches to it on request", async () => {
    let switched = false;
    const calls: string[] = [];
    mockIPC(
      (cmd) => {
        calls.push(cmd);
        const inUse = switched ? "/claude/claude_desktop_config.json" : "/elsewhere/claude_desktop_config.json";
        const paths = {
          configPath: inUse,
          configSource: switched ? "detected" : "env",
          alsoPresent: [],
          claudeReads: switched ? null : "/claude/claude_desktop_config.json",
          dataDir: "/h",
        };
        if (cmd === "app_paths") return paths;
        if (cmd === "use_claude_config") {
          switched = true;
          return { ...paths, configPath: "/claude/claude_desktop_config.json", claudeReads: null };
        }
        if (cmd === "list_servers") return [];
        if (cmd === "server_overview") return [];
        throw new Error(`unexpected command ${cmd}`);
      },
      { shouldMockEvents: true },
    );
    render(App);
    const banner = await screen.findByTestId("claude-config-banner");
    expect(screen.getByTestId("claude-reads").textContent).toBe("/claude/claude_desktop_config.json");
    expect(banner.textContent).toContain("/elsewhere/claude_desktop_config.json");
    await fireEvent.click(screen.getByTestId("use-claude-config"));
    await expect.poll(() => screen.queryByTestId("claude-config-banner")).toBeNull();
    expect(calls).toContain("use_claude_config");
    expect((await screen.findByTestId("config-path")).textContent).toBe("/claude/claude_desktop_config.json");
  });

  it("shows no warning when the file in use is the one Claude reads", async () => {
    mockIPC(
      (cmd) => {
        if (cmd === "app_paths")
          return { configPath: "/c.json", configSource: "detected", alsoPresent: [], claudeReads: null, dataDir: "/h" };
        return [];
      },
      { shouldMockEvents: true },
    );
    render(App);
    expect((await screen.findByTestId("config-path")).textContent).toBe("/c.json");
    expect(screen.queryByTestId("claude-config-banner")).toBeNull();
  });
});

describe("Servers: what is wrong in an entry", () => {
  it("lists each finding in the server's row, worst first, and Fix applies it undoably", async () => {
    let fixed = false;
    const calls: string[] = [];
    const summary = (name: string, kind: string, over: object = {}) => ({
      name,
      enabled: true,
      kind,
      url: null,
      command: null,
      args: [],
      problem: null,
      ...over,
    });
    mockIPC(
      (cmd, args) => {
        calls.push(cmd);
        if (cmd === "app_paths")
          return { configPath: "/c.json", configSource: "detected", alsoPresent: [], claudeReads: null, dataDir: "/h" };
        if (cmd === "list_servers")
          return [
            fixed
              ? summary("linear", "remote", { url: "https://mcp.linear.app/mcp" })
              : summary("linear", "url-entry", { url: "https://mcp.linear.app/mcp" }),
            summary("github", "local", { command: "npx", args: ["server-github"] }),
          ];
        if (cmd === "server_findings")
          return [
            ...(fixed
              ? []
              : [
                  {
                    server: "linear",
                    code: "url-entry-unsupported",
                    severity: "error",
                    summary: "Claude Desktop ignores url entries: it only starts commands",
                    detail: "https://mcp.linear.app/mcp is never contacted",
                    fix: "run it through MCP Tray's bridge",
                    fixable: true,
                  },
                ]),
            {
              server: "github",
              code: "missing-env",
              severity: "error",
              summary: "env GITHUB_TOKEN still holds the README's placeholder",
              detail: "",
              fix: 'put your real value in "env" → "GITHUB_TOKEN"',
              fixable: false,
            },
          ];
        if (cmd === "fix_server_finding") {
          expect(args).toEqual({ server: "linear", code: "url-entry-unsupported" });
          fixed = true;
          return { done: "fixed linear (url-entry-unsupported)", historyId: 7 };
        }
        return [];
      },
      { shouldMockEvents: true },
    );
    render(App);
    await expect.poll(() => screen.queryAllByTestId("server-finding").length).toBe(2);
    const [linear, github] = screen.getAllByTestId("server-row");
    // An entry Claude ignores is not "Never started": it says once that Claude cannot start it.
    const statuses = (row: HTMLElement) => [...row.querySelectorAll(".head .badge")].map((b) => b.textContent?.trim());
    expect(statuses(linear)).toEqual(["URL entry", "Claude cannot start it"]);
    expect(statuses(github)).toEqual(["Local", "Never started"]);
    expect(linear.querySelector('[data-code="url-entry-unsupported"]')?.textContent).toContain("run it through MCP Tray's bridge");
    // How bad each one is, in words too (read out, not only a colour).
    const severity = (row: HTMLElement) => [...row.querySelectorAll('[data-testid="server-finding"] .severity')].map((s) => s.textContent);
    expect(severity(linear)).toEqual(["Error: "]);
    expect(github.querySelector('[data-code="missing-env"]')?.textContent).toContain("GITHUB_TOKEN");
    expect(github.querySelector('[data-testid="server-finding-fix"]')).toBeNull();
    const fix = linear.querySelector<HTMLButtonElement>('[data-testid="server-finding-fix"]');
    expect(fix).not.toBeNull();
    await fireEvent.click(fix as HTMLButtonElement);
    expect((await screen.findByTestId("server-change")).textContent).toContain("Fixed linear");
    expect(screen.getByTestId("server-undo")).toBeTruthy();
    // Claude reads its config when it starts: the change says when it takes effect.
    expect(screen.getByTestId("server-change-when").textContent).toBe("Takes effect when Claude Desktop restarts.");
    await expect.poll(() => screen.queryAllByTestId("server-finding").length).toBe(1);
    expect(calls.filter((c) => c === "server_findings").length).toBeGreaterThanOrEqual(2);
  });
});

describe("Servers: what is wrong in the whole file", () => {
  it("shows \"mcpServers\" written twice above the list, even when Claude reads an empty copy, and Fix merges", async () => {
    let merged = false;
    const fixes: unknown[] = [];
    mockIPC(
      (cmd, args) => {
        if (cmd === "app_paths")
          return { configPath: "/c.json", configSource: "detected", alsoPresent: [], claudeReads: null, dataDir: "/h" };
        if (cmd === "list_servers")
          return merged
            ? [{ name: "fetch", enabled: true, kind: "local", url: null, command: "uvx", args: ["mcp-server-fetch"], problem: null }]
            : [];
        if (cmd === "server_findings")
          return merged
            ? []
            : [
                {
                  server: null,
                  code: "duplicate-key",
                  severity: "error",
                  summary:
                    '"mcpServers" is written twice in the config file; Claude Desktop reads only the last one (line 5) and ignores the servers in the one on line 2 (fetch)',
                  detail: '"mcpServers" at lines 2 and 5 of /c.json',
                  fix: "move the servers of the earlier copies into the last one",
                  fixable: true,
                },
              ];
        if (cmd === "fix_server_finding") {
          fixes.push(args);
          merged = true;
          return { done: "fixed the config file (duplicate-key)", historyId: 7 };
        }
        return [];
      },
      { shouldMockEvents: true },
    );
    render(App);
    const card = await screen.findByTestId("config-findings");
    expect(card.textContent).toContain("ignores the servers in the one on line 2 (fetch)");
    expect(card.textContent).toContain("move the servers of the earlier copies");
    expect(card.querySelector('[data-code="duplicate-key"]')?.getAttribute("data-severity")).toBe("error");
    // The empty list does not invite adding servers as if there were none.
    expect(screen.getByTestId("no-servers").textContent).toContain("Claude Desktop reads no server from this config");
    await fireEvent.click(card.querySelector('[data-testid="server-finding-fix"]') as HTMLButtonElement);
    expect((await screen.findByTestId("server-change")).textContent).toContain("Fixed the config file");
    expect(fixes).toEqual([{ server: null, code: "duplicate-key" }]);
    expect(screen.getByTestId("server-undo")).toBeTruthy();
    await expect.poll(() => screen.queryByTestId("config-findings")).toBeNull();
    expect((await screen.findByTestId("server-name")).textContent).toBe("fetch");
  });
});

describe("Servers: a server stopped cleanly", () => {
  it("reads Stopped, with a plain note and no alert", async () => {
    mockIPC(
      (cmd) => {
        if (cmd === "app_paths")
          return { configPath: "/c.json", configSource: "detected", alsoPresent: [], claudeReads: null, dataDir: "/h" };
        if (cmd === "list_servers")
          return [{ name: "tiny", enabled: true, kind: "local", url: null, command: "tiny", args: [], problem: null }];
        if (cmd === "server_overview")
          return [
            {
              name: "tiny",
              evidence: {
                status: "stopped",
                source: "journal",
                at: "2026-12-02T06:00:00.000Z",
                code: null,
                text: "server stopped (exit code 0)",
                fix: null,
                toolCount: null,
              },
              process: null,
            },
          ];
        return [];
      },
      { shouldMockEvents: true },
    );
    render(App);
    await expect.poll(() => screen.queryByTestId("server-status")?.textContent).toBe("Stopped");
    expect(screen.getByTestId("server-evidence").textContent).toContain("server stopped (exit code 0)");
    expect(screen.queryByTestId("server-problem")).toBeNull();
    expect(screen.queryByRole("alert")).toBeNull();
  });
});

describe("Servers: a test's result", () => {
  it("is said once: the row's note from that test gives way to the result shown", async () => {
    let tested = false;
    mockIPC(
      (cmd) => {
        if (cmd === "app_paths") return { configPath: "/c.json", configSource: "detected", alsoPresent: [], claudeReads: null, dataDir: "/h" };
        if (cmd === "list_servers") return [{ name: "tiny", enabled: true, kind: "local", url: null, command: "tiny", args: [], problem: null }];
        if (cmd === "test_server") {
          tested = true;
          return { ok: true, serverName: "tiny", serverVersion: "1", transport: "stdio", tools: [{ name: "echo", description: null }], diagnosis: null, stderrTail: [], totalMs: 88 };
        }
        if (cmd === "server_overview")
          return tested
            ? [
                {
                  name: "tiny",
                  evidence: { status: "connected", source: "probe", at: "2026-12-02T06:00:00.000Z", code: null, text: "answered a test in 88 ms", fix: null, toolCount: 1 },
                  process: null,
                },
              ]
            : [];
        return [];
      },
      { shouldMockEvents: true },
    );
    render(App);
    await fireEvent.click(await screen.findByTestId("server-test"));
    await screen.findByTestId("server-test-result");
    await expect.poll(() => screen.queryByTestId("server-status")?.textContent).toBe("Connected");
    expect(screen.queryByTestId("server-evidence")).toBeNull();
  });
});

describe("Servers: a finding the status already explains", () => {
  it("is said once, by the status line", async () => {
    mockIPC(
      (cmd) => {
        if (cmd === "app_paths")
          return { configPath: "/c.json", configSource: "detected", alsoPresent: [], claudeReads: null, dataDir: "/h" };
        if (cmd === "list_servers")
          return [{ name: "ghost", enabled: true, kind: "local", url: null, command: "/nope/ghost", args: [], problem: null }];
        if (cmd === "server_findings")
          return ["command-not-found", "relative-path"].map((code) => ({
            server: "ghost",
            code,
            severity: "error",
            summary: `${code} summary`,
            detail: "",
            fix: null,
            fixable: false,
          }));
        if (cmd === "server_overview")
          return [
            {
              name: "ghost",
              evidence: {
                status: "failing",
                source: "claude-log",
                at: "2026-12-02T06:00:00.000Z",
                code: "command-not-found",
                text: "Claude Desktop could not find the command",
                fix: "Install it",
                toolCount: null,
              },
              process: null,
            },
          ];
        return [];
      },
      { shouldMockEvents: true },
    );
    render(App);
    await expect.poll(() => screen.queryByTestId("server-problem")?.dataset.code).toBe("command-not-found");
    await expect.poll(() => screen.queryAllByTestId("server-finding").map((f) => f.dataset.code)).toEqual(["relative-path"]);
  });
});

describe("Servers: a config file that does not parse", () => {
  it("says where, that Claude cannot read it either, and how to get the list back", async () => {
    const calls: [string, unknown][] = [];
    mockIPC(
      (cmd, args) => {
        calls.push([cmd, args]);
        if (cmd === "app_paths")
          return { configPath: "/c.json", configSource: "detected", alsoPresent: [], claudeReads: null, dataDir: "/h" };
        if (cmd === "list_servers") throw { code: "bad-json-config", message: "/c.json:3:7: expected a comma" };
        return [];
      },
      { shouldMockEvents: true },
    );
    render(App);
    expect((await screen.findByRole("alert")).textContent).toContain("/c.json:3:7: expected a comma");
    const help = await screen.findByTestId("bad-config-help");
    expect(help.textContent).toContain("Claude Desktop cannot read this file either");
    expect(help.textContent).toContain("comes back by itself as soon as the file is saved");
    // The watch reloads the list: no Try again, but the way to the file.
    expect(screen.queryByText("Try again")).toBeNull();
    await fireEvent.click(screen.getByTestId("load-error-open"));
    await expect.poll(() => calls).toContainEqual(["open_folder", { folder: "claude-config" }]);
  });
});

describe("Servers: a first start, with no config file yet", () => {
  it("says the file does not exist yet and that adding a server makes it", async () => {
    mockIPC(
      (cmd) => {
        if (cmd === "app_paths")
          return { configPath: "/c.json", configExists: false, configSource: "detected", alsoPresent: [], claudeReads: null, dataDir: "/h" };
        return [];
      },
      { shouldMockEvents: true },
    );
    render(App);
    await expect
      .poll(() => screen.queryByTestId("no-servers")?.textContent ?? "")
      .toContain("Claude Desktop's config file does not exist yet");
    expect(screen.getByTestId("no-servers").textContent?.replace(/\s+/g, " ")).toContain("the file is made when the first server is added");
  });
});

describe("Servers: a config file with a byte-order mark", () => {
  it("offers Remove the mark, then lists the servers with Undo in the bar", async () => {
    const calls: [string, unknown][] = [];
    let marked = true;
    mockIPC(
      (cmd, args) => {
        calls.push([cmd, args]);
        if (cmd === "app_paths") return { configPath: "/c.json", configSource: "detected", alsoPresent: [], claudeReads: null, dataDir: "/h" };
        if (cmd === "list_servers") {
          if (marked) throw { code: "config-bom", message: "/c.json starts with a UTF-8 byte-order mark (BOM)" };
          return [{ name: "alpha", enabled: true, kind: "local", url: null, command: "npx", args: ["alpha"], problem: null }];
        }
        if (cmd === "remove_config_bom") {
          marked = false;
          return { done: "remove the byte-order mark", historyId: 4 };
        }
        return [];
      },
      { shouldMockEvents: true },
    );
    render(App);
    await fireEvent.click(await screen.findByTestId("config-remove-bom"));
    await expect.poll(() => calls.map(([cmd]) => cmd)).toContain("remove_config_bom");
    await expect.poll(() => screen.queryByTestId("server-change")?.textContent ?? "").toContain("Removed the byte-order mark");
    expect(screen.getByTestId("server-undo")).toBeTruthy();
    await expect.poll(() => screen.queryByTestId("config-remove-bom")).toBeNull();
  });

  it("keeps the error, its button and the focus on it while the file, still marked, is read again", async () => {
    let reads = 0;
    const next: ((error: unknown) => void)[] = [];
    mockIPC(
      (cmd) => {
        if (cmd === "app_paths") return { configPath: "/c.json", configSource: "detected", alsoPresent: [], claudeReads: null, dataDir: "/h" };
        if (cmd === "list_servers") {
          reads += 1;
          if (reads === 1) throw { code: "config-bom", message: "/c.json starts with a UTF-8 byte-order mark (BOM)" };
          // The re-read's answer waits until the test gives it.
          return new Promise((_, reject) => next.push(reject));
        }
        return [];
      },
      { shouldMockEvents: true },
    );
    render(App);
    const button = await screen.findByTestId("config-remove-bom");
    const alert = screen.getByRole("alert");
    button.focus();

    await emit("config-changed", null);
    await expect.poll(() => reads).toBe(2);
    await tick();
    // On its way: nothing of the error goes ("Reading…" in its place would take the focus away).
    expect(screen.getByTestId("config-remove-bom")).toBe(button);
    expect(screen.getByRole("alert")).toBe(alert);
    expect(document.activeElement).toBe(button);
    next[0]({ code: "config-bom", message: "/c.json starts with a UTF-8 byte-order mark (BOM)" });
    await tick();
    await tick();
    expect(screen.getByTestId("config-remove-bom")).toBe(button);
    expect(document.activeElement).toBe(button);
  });

  it("offers Convert to UTF-8 for a file saved as UTF-16, then lists the servers with Undo", async () => {
    const calls: string[] = [];
    let utf16 = true;
    mockIPC(
      (cmd) => {
        calls.push(cmd);
        if (cmd === "app_paths") return { configPath: "/c.json", configSource: "detected", alsoPresent: [], claudeReads: null, dataDir: "/h" };
        if (cmd === "list_servers") {
          if (utf16) throw { code: "config-utf16", message: "/c.json is saved as UTF-16" };
          return [{ name: "alpha", enabled: true, kind: "local", url: null, command: "npx", args: ["alpha"], problem: null }];
        }
        if (cmd === "convert_config_to_utf8") {
          utf16 = false;
          return { done: "convert the file from UTF-16 to UTF-8", historyId: 5 };
        }
        return [];
      },
      { shouldMockEvents: true },
    );
    render(App);
    expect(screen.queryByTestId("config-remove-bom")).toBeNull();
    await fireEvent.click(await screen.findByTestId("config-to-utf8"));
    await expect.poll(() => calls).toContain("convert_config_to_utf8");
    await expect.poll(() => screen.queryByTestId("server-change")?.textContent ?? "").toContain("Converted the file to UTF-8");
    expect(screen.getByTestId("server-undo")).toBeTruthy();
    await expect.poll(() => screen.queryByTestId("config-to-utf8")).toBeNull();
    expect(screen.queryByTestId("config-remove-bom")).toBeNull();
  });

  it("offers Double the backslashes for Windows paths typed with single ones, then lists the servers with Undo", async () => {
    const calls: string[] = [];
    let single = true;
    mockIPC(
      (cmd) => {
        calls.push(cmd);
        if (cmd === "app_paths") return { configPath: "/c.json", configSource: "detected", alsoPresent: [], claudeReads: null, dataDir: "/h" };
        if (cmd === "list_servers") {
          if (single)
            throw {
              code: "config-backslashes",
              message: "/c.json:3:27: \\P is no escape JSON knows: write each backslash of a Windows path twice",
            };
          return [{ name: "alpha", enabled: true, kind: "local", url: null, command: "C:\\node.exe", args: [], problem: null }];
        }
        if (cmd === "double_config_backslashes") {
          single = false;
          return { done: "write the backslashes of Windows paths twice", historyId: 6 };
        }
        return [];
      },
      { shouldMockEvents: true },
    );
    render(App);
    expect((await screen.findByRole("alert")).textContent).toContain("write each backslash of a Windows path twice");
    // Still a file Claude cannot read, to be fixed in an editor if not by the button.
    expect((await screen.findByTestId("bad-config-help")).textContent).toContain("Claude Desktop cannot read this file either");
    const button = await screen.findByTestId("config-backslashes");
    expect(button.textContent).toBe("Double the backslashes");
    expect(screen.queryByTestId("config-to-utf8")).toBeNull();
    await fireEvent.click(button);
    await expect.poll(() => calls).toContain("double_config_backslashes");
    await expect
      .poll(() => screen.queryByTestId("server-change")?.textContent ?? "")
      .toContain("Doubled the backslashes of Windows paths");
    expect(screen.getByTestId("server-undo")).toBeTruthy();
    await expect.poll(() => screen.queryByTestId("config-backslashes")).toBeNull();
  });

  it("offers no such button for a file that is not JSON", async () => {
    mockIPC(
      (cmd) => {
        if (cmd === "app_paths") return { configPath: "/c.json", configSource: "detected", alsoPresent: [], claudeReads: null, dataDir: "/h" };
        if (cmd === "list_servers") throw { code: "bad-json-config", message: "/c.json:3:7: expected a comma" };
        return [];
      },
      { shouldMockEvents: true },
    );
    render(App);
    await screen.findByTestId("bad-config-help");
    expect(screen.queryByTestId("config-remove-bom")).toBeNull();
    expect(screen.queryByTestId("config-to-utf8")).toBeNull();
    expect(screen.queryByTestId("config-backslashes")).toBeNull();
  });
});

describe("Servers: a config file deleted by another program", () => {
  it("offers to put it back, undoing that deletion by its history id, and says so", async () => {
    const calls: [string, unknown][] = [];
    let deleted = true;
    mockIPC(
      (cmd, args) => {
        calls.push([cmd, args]);
        if (cmd === "app_paths")
          return {
            configPath: "/c.json",
            configExists: !deleted,
            configSource: "detected",
            alsoPresent: [],
            claudeReads: null,
            dataDir: "/h",
            deletedOutside: deleted ? { historyId: 12, at: "2026-12-04T21:30:00.000Z" } : null,
          };
        if (cmd === "undo_last_change") {
          deleted = false;
          return "deleted by another program";
        }
        if (cmd === "list_servers")
          return deleted ? [] : [{ name: "alpha", enabled: true, kind: "local", url: null, command: "npx", args: ["alpha"], problem: null }];
        return [];
      },
      { shouldMockEvents: true },
    );
    render(App);
    await expect.poll(() => screen.queryByTestId("config-deleted")?.textContent ?? "").toContain("was deleted by another program");
    expect(screen.getByTestId("no-servers").textContent?.replace(/\s+/g, " ")).toContain("it was deleted (see above)");
    expect(screen.getByTestId("no-servers").textContent).not.toContain("does not exist yet");
    await fireEvent.click(screen.getByTestId("config-put-back"));
    await expect.poll(() => calls).toContainEqual(["undo_last_change", { expected: 12 }]);
    await expect.poll(() => screen.queryByTestId("server-change")?.textContent ?? "").toContain("Put back the config file another program deleted");
    await expect.poll(() => screen.queryByTestId("config-deleted")).toBeNull();
    // Nothing to undo: putting back is not a change the bar offers to take back.
    expect(screen.queryByTestId("server-undo")).toBeNull();
  });
});

describe("Servers: the way to Add", () => {
  it("offers Add a server above a list, which focuses the Add field below it", async () => {
    let names = ["alpha", "beta"];
    mockIPC(
      (cmd) => {
        if (cmd === "app_paths") return { configPath: "/c.json", configSource: "env", alsoPresent: [], claudeReads: null, dataDir: "/h" };
        if (cmd === "list_servers")
          return names.map((name) => ({ name, enabled: true, kind: "local", url: null, command: "npx", args: [name], problem: null }));
        return [];
      },
      { shouldMockEvents: true },
    );
    render(App);
    await screen.findByText("alpha");
    const add = screen.getByTestId("servers-add");
    expect(add.textContent).toBe("Add a server");
    await fireEvent.click(add);
    expect(document.activeElement).toBe(screen.getByTestId("add-input"));
    cleanup();

    // With no server, the Add card is the view's only content: nothing to skip.
    names = [];
    render(App);
    await screen.findByTestId("add-input");
    expect(screen.queryByTestId("servers-add")).toBeNull();
  });
});

describe("Servers: the status bar and the cards below it", () => {
  it("layers the Add and config cards above the docked bar, whose bottom (covering the window's edge when stuck) would hide their top", async () => {
    let names = ["alpha", "github"];
    mockIPC(
      (cmd) => {
        if (cmd === "app_paths") return { configPath: "/c.json", configSource: "detected", alsoPresent: [], claudeReads: null, dataDir: "/h" };
        if (cmd === "list_servers")
          return names.map((name) => ({ name, enabled: true, kind: "local", url: null, command: "npx", args: [name], problem: null }));
        if (cmd === "remove_server") {
          names = ["alpha"];
          return { done: "remove github", historyId: 3 };
        }
        return [];
      },
      { shouldMockEvents: true },
    );
    render(App);
    await screen.findByText("github");
    await fireEvent.click(screen.getAllByTestId("server-remove")[1]);
    const dock = await screen.findByTestId("server-change-dock");
    // (jsdom lays nothing out: the e2e spec server-actions checks the card's top edge is in sight.)
    const below = screen.getByTestId("servers-below-dock");
    expect(dock.compareDocumentPosition(below) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();
    expect(below.contains(screen.getByTestId("add-server"))).toBe(true);
    expect(below.contains(screen.getByTestId("config-path"))).toBe(true);
  });
});
