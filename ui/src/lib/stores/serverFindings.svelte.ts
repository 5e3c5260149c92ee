/**
 * What is wrong with each server's config entry (doctor's config-only checks, run in Rust), by
 * server, the worst first; and what is wrong with the config file as a whole (`"mcpServers"`
 * written twice: a finding with no server, shown above the list, which may be empty). The view asks again whenever the server list is re-read (after any
 * change, whoever made it). This store never checks an entry itself; a Fix is an ordinary change
 * of the view (undoable), made through `ipc.fixServerFinding`.
 */
import { type ServerFinding, ipc } from "../ipc";

export type ServerFindingsApi = Pick<typeof ipc, "serverFindings">;

export function createServerFindings(api: ServerFindingsApi = ipc) {
  // A Map, not an object: a server may be called "constructor" or "__proto__".
  let byServer = $state<ReadonlyMap<string, ServerFinding[]>>(new Map());
  let forFile = $state<ServerFinding[]>([]);
  /** Answers older than the newest request are dropped. */
  let asked = 0;

  return {
    /** Findings by server name, the worst first; a name absent has none. */
    get byServer() {
      return byServer;
    },
    /** Findings about the whole config file (no server), the worst first. */
    get forFile() {
      return forFile;
    },
    /** Asks Rust for every server's findings. */
    async load(): Promise<void> {
      const mine = ++asked;
      try {
        const list = await api.serverFindings();
        if (mine !== asked) return;
        const grouped = new Map<string, ServerFinding[]>();
        const file: ServerFinding[] = [];
        for (const finding of list) {
          if (finding.server === null) file.push(finding);
          else grouped.set(finding.server, [...(grouped.get(finding.server) ?? []), finding]);
        }
        byServer = grouped;
        forFile = file;
      } catch {
        // Keep the last answer (an unreadable config is shown by the server list itself).
      }
    },
  };
}

export type ServerFindings = ReturnType<typeof createServerFindings>;
