import { cleanup, render, screen } from "@testing-library/svelte";
import { afterEach, describe, expect, it } from "vitest";
import type { StatusEvidence } from "../ipc";
import ServerHealthNote from "./ServerHealthNote.svelte";

afterEach(cleanup);

function evidence(over: Partial<StatusEvidence>): StatusEvidence {
  return {
    status: "failing",
    source: "claude-log",
    at: "2026-11-24T10:02:00.013Z",
    code: "error",
    text: "",
    fix: null,
    toolCount: null,
    signIn: false,
    ...over,
  };
}

describe("Server health note", () => {
  it("shows the link in a line of Claude's log as its words and address, not as markup or a link", () => {
    render(ServerHealthNote, {
      evidence: evidence({
        text: "Server disconnected. For troubleshooting guidance, please visit our [debugging documentation](https://modelcontextprotocol.io/docs/tools/debugging)",
      }),
    });
    const problem = screen.getByTestId("server-problem");
    expect(problem.textContent).toContain(
      "please visit our debugging documentation (https://modelcontextprotocol.io/docs/tools/debugging)",
    );
    expect(problem.textContent).not.toContain("](");
    expect(problem.querySelector("a")).toBeNull();
  });

  it("shows a problem's and its fix's backtick-quoted words as code", () => {
    render(ServerHealthNote, {
      evidence: evidence({
        source: "journal",
        code: "command-not-found",
        text: "The command `definitely-not-a-cmd-xyz` was not found",
        fix: "run `mcp-tray probe NAME` to see why",
      }),
    });
    const problem = screen.getByTestId("server-problem");
    expect(problem.querySelector("p")?.textContent).toMatch(/^command-not-found\s+The command definitely-not-a-cmd-xyz was not found\s+\(/);
    const fix = screen.getByTestId("server-fix");
    expect(fix.textContent).toBe("Fix: run mcp-tray probe NAME to see why");
    expect([...problem.querySelectorAll("code")].map((c) => c.textContent)).toEqual(["definitely-not-a-cmd-xyz", "mcp-tray probe NAME"]);
  });

  it("shows a calm note's code as code too", () => {
    render(ServerHealthNote, { evidence: evidence({ status: "stopped", source: "journal", code: null, text: "stopped by `mcp-tray stop`" }) });
    const note = screen.getByTestId("server-evidence");
    expect(note.querySelector("code")?.textContent).toBe("mcp-tray stop");
    expect(note.textContent).toContain("stopped by mcp-tray stop");
  });
});
