/**
 * The "Add server" flow as reactive state: what was pasted, the name (suggested until the user
 * types one; a field the user empties stays empty, and the server is added under the suggestion it
 * shows as its placeholder), what the text would add, then probe → write → offer to restart Claude.
 *
 * `add()` probes every server the text holds, one after the other, before writing any; a failing
 * probe stops the flow with its diagnosis (every server's result, for a snippet of several) and
 * offers `addAnyway()` or another try (`add()` again). `cancel()` while testing drops the pending
 * results and goes back to editing. Servers that all answer are written at once. A single server that asks for
 * a sign-in offers `signInAndAdd()`:
 * sign in from the app, then test and write it; `cancel()` while the browser is open stops the
 * sign-in and offers it again (the server is not in the config yet, so nothing else would).
 * Every call goes through the injected api (ipc.ts).
 * This store never builds config entries: Rust does, from the same text.
 */
import { type AddOutcome, type AddPreview, type ChangeDone, type ProbeView, type RemoteOptions, ipc, newTestRun, stopTest, toIpcError } from "../ipc";
import type { SignIn, SignInPhase } from "./signIn.svelte";

export type AddApi = Pick<typeof ipc, "previewAdd" | "probeAdd" | "cancelTest" | "addServers" | "restartClaude">;

/** How many servers of a pasted snippet are tested at once. */
export const PROBES_AT_ONCE = 6;

/** What the flow needs of the app's sign-in (signIn.svelte.ts). */
export type AddSignIn = Pick<SignIn, "signIn" | "phase" | "cancel" | "openAgain">;

/** One server of a snippet holding several, and what its probe found. */
export type ServerProbe = { name: string; probe: ProbeView };

/** How the tests of a snippet's servers (all at once) are going: the ones still running. */
export type ProbeProgress = { waiting: string[]; done: number; total: number };

export type AddPhase =
  | { state: "editing" }
  | { state: "probing"; progress?: ProbeProgress }
  | {
      state: "probe-failed";
      /** The (first) failing probe. */
      probe: ProbeView;
      signInError?: string;
      /** Every server's result, when the text holds several. */
      results?: ServerProbe[];
    }
  | { state: "signing-in"; probe: ProbeView; url: string }
  | { state: "writing"; probe?: ProbeView; results?: ServerProbe[] }
  | { state: "added"; outcome: AddOutcome; probe?: ProbeView; results?: ServerProbe[] }
  | { state: "failed"; code: string; message: string };

export type RestartState =
  | { state: "idle" }
  | { state: "restarting" }
  | { state: "done" }
  | { state: "failed"; code: string; message: string };

export type PreviewState =
  | { state: "empty" }
  | { state: "ready"; value: AddPreview }
  | { state: "invalid"; code: string; message: string };

/** A server of a snippet that could not be probed at all, as a failed probe saying why. */
function notProbed(name: string, error: { code: string; message: string }): ProbeView {
  return {
    ok: false,
    serverName: null,
    serverVersion: null,
    transport: null,
    tools: [],
    diagnosis: { code: error.code, severity: "error", server: name, summary: error.message, detail: "", fix: null },
    stderrTail: [],
    totalMs: 0,
  };
}

/** Delay after the last keystroke before the text is read again. */
export const PREVIEW_DELAY_MS = 150;

/** How long the text stays as typed before why it cannot be read is said: not at each keystroke
 *  of a URL still being typed ("no URL found in "h""). */
export const PROBLEM_DELAY_MS = 1000;

/** The error code of a text refused only for plain HTTP to another computer. */
export const PLAIN_HTTP = "plain-http";

/** Whether the text is a WebSocket URL (ws://, wss://, any case, and the first letter after it):
 *  its scheme says at once that it cannot be added, so that is read and said without waiting for
 *  a pause in the typing. (The scheme alone is no URL yet: Rust finds none in "wss://".) */
export function isWebSocketUrl(text: string): boolean {
  return /^wss?:\/\/\S/i.test(text.trimStart());
}

/** The diagnosis code of a server that wants a sign-in first. */
export const SIGN_IN_NEEDED = "auth-required";

/**
 * Restart Claude Desktop after an add, and how it went: the remote card's offer, and the local
 * form's.
 */
export function createClaudeRestart(api: Pick<AddApi, "restartClaude"> = ipc) {
  let state = $state<RestartState>({ state: "idle" });
  return {
    get state() {
      return state;
    },
    async restart(): Promise<void> {
      state = { state: "restarting" };
      try {
        await api.restartClaude();
        state = { state: "done" };
      } catch (thrown) {
        const error = toIpcError("restart_claude", thrown);
        state = { state: "failed", code: error.code, message: error.message };
      }
    },
    reset(): void {
      state = { state: "idle" };
    },
  };
}

export function createAddServer(
  api: AddApi = ipc,
  onAdded: (change: ChangeDone) => void = () => {},
  signIn?: AddSignIn,
) {
  let text = $state("");
  /** The Name field as the user left it; null until they type in it. Emptied ("") is typed too: the
   * field stays empty (the suggestion is its placeholder) instead of the suggestion coming back under
   * the cursor and being typed onto. */
  let typedName = $state<string | null>(null);
  /** The CA certificate file of a remote server signed by a private CA (empty: none). */
  let caCert = $state("");
  /** Plain http:// to another computer, allowed by the user (off unless chosen). */
  let allowHttp = $state(false);
  /** Local servers of the text run through MCP Tray's tap (their traffic captured): on unless unticked. */
  let capture = $state(true);
  let preview = $state<PreviewState>({ state: "empty" });
  /** The text `preview` was read from (the field may have been typed on since). */
  let previewText = $state("");
  let phase = $state<AddPhase>({ state: "editing" });
  const restart = createClaudeRestart(api);
  let generation = 0;
  /** Bumped by each `add()`, sign-in and `cancel()`: a probe or sign-in that answers for an older one is dropped. */
  let attempt = 0;
  /** The run of the tests under way, for Cancel to stop them (and the servers they started). */
  let testRun: number | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  /** Whether the text is no longer being typed (paused, left, pasted, or Add pressed): only then
   *  is a problem reading it said. */
  let settled = $state(true);
  let settleTimer: ReturnType<typeof setTimeout> | undefined;
  function settle(): void {
    if (settleTimer !== undefined) clearTimeout(settleTimer);
    settleTimer = undefined;
    settled = true;
  }

  /** The name sent to Rust: the one typed, or none (an empty field: Rust suggests one). */
  const nameArg = () => (typedName === null || typedName.trim() === "" ? null : typedName.trim());
  /** The name the preview gives a single server: while the Name field is empty, Rust's suggestion. */
  const suggestedName = () =>
    preview.state === "ready" && preview.value.entries.length === 1 ? preview.value.entries[0].name : "";
  /** How the bridge reaches a remote server, and whether a local one is captured, as the form's fields say. */
  const options = (): RemoteOptions => ({ caCert: caCert.trim() === "" ? null : caCert.trim(), allowHttp, capture });
  /** A field that changes what would be written makes an earlier result stale. */
  function edited(): void {
    if (phase.state !== "probing" && phase.state !== "writing" && phase.state !== "signing-in") phase = { state: "editing" };
  }

  async function refreshPreview(): Promise<void> {
    const mine = ++generation;
    const read = text;
    if (read.trim() === "") {
      preview = { state: "empty" };
      previewText = read;
      return;
    }
    try {
      const value = await api.previewAdd(read, nameArg(), options());
      if (mine === generation) {
        preview = { state: "ready", value };
        previewText = read;
      }
    } catch (thrown) {
      if (mine === generation) {
        const error = toIpcError("preview_add", thrown);
        preview = { state: "invalid", code: error.code, message: error.message };
        previewText = read;
      }
    }
  }

  function schedulePreview(): void {
    if (timer !== undefined) clearTimeout(timer);
    // A WebSocket URL is refused for its scheme alone: read at once (reading is local, no network).
    if (isWebSocketUrl(text)) {
      timer = undefined;
      void refreshPreview();
      return;
    }
    timer = setTimeout(() => void refreshPreview(), PREVIEW_DELAY_MS);
  }

  async function write(probe?: ProbeView, results?: ServerProbe[]): Promise<void> {
    phase = { state: "writing", probe, results };
    try {
      const outcome = await api.addServers(text, nameArg(), options());
      phase = { state: "added", outcome, probe, results };
      onAdded(outcome.change);
    } catch (thrown) {
      const error = toIpcError("add_servers", thrown);
      phase = { state: "failed", code: error.code, message: error.message };
    }
  }

  /** Probes each server of a text holding several, in order; writes them when all answered. */
  async function probeEach(names: string[], mine: number, run: number): Promise<void> {
    // Together: a snippet of slow first `npx` starts takes about as long as its slowest, not
    // their sum.
    const waiting = new Set(names);
    const show = () => {
      if (mine === attempt) phase = { state: "probing", progress: { waiting: [...waiting], done: names.length - waiting.size, total: names.length } };
    };
    show();
    const probeOne = async (name: string): Promise<ServerProbe> => {
      let probe: ProbeView;
      try {
        probe = await api.probeAdd(text, nameArg(), name, options(), run);
      } catch (thrown) {
        // It could not even be started (no command…): its result says why; the others go on.
        probe = notProbed(name, toIpcError("probe_add", thrown));
      }
      waiting.delete(name);
      show();
      return { name, probe };
    };
    // At most PROBES_AT_ONCE started together (a pasted list of hundreds must not start
    // hundreds of servers), the next as soon as one answers; results in the snippet's order.
    const results: ServerProbe[] = new Array(names.length);
    let next = 0;
    const worker = async () => {
      while (next < names.length && mine === attempt) {
        const at = next++;
        results[at] = await probeOne(names[at]);
      }
    };
    await Promise.all(Array.from({ length: Math.min(PROBES_AT_ONCE, names.length) }, worker));
    if (mine !== attempt) return;
    const failed = results.find((r) => !r.probe.ok);
    if (failed) {
      phase = { state: "probe-failed", probe: failed.probe, results };
      return;
    }
    await write(undefined, results);
  }

  return {
    get text() {
      return text;
    },
    set text(value: string) {
      text = value;
      edited();
      schedulePreview();
      settled = false;
      if (settleTimer !== undefined) clearTimeout(settleTimer);
      settleTimer = setTimeout(settle, PROBLEM_DELAY_MS);
    },
    /** The text is complete as it is (pasted, or the field left): a problem reading it is said now. */
    settle,
    /**
     * Why the text cannot be added, once it is no longer being typed: the first letters of a URL
     * are no URL yet. Said after a pause in the typing, once the field is left, at once for a
     * pasted text, and on Add. A plain http:// address on another computer is a whole URL: that
     * is said at once, with its choice (offersPlainHttp). So is a WebSocket URL (ws://, wss://):
     * its scheme alone refuses it (once the text read is that URL, not the letters before it).
     */
    get problem(): { code: string; message: string } | null {
      if (preview.state !== "invalid") return null;
      const atOnce = preview.code === PLAIN_HTTP || (isWebSocketUrl(previewText) && isWebSocketUrl(text));
      return settled || atOnce ? { code: preview.code, message: preview.message } : null;
    },
    /** The CA certificate field (remote servers run through the bridge). */
    get caCert() {
      return caCert;
    },
    set caCert(value: string) {
      caCert = value;
      edited();
    },
    /** The "Allow unencrypted HTTP" choice. */
    get allowHttp() {
      return allowHttp;
    },
    set allowHttp(value: boolean) {
      allowHttp = value;
      edited();
      schedulePreview();
    },
    /** True when the text is refused only for plain HTTP to another computer (or that was allowed). */
    get offersPlainHttp() {
      return allowHttp || (preview.state === "invalid" && preview.code === PLAIN_HTTP);
    },
    get capture() {
      return capture;
    },
    set capture(value: boolean) {
      capture = value;
    },
    /** The local servers (run by their command) the text adds: the capture choice is theirs. */
    get localNames() {
      return preview.state === "ready" ? preview.value.entries.filter((e) => e.kind === "local").map((e) => e.name) : [];
    },
    /** True when the text adds a remote server run through MCP Tray's bridge (it takes the remote options). */
    get remote() {
      return preview.state === "ready" && preview.value.entries.some((e) => e.kind === "remote");
    },
    /** The name field: what the user typed (maybe emptied), else the suggested name. */
    get name() {
      return typedName ?? suggestedName();
    },
    set name(value: string) {
      typedName = value;
      schedulePreview();
    },
    /** The name an empty Name field adds the server under (its placeholder), so that none is written unseen. */
    get suggestedName() {
      return suggestedName();
    },
    get preview() {
      return preview;
    },
    get phase() {
      return phase;
    },
    get restart() {
      return restart.state;
    },
    /** True when Add would do something: one or more servers, none with a taken name (after a failed test: test again). */
    get canAdd() {
      return (
        preview.state === "ready" &&
        preview.value.entries.length > 0 &&
        preview.value.taken.length === 0 &&
        (phase.state === "editing" || phase.state === "failed" || phase.state === "probe-failed")
      );
    },
    /** Reads the text now (skipping the typing delay); resolves when the preview is current. */
    refreshPreview,
    /** Probes the server (each server, when there are several), then writes them if all answered. */
    async add(): Promise<void> {
      if (timer !== undefined) clearTimeout(timer);
      settle();
      const mine = ++attempt;
      const refusedShown = preview.state === "ready" ? preview.value.refused.join("\n") : "";
      await refreshPreview();
      // (A name typed just before, now read, may be taken: the card says so, nothing is tested.)
      if (mine !== attempt || preview.state !== "ready" || preview.value.entries.length === 0 || preview.value.taken.length > 0) return;
      // Entries of the snippet that will not be added, not on the card when Add was pressed: shown
      // first, and the next Add goes on without them.
      if (preview.value.refused.length > 0 && preview.value.refused.join("\n") !== refusedShown) return;
      const run = newTestRun();
      testRun = run;
      if (preview.value.entries.length > 1) return probeEach(preview.value.entries.map((e) => e.name), mine, run);
      phase = { state: "probing" };
      let probe: ProbeView;
      try {
        probe = await api.probeAdd(text, nameArg(), null, options(), run);
      } catch (thrown) {
        if (mine !== attempt) return;
        const error = toIpcError("probe_add", thrown);
        phase = { state: "failed", code: error.code, message: error.message };
        return;
      }
      if (mine !== attempt) return;
      if (!probe.ok) {
        phase = { state: "probe-failed", probe };
        return;
      }
      await write(probe);
    },
    /** True when the probe found the server wants a sign-in and one can be done from here. */
    get canSignIn() {
      return (
        signIn !== undefined &&
        phase.state === "probe-failed" &&
        phase.probe.diagnosis?.code === SIGN_IN_NEEDED &&
        phase.probe.diagnosis.sign_in &&
        preview.state === "ready" &&
        preview.value.entries.length === 1 &&
        preview.value.entries[0].url !== null
      );
    },
    /** Signs in to the server from the app (the browser opens), then tests and writes it. */
    async signInAndAdd(): Promise<void> {
      if (!this.canSignIn || phase.state !== "probe-failed" || preview.state !== "ready") return;
      const entry = preview.value.entries[0];
      const probe = phase.probe;
      const url = entry.url ?? "";
      const mine = ++attempt;
      phase = { state: "signing-in", probe, url };
      const signedIn = await signIn?.signIn(entry.name, url);
      // Cancelled from the card meanwhile: it is editable again, and stays as the user left it.
      if (mine !== attempt) return;
      if (!signedIn) {
        const after = signIn?.phase(url);
        phase = { state: "probe-failed", probe, signInError: after?.state === "failed" ? after.message : undefined };
        return;
      }
      await this.add();
    },
    /** Opens the browser again at the sign-in page (its tab was closed, or it never came up). */
    async openSignInAgain(): Promise<void> {
      if (phase.state === "signing-in") await signIn?.openAgain(phase.url);
    },
    /** Why the sign-in under way is in trouble (the browser could not be opened again), if it is. */
    get signInTrouble(): string | undefined {
      if (phase.state !== "signing-in") return undefined;
      const now = signIn?.phase(phase.url);
      return now?.state === "failed" ? now.message : undefined;
    },
    /** Where the sign-in under way is (a browser opened at its page, or the page none could be
     *  opened at), as Rust tells it; idle when none is under way. */
    get signInPhase(): SignInPhase {
      if (phase.state !== "signing-in") return { state: "idle" };
      return signIn?.phase(phase.url) ?? { state: "idle" };
    },
    /** The sign-in page no browser could be opened at, while the sign-in waits: to be opened by hand. */
    get signInPage(): string | undefined {
      if (phase.state !== "signing-in") return undefined;
      const now = signIn?.phase(phase.url);
      return now?.state === "signing-in" ? (now.unopenedPage ?? undefined) : undefined;
    },
    /**
     * Stops the test under way and the servers it started, or the sign-in under way (back to its
     * offer, without waiting for the browser's time limit); the text can be edited again.
     */
    cancel(): void {
      if (phase.state === "signing-in") {
        attempt++;
        const url = phase.url;
        phase = { state: "probe-failed", probe: phase.probe };
        void signIn?.cancel(url);
        return;
      }
      if (phase.state !== "probing") return;
      attempt++;
      phase = { state: "editing" };
      testRun = stopTest(api, testRun);
    },
    /** Writes the server(s) although a probe failed (it may need a sign-in, or be down now). */
    addAnyway(): Promise<void> {
      if (phase.state !== "probe-failed") return write();
      return phase.results ? write(undefined, phase.results) : write(phase.probe);
    },
    restartClaude(): Promise<void> {
      return restart.restart();
    },
    /** Clears the field for the next server. */
    reset(): void {
      settle();
      // A preview under way (or due) is of the text cleared: its answer must not fill the card.
      generation += 1;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      text = "";
      typedName = null;
      caCert = "";
      allowHttp = false;
      capture = true;
      preview = { state: "empty" };
      previewText = "";
      phase = { state: "editing" };
      restart.reset();
    },
  };
}

export type AddServer = ReturnType<typeof createAddServer>;
