/** A scripted api for the "Add server" flow's tests, and what it answers. */
import type { AddOutcome, AddPreview, ProbeView, ServerSummary } from "../ipc";
import type { AddApi, AddSignIn } from "./addServer.svelte";

export function remote(name: string, url: string): ServerSummary {
  return { name, enabled: true, kind: "remote", url, command: "/bin/mcp-tray", args: [], problem: null };
}

export function local(name: string, command: string): ServerSummary {
  return { name, enabled: true, kind: "local", url: null, command, args: [], problem: null };
}

export function probeView(ok: boolean): ProbeView {
  return {
    ok,
    serverName: "everything",
    serverVersion: "1",
    transport: "streamable-http",
    tools: ok ? [{ name: "echo", description: null }] : [],
    diagnosis: ok
      ? null
      : {
          code: "connection-refused",
          severity: "error",
          server: "x",
          summary: "nothing listens",
          detail: "",
          fix: "start it",
          sign_in: false,
        },
    stderrTail: [],
    totalMs: 12,
  };
}

/** A scripted api that records what it was asked, in order. */
export function fakeApi(opts: { preview?: AddPreview; probeOk?: boolean; taken?: string[]; restartSupported?: boolean } = {}) {
  const calls: string[] = [];
  /** The run each probe was started under, and the runs cancelled. */
  const runs: (number | null)[] = [];
  const cancelled: number[] = [];
  const api: AddApi = {
    previewAdd: async (text, name) => {
      calls.push(`preview ${name ?? "-"}`);
      if (!text.includes("://")) throw { code: "bad-snippet", message: `no URL found in "${text}"` };
      return (
        opts.preview ?? {
          entries: [remote(name ?? "example", text)],
          notes: [],
          refused: [],
          taken: opts.taken ?? [],
        }
      );
    },
    probeAdd: async (_text, _name, _server, _options, run) => {
      calls.push("probe");
      runs.push(run ?? null);
      return probeView(opts.probeOk ?? true);
    },
    cancelTest: async (run) => {
      calls.push("cancel");
      cancelled.push(run);
    },
    addServers: async (_text, name, options) => {
      calls.push(`write ${name ?? "-"}`);
      const entries = opts.preview?.entries ?? [remote(name ?? "example", "")];
      const outcome: AddOutcome = {
        added: entries.map((e) => e.name),
        written: "/c.json",
        restartSupported: opts.restartSupported ?? false,
        captured: options?.capture ? entries.filter((e) => e.kind === "local").map((e) => e.name) : [],
        change: { done: `add ${entries.map((e) => e.name).join(", ")}`, historyId: 1 },
      };
      return outcome;
    },
    restartClaude: async () => {
      calls.push("restart");
      throw { code: "restart-unsupported", message: "There is no official Claude Desktop for this OS" };
    },
  };
  return { api, calls, runs, cancelled };
}

/** The app's sign-in as the flow sees it: signs in at once, unless a test says otherwise. */
export function fakeSignIn(overrides: Partial<AddSignIn> = {}): AddSignIn {
  return {
    signIn: async () => true,
    phase: () => ({ state: "idle" }),
    cancel: async () => {},
    openAgain: async () => {},
    ...overrides,
  };
}
