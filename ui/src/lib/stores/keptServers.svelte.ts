/**
 * The local servers MCP Tray keeps running itself ("Keep running"), by name, with what each is
 * doing (starting, running with its tools, restarting, crash loop…). Rust pushes the whole list
 * whenever one changes (`receive`); this store never polls and never decides a state itself. Lists
 * come both pushed and as commands' answers, in any order: each carries a revision, and one older
 * than the list shown is dropped (a late answer saying "starting" of a server that answered). The
 * person's actions (keep, stop, restart) go through the injected api (ipc.ts); one action per
 * server at a time, and the last failure is kept to be shown.
 */
import { type KeptServerList, type KeptServerView, ipc, toIpcError } from "../ipc";

export type KeptServersApi = Pick<typeof ipc, "keptServers" | "setServerKept" | "restartKeptServer">;

export function createKeptServers(api: KeptServersApi = ipc) {
  // Maps, not objects: a server may be called "constructor" or "__proto__".
  let byName = $state<ReadonlyMap<string, KeptServerView>>(new Map());
  /** Servers with an action under way. */
  let pending = $state<ReadonlySet<string>>(new Set());
  /** Why the last action failed, when it did. */
  let failure = $state<string | null>(null);
  /** The revision of the list shown; -1 before the first. */
  let revision = -1;

  function receive(list: KeptServerList): void {
    if (list.revision < revision) return;
    revision = list.revision;
    byName = new Map(list.servers.map((server) => [server.name, server]));
  }

  async function act(name: string, command: string, run: () => Promise<KeptServerList>): Promise<boolean> {
    if (pending.has(name)) return false;
    pending = new Set([...pending, name]);
    failure = null;
    try {
      receive(await run());
      return true;
    } catch (thrown) {
      failure = toIpcError(command, thrown).message;
      return false;
    } finally {
      const rest = new Set(pending);
      rest.delete(name);
      pending = rest;
    }
  }

  return {
    /** Kept servers by name; a name absent is not kept. */
    get byName() {
      return byName;
    },
    get failure() {
      return failure;
    },
    isPending(name: string): boolean {
      return pending.has(name);
    },
    /** Reads the list (when the view opens). */
    async load(): Promise<void> {
      try {
        receive(await api.keptServers());
      } catch {
        // Keep what was known; the next push brings the list.
      }
    },
    /** The list as Rust pushed it. */
    receive,
    /** Starts keeping `name` running; resolves to whether it worked. */
    keep: (name: string) => act(name, "set_server_kept", () => api.setServerKept(name, true)),
    /** Stops running `name` (its whole process tree). */
    stop: (name: string) => act(name, "set_server_kept", () => api.setServerKept(name, false)),
    /** Restarts `name` (also out of a crash loop). */
    restart: (name: string) => act(name, "restart_kept_server", () => api.restartKeptServer(name)),
    /** Forgets the last failure (the person read it). */
    dismissFailure(): void {
      failure = null;
    },
  };
}

export type KeptServers = ReturnType<typeof createKeptServers>;
