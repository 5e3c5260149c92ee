import { cleanup, fireEvent, render, screen } from "@testing-library/svelte";
import { afterEach, describe, expect, it, vi } from "vitest";
import { trafficRow } from "../stores/traffic.fixtures";
import { createTraffic } from "../stores/traffic.svelte";
import TrafficDetail from "./TrafficDetail.svelte";

afterEach(cleanup);

/** The store shows arriving rows on the next animation frame. */
const nextFrame = () => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve)));

describe("Traffic detail", () => {
  it("says Copy failed when the system refused the clipboard, not Copied", async () => {
    // No Clipboard API, and the fallback's execCommand copies nothing (it answers false).
    Object.defineProperty(document, "execCommand", { value: vi.fn(() => false), configurable: true });
    try {
      const traffic = createTraffic();
      traffic.receive({ initial: true, rows: [trafficRow({})] });
      render(TrafficDetail, { traffic, selected: 0, onclose: () => {} });
      const copy = screen.getByTestId("traffic-copy");
      await fireEvent.click(copy);
      await vi.waitFor(() => expect(copy.textContent?.trim()).toBe("Could not copy"));
    } finally {
      Reflect.deleteProperty(document, "execCommand");
    }
  });

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

  it("shows a message with bytes that are not UTF-8 pretty-printed, and says they were replaced", async () => {
    const traffic = createTraffic();
    const kept = '{"jsonrpc":"2.0","id":"u","method":"tools/call","params":{"q":"caf\uFFFD \uFFFD\uFFFD"}}';
    traffic.receive({ initial: true, rows: [trafficRow({ id: '"u"', msg: JSON.stringify(kept) })] });
    render(TrafficDetail, { traffic, selected: 0, onclose: () => {} });
    const shown = screen.getByTestId("traffic-json").textContent ?? "";
    expect(shown).toContain('"q": "caf\uFFFD \uFFFD\uFFFD"');
    expect(shown).not.toContain('\\"');
    expect(screen.getByTestId("traffic-not-utf8").textContent).toContain("not UTF-8");
    cleanup();
    // A line that is not JSON is shown as its text, without quotes, and no such note.
    const other = createTraffic();
    other.receive({ initial: true, rows: [trafficRow({ kind: "invalid", method: null, msg: JSON.stringify("Server ready on stdio") })] });
    render(TrafficDetail, { traffic: other, selected: 0, onclose: () => {} });
    expect(screen.getByTestId("traffic-json").textContent).toBe("Server ready on stdio");
    expect(screen.queryByTestId("traffic-not-utf8")).toBeNull();
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
    expect(screen.getByTestId("traffic-cut").textContent).toBe("Only its start was recorded (the whole message was 40 B).");
  });

  it("says under the response that it was cut when its request is the row selected", async () => {
    const traffic = createTraffic();
    const start = '{"jsonrpc":"2.0","id":3,"result":{"content":[{"type":"text","text":"bbbb';
    traffic.receive({
      initial: true,
      rows: [
        trafficRow({ id: "3", method: "tools/call" }),
        trafficRow({ id: "3", dir: "s2c", kind: "response", method: null, bytes: 3_500_000, truncated: true, msg: JSON.stringify(start) }),
      ],
    });
    render(TrafficDetail, { traffic, selected: 0, onclose: () => {} });
    const [request, response] = screen.getAllByTestId("traffic-json").map((pre) => pre.parentElement!);
    expect(request.querySelector('[data-testid="traffic-cut"]')).toBeNull();
    expect(response.querySelector('[data-testid="traffic-json"]')?.textContent).toBe(`${start}…`);
    expect(response.querySelector('[data-testid="traffic-cut"]')?.textContent).toBe(
      "Only its start was recorded (the whole message was 3.3 MiB).",
    );
  });

  it("says which pane's message was cut when the request was, and not its size when the entry has none", async () => {
    const traffic = createTraffic();
    const start = '{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"arguments":{"text":"cccc';
    traffic.receive({
      initial: true,
      rows: [
        trafficRow({ id: "4", method: "tools/call", bytes: null, truncated: true, msg: JSON.stringify(start) }),
        trafficRow({ id: "4", dir: "s2c", kind: "response", method: null, msg: '{"jsonrpc":"2.0","id":4,"result":{}}' }),
      ],
    });
    render(TrafficDetail, { traffic, selected: 1, onclose: () => {} });
    const [request, response] = screen.getAllByTestId("traffic-json").map((pre) => pre.parentElement!);
    expect(request.querySelector('[data-testid="traffic-cut"]')?.textContent).toBe("Only its start was recorded.");
    expect(response.querySelector('[data-testid="traffic-cut"]')).toBeNull();
  });
});
