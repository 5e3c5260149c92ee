import { cleanup, render, screen } from "@testing-library/svelte";
import { afterEach, describe, expect, it } from "vitest";
import { trafficRow } from "../stores/traffic.fixtures";
import { createTraffic } from "../stores/traffic.svelte";
import TrafficDetail from "./TrafficDetail.svelte";

afterEach(cleanup);

/** The store shows arriving rows on the next animation frame. */
const nextFrame = () => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve)));

describe("Traffic detail", () => {
  it("adds the response beside a selected request when it arrives later", async () => {
    const traffic = createTraffic();
    traffic.receive({ initial: true, rows: [trafficRow({ id: "7", method: "tools/call" })] });
    render(TrafficDetail, { traffic, selected: 0, onclose: () => {} });
    expect(screen.getAllByTestId("traffic-json")).toHaveLength(1);

    traffic.receive({
      initial: false,
      rows: [trafficRow({ id: "7", dir: "s2c", kind: "response", method: null, latencyMs: 812, msg: '{"jsonrpc":"2.0","id":7,"result":{}}' })],
    });
    await nextFrame();
    const panes = screen.getAllByTestId("traffic-json");
    expect(panes).toHaveLength(2);
    expect(panes[1].textContent).toContain('"result"');
    expect(screen.getByText("Response · 812.0 ms")).toBeTruthy();
  });

  it("shows a message cut at the journal's cap as the text of its start, and says only its start was recorded", async () => {
    const traffic = createTraffic();
    const start = '{"jsonrpc":"2.0","id":9,"result":{"content":[{"type":"text","text":"aaaa';
    traffic.receive({
      initial: true,
      rows: [trafficRow({ id: "9", dir: "s2c", kind: "response", method: null, truncated: true, msg: JSON.stringify(start) })],
    });
    render(TrafficDetail, { traffic, selected: 0, onclose: () => {} });
    expect(screen.getByTestId("traffic-json").textContent).toBe(`${start}…`);
    expect(screen.getByTestId("traffic-detail").textContent).toContain(" · only its start was recorded");
  });
});
