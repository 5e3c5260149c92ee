import { cleanup, fireEvent, render, screen } from "@testing-library/svelte";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ipc } from "../lib/ipc";
import { trafficRow } from "../lib/stores/traffic.fixtures";
import { SEARCH_DELAY_MS, createTraffic } from "../lib/stores/traffic.svelte";
import TrafficView from "./TrafficView.svelte";

afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
  vi.useRealTimers();
});

function withRows() {
  const traffic = createTraffic();
  traffic.receive({ initial: true, rows: [trafficRow({ id: "1" }), trafficRow({ id: "2", method: "tools/call" })] });
  render(TrafficView, { traffic });
  return traffic;
}

describe("Traffic", () => {
  it("goes to the search field on Ctrl+F", async () => {
    withRows();
    const search = screen.getByTestId("traffic-search");
    expect(document.activeElement).not.toBe(search);
    await fireEvent.keyDown(window, { key: "f", ctrlKey: true });
    expect(document.activeElement).toBe(search);
  });

  it("counts the messages shown beside the heading, not at the toolbar's end (no room there at the default width)", async () => {
    const traffic = withRows();
    const count = screen.getByTestId("traffic-count");
    expect(count.textContent).toBe("2 of 2 messages");
    expect(count.closest("header")).not.toBeNull();
    expect(count.closest('[role="toolbar"]')).toBeNull();
    traffic.setFilter({ method: "tools/call" });
    await vi.waitFor(() => expect(count.textContent).toBe("1 of 2 messages"));
    cleanup();
    const one = createTraffic();
    one.receive({ initial: true, rows: [trafficRow({ id: "1" })] });
    render(TrafficView, { traffic: one });
    expect(screen.getByTestId("traffic-count").textContent).toBe("1 of 1 message");
  });

  it("searches once typing pauses, and at once on Enter and when emptied, its count and list agreeing", async () => {
    vi.useFakeTimers();
    withRows();
    const search = screen.getByTestId("traffic-search") as HTMLInputElement;
    const count = screen.getByTestId("traffic-count");
    const shown = () => [count.textContent, screen.queryAllByTestId("traffic-row").length];
    for (const words of ["t", "to", "tools/c"]) {
      await fireEvent.input(search, { target: { value: words } });
      await vi.advanceTimersByTimeAsync(SEARCH_DELAY_MS - 1);
    }
    expect(search.value).toBe("tools/c");
    expect(shown()).toEqual(["2 of 2 messages", 2]);
    await vi.advanceTimersByTimeAsync(1);
    expect(shown()).toEqual(["1 of 2 messages", 1]);

    await fireEvent.input(search, { target: { value: "" } });
    expect(shown()).toEqual(["2 of 2 messages", 2]);
    await fireEvent.input(search, { target: { value: "tools/call" } });
    await fireEvent.keyDown(search, { key: "Enter" });
    expect(shown()).toEqual(["1 of 2 messages", 1]);
  });

  it("exports the messages the words just typed show, without waiting for typing to pause", async () => {
    vi.spyOn(ipc, "exportTraffic").mockResolvedValue("/tmp/t.jsonl");
    const traffic = withRows();
    await fireEvent.input(screen.getByTestId("traffic-search"), { target: { value: "tools/call" } });
    await fireEvent.click(screen.getByTestId("traffic-export"));
    const saved = await screen.findByTestId("traffic-exported");
    expect(saved.textContent).toContain("Saved 1 message (those the filters show, of 2) to /tmp/t.jsonl");
    expect(traffic.count).toBe(1);
  });

  it("comes back with the message it showed when the view is opened again", async () => {
    const traffic = withRows();
    await fireEvent.click(screen.getAllByTestId("traffic-row")[1]);
    expect(screen.getByTestId("traffic-detail").textContent).toContain("tools/call");
    // Another view is shown: Traffic is unmounted, its store is the window's.
    cleanup();
    render(TrafficView, { traffic });
    expect(screen.getByTestId("traffic-detail").textContent).toContain("tools/call");
    const selected = screen.getAllByTestId("traffic-row").filter((row) => row.getAttribute("aria-selected") === "true");
    expect(selected.map((row) => row.dataset.seq)).toEqual(["1"]);
  });

  it("comes back with nothing selected when the message it showed was dropped meanwhile", async () => {
    const traffic = createTraffic(2, 1);
    traffic.receive({ initial: true, rows: [trafficRow({ id: "1" }), trafficRow({ id: "2" })] });
    render(TrafficView, { traffic });
    await fireEvent.click(screen.getAllByTestId("traffic-row")[0]);
    cleanup();
    traffic.receive({ initial: false, rows: [trafficRow({ id: "3" }), trafficRow({ id: "4" })] });
    render(TrafficView, { traffic });
    expect(screen.queryByTestId("traffic-detail")).toBeNull();
    expect(screen.getAllByTestId("traffic-row").map((row) => row.getAttribute("aria-selected"))).toEqual(["false", "false"]);
  });

  it("exports once while an export runs, and shows a failure as an error", async () => {
    let finish: (failure?: unknown) => void = () => {};
    const exportTraffic = vi.spyOn(ipc, "exportTraffic").mockImplementation(
      () => new Promise((resolve, reject) => (finish = (failure) => (failure ? reject(failure) : resolve("/tmp/traffic.jsonl")))),
    );
    withRows();
    const button = screen.getByTestId("traffic-export");
    await fireEvent.click(button);
    expect(button).toHaveProperty("disabled", true);
    expect(button.textContent).toBe("Exporting…");
    await fireEvent.click(button);
    expect(exportTraffic).toHaveBeenCalledTimes(1);
    finish();
    const saved = await screen.findByTestId("traffic-exported");
    expect(saved.textContent).toContain("Saved 2 messages to /tmp/traffic.jsonl");
    expect(saved.getAttribute("role")).toBeNull();
    const openFolder = vi.spyOn(ipc, "openFolder").mockResolvedValue(null);
    await fireEvent.click(screen.getByTestId("traffic-exports-open"));
    expect(openFolder).toHaveBeenCalledWith("exports");
    expect(button).toHaveProperty("disabled", false);

    await fireEvent.click(button);
    finish({ code: "io", message: "Could not write /tmp/traffic.jsonl: disk full" });
    const failed = await screen.findByText("Could not write /tmp/traffic.jsonl: disk full");
    expect(failed.getAttribute("role")).toBe("alert");
    expect(failed.classList.contains("problem")).toBe(true);
  });

  it("says an export holds only the messages the filters show", async () => {
    vi.spyOn(ipc, "exportTraffic").mockResolvedValue("/tmp/t.jsonl");
    const traffic = withRows();
    traffic.setFilter({ method: "tools/call" });
    await fireEvent.click(screen.getByTestId("traffic-export"));
    const saved = await screen.findByTestId("traffic-exported");
    expect(saved.textContent).toContain("Saved 1 message (those the filters show, of 2) to /tmp/t.jsonl");
  });

  it("closes the detail with × and with Escape", async () => {
    withRows();
    const [first] = screen.getAllByTestId("traffic-row");
    await fireEvent.click(first);
    await fireEvent.click(screen.getByRole("button", { name: "Close" }));
    expect(screen.queryByTestId("traffic-detail")).toBeNull();

    await fireEvent.click(first);
    expect(screen.getByTestId("traffic-detail")).toBeTruthy();
    await fireEvent.keyDown(screen.getByTestId("traffic-viewport"), { key: "Escape" });
    expect(screen.queryByTestId("traffic-detail")).toBeNull();
  });

  it("names its cells and the selected row to assistive technology", async () => {
    const traffic = withRows();
    const grid = screen.getByRole("grid", { name: "Messages" });
    const [first, second] = screen.getAllByTestId("traffic-row");
    expect(first.querySelectorAll('[role="gridcell"]')).toHaveLength(8);
    expect(grid.getAttribute("tabindex")).toBe("0");
    expect(grid.hasAttribute("aria-activedescendant")).toBe(false);

    grid.focus();
    await fireEvent.keyDown(grid, { key: "ArrowDown" });
    expect(grid.getAttribute("aria-activedescendant")).toBe(first.id);
    expect(first.getAttribute("aria-selected")).toBe("true");
    await fireEvent.keyDown(grid, { key: "ArrowDown" });
    const id = grid.getAttribute("aria-activedescendant");
    expect(id).toBe(second.id);
    expect(document.getElementById(id!)?.getAttribute("aria-selected")).toBe("true");
    expect(document.activeElement).toBe(grid);

    // The id stays with the message while others arrive.
    traffic.receive({ initial: false, rows: [trafficRow({ id: "3" })] });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(grid.getAttribute("aria-activedescendant")).toBe(id);
    expect(document.getElementById(id!)?.textContent).toContain("tools/call");
  });

  it("says how many older messages it dropped, and closes the detail of one that went", async () => {
    const traffic = createTraffic(2, 1);
    traffic.receive({ initial: true, rows: [trafficRow({ id: "1" }), trafficRow({ id: "2" })] });
    render(TrafficView, { traffic });
    expect(screen.queryByTestId("traffic-dropped")).toBeNull();
    await fireEvent.click(screen.getAllByTestId("traffic-row")[0]);
    expect(screen.getByTestId("traffic-detail")).toBeTruthy();

    traffic.receive({ initial: false, rows: [trafficRow({ id: "3" }), trafficRow({ id: "4" })] });
    await new Promise((resolve) => setTimeout(resolve, 20));
    const note = screen.getByTestId("traffic-dropped");
    expect(note.textContent?.replace(/\s+/g, " ").trim()).toBe(
      "2 older messages are not shown: Traffic keeps the newest 2. The journal files on disk keep older ones until they " +
        "are rotated out (Settings, Traffic journals).",
    );
    expect(screen.queryByTestId("traffic-detail")).toBeNull();
    expect(screen.getByTestId("traffic-count").textContent).toBe("2 of 2 messages");
  });
});

