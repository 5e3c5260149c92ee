// Each row's buttons name their server for screen readers: the visible words ("Disable") are the
// same in every row, the accessible name ("Disable github") is not.
import { cleanup, render, screen, within } from "@testing-library/svelte";
import { afterEach, describe, expect, it } from "vitest";
import type { KeptServerView, ServerFinding, ServerOverview, ServerSummary } from "../ipc";
import ServerList from "./ServerList.svelte";

afterEach(cleanup);

function summary(name: string, over: Partial<ServerSummary> = {}): ServerSummary {
  return { name, enabled: true, kind: "local", url: null, command: `run-${name}`, args: [], problem: null, ...over } as ServerSummary;
}

const noop = () => {};
const handlers = {
  onToggle: noop,
  onRemove: noop,
  onTest: noop,
  onCancelTest: noop,
  onCapture: noop,
  onEdit: noop,
  onKeep: noop,
  onRestart: noop,
  onFix: noop,
};

const row = (name: string) => screen.getAllByTestId("server-row").find((r) => r.dataset.server === name) as HTMLElement;
/** The accessible names of a row's buttons, in order. */
const names = (name: string) =>
  within(row(name))
    .getAllByRole("button")
    .map((b) => b.getAttribute("aria-label") ?? b.textContent?.trim());

describe("ServerList: row buttons name their server", () => {
  it("says which server each button acts on, its visible words unchanged", () => {
    const kept = new Map<string, KeptServerView>([
      ["fetch", { name: "fetch", state: "running", pid: 7, restarts: 0, since: null, toolCount: 1, problem: null }],
    ]);
    render(ServerList, {
      props: {
        servers: [summary("github"), summary("fetch", { kind: "tapped" }), summary("old", { enabled: false })],
        kept,
        ...handlers,
      },
    });
    expect(names("github")).toEqual([
      "Test github",
      "Keep running github",
      "Edit github",
      "Capture traffic of github",
      "Disable github",
      "Remove github",
    ]);
    expect(names("fetch")).toEqual(["Test fetch", "Restart fetch", "Stop running fetch", "Edit fetch", "Stop capture of fetch", "Disable fetch", "Remove fetch"]);
    expect(names("old")).toEqual(["Enable old", "Remove old"]);
    // Found by their names, as a screen reader's list of buttons shows them.
    expect(screen.getByRole("button", { name: "Disable github" }).textContent?.trim()).toBe("Disable");
    expect(screen.getByRole("button", { name: "Enable old" }).textContent?.trim()).toBe("Enable");
    expect(screen.getAllByRole("button", { name: /^Remove / })).toHaveLength(3);
  });

  it("names the server in a running test's buttons, a Fix and a Sign in too", () => {
    const finding: ServerFinding = {
      server: "linear",
      code: "url-entry",
      severity: "error",
      summary: "Claude ignores a url entry",
      detail: "",
      fix: null,
      fixable: true,
    } as unknown as ServerFinding;
    const auth: ServerFinding = { ...finding, code: "auth-required", fixable: false, summary: "needs a sign-in" } as ServerFinding;
    const signIn = { signInForClaude: async () => true, cancel: async () => {}, phase: () => ({ state: "idle" as const }) };
    render(ServerList, {
      props: {
        servers: [summary("linear", { kind: "remote", url: "https://mcp.linear.app/mcp" })],
        tests: new Map([["linear", "running" as const]]),
        findings: new Map([["linear", [finding, auth]]]),
        overview: new Map<string, ServerOverview>(),
        signIn,
        ...handlers,
      },
    });
    expect(screen.getByRole("button", { name: "Fix linear" }).textContent?.trim()).toBe("Fix");
    expect(screen.getByRole("button", { name: "Sign in to linear" }).textContent?.trim()).toBe("Sign in");
    expect(screen.getByRole("button", { name: "Testing linear…" }).textContent?.trim()).toBe("Testing…");
    expect(screen.getByRole("button", { name: "Cancel test of linear" }).textContent?.trim()).toBe("Cancel test");
  });
});
