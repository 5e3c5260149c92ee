// Each row's buttons name their server for screen readers: the visible words ("Disable") are the
// same in every row, the accessible name ("Disable github") is not.
import { cleanup, render, screen, within } from "@testing-library/svelte";
import { afterEach, describe, expect, it } from "vitest";
import type { KeptServerView, ProbeView, ServerFinding, ServerOverview, ServerSummary } from "../ipc";
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

describe("ServerList: names and counts", () => {
  it("gives a name its whole self in a tooltip (a long one is cut after two lines), and counts one tool as one", () => {
    const name = "my-company-internal-knowledge-base-search-server-production-eu-west".repeat(2);
    const probe = { ok: true, serverName: null, serverVersion: null, transport: null, tools: [{ name: "add" }], diagnosis: null, stderrTail: [], totalMs: 12 };
    render(ServerList, {
      props: { servers: [summary(name)], tests: new Map([[name, probe as never]]), overview: new Map<string, ServerOverview>(), ...handlers },
    });
    expect(screen.getByTestId("server-name").getAttribute("title")).toBe(name);
    expect(screen.getByTestId("server-tool-count").textContent).toBe("1 tool");
  });
});

describe("ServerList: a kept server that fails", () => {
  const crashed: ServerOverview = {
    name: "crashy",
    evidence: {
      status: "failing",
      source: "kept-running",
      at: "2026-12-04T10:00:00.000Z",
      code: "server-crashed",
      text: "crashy exited with exit code 3 after 8.0 s",
      fix: "Run its command in a terminal to see why it stops",
      toolCount: null,
      signIn: false,
    },
    process: null,
  };
  const keptAs = (over: Partial<KeptServerView>) =>
    new Map<string, KeptServerView>([["crashy", { name: "crashy", state: "restarting", pid: null, restarts: 3, since: null, toolCount: null, problem: null, ...over }]]);

  it("says why it fails under its Failing badge while it is started again (its own line shows no problem then)", () => {
    render(ServerList, { props: { servers: [summary("crashy")], kept: keptAs({}), overview: new Map([["crashy", crashed]]), ...handlers } });
    expect(within(row("crashy")).getByTestId("server-status").textContent).toBe("Failing");
    const problem = within(row("crashy")).getByTestId("server-problem");
    expect(problem.textContent).toContain("crashy exited with exit code 3 after 8.0 s");
    expect(within(row("crashy")).getByTestId("server-fix").textContent).toContain("Run its command in a terminal");
    expect(within(row("crashy")).queryByTestId("kept-diagnosis")).toBeNull();
  });

  it("says it once when its own line shows the problem (a crash loop), and not a running one's answer twice", () => {
    const problem = { code: "server-crashed", severity: "error", server: "crashy", summary: "crashy exited with exit code 3 after 8.0 s", detail: "", fix: null };
    render(ServerList, { props: { servers: [summary("crashy")], kept: keptAs({ state: "crash-loop", problem }), overview: new Map([["crashy", crashed]]), ...handlers } });
    expect(within(row("crashy")).getByTestId("kept-diagnosis")).toBeTruthy();
    expect(within(row("crashy")).queryByTestId("server-problem")).toBeNull();
    cleanup();

    const answered: ServerOverview = { ...crashed, evidence: { ...crashed.evidence!, status: "connected", code: null, text: "answered initialize", fix: null, toolCount: 2 } };
    render(ServerList, { props: { servers: [summary("crashy")], kept: keptAs({ state: "running", pid: 7, toolCount: 2 }), overview: new Map([["crashy", answered]]), ...handlers } });
    expect(within(row("crashy")).queryByTestId("server-evidence")).toBeNull();
    expect(within(row("crashy")).getByTestId("kept-running").textContent).toContain("2 tools");
  });
});

describe("ServerList: busy (a write under way, or the file cannot be read)", () => {
  it("turns every button that acts on the entry off, but not Cancel test, Restart or Stop running (they act on what runs)", () => {
    const kept = new Map<string, KeptServerView>([
      ["fetch", { name: "fetch", state: "running", pid: 7, restarts: 0, since: null, toolCount: 1, problem: null }],
    ]);
    render(ServerList, {
      props: {
        servers: [summary("github"), summary("fetch"), summary("slow")],
        kept,
        tests: new Map([["slow", "running" as const]]),
        busy: true,
        ...handlers,
      },
    });
    const enabled = (name: string) =>
      within(row(name))
        .getAllByRole("button")
        .filter((b) => !(b as HTMLButtonElement).disabled)
        .map((b) => b.getAttribute("data-testid"));
    expect(enabled("github")).toEqual([]);
    expect(enabled("fetch")).toEqual(["server-restart", "server-stop-running"]);
    expect(enabled("slow")).toEqual(["server-test-cancel"]);
  });
});

describe("ServerList: what a screen reader is told", () => {
  const answered = (ms: number): ProbeView => ({
    ok: true,
    serverName: "github",
    serverVersion: "1",
    transport: "stdio",
    tools: [{ name: "search", description: null }],
    diagnosis: null,
    stderrTail: [],
    totalMs: ms,
  });
  const refused: ProbeView = {
    ...answered(3),
    ok: false,
    tools: [],
    diagnosis: { code: "command-not-found", severity: "error", server: "fetch", summary: "The command `uvx` was not found", detail: "", fix: null },
  };
  const said = () => screen.getByTestId("server-test-said");

  it("says a Test's result once it arrives, politely, and not what was there when the list was drawn", async () => {
    const { rerender } = render(ServerList, {
      props: { servers: [summary("github"), summary("fetch")], tests: new Map([["fetch", refused]]), ...handlers },
    });
    expect(said().getAttribute("role")).toBe("status");
    expect(said().textContent).toBe("");

    await rerender({ tests: new Map<string, "running" | ProbeView>([["fetch", refused], ["github", "running"]]) });
    expect(said().textContent).toBe("");
    const github = answered(88);
    await rerender({ tests: new Map([["fetch", refused], ["github", github]]) });
    await expect.poll(() => said().textContent).toBe("github answered in 88 ms — 1 tool.");

    // A failure, said in words; its card in the row is read in place, not an alert besides.
    await rerender({ tests: new Map<string, "running" | ProbeView>([["fetch", "running"], ["github", github]]) });
    await rerender({ tests: new Map([["fetch", { ...refused }], ["github", github]]) });
    await expect.poll(() => said().textContent).toBe("Test of fetch failed: Command not found. The command uvx was not found");
    expect(within(row("fetch")).getByTestId("server-test-diagnosis").hasAttribute("role")).toBe(false);
    expect(screen.queryByRole("alert")).toBeNull();
  });

  it("does not announce a row's polled status, nor a kept server's diagnosis", () => {
    const problem = { code: "server-crashed", severity: "error", server: "crashy", summary: "crashy exited with exit code 3", detail: "", fix: null };
    const failing: ServerOverview = {
      name: "crashy",
      evidence: { status: "failing", source: "journal", at: "2026-12-02T06:00:00.000Z", code: "server-crashed", text: "crashy exited", fix: null, toolCount: null, signIn: false },
      process: null,
    };
    render(ServerList, {
      props: {
        servers: [summary("crashy"), summary("kept")],
        overview: new Map([["crashy", failing]]),
        kept: new Map<string, KeptServerView>([["kept", { name: "kept", state: "crash-loop", pid: null, restarts: 5, since: null, toolCount: null, problem }]]),
        ...handlers,
      },
    });
    expect(within(row("crashy")).getByTestId("server-problem")).toBeTruthy();
    expect(within(row("kept")).getByTestId("kept-diagnosis")).toBeTruthy();
    expect(screen.queryByRole("alert")).toBeNull();
  });
});
