//! "Keep running": local servers MCP Tray runs itself, independent of Claude, as a live health
//! check, restarted from the Servers view or the tray.
//!
//! A kept server is started exactly as Claude would start it (its config entry's command, args
//! and env, the command found by the probe's resolver) by core's [`Supervisor`]: its own process
//! group, restarts with backoff, crash-loop detection, the whole tree stopped on Stop and when
//! the app exits. After each start the app holds a client session to it (`probe::keep_session`:
//! initialize, tools/list, then it only answers the server's requests). What it sees goes to the
//! status board ([`crate::server_status`], so the row, the tray icon and the menu marks follow)
//! and to the window as [`KeptServersChanged`]. The set of kept servers is saved in the settings
//! file and started again when the app starts; a server removed from the config, disabled, or no
//! longer a local command stops being run and is dropped from the set. Until the app quits it is
//! remembered, though: put back as it was (Undo, the emptied file's Put back, an editor's undo),
//! it is kept running again. On Linux and macOS running servers
//! are recorded in `<data dir>/running`, so that what a run of the app that was killed left
//! running is stopped when the app starts again, before it starts anything.
//!
//! Everything here reacts to the supervisor's events and the servers' pipes: this module must
//! never start a timer or a polling loop, and never send an env value to the window.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

use mcp_tray_core::config::{ConfigDocument, EntryKind, ServerEntry};
use mcp_tray_core::diagnose::Diagnosis;
use mcp_tray_core::probe::{ProbeTarget, SessionReady, keep_session};
use mcp_tray_core::supervise::{
    CommandResolver, LoginShellPath, Restart, RestartCause, RunState, ServerCommand, StdioPipes,
    Supervisor, SupervisorConfig, SupervisorEvent, leftovers,
};
use mcp_tray_core::{journal, settings};
use serde::{Deserialize, Serialize};
use specta::Type;
use tauri::{AppHandle, Manager, Runtime, State};
use tauri_specta::Event;
use tokio::sync::{broadcast, mpsc};
use tokio_util::sync::CancellationToken;

use crate::add_server::DiagnosisView;
use crate::error::CommandError;
use crate::in_use::config_file;
use crate::server_status::{
    EvidenceSource, ServerHealth, ServerWatch, SharedBoard, StatusEvidence,
};

/// How long a kept server may take to answer initialize and tools/list after a start (a first
/// `npx`/`uvx` start may download packages).
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(30);

/// Where a kept server is, as the Servers view shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "kebab-case")]
pub enum KeptState {
    /// Running, not yet answered initialize and tools/list.
    Starting,
    /// Running and answered.
    Running,
    /// Running, but did not answer (timeout, an error, not JSON-RPC on stdout).
    NotAnswering,
    /// Exited; waiting to be started again.
    Restarting,
    /// Exited too often; restarts stopped until the person restarts it.
    CrashLoop,
    /// Exited and could not be started again.
    Exited,
}

/// A server MCP Tray keeps running, for the window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct KeptServerView {
    pub name: String,
    pub state: KeptState,
    /// The running process (its tree is sampled with the server's other processes).
    pub pid: Option<u32>,
    /// Restarts since it was kept (or last restarted by the person).
    pub restarts: u32,
    /// Why the last of those restarts happened, and when; `None` before the first.
    #[serde(default)]
    pub last_restart: Option<KeptRestart>,
    /// When the current process started, RFC 3339 UTC.
    pub since: Option<String>,
    /// Tools it listed after its last start.
    pub tool_count: Option<u32>,
    /// Why it is not running or not answering.
    pub problem: Option<DiagnosisView>,
}

/// Why MCP Tray started a kept server again by itself: "restarted 1 time — exited with status 1
/// at 14:02".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct KeptRestart {
    /// How the process before ended: `exited with status 1`, `was ended by signal SIGKILL`.
    pub cause: String,
    /// The diagnosis code of that exit (`exited-early`) when it was a failure; `None` for a clean
    /// exit.
    pub code: Option<String>,
    /// When it ended, RFC 3339 UTC.
    pub at: String,
}

impl From<&RestartCause> for KeptRestart {
    fn from(cause: &RestartCause) -> Self {
        KeptRestart {
            cause: cause.describe(),
            code: cause.code.clone(),
            at: cause.at.clone(),
        }
    }
}

/// Every kept server, as read at one moment: `revision` orders the lists. The window gets them
/// from two channels (a command's answer, the push of [`KeptServersChanged`]) and from threads
/// that read and send them in either order, so it keeps the highest revision it has seen: an
/// older list arriving late (a server shown "starting" that answered meanwhile) is dropped.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
pub struct KeptServerList {
    /// Higher is newer: counted under the lock the list is read under.
    pub revision: u32,
    pub servers: Vec<KeptServerView>,
}

/// The kept servers changed (started, answered, exited, restarted, kept or let go).
#[derive(Debug, Clone, Serialize, Deserialize, Type, Event)]
pub struct KeptServersChanged {
    pub list: KeptServerList,
}

/// What the app knows of one kept server's current incarnation.
#[derive(Debug, Clone)]
struct Kept {
    spec: ServerCommand,
    pid: Option<u32>,
    since: Option<String>,
    /// What the session saw after the start: `None` while waiting.
    ready: Option<Result<SessionReady, Diagnosis>>,
    /// The supervisor's word on the last exit or the crash loop.
    exit_problem: Option<Diagnosis>,
}

/// What following the config does with one server.
#[derive(Debug, PartialEq)]
enum FollowStep {
    /// Not an enabled local server of the config any more: stopped (when it runs) and dropped.
    Drop { was_running: bool },
    /// Left as it is.
    Leave,
    /// Started, or started again with its changed command.
    Start(ServerCommand),
}

/// What following the config does with a server: `spec` is how its entry starts now (`None`: it
/// cannot be kept any more), `running` what it runs now, `wanted` whether it is of the saved set
/// being started.
fn follow_step(
    spec: Option<ServerCommand>,
    running: Option<ServerCommand>,
    wanted: bool,
) -> FollowStep {
    match (spec, running) {
        (None, running) => FollowStep::Drop {
            was_running: running.is_some(),
        },
        (Some(spec), Some(running)) if spec == running => FollowStep::Leave,
        // Let go of (Stop keeping) while the servers before it were restarted: it stays stopped.
        (Some(_), None) if !wanted => FollowStep::Leave,
        (Some(spec), _) => FollowStep::Start(spec),
    }
}

/// The app's kept servers: managed state.
pub(crate) struct KeptServers {
    supervisor: Arc<Supervisor>,
    kept: Mutex<BTreeMap<String, Kept>>,
    /// The revision of the last list read (see [`KeptServerList`]); only changed under `kept`'s
    /// lock.
    revision: AtomicU32,
    board: SharedBoard,
    /// Tells the window (one event with the whole list).
    tell_window: Box<dyn Fn(KeptServerList) + Send + Sync>,
    /// Rebuilds the tray menu (only when the set of kept servers changes).
    refresh_menu: Box<dyn Fn() + Send + Sync>,
    /// Held by `follow_config` while it brings the set in line with the config.
    following: tokio::sync::Mutex<()>,
    /// Kept servers that left the config (removed, disabled, emptied by another program), each
    /// with the command it ran: started again if it comes back with that very command.
    left: Mutex<BTreeMap<String, ServerCommand>>,
}

fn now() -> String {
    journal::rfc3339_ms(SystemTime::now())
}

fn error(code: &str, message: String) -> CommandError {
    CommandError {
        code: code.to_owned(),
        message,
    }
}

/// How MCP Tray starts `entry` to keep it running, or why it cannot: only local commands (plain
/// or tapped) are kept, started exactly as written.
fn startable(entry: &ServerEntry) -> Result<ServerCommand, CommandError> {
    match entry.kind {
        EntryKind::Local | EntryKind::Tapped { .. } => {
            // Started as a probe starts it, but it is no check: it runs for as long as the user
            // keeps it, and its sessions are the server's own traffic.
            let target = ProbeTarget::entry(entry).map(|t| {
                let mut command = t.command;
                command.env.remove(mcp_tray_core::probe::CHECK_ENV);
                command
            });
            target.ok_or_else(|| {
                error(
                    "not-startable",
                    format!("\"{}\" has no command to run", entry.name),
                )
            })
        }
        _ => Err(error(
            "not-local",
            format!(
                "\"{}\" is not a local server: only local commands can be kept running",
                entry.name
            ),
        )),
    }
}

impl KeptServers {
    fn kept(&self) -> MutexGuard<'_, BTreeMap<String, Kept>> {
        self.kept.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn left(&self) -> MutexGuard<'_, BTreeMap<String, ServerCommand>> {
        self.left.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The names of the servers kept running (the tray gives each a Restart).
    pub(crate) fn names(&self) -> Vec<String> {
        self.kept().keys().cloned().collect()
    }

    /// Every kept server as the window shows it, with the list's revision.
    pub(crate) fn views(&self) -> KeptServerList {
        let kept = self.kept();
        // Under the lock: a list read later has a higher revision and reflects every change made
        // before it (changes are made under this lock too).
        let revision = self
            .revision
            .fetch_add(1, Ordering::Relaxed)
            .wrapping_add(1);
        KeptServerList {
            revision,
            servers: kept
                .iter()
                .map(|(name, kept)| self.view(name, kept))
                .collect(),
        }
    }

    fn view(&self, name: &str, kept: &Kept) -> KeptServerView {
        let status = self.supervisor.status(name);
        let run = status.as_ref().map_or(RunState::Exited, |s| s.state);
        let (state, problem) = match (run, &kept.ready) {
            (RunState::Running, None) => (KeptState::Starting, None),
            (RunState::Running, Some(Ok(_))) => (KeptState::Running, None),
            (RunState::Running, Some(Err(d))) => (KeptState::NotAnswering, Some(d)),
            (RunState::Backoff, _) => (KeptState::Restarting, kept.exit_problem.as_ref()),
            (RunState::CrashLoop, _) => (KeptState::CrashLoop, kept.exit_problem.as_ref()),
            (RunState::Exited | RunState::Stopped, _) => {
                (KeptState::Exited, kept.exit_problem.as_ref())
            }
        };
        let running = run == RunState::Running;
        KeptServerView {
            name: name.to_owned(),
            state,
            pid: status.as_ref().and_then(|s| s.pid),
            restarts: status.as_ref().map_or(0, |s| s.restarts),
            last_restart: status
                .as_ref()
                .and_then(|s| s.last_restart.as_ref())
                .map(KeptRestart::from),
            since: kept.since.clone().filter(|_| running),
            tool_count: match &kept.ready {
                Some(Ok(ready)) => Some(u32::try_from(ready.tools).unwrap_or(u32::MAX)),
                _ => None,
            },
            problem: problem.map(DiagnosisView::from),
        }
    }

    fn changed(&self) {
        (self.tell_window)(self.views());
    }

    /// Saves the set of kept servers in the settings file (keeping every other setting).
    fn save(&self) -> Result<(), CommandError> {
        // The names are read under the settings' lock: two saves at once cannot write an older
        // list over a newer one.
        settings::update_at(&settings::settings_path(), |saved| {
            saved.keep_running = self.names()
        })
        .map(drop)
        .map_err(|e| {
            error(
                "settings-error",
                format!("could not save the settings: {e}"),
            )
        })
    }

    /// Starts `spec` under the supervisor and holds a session to each of its incarnations.
    async fn run(self: &Arc<Self>, spec: ServerCommand) -> Result<(), Box<Diagnosis>> {
        let name = spec.name.clone();
        self.kept().insert(
            name.clone(),
            Kept {
                spec: spec.clone(),
                pid: None,
                since: None,
                ready: None,
                exit_problem: None,
            },
        );
        match self.supervisor.start(spec, Restart::Always).await {
            Ok(pipes) => {
                self.hold_sessions(name, pipes);
                Ok(())
            }
            Err(diagnosis) => {
                self.kept().remove(&name);
                self.board
                    .record(|board| board.kept(&name, failing(&diagnosis)));
                Err(diagnosis)
            }
        }
    }

    fn hold_sessions(self: &Arc<Self>, name: String, mut pipes: mpsc::Receiver<StdioPipes>) {
        let this = Arc::clone(self);
        tauri::async_runtime::spawn(async move {
            // Ends when the supervisor lets this server go (stop, restart, crash loop).
            while let Some(incarnation) = pipes.recv().await {
                let pid = incarnation.pid;
                let kept = Arc::clone(&this);
                let server = name.clone();
                keep_session(&name, incarnation, HANDSHAKE_TIMEOUT, move |result| {
                    kept.answered(&server, pid, result);
                })
                .await;
            }
        });
    }

    /// The session's word on the incarnation `pid` of `name`.
    fn answered(&self, name: &str, pid: u32, result: Result<SessionReady, Diagnosis>) {
        let evidence = match &result {
            Ok(ready) => StatusEvidence {
                status: ServerHealth::Connected,
                source: EvidenceSource::KeptRunning,
                at: now(),
                code: None,
                text: format!(
                    "{} answered MCP Tray, which keeps it running",
                    ready.server_name.as_deref().unwrap_or("it")
                ),
                fix: None,
                tool_count: Some(u32::try_from(ready.tools).unwrap_or(u32::MAX)),
                sign_in: false,
            },
            Err(diagnosis) => failing(diagnosis),
        };
        if self.supervisor.status(name).and_then(|s| s.pid) != Some(pid) {
            return; // a session of an earlier incarnation, or of one already gone
        }
        {
            let mut kept = self.kept();
            let Some(entry) = kept.get_mut(name) else {
                return;
            };
            if entry.pid != Some(pid) {
                entry.pid = Some(pid);
                entry.since = Some(now());
            }
            entry.ready = Some(result);
        }
        self.board.record(|board| board.kept(name, evidence));
        self.changed();
    }

    /// Follows the supervisor's events for the kept servers.
    fn on_event(&self, event: SupervisorEvent) {
        match event {
            SupervisorEvent::Started { server, pid } => {
                if let Some(kept) = self.kept().get_mut(&server) {
                    // The session may have answered before this event was read.
                    if kept.pid != Some(pid) {
                        kept.pid = Some(pid);
                        kept.since = Some(now());
                        kept.ready = None;
                    }
                } else {
                    return;
                }
                // Sampled with the server's other processes (CPU, memory, uptime).
                self.board.record(|board| board.ran(&server, pid));
            }
            SupervisorEvent::Exited {
                server, diagnosis, ..
            } => {
                if let Some(kept) = self.kept().get_mut(&server) {
                    kept.pid = None;
                    kept.exit_problem.clone_from(&diagnosis);
                } else {
                    return;
                }
                if let Some(d) = &diagnosis {
                    self.board.record(|board| board.kept(&server, failing(d)));
                }
            }
            SupervisorEvent::CrashLoop { server, diagnosis } => {
                if let Some(kept) = self.kept().get_mut(&server) {
                    kept.exit_problem = Some(diagnosis.clone());
                } else {
                    return;
                }
                self.board
                    .record(|board| board.kept(&server, failing(&diagnosis)));
            }
            SupervisorEvent::Restarting { server, .. }
            | SupervisorEvent::Stopped { server, .. } => {
                if !self.kept().contains_key(&server) {
                    return;
                }
            }
            // Kept in the supervisor's ring buffer; one event per line would wake the window.
            SupervisorEvent::Stderr { .. } => return,
        }
        self.changed();
    }

    /// Keeps `name` (a local server of the config) running (started again when already kept).
    async fn keep(self: &Arc<Self>, name: &str) -> Result<(), CommandError> {
        let doc = config_file().read()?;
        let entry = doc.server(name).ok_or_else(|| {
            error(
                "no-such-server",
                format!("no enabled server named \"{name}\" in Claude's config"),
            )
        })?;
        let spec = startable(entry)?;
        self.left().remove(name);
        let was_kept = self.kept().contains_key(name);
        if let Err(d) = self.run(spec).await {
            if was_kept {
                // It was kept and can no longer be started: no longer kept.
                if let Err(err) = self.save() {
                    eprintln!("mcp-tray-app: {}", err.message);
                }
                (self.refresh_menu)();
            }
            self.changed();
            return Err(not_started(&d));
        }
        self.save()?;
        (self.refresh_menu)();
        self.changed();
        Ok(())
    }

    /// Stops running `name` (its whole process tree) and forgets it.
    async fn let_go(&self, name: &str) -> Result<(), CommandError> {
        let was_kept = self.kept().remove(name).is_some();
        self.supervisor.stop(name).await;
        self.board.record(|board| board.let_go(name));
        if was_kept {
            self.save()?;
            (self.refresh_menu)();
        }
        self.changed();
        Ok(())
    }

    /// Stops `name` and starts it again with its command (also out of a crash loop).
    pub(crate) async fn restart(self: &Arc<Self>, name: &str) -> Result<(), CommandError> {
        let spec = self
            .kept()
            .get(name)
            .map(|k| k.spec.clone())
            .ok_or_else(|| {
                error(
                    "not-kept",
                    format!("MCP Tray is not running \"{name}\"; Keep running starts it"),
                )
            })?;
        self.supervisor.stop(name).await;
        let result = self.run(spec).await;
        self.changed();
        if result.is_err() {
            // It could not be started again (its command is gone): no longer kept.
            self.save()?;
            (self.refresh_menu)();
        }
        result.map_err(|d| not_started(&d))
    }

    /// Brings the kept servers in line with the config: a server gone, disabled or no longer a
    /// local command is stopped and dropped from the set; one whose entry changed is started
    /// again with its new command; `wanted` (the saved set, at start) are started.
    async fn follow_config(self: &Arc<Self>, wanted: Vec<String>) {
        // One at a time: two changes of the file close together would otherwise restart a
        // changed server twice.
        let _one = self.following.lock().await;
        let doc = match config_file().read() {
            Ok(doc) => doc,
            // A config that does not parse changes nothing: the user is in the middle of an edit.
            Err(_) => return,
        };
        let mut names = self.names();
        // Servers that left and are back as they were: wanted again.
        let back = self.back(&doc);
        let wanted: Vec<String> = wanted.into_iter().chain(back.iter().cloned()).collect();
        for name in &wanted {
            if !names.contains(name) {
                names.push(name.clone());
            }
        }
        let mut changed = false;
        for name in names {
            let spec = doc.server(&name).and_then(|e| startable(e).ok());
            let running = self.kept().get(&name).map(|k| k.spec.clone());
            match follow_step(spec, running, wanted.contains(&name)) {
                FollowStep::Drop { was_running } => {
                    eprintln!(
                        "mcp-tray-app: no longer running {name}: it is not an enabled local server of the config"
                    );
                    let gone = if was_running {
                        self.kept().remove(&name)
                    } else {
                        None
                    };
                    if let Some(gone) = gone {
                        self.supervisor.stop(&name).await;
                        self.left().insert(name, gone.spec);
                    }
                    changed = true;
                }
                FollowStep::Leave => {}
                FollowStep::Start(spec) => {
                    // Back in the set (the saved set the app starts with is in it already).
                    let new = back.contains(&name) && !self.kept().contains_key(&name);
                    match self.run(spec).await {
                        Ok(()) => changed |= new,
                        Err(d) => {
                            eprintln!("mcp-tray-app: could not keep {name} running: {}", d.summary);
                            changed = true;
                        }
                    }
                }
            }
        }
        if changed && let Err(err) = self.save() {
            eprintln!("mcp-tray-app: {}", err.message);
        }
        (self.refresh_menu)();
        self.changed();
    }

    /// The servers that left the config and are in `doc` again with the command they ran, taken
    /// out of [`KeptServers::left`]; so is one back under its name with another command (another
    /// server, not kept unless asked).
    fn back(&self, doc: &ConfigDocument) -> Vec<String> {
        let mut left = self.left();
        let mut back = Vec::new();
        left.retain(|name, ran| match doc.server(name).map(startable) {
            // Still gone, or not a local command now: remembered.
            None | Some(Err(_)) => true,
            Some(Ok(spec)) => {
                if spec == *ran {
                    back.push(name.clone());
                }
                false
            }
        });
        back
    }

    /// Stops every kept server and waits for their trees to be gone (the app is exiting).
    async fn shutdown(&self) {
        self.supervisor.shutdown().await;
    }
}

/// Why a server could not be started, for the window: the diagnosis and its fix in a sentence.
fn not_started(d: &Diagnosis) -> CommandError {
    error(
        &d.code,
        match &d.fix {
            Some(fix) => format!("{} {fix}", d.summary),
            None => d.summary.clone(),
        },
    )
}

/// A failing status from a diagnosis.
fn failing(d: &Diagnosis) -> StatusEvidence {
    StatusEvidence {
        status: ServerHealth::Failing,
        source: EvidenceSource::KeptRunning,
        at: now(),
        code: Some(d.code.clone()),
        text: d.summary.clone(),
        fix: d.fix.clone(),
        tool_count: None,
        sign_in: false,
    }
}

/// Creates the kept servers' state, follows the supervisor's events, starts the servers saved in
/// the settings and follows the config file. Call after [`crate::server_status::start`].
pub(crate) fn start<R: Runtime>(app: &AppHandle<R>) {
    let Some(watch) = app.try_state::<ServerWatch>() else {
        eprintln!("mcp-tray-app: no status board; servers cannot be kept running");
        return;
    };
    let running = leftovers::records_dir(&mcp_tray_core::paths::data_dir());
    let records = running.clone();
    let resolver = Arc::new(CommandResolver::new(LoginShellPath::WhenNoTerminal));
    let supervisor = Arc::new(Supervisor::new(
        resolver,
        SupervisorConfig {
            leftovers: Some(running),
            ..SupervisorConfig::default()
        },
        CancellationToken::new(),
    ));
    let events = supervisor.subscribe();
    let window = app.clone();
    let menu = app.clone();
    let kept = Arc::new(KeptServers {
        supervisor,
        kept: Mutex::new(BTreeMap::new()),
        board: watch.shared_board(),
        revision: AtomicU32::new(0),
        tell_window: Box::new(move |list| {
            if let Err(err) = (KeptServersChanged { list }).emit(&window) {
                eprintln!("mcp-tray-app: could not tell the window about kept servers: {err}");
            }
        }),
        refresh_menu: Box::new(move || crate::tray::refresh_servers(&menu)),
        following: tokio::sync::Mutex::new(()),
        left: Mutex::new(BTreeMap::new()),
    });
    app.manage(Arc::clone(&kept));
    tauri::async_runtime::spawn(follow_events(Arc::clone(&kept), events));
    let on_config = Arc::clone(&kept);
    crate::config_watch::ConfigChanged::listen(app, move |_| {
        let kept = Arc::clone(&on_config);
        tauri::async_runtime::spawn(async move { kept.follow_config(Vec::new()).await });
    });
    exit_on_termination(app);
    let wanted = settings::load().keep_running;
    tauri::async_runtime::spawn(async move {
        // What an earlier run left running (it was killed before it could stop its servers) is
        // stopped before the saved servers start again: usually an empty folder, read in
        // microseconds, but a leftover that ignores SIGTERM gets its 2 s grace, off the app's
        // start. Servers started meanwhile carry this run's marker, which reap never touches.
        let _ = tauri::async_runtime::spawn_blocking(move || {
            for (server, group) in leftovers::reap(&records, Duration::from_secs(2)) {
                eprintln!(
                    "mcp-tray-app: stopped what {server} (process group {group}) left running when an earlier run did not exit cleanly"
                );
            }
        })
        .await;
        if !wanted.is_empty() {
            kept.follow_config(wanted).await;
        }
    });
}

async fn follow_events(kept: Arc<KeptServers>, mut events: broadcast::Receiver<SupervisorEvent>) {
    loop {
        match events.recv().await {
            Ok(event) => kept.on_event(event),
            // Missed some (a burst of stderr lines): the state is read from the supervisor.
            Err(broadcast::error::RecvError::Lagged(_)) => kept.changed(),
            Err(broadcast::error::RecvError::Closed) => return,
        }
    }
}

/// SIGTERM (logout, `kill`), SIGINT (Ctrl-C) or SIGHUP end the app the way Quit does, so the
/// servers it runs are stopped with it instead of being left behind. Waits on the signals only.
fn exit_on_termination<R: Runtime>(app: &AppHandle<R>) {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let app = app.clone();
        tauri::async_runtime::spawn(async move {
            let (Ok(mut term), Ok(mut int), Ok(mut hup)) = (
                signal(SignalKind::terminate()),
                signal(SignalKind::interrupt()),
                signal(SignalKind::hangup()),
            ) else {
                eprintln!("mcp-tray-app: cannot follow termination signals");
                return;
            };
            tokio::select! {
                _ = term.recv() => {}
                _ = int.recv() => {}
                _ = hup.recv() => {}
            }
            app.exit(0);
        });
    }
    #[cfg(not(unix))]
    let _ = app;
}

/// Stops every kept server's process tree; called when the app exits.
pub(crate) fn stop_all<R: Runtime>(app: &AppHandle<R>) {
    if let Some(kept) = app.try_state::<Arc<KeptServers>>() {
        let kept = Arc::clone(&kept);
        tauri::async_runtime::block_on(async move { kept.shutdown().await });
    }
}

/// The tray's "Restart" of a kept server; a failure opens the window and says why, as the
/// tray's other actions do.
pub(crate) fn restart_from_tray<R: Runtime>(app: &AppHandle<R>, name: &str) {
    let Some(kept) = app.try_state::<Arc<KeptServers>>() else {
        return;
    };
    let kept = Arc::clone(&kept);
    let name = name.to_owned();
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        if let Err(err) = kept.restart(&name).await {
            crate::tray::failed(&app, format!("{name} was not restarted: {}", err.message));
        }
    });
}

/// The names of the servers kept running; empty before the app set them up.
pub(crate) fn kept_names<R: Runtime>(app: &AppHandle<R>) -> Vec<String> {
    app.try_state::<Arc<KeptServers>>()
        .map(|k| k.names())
        .unwrap_or_default()
}

/// The servers MCP Tray keeps running, with their state.
#[tauri::command]
#[specta::specta]
pub fn kept_servers(kept: State<'_, Arc<KeptServers>>) -> KeptServerList {
    kept.views()
}

/// Keeps a local server of the config running in MCP Tray (`keep`), or stops running it and its
/// whole process tree; answers every kept server.
#[tauri::command]
#[specta::specta]
pub async fn set_server_kept(
    name: String,
    keep: bool,
    kept: State<'_, Arc<KeptServers>>,
) -> Result<KeptServerList, CommandError> {
    let kept = Arc::clone(&kept);
    if keep {
        kept.keep(&name).await?;
    } else {
        kept.let_go(&name).await?;
    }
    Ok(kept.views())
}

/// Restarts a server MCP Tray keeps running; answers every kept server.
#[tauri::command]
#[specta::specta]
pub async fn restart_kept_server(
    name: String,
    kept: State<'_, Arc<KeptServers>>,
) -> Result<KeptServerList, CommandError> {
    let kept = Arc::clone(&kept);
    kept.restart(&name).await?;
    Ok(kept.views())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn command(args: &[&str]) -> ServerCommand {
        ServerCommand {
            name: "b".into(),
            command: "uvx".into(),
            args: args.iter().map(|a| (*a).to_owned()).collect(),
            env: BTreeMap::new(),
            cwd: None,
        }
    }

    #[test]
    fn following_the_config_never_starts_a_server_let_go_of_meanwhile() {
        // Kept when the file changed, let go of (Stop keeping) while an earlier one restarted.
        assert_eq!(
            follow_step(Some(command(&["b"])), None, false),
            FollowStep::Leave
        );
        // Of the saved set the app starts with: started.
        assert_eq!(
            follow_step(Some(command(&["b"])), None, true),
            FollowStep::Start(command(&["b"]))
        );
    }

    #[test]
    fn following_the_config_restarts_a_changed_server_and_drops_one_gone() {
        assert_eq!(
            follow_step(Some(command(&["new"])), Some(command(&["old"])), false),
            FollowStep::Start(command(&["new"]))
        );
        assert_eq!(
            follow_step(Some(command(&["b"])), Some(command(&["b"])), false),
            FollowStep::Leave
        );
        assert_eq!(
            follow_step(None, Some(command(&["b"])), false),
            FollowStep::Drop { was_running: true }
        );
    }
}
