/**
 * The Logs view's data: Claude's log events and our journals' events as they arrive (in batches),
 * the newest MAX_ROWS kept, filtered by server, level and words. Never calls Rust itself.
 */
import type { LogRow } from "../ipc";

/** Older events are dropped past this many (the files keep them). */
export const MAX_ROWS = 5_000;

const LEVELS = ["debug", "info", "warn", "error"];

/** An event as the view lists it: with an id that stays with it while rows arrive, drop off or are filtered. */
export type LogEvent = LogRow & { id: number; /** What a search looks in, lower-cased once. */ haystack: string };

export interface LogFilter {
  server: string;
  /** The lowest level shown. */
  level: string;
  /** Words the event must hold (its text, request, server or diagnosis), any case. */
  search: string;
}

/** Everything of an event a search finds it by: what the view shows of it, the diagnosis's detail too. */
function haystack(row: LogRow): string {
  const d = row.diagnosis;
  return [row.server ?? "claude", row.text, row.context, d?.code, d?.summary, d?.detail, d?.fix]
    .filter((part) => part)
    .join("\n")
    .toLowerCase();
}

/**
 * Events as text to paste into a bug report or a message: one line each (the time as recorded,
 * UTC; the level; the server; where it came from; the text and its request), then its diagnosis
 * and fix, indented. What the view shows, masked as it was shown.
 */
export function eventsAsText(events: LogRow[]): string {
  return events
    .map((row) => {
      const source = row.source === "journal" ? "MCP Tray" : "Claude";
      const head = [row.ts, row.level.padEnd(5), row.server ?? "claude", `(${source})`, row.text];
      if (row.context) head.push(`[${row.context}]`);
      const lines = [head.join(" ")];
      const d = row.diagnosis;
      if (d) {
        lines.push(`    ✗ ${d.code}: ${d.summary}`);
        if (d.detail) lines.push(...d.detail.split("\n").map((line) => `      ${line}`));
        if (d.fix) lines.push(`      fix: ${d.fix}`);
      }
      return lines.join("\n");
    })
    .join("\n");
}

export function createLogs() {
  let rows = $state.raw<LogEvent[]>([]);
  let nextId = 0;
  let filter = $state<LogFilter>({ server: "", level: "info", search: "" });
  let loaded = $state(false);
  let problem = $state<string | null>(null);

  return {
    get filter() {
      return filter;
    },
    setFilter(change: Partial<LogFilter>): void {
      filter = { ...filter, ...change };
    },
    /** Every server named in the events, sorted. */
    get servers(): string[] {
      return [...new Set(rows.flatMap((r) => (r.server ? [r.server] : [])))].sort();
    },
    /** How many events there are, filtered or not. */
    get total(): number {
      return rows.length;
    },
    /** The events that pass the filter, newest last. */
    get shown(): LogEvent[] {
      const min = LEVELS.indexOf(filter.level);
      // Every word, anywhere in the event: "uvx enoent" finds "spawn uvx ENOENT".
      const words = filter.search.toLowerCase().split(/\s+/).filter(Boolean);
      return rows.filter(
        (r) =>
          (!filter.server || r.server === filter.server) &&
          (r.failure || LEVELS.indexOf(r.level) >= min) &&
          words.every((word) => r.haystack.includes(word)),
      );
    },
    /** True once a batch came: Rust sends the recent history's events as they are read, and a
     *  batch, empty when there were none, once all are. Until then the view says it is reading. */
    get loaded(): boolean {
      return loaded;
    },
    /** Why the stream could not start, in words, else null. */
    get problem(): string | null {
      return problem;
    },
    /** The stream could not start: `message` says why. */
    failed(message: string): void {
      problem = message;
    },
    /** Forgets every event (the filter stays), for a stream that starts over. */
    reset(): void {
      rows = [];
      loaded = false;
      problem = null;
    },
    receive(batch: LogRow[]): void {
      loaded = true;
      const next = rows.concat(batch.map((row) => ({ ...row, id: nextId++, haystack: haystack(row) })));
      rows = next.length > MAX_ROWS ? next.slice(next.length - MAX_ROWS) : next;
    },
  };
}

export type Logs = ReturnType<typeof createLogs>;
