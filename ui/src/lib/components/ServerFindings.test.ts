import { cleanup, render, screen } from "@testing-library/svelte";
import { afterEach, describe, expect, it } from "vitest";
import type { ServerFinding } from "../ipc";
import ServerFindings from "./ServerFindings.svelte";

afterEach(cleanup);

const unreached: ServerFinding = {
  server: "old",
  code: "unreachable-url",
  severity: "warning",
  summary: "`old` points at a URL nothing answers",
  detail: "remote server `https://old.example.com/mcp`",
  fix: "remove it: run `mcp-tray remove old`, or see [the guide](https://example.com/guide)",
  fixable: false,
};

describe("Server findings", () => {
  it("shows a finding's backtick-quoted words as code and its links as words and address", () => {
    render(ServerFindings, { findings: [unreached] });
    const finding = screen.getByTestId("server-finding");
    expect(finding.textContent?.trim()).toBe(
      "Warning: old points at a URL nothing answers — remove it: run mcp-tray remove old, or see the guide (https://example.com/guide)",
    );
    expect([...finding.querySelectorAll("code")].map((c) => c.textContent)).toEqual(["old", "mcp-tray remove old"]);
    expect(finding.querySelector("a")).toBeNull();
  });

  it("gives the detail as plain words in the tooltip, where no code can be shown", () => {
    render(ServerFindings, { findings: [unreached] });
    expect(screen.getByTestId("server-finding").querySelector(".summary")?.getAttribute("title")).toBe(
      "remote server https://old.example.com/mcp",
    );
  });

  it("keeps its Fix button for a fixable finding", () => {
    render(ServerFindings, { findings: [{ ...unreached, fixable: true }], onFix: () => {}, subject: "old" });
    expect(screen.getByRole("button", { name: "Fix old" })).toBeTruthy();
  });
});
