/**
 * The state of the two server forms: Edit (an entry of the config) and the local-server form of
 * Add server. Env rows keep secret values in Rust until the user reveals one (a masked row sends
 * `value: null`, "keep as it is"). Args are typed on one line and split as a shell would. These
 * stores call Rust only through `ipc`; they never write the config themselves.
 */
import { joinArgs, splitArgs } from "../args";
import { nameTaken } from "../servers";
import {
  type ChangeDone,
  type EnvVarInput,
  type LocalAddOutcome,
  type ProbeView,
  type ServerDetails,
  type ServerEditInput,
  ipc,
  newTestRun,
  stopTest,
  toIpcError,
} from "../ipc";

/** One env row of a form. */
export interface EnvRow {
  /** Stable key for the list. */
  id: number;
  name: string;
  value: string;
  /** A secret-looking value, still hidden (in Rust); typing a new value replaces it. */
  masked: boolean;
  /** The name the row had when loaded (to reveal it). */
  loadedName: string | null;
}

let nextRow = 0;

export function envRow(name = "", value = "", masked = false, loadedName: string | null = null): EnvRow {
  return { id: nextRow++, name, value, masked, loadedName };
}

/** The rows as the commands take them: a masked row keeps its value. */
export function envInput(rows: EnvRow[]): EnvVarInput[] {
  return rows
    .filter((row) => row.name.trim() !== "" || row.value !== "")
    .map((row) => ({ name: row.name.trim(), value: row.masked ? null : row.value }));
}

/** `conflict`: the save was refused because the file changed the fields meanwhile (the form
 *  offers to load the file's version). */
type Status = { state: "idle" } | { state: "busy" } | { state: "failed"; message: string; conflict?: boolean };

/** A test of the Edit form's unsaved entry: under way, what the server answered, or why it could not run. */
export type EditTest =
  | { state: "idle" }
  | { state: "testing" }
  | { state: "done"; probe: ProbeView }
  | { state: "failed"; message: string };

/** The Edit form of one server. */
/** The fields both forms show, bound by the components (`bind:value={form.fields.command}`). */
export interface ServerFields {
  name: string;
  command: string;
  /** The args on one line, as typed. */
  args: string;
  url: string;
  env: EnvRow[];
  /** The headers of a remote server run through the bridge (secret values masked like env). */
  headers: EnvRow[];
  /** The CA certificate file a remote server run through the bridge trusts (empty: none). */
  caCert: string;
  /** Plain http:// to another computer allowed (a remote server run through the bridge). */
  allowHttp: boolean;
}

function emptyFields(name = ""): ServerFields {
  return { name, command: "", args: "", url: "", env: [], headers: [], caCert: "", allowHttp: false };
}

/** The rows as the commands take them when they differ from those loaded, else null: "keep as
 *  they are". */
function unlessLoaded(rows: EnvRow[], loaded: EnvRow[] | undefined): EnvVarInput[] | null {
  const input = envInput(rows);
  return loaded && JSON.stringify(input) === JSON.stringify(envInput(loaded)) ? null : input;
}

/** Whether an edit changes anything in the entry (its `loaded` fields say what it started from). */
function touches(input: ServerEditInput): boolean {
  const { loaded: _, ...changes } = input;
  return Object.values(changes).some((value) => value !== null);
}

const sameList = (a: readonly string[], b: readonly string[] | undefined) =>
  b !== undefined && a.length === b.length && a.every((word, i) => word === b[i]);

/** Whether a URL is plain http:// to another computer (this machine's own needs no choice). */
export function isPlainHttpElsewhere(url: string): boolean {
  const match = /^http:\/\/(?:[^@/]*@)?(\[[^\]]*\]|[^:/?#]*)/i.exec(url.trim());
  if (!match) return false;
  const host = match[1].toLowerCase();
  return !(host === "localhost" || host === "[::1]" || /^127\.\d+\.\d+\.\d+$/.test(host));
}

export function createServerEditor(openedFor: string, api = ipc) {
  /** The server's name in the config: the one the form was opened for, unless it was renamed
   *  elsewhere while the form was open (the form follows it, keeping what was typed). */
  let name = openedFor;
  let renamed = $state<{ from: string; to: string } | null>(null);
  let details = $state<ServerDetails | null>(null);
  const fields = $state<ServerFields>(emptyFields(openedFor));
  let status = $state<Status>({ state: "busy" });
  let test = $state<EditTest>({ state: "idle" });
  /** The fields the last test ran on: once they change, its result no longer describes the form. */
  let tested = $state("");
  const typed = $derived(JSON.stringify(fields));
  /** The run of the latest test: Cancel stops it, and an answer for any other run is dropped. */
  let testRun: number | null = null;
  /** The fields as loaded (a value shown since counts as loaded): the form holds changes when
   *  they differ, and a save sends only the args, env and headers the user changed, so a change
   *  made to the others elsewhere (the CLI, an editor) while the form was open is not undone. */
  let loadedFields = $state("");
  const loaded = (): ServerFields | undefined => (loadedFields === "" ? undefined : JSON.parse(loadedFields));

  const remote = $derived(
    details !== null && (details.kind === "remote" || details.kind === "mcp-remote" || details.kind === "url-entry"),
  );
  /** Only a server run through MCP Tray's bridge has headers the form can change. */
  const bridged = $derived(details?.kind === "remote");

  async function load(): Promise<void> {
    status = { state: "busy" };
    try {
      const got = await api.serverDetails(name);
      details = got;
      fields.command = got.command ?? "";
      fields.args = joinArgs(got.args);
      fields.url = got.url ?? "";
      fields.env = got.env.map((v) => envRow(v.name, v.value ?? "", v.secret && v.value === null, v.name));
      fields.headers = got.headers.map((v) => envRow(v.name, v.value ?? "", v.secret && v.value === null, v.name));
      fields.caCert = got.caCert ?? "";
      fields.allowHttp = got.allowHttp;
      loadedFields = JSON.stringify(fields);
      status = { state: "idle" };
    } catch (thrown) {
      status = { state: "failed", message: toIpcError("server_details", thrown).message };
    }
  }

  /** What the form changes, or an error sentence. */
  function change(): ServerEditInput | string {
    const was = loaded();
    const input: ServerEditInput = {
      name: fields.name.trim() === name ? null : fields.name,
      command: null,
      args: null,
      env: null,
      url: null,
      headers: null,
      caCert: null,
      allowHttp: null,
      // What the form started from: Rust refuses to save a field changed here that the file
      // changed meanwhile (another program's change is never overwritten unseen).
      loaded: details && {
        command: details.command,
        args: details.args,
        env: details.env,
        url: details.url,
        headers: details.headers,
        caCert: details.caCert,
        allowHttp: details.allowHttp,
      },
    };
    if (remote) {
      input.url = fields.url.trim() === (details?.url ?? "") ? null : fields.url;
      if (bridged) {
        input.headers = unlessLoaded(fields.headers, was?.headers);
        // Sent only when changed; an emptied field removes it.
        if (fields.caCert.trim() !== (details?.caCert ?? "")) input.caCert = fields.caCert.trim();
        if (fields.allowHttp !== (details?.allowHttp ?? false)) input.allowHttp = fields.allowHttp;
      }
      return input;
    }
    try {
      // Retyped as the same words (another quoting, more spaces) is no change either.
      const args = fields.args === was?.args ? null : splitArgs(fields.args);
      input.args = args === null || sameList(args, details?.args) ? null : args;
    } catch (err) {
      return `Arguments: ${(err as Error).message}`;
    }
    input.command = fields.command.trim() === (details?.command ?? "") ? null : fields.command;
    input.env = unlessLoaded(fields.env, was?.env);
    return input;
  }

  /** Whether the form holds something Save would write: a change to the entry, or a mistake it
   *  would say (an unclosed quote). Typed and typed back, or only spaces around a value, is none. */
  const pending = $derived.by(() => {
    if (loadedFields === "" || typed === loadedFields) return false;
    const input = change();
    return typeof input === "string" || touches(input);
  });

  /** The message of the last reveal that failed, while it is the one shown. */
  let revealFailure: string | null = null;

  /** Shows a masked env or header value of the form (asked of Rust). */
  async function reveal(list: "env" | "headers", row: EnvRow): Promise<void> {
    if (!row.loadedName) return;
    const command = list === "env" ? "reveal_env_value" : "reveal_header_value";
    try {
      const value = await (list === "env" ? api.revealEnvValue : api.revealHeaderValue)(name, row.loadedName);
      // Typed over (a new key) while Rust was asked: what was typed stays, and is saved.
      if (!fields[list].some((r) => r.id === row.id && r.masked)) return;
      const shown = (rows: EnvRow[]) => rows.map((r) => (r.id === row.id ? { ...r, value, masked: false } : r));
      fields[list] = shown(fields[list]);
      // A reveal's own failure said before goes with it (never a failed save's).
      if (revealFailure !== null && status.state === "failed" && status.message === revealFailure) status = { state: "idle" };
      revealFailure = null;
      // Seeing a value changes nothing: the form holds no change for it, and a list only shown
      // is still kept as it is.
      const before = loaded();
      if (before) {
        before[list] = shown(before[list]);
        loadedFields = JSON.stringify(before);
      }
    } catch (thrown) {
      revealFailure = toIpcError(command, thrown).message;
      status = { state: "failed", message: revealFailure };
    }
  }

  return {
    /** The server's name in the config now. */
    get name() {
      return name;
    },
    /** The server was renamed elsewhere while the form was open (null: it was not). */
    get renamed() {
      return renamed;
    },
    /** The server was renamed to `to` elsewhere, its entry as it was (the view compared them): the
     *  form goes on editing it under that name, with what was typed. Its Name field follows,
     *  unless a name was typed there. */
    followRename(to: string): void {
      const from = name;
      if (to === from) return;
      const testedTyped = tested === typed;
      name = to;
      const first = renamed?.from ?? from;
      renamed = first === to ? null : { from: first, to };
      if (fields.name.trim() === from) fields.name = to;
      const before = loaded();
      if (before) {
        before.name = to;
        loadedFields = JSON.stringify(before);
      }
      if (details) details = { ...details, name: to };
      // A test's result still describes the form (only the name moved).
      if (testedTyped) tested = typed;
    },
    get details() {
      return details;
    },
    get status() {
      return status;
    },
    get remote() {
      return remote;
    },
    get bridged() {
      return bridged;
    },
    /** Whether the form holds changes not saved (closing it would lose them): Save is off without. */
    get changed() {
      return pending;
    },
    /** True when the "Allow unencrypted HTTP" choice applies: an http:// URL to another computer, or allowed already. */
    get offersPlainHttp() {
      return bridged && (fields.allowHttp || details?.allowHttp === true || isPlainHttpElsewhere(fields.url));
    },
    fields,
    load,
    /** Shows a masked value (asked of Rust). */
    reveal: (row: EnvRow) => reveal("env", row),
    /** Shows a masked header value (asked of Rust). */
    revealHeader: (row: EnvRow) => reveal("headers", row),
    /** The test of the form as it is now; a result for fields changed since is gone. */
    get test(): EditTest {
      return test.state !== "testing" && tested !== typed ? { state: "idle" } : test;
    },
    /** Tests the server as Save would write it, without writing anything. */
    async runTest(): Promise<void> {
      const input = change();
      tested = typed;
      if (typeof input === "string") {
        testRun = null;
        test = { state: "failed", message: input };
        return;
      }
      test = { state: "testing" };
      const run = newTestRun();
      testRun = run;
      try {
        const probe = await api.testServerEdit(name, input, run);
        if (testRun === run) test = { state: "done", probe };
      } catch (thrown) {
        if (testRun === run) test = { state: "failed", message: toIpcError("test_server_edit", thrown).message };
      }
    },
    /** Stops the test under way and the server it started: its result is dropped. */
    cancelTest(): void {
      if (test.state !== "testing") return;
      test = { state: "idle" };
      testRun = stopTest(api, testRun);
    },
    /** Writes the change; resolves to what was done, or null when it failed (status says why) or
     *  there was nothing to write (then nothing is asked of Rust, and nothing is said). */
    async save(): Promise<ChangeDone | null> {
      const input = change();
      if (typeof input === "string") {
        status = { state: "failed", message: input };
        return null;
      }
      if (!touches(input)) {
        status = { state: "idle" };
        return null;
      }
      status = { state: "busy" };
      try {
        const done = await api.editServer(name, input);
        status = { state: "idle" };
        return done;
      } catch (thrown) {
        const error = toIpcError("edit_server", thrown);
        status = { state: "failed", message: error.message, conflict: error.code === "edit-conflict" };
        return null;
      }
    },
  };
}

export type ServerEditor = ReturnType<typeof createServerEditor>;

/** The local-server form of Add server: tested first, written when the test passes, or after a
 *  failed test when the person asks to add it anyway (tested again, written whatever it finds).
 *  `takenNames`: the names the config holds (disabled servers too), for the live check of Name. */
export function createLocalServerForm(api = ipc, takenNames: () => readonly string[] = () => []) {
  const fields = $state<ServerFields>(emptyFields());
  let phase = $state<
    | { state: "editing" }
    | { state: "testing" }
    | { state: "done"; outcome: LocalAddOutcome; name: string }
    | { state: "failed"; message: string }
  >({ state: "editing" });
  /** Whether the entry runs through MCP Tray's tap (its traffic recorded): on unless unticked. */
  let capture = $state(true);
  /** The fields as they were written: submitting them again would only be refused. */
  let written = $state<string | null>(null);
  /** The run of the latest test: Cancel stops it, and an answer for any other run is dropped. */
  let testRun: number | null = null;
  const unchanged = $derived(written !== null && written === JSON.stringify(fields));
  /** The form (fields and Capture) a failed test or a problem was about, while one is shown. */
  let resultOf = $state<string | null>(null);
  const formNow = () => JSON.stringify([fields, capture]);
  /** What the form shows: a result that wrote nothing goes once any field changes, as the Add
   *  card's does, since it no longer describes the form; Add anyway would otherwise write an entry
   *  whose test found who knows what. (Typed back to what was tested, it describes it again.) */
  const shown = $derived(resultOf !== null && resultOf !== formNow() ? ({ state: "editing" } as const) : phase);
  /** Why Name cannot be taken, said as it is typed (as the Add card does), else null. (Not for the
   *  fields just written: that server is the one holding the name now.) */
  const taken = $derived.by(() => {
    const name = fields.name.trim();
    return name !== "" && !unchanged && takenNames().includes(name) ? nameTaken(name) : null;
  });

  const submittable = () =>
    fields.name.trim() !== "" && fields.command.trim() !== "" && phase.state !== "testing" && !unchanged && taken === null;

  return {
    fields,
    get phase() {
      return shown;
    },
    get capture() {
      return capture;
    },
    set capture(on: boolean) {
      capture = on;
    },
    /** Why the name typed is already used (a sentence), else null: the form cannot be submitted then. */
    get nameTaken() {
      return taken;
    },
    get canSubmit() {
      return submittable();
    },
    /** Whether Add anyway can be pressed: the last test failed, nothing was written, and the
     *  fields could be submitted. */
    get canAddAnyway() {
      return shown.state === "done" && shown.outcome.written === null && submittable();
    },
    /** Tests the server and, when it answers (or `anyway`: whatever it finds), writes it; resolves
     *  to true when written. */
    async submit(anyway = false): Promise<boolean> {
      let list: string[];
      try {
        list = splitArgs(fields.args);
      } catch (err) {
        phase = { state: "failed", message: `Arguments: ${(err as Error).message}` };
        resultOf = formNow();
        return false;
      }
      const sent = JSON.stringify(fields);
      const run = newTestRun();
      testRun = run;
      phase = { state: "testing" };
      resultOf = null;
      try {
        const outcome = await api.addLocalServer(
          {
            name: fields.name.trim(),
            command: fields.command.trim(),
            args: list,
            env: envInput(fields.env).map((v) => ({ name: v.name, value: v.value ?? "" })),
            capture,
          },
          run,
          anyway,
        );
        // Cancelled meanwhile: dropped, unless it had been written before the cancel arrived.
        if (testRun !== run && outcome.written === null) return false;
        // A whole command line typed in Command was split by Rust: the fields show what ran.
        let tested = sent;
        if (outcome.split) {
          fields.command = outcome.split.command;
          fields.args = joinArgs(outcome.split.args);
          tested = JSON.stringify(fields);
        }
        phase = { state: "done", outcome, name: fields.name.trim() };
        written = outcome.written !== null ? tested : null;
        // What was added stays said while the next server is typed; a failed test only while the
        // form still holds what it tested.
        resultOf = outcome.written !== null ? null : formNow();
        return outcome.written !== null;
      } catch (thrown) {
        if (testRun === run) {
          phase = { state: "failed", message: toIpcError("add_local_server", thrown).message };
          resultOf = formNow();
        }
        return false;
      }
    },
    /** Stops the test under way and the server it started; nothing is written. */
    cancel(): void {
      if (phase.state !== "testing") return;
      phase = { state: "editing" };
      testRun = stopTest(api, testRun);
    },
    /** Empties the form for the next server. */
    reset(): void {
      Object.assign(fields, emptyFields());
      capture = true;
      phase = { state: "editing" };
      written = null;
      resultOf = null;
    },
  };
}

export type LocalServerFormState = ReturnType<typeof createLocalServerForm>;
