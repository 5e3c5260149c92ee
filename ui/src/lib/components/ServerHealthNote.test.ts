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
    expect(problem.querySelector("p")?.textContent).toMatch(/^Command not found\s+The command definitely-not-a-cmd-xyz was not found\s+\(/);
    const fix = screen.getByTestId("server-fix");
    expect(fix.textContent).toBe("Fix: run mcp-tray probe NAME to see why");
    expect([...problem.querySelectorAll("code")].map((c) => c.textContent)).toEqual(["definitely-not-a-cmd-xyz", "mcp-tray probe NAME"]);
    // The code in plain words; the code itself on hover, and on the element for scripts.
    const code = screen.getByTestId("server-problem-code");
    expect(code.textContent).toBe("Command not found");
    expect(code.title).toBe("command-not-found");
    expect(problem.dataset.code).toBe("command-not-found");
  });

  it("keeps the lines a server printed after the sentence (a traceback) as printed, under it, where it was seen beside the sentence", () => {
    const traceback = [
      "Traceback (most recent call last):",
      '  File "/srv/fastmcp_server.py", line 28, in <module>',
      "    port = int(sys.argv[2])",
      "ValueError: invalid literal for int() with base 10: '-x'",
    ];
    render(ServerHealthNote, {
      evidence: evidence({
        source: "journal",
        code: "exited-early",
        text: `fastmcp exited (exit code 1) before answering anything; its last stderr lines:\n${traceback.join("\n")}\n`,
      }),
    });
    const problem = screen.getByTestId("server-problem");
    const output = screen.getByTestId("text-output");
    expect(output.textContent).toBe(traceback.join("\n"));
    expect(problem.querySelector("p")?.textContent).toMatch(/^Exited early\s+fastmcp exited \(exit code 1\) before answering anything; its last stderr lines:\s+\(/);
    // The origin is said on the sentence's line, before the lines printed.
    const origin = screen.getByTestId("server-evidence-origin");
    expect(origin.compareDocumentPosition(output) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();
  });

  it("says one tool, and several tools", () => {
    render(ServerHealthNote, { evidence: evidence({ status: "connected", source: "probe", code: null, text: "answered a test", toolCount: 1 }) });
    expect(screen.getByTestId("server-evidence-tools").textContent).toBe("1 tool");
  });

  it("shows a calm note's code as code too", () => {
    render(ServerHealthNote, { evidence: evidence({ status: "stopped", source: "journal", code: null, text: "stopped by `mcp-tray stop`" }) });
    const note = screen.getByTestId("server-evidence");
    expect(note.querySelector("code")?.textContent).toBe("mcp-tray stop");
    expect(note.textContent).toContain("stopped by mcp-tray stop");
  });
});
