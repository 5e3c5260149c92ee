//! The tap: `mcp-tray wrap --name N -- CMD ARGS…`, the shim Claude Desktop starts instead of a
//! local stdio server so MCP Tray can see its traffic.
//!
//! It starts the server in its own process group and forwards stdin and stdout line by line as the
//! bytes they are, recording every message in the server's journal (the same one the bridge
//! writes) with request/response pairing and latency. The server's stderr passes through to ours
//! (Claude copies it into its log) and is journaled. What it adds:
//! - **stdout pollution rescued**: a line the server prints to stdout that is not JSON-RPC (a
//!   banner, a `console.log`) would break Claude's parser; it goes to stderr and the journal as
//!   `stdout-pollution` instead (`strict` forwards everything unchanged);
//! - **exactly one response**: requests the server can no longer answer (it exited, or never
//!   started) get a JSON-RPC error saying why in plain words;
//! - **the whole tree stops**: on end of input or a signal the server gets the spec's shutdown
//!   (close stdin, wait, SIGTERM the group, wait, SIGKILL), so no `node` outlives its `npx`;
//! - **diagnoses**: `command-not-found` (where we looked, and the fix) and `exited-early` (with the
//!   server's last stderr lines) go to stderr and the journal.
//!
//! It must never write anything but JSON-RPC to its output, and never change a forwarded message.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::sync::mpsc;

use crate::bridge::{LineRead, read_line};
use crate::diagnose::{Diagnosis, Severity, codes};
use crate::journal::{Direction, Journal, Level};
use crate::jsonrpc::{self, Kind};
use crate::supervise::{CommandResolver, ExitReport, ServerCommand, StdioChild};

/// Stderr lines kept to explain an early exit.
const STDERR_KEPT: usize = 20;
/// Longest polluting line quoted on stderr.
const QUOTE_MAX: usize = 300;

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

/// Requests waiting for an answer, in one direction: id → (method, when it passed). Ids are per
/// direction, so each direction has its own map.
type Pending = Arc<Mutex<HashMap<String, (Option<String>, Instant)>>>;

/// Runs the tap until the client closes its input, the server exits, or `shutdown` resolves.
/// `errors` receives the human lines (and the server's stderr, passed through).
pub async fn run<R, W, E, S>(
    opts: TapOptions,
    resolver: &CommandResolver,
    input: R,
    output: W,
    errors: E,
    journal: Option<Arc<Journal>>,
    shutdown: S,
) -> TapOutcome
where
    R: AsyncBufRead + Unpin,
    W: AsyncWrite + Unpin + Send + 'static,
    E: AsyncWrite + Unpin + Send + 'static,
    S: std::future::Future<Output = ()>,
{
    let (err_tx, err_rx) = mpsc::unbounded_channel::<Vec<u8>>();
    let err_task = tokio::spawn(pump(errors, err_rx));
    // The client's side is written in place by whoever has a message (no hand-off on the hot
    // path); the lock is only ever contended by the rare local replies.
    let out: Out<W> = Arc::new(tokio::sync::Mutex::new(output));
    let say = |text: String| {
        let _ = err_tx.send(format!("mcp-tray wrap [{}]: {text}\n", opts.name).into_bytes());
    };

    let started = resolver
        .resolve(&opts.command.command, opts.command.cwd.as_deref())
        .and_then(|resolved| {
            StdioChild::spawn(&opts.command, &resolved).map_err(|e| {
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
            say(format!("[{}] {}", diagnosis.code, diagnosis.summary));
            if !diagnosis.detail.is_empty() {
                say(diagnosis.detail.clone());
            }
            if let Some(fix) = &diagnosis.fix {
                say(format!("fix: {fix}"));
            }
            if let Some(j) = &journal {
                j.event(Level::Error, &diagnosis.code, diagnosis.summary.clone());
            }
            answer_until_eof(input, &out, &journal, &diagnosis).await;
            let _ = out.lock().await.flush().await;
            drop(err_tx);
            let _ = err_task.await;
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
            format!("started {} (pid {pid})", opts.command.shell_line()),
        );
    }

    let pending: Pending = Arc::default();
    let server_requests: Pending = Arc::default();
    let answered_any = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let stderr_kept: Arc<Mutex<VecDeque<String>>> = Arc::default();

    // Server stdout → client.
    let stdout_task = child.take_stdout().map(|stdout| {
        let (out, err_tx, journal) = (out.clone(), err_tx.clone(), journal.clone());
        let server_requests = server_requests.clone();
        let (pending, answered_any, name, strict) = (
            pending.clone(),
            answered_any.clone(),
            opts.name.clone(),
            opts.strict,
        );
        tokio::spawn(async move {
            let mut reader = BufReader::with_capacity(64 * 1024, stdout);
            let mut buf = Vec::with_capacity(64 * 1024);
            loop {
                match read_line(&mut reader, &mut buf).await {
                    Ok(LineRead::Eof) | Err(_) => break,
                    Ok(LineRead::TooLong) => {
                        let _ = err_tx.send(
                            format!("mcp-tray wrap [{name}]: the server wrote a line over 64 MiB; dropped\n").into_bytes(),
                        );
                        continue;
                    }
                    Ok(LineRead::Line) => {}
                }
                if buf.iter().all(u8::is_ascii_whitespace) {
                    continue;
                }
                match jsonrpc::inspect(&buf) {
                    Ok(env) => {
                        let mut method = None;
                        let mut latency = None;
                        if env.kind.is_reply()
                            && let Some(key) = env.id_key()
                            && let Some((m, at)) = lock(&pending).remove(key)
                        {
                            method = m;
                            latency = Some(at.elapsed());
                            answered_any.store(true, std::sync::atomic::Ordering::Relaxed);
                        }
                        if env.kind == Kind::Request
                            && let Some(key) = env.id_key()
                        {
                            lock(&server_requests)
                                .insert(key.to_owned(), (env.method.clone(), Instant::now()));
                        }
                        if let Some(j) = &journal {
                            j.message(Direction::ServerToClient, &buf, Some(&env), method.as_deref(), latency);
                        }
                        emit(&out, &buf, reader.buffer().is_empty()).await;
                    }
                    Err(_) if strict => {
                        if let Some(j) = &journal {
                            j.message(Direction::ServerToClient, &buf, None, None, None);
                        }
                        emit(&out, &buf, reader.buffer().is_empty()).await;
                    }
                    Err(_) => {
                        let text = String::from_utf8_lossy(&buf);
                        let quoted: String = text.chars().take(QUOTE_MAX).collect();
                        let _ = err_tx.send(
                            format!(
                                "mcp-tray wrap [{name}]: [{}] not forwarded (stdout is for JSON-RPC only): {quoted}\n",
                                codes::STDOUT_POLLUTION
                            )
                            .into_bytes(),
                        );
                        if let Some(j) = &journal {
                            j.event(
                                Level::Warn,
                                codes::STDOUT_POLLUTION,
                                format!("the server printed a non-JSON-RPC line to stdout (not forwarded): {quoted}"),
                            );
                        }
                    }
                }
            }
        })
    });

    // Server stderr → our stderr, the journal and the last-lines buffer.
    let stderr_task = child.take_stderr().map(|stderr| {
        let (err_tx, journal, kept) = (err_tx.clone(), journal.clone(), stderr_kept.clone());
        tokio::spawn(async move {
            let mut reader = BufReader::with_capacity(16 * 1024, stderr);
            let mut buf = Vec::with_capacity(4096);
            loop {
                match read_line(&mut reader, &mut buf).await {
                    Ok(LineRead::Eof) | Err(_) => break,
                    Ok(LineRead::TooLong) => continue,
                    Ok(LineRead::Line) => {}
                }
                let mut raw = buf.clone();
                raw.push(b'\n');
                let _ = err_tx.send(raw);
                let text = String::from_utf8_lossy(&buf).into_owned();
                if let Some(j) = &journal {
                    j.event(Level::Info, "stderr", text.clone());
                }
                let mut kept = lock(&kept);
                if kept.len() == STDERR_KEPT {
                    kept.pop_front();
                }
                kept.push_back(text);
            }
        })
    });

    // Client → server stdin, until the client is done, the server is gone, or a signal.
    let mut stdin = child.take_stdin();
    let mut input = input;
    let mut buf = Vec::with_capacity(64 * 1024);
    let mut shutdown = std::pin::pin!(shutdown);
    enum End {
        ClientDone,
        Signal,
        ServerExited(std::io::Result<ExitReport>),
    }
    let end = loop {
        let read = tokio::select! {
            read = read_line(&mut input, &mut buf) => read,
            exit = child.wait(opts.grace) => break End::ServerExited(exit),
            () = &mut shutdown => break End::Signal,
        };
        match read {
            Ok(LineRead::Eof) | Err(_) => break End::ClientDone,
            Ok(LineRead::TooLong) => {
                let reply = jsonrpc::error_reply(
                    None,
                    jsonrpc::INVALID_REQUEST,
                    "message larger than 64 MiB refused by mcp-tray wrap",
                    Some(codes::PROTOCOL_ERROR),
                );
                emit(&out, &reply, true).await;
            }
            Ok(LineRead::Line) => {
                if buf.iter().all(u8::is_ascii_whitespace) {
                    continue;
                }
                let env = jsonrpc::inspect(&buf).ok();
                // The client's answer to a server request: pair it for the journal.
                let answered = env
                    .as_ref()
                    .filter(|e| e.kind.is_reply())
                    .and_then(|e| e.id_key())
                    .and_then(|key| lock(&server_requests).remove(key));
                if let Some(j) = &journal {
                    let (method, latency) =
                        answered.map_or((None, None), |(m, at)| (m, Some(at.elapsed())));
                    j.message(
                        Direction::ClientToServer,
                        &buf,
                        env.as_ref(),
                        method.as_deref(),
                        latency,
                    );
                }
                if let Some(env) = &env
                    && env.kind == Kind::Request
                    && let Some(key) = env.id_key()
                {
                    lock(&pending).insert(key.to_owned(), (env.method.clone(), Instant::now()));
                }
                let Some(pipe) = stdin.as_mut() else { continue };
                let mut line = Vec::with_capacity(buf.len() + 1);
                line.extend_from_slice(&buf);
                line.push(b'\n');
                if pipe.write_all(&line).await.is_err() || pipe.flush().await.is_err() {
                    // The server closed its stdin: it is exiting; its exit is reported below.
                    stdin = None;
                }
            }
        }
    };
    drop(stdin);

    let exited_on_its_own = matches!(end, End::ServerExited(_));
    let report = match end {
        End::ServerExited(report) => report.ok(),
        End::ClientDone | End::Signal => child.shutdown(opts.grace).await.ok(),
    };
    // Everything the server wrote before exiting is forwarded before the leftovers are answered.
    if let Some(task) = stdout_task {
        let _ = tokio::time::timeout(Duration::from_secs(2), task).await;
    }
    if let Some(task) = stderr_task {
        let _ = tokio::time::timeout(Duration::from_secs(2), task).await;
    }

    let last_lines: Vec<String> = lock(&stderr_kept).iter().cloned().collect();
    let status = report
        .as_ref()
        .map_or_else(|| "an unknown status".to_owned(), ExitReport::describe);
    let diagnosis = exited_on_its_own.then(|| {
        let early = !answered_any.load(std::sync::atomic::Ordering::Relaxed);
        let (code, summary) = if early {
            (
                codes::EXITED_EARLY,
                format!("{} exited ({status}) before answering anything", opts.command.command),
            )
        } else {
            ("exited", format!("{} exited ({status})", opts.command.command))
        };
        let mut d = Diagnosis::new(code, if early { Severity::Error } else { Severity::Warning }, summary)
            .server(&opts.name);
        if !last_lines.is_empty() {
            d = d.detail(format!("its last stderr lines:\n{}", last_lines.join("\n")));
        }
        if early {
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

    // Exactly one response per request: what the server will never answer, we answer.
    let last_line = last_lines.last().cloned().unwrap_or_default();
    let unanswered: Vec<(String, Option<String>)> = lock(&pending)
        .drain()
        .map(|(id, (method, _))| (id, method))
        .collect();
    for (id, method) in unanswered {
        let mut message = format!(
            "local server {} ended ({status}) before answering {}",
            opts.name,
            method.as_deref().unwrap_or("the request")
        );
        if !last_line.is_empty() {
            message.push_str(&format!(": {last_line}"));
        }
        let code = diagnosis
            .as_ref()
            .map_or(codes::EXITED_EARLY, |d| d.code.as_str());
        let reply = jsonrpc::error_reply(Some(&id), jsonrpc::INTERNAL_ERROR, &message, Some(code));
        if let Some(j) = &journal
            && let Ok(env) = jsonrpc::inspect(&reply)
        {
            j.message(
                Direction::ServerToClient,
                &reply,
                Some(&env),
                method.as_deref(),
                None,
            );
        }
        emit(&out, &reply, true).await;
    }

    let _ = out.lock().await.flush().await;
    drop(err_tx);
    let _ = err_task.await;
    let code = match (exited_on_its_own, &report) {
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

/// When the server could not start: every request gets the diagnosis as its error, until EOF.
async fn answer_until_eof<R: AsyncBufRead + Unpin, W: AsyncWrite + Unpin>(
    mut input: R,
    out: &Out<W>,
    journal: &Option<Arc<Journal>>,
    diagnosis: &Diagnosis,
) {
    let mut buf = Vec::new();
    let mut message = diagnosis.summary.clone();
    if let Some(fix) = &diagnosis.fix {
        message.push_str(&format!(". Fix: {fix}"));
    }
    while let Ok(LineRead::Line | LineRead::TooLong) = read_line(&mut input, &mut buf).await {
        let Ok(env) = jsonrpc::inspect(&buf) else {
            continue;
        };
        if let Some(j) = journal {
            j.message(Direction::ClientToServer, &buf, Some(&env), None, None);
        }
        if env.kind != Kind::Request {
            continue;
        }
        let reply = jsonrpc::error_reply(
            env.id_key(),
            jsonrpc::INTERNAL_ERROR,
            &message,
            Some(&diagnosis.code),
        );
        if let Some(j) = journal
            && let Ok(reply_env) = jsonrpc::inspect(&reply)
        {
            j.message(
                Direction::ServerToClient,
                &reply,
                Some(&reply_env),
                env.method.as_deref(),
                None,
            );
        }
        emit(out, &reply, true).await;
    }
}

/// Writes what arrives on `rx` to `sink`, flushing after each burst.
async fn pump<W: AsyncWrite + Unpin>(mut sink: W, mut rx: mpsc::UnboundedReceiver<Vec<u8>>) {
    while let Some(first) = rx.recv().await {
        if sink.write_all(&first).await.is_err() {
            return;
        }
        while let Ok(more) = rx.try_recv() {
            if sink.write_all(&more).await.is_err() {
                return;
            }
        }
        if sink.flush().await.is_err() {
            return;
        }
    }
}

/// The client's side of the tap, shared by the few places that write to it.
type Out<W> = Arc<tokio::sync::Mutex<W>>;

/// Writes one message and its newline; `flush` when no more are waiting, so bursts go out together.
async fn emit<W: AsyncWrite + Unpin>(out: &Out<W>, message: &[u8], flush: bool) {
    let mut w = out.lock().await;
    if w.write_all(message).await.is_ok() && w.write_all(b"\n").await.is_ok() && flush {
        let _ = w.flush().await;
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}
