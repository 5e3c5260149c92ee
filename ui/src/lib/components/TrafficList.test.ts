import { cleanup, render, screen } from "@testing-library/svelte";
import { afterEach, describe, expect, it } from "vitest";
import { trafficRow } from "../stores/traffic.fixtures";
import { createTraffic } from "../stores/traffic.svelte";
import TrafficList from "./TrafficList.svelte";

afterEach(cleanup);

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

describe("Traffic list", () => {
  it("gives sizes in B, KB or MB", async () => {
    const traffic = createTraffic();
    traffic.receive({
      initial: true,
      rows: [trafficRow({ id: "1", bytes: 900 }), trafficRow({ id: "2", bytes: 5_000 }), trafficRow({ id: "3", bytes: 24_000_000 })],
    });
    render(TrafficList, { traffic, selected: null });
    expect([sizeOf(0), sizeOf(1), sizeOf(2)]).toEqual(["900 B", "4.9 KB", "22.9 MB"]);
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
});
