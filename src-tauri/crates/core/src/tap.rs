//! The tap: `mcp-tray wrap --name N -- CMD ARGS…`, the shim Claude Desktop starts instead of a
//! local stdio server so MCP Tray can see its traffic.
//!
//! It starts the server in its own process group and forwards stdin and stdout as the bytes they
//! are, recording every message in the server's journal (the same one the bridge writes) with
//! request/response pairing and latency. The server's stderr passes through to ours (Claude copies
//! it into its log) and is journaled. What it adds:
//! - **stdout pollution rescued**: a line the server prints to stdout that is not JSON-RPC (a
//!   banner, a `console.log`) would break Claude's parser; it goes to stderr and the journal as
//!   `stdout-pollution` instead (`strict` forwards everything unchanged);
//! - **exactly one response**: requests the server can no longer answer (it exited, or never
//!   started) get a JSON-RPC error saying why in plain words;
//! - **the whole tree stops**: on end of input or a signal the server gets the spec's shutdown
//!   (close stdin, wait, SIGTERM the group, wait, SIGKILL), so no `node` outlives its `npx`; a
//!   signal during that shutdown hurries it, so the tree is gone before a client that stops us in
//!   stages (the MCP SDK's `close()`) SIGKILLs the tap;
//! - **diagnoses**: `command-not-found` (where we looked, and the fix) and `exited-early` (with the
//!   server's last stderr lines) go to stderr and the journal.
//!
//! Forwarding runs on one plain blocking thread per direction, never through the async runtime
//! (which only waits for the server's exit and for signals): each thread reads what the pipe holds
//! in one big read, finds the lines in it, inspects each (envelope, pairing, journal batch) and
//! writes every line that passes unchanged in one write. The journal gets one record per read.
//!
//! It must never write anything but JSON-RPC to its output, and never change a forwarded message.

use std::collections::VecDeque;
use std::fmt::Display;
use std::fs::File;
use std::io::{self, Read, Write};
use std::ops::Range;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc as std_mpsc;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use compact_str::CompactString;
use tokio::sync::oneshot;

use crate::diagnose::{Diagnosis, Severity, codes};
use crate::journal::{Direction, Journal, Level};
use crate::jsonrpc::{self, Kind};
use crate::lock;
use crate::supervise::{CommandResolver, ExitReport, ServerCommand, StdioChild, StopStep};
use crate::transport::{
    MAX_CLIENT_MESSAGE_BYTES, MAX_CLIENT_MESSAGE_SHOWN, MAX_MESSAGE_BYTES, MAX_MESSAGE_SHOWN,
};

/// Stderr lines kept to explain an early exit.
const STDERR_KEPT: usize = 20;
/// Longest polluting line quoted on stderr.
const QUOTE_MAX: usize = 300;
/// Bytes a forwarding thread asks of its pipe at least, per read.
const READ_CHUNK: usize = 64 * 1024;
/// A message longer than this is read with the pairing lock let go: the batch's lock is for the
/// many small messages a read holds, not for parsing a big tool result.
const LOCK_HELD_OVER: usize = 4 * 1024;

/// What `mcp-tray wrap` was told.
#[derive(Debug, Clone)]
pub struct TapOptions {
    /// The server's name in the config (`--name`).
    pub name: String,
    /// What to start.
    pub command: ServerCommand,
    /// Forward every stdout line unchanged, JSON-RPC or not.
    pub strict: bool,
    /// Wait between the shutdown steps.
    pub grace: Duration,
}

/// How the tap ended, and the exit code to end the process with.
#[derive(Debug, Clone)]
pub struct TapOutcome {
    /// The server's exit, when it started.
    pub exit: Option<ExitReport>,
    /// Why it failed, when it did (not found, exited early).
    pub diagnosis: Option<Diagnosis>,
    /// 0 when the client ended the session; the server's code when it ended on its own.
    pub code: i32,
}

/// Requests waiting for an answer in one direction: id text → (method, when it passed). Ids are
/// per direction, so each direction has its own. Ids and methods up to 24 bytes (numbers, most
/// methods) are held inline, without an allocation per message.
type Waiting = foldhash::HashMap<CompactString, (Option<CompactString>, Instant)>;

/// The code of the errors the tap answers a session's leftover requests with when its client
/// ended the session (or it was told to stop): news, not a failure, and nobody's fault (the
/// bridge's is [`crate::transport::BRIDGE_STOPPED`]).
pub const TAP_STOPPED: &str = "tap-stopped";

/// Cancelled requests remembered for the journal's pairing of a late reply; past this many (a
/// client cancelling requests the server never answers) they are forgotten.
const MAX_CANCELLED_KEPT: usize = 1024;

/// Request/reply pairing for both directions, behind one lock that a forwarding thread takes once
/// per read batch, not once per message.
#[derive(Default)]
struct Pairing {
    /// The client's requests waiting for the server.
    client: Waiting,
    /// The server's requests waiting for the client.
    server: Waiting,
    /// The client's requests it cancelled (`notifications/cancelled`): no longer answered by the
    /// tap at the end, but still paired for the journal if the server answers after all.
    cancelled: Waiting,
    /// Set once the tap answers the client's leftovers itself: from then on nothing more is
    /// forwarded, so no request can slip past unanswered.
    closed: bool,
    /// Once `closed`: why a request the client sends after that is not sent (the server ended,
    /// or the session), and the code it is answered with.
    closed_why: Option<(String, String)>,
}

/// What the forwarding threads share.
struct Shared<W> {
    name: String,
    strict: bool,
    /// The client's side (our stdout), written one read batch at a time by whoever has messages.
    out: Mutex<W>,
    /// Lines for our stderr, written by their own thread so a slow reader never stalls forwarding.
    errors: Mutex<Option<std_mpsc::Sender<Vec<u8>>>>,
    journal: Option<Arc<Journal>>,
    pairing: Mutex<Pairing>,
    answered_any: AtomicBool,
    /// The client's input ended and the server's stdin was closed for it: a server that exits
    /// after this was stopped by the client's end, whichever of the two the tap notices first.
    input_ended: AtomicBool,
    /// Set (under no lock) once the leftovers are answered and the tap is about to exit: nothing
    /// more is written to the client, so no line is cut off half-written by the exit. Checked
    /// under the output's lock.
    output_closed: AtomicBool,
    stderr_kept: Mutex<VecDeque<String>>,
}

impl<W: Write> Shared<W> {
    /// A line of ours on stderr.
    fn say(&self, text: impl Display) {
        self.pass_to_stderr(format!("mcp-tray wrap [{}]: {text}\n", self.name).into_bytes());
    }

    fn pass_to_stderr(&self, bytes: Vec<u8>) {
        if let Some(tx) = lock(&self.errors).as_ref() {
            let _ = tx.send(bytes);
        }
    }

    /// One message of our own to the client (a JSON-RPC error reply), journaled.
    /// `asked` is when the request it answers came, when known: the reply's latency.
    fn reply(&self, reply: &[u8], method: Option<&str>, asked: Option<Instant>) {
        // The tap exits: nothing more is written, nor journaled as if it were.
        if self.output_closed.load(Ordering::Acquire) {
            return;
        }
        if let Some(j) = &self.journal
            && let Ok(env) = jsonrpc::inspect(reply)
        {
            let latency = asked.map(|at| at.elapsed());
            j.message(
                Direction::ServerToClient,
                reply,
                Some(&env),
                method,
                latency,
            );
        }
        let mut out = lock(&self.out);
        if self.output_closed.load(Ordering::Acquire) {
            return;
        }
        if out.write_all(reply).is_ok() && out.write_all(b"\n").is_ok() {
            let _ = out.flush();
        }
    }
}

/// A child's pipe as a plain blocking file (tokio's are non-blocking), for a forwarding thread.
macro_rules! blocking_file {
    ($pipe:expr) => {{
        #[cfg(unix)]
        let file = $pipe.into_owned_fd().map(File::from);
        #[cfg(windows)]
        let file = $pipe.into_owned_handle().map(File::from);
        file
    }};
}

/// Runs the tap until the client closes its input, the server exits, or a message comes on
/// `stops` (a signal: the client, or the OS, wants the tap gone). `input` and `output` are the
/// client's side; `errors` receives the human lines (and the server's stderr, passed through).
///
/// A stop that comes while the server is being stopped (the MCP SDK's `close()` ends the input,
/// then sends SIGTERM 2 s later and SIGKILL 2 s after that) hurries its shutdown: the tree is
/// SIGKILLed within [`crate::supervise::HURRIED_STOP`], before the client's SIGKILL of the tap
/// would leave a server that ignores SIGTERM running.
pub async fn run<R, W, E>(
    opts: TapOptions,
    resolver: &CommandResolver,
    input: R,
    output: W,
    errors: E,
    journal: Option<Arc<Journal>>,
    mut stops: tokio::sync::mpsc::UnboundedReceiver<()>,
) -> TapOutcome
where
    R: Read + Send + 'static,
    W: Write + Send + 'static,
    E: Write + Send + 'static,
{
    let (err_tx, err_thread) = spawn_error_writer(errors);
    let shared = Arc::new(Shared {
        name: opts.name.clone(),
        strict: opts.strict,
        out: Mutex::new(output),
        errors: Mutex::new(Some(err_tx)),
        journal: journal.clone(),
        pairing: Mutex::default(),
        answered_any: AtomicBool::new(false),
        input_ended: AtomicBool::new(false),
        output_closed: AtomicBool::new(false),
        stderr_kept: Mutex::default(),
    });
    let finish = |shared: &Shared<W>| {
        let _ = lock(&shared.out).flush();
        lock(&shared.errors).take();
        if let Some(thread) = err_thread {
            let _ = thread.join();
        }
    };

    let started = resolver
        .resolve(&opts.command.command, opts.command.cwd.as_deref())
        // Claude starts the tap from a tapped entry: the server's command is in its args.
        .map_err(|d| Box::new(crate::supervise::resolve::in_tapped_entry(*d)))
        .and_then(|resolved| {
            StdioChild::spawn_tied(&opts.command, &resolved).map_err(|e| {
                Box::new(
                    Diagnosis::new(
                        codes::EXITED_EARLY,
                        Severity::Error,
                        format!("{} could not be started: {e}", opts.command.command),
                    )
                    .server(&opts.name)
                    .detail(format!("program: {}", resolved.program.display())),
                )
            })
        });
    let mut child = match started {
        Ok(child) => child,
        Err(diagnosis) => {
            let diagnosis = diagnosis.server(&opts.name);
            shared.say(format!("[{}] {}", diagnosis.code, diagnosis.summary));
            if !diagnosis.detail.is_empty() {
                shared.say(&diagnosis.detail);
            }
            if let Some(fix) = &diagnosis.fix {
                shared.say(format!("fix: {fix}"));
            }
            if let Some(j) = &journal {
                j.event(Level::Error, &diagnosis.code, diagnosis.summary.clone());
            }
            let (answering, answered) = (shared.clone(), diagnosis.clone());
            let _ = tokio::task::spawn_blocking(move || {
                answer_until_eof(
                    input,
                    answering.journal.as_deref(),
                    &answered,
                    |reply, method| {
                        answering.reply(reply, method, None);
                    },
                );
            })
            .await;
            finish(&shared);
            return TapOutcome {
                exit: None,
                code: 1,
                diagnosis: Some(diagnosis),
            };
        }
    };
    let pid = child.pid();
    if let Some(j) = &journal {
        j.event(
            Level::Info,
            "started",
            // A credential on the command line (`--api-key …`) is not journaled.
            format!(
                "{} (pid {pid})",
                crate::supervise::shell_line(
                    &opts.command.command,
                    &crate::redact::mask_args(&opts.command.args)
                )
            ),
        );
    }

    // The server's stdin, held by the client's thread and closed by whoever ends the session.
    let server_stdin = Arc::new(Mutex::new(child.take_stdin().and_then(|pipe| {
        blocking_file!(pipe)
            .map_err(|e| shared.say(format!("cannot write to the server: {e}")))
            .ok()
    })));
    let client_done = {
        let (shared, server_stdin) = (shared.clone(), server_stdin.clone());
        spawn_forwarder("tap-client", move || {
            client_to_server(&shared, input, &server_stdin);
        })
    };
    // The client stopped reading (closed its end of our stdout): nothing the server says can
    // reach it any more, which ends the session as the end of its input does.
    let (client_gone, mut client_left) = oneshot::channel::<()>();
    let stdout_done = child.take_stdout().and_then(|pipe| {
        let stdout = blocking_file!(pipe).ok()?;
        let shared = shared.clone();
        Some(spawn_forwarder("tap-server", move || {
            if server_to_client(&shared, stdout) == Forwarded::ClientGone {
                let _ = client_gone.send(());
            }
        }))
    });
    let stderr_done = child.take_stderr().and_then(|pipe| {
        let stderr = blocking_file!(pipe).ok()?;
        let shared = shared.clone();
        Some(spawn_forwarder("tap-stderr", move || {
            pass_stderr(&shared, stderr);
        }))
    });

    enum End {
        ClientDone,
        Signal,
        ServerExited(io::Result<ExitReport>),
    }
    let end = tokio::select! {
        _ = client_done => End::ClientDone,
        Ok(()) = &mut client_left => End::ClientDone,
        exit = child.wait(opts.grace) => End::ServerExited(exit),
        Some(()) = stops.recv() => End::Signal,
    };
    // The spec's first shutdown step (the client's thread already did it at end of input). A
    // thread stuck writing to a server that does not read keeps it: SIGTERM follows anyway.
    if let Ok(mut stdin) = server_stdin.try_lock() {
        stdin.take();
    }

    // A server that leaves at the end of its input exits as soon as the client's thread closes
    // it, and its exit can be noticed before that thread's end: still the client's end.
    let client_ended_it =
        matches!(end, End::ServerExited(_)) && shared.input_ended.load(Ordering::Acquire);
    let exited_on_its_own = matches!(end, End::ServerExited(_)) && !client_ended_it;
    let signalled = matches!(end, End::Signal);
    let report = match end {
        End::ServerExited(report) => report.ok(),
        End::ClientDone | End::Signal => child
            .shutdown_hurried(opts.grace, Some(&mut stops), signalled)
            .await
            .ok(),
    };
    // Gone before the shutdown asked, after the client's end of input closed its stdin: it
    // left at that close (how it left tells whether it failed), whichever end came first here.
    let report = report.map(|mut r| {
        if shared.input_ended.load(Ordering::Acquire) && r.stopped_by == StopStep::ExitedOnItsOwn {
            r.stopped_by = StopStep::ClosedStdin;
        }
        r
    });
    // Everything the server wrote before exiting is forwarded before the leftovers are answered.
    for done in [stdout_done, stderr_done].into_iter().flatten() {
        let _ = tokio::time::timeout(Duration::from_secs(2), done).await;
    }
    let say = |text: String| shared.say(text);

    // Shown to the client (Claude copies it into its log), on stderr and in the journal: masked,
    // as a server that fails often prints the credential it was given.
    let last_lines: Vec<String> = lock(&shared.stderr_kept)
        .iter()
        .map(|line| crate::redact::mask_text(line).into_owned())
        .collect();
    let status = report
        .as_ref()
        .map_or_else(|| "an unknown status".to_owned(), ExitReport::describe);
    let answered_any = shared.answered_any.load(Ordering::Relaxed);
    // The client closed its side first (a client that sends a request and its end at once), and
    // the server then failed on its own before answering anything: that is the server's early
    // exit, not the end of a session (a server that ends with an error at the close of a session
    // it served is not reported).
    let failed_after_close = !exited_on_its_own
        && !answered_any
        && report.as_ref().is_some_and(|r| {
            // A signal (no code) is a failure too: a crash.
            r.stopped_by == StopStep::ClosedStdin && r.code != Some(0)
        });
    // `npx` of a package npm's registry does not have: said in the summary, with its own fix,
    // rather than left among npm's boilerplate lines.
    let missing = if answered_any {
        None
    } else {
        crate::diagnose::missing_package(&last_lines)
    };
    let diagnosis = (exited_on_its_own || failed_after_close).then(|| {
        let early = !answered_any;
        let (code, summary) = if early {
            let mut summary =
                format!("{} exited ({status}) before answering anything", opts.command.command);
            if let Some(missing) = &missing {
                summary = format!("{summary}: {}", missing.summary());
            }
            (codes::EXITED_EARLY, summary)
        } else {
            ("exited", format!("{} exited ({status})", opts.command.command))
        };
        // A crash (a code other than 0, a signal) is a failure also after answering: its client
        // lost the server. A server that ends with 0 on its own may have meant to.
        let crashed = report.as_ref().is_none_or(|r| r.code != Some(0));
        let severity = if early || crashed {
            Severity::Error
        } else {
            Severity::Warning
        };
        let mut d = Diagnosis::new(code, severity, summary).server(&opts.name);
        if !last_lines.is_empty() {
            d = d.detail(format!("its last stderr lines:\n{}", last_lines.join("\n")));
        }
        if let Some(missing) = missing.as_ref().filter(|_| early) {
            d = d.fix(missing.fix());
        } else if early {
            d = d.fix("run the command in a terminal to see why it stops; check its arguments and env in the config");
        }
        d
    });
    if let Some(d) = &diagnosis {
        say(format!("[{}] {}", d.code, d.summary));
        if let Some(j) = &journal {
            let level = if d.severity == Severity::Error {
                Level::Error
            } else {
                Level::Warn
            };
            let text = if d.detail.is_empty() {
                d.summary.clone()
            } else {
                format!("{}; {}", d.summary, d.detail)
            };
            j.event(level, &d.code, text);
        }
    } else if let Some(j) = &journal {
        j.event(Level::Info, "stopped", format!("server stopped ({status})"));
    }

    // Exactly one response per request: what the server will never answer, we answer. Its last
    // words are its last line that says something: a package runner ends with boilerplate
    // (npm's "A complete log of this run can be found in: …") that says nothing of why.
    let last_line = crate::diagnose::last_words(&last_lines)
        .unwrap_or_default()
        .to_owned();
    let unanswered: Vec<(CompactString, (Option<CompactString>, Instant))> = {
        let mut pairing = lock(&shared.pairing);
        pairing.closed = true;
        pairing.closed_why = Some(match &diagnosis {
            Some(d) => (
                format!("local server {} has ended ({status})", opts.name),
                d.code.clone(),
            ),
            None => (
                format!("the session with local server {} has ended", opts.name),
                TAP_STOPPED.to_owned(),
            ),
        });
        pairing.client.drain().collect()
    };
    for (id, (method, asked)) in unanswered {
        let what = method.as_deref().unwrap_or("the request");
        let (message, code) = match &diagnosis {
            Some(d) => {
                let mut message = format!(
                    "local server {} ended ({status}) before answering {what}",
                    opts.name
                );
                if let Some(missing) = &missing {
                    // As a shim that could not start its server says it: its fix after
                    // ". Fix: ", for Claude Desktop, which shows the message alone.
                    message.push_str(&format!(": {}. Fix: {}", missing.summary(), missing.fix()));
                } else if !last_line.is_empty() {
                    message.push_str(&format!("; its last words on stderr: {last_line}"));
                }
                (message, d.code.as_str())
            }
            // The client ended the session (or the tap was told to stop): nobody's failure.
            None => (
                format!(
                    "the session ended before local server {} answered {what}",
                    opts.name
                ),
                TAP_STOPPED,
            ),
        };
        let reply = jsonrpc::error_reply(Some(&id), jsonrpc::INTERNAL_ERROR, &message, Some(code));
        shared.reply(&reply, method.as_deref(), Some(asked));
    }

    shared.output_closed.store(true, Ordering::Release);
    finish(&shared);
    // 0 when the client ended the session (the server stopped as its input closed); the
    // server's own code when it failed on its own, also when the client's end of input came
    // first (`failed_after_close`: the same early exit, whichever end the tap saw first).
    let code = match (exited_on_its_own || failed_after_close, &report) {
        (true, Some(r)) => r.code.unwrap_or(1),
        (true, None) => 1,
        (false, _) => 0,
    };
    TapOutcome {
        exit: report,
        diagnosis,
        code,
    }
}

/// Client → server stdin, until the client's end of input (then the server's stdin is closed).
fn client_to_server<W: Write>(
    shared: &Shared<W>,
    input: impl Read,
    server_stdin: &Mutex<Option<File>>,
) {
    let mut lines = LineBatches::with_limit(input, MAX_CLIENT_MESSAGE_BYTES);
    let mut runs = Runs::default();
    // The tap answers the leftovers itself (the server ended): from the first request that
    // found it so, nothing more is forwarded, and every request is answered by the tap.
    let mut closed = false;
    loop {
        let batch = match lines.next() {
            Ok(Chunk::Lines(batch)) => batch,
            Ok(Chunk::TooLong { head, tail }) => {
                shared.reply(
                    &too_long_reply(cut_message_id(head, tail).as_deref()),
                    None,
                    None,
                );
                continue;
            }
            Ok(Chunk::End) | Err(_) => break,
        };
        let now = Instant::now();
        let mut journaled = shared
            .journal
            .as_ref()
            .map(|j| j.batch(Direction::ClientToServer));
        runs.clear();
        // Taken at the first message that pairs and held for the batch's small messages; let go
        // before the write: a request is registered before the server can see it.
        let mut pairing = None;
        for line in line_ranges(batch) {
            let message = without_newline(&batch[line.clone()]);
            if message.len() > MAX_CLIENT_MESSAGE_BYTES {
                pairing = None; // not held while writing to the client
                shared.reply(
                    &too_long_reply(whole_message_id(message).as_deref()),
                    None,
                    None,
                );
                continue;
            }
            if message.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            if message.len() > LOCK_HELD_OVER {
                pairing = None; // the other direction need not wait while a big message is read
            }
            let mut spare = String::new();
            let env = jsonrpc::inspect_lossy(message, &mut spare).ok();
            let key = env.as_ref().and_then(|e| e.id_key());
            let kind = env.as_ref().map(|e| e.kind);
            let mut answered = None;
            // A request sent once the tap answers the leftovers itself, with its answer.
            let mut late = None;
            if let Some(key) = key {
                let pairing = pairing.get_or_insert_with(|| lock(&shared.pairing));
                if kind == Some(Kind::Request) {
                    // The tap answers the leftovers itself: nothing more goes through, and a
                    // request sent meanwhile is answered as they are, not left without an answer.
                    let method = env.as_ref().and_then(|e| e.method.as_deref());
                    if pairing.closed {
                        closed = true;
                        let (why, code) = pairing.closed_why.clone().unwrap_or_default();
                        let what = method.unwrap_or("the request");
                        let reply = jsonrpc::error_reply(
                            Some(key),
                            jsonrpc::INTERNAL_ERROR,
                            &format!("{why}; {what} was not sent"),
                            Some(&code),
                        );
                        late = Some((reply, method.map(str::to_owned)));
                    } else {
                        pairing
                            .client
                            .insert(key.into(), (method.map(Into::into), now));
                    }
                } else if kind.is_some_and(Kind::is_reply) {
                    // The client's answer to a server request: pair it for the journal.
                    answered = pairing.server.remove(key);
                }
            } else if kind == Some(Kind::Notification)
                && env.as_ref().and_then(|e| e.method.as_deref()) == Some("notifications/cancelled")
                && let Some(id) = jsonrpc::cancelled_request_id(message)
            {
                // The client no longer waits for it: nobody answers it in the server's place.
                let pairing = pairing.get_or_insert_with(|| lock(&shared.pairing));
                if let Some(waiting) = pairing.client.remove(id.as_str()) {
                    if pairing.cancelled.len() >= MAX_CANCELLED_KEPT {
                        pairing.cancelled.clear();
                    }
                    pairing.cancelled.insert(id.into(), waiting);
                }
            }
            if let Some((reply, method)) = late {
                pairing = None; // not held while writing to the client
                // In the journal before its answer, after what came before it.
                if let (Some(j), Some(journaled)) = (&shared.journal, &mut journaled) {
                    journaled.push(message, env.as_ref(), None, None);
                    j.record(std::mem::replace(
                        journaled,
                        j.batch(Direction::ClientToServer),
                    ));
                }
                shared.reply(&reply, method.as_deref(), Some(now));
                continue;
            }
            if closed {
                continue; // the server is gone or going: nothing more goes to it
            }
            if let Some(journaled) = &mut journaled {
                let (method, latency) =
                    answered.map_or((None, None), |(m, at)| (m, Some(now - at)));
                journaled.push(message, env.as_ref(), method.as_deref(), latency);
            }
            runs.add(line);
        }
        drop(pairing);
        // Recorded before the server can answer: its reply is journaled after the request.
        if let (Some(j), Some(journaled)) = (&shared.journal, journaled) {
            j.record(journaled);
        }
        {
            let mut stdin = lock(server_stdin);
            if let Some(pipe) = stdin.as_mut()
                && runs.write(batch, pipe).is_err()
            {
                // The server closed its stdin: it is exiting; its exit is reported by `run`.
                stdin.take();
            }
        }
    }
    let mut stdin = lock(server_stdin);
    shared.input_ended.store(true, Ordering::Release);
    stdin.take();
}

/// Server stdout → client, until the server closes it.
/// How forwarding the server's output ended.
#[derive(Debug, PartialEq, Eq)]
enum Forwarded {
    /// The server closed its stdout (it exits, or is stopped).
    ServerDone,
    /// Writing to the client failed: it no longer reads.
    ClientGone,
}

/// A message the server printed over several lines (pretty-printed JSON, as `JSON.stringify(v,
/// null, 2)` or `json.dumps(v, indent=2)` write it), put back together. Claude reads one message
/// per line, so it would take each line for a broken message; the tap forwards the whole on one
/// line instead, as the bridge does with a server's pretty-printed HTTP reply.
///
/// Kept narrow, so that a stray line cannot swallow the messages after it: it starts only at a
/// line that is `{` or `[` alone (the first line of both writers), gives up at a line that is a
/// whole JSON-RPC message by itself, at a line that ends inside a string (JSON's strings never
/// span lines). One past [`MAX_MESSAGE_BYTES`] is read to its end and dropped, its request
/// answered as a reply too large on one line is ([`Spreading::TooLarge`]), not held.
#[derive(Default)]
struct Spread {
    /// Its lines so far, each followed by a space (JSON's whitespace, as their line ends were).
    text: Vec<u8>,
    /// Where each line starts in `text`.
    starts: Vec<usize>,
    /// Brackets and braces open, outside strings.
    depth: usize,
    /// Said once a session, on stderr and in the journal.
    said: bool,
    /// A message past the limit, being read to its end: its first and last bytes, for its id.
    dropping: Option<(Vec<u8>, Vec<u8>)>,
}

/// What a line did to a [`Spread`].
enum Spreading {
    /// Not part of a message over several lines: the line is what it is.
    No,
    /// Taken; more lines are needed.
    Taken,
    /// The message is whole: its lines joined, and how many there were.
    Whole(Vec<u8>, usize),
    /// The lines taken were not one message after all: each is what it is. With `line_too`
    /// false, the line given was not taken, and is what it is (a message of its own).
    NotOne { lines: Vec<Vec<u8>>, line_too: bool },
    /// The message went past [`MAX_MESSAGE_BYTES`] and was read to its end, dropped: its id,
    /// when either end shows it.
    TooLarge(Option<String>),
}

impl Spread {
    fn pending(&self) -> bool {
        !self.starts.is_empty() || self.dropping.is_some()
    }

    /// Takes `line` when it starts a message over several lines, or when one is being put
    /// together.
    fn take(&mut self, line: &[u8]) -> Spreading {
        if let Some((head, mut tail)) = self.dropping.take() {
            if is_message(line) {
                // A message of its own: the one being dropped never ended.
                self.depth = 0;
                return Spreading::NotOne {
                    lines: Vec::new(),
                    line_too: false,
                };
            }
            tail.extend_from_slice(line);
            tail.push(b' ');
            if tail.len() > 2 * CUT_KEPT {
                tail.drain(..tail.len() - CUT_KEPT);
            }
            if !self.scan(line) {
                // Not a line of JSON after all: what is left comes as it is.
                self.depth = 0;
                return Spreading::NotOne {
                    lines: Vec::new(),
                    line_too: true,
                };
            }
            if self.depth > 0 {
                self.dropping = Some((head, tail));
                return Spreading::Taken;
            }
            return Spreading::TooLarge(cut_message_id(&head, &tail));
        }
        if !self.pending() {
            if !matches!(line.trim_ascii(), b"{" | b"[") {
                return Spreading::No;
            }
            self.depth = 0;
        } else if is_message(line) {
            // A whole message by itself: what was taken was not the start of one.
            return Spreading::NotOne {
                lines: self.give_back(),
                line_too: false,
            };
        }
        let in_string = !self.scan(line);
        self.starts.push(self.text.len());
        self.text.extend_from_slice(line);
        self.text.push(b' ');
        if in_string {
            return Spreading::NotOne {
                lines: self.give_back(),
                line_too: true,
            };
        }
        if self.text.len() > MAX_MESSAGE_BYTES {
            // Too large to forward: read to its end without holding it.
            let text = std::mem::take(&mut self.text);
            self.starts.clear();
            let head = text[..CUT_KEPT.min(text.len())].to_vec();
            let tail = text[text.len().saturating_sub(CUT_KEPT)..].to_vec();
            if self.depth == 0 {
                return Spreading::TooLarge(cut_message_id(&head, &tail));
            }
            self.dropping = Some((head, tail));
            return Spreading::Taken;
        }
        if self.depth > 0 {
            return Spreading::Taken;
        }
        let count = self.starts.len();
        if is_message(&self.text) {
            let mut joined = std::mem::take(&mut self.text);
            joined.pop(); // the space after the last line
            self.starts.clear();
            Spreading::Whole(joined, count)
        } else {
            Spreading::NotOne {
                lines: self.give_back(),
                line_too: true,
            }
        }
    }

    /// The lines taken, as they came, and a fresh start (a message being dropped stays dropped).
    fn give_back(&mut self) -> Vec<Vec<u8>> {
        self.dropping = None;
        let text = std::mem::take(&mut self.text);
        let starts = std::mem::take(&mut self.starts);
        self.depth = 0;
        let ends = starts.iter().skip(1).copied().chain([text.len()]);
        starts
            .iter()
            .zip(ends)
            .map(|(&start, end)| text[start..end - 1].to_vec())
            .collect()
    }

    /// Follows the brackets of `line`, whose start is outside any string; false when it ends
    /// inside one, or closes more than was open (neither is a line of pretty-printed JSON).
    fn scan(&mut self, line: &[u8]) -> bool {
        let (mut in_string, mut escaped) = (false, false);
        for &b in line {
            if in_string {
                match (escaped, b) {
                    (true, _) => escaped = false,
                    (false, b'\\') => escaped = true,
                    (false, b'"') => in_string = false,
                    _ => {}
                }
                continue;
            }
            match b {
                b'"' => in_string = true,
                b'{' | b'[' => self.depth += 1,
                b'}' | b']' => match self.depth.checked_sub(1) {
                    Some(d) => self.depth = d,
                    None => return false,
                },
                _ => {}
            }
        }
        !in_string
    }
}

/// Whether `bytes` are one JSON-RPC message (or batch).
fn is_message(bytes: &[u8]) -> bool {
    let mut spare = String::new();
    jsonrpc::inspect_lossy(bytes, &mut spare).is_ok()
}

fn server_to_client<W: Write>(shared: &Shared<W>, stdout: File) -> Forwarded {
    let mut lines = LineBatches::new(stdout);
    let mut runs = Runs::default();
    let mut spread = Spread::default();
    let journal = shared.journal.as_deref();
    loop {
        let batch = match lines.next() {
            Ok(Chunk::Lines(batch)) => batch,
            Ok(Chunk::TooLong { head, tail }) => {
                reply_too_long(shared, cut_message_id(head, tail));
                continue;
            }
            Ok(Chunk::End) | Err(_) => {
                // A message over several lines that never closed: what it is, line by line.
                let mut journaled = journal.map(|j| j.batch(Direction::ServerToClient));
                for line in spread.give_back() {
                    polluted(shared, &mut journaled, &line);
                }
                if let (Some(j), Some(journaled)) = (journal, journaled) {
                    j.record(journaled);
                }
                return Forwarded::ServerDone;
            }
        };
        let now = Instant::now();
        let mut journaled = journal.map(|j| j.batch(Direction::ServerToClient));
        runs.clear();
        // Taken at the first message that pairs and held for the batch's small messages.
        let mut pairing = None;
        for line in line_ranges(batch) {
            let message = without_newline(&batch[line.clone()]);
            if message.len() > MAX_MESSAGE_BYTES {
                pairing = None; // taken again inside
                reply_too_long(shared, whole_message_id(message));
                continue;
            }
            if message.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            if message.len() > LOCK_HELD_OVER {
                pairing = None; // the other direction need not wait while a big message is read
            }
            if spread.pending() {
                pairing = None; // taken again inside, for the whole message
                match spread.take(message) {
                    Spreading::No | Spreading::Taken => continue,
                    Spreading::Whole(joined, count) => {
                        // Paired first: a reply that comes once the tap answered the leftovers
                        // itself, for a request it answered, is not written (the client has
                        // its one answer).
                        let mut spare = String::new();
                        let mut late = false;
                        let paired = jsonrpc::inspect_lossy(&joined, &mut spare).ok().map(|env| {
                            let mut pairing = lock(&shared.pairing);
                            let paired = pair_server_message(&mut pairing, shared, &env, now);
                            late = pairing.closed && env.kind.is_reply() && paired.1.is_none();
                            (env, paired)
                        });
                        // What came before it in this batch goes first.
                        let written = {
                            let mut out = lock(&shared.out);
                            if shared.output_closed.load(Ordering::Acquire) {
                                return Forwarded::ClientGone;
                            }
                            runs.write(batch, &mut *out).and_then(|()| {
                                if late {
                                    return out.flush();
                                }
                                out.write_all(&joined)
                                    .and_then(|()| out.write_all(b"\n"))
                                    .and_then(|()| out.flush())
                            })
                        };
                        runs.clear();
                        if let (Some((env, (method, latency))), Some(journaled), false) =
                            (&paired, &mut journaled, late)
                        {
                            journaled.push(&joined, Some(env), method.as_deref(), *latency);
                        }
                        if !spread.said {
                            spread.said = true;
                            say_spread(shared, &mut journaled, count);
                        }
                        if written.is_err_and(|e| e.kind() == io::ErrorKind::BrokenPipe) {
                            return Forwarded::ClientGone;
                        }
                        continue;
                    }
                    Spreading::NotOne { lines, line_too } => {
                        for line in &lines {
                            polluted(shared, &mut journaled, line);
                        }
                        if line_too {
                            continue;
                        }
                        // The line is a message of its own: forwarded below.
                    }
                    Spreading::TooLarge(id) => {
                        reply_too_long(shared, id);
                        continue;
                    }
                }
            }
            let mut spare = String::new();
            match jsonrpc::inspect_lossy(message, &mut spare) {
                Ok(env) => {
                    let (method, latency) = match env.id_key() {
                        Some(_) => {
                            let pairing = pairing.get_or_insert_with(|| lock(&shared.pairing));
                            let paired = pair_server_message(pairing, shared, &env, now);
                            // A reply that comes once the tap answered the leftovers itself,
                            // for a request it answered: the client has its one answer.
                            if pairing.closed && env.kind.is_reply() && paired.1.is_none() {
                                continue;
                            }
                            paired
                        }
                        None => (None, None),
                    };
                    if let Some(journaled) = &mut journaled {
                        journaled.push(message, Some(&env), method.as_deref(), latency);
                    }
                    runs.add(line);
                }
                Err(_) if shared.strict => {
                    if let Some(journaled) = &mut journaled {
                        journaled.push(message, None, None, None);
                    }
                    runs.add(line);
                }
                Err(_) => {
                    pairing = None; // not held while telling stderr and the journal
                    match spread.take(message) {
                        Spreading::Taken => {}
                        Spreading::No | Spreading::Whole(..) => {
                            polluted(shared, &mut journaled, message);
                        }
                        Spreading::NotOne { lines, .. } => {
                            for line in &lines {
                                polluted(shared, &mut journaled, line);
                            }
                        }
                        // A line past the limit is caught before it gets here.
                        Spreading::TooLarge(id) => reply_too_long(shared, id),
                    }
                }
            }
        }
        drop(pairing);
        // Journaled before it is forwarded, as a request is: a client that sends its next request
        // once it has read this reply finds the reply journaled first (the order things happened).
        if let (Some(j), Some(journaled)) = (journal, journaled) {
            j.record(journaled);
        }
        let written = {
            let mut out = lock(&shared.out);
            // The tap exits: a line begun now could be cut off half-written.
            if shared.output_closed.load(Ordering::Acquire) {
                return Forwarded::ClientGone;
            }
            runs.write(batch, &mut *out).and_then(|()| out.flush())
        };
        // The client closed its end (a pipe's reader gone): nothing more reaches it.
        if written.is_err_and(|e| e.kind() == io::ErrorKind::BrokenPipe) {
            return Forwarded::ClientGone;
        }
    }
}

/// Pairs a message of the server's with the client's request it answers (its method, and the
/// latency), or remembers a request of its own for the client's answer.
fn pair_server_message<W>(
    pairing: &mut Pairing,
    shared: &Shared<W>,
    env: &jsonrpc::Envelope<'_>,
    now: Instant,
) -> (Option<CompactString>, Option<Duration>) {
    let Some(key) = env.id_key() else {
        return (None, None);
    };
    if env.kind.is_reply() {
        if let Some((m, at)) = pairing
            .client
            .remove(key)
            .or_else(|| pairing.cancelled.remove(key))
        {
            shared.answered_any.store(true, Ordering::Relaxed);
            return (m, Some(now - at));
        }
    } else if env.kind == Kind::Request {
        let m = env.method.as_deref().map(Into::into);
        pairing.server.insert(key.into(), (m, now));
    }
    (None, None)
}

/// A line the server printed on stdout that is not JSON-RPC: kept off the client's stdout, told
/// on stderr and in the journal (after the messages before it, so the journal keeps their order).
fn polluted<W: Write>(
    shared: &Shared<W>,
    journaled: &mut Option<crate::journal::MessageBatch>,
    line: &[u8],
) {
    let text = String::from_utf8_lossy(line);
    let quoted: String = text.chars().take(QUOTE_MAX).collect();
    shared.say(format!(
        "[{}] not forwarded (stdout is for JSON-RPC only): {quoted}",
        codes::STDOUT_POLLUTION
    ));
    if let (Some(j), Some(journaled)) = (shared.journal.as_deref(), journaled) {
        j.record(std::mem::replace(
            journaled,
            j.batch(Direction::ServerToClient),
        ));
        j.event(
            Level::Warn,
            codes::STDOUT_POLLUTION,
            format!("the server printed a non-JSON-RPC line to stdout (not forwarded): {quoted}"),
        );
    }
}

/// Says (once a session) that the server spreads its messages over several lines; in the journal
/// after the messages before it, the one put together included.
fn say_spread<W: Write>(
    shared: &Shared<W>,
    journaled: &mut Option<crate::journal::MessageBatch>,
    lines: usize,
) {
    let text = format!(
        "the server printed a message over {lines} lines (pretty-printed JSON); forwarded on one \
         line, as JSON-RPC over stdio needs (Claude Desktop reads each line as a message)"
    );
    shared.say(format!("[{}] {text}", codes::STDOUT_POLLUTION));
    if let (Some(j), Some(journaled)) = (shared.journal.as_deref(), journaled) {
        j.record(std::mem::replace(
            journaled,
            j.batch(Direction::ServerToClient),
        ));
        j.event(Level::Warn, codes::STDOUT_POLLUTION, text);
    }
}

/// Server stderr → our stderr (as it is), the journal and the last-lines buffer.
fn pass_stderr<W: Write>(shared: &Shared<W>, stderr: File) {
    let mut lines = LineBatches::new(stderr);
    loop {
        let batch = match lines.next() {
            Ok(Chunk::Lines(batch)) => batch,
            Ok(Chunk::TooLong { .. }) => continue,
            Ok(Chunk::End) | Err(_) => break,
        };
        shared.pass_to_stderr(batch.to_vec());
        for line in line_ranges(batch) {
            let text = String::from_utf8_lossy(without_newline(&batch[line])).into_owned();
            if let Some(j) = &shared.journal {
                j.event(Level::Info, "stderr", text.clone());
            }
            let mut kept = lock(&shared.stderr_kept);
            if kept.len() == STDERR_KEPT {
                kept.pop_front();
            }
            kept.push_back(text);
        }
    }
}

/// For a shim whose server could not start (the tap's command, the bridge's arguments): every
/// request read from `input`, until it ends, gets the diagnosis as its JSON-RPC error, so the
/// client says why instead of "server disconnected". What comes in is journaled; `reply` sends
/// (and journals) one reply, with the method it answers.
pub fn answer_until_eof(
    input: impl Read,
    journal: Option<&Journal>,
    diagnosis: &Diagnosis,
    mut reply: impl FnMut(&[u8], Option<&str>),
) {
    let mut message = diagnosis.summary.clone();
    if let Some(fix) = &diagnosis.fix {
        message.push_str(&format!(". Fix: {fix}"));
    }
    let mut lines = LineBatches::with_limit(input, MAX_CLIENT_MESSAGE_BYTES);
    loop {
        let batch = match lines.next() {
            Ok(Chunk::Lines(batch)) => batch,
            Ok(Chunk::TooLong { .. }) => continue,
            Ok(Chunk::End) | Err(_) => break,
        };
        for line in line_ranges(batch) {
            let request = without_newline(&batch[line]);
            let Ok(env) = jsonrpc::inspect(request) else {
                continue;
            };
            if let Some(j) = journal {
                j.message(Direction::ClientToServer, request, Some(&env), None, None);
            }
            if env.kind != Kind::Request {
                continue;
            }
            let error = jsonrpc::error_reply(
                env.id_key(),
                jsonrpc::INTERNAL_ERROR,
                &message,
                Some(&diagnosis.code),
            );
            reply(&error, env.method.as_deref());
        }
    }
}

/// A message of the server's over [`MAX_MESSAGE_BYTES`] was dropped (Claude could not take it
/// either). The request it answered, when its id can be read, gets an error saying why at once,
/// instead of waiting for the server's exit; the journal and stderr are told in any case.
fn reply_too_long<W: Write>(shared: &Shared<W>, id: Option<String>) {
    let waiting = id
        .as_deref()
        .and_then(|id| lock(&shared.pairing).client.remove(id));
    let what = match &waiting {
        Some((method, _)) => format!(
            "its reply to {} (id {})",
            method.as_deref().unwrap_or("a request"),
            id.as_deref().unwrap_or("?")
        ),
        None => "a line".to_owned(),
    };
    let text = format!(
        "the server wrote {what} over {MAX_MESSAGE_SHOWN}, more than MCP Tray forwards; dropped"
    );
    shared.say(&text);
    if let Some(j) = &shared.journal {
        // A request that gets an error for it failed, as the bridge says of its own.
        let level = if waiting.is_some() {
            Level::Error
        } else {
            Level::Warn
        };
        j.event(level, codes::MESSAGE_TOO_LARGE, text);
    }
    if let (Some(id), Some((method, asked))) = (id, waiting) {
        shared.answered_any.store(true, Ordering::Relaxed);
        let message = format!(
            "local server {} answered {} with more than {MAX_MESSAGE_SHOWN}, which MCP Tray does not forward (a client of the MCP SDK, such as Claude Desktop, closes the connection past 10 MiB); ask for less at a time",
            shared.name,
            method.as_deref().unwrap_or("the request")
        );
        let reply = jsonrpc::error_reply(
            Some(&id),
            jsonrpc::INTERNAL_ERROR,
            &message,
            Some(codes::MESSAGE_TOO_LARGE),
        );
        shared.reply(&reply, method.as_deref(), Some(asked));
    }
}

/// The id of a message read whole but over the limit, from its two ends.
fn whole_message_id(message: &[u8]) -> Option<String> {
    let head = &message[..message.len().min(CUT_KEPT)];
    let tail = &message[message.len().saturating_sub(CUT_KEPT)..];
    cut_message_id(head, tail)
}

/// The id (its JSON text, as pairing keys it) of a message too long to read whole, from its
/// first and last bytes: a top-level `"id"` among its first members (the Python SDK writes it
/// second), or its last member, or the one before a last `"jsonrpc":"2.0"` (the TypeScript SDK
/// writes it after the result). None when neither end shows it plainly.
pub(crate) fn cut_message_id(head: &[u8], tail: &[u8]) -> Option<String> {
    id_near_start(head).or_else(|| id_at_end(tail))
}

fn id_near_start(head: &[u8]) -> Option<String> {
    let mut i = skip_ws(head, 0);
    if head.get(i) != Some(&b'{') {
        return None;
    }
    i += 1;
    loop {
        i = skip_ws(head, i);
        let key_end = string_end(head, i)?;
        let key = &head[i..key_end];
        i = skip_ws(head, key_end);
        if head.get(i) != Some(&b':') {
            return None;
        }
        i = skip_ws(head, i + 1);
        let value_end = value_end(head, i)?;
        if key == b"\"id\"" {
            return plain_id(&head[i..value_end]);
        }
        i = skip_ws(head, value_end);
        if head.get(i) != Some(&b',') {
            return None;
        }
        i += 1;
    }
}

fn id_at_end(tail: &[u8]) -> Option<String> {
    let t = trim_end(tail).strip_suffix(b"}")?;
    let mut t = trim_end(t);
    // `…,"id":N,"jsonrpc":"2.0"}`: step over the last member first.
    if let Some(rest) = t.strip_suffix(b"\"2.0\"") {
        let rest = trim_end(rest).strip_suffix(b":")?;
        let rest = trim_end(rest).strip_suffix(b"\"jsonrpc\"")?;
        t = trim_end(trim_end(rest).strip_suffix(b",")?);
    }
    // The value: a number, or a string without escaped quotes (ids are short and plain).
    let start = if t.ends_with(b"\"") {
        let inner = &t[..t.len() - 1];
        let open = memchr::memrchr(b'"', inner)?;
        if inner[open + 1..].contains(&b'\\') {
            return None;
        }
        open
    } else {
        t.iter()
            .rposition(|b| !(b.is_ascii_digit() || b"-+.eE".contains(b)))
            .map_or(0, |p| p + 1)
    };
    let value = &t[start..];
    let before = trim_end(&t[..start]).strip_suffix(b":")?;
    let before = trim_end(before).strip_suffix(b"\"id\"")?;
    // A member of the top-level object: after a comma or its opening brace.
    if !matches!(trim_end(before).last(), Some(b',' | b'{')) {
        return None;
    }
    plain_id(value)
}

/// An id's JSON text, when it is a number or a string.
fn plain_id(value: &[u8]) -> Option<String> {
    let number = !value.is_empty()
        && value
            .iter()
            .all(|b| b.is_ascii_digit() || b"-+.eE".contains(b));
    let string = value.len() >= 2 && value.starts_with(b"\"") && value.ends_with(b"\"");
    (number || string)
        .then(|| std::str::from_utf8(value).ok().map(str::to_owned))
        .flatten()
}

fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while b.get(i).is_some_and(u8::is_ascii_whitespace) {
        i += 1;
    }
    i
}

fn trim_end(b: &[u8]) -> &[u8] {
    let end = b
        .iter()
        .rposition(|c| !c.is_ascii_whitespace())
        .map_or(0, |p| p + 1);
    &b[..end]
}

/// The end (exclusive) of the string starting at `i`, when it closes within `b`.
fn string_end(b: &[u8], i: usize) -> Option<usize> {
    if b.get(i) != Some(&b'"') {
        return None;
    }
    let mut j = i + 1;
    while j < b.len() {
        match b[j] {
            b'\\' => j += 2,
            b'"' => return Some(j + 1),
            _ => j += 1,
        }
    }
    None
}

/// The end (exclusive) of the JSON value starting at `i`, when it ends within `b`.
fn value_end(b: &[u8], i: usize) -> Option<usize> {
    match b.get(i)? {
        b'"' => string_end(b, i),
        b'{' | b'[' => {
            let mut depth = 0usize;
            let mut j = i;
            while j < b.len() {
                match b[j] {
                    b'"' => {
                        j = string_end(b, j)?;
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return Some(j + 1);
                        }
                    }
                    _ => {}
                }
                j += 1;
            }
            None
        }
        _ => {
            let end = b[i..]
                .iter()
                .position(|c| matches!(c, b',' | b'}' | b']') || c.is_ascii_whitespace())?;
            Some(i + end)
        }
    }
}

fn too_long_reply(id: Option<&str>) -> Vec<u8> {
    jsonrpc::error_reply(
        id,
        jsonrpc::INVALID_REQUEST,
        &format!("message larger than {MAX_CLIENT_MESSAGE_SHOWN} refused by mcp-tray wrap"),
        Some(codes::MESSAGE_TOO_LARGE),
    )
}

/// Starts a forwarding thread; the receiver resolves when it ends (at once if it cannot start).
fn spawn_forwarder(name: &str, work: impl FnOnce() + Send + 'static) -> oneshot::Receiver<()> {
    let (done, ended) = oneshot::channel();
    let _ = std::thread::Builder::new()
        .name(name.to_owned())
        .spawn(move || {
            work();
            let _ = done.send(());
        });
    ended
}

/// Writes what arrives to `sink` on a thread of its own, flushing after each burst.
fn spawn_error_writer<E: Write + Send + 'static>(
    mut sink: E,
) -> (std_mpsc::Sender<Vec<u8>>, Option<JoinHandle<()>>) {
    let (tx, rx) = std_mpsc::channel::<Vec<u8>>();
    let thread = std::thread::Builder::new()
        .name("tap-errors".into())
        .spawn(move || {
            while let Ok(first) = rx.recv() {
                if sink.write_all(&first).is_err() {
                    return;
                }
                while let Ok(more) = rx.try_recv() {
                    if sink.write_all(&more).is_err() {
                        return;
                    }
                }
                if sink.flush().is_err() {
                    return;
                }
            }
        })
        .ok();
    (tx, thread)
}

/// What one read of a pipe gave.
#[derive(Debug, PartialEq, Eq)]
enum Chunk<'a> {
    /// One or more whole lines, each with its newline.
    Lines(&'a [u8]),
    /// A line grew past the limit ([`MAX_MESSAGE_BYTES`]): it was dropped up to its newline (or the end of
    /// input). Its first and last few KiB are kept, to find the id of the message it was.
    TooLong { head: &'a [u8], tail: &'a [u8] },
    /// End of input.
    End,
}

/// A pipe read in big reads and handed out as runs of whole lines: one read, however many lines
/// it holds, is one batch. A line keeps its bytes across reads until its newline arrives; a line
/// over [`MAX_MESSAGE_BYTES`] is dropped without being held; the last line gets a newline when the
/// input ends without one.
struct LineBatches<R> {
    source: R,
    buf: Vec<u8>,
    /// `buf[start..end]` is read but not handed out yet: the start of a line.
    start: usize,
    end: usize,
    /// Longest line kept, without its newline.
    limit: usize,
    /// Inside a line over the limit: dropping bytes up to its newline.
    skipping: bool,
    /// The start and the latest end of the line being dropped.
    head: Vec<u8>,
    tail: Vec<u8>,
    /// A dropped line was just reported: the bytes after its newline may hold whole lines.
    rescan: bool,
    ended: bool,
}

/// Bytes kept of each end of a dropped line.
pub(crate) const CUT_KEPT: usize = 4 * 1024;

impl<R: Read> LineBatches<R> {
    /// Lines of at most [`MAX_MESSAGE_BYTES`] (the server's).
    fn new(source: R) -> Self {
        Self::with_limit(source, MAX_MESSAGE_BYTES)
    }

    /// Lines of at most `limit` bytes.
    fn with_limit(source: R, limit: usize) -> Self {
        LineBatches {
            source,
            buf: vec![0; READ_CHUNK],
            start: 0,
            end: 0,
            limit,
            skipping: false,
            head: Vec::new(),
            tail: Vec::new(),
            rescan: false,
            ended: false,
        }
    }

    /// Keeps the last [`CUT_KEPT`] bytes of the line being dropped.
    fn keep_tail(&mut self, from: usize, to: usize) {
        let piece = &self.buf[from..to];
        if piece.len() >= CUT_KEPT {
            self.tail.clear();
            self.tail
                .extend_from_slice(&piece[piece.len() - CUT_KEPT..]);
        } else {
            self.tail.extend_from_slice(piece);
            if self.tail.len() > CUT_KEPT {
                self.tail.drain(..self.tail.len() - CUT_KEPT);
            }
        }
    }

    /// Blocks until whole lines have arrived (or a line got too long, or the input ended).
    fn next(&mut self) -> io::Result<Chunk<'_>> {
        loop {
            if self.ended {
                return Ok(Chunk::End);
            }
            if std::mem::take(&mut self.rescan)
                && let Some(i) = memchr::memrchr(b'\n', &self.buf[self.start..self.end])
            {
                let whole = self.start..self.start + i + 1;
                self.start = whole.end;
                return Ok(Chunk::Lines(&self.buf[whole]));
            }
            self.make_room();
            let n = match self.source.read(&mut self.buf[self.end..]) {
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if n == 0 {
                self.ended = true;
                if self.skipping {
                    // Cut off by the end of input: dropped, no line made of its tail.
                    self.skipping = false;
                    return Ok(Chunk::TooLong {
                        head: &self.head,
                        tail: &self.tail,
                    });
                }
                if self.start == self.end {
                    return Ok(Chunk::End);
                }
                // The last line came without its newline: it gets one (make_room left space).
                self.buf[self.end] = b'\n';
                let last = self.start..self.end + 1;
                self.start = self.end;
                return Ok(Chunk::Lines(&self.buf[last]));
            }
            let fresh = self.end;
            self.end += n;
            let scan_from = fresh;
            if self.skipping {
                match memchr::memchr(b'\n', &self.buf[fresh..self.end]) {
                    None => {
                        self.keep_tail(fresh, self.end);
                        self.start = self.end;
                        continue;
                    }
                    Some(i) => {
                        let mut line_end = fresh + i;
                        if line_end > fresh && self.buf[line_end - 1] == b'\r' {
                            line_end -= 1;
                        }
                        self.keep_tail(fresh, line_end);
                        self.skipping = false;
                        self.start = fresh + i + 1;
                        self.rescan = true;
                        return Ok(Chunk::TooLong {
                            head: &self.head,
                            tail: &self.tail,
                        });
                    }
                }
            }
            if let Some(i) = memchr::memrchr(b'\n', &self.buf[scan_from..self.end]) {
                let whole = self.start..scan_from + i + 1;
                self.start = whole.end;
                return Ok(Chunk::Lines(&self.buf[whole]));
            }
            if self.end - self.start > self.limit {
                self.skipping = true;
                self.head.clear();
                let head_end = self.start + CUT_KEPT.min(self.end - self.start);
                self.head.extend_from_slice(&self.buf[self.start..head_end]);
                self.tail.clear();
                self.keep_tail(self.start, self.end);
                self.start = self.end;
            }
        }
    }

    /// Moves the unfinished line to the front and makes sure a big read fits after it.
    fn make_room(&mut self) {
        if self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        if self.buf.len() > 4 * READ_CHUNK && self.end < READ_CHUNK / 2 {
            // A big line has passed: give its memory back.
            self.buf.truncate(READ_CHUNK);
            self.buf.shrink_to_fit();
        }
        if self.buf.len() - self.end < READ_CHUNK / 2 {
            // A long line is arriving: grow geometrically, up to the limit and one read more.
            let grown = (self.end + READ_CHUNK)
                .max(self.buf.len() * 2)
                .min(self.limit + 1 + READ_CHUNK);
            self.buf.resize(grown, 0);
        }
    }
}

/// The lines of a batch (each with its newline), as ranges of it.
fn line_ranges(batch: &[u8]) -> impl Iterator<Item = Range<usize>> + '_ {
    let mut start = 0;
    memchr::memchr_iter(b'\n', batch).map(move |end| {
        let line = start..end + 1;
        start = end + 1;
        line
    })
}

/// A line without its `\n` or `\r\n`: the message.
fn without_newline(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// The stretches of a batch that are forwarded. Adjacent lines merge, so a batch whose lines all
/// pass is written in one write, as the bytes it was read as.
#[derive(Default)]
struct Runs(Vec<Range<usize>>);

impl Runs {
    fn clear(&mut self) {
        self.0.clear();
    }

    fn add(&mut self, line: Range<usize>) {
        match self.0.last_mut() {
            Some(last) if last.end == line.start => last.end = line.end,
            _ => self.0.push(line),
        }
    }

    fn write(&self, batch: &[u8], sink: &mut impl Write) -> io::Result<()> {
        for run in &self.0 {
            sink.write_all(&batch[run.clone()])?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spread_lines(spread: &mut Spread, lines: &[&str]) -> Vec<String> {
        let mut said = Vec::new();
        for line in lines {
            match spread.take(line.as_bytes()) {
                Spreading::No => said.push(format!("no: {line}")),
                Spreading::Taken => said.push("taken".to_owned()),
                Spreading::Whole(joined, n) => {
                    said.push(format!("whole {n}: {}", String::from_utf8_lossy(&joined)));
                }
                Spreading::NotOne { lines, line_too } => {
                    said.push(format!("not one: {} (line too: {line_too})", lines.len()));
                }
                Spreading::TooLarge(id) => said.push(format!("too large: {id:?}")),
            }
        }
        said
    }

    #[test]
    fn a_message_over_several_lines_is_put_together_through_strings_holding_brackets() {
        let mut spread = Spread::default();
        let said = spread_lines(
            &mut spread,
            &[
                "{",
                r#"  "jsonrpc": "2.0", "id": 1,"#,
                r#"  "result": {"text": "a } and a ] and \" and \\"}"#,
                "}",
            ],
        );
        assert_eq!(said[..3], ["taken", "taken", "taken"]);
        assert_eq!(
            said[3],
            r#"whole 4: {   "jsonrpc": "2.0", "id": 1,   "result": {"text": "a } and a ] and \" and \\"} }"#
        );
        assert!(!spread.pending());
    }

    #[test]
    fn a_stray_line_never_swallows_the_messages_after_it() {
        let mut spread = Spread::default();
        // A log line holding an unclosed bracket is not the start of anything.
        assert_eq!(
            spread_lines(
                &mut spread,
                &[r#"[INFO] request {"method":"tools/call", …"#]
            ),
            [r#"no: [INFO] request {"method":"tools/call", …"#]
        );
        // A lone `{` that a whole message follows: the message is its own, the `{` given back.
        let message = r#"{"jsonrpc":"2.0","id":3,"result":{}}"#;
        assert_eq!(
            spread_lines(&mut spread, &["{", message]),
            ["taken", "not one: 1 (line too: false)"]
        );
        // A line that ends inside a string is no line of pretty-printed JSON.
        assert_eq!(
            spread_lines(&mut spread, &["[", r#"  "unclosed"#]),
            ["taken", "not one: 2 (line too: true)"]
        );
        assert!(!spread.pending());
        // After each failed try, a message over several lines is put together again.
        let said = spread_lines(
            &mut spread,
            &["{", r#""jsonrpc": "2.0", "id": 4, "result": {}"#, "}"],
        );
        assert_eq!(
            said[2],
            r#"whole 3: { "jsonrpc": "2.0", "id": 4, "result": {} }"#
        );
    }

    /// A pretty-printed reply past the limit (`json.dumps(reply, indent=2)` of a large result) is
    /// read to its end and dropped with its id, not given back line by line as stdout pollution
    /// (up to a line each on stderr and in the journal, and its request never answered).
    #[test]
    fn a_message_over_several_lines_past_the_limit_is_dropped_whole_with_its_id() {
        let mut spread = Spread::default();
        let item = format!("    \"{}\",", "x".repeat(1000));
        let n = MAX_MESSAGE_BYTES / item.len() + 10;
        let mut lines = vec![
            "{",
            r#"  "jsonrpc": "2.0","#,
            r#"  "id": 7,"#,
            r#"  "result": {"#,
            r#"   "items": ["#,
        ];
        lines.extend(std::iter::repeat_n(item.as_str(), n));
        lines.extend([r#"    "last""#, "   ]", "  }", "}"]);
        let said = spread_lines(&mut spread, &lines);
        assert!(
            said[..said.len() - 1].iter().all(|s| s == "taken"),
            "{:?}",
            &said[..3]
        );
        assert_eq!(
            said.last().map(String::as_str),
            Some(r#"too large: Some("7")"#)
        );
        assert!(!spread.pending());
        assert!(
            spread.text.capacity() <= 2 * MAX_MESSAGE_BYTES,
            "held it whole"
        );
        // The next message over several lines is put together again.
        let said = spread_lines(
            &mut spread,
            &["{", r#""jsonrpc": "2.0", "id": 8, "result": {}"#, "}"],
        );
        assert_eq!(
            said[2],
            r#"whole 3: { "jsonrpc": "2.0", "id": 8, "result": {} }"#
        );
    }

    #[test]
    fn lines_that_are_not_one_message_are_given_back_as_they_are() {
        // Closed on its own line: not the start of anything.
        let mut spread = Spread::default();
        assert_eq!(spread_lines(&mut spread, &["{oops}"]), ["no: {oops}"]);
        // Closes more than was opened.
        assert_eq!(
            spread_lines(&mut spread, &["{", "}]"]),
            ["taken", "not one: 2 (line too: true)"]
        );
        // Whole, but not JSON-RPC (a log line printed as a JSON object over lines).
        assert_eq!(
            spread_lines(&mut spread, &["{", r#""level": "info""#, "}"]),
            ["taken", "taken", "not one: 3 (line too: true)"]
        );
        assert!(!spread.pending());
        // Not a bracket at all.
        assert_eq!(
            spread_lines(&mut spread, &["Server starting..."]),
            ["no: Server starting..."]
        );
    }

    /// A pipe that gives its bytes in the given pieces, one per read.
    struct Pieces(VecDeque<Vec<u8>>);

    impl Read for Pieces {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let Some(mut piece) = self.0.pop_front() else {
                return Ok(0);
            };
            let n = piece.len().min(buf.len());
            buf[..n].copy_from_slice(&piece[..n]);
            if n < piece.len() {
                self.0.push_front(piece.split_off(n));
            }
            Ok(n)
        }
    }

    fn batches(pieces: &[&[u8]], limit: usize) -> Vec<String> {
        let mut lines = LineBatches::new(Pieces(pieces.iter().map(|p| p.to_vec()).collect()));
        lines.limit = limit;
        let mut got = Vec::new();
        loop {
            match lines.next().expect("read") {
                Chunk::Lines(batch) => got.push(String::from_utf8_lossy(batch).into_owned()),
                Chunk::TooLong { .. } => got.push("<too long>".to_owned()),
                Chunk::End => return got,
            }
        }
    }

    #[test]
    fn one_read_of_many_lines_is_one_batch_and_a_split_line_waits_for_its_end() {
        let got = batches(
            &[b"{\"a\":1}\n{\"b\":2}\r\n{\"c\"", b":3}\n"],
            MAX_MESSAGE_BYTES,
        );
        assert_eq!(got, ["{\"a\":1}\n{\"b\":2}\r\n", "{\"c\":3}\n"]);
    }

    #[test]
    fn the_last_line_gets_its_missing_newline() {
        assert_eq!(
            batches(&[b"one\ntwo"], MAX_MESSAGE_BYTES),
            ["one\n", "two\n"]
        );
        assert!(batches(&[], MAX_MESSAGE_BYTES).is_empty());
    }

    #[test]
    fn a_line_over_the_limit_is_dropped_to_its_newline_and_the_next_one_passes() {
        let got = batches(&[b"ok\n0123", b"456789", b"abc\nnext\n"], 8);
        assert_eq!(got, ["ok\n", "<too long>", "next\n"]);
        // Cut off by the end of input: dropped, no line made of its tail.
        assert_eq!(batches(&[b"0123456789", b"abc"], 8), ["<too long>"]);
    }

    #[test]
    fn a_dropped_line_keeps_its_two_ends_and_the_lines_read_with_its_end_still_come() {
        let mut lines = LineBatches::new(Pieces(
            [&b"{\"id\":7,"[..], b"xxxxxxxxxx", b"yyy,\"z\":1}\r\nnext\n"]
                .iter()
                .map(|p| p.to_vec())
                .collect(),
        ));
        lines.limit = 12;
        match lines.next().expect("read") {
            Chunk::TooLong { head, tail } => {
                assert!(head.starts_with(b"{\"id\":7,"), "{head:?}");
                assert!(
                    tail.ends_with(b"\"z\":1}"),
                    "the end, without its CR LF: {tail:?}"
                );
            }
            _ => panic!("the long line is reported once it ended"),
        }
        assert!(matches!(
            lines.next().expect("read"),
            Chunk::Lines(b"next\n")
        ));
        assert!(matches!(lines.next().expect("read"), Chunk::End));
    }

    #[test]
    fn a_cut_message_s_id_is_read_from_either_end() {
        let id = |head: &str, tail: &str| cut_message_id(head.as_bytes(), tail.as_bytes());
        // The Python SDK: the id comes second.
        assert_eq!(
            id(r#"{"jsonrpc":"2.0","id":5,"result":{"content":[{"te"#, "").as_deref(),
            Some("5")
        );
        assert_eq!(
            id(r#"{ "jsonrpc" : "2.0" , "id" : "a-1" , "result""#, "").as_deref(),
            Some("\"a-1\"")
        );
        // The TypeScript SDK: result first, then jsonrpc and id (or the other way round).
        assert_eq!(
            id(
                r#"{"result":{"content":[{"text":"aaaa"#,
                r#"aaaa"}]},"jsonrpc":"2.0","id":12}"#
            )
            .as_deref(),
            Some("12")
        );
        assert_eq!(
            id(
                r#"{"result":{"#,
                "aaa\"}]},\"id\":\"x\",\"jsonrpc\":\"2.0\"}\r"
            )
            .as_deref(),
            Some("\"x\"")
        );
        // An "id" inside the result is not the message's.
        assert_eq!(id(r#"{"result":{"id":9,"text":"aaa"#, r#"aaa"}}"#), None);
        assert_eq!(id(r#"{"result":{"text":"aaa"#, r#"aaa","id":9}}"#), None);
        // Not JSON at all.
        assert_eq!(id("banner", "more banner"), None);
    }

    #[test]
    fn a_line_longer_than_a_read_grows_the_buffer_and_comes_whole() {
        let long = vec![b'x'; 5 * READ_CHUNK + 7];
        let mut input = long.clone();
        input.extend_from_slice(b"\nafter\n");
        let got = batches(&[&input], MAX_MESSAGE_BYTES);
        assert!(
            got[0].len() > long.len(),
            "the long line comes in one batch"
        );
        assert_eq!(got.concat().as_bytes(), &input[..]);
    }

    #[test]
    fn runs_merge_adjacent_lines_into_one_write() {
        let batch = b"a\nb\nnoise\nc\n";
        let mut runs = Runs::default();
        let ranges: Vec<_> = line_ranges(batch).collect();
        for (i, line) in ranges.into_iter().enumerate() {
            if i != 2 {
                runs.add(line);
            }
        }
        assert_eq!(runs.0, [0..4, 10..12]);
        let mut out = Vec::new();
        runs.write(batch, &mut out).expect("write");
        assert_eq!(out, b"a\nb\nc\n");
        assert_eq!(without_newline(b"x\r\n"), b"x");
    }
}
