import { describe, expect, it } from "vitest";
import type { LogRow } from "../ipc";
import { createLogs, eventsAsText } from "./logs.svelte";

function row(over: Partial<LogRow>): LogRow {
  return { ts: "2026-12-02T11:52:54.433Z", source: "claude-log", server: "sentry", level: "info", text: "", context: null, diagnosis: null, failure: false, ...over };
}

const notFound = {
  code: "command-not-found",
  severity: "error",
  server: "sentry",
  summary: "Claude Desktop could not find the command `uvx`",
  detail: "looked in: /usr/bin\nand: /bin",
  fix: "Install uv (https://docs.astral.sh/uv/).",
};

describe("Logs store", () => {
  it("is read once a batch comes, an empty one too; a reset reads again", () => {
    const logs = createLogs();
    expect(logs.loaded).toBe(false);
    logs.receive([row({ text: "started" })]);
    expect(logs.loaded).toBe(true);
    logs.reset();
    expect(logs.loaded).toBe(false);
    // Rust's batch for a history with nothing in it.
    logs.receive([]);
    expect([logs.loaded, logs.total]).toEqual([true, 0]);
    logs.failed("permission denied");
    expect(logs.problem).toBe("permission denied");
    logs.reset();
    expect(logs.problem).toBeNull();
  });

  it("finds an event by every word of the search, in any case, wherever the event holds it", () => {
    const logs = createLogs();
    logs.receive([
      row({ level: "error", text: "spawn uvx ENOENT", diagnosis: notFound, failure: true }),
      row({ server: "jira", text: "Server started and connected successfully" }),
      row({ server: "hang", level: "error", text: "MCP error -32001: Request timed out", context: "tools/list", failure: true }),
      row({ server: null, text: "Loading MCP servers" }),
    ]);
    const found = (search: string) => {
      logs.setFilter({ search });
      return logs.shown.map((r) => r.text);
    };
    expect(found("UVX enoent")).toEqual(["spawn uvx ENOENT"]);
    // The words need not stand together, nor in the order typed.
    expect(found("enoent spawn")).toEqual(["spawn uvx ENOENT"]);
    // The diagnosis (code, summary, detail, fix) and the request the record was about count too.
    expect(found("command-not-found")).toEqual(["spawn uvx ENOENT"]);
    expect(found("/usr/bin")).toEqual(["spawn uvx ENOENT"]);
    expect(found("docs.astral.sh")).toEqual(["spawn uvx ENOENT"]);
    expect(found("tools/list")).toEqual(["MCP error -32001: Request timed out"]);
    // The server's name, and "claude" for Claude's own lines, as the list shows them.
    expect(found("jira")).toEqual(["Server started and connected successfully"]);
    expect(found("claude loading")).toEqual(["Loading MCP servers"]);
    expect(found("uvx jira")).toEqual([]);
    expect(found("  ")).toHaveLength(4);
  });

  it("searches within the server and level chosen", () => {
    const logs = createLogs();
    logs.receive([
      row({ server: "a", level: "debug", text: "token refreshed" }),
      row({ server: "a", level: "warn", text: "token expires soon" }),
      row({ server: "b", level: "warn", text: "token expires soon" }),
    ]);
    logs.setFilter({ server: "a", search: "token" });
    expect(logs.shown.map((r) => r.text)).toEqual(["token expires soon"]);
    expect(logs.total).toBe(3);
  });

  it("writes events as text: a line each, with its diagnosis and fix indented under it", () => {
    const text = eventsAsText([
      row({ level: "error", text: "spawn uvx ENOENT", diagnosis: notFound, failure: true }),
      row({ source: "journal", server: "hang", level: "warn", text: "Request timed out", context: "tools/list" }),
      row({ server: null, text: "Loading MCP servers" }),
    ]);
    expect(text).toBe(
      [
        "2026-12-02T11:52:54.433Z error sentry (Claude) spawn uvx ENOENT",
        "    ✗ command-not-found: Claude Desktop could not find the command `uvx`",
        "      looked in: /usr/bin",
        "      and: /bin",
        "      fix: Install uv (https://docs.astral.sh/uv/).",
        "2026-12-02T11:52:54.433Z warn  hang (MCP Tray) Request timed out [tools/list]",
        "2026-12-02T11:52:54.433Z info  claude (Claude) Loading MCP servers",
      ].join("\n"),
    );
  });
});
