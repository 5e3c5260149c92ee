/** How a server's status and process read in the Servers list: labels, sources, figures. */
import type { EvidenceSource, KeptServerView, ProcessView, ServerHealth, StatusEvidence } from "./ipc";
import { toolCount } from "./servers";
import { clockTime } from "./time";

const STATUS_LABELS: Record<ServerHealth, string> = {
  stopped: "Stopped",
  connected: "Connected",
  degraded: "Needs attention",
  failing: "Failing",
};

const SOURCE_LABELS: Record<EvidenceSource, string> = {
  journal: "from MCP Tray's journal",
  "claude-log": "from Claude's log",
  probe: "from the last test",
  "kept-running": "from MCP Tray running it",
  "sign-in": "from MCP Tray's sign-in",
};

export function statusLabel(status: ServerHealth): string {
  return STATUS_LABELS[status];
}

/** `from Claude's log, 10:02` (local time; the date too when not today). */
export function evidenceOrigin(evidence: StatusEvidence, now: Date = new Date()): string {
  const when = clockTime(evidence.at, now);
  return when ? `${SOURCE_LABELS[evidence.source]}, ${when}` : SOURCE_LABELS[evidence.source];
}

/** `12.3 MB`, `1.2 GB` (decimal units, as OS task managers show). */
export function formatMemory(bytes: number): string {
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(1)} GB`;
  if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(1)} MB`;
  return `${Math.round(bytes / 1e3)} kB`;
}

/** `45 s`, `12 min`, `3 h 5 min`, `2 d 4 h`. */
export function formatUptime(secs: number): string {
  const s = Math.max(0, Math.floor(secs));
  if (s < 60) return `${s} s`;
  const min = Math.floor(s / 60);
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  if (h < 24) return `${h} h ${min % 60} min`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}

/** `CPU 1.5 % · 42.0 MB · up 3 min` for a running process. */
export function describeProcess(process: ProcessView): string {
  const parts = [`CPU ${process.cpuPercent.toFixed(1)} %`, formatMemory(process.memoryBytes)];
  if (process.uptimeSecs !== null) parts.push(`up ${formatUptime(process.uptimeSecs)}`);
  return parts.join(" · ");
}

/** `restarted 1 time — exited with status 1 at 14:02`, `restarted 3 times — the last after it was
 *  ended by signal SIGKILL at 14:02` (why and when, when known); null before the first restart. */
function describeRestarts(kept: KeptServerView, now: Date): string | null {
  if (kept.restarts <= 0) return null;
  const count = `restarted ${kept.restarts} ${kept.restarts === 1 ? "time" : "times"}`;
  const last = kept.lastRestart;
  if (!last) return count;
  const when = clockTime(last.at, now);
  const why = `${kept.restarts === 1 ? "" : "the last after it "}${last.cause}${when ? ` at ${when}` : ""}`;
  return `${count} — ${why}`;
}

/** One line on a server MCP Tray keeps running: `Kept running by MCP Tray since 10:02 · pid 4242 · 3 tools`. */
export function describeKept(kept: KeptServerView, now: Date = new Date()): string {
  const since = kept.since ? clockTime(kept.since, now) : null;
  const pid = kept.pid !== null ? `pid ${kept.pid}` : null;
  const restarts = describeRestarts(kept, now);
  const tools = kept.toolCount !== null ? toolCount(kept.toolCount) : null;
  const join = (...parts: (string | null)[]) => parts.filter((p) => p !== null).join(" · ");
  switch (kept.state) {
    case "running":
      return join(`Kept running by MCP Tray${since ? ` since ${since}` : ""}`, pid, tools, restarts);
    case "starting":
      return join("Kept running by MCP Tray: starting, waiting for it to answer", pid, restarts);
    case "not-answering":
      return join("Kept running by MCP Tray, but it does not answer", pid, restarts);
    case "restarting":
      return join("Kept running by MCP Tray: it exited and is being started again", restarts);
    case "crash-loop":
      return join("Kept running by MCP Tray: it keeps exiting, so restarts stopped (Restart tries again)", restarts);
    case "exited":
      return "Kept running by MCP Tray: it exited and could not be started again";
  }
}
