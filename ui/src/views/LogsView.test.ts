import { cleanup, render, screen } from "@testing-library/svelte";
import { afterEach, describe, expect, it } from "vitest";
import type { LogRow } from "../lib/ipc";
import { createLogs } from "../lib/stores/logs.svelte";
import LogsView from "./LogsView.svelte";

const notFound = {
  code: "command-not-found",
  severity: "error",
  server: "broken",
  summary: "The command `/nonexistent/mcp-server` was not found",
  detail: "looked in: /usr/bin",
  fix: "Install the command, or give its correct absolute path in the entry.",
};

function row(over: Partial<LogRow>): LogRow {
  return { ts: "2026-12-02T11:52:54.433Z", source: "journal", server: "broken", level: "error", text: "", context: null, diagnosis: null, failure: false, ...over };
}

afterEach(() => {
  cleanup();
});

describe("Logs", () => {
  it("says a failure once: our event as its diagnosis card, Claude's line beside its card", () => {
    const logs = createLogs();
    logs.receive([
      row({ text: notFound.summary, diagnosis: notFound, failure: true }),
      row({ source: "claude-log", text: "spawn npx ENOENT", diagnosis: { ...notFound, summary: "The command `npx` was not found" }, failure: true }),
      row({ level: "info", text: "started: npx server (pid 7)" }),
    ]);
    render(LogsView, { logs });
    const [ours, claudes, started] = screen.getAllByTestId("log-row");
    expect(ours.textContent?.match(/was not found/g)).toHaveLength(1);
    expect(ours.querySelector('[data-testid="log-diagnosis"]')?.textContent).toContain("/nonexistent/mcp-server");
    expect(claudes.querySelector('[data-testid="log-text"]')?.textContent).toBe("spawn npx ENOENT");
    expect(claudes.querySelector('[data-testid="log-diagnosis"]')?.textContent).toContain("`npx` was not found");
    expect(started.querySelector('[data-testid="log-text"]')?.textContent).toBe("started: npx server (pid 7)");
    expect(started.querySelector('[data-testid="log-context"]')).toBeNull();
  });

  it("tells failures with the same words apart by the request their context names", () => {
    const logs = createLogs();
    const timeout = "MCP error -32001: Request timed out";
    logs.receive(
      ["tools/list", "resources/list", "prompts/list"].map((context) =>
        row({ source: "claude-log", server: "hang", text: timeout, context, failure: true }),
      ),
    );
    render(LogsView, { logs });
    const rows = screen.getAllByTestId("log-row");
    expect(rows.map((r) => r.querySelector('[data-testid="log-text"]')?.textContent)).toEqual([timeout, timeout, timeout]);
    expect(rows.map((r) => r.querySelector('[data-testid="log-context"]')?.textContent)).toEqual([
      "tools/list",
      "resources/list",
      "prompts/list",
    ]);
  });
});
