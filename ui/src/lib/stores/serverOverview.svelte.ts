/**
 * Each server's status (with where it came from) and process figures, asked of Rust every ~2 s
 * while the page is visible. A hidden page asks nothing, and one coming back asks at once. The
 * view owns the polling (`start()` when shown, the returned stop when gone); this store never
 * decides a status itself: Rust weighs the journals, Claude's logs and probes.
 */
import { type ServerOverview, ipc } from "../ipc";

export interface OverviewOptions {
  /** How often to ask while visible. */
  intervalMs?: number;
  /** Where visibility is read (the page's document; a stand-in in tests). */
  page?: Pick<Document, "visibilityState" | "addEventListener" | "removeEventListener">;
}

export function createServerOverview(
  load: () => Promise<ServerOverview[]> = () => ipc.serverOverview(),
  { intervalMs = 2000, page = document }: OverviewOptions = {},
) {
  // A Map, not an object: a server may be called "constructor" or "__proto__".
  let byName = $state<ReadonlyMap<string, ServerOverview>>(new Map());
  let timer: ReturnType<typeof setInterval> | undefined;
  let asking = false;
  /** Asked for while a read was under way (after a test, say): that read may have started before
   *  what the caller wants seen, so one more follows it. (Not the timer's ticks: a read slower
   *  than the interval would otherwise follow itself without a pause.) */
  let again = false;
  let stopped = false;

  async function read(): Promise<void> {
    if (asking) return;
    asking = true;
    try {
      do {
        again = false;
        try {
          const list = await load();
          byName = new Map(list.map((server) => [server.name, server]));
        } catch {
          // Keep the last answer; the next tick asks again.
        }
      } while (again && !stopped);
    } finally {
      asking = false;
    }
  }

  async function refresh(): Promise<void> {
    if (asking) {
      again = true;
      return;
    }
    await read();
  }

  function schedule(): void {
    clearInterval(timer);
    timer = undefined;
    if (page.visibilityState !== "visible") return;
    void read();
    timer = setInterval(() => void read(), intervalMs);
  }

  return {
    /** Status and process by server name; a name absent was never seen. */
    get byName() {
      return byName;
    },
    /** Asks now (after a test, say), whatever the timer. */
    refresh,
    /** Polls while the page is visible; answers the function that stops it. */
    start(): () => void {
      stopped = false;
      page.addEventListener("visibilitychange", schedule);
      schedule();
      return () => {
        stopped = true;
        page.removeEventListener("visibilitychange", schedule);
        clearInterval(timer);
        timer = undefined;
      };
    },
  };
}

export type ServerOverviewStore = ReturnType<typeof createServerOverview>;
