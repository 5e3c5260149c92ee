import { cleanup, fireEvent, render, screen } from "@testing-library/svelte";
import { afterEach, describe, expect, it, vi } from "vitest";
import { trafficRow } from "../stores/traffic.fixtures";
import { createTraffic } from "../stores/traffic.svelte";
import TrafficList from "./TrafficList.svelte";

afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
});

/** The store shows arriving rows on the next animation frame. */
const nextFrame = () => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve)));

/** The Latency cell of the row with arrival number `seq`. */
function latencyOf(seq: number): string | null | undefined {
  const row = screen.getAllByTestId("traffic-row").find((r) => r.dataset.seq === String(seq));
  return row?.querySelectorAll('[role="gridcell"]')[6]?.textContent;
}

/** The Size cell of the row with arrival number `seq`. */
function sizeOf(seq: number): string | null | undefined {
  const row = screen.getAllByTestId("traffic-row").find((r) => r.dataset.seq === String(seq));
  return row?.querySelectorAll('[role="gridcell"]')[7]?.textContent;
}

/** Lets elements keep the scrollTop set on them (jsdom lays nothing out; tests delete it after). */
function rememberScrollTop(): void {
  const scrolled = new WeakMap<Element, number>();
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

describe("Traffic list", () => {
  it("gives sizes in B, KiB or MiB, as the CLI does", async () => {
    const traffic = createTraffic();
    traffic.receive({
      initial: true,
      rows: [trafficRow({ id: "1", bytes: 900 }), trafficRow({ id: "2", bytes: 5_000 }), trafficRow({ id: "3", bytes: 24_000_000 })],
    });
    render(TrafficList, { traffic, selected: null });
    expect([sizeOf(0), sizeOf(1), sizeOf(2)]).toEqual(["900 B", "4.9 KiB", "22.9 MiB"]);
  });

  it("fills a request's latency when its response arrives later", async () => {
    const traffic = createTraffic();
    traffic.receive({ initial: true, rows: [trafficRow({ id: "7", method: "tools/call" })] });
    render(TrafficList, { traffic, selected: 0 });
    expect(latencyOf(0)).toBe("");

    traffic.receive({
      initial: false,
      rows: [trafficRow({ id: "7", dir: "s2c", kind: "response", method: null, latencyMs: 812, msg: '{"jsonrpc":"2.0","id":7,"result":{}}' })],
    });
    await nextFrame();
    expect(latencyOf(1)).toBe("812.0 ms");
    expect(latencyOf(0)).toBe("812.0 ms");
  });

  it("marks the bridge's own keep-alive pings and their replies, and no other row", async () => {
    const traffic = createTraffic();
    traffic.receive({
      initial: true,
      rows: [
        trafficRow({ id: '"mcp-tray-keepalive-1"', method: "ping" }),
        trafficRow({ id: '"mcp-tray-keepalive-1"', dir: "s2c", kind: "response", method: null, latencyMs: 2 }),
        trafficRow({ id: '"ping-1"', method: "ping" }),
      ],
    });
    render(TrafficList, { traffic, selected: null });
    await nextFrame();
    const titles = screen.getAllByTestId("traffic-method").map((cell) => cell.getAttribute("title"));
    expect(titles[0]).toContain("keep-alive ping");
    expect(titles[1]).toContain("keep-alive ping");
    expect(titles[2]).toBeNull();
  });

  it("names the tool a call called, on the request and on its reply", async () => {
    const traffic = createTraffic();
    const call = '{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"arguments":{"name":"not this"},"name":"search"}}';
    traffic.receive({
      initial: true,
      rows: [
        trafficRow({ id: "3", method: "tools/call", msg: call }),
        trafficRow({ id: "3", dir: "s2c", kind: "response", method: "tools/call", msg: '{"jsonrpc":"2.0","id":3,"result":{}}' }),
        trafficRow({ id: "4", method: "tools/call", msg: "not json" }),
        trafficRow({ id: "5", method: "tools/list" }),
      ],
    });
    render(TrafficList, { traffic, selected: null });
    await nextFrame();
    const methods = screen.getAllByTestId("traffic-method").map((cell) => cell.textContent);
    expect(methods).toEqual(["tools/call search", "tools/call search", "tools/call", "tools/list"]);
  });

  it("marks a failed reply in its Method cell, not by colour alone: a tool call that failed as a JSON-RPC error is", async () => {
    const traffic = createTraffic();
    const call = '{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"search"}}';
    traffic.receive({
      initial: true,
      rows: [
        trafficRow({ id: "3", method: "tools/call", msg: call }),
        trafficRow({ id: "3", dir: "s2c", kind: "response", method: "tools/call", toolError: true, msg: '{"jsonrpc":"2.0","id":3,"result":{"isError":true}}' }),
        trafficRow({ id: "4", dir: "s2c", kind: "error", method: "tools/list", msg: '{"jsonrpc":"2.0","id":4,"error":{"code":-32601}}' }),
        trafficRow({ id: "5", dir: "s2c", kind: "response", method: "tools/list", msg: '{"jsonrpc":"2.0","id":5,"result":{}}' }),
      ],
    });
    render(TrafficList, { traffic, selected: null });
    await nextFrame();
    const cells = screen.getAllByTestId("traffic-method");
    // A mark seen (the Kind column may be hidden), and words for a screen reader.
    expect(cells.map((cell) => cell.querySelector('[data-testid="traffic-reply-failed"]')?.textContent ?? null)).toEqual([null, "✗", "✗", null]);
    expect(cells[1].querySelector(".visually-hidden")?.textContent).toBe("Tool call failed:");
    expect(cells[1].textContent).toBe("✗Tool call failed: tools/call search");
    expect(cells[2].querySelector(".visually-hidden")?.textContent).toBe("Error reply:");
    expect(cells[3].textContent).toBe("tools/list");
  });

  it("tags the rows of a test MCP Tray ran, and no row of Claude's", async () => {
    const traffic = createTraffic();
    traffic.receive({
      initial: true,
      rows: [trafficRow({ id: "1", session: "t", check: true }), trafficRow({ id: "2", session: "c" })],
    });
    render(TrafficList, { traffic, selected: null });
    await nextFrame();
    const rows = screen.getAllByTestId("traffic-row");
    expect(rows[0].querySelector('[data-testid="traffic-check"]')?.textContent).toBe("test");
    expect(rows[0].querySelectorAll('[role="gridcell"]')[1]?.getAttribute("title")).toContain("not Claude Desktop");
    expect(rows[1].querySelector('[data-testid="traffic-check"]')).toBeNull();
    expect(rows[1].querySelectorAll('[role="gridcell"]')[1]?.getAttribute("title")).toBe("tiny");
  });

  it("cuts a long server name in the middle, so names that differ at the end stay apart; the full name in the title", async () => {
    const traffic = createTraffic();
    traffic.receive({
      initial: true,
      rows: [
        trafficRow({ id: "1", server: "local-18703", session: "t", check: true }),
        trafficRow({ id: "2", server: "local-18705" }),
        trafficRow({ id: "3", server: "fetch" }),
      ],
    });
    render(TrafficList, { traffic, selected: null });
    await nextFrame();
    const cells = screen.getAllByTestId("traffic-row").map((row) => row.querySelectorAll('[role="gridcell"]')[1] as HTMLElement);
    // The end is its own piece that never shrinks; only the start before it gives way (…).
    const ends = cells.map((cell) => cell.querySelector('[data-testid="traffic-server-end"]')?.textContent ?? null);
    expect(ends).toEqual(["-18703", "-18705", null]);
    expect(cells.map((cell) => cell.textContent?.replace("test", "").trim())).toEqual(["local-18703", "local-18705", "fetch"]);
    expect(cells[1].getAttribute("title")).toBe("local-18705");
    expect(cells[0].getAttribute("title")).toBe(`local-18703: a test MCP Tray ran (Test, probe or doctor), not Claude Desktop`);
  });

  it("says when the filters hide every message, and counts a line that was not JSON as an error", async () => {
    const traffic = createTraffic();
    traffic.receive({ initial: true, rows: [trafficRow({ id: "1" })] });
    render(TrafficList, { traffic, selected: null });
    expect(screen.queryByTestId("traffic-none")).toBeNull();
    traffic.setFilter({ errorsOnly: true });
    await nextFrame();
    expect(screen.getByTestId("traffic-none").textContent).toBe("No message matches these filters.");

    traffic.receive({ initial: false, rows: [trafficRow({ id: null, dir: "s2c", kind: "invalid", method: null, msg: null, text: "Traceback (most recent call last):" })] });
    await nextFrame();
    expect(screen.queryByTestId("traffic-none")).toBeNull();
    const [invalid] = screen.getAllByTestId("traffic-row");
    expect(invalid.textContent).toContain("invalid");
    expect(invalid.classList.contains("failed")).toBe(true);
  });

  it("stops following the newest rows while a row is selected or the list is scrolled up", async () => {
    // jsdom lays nothing out (the list has no height): the end of the list is at count × 24 px.
    rememberScrollTop();
    try {
      const many = (n: number) => Array.from({ length: n }, (_, i) => trafficRow({ id: String(i), kind: "notification" }));
      const traffic = createTraffic();
      traffic.receive({ initial: true, rows: many(30) });
      const { rerender } = render(TrafficList, { traffic, selected: null });
      const viewport = screen.getByTestId("traffic-viewport");
      expect(viewport.scrollTop).toBe(30 * 24);

      // A click on a row: the row stays in sight while more arrive.
      await fireEvent.click(screen.getAllByTestId("traffic-row").at(-1)!);
      // The event of following's own last scroll, arriving after the click.
      await fireEvent.scroll(viewport);
      traffic.receive({ initial: false, rows: many(10) });
      await nextFrame();
      expect(viewport.scrollTop).toBe(30 * 24);

      // Back at the bottom: following again, the row still selected.
      viewport.scrollTop = 40 * 24;
      await fireEvent.scroll(viewport);
      traffic.receive({ initial: false, rows: many(10) });
      await nextFrame();
      expect(viewport.scrollTop).toBe(50 * 24);

      // Scrolled up: stays; the selection closed: follows again.
      viewport.scrollTop = 100;
      await fireEvent.scroll(viewport);
      traffic.receive({ initial: false, rows: many(10) });
      await nextFrame();
      expect(viewport.scrollTop).toBe(100);
      await rerender({ traffic, selected: null });
      traffic.receive({ initial: false, rows: many(10) });
      await nextFrame();
      expect(viewport.scrollTop).toBe(70 * 24);
    } finally {
      delete (HTMLElement.prototype as { scrollTop?: number }).scrollTop;
    }
  });

  it("keeps a list scrolled up on the same rows when the oldest are dropped past the cap", async () => {
    rememberScrollTop();
    try {
      let n = 0;
      const many = (count: number) => Array.from({ length: count }, () => trafficRow({ id: String(n++), kind: "notification" }));
      // Keeps 100 rows, dropping 10 at a time.
      const traffic = createTraffic(100, 10);
      traffic.receive({ initial: true, rows: many(100) });
      render(TrafficList, { traffic, selected: null });
      const viewport = screen.getByTestId("traffic-viewport");
      // Scrolled up to row 50.
      viewport.scrollTop = 50 * 24;
      await fireEvent.scroll(viewport);
      const shown = traffic.at(50)!.seq;
      traffic.receive({ initial: false, rows: many(11) });
      await nextFrame();
      expect(traffic.dropped).toBe(11);
      // The row at the top of the view is still the one that was there.
      expect(traffic.at(Math.floor(viewport.scrollTop / 24))!.seq).toBe(shown);
    } finally {
      delete (HTMLElement.prototype as { scrollTop?: number }).scrollTop;
    }
  });
});

describe("Traffic list: an event's code", () => {
  it("is said in plain words in the Method cell, the code on hover, and found by either in a search", async () => {
    const traffic = createTraffic();
    traffic.receive({
      initial: true,
      rows: [trafficRow({ id: null, dir: "event", kind: "event", method: null, code: "exited-early", level: "error", text: "uvx exited" })],
    });
    render(TrafficList, { traffic, selected: null });
    const cell = screen.getByTestId("traffic-method");
    expect(cell.textContent).toBe("Exited early");
    expect(cell.title).toBe("exited-early");
    for (const search of ["exited early", "exited-early"]) {
      traffic.setFilter({ server: "", method: "", search });
      await nextFrame();
      expect(screen.queryAllByTestId("traffic-row").length, search).toBe(1);
    }
  });
});
