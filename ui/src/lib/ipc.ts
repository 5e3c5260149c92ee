/**
 * The one door from the UI to Rust. Every command call goes through `ipc`, which wraps the
 * bindings generated from the Rust command signatures (`bindings.ts`, never edited by hand) and
 * turns every failure into an `IpcError` with a stable code and a message a person can read.
 * Components and stores import from here, never from `bindings.ts` or `@tauri-apps/api`; the
 * system's file dialog (the one thing the window may ask of a plugin) is opened from here too.
 */
import { Channel } from "@tauri-apps/api/core";
import { open } from "@tauri-apps/plugin-dialog";
import {
  type ConfigChanged,
  type Folder,
  type JournalRetention,
  type KeptServerList,
  type LocalServerInput,
  type LogRow,
  type RemoteOptions,
  type Result,
  type ServerEditInput,
  type SignInPhaseChanged,
  type SignedInFromTray,
  type SignInRequestView,
  type TrafficBatch,
  type TrayActionFailed,
  type TrayNavigate,
  commands,
  events,
} from "./bindings";

export type {
  AddOutcome,
  AddPreview,
  AppPaths,
  ChangeDone,
  ConfigChanged,
  ConfigSource,
  DiagnosisView,
  EnvVarInput,
  EnvVarView,
  EvidenceSource,
  FindingSeverity,
  Folder,
  JournalRetention,
  JournalSettings,
  KeptServerList,
  KeptServerView,
  KeptState,
  LocalAddOutcome,
  LocalServerInput,
  LogRow,
  ProbeView,
  ProcessView,
  RemoteOptions,
  ServerDetails,
  ServerEditInput,
  ServerFinding,
  ServerHealth,
  ServerOverview,
  ServerKind,
  ServerSummary,
  SignInPhase,
  SignInPhaseChanged,
  SignInRequestView,
  SignedIn,
  SignedInFromTray,
  StatusEvidence,
  ToolView,
  TrafficBatch,
  TrafficRow,
  TrayNavigate,
} from "./bindings";

/** A failed command call: `code` is stable (for logic), `message` is for people. */
export class IpcError extends Error {
  readonly command: string;
  readonly code: string;

  constructor(command: string, code: string, message: string) {
    super(message);
    this.name = "IpcError";
    this.command = command;
    this.code = code;
  }
}

function isCodedError(value: unknown): value is { code: string; message: string } {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { code?: unknown }).code === "string" &&
    typeof (value as { message?: unknown }).message === "string"
  );
}

/** Shapes whatever a command call threw (a `{code, message}` from Rust, a string, an Error). */
export function toIpcError(command: string, thrown: unknown): IpcError {
  if (thrown instanceof IpcError) return thrown;
  if (isCodedError(thrown)) return new IpcError(command, thrown.code, thrown.message);
  if (typeof thrown === "string") return new IpcError(command, "ipc-failed", thrown);
  if (thrown instanceof Error) return new IpcError(command, "ipc-failed", thrown.message);
  return new IpcError(command, "ipc-failed", `The app did not answer ${command}.`);
}

let lastTestRun = 0;
/** A number of its own for a test (or the tests of one pasted text), for `api.cancelTest`. */
export function newTestRun(): number {
  lastTestRun = (lastTestRun + 1) % 0xffff_ffff;
  return lastTestRun;
}

/**
 * Asks Rust to stop the tests of `run`, if there is one, and gives null (no run under way). The
 * test's answer is dropped by its caller whatever happens; a failure to stop it leaves only the
 * test's own timeout.
 */
export function stopTest(api: { cancelTest: (run: number) => Promise<void> }, run: number | null): null {
  if (run !== null) void api.cancelTest(run).catch(() => undefined);
  return null;
}

async function call<T>(command: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (thrown) {
    throw toIpcError(command, thrown);
  }
}

/** Unwraps a command's typed `Result`, throwing its error (a `{code, message}`) as an IpcError. */
async function callResult<T, E>(command: string, run: () => Promise<Result<T, E>>): Promise<T> {
  const result = await call(command, run);
  if (result.status === "error") throw toIpcError(command, result.error);
  return result.data;
}

/** Every command the UI may call, and every event it may listen to. */
export const ipc = {
  /** Where the Claude Desktop config file and MCP Tray's data dir are. */
  appPaths: () => callResult("app_paths", () => commands.appPaths()),
  /** Switches to the config file Claude Desktop reads (for this run); resolves to the paths now in use. */
  useClaudeConfig: () => callResult("use_claude_config", () => commands.useClaudeConfig()),
  /** The servers of the config in use, then those disabled through MCP Tray. */
  listServers: () => callResult("list_servers", () => commands.listServers()),
  /** What a pasted URL, `npx mcp-remote` line or JSON snippet would add (names suggested). */
  previewAdd: (text: string, name: string | null, options: RemoteOptions | null = null) =>
    callResult("preview_add", () => commands.previewAdd(text, name, options)),
  /** Starts the pasted server (or, of several, the one named `server`) as Claude would and lists its
   * tools, or says why it fails. `run` (from `newTestRun()`) lets `cancelTest` stop it. */
  probeAdd: (
    text: string,
    name: string | null,
    server: string | null = null,
    options: RemoteOptions | null = null,
    run: number | null = null,
  ) => callResult("probe_add", () => commands.probeAdd(text, name, server, options, run)),
  /** Stops the tests started under `run` now, with the servers they started. */
  cancelTest: (run: number) => call("cancel_test", () => commands.cancelTest(run)),
  /** Writes the pasted servers into Claude's config. */
  addServers: (text: string, name: string | null, options: RemoteOptions | null = null) =>
    callResult("add_servers", () => commands.addServers(text, name, options)),
  /** Quits and relaunches Claude Desktop (fails with `restart-unsupported` where there is none). */
  restartClaude: () => callResult("restart_claude", () => commands.restartClaude()),
  /** Enables (back into Claude's config) or disables (kept aside by MCP Tray) a server. */
  setServerEnabled: (name: string, enabled: boolean) =>
    callResult("set_server_enabled", () => commands.setServerEnabled(name, enabled)),
  /** Removes a server from Claude's config, or a disabled one from MCP Tray's store (undoable). */
  removeServer: (name: string) => callResult("remove_server", () => commands.removeServer(name)),
  /** Turns traffic capture on (tap) or off (untap: the original entry back byte for byte). */
  setServerCaptured: (name: string, captured: boolean) =>
    callResult("set_server_captured", () => commands.setServerCaptured(name, captured)),
  /** Starts a server of the config as Claude would and lists its tools, or says why not. */
  testServer: (name: string, run: number | null = null) => callResult("test_server", () => commands.testServer(name, run)),
  /** Each server's config mistakes (checks that start nothing), the worst first within a server. */
  serverFindings: () => callResult("server_findings", () => commands.serverFindings()),
  /** Applies the fix of a fixable finding of a server (`null`: of the whole file) in one undoable
   * write; resolves to what was done. */
  fixServerFinding: (server: string | null, code: string) =>
    callResult("fix_server_finding", () => commands.fixServerFinding(server, code)),
  /** Each server's status (and where it came from) and, while the window shows, its CPU and memory. */
  serverOverview: () => call("server_overview", () => commands.serverOverview()),
  /** The local servers MCP Tray keeps running itself, with their state. */
  keptServers: () => call("kept_servers", () => commands.keptServers()),
  /** Keeps a local server running in MCP Tray, or stops running it (its whole process tree). */
  setServerKept: (name: string, keep: boolean) => callResult("set_server_kept", () => commands.setServerKept(name, keep)),
  /** Restarts a server MCP Tray keeps running. */
  restartKeptServer: (name: string) => callResult("restart_kept_server", () => commands.restartKeptServer(name)),
  /** Calls `handler` with the kept servers whenever one changes; resolves to a stop function. */
  onKeptServersChanged: (handler: (list: KeptServerList) => void): Promise<() => void> =>
    events.keptServersChanged.listen((event) => handler(event.payload.list)),
  /** A server of the config for the Edit form (secret-looking env values masked). */
  serverDetails: (name: string) => callResult("server_details", () => commands.serverDetails(name)),
  /** One env value of a server, when the user asks to see it. */
  revealEnvValue: (name: string, key: string) => callResult("reveal_env_value", () => commands.revealEnvValue(name, key)),
  /** One header value of a remote server, when the user asks to see it. */
  revealHeaderValue: (name: string, header: string) =>
    callResult("reveal_header_value", () => commands.revealHeaderValue(name, header)),
  /** Changes a server's command, args, env, URL, headers or name (one undoable write). */
  editServer: (name: string, change: ServerEditInput) => callResult("edit_server", () => commands.editServer(name, change)),
  /** Tests a server as the Edit form would save it (nothing is written). */
  testServerEdit: (name: string, change: ServerEditInput, run: number | null = null) =>
    callResult("test_server_edit", () => commands.testServerEdit(name, change, run)),
  /**
   * Opens the system's file dialog to choose a CA certificate: its full path, or null when
   * cancelled. Every file is shown: a filter's extensions become `*.ext` patterns on Linux, so an
   * "All files" filter there would still hide a certificate saved without an extension (`ca`).
   */
  chooseCertificateFile: (): Promise<string | null> =>
    call("plugin:dialog|open", async () => {
      const chosen = await open({ title: "Choose the CA certificate", multiple: false, directory: false });
      return typeof chosen === "string" ? chosen : null;
    }),
  /** Finds the command, tests the server and, when it answers (or `anyway`: Add anyway), writes it into Claude's config. */
  addLocalServer: (server: LocalServerInput, run: number | null = null, anyway = false) =>
    callResult("add_local_server", () => commands.addLocalServer(server, run, anyway)),
  /** Whether MCP Tray starts at login. */
  getStartAtLogin: () => callResult("get_start_at_login", () => commands.getStartAtLogin()),
  /** Turns start at login on or off; resolves to the new state. */
  setStartAtLogin: (enabled: boolean) => callResult("set_start_at_login", () => commands.setStartAtLogin(enabled)),
  /** What the journals record: redaction on or off, and how much traffic each keeps. */
  journalSettings: () => callResult("journal_settings", () => commands.journalSettings()),
  /** Turns redaction of secrets in the journals on or off; resolves to the settings now. */
  setRedaction: (enabled: boolean) => callResult("set_redaction", () => commands.setRedaction(enabled)),
  /** Changes how much traffic the journals keep (refused out of bounds); resolves to the settings now. */
  setJournalRetention: (retention: JournalRetention) =>
    callResult("set_journal_retention", () => commands.setJournalRetention(retention)),
  /** Opens one of the folders Settings shows in the system's file manager. */
  openFolder: (folder: Folder) => callResult("open_folder", () => commands.openFolder(folder)),
  /** Removes the byte-order mark the config file starts with (undoable). */
  removeConfigBom: () => callResult("remove_config_bom", () => commands.removeConfigBom()),
  /** Converts a config file saved as UTF-16 to UTF-8 (undoable). */
  convertConfigToUtf8: () => callResult("convert_config_to_utf8", () => commands.convertConfigToUtf8()),
  /** Writes twice the single backslashes of Windows paths typed into the config file (undoable). */
  doubleConfigBackslashes: () => callResult("double_config_backslashes", () => commands.doubleConfigBackslashes()),
  /** Undoes MCP Tray's last change to the config file; resolves to what was undone. With the
   * history id of the change the Undo bar names, refuses (`changed-since`) when a later one came
   * or the file was changed elsewhere since. */
  undoLastChange: (expected: number | null = null) =>
    callResult("undo_last_change", () => commands.undoLastChange(expected)),
  /** Streams every server's traffic to `onBatch`: the journals' history first, then live batches. */
  streamTraffic: (onBatch: (batch: TrafficBatch) => void) => {
    const channel = new Channel<TrafficBatch>();
    channel.onmessage = onBatch;
    return call("stream_traffic", () => commands.streamTraffic(channel));
  },
  /** Streams Claude's logs merged with our journals' events to `onBatch`, recent history first. */
  streamLogs: (onBatch: (rows: LogRow[]) => void) => {
    const channel = new Channel<LogRow[]>();
    channel.onmessage = onBatch;
    return call("stream_logs", () => commands.streamLogs(channel));
  },
  /** Saves JSON lines as an export file in the data dir; resolves to its path. */
  exportTraffic: (lines: string) => callResult("export_traffic", () => commands.exportTraffic(lines)),
  /** Calls `handler` whenever the config file changes on disk, with whether MCP Tray's last
   *  change is still what it holds; resolves to a stop function. */
  onConfigChanged: (handler: (news: ConfigChanged) => void): Promise<() => void> =>
    events.configChanged.listen((event) => handler(event.payload)),
  /** The servers whose bridges wait for the person to sign in. */
  signInRequests: () => callResult("sign_in_requests", () => commands.signInRequests()),
  /** Signs in to a server in the app (system browser); resolves once the tokens are stored, with
   *  whether MCP Tray can restart Claude Desktop here. */
  signIn: (name: string, serverUrl: string) => callResult("sign_in", () => commands.signIn(name, serverUrl)),
  /** Stops a sign-in under way; the request stays offered. */
  cancelSignIn: (serverUrl: string) => call("cancel_sign_in", () => commands.cancelSignIn(serverUrl)),
  /** Opens the browser again at the page of a sign-in under way. */
  openSignInPage: (serverUrl: string) => callResult("open_sign_in_page", () => commands.openSignInPage(serverUrl)),
  /** Forgets a sign-in request for now (a bridge started later asks again). */
  dismissSignIn: (serverUrl: string) => callResult("dismiss_sign_in", () => commands.dismissSignIn(serverUrl)),
  /** Calls `handler` with the pending sign-ins whenever they change; resolves to a stop function. */
  onSignInRequestsChanged: (handler: (requests: SignInRequestView[]) => void): Promise<() => void> =>
    events.signInRequestsChanged.listen((event) => handler(event.payload.requests)),
  /** Calls `handler` whenever a sign-in of the app (from the banner or the tray) changes phase. */
  onSignInPhaseChanged: (handler: (change: SignInPhaseChanged) => void): Promise<() => void> =>
    events.signInPhaseChanged.listen((event) => handler(event.payload)),
  /** Calls `handler` when a sign-in started from the tray worked (the window has been shown). */
  onSignedInFromTray: (handler: (done: SignedInFromTray) => void): Promise<() => void> =>
    events.signedInFromTray.listen((event) => handler(event.payload)),
  /** Calls `handler` when a tray menu item asks for a view (and maybe a server). */
  onTrayNavigate: (handler: (to: TrayNavigate) => void): Promise<() => void> =>
    events.trayNavigate.listen((event) => handler(event.payload)),
  /** Calls `handler` with why a tray menu action failed (the window has been shown). */
  onTrayActionFailed: (handler: (failure: TrayActionFailed) => void): Promise<() => void> =>
    events.trayActionFailed.listen((event) => handler(event.payload)),
};
