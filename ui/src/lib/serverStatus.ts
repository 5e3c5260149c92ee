/** How a server's status and process read in the Servers list: labels, sources, figures. */
import type { EvidenceSource, ProcessView, ServerHealth, StatusEvidence } from "./ipc";

const STATUS_LABELS: Record<ServerHealth, string> = {
  connected: "Connected",
  degraded: "Needs attention",
  failing: "Failing",
};

const SOURCE_LABELS: Record<EvidenceSource, string> = {
  journal: "from MCP Tray's journal",
  "claude-log": "from Claude's log",
  probe: "from the last test",
};

export function statusLabel(status: ServerHealth): string {
  return STATUS_LABELS[status];
}

/** `from Claude's log, 10:02` (local time; the date too when not today). */
export function evidenceOrigin(evidence: StatusEvidence, now: Date = new Date()): string {
  const at = new Date(evidence.at);
  if (Number.isNaN(at.getTime())) return SOURCE_LABELS[evidence.source];
  const time = at.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  const sameDay = at.toDateString() === now.toDateString();
  const when = sameDay ? time : `${at.toLocaleDateString([], { month: "short", day: "numeric" })} ${time}`;
  return `${SOURCE_LABELS[evidence.source]}, ${when}`;
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
