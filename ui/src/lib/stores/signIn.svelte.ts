/**
 * Sign-ins waiting for the person: the servers whose bridges handed their sign-in to the app, and
 * for each whether a sign-in is under way or what went wrong. The list comes from Rust (loaded at
 * start, then pushed whenever it changes); a finished sign-in drops out of it because storing the
 * tokens clears the request. A sign-in of a server in Claude's config (the banner's, a row's) that
 * worked leaves a `notice`: signed in, and that Claude Desktop, which may have given up on the
 * server when it was refused, tries it again once restarted (with the restart, where the app can).
 * Every call goes through the injected api (ipc.ts); no token ever reaches this store.
 */
import {
  type SignInPhase,
  type SignInPhaseChanged,
  type SignInRequestView,
  type SignedIn,
  type SignedInFromTray,
  ipc,
  toIpcError,
} from "../ipc";
import { createClaudeRestart } from "./addServer.svelte";

export type SignInApi = Pick<
  typeof ipc,
  | "signInRequests"
  | "signIn"
  | "dismissSignIn"
  | "cancelSignIn"
  | "openSignInPage"
  | "onSignInPhaseChanged"
  | "onSignedInFromTray"
  | "restartClaude"
>;

export type { SignInPhase };

/** A sign-in for Claude that worked, said until dismissed (or the server asks again). */
export interface SignInNotice {
  name: string;
  serverUrl: string;
  /** Whether MCP Tray can restart Claude Desktop here. */
  restartSupported: boolean;
}

export function createSignIn(api: SignInApi = ipc) {
  let requests = $state<SignInRequestView[]>([]);
  let phases = $state<Record<string, SignInPhase>>({});
  let notice = $state<SignInNotice | null>(null);
  /** Lists pushed so far: a read answered after a push is older than it, and dropped. */
  let pushes = 0;
  const restart = createClaudeRestart(api);

  /** Takes a new list of requests: a failure of a request that is gone (dismissed, or signed in
   *  elsewhere: the CLI, another window) is forgotten, so a request that comes again later does
   *  not open with the old failure. */
  function listed(list: SignInRequestView[]): void {
    const now = new Set(list.map((r) => r.serverUrl));
    const gone = requests.filter((r) => !now.has(r.serverUrl) && phases[r.serverUrl]?.state === "failed");
    if (gone.length > 0) {
      const next = { ...phases };
      for (const r of gone) delete next[r.serverUrl];
      phases = next;
    }
    requests = list;
  }

  /** Signs in; resolves to what Rust answered, or null when it failed or was cancelled. `worked`
   *  runs with the request's removal (one update: the banner never goes without what replaces it). */
  async function run(name: string, serverUrl: string, worked: (done: SignedIn) => void = () => {}): Promise<SignedIn | null> {
    phases = { ...phases, [serverUrl]: { state: "signing-in" } };
    try {
      const done = await api.signIn(name, serverUrl);
      phases = { ...phases, [serverUrl]: { state: "idle" } };
      requests = requests.filter((r) => r.serverUrl !== serverUrl);
      worked(done);
      return done;
    } catch (thrown) {
      const err = toIpcError("sign_in", thrown);
      // Cancelled by the person: back to the request as it was offered.
      const phase: SignInPhase = err.code === "sign-in-cancelled" ? { state: "idle" } : { state: "failed", message: err.message };
      phases = { ...phases, [serverUrl]: phase };
      return null;
    }
  }

  return {
    get requests() {
      return requests;
    },
    phase(serverUrl: string): SignInPhase {
      return phases[serverUrl] ?? { state: "idle" };
    },
    /** Reads the pending sign-ins (at start, once pushes are followed). A list pushed while the
     *  read was under way is newer than its answer (the folder watch pushes every change, in
     *  order): that answer is dropped. */
    async load(): Promise<void> {
      const before = pushes;
      try {
        const list = await api.signInRequests();
        if (pushes === before) listed(list);
      } catch {
        // Keep what is known; the next change is pushed.
      }
    },
    /** Follows the sign-ins Rust runs, also those started from the tray (one that worked leaves
     *  the same notice as the window's own); resolves to a stop function. */
    async follow(): Promise<() => void> {
      const stops = await Promise.all([
        api.onSignInPhaseChanged((change: SignInPhaseChanged) => {
          phases = { ...phases, [change.serverUrl]: change.phase };
        }),
        api.onSignedInFromTray(({ name, serverUrl, restartSupported }: SignedInFromTray) => {
          restart.reset();
          notice = { name, serverUrl, restartSupported };
        }),
      ]);
      // Tauri's stop functions answer with a promise: a failed one is nothing to act on here.
      return () => {
        for (const stop of stops) void Promise.resolve(stop() as unknown).catch(() => {});
      };
    },
    /** The pending sign-ins as Rust pushed them. */
    receive(list: SignInRequestView[]): void {
      pushes += 1;
      listed(list);
      // Asked again: "Signed in" no longer holds.
      if (notice && list.some((r) => r.serverUrl === notice?.serverUrl)) {
        notice = null;
        restart.reset();
      }
    },
    /** Signs in to a server (the browser opens); resolves to whether it worked. */
    async signIn(name: string, serverUrl: string): Promise<boolean> {
      return (await run(name, serverUrl)) !== null;
    },
    /** Signs in to a server of Claude's config (the banner's Sign in, a row's): when it worked,
     *  `notice` says so, and what to do next. */
    async signInForClaude(name: string, serverUrl: string): Promise<boolean> {
      const done = await run(name, serverUrl, ({ restartSupported }) => {
        restart.reset();
        notice = { name, serverUrl, restartSupported };
      });
      return done !== null;
    },
    /** The last sign-in for Claude that worked, until dismissed. */
    get notice(): SignInNotice | null {
      return notice;
    },
    dismissNotice(): void {
      notice = null;
      restart.reset();
    },
    /** Restarting Claude Desktop from the notice, and how it went. */
    get restart() {
      return restart.state;
    },
    restartClaude(): Promise<void> {
      return restart.restart();
    },
    /** Stops the sign-in under way (the pending signIn call then resolves to false). */
    async cancel(serverUrl: string): Promise<void> {
      await api.cancelSignIn(serverUrl).catch(() => {});
    },
    /** Opens the browser (again) at the sign-in page. */
    async openAgain(serverUrl: string): Promise<void> {
      try {
        await api.openSignInPage(serverUrl);
      } catch (thrown) {
        phases = { ...phases, [serverUrl]: { state: "failed", message: toIpcError("open_sign_in_page", thrown).message } };
      }
    },
    /** Hides a request until the server asks again. */
    async dismiss(serverUrl: string): Promise<void> {
      listed(requests.filter((r) => r.serverUrl !== serverUrl));
      await api.dismissSignIn(serverUrl).catch(() => {});
    },
  };
}

export type SignIn = ReturnType<typeof createSignIn>;
