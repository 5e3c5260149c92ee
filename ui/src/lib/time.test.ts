import { fireEvent, render, screen } from "@testing-library/svelte";
import { describe, expect, it, vi } from "vitest";
import LogsView from "../views/LogsView.svelte";
import TrafficView from "../views/TrafficView.svelte";
import { evidenceOrigin } from "./serverStatus";
import { createLogs } from "./stores/logs.svelte";
import { trafficRow } from "./stores/traffic.fixtures";
import { createTraffic } from "./stores/traffic.svelte";
import { clockTime, detailTime, tableTime } from "./time";

// A fixed zone with a half-hour offset and no daylight saving: UTC 11:52 is 17:22 here.
vi.stubEnv("TZ", "Asia/Kolkata");

const STAMP = "2026-12-02T11:52:54.433Z";

describe("times", () => {
  it("formats a UTC stamp in local time", () => {
    expect(new Date(STAMP).getTimezoneOffset()).toBe(-330);
    expect(tableTime(STAMP)).toBe("17:22:54.433");
    expect(detailTime(STAMP)).toMatch(/2026.* 17:22:54\.433$/);
    expect(detailTime(STAMP)).toMatch(/Dec/);
    expect(clockTime(STAMP, new Date(STAMP))).toBe("17:22");
    expect(clockTime("2026-12-01T12:00:00Z", new Date(STAMP))).toBe("Dec 1 17:30");
    expect(tableTime("garbage")).toBe("garbage");
  });

  it("shows local time in Logs, Traffic and Servers alike", async () => {
    const logs = createLogs();
    logs.receive([{ ts: STAMP, source: "journal", server: "tiny", level: "info", text: "started", context: null, diagnosis: null, failure: false }]);
    const { unmount } = render(LogsView, { logs });
    expect(screen.getByTestId("log-row").textContent).toContain("17:22:54.433");
    unmount();

    const traffic = createTraffic();
    traffic.receive({ initial: true, rows: [trafficRow({ ts: STAMP })] });
    render(TrafficView, { traffic });
    const [row] = screen.getAllByTestId("traffic-row");
    expect(row.textContent).toContain("17:22:54.433");
    await fireEvent.click(row);
    expect(screen.getByTestId("traffic-detail").textContent).toMatch(/Dec 2, 2026 17:22:54\.433/);

    expect(evidenceOrigin({ status: "failing", source: "claude-log", at: STAMP, detail: null } as never, new Date(STAMP))).toBe(
      "from Claude's log, 17:22",
    );
  });
});
