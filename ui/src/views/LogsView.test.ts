import { cleanup, fireEvent, render, screen } from "@testing-library/svelte";
import { tick } from "svelte";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { LogRow } from "../lib/ipc";
import { copyText } from "../lib/clipboard";
import { createLogs } from "../lib/stores/logs.svelte";
import LogsView from "./LogsView.svelte";

vi.mock("../lib/clipboard", () => ({ copyText: vi.fn(async () => {}) }));

const notFound = {
  code: "command-not-found",
  severity: "error",
  server: "broken",
  summary: "The command `/nonexistent/mcp-server` was not found",
  detail: "looked in: /usr/bin",
  fix: "Install the command, or give its correct absolute path in the entry.",
};

/** jsdom lays nothing out: the list is 200 px high and each event 20 px; scrolling is remembered. */
function layOut() {
  const scrolled = new WeakMap<Element, number>();
  vi.spyOn(HTMLElement.prototype, "clientHeight", "get").mockReturnValue(200);
  vi.spyOn(HTMLElement.prototype, "scrollHeight", "get").mockImplementation(function (this: HTMLElement) {
    return this.querySelectorAll("li").length * 20;
  });
  Object.defineProperty(HTMLElement.prototype, "scrollTop", {
    configurable: true,
    get(this: HTMLElement) {
      return scrolled.get(this) ?? 0;
    },
    set(this: HTMLElement, value: number) {
      scrolled.set(this, value);
    },
  });
}

function row(over: Partial<LogRow>): LogRow {
  return { ts: "2026-12-02T11:52:54.433Z", source: "journal", server: "broken", level: "error", text: "", context: null, diagnosis: null, failure: false, ...over };
}

describe("Logs", () => {
  it("goes to the search field on Ctrl+F", async () => {
    const logs = createLogs();
    logs.receive([row({ level: "info", text: "started: npx server (pid 7)" })]);
    render(LogsView, { logs });
    const search = screen.getByTestId("logs-search");
    await fireEvent.keyDown(window, { key: "F", ctrlKey: true });
    expect(document.activeElement).toBe(search);
  });

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
    // The diagnosis is written for people: its backtick-quoted command is code (no backticks left).
    expect(claudes.querySelector('[data-testid="log-diagnosis-summary"]')?.textContent).toBe("The command npx was not found");
    expect(claudes.querySelector('[data-testid="log-diagnosis-summary"] code')?.textContent).toBe("npx");
    expect(started.querySelector('[data-testid="log-text"]')?.textContent).toBe("started: npx server (pid 7)");
    expect(started.querySelector('[data-testid="log-context"]')).toBeNull();
  });

  it("shows our own events' code as code, and Claude's lines as they were written", () => {
    const logs = createLogs();
    const claudeLine =
      "Server disconnected. For troubleshooting guidance, please visit our [debugging documentation](https://modelcontextprotocol.io/docs/tools/debugging)";
    logs.receive([
      row({ level: "warn", text: "The command `npx` was not found" }),
      row({ source: "claude-log", text: claudeLine, failure: true }),
      row({ source: "claude-log", level: "info", text: "add output to stderr (i.e. `console.error('...')` in JavaScript)" }),
    ]);
    render(LogsView, { logs });
    const [ours, disconnected, hint] = screen.getAllByTestId("log-row").map((r) => r.querySelector('[data-testid="log-text"]'));
    expect(ours?.textContent).toBe("The command npx was not found");
    expect(ours?.querySelector("code")?.textContent).toBe("npx");
    expect(disconnected?.textContent).toBe(claudeLine);
    expect(hint?.textContent).toBe("add output to stderr (i.e. `console.error('...')` in JavaScript)");
    expect(disconnected?.querySelector("a, code")).toBeNull();
    expect(hint?.querySelector("code")).toBeNull();
  });

  it("keeps a traceback's lines under its sentence, as printed; a long server name is cut, whole in its tooltip", () => {
    const logs = createLogs();
    const name = "my-company-internal-knowledge-base-search-server-production-eu-west".repeat(2);
    const lines = ["Traceback (most recent call last):", '  File "server.py", line 3, in <module>', "ImportError: no module named mcp"];
    logs.receive([
      row({ server: name, source: "claude-log", text: `Server stderr:\n${lines.join("\n")}`, failure: true }),
      row({ server: name, level: "info", text: "started: `npx` server (pid 7)" }),
    ]);
    render(LogsView, { logs });
    const [traceback, started] = screen.getAllByTestId("log-row");
    expect(traceback.querySelector('[data-testid="log-text"]')?.textContent).toBe(`Server stderr:${lines.join("\n")}`);
    expect(traceback.querySelector('[data-testid="text-output"]')?.textContent).toBe(lines.join("\n"));
    expect(started.querySelector('[data-testid="text-output"]')).toBeNull();
    expect(started.querySelector('[data-testid="log-text"] code')?.textContent).toBe("npx");
    expect(traceback.querySelector(".server")?.getAttribute("title")).toBe(name);
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

  it("opens at the newest event and follows new ones unless scrolled up", async () => {
    layOut();
    const many = (n: number) => Array.from({ length: n }, (_, i) => row({ level: "info", text: `event ${i}` }));
    const logs = createLogs();
    logs.receive(many(30));
    render(LogsView, { logs });
    const list = screen.getByTestId("logs-list");
    expect(list.scrollTop).toBe(600);

    logs.receive(many(5));
    await tick();
    expect(list.scrollTop).toBe(700);

    list.scrollTop = 100;
    await fireEvent.scroll(list);
    logs.receive(many(5));
    await tick();
    expect(list.scrollTop).toBe(100);

    list.scrollTop = 600;
    await fireEvent.scroll(list);
    logs.receive(many(5));
    await tick();
    expect(list.scrollTop).toBe(900);
  });

  it("opens a filter set from elsewhere (the tray's Logs of a server) at its newest, and follows it", async () => {
    layOut();
    const many = (server: string, n: number) => Array.from({ length: n }, (_, i) => row({ server, level: "info", text: `${server} ${i}` }));
    const texts = () => screen.getAllByTestId("log-text").map((t) => t.textContent);
    const logs = createLogs();
    logs.receive([...many("alpha", 300), ...many("beta", 300)]);
    render(LogsView, { logs });
    const list = screen.getByTestId("logs-list");
    // Scrolled up: what is listed stays, and arriving events are not followed.
    list.scrollTop = 100;
    await fireEvent.scroll(list);

    // The tray sets the store's filter, not the view's fields.
    logs.setFilter({ server: "beta", search: "" });
    await tick();
    expect(texts()).toHaveLength(200);
    expect(texts().at(-1)).toBe("beta 299");
    expect(list.scrollTop).toBe(list.scrollHeight);
    logs.receive(many("beta", 5).map((r, i) => ({ ...r, text: `beta new ${i}` })));
    await tick();
    expect(texts().at(-1)).toBe("beta new 4");
    expect(list.scrollTop).toBe(list.scrollHeight);
  });

  it("keeps an opened Details with its event when the filter changes", async () => {
    const logs = createLogs();
    logs.receive([
      row({ server: "alpha", text: "a", diagnosis: { ...notFound, server: "alpha" }, failure: true }),
      row({ server: "beta", text: "b", diagnosis: { ...notFound, server: "beta", detail: "beta's detail" }, failure: true }),
    ]);
    render(LogsView, { logs });
    const beta = screen.getAllByTestId("log-row")[1];
    beta.querySelector("details")!.open = true;
    logs.setFilter({ server: "beta" });
    await tick();
    const [only] = screen.getAllByTestId("log-row");
    expect(only.textContent).toContain("beta's detail");
    expect(only.querySelector("details")!.open).toBe(true);
  });

  it("says it is reading the logs until they are read, then when nothing was logged, and when the filter hides every event", async () => {
    const reading = createLogs();
    render(LogsView, { logs: reading });
    expect(screen.getByTestId("logs-empty").textContent).toBe("Reading Claude's logs…");
    // The history is read and held nothing.
    reading.receive([]);
    await tick();
    expect(screen.getByTestId("logs-empty").textContent).toBe("Nothing logged yet.");
    cleanup();
    const logs = createLogs();
    render(LogsView, { logs });
    logs.receive([row({ level: "info", text: "started" })]);
    logs.setFilter({ level: "error" });
    await tick();
    expect(screen.getByTestId("logs-empty").textContent).toBe("No events match this filter.");
  });

  it("keeps a server chosen from the tray selected, and named, while it has logged nothing", async () => {
    const logs = createLogs();
    logs.receive([row({ server: "alpha", level: "info", text: "started" })]);
    // The tray's "Logs" item of a quiet server.
    logs.setFilter({ server: "quiet" });
    render(LogsView, { logs });
    const select = screen.getByTestId("logs-server") as HTMLSelectElement;
    expect([...select.options].map((o) => o.value)).toEqual(["", "alpha", "quiet"]);
    expect(select.value).toBe("quiet");
    expect(screen.getByTestId("logs-empty").textContent).toBe("Nothing logged for quiet yet.");

    logs.receive([row({ server: "quiet", level: "info", text: "started" })]);
    await tick();
    expect([...select.options].map((o) => o.value)).toEqual(["", "alpha", "quiet"]);
    expect(select.value).toBe("quiet");
    expect(screen.getAllByTestId("log-row")).toHaveLength(1);
  });

  it("narrows the list to the events holding the words typed, and counts them", async () => {
    const logs = createLogs();
    logs.receive([
      row({ source: "claude-log", server: "sentry", text: "spawn uvx ENOENT", diagnosis: notFound, failure: true }),
      row({ server: "jira", level: "info", text: "Server started and connected successfully" }),
      row({ server: "jira", level: "info", text: "Message from server: tools/list" }),
    ]);
    render(LogsView, { logs });
    expect(screen.getByTestId("logs-count").textContent).toBe("3 of 3");
    await fireEvent.input(screen.getByTestId("logs-search"), { target: { value: "JIRA started" } });
    expect(screen.getAllByTestId("log-row").map((r) => r.querySelector('[data-testid="log-text"]')?.textContent)).toEqual([
      "Server started and connected successfully",
    ]);
    expect(screen.getByTestId("logs-count").textContent).toBe("1 of 3");
    await fireEvent.input(screen.getByTestId("logs-search"), { target: { value: "nothing like this" } });
    expect(screen.getByTestId("logs-empty").textContent).toBe("No events match this filter.");
    expect(screen.getByTestId("logs-count").textContent).toBe("0 of 3");
    expect((screen.getByTestId("logs-copy") as HTMLButtonElement).disabled).toBe(true);
  });

  it("copies the events shown, as text, and says how many", async () => {
    const logs = createLogs();
    logs.receive([
      row({ server: "alpha", level: "info", text: "started: npx alpha (pid 7)" }),
      row({ server: "beta", level: "info", text: "started: npx beta (pid 8)" }),
    ]);
    render(LogsView, { logs });
    await fireEvent.input(screen.getByTestId("logs-search"), { target: { value: "beta" } });
    await fireEvent.click(screen.getByTestId("logs-copy"));
    expect(copyText).toHaveBeenCalledWith("2026-12-02T11:52:54.433Z info  beta (MCP Tray) started: npx beta (pid 8)");
    expect((await screen.findByTestId("logs-copied")).textContent).toBe("Copied 1 event");
  });

  it("says so when the events could not be copied", async () => {
    vi.mocked(copyText).mockRejectedValueOnce(new Error("Could not copy"));
    const logs = createLogs();
    logs.receive([row({ server: "alpha", level: "info", text: "started: npx alpha (pid 7)" })]);
    render(LogsView, { logs });
    await fireEvent.click(screen.getByTestId("logs-copy"));
    const said = await screen.findByTestId("logs-copied");
    expect(said.textContent).toBe("Could not copy the events: the system refused the clipboard. Select them and copy instead.");
    expect(said.getAttribute("role")).toBe("alert");
  });

  it("interrupts no one with past or arriving failures, and writes warnings and errors as words", async () => {
    const logs = createLogs();
    logs.receive([
      row({ text: notFound.summary, diagnosis: notFound, failure: true }),
      row({ level: "warn", text: "slow to answer" }),
      row({ level: "info", text: "started" }),
    ]);
    render(LogsView, { logs });
    expect(screen.getAllByTestId("log-diagnosis")).toHaveLength(1);
    expect(screen.queryAllByRole("alert")).toHaveLength(0);
    expect(screen.getAllByTestId("log-row").map((r) => r.querySelector('[data-testid="log-level"]')?.textContent ?? null)).toEqual([
      "error",
      "warning",
      null,
    ]);

    // A failing server retrying: each failure arrives as it happens.
    logs.receive([row({ text: notFound.summary, diagnosis: notFound, failure: true })]);
    await tick();
    expect(screen.getAllByTestId("log-diagnosis")).toHaveLength(2);
    expect(screen.queryAllByRole("alert")).toHaveLength(0);
  });

  it("shows a huge record's start, and all of it when asked, wrapped to the list's width", async () => {
    const huge = "x".repeat(20_000);
    const logs = createLogs();
    logs.receive([row({ source: "claude-log", level: "info", text: huge }), row({ level: "info", text: "short" })]);
    render(LogsView, { logs });
    const [text, short] = screen.getAllByTestId("log-text");
    const toggle = screen.getByTestId("log-show-all");
    expect(text.textContent).toBe(`${"x".repeat(400)}…${toggle.textContent}`);
    expect(toggle.textContent).toBe("Show all (20,000 characters)");
    expect(short.textContent).toBe("short");
    await fireEvent.click(toggle);
    expect(text.textContent).toBe(`${huge}Show less`);
    await fireEvent.click(screen.getByTestId("log-show-all"));
    expect(text.textContent?.length).toBe(401 + "Show all (20,000 characters)".length);
  });

  it("lists only the newest events, older ones on request, and keeps what is in sight while events arrive", async () => {
    layOut();
    let n = 0;
    const more = (count: number) => Array.from({ length: count }, () => row({ level: "info", text: `event ${n++}` }));
    const texts = () => screen.getAllByTestId("log-text").map((t) => t.textContent);
    const logs = createLogs();
    logs.receive(more(450));
    render(LogsView, { logs });
    expect(texts()).toHaveLength(200);
    expect(texts()[0]).toBe("event 250");
    expect(screen.getByTestId("logs-count").textContent).toBe("450 of 450");
    const list = screen.getByTestId("logs-list");

    // Scrolled up: events arrive below, the first listed stays.
    list.scrollTop = 100;
    await fireEvent.scroll(list);
    logs.receive(more(10));
    await tick();
    expect(texts()).toHaveLength(210);
    expect(texts()[0]).toBe("event 250");
    expect(list.scrollTop).toBe(100);

    // Older ones, above what was in sight, which stays in sight.
    const older = screen.getByTestId("logs-older");
    expect(older.textContent).toBe("Show older events (250 more)");
    await fireEvent.click(older);
    await tick();
    expect(texts()).toHaveLength(410);
    expect(texts()[0]).toBe("event 50");
    expect(list.scrollTop).toBe(100 + 200 * 20);

    // Back at the bottom: the newest, followed.
    list.scrollTop = list.scrollHeight - 200;
    await fireEvent.scroll(list);
    logs.receive(more(5));
    await tick();
    expect(texts()).toHaveLength(200);
    expect(texts().at(-1)).toBe("event 464");

    // Another search: its newest.
    await fireEvent.input(screen.getByTestId("logs-search"), { target: { value: "46" } });
    expect(screen.getByTestId("logs-count").textContent).toBe("10 of 465");
    expect(texts()).toHaveLength(10);
    await fireEvent.input(screen.getByTestId("logs-search"), { target: { value: "" } });
    expect(texts()).toHaveLength(200);
    expect(texts().at(-1)).toBe("event 464");
  });

  it("says which of Claude's files were read only in part", async () => {
    const logs = createLogs();
    logs.receive([row({ source: "claude-log", level: "info", text: "started" })]);
    render(LogsView, { logs });
    expect(screen.queryByTestId("logs-read-in-part")).toBeNull();
    logs.receive([
      row({ source: "claude-log", level: "info", text: "old", readInPart: { file: "mcp.log", readBytes: 262_144 } }),
    ]);
    await tick();
    expect(screen.getByTestId("logs-read-in-part").textContent).toBe(
      "Older lines of mcp.log are not shown: only its last 256 KiB is read.",
    );
    logs.receive([
      row({ source: "claude-log", level: "info", text: "old", readInPart: { file: "mcp-server-gh.log", readBytes: 262_144 } }),
    ]);
    await tick();
    expect(screen.getByTestId("logs-read-in-part").textContent).toBe(
      "Older lines of mcp-server-gh.log, mcp.log are not shown: only the last 256 KiB of each is read.",
    );
  });
});

afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
  delete (HTMLElement.prototype as { scrollTop?: number }).scrollTop;
});
