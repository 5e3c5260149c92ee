/**
 * The Logs view's data: Claude's log events and our journals' events as they arrive (in batches),
 * the newest MAX_ROWS kept, filtered by server and level. Never calls Rust itself.
 */
import type { LogRow } from "../ipc";

/** Older events are dropped past this many (the files keep them). */
export const MAX_ROWS = 5_000;

const LEVELS = ["debug", "info", "warn", "error"];

/** An event as the view lists it: with an id that stays with it while rows arrive, drop off or are filtered. */
export type LogEvent = LogRow & { id: number };

export interface LogFilter {
  server: string;
  /** The lowest level shown. */
  level: string;
}

export function createLogs() {
  let rows = $state.raw<LogEvent[]>([]);
  let nextId = 0;
  let filter = $state<LogFilter>({ server: "", level: "info" });

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
      return rows.filter(
        (r) => (!filter.server || r.server === filter.server) && (r.failure || LEVELS.indexOf(r.level) >= min),
      );
    },
    receive(batch: LogRow[]): void {
      const next = rows.concat(batch.map((row) => ({ ...row, id: nextId++ })));
      rows = next.length > MAX_ROWS ? next.slice(next.length - MAX_ROWS) : next;
    },
  };
}

export type Logs = ReturnType<typeof createLogs>;
