/**
 * The Traffic view's data: every journal row received from Rust (in batches), requests paired with
 * their responses, and the filtered view of them (server, method, errors only, full-text search).
 *
 * Built for 100k rows while 1k/s arrive: rows live in a plain array (not deep reactive state),
 * filtering of new rows is incremental (and a filter that only narrows the last one looks at the
 * rows it kept, not all of them), and one `version` counter tells the view something changed,
 * bumped for arriving rows at most once per animation frame however many batches came in it.
 * Pausing keeps receiving but holds new rows back until resumed. This store never calls Rust
 * itself; the view connects it to `ipc.streamTraffic`. The search field's words and the selected
 * message live here too, not in the view: leaving Traffic and coming back finds them as they were.
 *
 * It keeps only the newest `TRAFFIC_KEEP` rows (and holds at most as many while paused): the
 * stream never ends, and every row kept forever would fill the window's memory within hours. A
 * row's `seq` is its arrival number and never changes, so the selection and the pairing of
 * requests with replies stay right while older rows go; a `seq` that was dropped finds no row (and
 * a selected row that was dropped is no longer selected).
 */
import { codeWords } from "../diagnosisCodes";
import type { TrafficBatch, TrafficRow } from "../ipc";

export interface Row extends TrafficRow {
  /** Arrival number: unique while the store lives, even across `reset`, and never reused. */
  seq: number;
  /** For a request: the seq of its response; for a response: the seq of its request. */
  pair: number | null;
  /** An error response, a line that was not JSON (`invalid`), or an event at error level. */
  failed: boolean;
  /** For a `tools/call` or `prompts/get` and its reply: the tool or prompt it called. */
  called: string | null;
}

/** Requests whose `params.name` names what they call: the tool, or the prompt. */
const NAMED = new Set(["tools/call", "prompts/get"]);

/** The tool or prompt a request calls (its message is parsed only for those methods). */
function calledBy(row: TrafficRow): string | null {
  if (row.kind !== "request" || row.method === null || !NAMED.has(row.method) || row.msg === null || row.truncated) {
    return null;
  }
  try {
    const name = JSON.parse(row.msg)?.params?.name;
    return typeof name === "string" ? name : null;
  } catch {
    return null; // Not JSON: nothing to name.
  }
}

export interface TrafficFilter {
  server: string;
  method: string;
  errorsOnly: boolean;
  search: string;
}

const EMPTY_FILTER: TrafficFilter = { server: "", method: "", errorsOnly: false, search: "" };

function pairKey(row: TrafficRow, requestDir: string): string {
  return `${row.server}\u0000${row.session}\u0000${requestDir}\u0000${row.id}`;
}

function opposite(dir: string): string {
  return dir === "c2s" ? "s2c" : "c2s";
}

/** Text of ASCII characters only. */
const ASCII = /^[\0-\x7f]*$/;

/** A test of whether a text holds `words` in any case (both lower-cased). Nothing is kept for the
 *  texts it tests: a lower-cased copy of every row would take as much memory again as the
 *  messages' text (some 60 MB at 200,000 rows). */
function holding(words: string): (text: string | null) => boolean {
  const needle = words.toLowerCase();
  // ASCII text (most of it) is not even copied: in it a case-insensitive pattern finds what
  // lower-casing finds, since without the u flag it never pairs a character past ASCII with one
  // within it. Other text is lower-cased for the test: `K` (the Kelvin sign) lower-cases to `k`,
  // which the pattern would not find in it.
  const pattern = new RegExp(needle.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"), "i");
  return (text) => text !== null && (ASCII.test(text) ? pattern.test(text) : text.toLowerCase().includes(needle));
}

/** A test of whether a row passes `filter`: its words are lower-cased once, not for each row. */
export function matcher(filter: TrafficFilter): (row: Row) => boolean {
  const { server, errorsOnly, search } = filter;
  const method = filter.method.toLowerCase();
  const holds = holding(search);
  return (row) => {
    if (server && row.server !== server) return false;
    if (errorsOnly && !row.failed) return false;
    // The method as the list shows it: `tools/call search` is found by `search` too.
    const shown = row.called === null ? (row.method ?? "") : `${row.method ?? ""} ${row.called}`;
    if (method && !shown.toLowerCase().includes(method)) return false;
    // What the list and the detail show; an event's code and its words (the list shows the words).
    // The search field is one line, so words never span two fields.
    return (
      !search ||
      holds(row.server) ||
      holds(row.method) ||
      holds(row.id) ||
      holds(row.text) ||
      (row.code !== null && (holds(row.code) || holds(codeWords(row.code)))) ||
      holds(row.msg)
    );
  };
}

/** Whether every row passing `next` also passes `prev`, so `next` can filter `prev`'s result. */
export function narrows(prev: TrafficFilter, next: TrafficFilter): boolean {
  const within = (wide: string, narrow: string) => narrow.toLowerCase().includes(wide.toLowerCase());
  return (
    (prev.server === "" || prev.server === next.server) &&
    (!prev.errorsOnly || next.errorsOnly) &&
    within(prev.method, next.method) &&
    within(prev.search, next.search)
  );
}

/** Calls `run` once before the next frame is painted, however often it is asked to in between. */
function oncePerFrame(run: () => void): () => void {
  let queued = false;
  return () => {
    if (typeof requestAnimationFrame !== "function") return run();
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => {
      queued = false;
      run();
    });
  };
}

/** The most rows Traffic keeps. The design asks for Traffic to stay quick at 100k rows with 1k/s
 *  arriving: twice that leaves room above it, and still covers minutes of traffic at that rate
 *  (hours at a usual one). A typical row is a few hundred bytes, so this is some hundred MB of the
 *  window's memory; it counts rows, not bytes, so large messages (each at most the journal's cap)
 *  make it more. */
export const TRAFFIC_KEEP = 200_000;

/** How long the search waits for typing to pause: a search looks through every row kept (a tenth
 *  of a second or more at 200,000 rows), too much work to do again at each key typed. */
export const SEARCH_DELAY_MS = 150;

/** Where the first `seq` not below `seq` is in the sorted `seqs`. */
function lowerBound(seqs: number[], seq: number): number {
  let low = 0;
  let high = seqs.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (seqs[mid] < seq) low = mid + 1;
    else high = mid;
  }
  return low;
}

/**
 * `keep` is the most rows kept (tests use a small one). The oldest go only once `slack` more have
 * arrived, all at once: dropping from the front of an array moves every row kept, so done per
 * arriving row it would cost the whole array each time; done per `slack` rows it costs a few
 * moves per row.
 */
export function createTraffic(keep: number = TRAFFIC_KEEP, slack: number = Math.ceil(keep / 10)) {
  /** The rows kept, oldest first; `rows[0]` has the arrival number `first`. */
  const rows: Row[] = [];
  let first = 0;
  let visible: number[] = [];
  const pending: TrafficBatch[] = [];
  const open = new Map<string, number>();
  const serverSet = new Set<string>();

  let version = $state(0);
  let loaded = $state(false);
  let paused = $state(false);
  let held = $state(0);
  let dropped = $state(0);
  /** Filtered rows dropped from the list's top so far: a list scrolled up moves up as many. */
  let trimmedVisible = $state(0);
  let problem = $state<string | null>(null);
  let servers = $state<string[]>([]);
  let filter = $state<TrafficFilter>({ ...EMPTY_FILTER });
  /** What the search field holds: the filter's search, or words typed since, not searched yet. */
  let typed = $state("");
  let searchTimer: ReturnType<typeof setTimeout> | undefined;
  /** The selected row's arrival number, or null. */
  let selected = $state<number | null>(null);

  /** The row with arrival number `seq`, if it is still kept. */
  function get(seq: number): Row | undefined {
    return seq < first ? undefined : rows[seq - first];
  }

  /** Drops the oldest rows down to `keep`: costs the rows dropped (and one move of those kept). */
  function trim(): void {
    const count = rows.length - keep;
    if (count <= 0) return;
    // A request still waiting whose reply comes later finds no request to pair with: the reply
    // is shown on its own.
    for (let i = 0; i < count; i++) {
      const row = rows[i];
      if (row.kind !== "request" || row.id === null || row.pair !== null) continue;
      const key = pairKey(row, row.dir);
      if (open.get(key) === row.seq) open.delete(key);
    }
    rows.splice(0, count);
    first += count;
    dropped += count;
    // The selected row went: the detail has nothing left to show, and closes.
    if (selected !== null && selected < first) selected = null;
    const gone = lowerBound(visible, first);
    visible.splice(0, gone);
    trimmedVisible += gone;
  }

  function ingest(batch: TrafficBatch): void {
    let newServer = false;
    const matches = matcher(filter);
    for (const incoming of batch.rows) {
      const row: Row = {
        ...incoming,
        seq: first + rows.length,
        pair: null,
        called: calledBy(incoming),
        // A tool call that failed (`isError`) failed too, though JSON-RPC says success.
        failed: incoming.kind === "error" || incoming.kind === "invalid" || incoming.level === "error" || incoming.toolError,
      };
      if (row.id !== null && (row.kind === "request" || row.kind === "response" || row.kind === "error")) {
        if (row.kind === "request") {
          open.set(pairKey(row, row.dir), row.seq);
        } else {
          const key = pairKey(row, opposite(row.dir));
          const request = open.get(key);
          const asked = request === undefined ? undefined : get(request);
          if (request !== undefined && asked !== undefined) {
            open.delete(key);
            row.pair = request;
            row.called = asked.called;
            asked.pair = row.seq;
          }
        }
      }
      rows.push(row);
      if (!serverSet.has(row.server)) {
        serverSet.add(row.server);
        newServer = true;
      }
      if (matches(row)) visible.push(row.seq);
      if (rows.length > keep + slack) trim();
    }
    if (newServer) servers = [...serverSet].sort();
  }

  function refilter(prev: TrafficFilter): void {
    const matches = matcher(filter);
    if (narrows(prev, filter)) {
      visible = visible.filter((seq) => matches(rows[seq - first]));
    } else {
      visible = [];
      for (const row of rows) if (matches(row)) visible.push(row.seq);
    }
    version += 1;
  }

  function setFilter(change: Partial<TrafficFilter>): void {
    clearTimeout(searchTimer);
    const prev = filter;
    // Words typed and not searched yet go in too: the list then shows what every field says.
    filter = { ...filter, search: typed, ...change };
    typed = filter.search;
    refilter(prev);
  }

  function searchNow(): void {
    clearTimeout(searchTimer);
    if (typed !== filter.search) setFilter({ search: typed });
  }

  /** Drops the oldest `count` rows held while paused: resumed, they would be dropped anyway. */
  function dropHeld(count: number): void {
    let left = count;
    let whole = 0;
    while (whole < pending.length && pending[whole].rows.length <= left) left -= pending[whole++].rows.length;
    pending.splice(0, whole);
    if (left > 0 && pending.length > 0) {
      pending[0] = { ...pending[0], rows: pending[0].rows.slice(left) };
      left = 0;
    }
    held -= count - left;
    dropped += count - left;
  }

  const bumpVersion = oncePerFrame(() => (version += 1));

  /** Where row `seq` is in the filtered list (`visible` is in arrival order), or -1. */
  function position(seq: number): number {
    let low = 0;
    let high = visible.length - 1;
    while (low <= high) {
      const mid = (low + high) >> 1;
      if (visible[mid] === seq) return mid;
      if (visible[mid] < seq) low = mid + 1;
      else high = mid - 1;
    }
    return -1;
  }

  return {
    /** Bumped whenever rows or the filtered list changed: read it to react. */
    get version() {
      return version;
    },
    /** True once the history the journals held has arrived. */
    get loaded() {
      return loaded;
    },
    get paused() {
      return paused;
    },
    /** Rows received while paused, not shown yet. */
    get held() {
      return held;
    },
    /** Rows dropped to keep at most `keep` (the oldest, or the oldest held while paused). */
    get dropped() {
      return dropped;
    },
    /** How many rows of the filtered list were dropped from its top so far (never goes back). */
    get trimmedVisible() {
      return trimmedVisible;
    },
    /** The most rows kept. */
    get keep() {
      return keep;
    },
    /** Why the stream could not start, in words, else null. */
    get problem() {
      return problem;
    },
    /** The stream could not start: `message` says why. */
    failed(message: string): void {
      problem = message;
    },
    get servers() {
      return servers;
    },
    get total() {
      void version;
      return rows.length;
    },
    get filter() {
      return filter;
    },
    /** Changes the filter (only the fields given) at once, with the words typed in the search
     *  field and not searched yet unless the change sets a search itself. */
    setFilter,
    /** What the search field holds: the filter's search, or words typed since that it takes once
     *  typing pauses. */
    get typedSearch() {
      return typed;
    },
    /** Words typed in the search field: searched once typing pauses for SEARCH_DELAY_MS, and at
     *  once when the field is emptied (every message is shown again, no text looked through). */
    typeSearch(words: string): void {
      typed = words;
      clearTimeout(searchTimer);
      if (words === "") searchNow();
      else searchTimer = setTimeout(searchNow, SEARCH_DELAY_MS);
    },
    /** Searches for the words typed now, without waiting for typing to pause (Enter). */
    searchNow,
    /** The selected row's arrival number, or null (none, or it was dropped since). */
    get selected() {
      return selected;
    },
    select(seq: number | null): void {
      selected = seq;
    },
    /** How many rows pass the filter. */
    get count() {
      void version;
      return visible.length;
    },
    /** The filtered rows from `start` (inclusive) to `end` (exclusive). */
    slice(start: number, end: number): Row[] {
      return visible.slice(start, end).map((seq) => rows[seq - first]);
    },
    /** Where the row with arrival number `seq` is among the filtered rows, or -1. */
    position(seq: number): number {
      return position(seq);
    },
    /** The filtered row at `index`. */
    at(index: number): Row | undefined {
      const seq = visible[index];
      return seq === undefined ? undefined : get(seq);
    },
    /** The row with arrival number `seq` (none once it was dropped). */
    row(seq: number): Row | undefined {
      return get(seq);
    },
    /** Every row that passes the filter, as JSON lines (the export). */
    exportLines(): string {
      return visible
        .map((seq) => {
          const { seq: _seq, pair: _pair, failed: _failed, msg, ...fields } = rows[seq - first];
          // The message goes in as the text it was (its numbers' digits, its strings' escapes),
          // not parsed and written again; a truncated one is a string holding its start.
          let message = JSON.stringify(msg);
          if (msg !== null) {
            try {
              JSON.parse(msg);
              message = msg.replace(/[\r\n]/g, " ");
            } catch {
              // Not whole JSON: kept as the string.
            }
          }
          const head = JSON.stringify({ ...fields, msg: null });
          return `${head.slice(0, -"null}".length)}${message}}`;
        })
        .join("\n");
    },
    /** Forgets every row (the filter stays; a pause ends), for a stream that starts over: after the
     *  "Hide secrets" setting changed, the history comes again as it is now to be shown. */
    reset(): void {
      // Paused, the history read again would be held out of sight: the list starts over shown.
      paused = false;
      // Arrival numbers go on from where they were: a row selected before is not found again as
      // another row that now has its number.
      first += rows.length;
      rows.length = 0;
      selected = null;
      visible = [];
      pending.length = 0;
      open.clear();
      serverSet.clear();
      servers = [];
      loaded = false;
      held = 0;
      dropped = 0;
      problem = null;
      version += 1;
    },
    /** Takes one batch from Rust. */
    receive(batch: TrafficBatch): void {
      if (batch.initial) loaded = true;
      if (paused) {
        pending.push(batch);
        held += batch.rows.length;
        if (held > keep + slack) dropHeld(held - keep);
        return;
      }
      ingest(batch);
      bumpVersion();
    },
    pause(): void {
      paused = true;
    },
    resume(): void {
      paused = false;
      for (const batch of pending.splice(0)) ingest(batch);
      held = 0;
      version += 1;
    },
  };
}

export type Traffic = ReturnType<typeof createTraffic>;
