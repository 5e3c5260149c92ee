//! The supervisor: stdio servers MCP Tray runs itself (probes, "test this server", a server kept
//! warm for the health view), and the shims Claude Desktop started, watched by pid.
//!
//! Owns process lifetimes: start, stop (the spec's shutdown, see [`child`]), restart with
//! exponential backoff, crash-loop detection (N unexpected exits within a window → stop and
//! report), a ring buffer of each server's last stderr lines, uptime, and CPU/RSS summed over the
//! process tree ([`stats`]). Commands are resolved by a [`CommandResolver`] (login-shell PATH,
//! PATHEXT). Tokio-based; the app owns one [`Supervisor`] in its state and passes in the
//! cancellation token that ends everything; there is no global instance.
//!
//! Never: speak JSON-RPC (whoever receives a server's [`StdioPipes`] does), write files (but the
//! resolver's login-PATH cache, when given one), or block an async task on a process (waits are
//! async, resolution runs on the blocking pool).

pub mod child;
pub mod leftovers;
pub mod resolve;
pub mod stats;

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use serde::Serialize;
use tokio::io::AsyncBufReadExt;
use tokio::io::DuplexStream;
use tokio::process::{ChildStdin, ChildStdout};
use tokio::sync::{broadcast, mpsc};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

pub use child::{
    ExitReport, HURRIED_STOP, SIGNALLED_STOP, ServerCommand, StdioChild, StopStep, shell_line,
};
pub use resolve::{CommandResolver, LoginShellPath, PathOrigin, ResolvedCommand};
pub use stats::{ProcessStats, StatsSampler};

use crate::diagnose::{Diagnosis, Severity, codes};

/// Timings and limits of the supervisor.
#[derive(Debug, Clone)]
pub struct SupervisorConfig {
    /// Wait between the shutdown steps (the Python SDK uses 2 s).
    pub grace: Duration,
    /// First restart delay; doubles per consecutive failure.
    pub backoff_initial: Duration,
    pub backoff_max: Duration,
    /// A run at least this long resets the backoff.
    pub stable_after: Duration,
    /// This many unexpected exits within `crash_loop_window` stop the restarts.
    pub crash_loop_exits: usize,
    pub crash_loop_window: Duration,
    /// Stderr lines kept per server.
    pub stderr_lines: usize,
    /// Where running servers are recorded, so that the next supervisor can stop what this one
    /// leaves running if its process dies without stopping them ([`leftovers::reap`]; Linux and macOS).
    pub leftovers: Option<std::path::PathBuf>,
}

impl Default for SupervisorConfig {
    fn default() -> Self {
        SupervisorConfig {
            grace: Duration::from_secs(2),
            backoff_initial: Duration::from_millis(500),
            backoff_max: Duration::from_secs(30),
            stable_after: Duration::from_secs(60),
            crash_loop_exits: 5,
            crash_loop_window: Duration::from_secs(120),
            stderr_lines: 200,
            leftovers: None,
        }
    }
}

/// When a server that exited is started again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Restart {
    Never,
    /// Only after a non-zero exit or a signal.
    OnFailure,
    Always,
}

/// Where a supervised server is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RunState {
    Running,
    /// Waiting to be restarted.
    Backoff,
    /// Stopped by us.
    Stopped,
    /// Exited and not restarted (policy).
    Exited,
    /// Exited too often; restarts stopped.
    CrashLoop,
}

/// What the UI shows for a supervised server.
#[derive(Debug, Clone, Serialize)]
pub struct ServerStatus {
    pub name: String,
    pub state: RunState,
    pub pid: Option<u32>,
    pub restarts: u32,
    /// Why the last of those `restarts` happened: kept while the process after it runs well, so
    /// that a count is never shown without its cause.
    pub last_restart: Option<RestartCause>,
    pub uptime_ms: Option<u64>,
    pub last_exit: Option<ExitReport>,
    pub diagnosis: Option<Diagnosis>,
}

/// Why the supervisor started a server again by itself: how the process before ended, and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RestartCause {
    pub exit: ExitReport,
    /// The diagnosis of that exit (`exited-early`) when it was a failure; `None` for a clean exit
    /// started again all the same ([`Restart::Always`]).
    pub code: Option<String>,
    /// When it ended: RFC 3339, UTC, milliseconds (as the journals' stamps).
    pub at: String,
}

impl RestartCause {
    /// How the process before ended, in words: "exited with status 1", "was ended by signal
    /// SIGKILL".
    pub fn describe(&self) -> String {
        let e = &self.exit;
        match (e.code, &e.signal_name, e.signal) {
            (Some(code), _, _) => format!("exited with status {code}"),
            (None, Some(name), _) => format!("was ended by signal {name}"),
            (None, None, Some(signal)) => format!("was ended by signal {signal}"),
            _ => "exited".to_owned(),
        }
    }
}

/// Things that happen to supervised servers, for the UI and the journal.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "event", rename_all = "kebab-case")]
pub enum SupervisorEvent {
    Started {
        server: String,
        pid: u32,
    },
    Stderr {
        server: String,
        line: String,
    },
    Exited {
        server: String,
        report: ExitReport,
        diagnosis: Option<Diagnosis>,
    },
    Restarting {
        server: String,
        delay_ms: u64,
        attempt: u32,
    },
    CrashLoop {
        server: String,
        diagnosis: Diagnosis,
    },
    Stopped {
        server: String,
        report: Option<ExitReport>,
    },
}

/// A running incarnation's stdin and stdout, handed to whoever speaks to the server. A new one is
/// sent after every restart. Pipes nobody takes are drained (stdout) and held open (stdin).
///
/// `stdin` is one end of an in-memory pipe the supervisor copies into the child's stdin (write
/// to it; nothing is ever read from it): the supervisor keeps the real pipe so that a stop can
/// close it (the spec's first shutdown step) whoever holds this end. Dropping it closes the
/// child's stdin too.
#[derive(Debug)]
pub struct StdioPipes {
    pub pid: u32,
    pub stdin: DuplexStream,
    pub stdout: ChildStdout,
}

/// Buffer of the in-memory stdin pipe.
const STDIN_BUFFER: usize = 64 * 1024;

#[derive(Debug)]
struct SlotState {
    state: RunState,
    pid: Option<u32>,
    started: Option<Instant>,
    restarts: u32,
    last_restart: Option<RestartCause>,
    last_exit: Option<ExitReport>,
    diagnosis: Option<Diagnosis>,
    stderr: VecDeque<String>,
}

#[derive(Debug)]
struct Slot {
    spec: ServerCommand,
    restart: Restart,
    stop: CancellationToken,
    state: Mutex<SlotState>,
    task: tokio::sync::Mutex<Option<JoinHandle<()>>>,
}

impl Slot {
    fn lock(&self) -> MutexGuard<'_, SlotState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn stderr_tail(&self, n: usize) -> Vec<String> {
        let st = self.lock();
        st.stderr
            .iter()
            .skip(st.stderr.len().saturating_sub(n))
            .cloned()
            .collect()
    }
}

/// Runs and watches stdio servers. Share it by reference (`Arc<Supervisor>` in the app's state).
#[derive(Debug)]
pub struct Supervisor {
    resolver: Arc<CommandResolver>,
    config: SupervisorConfig,
    shutdown: CancellationToken,
    servers: Mutex<HashMap<String, Arc<Slot>>>,
    /// One lock per server name, held through a start, stop or restart of that name: two callers
    /// starting one name at once would otherwise both spawn, and the first process would run on
    /// with no slot to stop it by.
    changing: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    sampler: Mutex<Option<StatsSampler>>,
    events: broadcast::Sender<SupervisorEvent>,
    /// Where running servers are recorded, and the marker their processes carry
    /// ([`leftovers`]); none unless [`SupervisorConfig::leftovers`] is set.
    leftovers: Option<Leftovers>,
}

/// A supervisor's records of its running servers: the folder, and the token in the
/// [`leftovers::MARKER_ENV`] of every process it starts.
#[derive(Clone, Debug)]
struct Leftovers {
    dir: std::path::PathBuf,
    token: Arc<str>,
}

impl Leftovers {
    /// `spec` with this supervisor's marker in its environment.
    fn mark(&self, spec: &ServerCommand) -> ServerCommand {
        let mut marked = spec.clone();
        marked
            .env
            .insert(leftovers::MARKER_ENV.to_owned(), self.token.to_string());
        marked
    }

    async fn record(&self, server: &str, pid: u32) {
        let (this, server) = (self.clone(), server.to_owned());
        let _ = tokio::task::spawn_blocking(move || {
            leftovers::record(&this.dir, &server, pid, &this.token);
        })
        .await;
    }

    async fn forget(&self, pid: u32) {
        let dir = self.dir.clone();
        let _ = tokio::task::spawn_blocking(move || leftovers::forget(&dir, pid)).await;
    }
}

/// Spawns `spec`, marked as this supervisor's when it keeps records.
fn spawn_marked(
    spec: &ServerCommand,
    resolved: &ResolvedCommand,
    marks: Option<&Leftovers>,
) -> std::io::Result<StdioChild> {
    match marks {
        Some(l) => StdioChild::spawn(&l.mark(spec), resolved),
        None => StdioChild::spawn(spec, resolved),
    }
}

impl Supervisor {
    /// `shutdown` ends every server (with the spec's shutdown) when cancelled.
    pub fn new(
        resolver: Arc<CommandResolver>,
        config: SupervisorConfig,
        shutdown: CancellationToken,
    ) -> Self {
        let (events, _) = broadcast::channel(1024);
        // Records are kept on Linux and macOS (see `leftovers`): elsewhere nothing is marked either.
        let leftovers = config
            .leftovers
            .clone()
            .filter(|_| cfg!(any(target_os = "linux", target_os = "macos")))
            .map(|dir| Leftovers {
                dir,
                token: leftovers::new_token().into(),
            });
        Supervisor {
            resolver,
            config,
            leftovers,
            // Our own child of the app's token: `shutdown()` and drop end our servers only.
            shutdown: shutdown.child_token(),
            servers: Mutex::new(HashMap::new()),
            changing: Mutex::new(HashMap::new()),
            sampler: Mutex::new(StatsSampler::new()),
            events,
        }
    }

    pub fn subscribe(&self) -> broadcast::Receiver<SupervisorEvent> {
        self.events.subscribe()
    }

    fn servers(&self) -> MutexGuard<'_, HashMap<String, Arc<Slot>>> {
        self.servers.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Resolves and starts `spec` (replacing a server of the same name). The receiver gets the
    /// stdio pipes of every incarnation. A command that cannot be found or started is a
    /// [`Diagnosis`], returned before anything runs.
    pub async fn start(
        &self,
        spec: ServerCommand,
        restart: Restart,
    ) -> Result<mpsc::Receiver<StdioPipes>, Box<Diagnosis>> {
        let _changing = self.changing(&spec.name).await;
        self.start_now(spec, restart).await
    }

    /// Waits until nobody else starts, stops or restarts `name`; holds it off until dropped.
    async fn changing(&self, name: &str) -> tokio::sync::OwnedMutexGuard<()> {
        let lock = Arc::clone(
            self.changing
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .entry(name.to_owned())
                .or_default(),
        );
        lock.lock_owned().await
    }

    /// [`Supervisor::start`], with `name` already held.
    async fn start_now(
        &self,
        spec: ServerCommand,
        restart: Restart,
    ) -> Result<mpsc::Receiver<StdioPipes>, Box<Diagnosis>> {
        if self.servers().contains_key(&spec.name) {
            self.stop_now(&spec.name).await;
        }
        let resolver = Arc::clone(&self.resolver);
        let (command, cwd) = (spec.command.clone(), spec.cwd.clone());
        let resolved =
            tokio::task::spawn_blocking(move || resolver.resolve(&command, cwd.as_deref()))
                .await
                .map_err(|e| Box::new(spawn_failed(&spec, &e.to_string())))?
                .map_err(|d| Box::new(d.server(&spec.name)))?;
        let child = spawn_marked(&spec, &resolved, self.leftovers.as_ref())
            .map_err(|e| Box::new(spawn_failed(&spec, &e.to_string())))?;
        let slot = Arc::new(Slot {
            spec: spec.clone(),
            restart,
            stop: self.shutdown.child_token(),
            state: Mutex::new(SlotState {
                state: RunState::Running,
                pid: Some(child.pid()),
                started: Some(Instant::now()),
                restarts: 0,
                last_restart: None,
                last_exit: None,
                diagnosis: None,
                stderr: VecDeque::new(),
            }),
            task: tokio::sync::Mutex::new(None),
        });
        let (tx, rx) = mpsc::channel(1);
        let run = Run {
            slot: Arc::clone(&slot),
            resolved,
            pipes: tx,
            config: self.config.clone(),
            events: self.events.clone(),
            leftovers: self.leftovers.clone(),
        };
        *slot.task.lock().await = Some(tokio::spawn(run.run(child)));
        self.servers().insert(spec.name.clone(), slot);
        Ok(rx)
    }

    /// Stops `name` with the spec's shutdown; returns how its last process ended.
    pub async fn stop(&self, name: &str) -> Option<ExitReport> {
        let _changing = self.changing(name).await;
        self.stop_now(name).await
    }

    /// [`Supervisor::stop`], with `name` already held.
    async fn stop_now(&self, name: &str) -> Option<ExitReport> {
        let slot = self.servers().get(name).cloned()?;
        slot.stop.cancel();
        if let Some(task) = slot.task.lock().await.take() {
            let _ = task.await;
        }
        slot.lock().last_exit.clone()
    }

    /// Stops `name` and starts it again with the same command.
    pub async fn restart(&self, name: &str) -> Result<mpsc::Receiver<StdioPipes>, Box<Diagnosis>> {
        let _changing = self.changing(name).await;
        let slot = self.servers().get(name).cloned().ok_or_else(|| {
            Box::new(
                Diagnosis::new(
                    codes::EXITED_EARLY,
                    Severity::Warning,
                    format!("`{name}` is not supervised"),
                )
                .server(name),
            )
        })?;
        self.stop_now(name).await;
        self.start_now(slot.spec.clone(), slot.restart).await
    }

    /// Stops every server and waits for them; also happens (without the wait) when the injected
    /// token is cancelled or the supervisor is dropped.
    pub async fn shutdown(&self) {
        self.shutdown.cancel();
        let slots: Vec<Arc<Slot>> = self.servers().values().cloned().collect();
        for slot in slots {
            if let Some(task) = slot.task.lock().await.take() {
                let _ = task.await;
            }
        }
    }

    pub fn status(&self, name: &str) -> Option<ServerStatus> {
        let slot = self.servers().get(name).cloned()?;
        Some(status_of(&slot))
    }

    pub fn list(&self) -> Vec<ServerStatus> {
        let mut all: Vec<ServerStatus> = self.servers().values().map(|s| status_of(s)).collect();
        all.sort_by(|a, b| a.name.cmp(&b.name));
        all
    }

    /// The last `n` stderr lines of `name`, oldest first.
    pub fn stderr_tail(&self, name: &str, n: usize) -> Vec<String> {
        self.servers()
            .get(name)
            .map(|s| s.stderr_tail(n))
            .unwrap_or_default()
    }

    /// CPU and memory of `name`'s process tree; None when it is not running.
    pub fn stats(&self, name: &str) -> Option<ProcessStats> {
        let pid = self.servers().get(name)?.lock().pid?;
        self.sample(|s| s.sample_tree(pid))
    }

    /// Stats of a process we did not start (a shim Claude started; its pid is in its journal),
    /// with its descendants (the server behind the shim).
    pub fn watch_pid(&self, pid: u32) -> ProcessStats {
        self.sample(|s| s.sample_tree(pid)).unwrap_or(ProcessStats {
            pid,
            alive: false,
            cpu_percent: 0.0,
            rss_bytes: 0,
            pids: Vec::new(),
        })
    }

    fn sample(&self, f: impl FnOnce(&mut StatsSampler) -> ProcessStats) -> Option<ProcessStats> {
        let mut sampler = self.sampler.lock().unwrap_or_else(|e| e.into_inner());
        sampler.as_mut().map(f)
    }
}

impl Drop for Supervisor {
    /// Servers do not outlive their supervisor: their tasks run the shutdown sequence (and the
    /// process wrapper kills what is left if the runtime goes away first).
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

fn status_of(slot: &Slot) -> ServerStatus {
    let st = slot.lock();
    ServerStatus {
        name: slot.spec.name.clone(),
        state: st.state,
        pid: st.pid,
        restarts: st.restarts,
        last_restart: st.last_restart.clone(),
        uptime_ms: st
            .started
            .filter(|_| st.state == RunState::Running)
            .map(|t| u64::try_from(t.elapsed().as_millis()).unwrap_or(u64::MAX)),
        last_exit: st.last_exit.clone(),
        diagnosis: st.diagnosis.clone(),
    }
}

fn spawn_failed(spec: &ServerCommand, error: &str) -> Diagnosis {
    Diagnosis::new(
        codes::EXITED_EARLY,
        Severity::Error,
        format!("`{}` could not be started", spec.command),
    )
    .server(&spec.name)
    .detail(error.to_owned())
    .fix("Check that the command is an executable program and that its working directory exists.")
}

/// The task that owns one supervised server across its incarnations.
struct Run {
    slot: Arc<Slot>,
    resolved: ResolvedCommand,
    pipes: mpsc::Sender<StdioPipes>,
    config: SupervisorConfig,
    events: broadcast::Sender<SupervisorEvent>,
    leftovers: Option<Leftovers>,
}

impl Run {
    fn emit(&self, event: SupervisorEvent) {
        let _ = self.events.send(event);
    }

    async fn run(self, mut child: StdioChild) {
        let name = self.slot.spec.name.clone();
        let mut exits: VecDeque<Instant> = VecDeque::new();
        let mut attempt: u32 = 0;
        loop {
            let pid = child.pid();
            {
                let mut st = self.slot.lock();
                st.state = RunState::Running;
                st.pid = Some(pid);
                st.started = Some(Instant::now());
            }
            if let Some(l) = &self.leftovers {
                l.record(&name, pid).await;
            }
            self.emit(SupervisorEvent::Started {
                server: name.clone(),
                pid,
            });
            let stderr_task = child
                .take_stderr()
                .map(|err| tokio::spawn(self.read_stderr(err)));
            let mut held_stdin = None;
            let mut stdin_pump = None;
            if let (Some(stdin), Some(stdout)) = (child.take_stdin(), child.take_stdout()) {
                let (writer, reader) = tokio::io::duplex(STDIN_BUFFER);
                stdin_pump = Some(tokio::spawn(pump_stdin(reader, stdin)));
                if let Err(e) = self.pipes.try_send(StdioPipes {
                    pid,
                    stdin: writer,
                    stdout,
                }) {
                    let pipes = match e {
                        mpsc::error::TrySendError::Full(p)
                        | mpsc::error::TrySendError::Closed(p) => p,
                    };
                    held_stdin = Some(pipes.stdin);
                    tokio::spawn(drain(pipes.stdout));
                }
            }
            let grace = self.config.grace;
            let result = tokio::select! {
                r = child.wait(grace) => r,
                _ = self.slot.stop.cancelled() => {
                    // The pump owns the child's stdin: ending it closes the pipe, whoever holds
                    // the other end.
                    if let Some(pump) = stdin_pump.take() {
                        pump.abort();
                        let _ = pump.await;
                    }
                    child.shutdown(grace).await
                }
            };
            drop(held_stdin);
            if let Some(pump) = stdin_pump {
                pump.abort();
            }
            if let Some(l) = &self.leftovers {
                l.forget(pid).await;
            }
            if let Some(task) = stderr_task {
                // The last lines explain the exit: let the reader finish, but not forever.
                let _ = tokio::time::timeout(Duration::from_millis(500), task).await;
            }
            let report = match result {
                Ok(report) => report,
                Err(e) => {
                    self.finish(RunState::Exited, None, Some(wait_failed(&name, &e)));
                    return;
                }
            };
            let ended_at = crate::journal::rfc3339_ms(std::time::SystemTime::now());
            if self.slot.stop.is_cancelled() {
                self.finish(RunState::Stopped, Some(report.clone()), None);
                self.emit(SupervisorEvent::Stopped {
                    server: name,
                    report: Some(report),
                });
                return;
            }
            let diagnosis = (!report.is_clean()).then(|| self.exited_early(&report));
            self.emit(SupervisorEvent::Exited {
                server: name.clone(),
                report: report.clone(),
                diagnosis: diagnosis.clone(),
            });
            let again = match self.slot.restart {
                Restart::Never => false,
                Restart::OnFailure => !report.is_clean(),
                Restart::Always => true,
            };
            if !again {
                self.finish(RunState::Exited, Some(report), diagnosis);
                return;
            }
            let now = Instant::now();
            exits.push_back(now);
            while exits
                .front()
                .is_some_and(|t| now.duration_since(*t) > self.config.crash_loop_window)
            {
                exits.pop_front();
            }
            if exits.len() >= self.config.crash_loop_exits {
                let diag = self.crash_loop(&report, exits.len());
                self.emit(SupervisorEvent::CrashLoop {
                    server: name.clone(),
                    diagnosis: diag.clone(),
                });
                self.finish(RunState::CrashLoop, Some(report), Some(diag));
                return;
            }
            if Duration::from_millis(report.uptime_ms) >= self.config.stable_after {
                attempt = 0;
            }
            let delay = backoff(&self.config, attempt);
            attempt = attempt.saturating_add(1);
            {
                let mut st = self.slot.lock();
                st.state = RunState::Backoff;
                st.pid = None;
                st.last_restart = Some(RestartCause {
                    exit: report.clone(),
                    code: diagnosis.as_ref().map(|d| d.code.clone()),
                    at: ended_at,
                });
                st.last_exit = Some(report);
                st.diagnosis = diagnosis;
                st.restarts += 1;
            }
            self.emit(SupervisorEvent::Restarting {
                server: name.clone(),
                delay_ms: u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                attempt,
            });
            tokio::select! {
                _ = tokio::time::sleep(delay) => {}
                _ = self.slot.stop.cancelled() => {
                    self.finish(RunState::Stopped, None, None);
                    self.emit(SupervisorEvent::Stopped { server: name, report: None });
                    return;
                }
            }
            child = match spawn_marked(&self.slot.spec, &self.resolved, self.leftovers.as_ref()) {
                Ok(c) => c,
                Err(e) => {
                    self.finish(
                        RunState::Exited,
                        None,
                        Some(spawn_failed(&self.slot.spec, &e.to_string())),
                    );
                    return;
                }
            };
        }
    }

    fn finish(&self, state: RunState, report: Option<ExitReport>, diagnosis: Option<Diagnosis>) {
        let mut st = self.slot.lock();
        st.state = state;
        st.pid = None;
        if report.is_some() {
            st.last_exit = report;
        }
        if diagnosis.is_some() || state == RunState::Stopped {
            st.diagnosis = diagnosis;
        }
    }

    fn read_stderr(
        &self,
        stderr: tokio::process::ChildStderr,
    ) -> impl Future<Output = ()> + Send + use<> {
        let slot = Arc::clone(&self.slot);
        let events = self.events.clone();
        let keep = self.config.stderr_lines.max(1);
        async move {
            let mut reader = tokio::io::BufReader::new(stderr);
            while let Some(line) = next_stderr_line(&mut reader).await {
                {
                    let mut st = slot.lock();
                    if st.stderr.len() >= keep {
                        st.stderr.pop_front();
                    }
                    st.stderr.push_back(line.clone());
                }
                let _ = events.send(SupervisorEvent::Stderr {
                    server: slot.spec.name.clone(),
                    line,
                });
            }
        }
    }

    fn exited_early(&self, report: &ExitReport) -> Diagnosis {
        let tail = self.slot.stderr_tail(20);
        let spec = &self.slot.spec;
        Diagnosis::new(
            codes::EXITED_EARLY,
            Severity::Error,
            format!(
                "`{}` exited with {} after {:.1} s",
                spec.name,
                report.describe(),
                report.uptime_ms as f64 / 1000.0
            ),
        )
        .server(&spec.name)
        .detail(stderr_detail(&tail))
        .fix(format!(
            "Run `{}` in a terminal to see why it stops (the last lines it wrote to stderr are in the details).",
            spec.shell_line()
        ))
    }

    fn crash_loop(&self, report: &ExitReport, exits: usize) -> Diagnosis {
        let spec = &self.slot.spec;
        Diagnosis::new(
            codes::EXITED_EARLY,
            Severity::Error,
            format!(
                "`{}` keeps exiting ({exits} times within {} s, last with {}); restarts stopped",
                spec.name,
                self.config.crash_loop_window.as_secs(),
                report.describe()
            ),
        )
        .server(&spec.name)
        .detail(stderr_detail(&self.slot.stderr_tail(20)))
        .fix(format!(
            "Run `{}` in a terminal to see why it fails, fix it, then start it again.",
            spec.shell_line()
        ))
    }
}

/// The last stderr lines, a line repeated in a row told once with its count (a server restarted
/// after each crash says the same thing every time).
fn stderr_detail(tail: &[String]) -> String {
    if tail.is_empty() {
        return "The server wrote nothing to stderr.".to_owned();
    }
    let mut lines: Vec<(&str, usize)> = Vec::new();
    for line in tail {
        match lines.last_mut() {
            Some((last, n)) if *last == line.as_str() => *n += 1,
            _ => lines.push((line, 1)),
        }
    }
    let shown: Vec<String> = lines
        .into_iter()
        .map(|(line, n)| match n {
            1 => line.to_owned(),
            n => format!("{line} ({n} times in a row)"),
        })
        .collect();
    format!("Last stderr lines:\n{}", shown.join("\n"))
}

fn wait_failed(name: &str, e: &std::io::Error) -> Diagnosis {
    Diagnosis::new(
        codes::EXITED_EARLY,
        Severity::Error,
        format!("Lost track of `{name}`"),
    )
    .server(name)
    .detail(e.to_string())
}

/// `initial × 2^attempt`, capped at `max`.
fn backoff(config: &SupervisorConfig, attempt: u32) -> Duration {
    let factor = 2u32.saturating_pow(attempt.min(20));
    config
        .backoff_initial
        .saturating_mul(factor)
        .min(config.backoff_max)
}

/// Copies what the pipes' holder writes into the child's stdin; ends (closing it) when the
/// holder drops its end or the task is aborted.
async fn pump_stdin(mut from: DuplexStream, mut stdin: ChildStdin) {
    let _ = tokio::io::copy(&mut from, &mut stdin).await;
}

async fn drain(mut stdout: ChildStdout) {
    let _ = tokio::io::copy(&mut stdout, &mut tokio::io::sink()).await;
}

// The app keeps both in its shared state: checked when this crate compiles.
const _: () = {
    const fn shared<T: Send + Sync + 'static>() {}
    shared::<Supervisor>();
    shared::<CommandResolver>();
};

/// The most of one stderr line that is kept: a server that writes megabytes without a newline
/// (a minified bundle's source in a stack trace, a binary blob) is cut there, the rest of the
/// line read and dropped.
pub(crate) const STDERR_LINE_MAX: usize = 8 * 1024;

/// Reads the next line of a server's stderr (without its line ending), whatever its bytes: not
/// UTF-8 (a Windows console's code page, a localized message) is read as U+FFFD, never the end of
/// the reading, which would leave the server writing into a closed pipe (EPIPE, or SIGPIPE for a
/// shell script). At most [`STDERR_LINE_MAX`] bytes of a line are kept. `None` at the end.
pub(crate) async fn next_stderr_line<R: tokio::io::AsyncBufRead + Unpin>(
    reader: &mut R,
) -> Option<String> {
    let mut kept: Vec<u8> = Vec::new();
    let mut any = false;
    loop {
        let (done, used) = {
            let available = match reader.fill_buf().await {
                Ok(bytes) => bytes,
                Err(_) => return any.then(|| line_of(&kept)),
            };
            if available.is_empty() {
                return any.then(|| line_of(&kept));
            }
            any = true;
            let (part, done) = match memchr::memchr(b'\n', available) {
                Some(at) => (&available[..at], at + 1),
                None => (available, 0),
            };
            let room = STDERR_LINE_MAX.saturating_sub(kept.len());
            kept.extend_from_slice(&part[..part.len().min(room)]);
            if done > 0 {
                (true, done)
            } else {
                (false, available.len())
            }
        };
        reader.consume(used);
        if done {
            return Some(line_of(&kept));
        }
    }
}

fn line_of(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes)
        .trim_end_matches(['\r', '\n'])
        .to_owned()
}

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn stderr_is_read_line_by_line_whatever_its_bytes_and_a_long_line_is_cut() {
        let mut text: Vec<u8> = b"ok\r\nd\xe9marrage\n".to_vec();
        text.extend(std::iter::repeat_n(b'x', super::STDERR_LINE_MAX * 3));
        text.extend_from_slice(b"\nlast");
        let mut reader = tokio::io::BufReader::with_capacity(1000, &text[..]);
        let mut lines = Vec::new();
        while let Some(line) = super::next_stderr_line(&mut reader).await {
            lines.push(line);
        }
        assert_eq!(
            lines.len(),
            4,
            "{:?}",
            lines.iter().map(String::len).collect::<Vec<_>>()
        );
        assert_eq!(lines[0], "ok");
        assert_eq!(lines[1], "d\u{fffd}marrage");
        assert_eq!(lines[2], "x".repeat(super::STDERR_LINE_MAX));
        assert_eq!(lines[3], "last");
    }

    use super::*;

    #[test]
    fn a_restarts_cause_says_how_the_process_before_ended() {
        let cause = |code, signal: Option<i32>, name: Option<&str>| RestartCause {
            exit: ExitReport {
                pid: 7,
                code,
                signal,
                signal_name: name.map(str::to_owned),
                stopped_by: StopStep::ExitedOnItsOwn,
                uptime_ms: 10,
                leftovers_signalled: false,
            },
            code: None,
            at: "2026-12-05T14:02:00.000Z".to_owned(),
        };
        assert_eq!(
            cause(Some(1), None, None).describe(),
            "exited with status 1"
        );
        assert_eq!(
            cause(Some(0), None, None).describe(),
            "exited with status 0"
        );
        assert_eq!(
            cause(None, Some(9), Some("SIGKILL")).describe(),
            "was ended by signal SIGKILL"
        );
        assert_eq!(
            cause(None, Some(64), None).describe(),
            "was ended by signal 64"
        );
        assert_eq!(cause(None, None, None).describe(), "exited");
    }

    #[test]
    fn backoff_doubles_and_is_capped() {
        let config = SupervisorConfig {
            backoff_initial: Duration::from_millis(100),
            backoff_max: Duration::from_millis(1000),
            ..SupervisorConfig::default()
        };
        let delays: Vec<u128> = (0..6).map(|a| backoff(&config, a).as_millis()).collect();
        assert_eq!(delays, vec![100, 200, 400, 800, 1000, 1000]);
    }

    #[test]
    fn a_stderr_line_said_again_after_each_restart_is_told_once_with_its_count() {
        let tail: Vec<String> = ["boom", "boom", "boom", "other", "boom"]
            .map(str::to_owned)
            .to_vec();
        assert_eq!(
            stderr_detail(&tail),
            "Last stderr lines:\nboom (3 times in a row)\nother\nboom"
        );
        assert_eq!(stderr_detail(&[]), "The server wrote nothing to stderr.");
    }
}
