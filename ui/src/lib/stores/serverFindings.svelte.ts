/**
 * What is wrong with each server's config entry (doctor's config-only checks, run in Rust), by
 * server, the worst first. The view asks again whenever the server list is re-read (after any
 * change, whoever made it). This store never checks an entry itself; a Fix is an ordinary change
 * of the view (undoable), made through `ipc.fixServerFinding`.
 */
import { type ServerFinding, ipc } from "../ipc";

export type ServerFindingsApi = Pick<typeof ipc, "serverFindings">;

export function createServerFindings(api: ServerFindingsApi = ipc) {
  let byServer = $state<Record<string, ServerFinding[]>>({});
  /** Answers older than the newest request are dropped. */
  let asked = 0;

  return {
    /** Findings by server name, the worst first; a name absent has none. */
    get byServer() {
      return byServer;
    },
    /** Asks Rust for every server's findings. */
    async load(): Promise<void> {
      const mine = ++asked;
      try {
        const list = await api.serverFindings();
        if (mine !== asked) return;
        const grouped: Record<string, ServerFinding[]> = {};
        for (const finding of list) (grouped[finding.server] ??= []).push(finding);
        byServer = grouped;
      } catch {
        // Keep the last answer (an unreadable config is shown by the server list itself).
      }
    },
  };
}

export type ServerFindings = ReturnType<typeof createServerFindings>;
