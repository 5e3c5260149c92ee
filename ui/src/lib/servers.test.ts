import { describe, expect, it } from "vitest";
import type { ServerSummary } from "./ipc";
import { describeChange, describeServer, kindLabel, renamedTo } from "./servers";

const base: ServerSummary = {
  name: "s",
  enabled: true,
  kind: "local",
  url: null,
  command: null,
  args: [],
  problem: null,
};

describe("describeServer", () => {
  it("shows a local server as its command line, quoting words with spaces", () => {
    const s = { ...base, command: "npx", args: ["-y", "server-fs", "/Users/me/My Files"] };
    expect(describeServer(s)).toBe('npx -y server-fs "/Users/me/My Files"');
  });

  it("keeps a Windows path's backslashes as they are, and quotes a word holding double quotes with single ones", () => {
    const s = { ...base, command: "C:\\Program Files\\nodejs\\node.exe", args: ["C:\\mcp\\index.js", 'say "hi"', ""] };
    expect(describeServer(s)).toBe(`"C:\\Program Files\\nodejs\\node.exe" C:\\mcp\\index.js 'say "hi"' ""`);
  });

  it("shows a remote server as its URL", () => {
    expect(describeServer({ ...base, kind: "remote", url: "https://x.dev/mcp", command: "/bin/mcp-tray" })).toBe(
      "https://x.dev/mcp",
    );
  });

  it("shows a remote URL with its credentials masked as Rust masked them, when it holds any", () => {
    const url = "https://me:hunter2@x.dev/mcp?token=t0k";
    const shownUrl = "https://me:••••••@x.dev/mcp?token=••••••";
    expect(describeServer({ ...base, kind: "remote", url, shownUrl, command: "/bin/mcp-tray" })).toBe(shownUrl);
  });

  it("shows an invalid entry as the reason Claude cannot start it", () => {
    expect(describeServer({ ...base, kind: "invalid", problem: 'the entry has no "command"' })).toBe(
      'the entry has no "command"',
    );
  });
});

describe("kindLabel", () => {
  it("names mcp-remote entries so people know they can be replaced", () => {
    expect(kindLabel("mcp-remote")).toContain("mcp-remote");
  });
});

describe("describeChange", () => {
  it("says what happened in the words the buttons use, not the operation's name", () => {
    expect(describeChange("tap notes")).toBe("Traffic capture on for notes");
    expect(describeChange("untap notes")).toBe("Traffic capture off for notes");
    expect(describeChange("remove gamma")).toBe("Removed gamma");
    expect(describeChange("remove disabled gamma")).toBe("Removed gamma");
    expect(describeChange("disable beta")).toBe("Disabled beta");
    expect(describeChange("enable beta")).toBe("Enabled beta");
    expect(describeChange("edit fetch")).toBe("Saved fetch");
    expect(describeChange("edit api-keyed → api")).toBe("Saved api-keyed as api");
    expect(describeChange("undo edit api-keyed → api")).toBe("Undone: Saved api-keyed as api");
    expect(describeChange("rename a → b")).toBe("Renamed a to b");
    // A server with no name at all is shown by its empty quotes, in the past tense all the same.
    expect(describeChange("remove ")).toBe('Removed ""');
    expect(describeChange("disable ")).toBe('Disabled ""');
    expect(describeChange("fixed linear (mcp-remote-replaceable)")).toBe("Fixed linear");
    // The window's Fix goes through `doctor --fix`, whose change is named so in the history.
    expect(describeChange("doctor --fix atlassian")).toBe("Fixed atlassian");
    expect(describeChange("undo doctor --fix atlassian, linear")).toBe("Undone: Fixed atlassian, linear");
    expect(describeChange("doctor --fix merge mcpServers")).toBe('Merged the two "mcpServers"');
    expect(describeChange("fixed the config file (duplicate-key)")).toBe("Fixed the config file");
    expect(describeChange("undo remove gamma")).toBe("Undone: Removed gamma");
    expect(describeChange("undo tap notes")).toBe("Undone: Traffic capture on for notes");
    expect(describeChange("remove the byte-order mark")).toBe("Removed the byte-order mark");
    expect(describeChange("undo remove the byte-order mark")).toBe("Undone: Removed the byte-order mark");
    expect(describeChange("write the backslashes of Windows paths twice")).toBe("Doubled the backslashes of Windows paths");
    expect(describeChange("undo write the backslashes of Windows paths twice")).toBe(
      "Undone: Doubled the backslashes of Windows paths",
    );
    expect(describeChange("undo deleted by another program")).toBe("Put back the config file another program deleted");
    expect(describeChange("undo emptied by another program")).toBe("Put back the servers another program removed");
    expect(describeChange("nothing to fix in linear")).toBe("Nothing to fix in linear");
  });
});

describe("renamedTo", () => {
  const server = (name: string, over: Partial<ServerSummary> = {}): ServerSummary => ({
    name,
    enabled: true,
    kind: "local",
    url: null,
    command: "npx",
    args: ["-y", "pkg"],
    problem: null,
    ...over,
  });

  it("tells a server gone and its same entry come under a new name in the same change", () => {
    expect(renamedTo([server("a"), server("b", { command: "uvx" })], [server("b", { command: "uvx" }), server("c")], "a")).toBe("c");
  });

  it("follows the name an entry of MCP Tray's gives itself (`--name`), which MCP Tray's rename changes too", () => {
    const bridged = (name: string, own = name) =>
      server(name, { kind: "remote", url: "https://x.example/mcp", command: "/bin/mcp-tray", args: ["bridge", "https://x.example/mcp", "--name", own] });
    expect(renamedTo([bridged("a")], [bridged("c")], "a")).toBe("c");
    // Renamed in an editor: the key only.
    expect(renamedTo([bridged("a")], [bridged("c", "a")], "a")).toBe("c");
  });

  it("tells none when the entry changed, when two could be it, or when the server is still there", () => {
    expect(renamedTo([server("a")], [server("c", { args: ["-y", "other"] })], "a")).toBeNull();
    expect(renamedTo([server("a")], [server("c"), server("d")], "a")).toBeNull();
    expect(renamedTo([server("a")], [server("a"), server("c")], "a")).toBeNull();
    // A server that was there already is not the one renamed.
    expect(renamedTo([server("a"), server("b")], [server("b")], "a")).toBeNull();
  });
});
