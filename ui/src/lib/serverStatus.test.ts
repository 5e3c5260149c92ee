import { describe, expect, it } from "vitest";
import type { StatusEvidence } from "./ipc";
import { describeKept, describeProcess, evidenceOrigin, formatMemory, formatUptime } from "./serverStatus";

describe("server status wording", () => {
  it("says where the evidence came from and when", () => {
    const at = new Date(2026, 10, 24, 10, 2);
    const evidence: StatusEvidence = {
      status: "failing",
      source: "claude-log",
      at: at.toISOString(),
      code: "command-not-found",
      text: "x",
      fix: null,
      toolCount: null,
      signIn: false,
    };
    const sameDay = evidenceOrigin(evidence, new Date(2026, 10, 24, 18, 0));
    expect(sameDay).toMatch(/^from Claude's log, 10.02/);
    expect(evidenceOrigin(evidence, new Date(2026, 10, 26))).toMatch(/Nov 24/);
    expect(evidenceOrigin({ ...evidence, source: "probe", at: "garbage" })).toBe("from the last test");
  });

  it("formats memory, uptime and a running process", () => {
    expect(formatMemory(42_000_000)).toBe("42.0 MB");
    expect(formatMemory(1_500_000_000)).toBe("1.5 GB");
    expect(formatMemory(900)).toBe("1 kB");
    expect(formatUptime(45)).toBe("45 s");
    expect(formatUptime(3 * 3600 + 5 * 60)).toBe("3 h 5 min");
    expect(formatUptime(2 * 86400 + 4 * 3600)).toBe("2 d 4 h");
    expect(
      describeProcess({ running: true, pid: 7, cpuPercent: 1.25, memoryBytes: 42e6, uptimeSecs: 180, processes: 2 }),
    ).toBe("CPU 1.3 % · 42.0 MB · up 3 min");
  });

  it("says what a server MCP Tray keeps running is doing", () => {
    const now = new Date(2026, 11, 2, 10, 30);
    const since = new Date(2026, 11, 2, 10, 2).toISOString();
    const time = "10:02";
    const kept = { name: "fetch", state: "running" as const, pid: 4242, restarts: 0, since, toolCount: 3, problem: null };
    expect(describeKept(kept, now)).toBe(`Kept running by MCP Tray since ${time} · pid 4242 · 3 tools`);
    expect(describeKept({ ...kept, restarts: 2, toolCount: 1 }, now)).toBe(
      `Kept running by MCP Tray since ${time} · pid 4242 · 1 tool · restarted 2 times`,
    );
    expect(describeKept({ ...kept, state: "crash-loop", pid: null, since: null, toolCount: null, restarts: 4 }, now)).toBe(
      "Kept running by MCP Tray: it keeps exiting, so restarts stopped (Restart tries again) · restarted 4 times",
    );
  });

  it("says why and when a kept server was last restarted, when that is known", () => {
    const now = new Date(2026, 11, 2, 14, 30);
    const since = new Date(2026, 11, 2, 14, 2, 5).toISOString();
    const kept = { name: "fetch", state: "running" as const, pid: 4242, restarts: 1, since, toolCount: 3, problem: null };
    const exited = { cause: "exited with status 1", code: "exited-early", at: new Date(2026, 11, 2, 14, 2).toISOString() };
    expect(describeKept({ ...kept, lastRestart: exited }, now)).toBe(
      "Kept running by MCP Tray since 14:02 · pid 4242 · 3 tools · restarted 1 time — exited with status 1 at 14:02",
    );
    // Of several, the last one's; another day's time says its day.
    const killed = { cause: "was ended by signal SIGKILL", code: "exited-early", at: new Date(2026, 10, 30, 9, 5).toISOString() };
    expect(
      describeKept({ ...kept, state: "crash-loop", pid: null, since: null, toolCount: null, restarts: 4, lastRestart: killed }, now),
    ).toMatch(/ · restarted 4 times — the last after it was ended by signal SIGKILL at Nov 30 09:05$/);
    // A time that does not parse is left out; no cause known (null): as before.
    expect(describeKept({ ...kept, lastRestart: { ...exited, at: "soon" } }, now)).toMatch(/ · restarted 1 time — exited with status 1$/);
    expect(describeKept({ ...kept, lastRestart: null }, now)).toMatch(/ · restarted 1 time$/);
  });
});
