//! Probes: start a server the way Claude Desktop would, speak MCP to it as a client, and report
//! what it is and how long each step took, or why it failed.
//!
//! Every target is a stdio command: a local server's own, a config entry exactly as written (for
//! a remote entry that is `mcp-tray bridge URL …`, so the probe goes through the same bridge
//! Claude uses), or, for a bare URL, the bridge started by the probe. The probe initializes, lists
//! tools (all pages), resources and prompts when offered, and stops the server with the spec's
//! shutdown. It answers the server's own requests politely (`ping`, `roots/list`) and never
//! calls a tool. Failures become [`Diagnosis`] values: `command-not-found`, `exited-early` (with
//! the server's last stderr lines), `timeout`, and whatever a bridge reported
//! (`connection-refused`, `auth-required`, `tls-error`…).

use std::collections::VecDeque;
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use serde::Serialize;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};

use crate::config::ServerEntry;
use crate::diagnose::{Diagnosis, Severity, TAP_IN_A_TERMINAL, codes, fix_for};
use crate::redact::{mask_args, mask_url};
use crate::supervise::{CommandResolver, ServerCommand, StdioChild, StdioPipes, shell_line};

/// The protocol version the probe asks for; servers answer with the one they speak.
pub const PROBE_PROTOCOL_VERSION: &str = "2025-11-25";
/// How a probe's timeout advice ends at a terminal (the app has no `--timeout` to raise).
pub const RAISE_TIMEOUT: &str = ", or raise --timeout";
/// Stderr lines kept for a diagnosis.
const STDERR_KEPT: usize = 12;

/// What to probe.
#[derive(Debug, Clone)]
pub struct ProbeTarget {
    /// How to name it to the user: `github (remote: https://…)`.
    pub label: String,
    pub command: ServerCommand,
}

/// Read by `mcp-tray bridge` for its retry count. A probe sets it to [`PROBE_BRIDGE_RETRIES`]:
/// someone is waiting for the answer, and a refused connection should say so in a fraction of a
/// second, not after the ~7 s of retries that cover a server starting beside Claude.
pub const BRIDGE_RETRIES_ENV: &str = "MCP_TRAY_BRIDGE_RETRIES";
/// Retries of a probed bridge: one, for a server that is just binding its port.
pub const PROBE_BRIDGE_RETRIES: &str = "1";

/// Set on a test of an entry that is not saved yet (the Edit form's Test): MCP Tray's own shim
/// (`mcp-tray bridge` / `wrap`) then journals nothing, so what the test found is never taken for
/// the saved server's status or traffic, which the journal is read for under the same name.
pub const NO_JOURNAL_ENV: &str = "MCP_TRAY_NO_JOURNAL";

/// Set on every probe's bridge (`probe`, `doctor`, the app's Test): a check must not start a
/// sign-in as a side effect (a browser opening, or the app's "Sign in" banner for a server
/// Claude did not ask for). A server that needs one is reported as such; the user signs in with
/// `mcp-tray auth login` or the app's Sign in button.
pub const NO_SIGN_IN_ENV: &str = "MCP_TRAY_NO_SIGN_IN";

/// Set on every probe's command (`probe`, `doctor`, the app's Test and the tests of the Add
/// flow): MCP Tray's shim then marks each line it journals `"check": true`, so a check's session is
/// told apart from Claude Desktop's, which the journal is read for (Traffic shows it as a test;
/// a server's status and doctor's journal findings leave it out).
pub const CHECK_ENV: &str = "MCP_TRAY_CHECK";

/// Whether this process was started by one of MCP Tray's checks ([`CHECK_ENV`]).
pub fn checking() -> bool {
    std::env::var_os(CHECK_ENV).is_some_and(|v| !v.is_empty())
}

/// Whether this process is a probe's bridge, which starts no sign-in ([`NO_SIGN_IN_ENV`]).
pub fn sign_in_off() -> bool {
    std::env::var_os(NO_SIGN_IN_ENV).is_some_and(|v| !v.is_empty())
}

/// Whether this process was started by a test that must journal nothing ([`NO_JOURNAL_ENV`]).
pub fn journal_off() -> bool {
    std::env::var_os(NO_JOURNAL_ENV).is_some_and(|v| !v.is_empty())
}

/// The stderr lines of `last` but the shim's own that say `message` again (its error, and its
/// retry warning before it): the summary says it once.
fn not_restating(last: &str, message: &str) -> String {
    last.lines()
        .filter(|line| {
            let Some((_, said)) = line
                .strip_prefix("mcp-tray ")
                .and_then(|rest| rest.split_once("]: "))
            else {
                return true;
            };
            let said = ["error (", "warning ("]
                .iter()
                .find_map(|p| said.strip_prefix(p)?.split_once("): ").map(|(_, t)| t))
                .unwrap_or(said);
            !(said == message || said.starts_with(&format!("{message}; ")))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Whether the server's command is a package runner (`npx`, `uvx`…, also behind MCP Tray's tap),
/// which may download the server at its first start: the one case where a timeout may pass by
/// itself.
fn may_download(cmd: &ServerCommand) -> bool {
    const RUNNERS: &[&str] = &[
        "npx", "uvx", "bunx", "pnpx", "pipx", "uv", "pnpm", "yarn", "bun", "deno", "docker",
        "podman",
    ];
    let words: Vec<&str> = std::iter::once(cmd.command.as_str())
        .chain(cmd.args.iter().map(String::as_str))
        .collect();
    // `mcp-tray wrap --name N -- CMD …`: the server's command comes after `--`.
    let program = match words.get(1) {
        Some(&"wrap") => words
            .iter()
            .position(|w| *w == "--")
            .and_then(|i| words.get(i + 1))
            .copied(),
        _ => words.first().copied(),
    };
    program.is_some_and(|p| {
        // Windows names are any case: `NPX.CMD`.
        let base = p
            .rsplit(['/', '\\'])
            .next()
            .unwrap_or(p)
            .to_ascii_lowercase();
        let base = base
            .strip_suffix(".cmd")
            .or_else(|| base.strip_suffix(".exe"))
            .unwrap_or(&base);
        RUNNERS.contains(&base)
    })
}

/// Whether a probe's command is MCP Tray's bridge (`… bridge URL`, given its retry count by
/// [`retry_less`]): a remote server, reached without a download.
fn through_bridge(cmd: &ServerCommand) -> bool {
    cmd.args.first().is_some_and(|a| a == "bridge") && cmd.env.contains_key(BRIDGE_RETRIES_ENV)
}

/// A probed bridge's retry count, unless its entry sets one itself; and no sign-in started by
/// it ([`NO_SIGN_IN_ENV`]).
fn retry_less(cmd: &mut ServerCommand) {
    cmd.env
        .entry(BRIDGE_RETRIES_ENV.to_owned())
        .or_insert_with(|| PROBE_BRIDGE_RETRIES.to_owned());
    cmd.env.insert(NO_SIGN_IN_ENV.to_owned(), "1".to_owned());
}

/// A probe's command, marked as a check's for MCP Tray's shim ([`CHECK_ENV`]).
fn mark_check(cmd: &mut ServerCommand) {
    cmd.env.insert(CHECK_ENV.to_owned(), "1".to_owned());
}

/// A command line as a probe's label shows it (printed, journaled, in `--json`): its credentials
/// masked, as `list` shows them.
fn shown_line(command: &str, args: &[String]) -> String {
    shell_line(command, &mask_args(args))
}

impl ProbeTarget {
    /// The same target, its MCP Tray shim journaling nothing ([`NO_JOURNAL_ENV`]): for an entry
    /// that is not saved yet.
    pub fn unjournaled(mut self) -> Self {
        self.command
            .env
            .insert(NO_JOURNAL_ENV.to_owned(), "1".to_owned());
        self
    }

    /// The same target, its bridge allowed to start a sign-in when the server asks for one
    /// (`probe --sign-in`): a probe's bridge starts none ([`NO_SIGN_IN_ENV`]).
    pub fn signing_in(mut self) -> Self {
        self.command.env.remove(NO_SIGN_IN_ENV);
        self
    }

    /// A local command.
    pub fn command(name: &str, command: &str, args: &[String]) -> Self {
        let mut cmd = ServerCommand::new(name, command, &[]);
        cmd.args = args.to_vec();
        mark_check(&mut cmd);
        ProbeTarget {
            label: format!("{name} ({})", shown_line(command, args)),
            command: cmd,
        }
    }

    /// A remote URL, through MCP Tray's bridge (`exe`), given `bridge_args` too (`--header`,
    /// `--ca-cert`…).
    pub fn url(name: &str, url: &str, bridge_args: &[String], exe: &Path) -> Self {
        let mut args = vec![
            "bridge".to_owned(),
            url.to_owned(),
            "--name".to_owned(),
            name.to_owned(),
        ];
        args.extend_from_slice(bridge_args);
        let mut cmd = ServerCommand::new(name, exe.to_string_lossy(), &[]);
        cmd.args = args;
        retry_less(&mut cmd);
        mark_check(&mut cmd);
        ProbeTarget {
            label: format!("{name} (remote: {})", mask_url(url)),
            command: cmd,
        }
    }

    /// A config entry, started exactly as Claude Desktop would start it.
    pub fn entry(entry: &ServerEntry) -> Option<Self> {
        // An entry Claude cannot load (a field of the wrong type) is not tested as if it could.
        if matches!(entry.kind, crate::config::EntryKind::Invalid { .. }) {
            return None;
        }
        let command = entry.command.as_ref()?;
        let mut cmd = ServerCommand::new(&entry.name, command, &[]);
        cmd.args = entry.args.clone();
        cmd.env = entry.env.clone();
        // Not in the folder the probe runs from, where a relative path in the entry would be
        // found: Claude, started from the Dock or the Start menu, would not find it.
        cmd.cwd = Some(claude_s_folder());
        mark_check(&mut cmd);
        if matches!(entry.kind, crate::config::EntryKind::Remote { .. }) {
            // MCP Tray's own bridge: started as Claude would, but it gives up sooner.
            retry_less(&mut cmd);
        }
        let what = match &entry.kind {
            crate::config::EntryKind::Remote { url }
            | crate::config::EntryKind::McpRemote { url } => {
                format!("remote: {}", mask_url(url))
            }
            // The server's own command, as `list` shows it, not MCP Tray's `wrap` around it.
            crate::config::EntryKind::Tapped { command, args } => {
                format!("{}, through MCP Tray's tap", shown_line(command, args))
            }
            _ => shown_line(command, &entry.args),
        };
        Some(ProbeTarget {
            label: format!("{} ({what})", entry.name),
            command: cmd,
        })
    }
}

/// The folder a server of an entry starts in, as Claude Desktop starts it: not the user's own
/// (an app started from the Dock, a launcher or the Start menu has none). `/` on macOS and Linux,
/// a GUI app's working folder there; on Windows, where Claude runs in a folder of its own install
/// (under the local app data folder: one the user can write to, which holds no server either),
/// that local app data folder.
pub fn claude_s_folder() -> std::path::PathBuf {
    #[cfg(windows)]
    {
        std::env::var_os("LOCALAPPDATA")
            .map(std::path::PathBuf::from)
            .unwrap_or_else(std::env::temp_dir)
    }
    #[cfg(not(windows))]
    {
        std::path::PathBuf::from("/")
    }
}

/// Why [`ProbeTarget::entry`] gave no target for `entry`, in words.
pub fn not_startable(entry: &ServerEntry) -> String {
    match &entry.kind {
        crate::config::EntryKind::Invalid { reason } => {
            format!(
                "\"{}\" is not an entry Claude can start: {reason}",
                entry.name
            )
        }
        _ => format!("\"{}\" has no command Claude could start", entry.name),
    }
}

/// One step of a probe and how long it took.
#[derive(Debug, Clone, Serialize)]
pub struct ProbeStep {
    /// `start`, `initialize`, `tools/list`, `resources/list`, `prompts/list`.
    pub step: String,
    pub ms: f64,
    pub ok: bool,
    /// What it found, in words: `mcp-fetch 1.2.0, protocol 2025-06-18`, `3 tools`.
    pub summary: String,
}

/// A tool the server offers.
#[derive(Debug, Clone, Serialize)]
pub struct ProbeTool {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// Everything a probe learnt.
#[derive(Debug, Clone, Serialize)]
pub struct ProbeReport {
    pub target: String,
    pub ok: bool,
    pub steps: Vec<ProbeStep>,
    pub server_name: Option<String>,
    pub server_version: Option<String>,
    pub protocol_version: Option<String>,
    /// For remote servers: `streamable-http` or `sse`, as the bridge chose.
    pub transport: Option<String>,
    pub capabilities: Value,
    pub tools: Vec<ProbeTool>,
    pub resources: Option<usize>,
    pub prompts: Option<usize>,
    pub diagnosis: Option<Diagnosis>,
    /// The server's last stderr lines.
    pub stderr_tail: Vec<String>,
    pub total_ms: f64,
}

/// Probes `target`: each step may take up to `timeout`.
pub async fn probe(
    target: &ProbeTarget,
    resolver: &CommandResolver,
    timeout: Duration,
) -> ProbeReport {
    probe_observed(target, resolver, timeout, |_| {}).await
}

/// [`probe`], telling `on_start` the server's pid once it runs (the app shows the CPU and memory
/// of the servers it runs itself, probes included).
pub async fn probe_observed(
    target: &ProbeTarget,
    resolver: &CommandResolver,
    timeout: Duration,
    on_start: impl FnOnce(u32) + Send,
) -> ProbeReport {
    // Nothing stops it: it runs to its end.
    probe_until(target, resolver, timeout, on_start, std::future::pending())
        .await
        .unwrap_or_else(|| empty_report(&target.label))
}

/// [`probe_observed`], given up when `stop` resolves (the CLI's Ctrl-C, a signal): the server is
/// then stopped as at the end of a probe (its input closed, then SIGTERM and SIGKILL to its
/// whole tree), waited for, and `None` answered. A process that simply exited on the signal
/// would leave a server that hangs or ignores its input's end running, with its children.
pub async fn probe_until(
    target: &ProbeTarget,
    resolver: &CommandResolver,
    timeout: Duration,
    on_start: impl FnOnce(u32) + Send,
    stop: impl std::future::Future<Output = ()> + Send,
) -> Option<ProbeReport> {
    let mut report = probe_unmasked(target, resolver, timeout, on_start, stop).await?;
    // The credentials the server is started with, wherever it repeats them (its stderr, an error
    // it answered with, a line on its stdout): a probe's report is what people paste into an
    // issue. What reads as a credential by itself is masked where each text is made.
    let known = crate::redact::known_secrets(
        &target.command.args,
        target
            .command
            .env
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str())),
    );
    if !known.is_empty() {
        let mask = |text: &mut String| {
            if let std::borrow::Cow::Owned(masked) =
                crate::redact::mask_known(text.as_bytes(), &known, false)
            {
                *text = String::from_utf8_lossy(&masked).into_owned();
            }
        };
        report.stderr_tail.iter_mut().for_each(mask);
        report.steps.iter_mut().for_each(|s| mask(&mut s.summary));
        if let Some(d) = &mut report.diagnosis {
            mask(&mut d.summary);
            mask(&mut d.detail);
            if let Some(fix) = &mut d.fix {
                mask(fix);
            }
        }
    }
    Some(report)
}

async fn probe_unmasked(
    target: &ProbeTarget,
    resolver: &CommandResolver,
    timeout: Duration,
    on_start: impl FnOnce(u32) + Send,
    stop: impl std::future::Future<Output = ()> + Send,
) -> Option<ProbeReport> {
    let started = Instant::now();
    let mut report = empty_report(&target.label);
    let name = target.command.name.clone();
    let t = Instant::now();
    let spawned = resolver
        .resolve(&target.command.command, target.command.cwd.as_deref())
        .and_then(|resolved| {
            StdioChild::spawn(&target.command, &resolved).map_err(|e| {
                Box::new(Diagnosis::new(
                    codes::EXITED_EARLY,
                    Severity::Error,
                    format!("{} could not be started: {e}", target.command.command),
                ))
            })
        });
    let mut child = match spawned {
        Ok(child) => child,
        Err(d) => {
            report
                .steps
                .push(step("start", t, false, d.summary.clone()));
            report.diagnosis = Some(d.server(&name));
            report.total_ms = ms(started);
            return Some(report);
        }
    };
    report
        .steps
        .push(step("start", t, true, format!("pid {}", child.pid())));
    on_start(child.pid());

    let stderr_kept: Arc<Mutex<VecDeque<String>>> = Arc::default();
    if let Some(stderr) = child.take_stderr() {
        let kept = stderr_kept.clone();
        tokio::spawn(async move {
            // Read to its end, whatever its bytes: a reader that stopped at one not UTF-8 would
            // leave the server writing into a closed pipe, and a misleading early exit.
            let mut reader = BufReader::new(stderr);
            while let Some(line) = crate::supervise::next_stderr_line(&mut reader).await {
                let mut kept = kept.lock().unwrap_or_else(PoisonError::into_inner);
                if kept.len() == STDERR_KEPT {
                    kept.pop_front();
                }
                kept.push_back(line);
            }
        });
    }
    let (Some(stdin), Some(stdout)) = (child.take_stdin(), child.take_stdout()) else {
        report.diagnosis = Some(
            Diagnosis::new(codes::EXITED_EARLY, Severity::Error, "no stdio pipes").server(&name),
        );
        return Some(report);
    };
    let mut client = Client {
        stdin,
        stdout: BufReader::new(stdout),
        next_id: 1,
        timeout,
    };

    let outcome = tokio::select! {
        outcome = run_steps(&mut client, &mut report) => Some(outcome),
        () = stop => None,
    };
    drop(client);
    let exit = child.shutdown(Duration::from_secs(1)).await.ok();
    let outcome = outcome?;
    // Let the stderr reader take the last lines.
    tokio::time::sleep(Duration::from_millis(20)).await;
    // Shown and quoted masked: a server that fails often prints the credential it was given
    // ("GITHUB_TOKEN=ghp_… is invalid"). The lines of MCP Tray's own shims are masked already,
    // and their advice holds placeholders that must stay (`Authorization: Bearer TOKEN`).
    report.stderr_tail = stderr_kept
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .iter()
        .map(|line| {
            if line.starts_with("mcp-tray bridge [") || line.starts_with("mcp-tray wrap [") {
                line.clone()
            } else {
                crate::redact::mask_text(line).into_owned()
            }
        })
        .collect();
    report.transport = transport_from(&report.stderr_tail);
    match outcome {
        Ok(()) => report.ok = true,
        Err(failure) => {
            let status = exit.map_or_else(|| "an unknown status".to_owned(), |e| e.describe());
            let started = if through_bridge(&target.command) {
                Started::Remote
            } else if may_download(&target.command) {
                Started::MayDownload
            } else {
                Started::Local
            };
            let d = failure.diagnosis(&status, &report.stderr_tail.join("\n"), timeout, started);
            if let Some(last) = report.steps.last_mut().filter(|s| !s.ok) {
                last.summary = format!("[{}]", d.code);
            }
            report.diagnosis = Some(d.server(&name));
        }
    }
    report.total_ms = ms(started);
    Some(report)
}

/// A report of nothing done yet.
fn empty_report(target: &str) -> ProbeReport {
    ProbeReport {
        target: target.to_owned(),
        ok: false,
        steps: Vec::new(),
        server_name: None,
        server_version: None,
        protocol_version: None,
        transport: None,
        capabilities: Value::Null,
        tools: Vec::new(),
        resources: None,
        prompts: None,
        diagnosis: None,
        stderr_tail: Vec::new(),
        total_ms: 0.0,
    }
}

enum Failure {
    /// The server closed stdout during this step.
    Closed(String),
    Timeout(String),
    /// A JSON-RPC error reply; `code` is its diagnosis code.
    Error {
        step: String,
        message: String,
        code: String,
    },
    /// Not JSON on stdout: the step, and the line.
    Garbage(String, String),
}

/// How the probed server was started, for what a timeout may mean.
#[derive(Clone, Copy)]
enum Started {
    /// MCP Tray's bridge to a remote server, which downloads nothing before it answers.
    Remote,
    /// A package runner (`npx`, `uvx`…), which may be downloading the server.
    MayDownload,
    /// Any other local command.
    Local,
}

impl Failure {
    /// The diagnosis of this failure; `status` is how the process ended (when it did) and `last`
    /// its last stderr lines. `remote`: the target is MCP Tray's bridge to a remote server, which
    /// downloads nothing before it answers.
    fn diagnosis(self, status: &str, last: &str, timeout: Duration, started: Started) -> Diagnosis {
        match self {
            Failure::Closed(step_name) => {
                let summary = format!("the server exited ({status}) during {step_name}");
                // `npx` of a package npm's registry does not have: named, with its own fix,
                // rather than left among npm's boilerplate in the detail.
                let lines: Vec<&str> = last.lines().collect();
                let mut d = match crate::diagnose::missing_package(&lines) {
                    Some(missing) => Diagnosis::new(
                        codes::EXITED_EARLY,
                        Severity::Error,
                        format!("{summary}: {}", missing.summary()),
                    )
                    .fix(missing.fix()),
                    None => Diagnosis::new(codes::EXITED_EARLY, Severity::Error, summary).fix(
                        "run the command in a terminal to see why it stops; check its arguments and env",
                    ),
                };
                if !last.is_empty() {
                    d = d.detail(format!("its last stderr lines:\n{last}"));
                }
                d
            }
            Failure::Timeout(step_name) => {
                let secs = timeout.as_secs_f64();
                let fix = match started {
                    Started::Remote => format!(
                        "the server did not answer within {secs:.0} s: check that it is up and not overloaded, then try again{RAISE_TIMEOUT}"
                    ),
                    Started::MayDownload => format!(
                        "a first start may download packages (npx, uvx): try again{RAISE_TIMEOUT}"
                    ),
                    Started::Local => format!(
                        "run its command in a terminal to see whether it starts and answers, or what it waits for{RAISE_TIMEOUT}"
                    ),
                };
                Diagnosis::new(
                    codes::TIMEOUT,
                    Severity::Error,
                    format!("no answer to {step_name} within {secs:.0} s"),
                )
                .detail(last.to_owned())
                .fix(fix)
            }
            Failure::Error {
                step,
                message,
                code,
            } => {
                // A shim that could not start its server (the tap's command not found) puts its
                // fix in the message, for Claude Desktop, which shows the message alone: taken
                // apart here, so that the fix is said once, as the fix. A remote failure
                // (refused, TLS, 401…) reaches us as its code alone.
                let (message, given) = match message.split_once(". Fix: ") {
                    Some((said, fix)) => (said.to_owned(), Some(fix.to_owned())),
                    None => (message, None),
                };
                let fix = given.or_else(|| fix_for(&code, &message).map(str::to_owned));
                let d = Diagnosis::new(&code, Severity::Error, format!("{step} failed: {message}"))
                    .detail(not_restating(last, &message));
                match fix {
                    Some(fix) => d.fix(fix),
                    None => d,
                }
            }
            Failure::Garbage(step_name, line) => Diagnosis::new(
                codes::STDOUT_POLLUTION,
                Severity::Error,
                format!(
                    "the server wrote something that is not JSON-RPC to stdout during {step_name}"
                ),
            )
            .detail(format!("it wrote: {}", polluting_line(&line)))
            .fix(format!("servers must print logs to stderr, never stdout; MCP Tray's tap (Capture traffic{TAP_IN_A_TERMINAL}) keeps such lines out of Claude's way")),
        }
    }
}

/// The line a server polluted its stdout with, as it can be shown: its credentials masked, cut to
/// [`POLLUTION_SHOWN`] characters.
fn polluting_line(line: &str) -> String {
    let masked = crate::redact::mask_text(line.trim_end());
    match masked.char_indices().nth(POLLUTION_SHOWN) {
        Some((cut, _)) => format!("{}…", &masked[..cut]),
        None => masked.into_owned(),
    }
}

/// How much of a polluting line a diagnosis shows.
const POLLUTION_SHOWN: usize = 200;

/// What a server kept running by MCP Tray answered after it started.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SessionReady {
    pub server_name: Option<String>,
    pub server_version: Option<String>,
    pub tools: usize,
}

/// Holds a client session with one incarnation of a supervised server (the supervisor's
/// [`StdioPipes`]): initialize, `notifications/initialized`, tools/list (each step within
/// `timeout`), then `on_ready` with what it answered or why it did not. After that the session
/// stays open, answering the server's own requests (`ping`, `roots/list`) as they come and
/// sending nothing of its own (no ping loop), until the server closes its stdout; holding its
/// stdin open is what keeps an MCP server running. `name` names the server in a diagnosis.
///
/// A server that exits during the handshake is reported as `exited-early` without a status (the
/// supervisor's exit report has it); one that never answers as `timeout`, and keeps running.
pub async fn keep_session(
    name: &str,
    pipes: StdioPipes,
    timeout: Duration,
    on_ready: impl FnOnce(Result<SessionReady, Diagnosis>),
) {
    let mut client = Client {
        stdin: pipes.stdin,
        stdout: BufReader::new(pipes.stdout),
        next_id: 1,
        timeout,
    };
    let mut report = empty_report(name);
    match run_steps(&mut client, &mut report).await {
        Ok(()) => on_ready(Ok(SessionReady {
            server_name: report.server_name,
            server_version: report.server_version,
            tools: report.tools.len(),
        })),
        Err(failure) => {
            let closed = matches!(failure, Failure::Closed(_));
            on_ready(Err(failure
                .diagnosis("without answering", "", timeout, Started::MayDownload)
                .server(name)));
            if closed {
                return;
            }
        }
    }
    client.serve_until_closed().await;
}

async fn run_steps<W: AsyncWrite + Unpin, R: AsyncRead + Unpin>(
    client: &mut Client<W, R>,
    report: &mut ProbeReport,
) -> Result<(), Failure> {
    let t = Instant::now();
    let init = client
        .call(
            "initialize",
            json!({
                "protocolVersion": PROBE_PROTOCOL_VERSION,
                "capabilities": {},
                "clientInfo": {"name": "mcp-tray-probe", "version": env!("CARGO_PKG_VERSION")},
            }),
        )
        .await
        .inspect_err(|_| {
            report
                .steps
                .push(step("initialize", t, false, String::new()))
        })?;
    report.server_name = init["serverInfo"]["name"].as_str().map(str::to_owned);
    report.server_version = init["serverInfo"]["version"].as_str().map(str::to_owned);
    report.protocol_version = init["protocolVersion"].as_str().map(str::to_owned);
    report.capabilities = init["capabilities"].clone();
    report.steps.push(step(
        "initialize",
        t,
        true,
        format!(
            "{} {}, protocol {}",
            report.server_name.as_deref().unwrap_or("unnamed server"),
            report.server_version.as_deref().unwrap_or(""),
            report.protocol_version.as_deref().unwrap_or("?")
        )
        .replace("  ", " "),
    ));
    client
        .notify("notifications/initialized")
        .await
        .map_err(|()| Failure::Closed("notifications/initialized".into()))?;

    let caps = report.capabilities.clone();
    if caps.get("tools").is_some() {
        let t = Instant::now();
        let items = client
            .list_all("tools/list", "tools")
            .await
            .inspect_err(|_| {
                report
                    .steps
                    .push(step("tools/list", t, false, String::new()))
            })?;
        report.tools = items
            .iter()
            .filter_map(|tool| {
                Some(ProbeTool {
                    name: tool["name"].as_str()?.to_owned(),
                    description: tool["description"].as_str().map(str::to_owned),
                })
            })
            .collect();
        let names: Vec<&str> = report.tools.iter().map(|t| t.name.as_str()).collect();
        report.steps.push(step(
            "tools/list",
            t,
            true,
            count_and_names(names.len(), "tool", &names),
        ));
    }
    for (method, key, field) in [
        ("resources/list", "resources", &mut report.resources),
        ("prompts/list", "prompts", &mut report.prompts),
    ] {
        if caps.get(key).is_none() {
            continue;
        }
        let t = Instant::now();
        let items = match client.list_all(method, key).await {
            Ok(items) => items,
            Err(failure) => {
                report.steps.push(step(method, t, false, String::new()));
                return Err(failure);
            }
        };
        *field = Some(items.len());
        let singular = key.trim_end_matches('s');
        report.steps.push(step(
            method,
            t,
            true,
            count_and_names(items.len(), singular, &[]),
        ));
    }
    Ok(())
}

/// A minimal MCP client over a server's stdio (the child's own pipes, or a supervisor's).
struct Client<W, R> {
    stdin: W,
    stdout: BufReader<R>,
    next_id: u64,
    timeout: Duration,
}

impl<W: AsyncWrite + Unpin, R: AsyncRead + Unpin> Client<W, R> {
    async fn send(&mut self, msg: &Value) -> Result<(), ()> {
        let mut line = msg.to_string().into_bytes();
        line.push(b'\n');
        self.stdin.write_all(&line).await.map_err(|_| ())?;
        self.stdin.flush().await.map_err(|_| ())
    }

    async fn notify(&mut self, method: &str) -> Result<(), ()> {
        self.send(&json!({"jsonrpc": "2.0", "method": method}))
            .await
    }

    /// Sends a request and waits for its reply, answering the server's own requests meanwhile.
    async fn call(&mut self, method: &str, params: Value) -> Result<Value, Failure> {
        let id = self.next_id;
        self.next_id += 1;
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}))
            .await
            .map_err(|()| Failure::Closed(method.to_owned()))?;
        let deadline = tokio::time::Instant::now() + self.timeout;
        let mut bytes = Vec::new();
        loop {
            bytes.clear();
            let read =
                tokio::time::timeout_at(deadline, self.stdout.read_until(b'\n', &mut bytes)).await;
            match read {
                Err(_) => return Err(Failure::Timeout(method.to_owned())),
                Ok(Ok(0) | Err(_)) => return Err(Failure::Closed(method.to_owned())),
                Ok(Ok(_)) => {}
            }
            // Bytes that are not UTF-8 read as U+FFFD, as Claude Desktop and the bridge read them:
            // a stray byte in a server's name is no reason to call the server dead.
            let line = String::from_utf8_lossy(&bytes);
            if line.trim().is_empty() {
                continue;
            }
            let Ok(msg) = serde_json::from_str::<Value>(&line) else {
                return Err(Failure::Garbage(method.to_owned(), line.into_owned()));
            };
            if msg.get("method").is_some() {
                self.answer(&msg).await;
                continue;
            }
            if msg.get("id") != Some(&json!(id)) {
                continue;
            }
            if let Some(error) = msg.get("error") {
                let message = error["message"].as_str().unwrap_or("error").to_owned();
                let code = error["data"]["diagnosis"]
                    .as_str()
                    .map(str::to_owned)
                    .unwrap_or_else(|| codes::PROTOCOL_ERROR.to_owned());
                return Err(Failure::Error {
                    step: method.to_owned(),
                    message,
                    code,
                });
            }
            return Ok(msg.get("result").cloned().unwrap_or(Value::Null));
        }
    }

    /// Answers a request the server sent us (notifications need no answer).
    async fn answer(&mut self, msg: &Value) {
        let Some(their_id) = msg.get("id") else {
            return;
        };
        let reply = match msg["method"].as_str() {
            Some("ping") => json!({"jsonrpc": "2.0", "id": their_id, "result": {}}),
            Some("roots/list") => {
                json!({"jsonrpc": "2.0", "id": their_id, "result": {"roots": []}})
            }
            _ => json!({"jsonrpc": "2.0", "id": their_id, "error": {
                "code": -32601, "message": "mcp-tray probe does not offer this"}}),
        };
        let _ = self.send(&reply).await;
    }

    /// Reads what the server writes until it closes its stdout, answering its requests; lines
    /// that are not JSON-RPC are skipped. Waits on the pipe only: no timer.
    async fn serve_until_closed(&mut self) {
        let mut bytes = Vec::new();
        loop {
            bytes.clear();
            match self.stdout.read_until(b'\n', &mut bytes).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
            if let Ok(msg) = serde_json::from_slice::<Value>(&bytes)
                && msg.get("method").is_some()
            {
                self.answer(&msg).await;
            }
        }
    }

    /// Calls a paginated list method until its last page (at most 100 pages).
    async fn list_all(&mut self, method: &str, key: &str) -> Result<Vec<Value>, Failure> {
        let mut items = Vec::new();
        let mut cursor: Option<String> = None;
        for _ in 0..100 {
            let params = match &cursor {
                Some(c) => json!({"cursor": c}),
                None => json!({}),
            };
            let page = self.call(method, params).await?;
            if let Some(list) = page[key].as_array() {
                items.extend(list.iter().cloned());
            }
            match page["nextCursor"].as_str() {
                Some(next) if !next.is_empty() => cursor = Some(next.to_owned()),
                _ => break,
            }
        }
        Ok(items)
    }
}

/// The transport a bridge chose, from its `connected to … (…)` line.
fn transport_from(stderr: &[String]) -> Option<String> {
    stderr.iter().rev().find_map(|l| {
        if !l.contains("connected to ") {
            None
        } else if l.contains("(legacy HTTP+SSE)") {
            Some("sse".to_owned())
        } else if l.contains("(Streamable HTTP)") {
            Some("streamable-http".to_owned())
        } else {
            None
        }
    })
}

fn step(name: &str, since: Instant, ok: bool, summary: String) -> ProbeStep {
    ProbeStep {
        step: name.to_owned(),
        ms: ms(since),
        ok,
        summary,
    }
}

fn ms(since: Instant) -> f64 {
    (since.elapsed().as_secs_f64() * 1000.0 * 10.0).round() / 10.0
}

fn count_and_names(n: usize, what: &str, names: &[&str]) -> String {
    let plural = if n == 1 { "" } else { "s" };
    let mut s = format!("{n} {what}{plural}");
    if !names.is_empty() {
        let shown: Vec<&str> = names.iter().take(6).copied().collect();
        s.push_str(": ");
        s.push_str(&shown.join(", "));
        if names.len() > shown.len() {
            s.push_str(&format!(", … (+{})", names.len() - shown.len()));
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failures_detail_leaves_out_the_shims_lines_that_say_it_again() {
        let url = "http://127.0.0.1:9/mcp";
        let message = format!("remote server refused the connection at {url}");
        let last = format!(
            "mcp-tray bridge [x]: warning (connection-refused): {message}; trying once more\n\
             mcp-tray bridge [x]: error (connection-refused): {message}\n\
             mcp-tray bridge [x]: connected to nothing else\n\
             a line of the server's own: {message}"
        );
        assert_eq!(
            not_restating(&last, &message),
            format!(
                "mcp-tray bridge [x]: connected to nothing else\na line of the server's own: {message}"
            )
        );
    }

    #[test]
    fn a_package_runner_is_known_in_any_case_and_behind_the_tap() {
        let cmd = |command: &str, args: &[&str]| ServerCommand {
            command: command.into(),
            args: args.iter().map(|a| (*a).to_owned()).collect(),
            ..ServerCommand::default()
        };
        assert!(may_download(&cmd(
            r"C:\Program Files\nodejs\NPX.CMD",
            &["-y", "pkg"]
        )));
        assert!(may_download(&cmd(
            "/opt/mcp-tray",
            &["wrap", "--name", "x", "--", "uvx", "pkg"]
        )));
        assert!(!may_download(&cmd("/usr/bin/node", &["server.js"])));
    }

    #[test]
    fn bridge_transport_is_read_from_its_connected_line() {
        let lines = vec![
            "mcp-tray bridge [x]: http://127.0.0.1:1/sse answered HTTP 405 to a Streamable HTTP POST; trying legacy HTTP+SSE".to_owned(),
            "mcp-tray bridge [x]: connected to http://127.0.0.1:1/sse (legacy HTTP+SSE)".to_owned(),
        ];
        assert_eq!(transport_from(&lines).as_deref(), Some("sse"));
        assert_eq!(transport_from(&lines[..1]), None);
    }

    #[test]
    fn counts_read_naturally() {
        assert_eq!(count_and_names(1, "tool", &["add"]), "1 tool: add");
        assert_eq!(count_and_names(0, "prompt", &[]), "0 prompts");
        let many = ["a", "b", "c", "d", "e", "f", "g", "h"];
        assert_eq!(
            count_and_names(8, "tool", &many),
            "8 tools: a, b, c, d, e, f, … (+2)"
        );
    }
}
