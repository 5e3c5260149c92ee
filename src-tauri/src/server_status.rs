//! Each server's status and process, from every piece of evidence MCP Tray has: our journals (the
//! shims Claude starts), Claude Desktop's own logs (`mcp_tray_core::claude_logs`), and the last
//! probe ("Test", the local-server form). The most recent evidence wins, and says where it came
//! from. This is the one source of truth for status: the Servers view reads it through
//! [`server_overview`] and the tray icon's colour follows it ([`crate::tray::set_status`]).
//!
//! A watcher thread reads what the journals and Claude's logs appended after each change of their
//! folders (cheap: file sizes, then only the new bytes), and sleeps while nothing changes. CPU and memory are sampled only when the view asks, which it
//! does while the window is visible; a hidden window samples nothing. Processes the app runs itself
//! (a test) are sampled too, under their server's name. This module must never write
//! a journal or a log, and never read another process's command line or environment.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

use mcp_tray_core::claude_logs::{self, Direction, LogEvent, LogTail, StartAt};
use mcp_tray_core::config::{ConfigDocument, ConfigFile, ServerEntry};
use mcp_tray_core::diagnose::{Audience, Severity, fix_in, message_in, offers_sign_in};
use mcp_tray_core::doctor::{self, Finding};
use mcp_tray_core::journal::{self, Entry, Tail};
use mcp_tray_core::supervise::StatsSampler;
use mcp_tray_core::{clients, paths};
use serde::{Deserialize, Serialize};
use specta::Type;
use tauri::{Manager, Runtime, State};

use crate::add_server::ProbeView;
use crate::in_use::command_resolver;
use crate::last_tests::Kind;
use crate::traffic::{Health, TrafficRow, health_of};
use crate::tray::TrayStatus;
use crate::wake::Wake;
use crate::window;

/// After a change, how long the watcher lets a burst of writes settle before reading.
const SETTLE: Duration = Duration::from_millis(200);
/// How much of each Claude log is read at start: recent status, not a year of history.
const CLAUDE_LOG_START: u64 = 512 * 1024;
/// Shim processes remembered per server (Claude and a test may run one at the same time).
const SESSIONS_KEPT: usize = 4;

/// A server's status as the Servers view shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "kebab-case")]
pub enum ServerHealth {
    /// Ended cleanly (the client stopped it, or the session closed) and not seen running since.
    Stopped,
    Connected,
    Degraded,
    Failing,
}

impl From<Health> for ServerHealth {
    fn from(health: Health) -> Self {
        match health {
            Health::Stopped => ServerHealth::Stopped,
            Health::Ok => ServerHealth::Connected,
            Health::Degraded => ServerHealth::Degraded,
            Health::Failing => ServerHealth::Failing,
        }
    }
}

/// Where a status came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "kebab-case")]
pub enum EvidenceSource {
    /// MCP Tray's journal of the shim Claude started (`mcp-tray wrap` / `bridge`).
    Journal,
    /// Claude Desktop's own log.
    ClaudeLog,
    /// The last test (probe) MCP Tray ran.
    Probe,
    /// MCP Tray runs the server itself ("Keep running") and saw it answer, or fail.
    KeptRunning,
    /// MCP Tray signed in to the server (the window's or the tray's Sign in).
    SignIn,
}

/// The evidence a status rests on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct StatusEvidence {
    pub status: ServerHealth,
    pub source: EvidenceSource,
    /// RFC 3339 UTC with milliseconds.
    pub at: String,
    /// A diagnosis code (`command-not-found`…) when failing or degraded.
    pub code: Option<String>,
    /// What was seen, in a sentence.
    pub text: String,
    /// What to do about it, when known.
    pub fix: Option<String>,
    /// Tools the server listed, for a successful probe.
    pub tool_count: Option<u32>,
    /// It failed asking for a sign-in the app can do ([`offers_sign_in`]): Sign in is offered.
    pub sign_in: bool,
}

/// A server's shim process tree, sampled now.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ProcessView {
    pub running: bool,
    /// The shim's pid (the tree below it is counted).
    pub pid: u32,
    /// Summed over the tree, % of one core (0 on the first sample of a process).
    pub cpu_percent: f32,
    /// Resident memory summed over the tree.
    pub memory_bytes: f64,
    /// Seconds since the shim started.
    pub uptime_secs: Option<f64>,
    /// Processes in the tree.
    pub processes: u32,
}

/// One server's status and process, by name.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ServerOverview {
    pub name: String,
    /// The most recent evidence; `None` when nothing was ever seen of this server.
    pub evidence: Option<StatusEvidence>,
    /// `None` when no shim of this server ever wrote a journal line; not sampled while hidden.
    pub process: Option<ProcessView>,
}

/// What is known of one server.
#[derive(Debug, Default)]
struct Known {
    journal: Option<StatusEvidence>,
    claude_log: Option<StatusEvidence>,
    probe: Option<StatusEvidence>,
    kept: Option<StatusEvidence>,
    sign_in: Option<StatusEvidence>,
    /// Shim pids seen in the journal (or of processes MCP Tray started), newest last, each with
    /// the latest moment it was seen alive (Unix seconds): a process under that pid that started
    /// later is another one, the number reused since, and not sampled as the server's. (The
    /// latest: a shim Claude started again under a pid an earlier one of the server had is seen
    /// anew, and sampled.)
    sessions: Vec<(u32, u64)>,
    /// The shim whose journal line [`Known::journal`] comes from.
    journal_pid: u32,
    /// Claude's log named what went wrong in its latest attempt to start the server (a
    /// diagnosis): the generic records Claude writes after it ("Server transport closed
    /// unexpectedly", "Server disconnected. For troubleshooting guidance…") do not replace it.
    claude_attempt_diagnosed: bool,
    /// When the name last left the config (removed, disabled, renamed away): what was seen
    /// before then is of that entry, not of one added under the same name since.
    left_config: Option<String>,
    /// The entry (its JSON) that left the config then: the same entry put back (an Undo, Enable)
    /// is the same server, and what was seen of it before stands again.
    left_entry: Option<String>,
}

impl Known {
    /// The most recent evidence (RFC 3339 UTC stamps of one width sort as text) since the name
    /// last left the config.
    fn latest(&self) -> Option<&StatusEvidence> {
        [
            &self.journal,
            &self.claude_log,
            &self.probe,
            &self.kept,
            &self.sign_in,
        ]
        .into_iter()
        .flatten()
        .filter(|e| self.left_config.as_ref().is_none_or(|left| e.at >= *left))
        .max_by(|a, b| a.at.cmp(&b.at))
    }

    fn saw_pid(&mut self, pid: u32, at: SystemTime) {
        let at = at
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        if pid == 0 {
            return;
        }
        if let Some(last) = self.sessions.last_mut().filter(|(p, _)| *p == pid) {
            last.1 = last.1.max(at);
            return;
        }
        let seen = self
            .sessions
            .iter()
            .find(|(p, _)| *p == pid)
            .map_or(at, |(_, before)| (*before).max(at));
        self.sessions.retain(|(p, _)| *p != pid);
        self.sessions.push((pid, seen));
        if self.sessions.len() > SESSIONS_KEPT {
            self.sessions.remove(0);
        }
    }
}

/// Every server's evidence; fed by the watcher and by probes.
#[derive(Debug, Default)]
pub(crate) struct Board {
    servers: BTreeMap<String, Known>,
}

impl Board {
    fn known(&mut self, server: &str) -> &mut Known {
        self.servers.entry(server.to_owned()).or_default()
    }

    /// Takes journal lines (the same health rule as the Traffic view's).
    pub(crate) fn journal(&mut self, entries: Vec<Entry>) {
        for entry in entries {
            let pid = entry.pid;
            let at = mcp_tray_core::journal::parse_ts(&entry.ts).unwrap_or_else(SystemTime::now);
            let server = entry.server.clone();
            let row = TrafficRow::from(entry);
            let known = self.known(&server);
            known.saw_pid(pid, at);
            // A check's session (a probe, doctor, a test in this app) tells nothing of how Claude
            // Desktop's runs go: an app's test is taken from its result ([`Board::probe`]).
            if row.check {
                continue;
            }
            let Some(health) = health_of(&row) else {
                continue;
            };
            let status = ServerHealth::from(health);
            // A session that failed and then ended (the client closed a bridge whose server went
            // down) ended on the failure: the server is not known to be fine since.
            if status == ServerHealth::Stopped
                && known.journal_pid == pid
                && known
                    .journal
                    .as_ref()
                    .is_some_and(|e| e.status == ServerHealth::Failing)
            {
                continue;
            }
            known.journal_pid = pid;
            let text = match (&row.text, status) {
                (Some(text), _) => text.clone(),
                (None, ServerHealth::Connected) => {
                    "it exchanged messages with its client".to_owned()
                }
                (None, _) => String::new(),
            };
            let code = row
                .code
                .filter(|_| matches!(status, ServerHealth::Degraded | ServerHealth::Failing));
            // A shim's event carries a code and a sentence; what to do comes with the code, in
            // the app's words (its controls, not the command line's advice the sentence ends with).
            let fix = code
                .as_deref()
                .and_then(|c| fix_in(Audience::App, c, &text))
                .map(str::to_owned);
            let sign_in = code.as_deref().is_some_and(|c| offers_sign_in(c, &text));
            let text = message_in(Audience::App, &text);
            known.journal = Some(StatusEvidence {
                status,
                source: EvidenceSource::Journal,
                at: row.ts,
                code,
                text,
                fix,
                tool_count: None,
                sign_in,
            });
        }
    }

    /// Takes Claude log events: a failure (with its diagnosis) or a message from the server. A
    /// failure's words are shown with their secrets hidden when `hide_secrets` (the `redact`
    /// setting), as in the Logs view, `secrets` (the config's servers' credentials) too.
    pub(crate) fn claude_log(
        &mut self,
        events: Vec<LogEvent>,
        hide_secrets: bool,
        secrets: &[String],
    ) {
        for event in events {
            let Some(server) = event.server.clone() else {
                continue;
            };
            let known = self.known(&server);
            if event.starts_session() {
                known.claude_attempt_diagnosed = false;
                continue;
            }
            let diagnosed = event.diagnosis.is_some();
            let Some(evidence) = claude_evidence(event, hide_secrets, secrets) else {
                continue;
            };
            match evidence.status {
                ServerHealth::Connected | ServerHealth::Stopped => {
                    known.claude_attempt_diagnosed = false;
                }
                ServerHealth::Failing | ServerHealth::Degraded if diagnosed => {
                    known.claude_attempt_diagnosed = true;
                }
                // What Claude says after the cause it logged: the cause stays the status, unless
                // this says worse (a failure after a warning).
                _ if known.claude_attempt_diagnosed
                    && known.claude_log.as_ref().is_some_and(|kept| {
                        worse_health(kept.status, evidence.status) == kept.status
                    }) =>
                {
                    continue;
                }
                _ => {}
            }
            known.claude_log = Some(evidence);
        }
    }

    /// Takes the moment `server` left the config (`at`, RFC 3339 UTC): a server added under its
    /// name later starts with no status of its own, not with the last words of the one removed
    /// (a Test's "stopped", a failure since fixed by removing it and adding it again).
    pub(crate) fn left_config(&mut self, server: &str, at: String, entry: String) {
        let known = self.known(server);
        known.left_config = Some(at);
        known.left_entry = Some(entry);
    }

    /// Takes `server` back in the config with `entry` (its JSON): when that is the entry that left,
    /// it is the same server, and its status is what was seen of it before it left (its last test,
    /// its runs); another entry under the name starts afresh.
    pub(crate) fn came_back(&mut self, server: &str, entry: &str) {
        let known = self.known(server);
        if known.left_entry.as_deref() == Some(entry) {
            known.left_config = None;
            known.left_entry = None;
        }
    }

    /// Takes the pid of a process MCP Tray started for `server` (a test): sampled like a shim.
    pub(crate) fn ran(&mut self, server: &str, pid: u32) {
        self.known(server).saw_pid(pid, SystemTime::now());
    }

    /// Takes what MCP Tray saw of a server it keeps running (see [`crate::kept_servers`]).
    pub(crate) fn kept(&mut self, server: &str, evidence: StatusEvidence) {
        self.known(server).kept = Some(evidence);
    }

    /// MCP Tray no longer runs `server` (Stop running): a run that was answering reads as stopped
    /// by MCP Tray from now on, not as connected through it; a failure it ended in stays.
    pub(crate) fn let_go(&mut self, server: &str) {
        if let Some(kept) = self
            .known(server)
            .kept
            .as_mut()
            .filter(|e| e.status == ServerHealth::Connected)
        {
            kept.status = ServerHealth::Stopped;
            kept.at = journal::rfc3339_ms(SystemTime::now());
            kept.text = "MCP Tray stopped running it (Stop running)".to_owned();
            kept.tool_count = None;
        }
    }

    /// Takes a sign-in to `server` that worked. Its bridge answered Claude "sign-in required"
    /// before, so the row no longer says that (nor offers Sign in), but it is not connected either
    /// until the bridge talks again: Claude Desktop, which gave up on the server, tries it again
    /// only once restarted. Whatever the bridge does next is newer and wins.
    pub(crate) fn signed_in(&mut self, server: &str) -> StatusEvidence {
        let evidence = StatusEvidence {
            status: ServerHealth::Degraded,
            source: EvidenceSource::SignIn,
            at: journal::rfc3339_ms(SystemTime::now()),
            code: None,
            text: format!(
                "signed in; Claude Desktop uses the sign-in when it starts {server} again"
            ),
            fix: Some(format!(
                "If Claude Desktop shows {server} as failed, restart Claude Desktop: it does not try a server again by itself."
            )),
            tool_count: None,
            sign_in: false,
        };
        self.known(server).sign_in = Some(evidence.clone());
        evidence
    }

    /// Takes the result of a probe of `server`; answers the evidence it makes.
    pub(crate) fn probe(&mut self, server: &str, result: &ProbeView) -> StatusEvidence {
        let at = journal::rfc3339_ms(SystemTime::now());
        let evidence = if result.ok {
            StatusEvidence {
                status: ServerHealth::Connected,
                source: EvidenceSource::Probe,
                at,
                code: None,
                text: format!("answered a test in {} ms", result.total_ms.round()),
                fix: None,
                tool_count: Some(u32::try_from(result.tools.len()).unwrap_or(u32::MAX)),
                sign_in: false,
            }
        } else {
            let diagnosis = result.diagnosis.as_ref();
            StatusEvidence {
                status: ServerHealth::Failing,
                source: EvidenceSource::Probe,
                at,
                code: Some(
                    diagnosis
                        .map_or("probe-failed", |d| d.code.as_str())
                        .to_owned(),
                ),
                text: diagnosis.map_or_else(
                    || "it did not answer a test as an MCP server should".to_owned(),
                    |d| d.summary.clone(),
                ),
                fix: diagnosis.and_then(|d| d.fix.clone()),
                tool_count: None,
                sign_in: diagnosis.is_some_and(|d| offers_sign_in(&d.code, &d.summary)),
            }
        };
        self.known(server).probe = Some(evidence.clone());
        evidence
    }

    /// Takes the last tests and sign-ins kept from before the app started ([`crate::last_tests`]).
    fn tested_before(&mut self, kept: Vec<(String, Kind, StatusEvidence)>) {
        for (server, kind, evidence) in kept {
            let known = self.known(&server);
            match kind {
                Kind::Test => known.probe = Some(evidence),
                Kind::SignIn => known.sign_in = Some(evidence),
            }
        }
    }

    /// The worst status among `names` (every known server when `None`); what the tray shows.
    pub(crate) fn worst(&self, names: Option<&[String]>) -> Health {
        self.servers
            .iter()
            .filter(|(name, _)| names.is_none_or(|n| n.contains(name)))
            .filter_map(|(_, known)| known.latest())
            .map(|e| match e.status {
                ServerHealth::Stopped => Health::Stopped,
                ServerHealth::Connected => Health::Ok,
                ServerHealth::Degraded => Health::Degraded,
                ServerHealth::Failing => Health::Failing,
            })
            .max()
            .unwrap_or(Health::Ok)
    }

    /// The latest status of each server with any evidence.
    pub(crate) fn statuses(&self) -> BTreeMap<String, ServerHealth> {
        self.servers
            .iter()
            .filter_map(|(name, known)| known.latest().map(|e| (name.clone(), e.status)))
            .collect()
    }

    /// Every known server's evidence, with its processes sampled by `sampler` (none when `None`).
    pub(crate) fn overview(&self, sampler: Option<&mut StatsSampler>) -> Vec<ServerOverview> {
        let mut processes: BTreeMap<&str, ProcessView> = BTreeMap::new();
        if let Some(sampler) = sampler {
            let roots: Vec<(&str, (u32, u64))> = self
                .servers
                .iter()
                .flat_map(|(name, k)| k.sessions.iter().map(move |s| (name.as_str(), *s)))
                .collect();
            let pids: Vec<u32> = roots.iter().map(|(_, (pid, _))| *pid).collect();
            let stats = sampler.sample_trees(&pids);
            let now = SystemTime::now()
                .duration_since(SystemTime::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs());
            for ((name, (pid, seen)), sample) in roots.into_iter().zip(stats) {
                let entry = processes.entry(name).or_insert(ProcessView {
                    running: false,
                    pid,
                    cpu_percent: 0.0,
                    memory_bytes: 0.0,
                    uptime_secs: None,
                    processes: 0,
                });
                // A process that started after the shim was seen alive is another one under a
                // reused pid (a second of slack: start times are whole seconds).
                let reused = sampler
                    .start_time(pid)
                    .is_some_and(|started| started > seen.saturating_add(1));
                if !sample.alive || reused {
                    continue;
                }
                // Live shims add up; the newest one names the row and gives the uptime.
                if !entry.running {
                    entry.cpu_percent = 0.0;
                    entry.memory_bytes = 0.0;
                }
                entry.running = true;
                entry.pid = pid;
                entry.cpu_percent += sample.cpu_percent;
                entry.memory_bytes += sample.rss_bytes as f64;
                entry.processes += u32::try_from(sample.pids.len()).unwrap_or(u32::MAX);
                entry.uptime_secs = sampler
                    .start_time(pid)
                    .map(|started| now.saturating_sub(started) as f64);
            }
        }
        self.servers
            .iter()
            .map(|(name, known)| ServerOverview {
                name: name.clone(),
                evidence: known.latest().cloned(),
                process: processes.remove(name.as_str()),
            })
            .collect()
    }
}

/// What one Claude log event says about its server, if anything.
fn claude_evidence(
    event: LogEvent,
    hide_secrets: bool,
    known: &[String],
) -> Option<StatusEvidence> {
    if event.is_failure() {
        let event = event.secrets_hidden_with(hide_secrets, known);
        let status = match (&event.diagnosis, event.level) {
            (_, claude_logs::Level::Error) => ServerHealth::Failing,
            (Some(d), _) if d.severity == Severity::Error => ServerHealth::Failing,
            _ => ServerHealth::Degraded,
        };
        // Claude's log parser writes for both audiences: the window's words (no `mcp-tray tap`,
        // the Edit form's Command field rather than the entry's JSON).
        let sign_in = event
            .diagnosis
            .as_ref()
            .is_some_and(|d| offers_sign_in(&d.code, &d.summary));
        let (code, text, fix) = match event.diagnosis {
            Some(d) => (
                Some(d.code),
                message_in(Audience::App, &d.summary),
                d.fix.map(|fix| message_in(Audience::App, &fix)),
            ),
            None => (Some("error".to_owned()), event.text, None),
        };
        return Some(StatusEvidence {
            status,
            source: EvidenceSource::ClaudeLog,
            at: event.ts,
            code,
            text,
            fix,
            tool_count: None,
            sign_in,
        });
    }
    let answered =
        event.dir == Some(Direction::S2c) || event.text.contains("connected successfully");
    answered.then(|| StatusEvidence {
        status: ServerHealth::Connected,
        source: EvidenceSource::ClaudeLog,
        at: event.ts,
        code: None,
        text: "it answered Claude".to_owned(),
        fix: None,
        tool_count: None,
        sign_in: false,
    })
}

/// The app's status state: the board, and the CPU sampler (its previous sample gives CPU %).
pub(crate) struct ServerWatch {
    shared: SharedBoard,
    /// Where each server's last test is kept for the next start ([`crate::last_tests`]).
    tests_file: PathBuf,
    sampler: Mutex<Option<StatsSampler>>,
    /// Whether the main window is shown (not hidden, not minimised): only then is CPU sampled.
    window_visible: Box<dyn Fn() -> bool + Send + Sync>,
}

impl ServerWatch {
    pub(crate) fn board(&self) -> MutexGuard<'_, Board> {
        self.shared.lock()
    }

    /// Records new evidence (a probe's result, a process MCP Tray started) and has the watcher
    /// re-weigh it for the tray at once.
    pub(crate) fn record(&self, what: impl FnOnce(&mut Board)) {
        self.shared.record(what);
    }

    /// Records the result of a test of `name`, and keeps it for the next start when it is the
    /// test of `entry`, the entry the config holds (or is about to hold) under that name.
    pub(crate) fn tested(&self, name: &str, entry: Option<&ServerEntry>, view: &ProbeView) {
        let mut evidence = None;
        self.record(|board| evidence = Some(board.probe(name, view)));
        if let (Some(entry), Some(evidence)) = (entry, evidence) {
            crate::last_tests::save(&self.tests_file, Kind::Test, entry, &evidence);
        }
    }

    /// Records a sign-in to `name` that worked ([`Board::signed_in`]), kept for the next start
    /// while the config holds the entry signed in to.
    pub(crate) fn signed_in(&self, name: &str) {
        let mut evidence = None;
        self.record(|board| evidence = Some(board.signed_in(name)));
        let doc = config_document();
        if let (Some(entry), Some(evidence)) = (doc.as_ref().and_then(|d| d.server(name)), evidence)
        {
            crate::last_tests::save(&self.tests_file, Kind::SignIn, entry, &evidence);
        }
    }

    /// The board, for a part of the app that feeds it from its own task.
    pub(crate) fn shared_board(&self) -> SharedBoard {
        self.shared.clone()
    }
}

/// The board as the app's parts share it: each change recorded through it wakes the status watcher.
#[derive(Clone)]
pub(crate) struct SharedBoard {
    board: Arc<Mutex<Board>>,
    wake: Wake,
}

impl SharedBoard {
    fn lock(&self) -> MutexGuard<'_, Board> {
        self.board.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Records evidence and has the watcher re-weigh it for the tray at once.
    pub(crate) fn record(&self, what: impl FnOnce(&mut Board)) {
        what(&mut self.lock());
        self.wake.poke();
    }
}

/// The enabled servers of Claude's config; `None` when it cannot be read.
/// How old the entries' findings may get, while they say something is wrong, before a change
/// has them checked again.
const CONFIG_RECHECK: Duration = Duration::from_secs(60);

/// The config in use, when it parses.
fn config_document() -> Option<ConfigDocument> {
    let location = clients::claude_config(None);
    ConfigFile::new(&location.path, paths::data_dir())
        .read()
        .ok()
}

/// What the entries themselves say for the tray, whatever has run: one Claude cannot start (a
/// url entry, a command not found) fails, one with a warning (a server key written twice) needs
/// attention, and so does an env value left as a README placeholder: the server may start, and
/// answer a test, until a call needs the value. A note (a bridge that could replace mcp-remote)
/// leaves the tray as it is.
fn config_status(findings: &[Finding]) -> Option<TrayStatus> {
    let worst = findings
        .iter()
        .map(for_the_tray)
        .max_by_key(|s| severity_rank(*s))?;
    match worst {
        Severity::Error => Some(TrayStatus::Failing),
        Severity::Warning => Some(TrayStatus::Degraded),
        Severity::Info => None,
    }
}

/// How much a finding weighs for the tray: its severity, but a placeholder left in an env value
/// (`missing-env`) at most needs attention, as it does not keep the server from starting.
fn for_the_tray(finding: &Finding) -> Severity {
    match finding.diagnosis.severity {
        Severity::Error
            if finding.diagnosis.code == mcp_tray_core::diagnose::codes::MISSING_ENV =>
        {
            Severity::Warning
        }
        severity => severity,
    }
}

fn severity_rank(severity: Severity) -> u8 {
    match severity {
        Severity::Info => 0,
        Severity::Warning => 1,
        Severity::Error => 2,
    }
}

/// The same per server, for the tray menu's lines: a server whose entry Claude cannot start is
/// failing there too, as the icon says (the view shows the finding under its row).
fn config_marks(findings: &[Finding]) -> BTreeMap<String, ServerHealth> {
    let mut marks = BTreeMap::new();
    for f in findings {
        let Some(server) = &f.diagnosis.server else {
            continue;
        };
        let health = match for_the_tray(f) {
            Severity::Error => ServerHealth::Failing,
            Severity::Warning => ServerHealth::Degraded,
            Severity::Info => continue,
        };
        let mark = marks.entry(server.clone()).or_insert(health);
        *mark = worse_health(*mark, health);
    }
    marks
}

fn worse_health(a: ServerHealth, b: ServerHealth) -> ServerHealth {
    let rank = |h: ServerHealth| match h {
        ServerHealth::Stopped => 0,
        ServerHealth::Connected => 1,
        ServerHealth::Degraded => 2,
        ServerHealth::Failing => 3,
    };
    if rank(b) > rank(a) { b } else { a }
}

/// Each server's mark in the tray menu: what ran, or what its entry says when that is worse.
fn menu_marks(
    ran: BTreeMap<String, ServerHealth>,
    config: &BTreeMap<String, ServerHealth>,
) -> BTreeMap<String, ServerHealth> {
    let mut marks = ran;
    for (name, health) in config {
        let mark = marks.entry(name.clone()).or_insert(*health);
        *mark = worse_health(*mark, *health);
    }
    marks
}

/// The worse of what ran and what the entries say (the config's own states stand as they are).
fn worse(evidence: TrayStatus, config: Option<TrayStatus>) -> TrayStatus {
    let rank = |s: TrayStatus| match s {
        TrayStatus::Ok => 0,
        TrayStatus::Degraded => 1,
        TrayStatus::Failing => 2,
        _ => 3,
    };
    match config {
        Some(config) if rank(evidence) < rank(config) && rank(evidence) < 3 => config,
        _ => evidence,
    }
}

/// The servers that left the config when its content went from `before` to `after` (removed,
/// disabled, renamed away), as the config watch sees each change: recorded on the board, so that
/// a server added under one of their names later does not show the removed one's status; and
/// those that came in, so that the very entry put back (Undo, Enable) shows its own again.
/// Nothing when either content does not parse (what it held is not known), or the file was
/// deleted.
pub(crate) fn note_servers_left(watch: &ServerWatch, before: Option<&[u8]>, after: Option<&[u8]>) {
    // Each server's name and entry (its JSON, whatever its spacing).
    let servers = |bytes: &[u8]| {
        ConfigDocument::parse(std::path::Path::new("config"), bytes, true)
            .ok()
            .map(|doc| {
                doc.servers
                    .into_iter()
                    .map(|s| (s.name, s.value.to_string()))
                    .collect::<BTreeMap<_, _>>()
            })
    };
    let (Some(before), Some(after)) = (before.and_then(servers), after.and_then(servers)) else {
        return;
    };
    let left: Vec<(&String, &String)> = before
        .iter()
        .filter(|(name, _)| !after.contains_key(*name))
        .collect();
    let came: Vec<(&String, &String)> = after
        .iter()
        .filter(|(name, _)| !before.contains_key(*name))
        .collect();
    if left.is_empty() && came.is_empty() {
        return;
    }
    let at = journal::rfc3339_ms(SystemTime::now());
    watch.record(|board| {
        for (name, entry) in left {
            board.left_config(name, at.clone(), entry.clone());
        }
        for (name, entry) in came {
            board.came_back(name, entry);
        }
    });
}

/// Whether MCP Tray keeps any disabled server aside (asked only when no server is enabled).
fn any_disabled() -> bool {
    let location = clients::claude_config(None);
    ConfigFile::new(&location.path, paths::data_dir())
        .disabled()
        .is_ok_and(|d| !d.is_empty())
}

/// What the tray shows: the worst status of the config's servers (`names`), or, when the config
/// cannot be read (`None`), that it has an error: Claude Desktop then starts none of them. With no
/// server enabled, that there is none yet, or that all are disabled (`any_disabled`).
fn tray_status(
    board: &Board,
    names: Option<&[String]>,
    any_disabled: impl FnOnce() -> bool,
) -> TrayStatus {
    match names {
        Some([]) if any_disabled() => TrayStatus::AllDisabled,
        Some([]) => TrayStatus::NoServers,
        Some(names) => board.worst(Some(names)).into(),
        None => TrayStatus::BrokenConfig,
    }
}

/// What the entries' findings said when last checked.
struct Checked {
    /// The config's text then: checked again when it changes.
    text: String,
    status: Option<TrayStatus>,
    /// Per server, for the menu.
    marks: BTreeMap<String, ServerHealth>,
    at: std::time::Instant,
}

/// Reads new journal lines and Claude log events into the board.
struct Watcher {
    journal_dir: PathBuf,
    /// By live file; each line names its server.
    journals: BTreeMap<PathBuf, Tail>,
    claude: LogTail,
}

impl Watcher {
    fn new(journal_dir: PathBuf, claude_dir: PathBuf) -> Self {
        Watcher {
            journal_dir,
            journals: BTreeMap::new(),
            claude: LogTail::new(claude_dir, StartAt::Recent(CLAUDE_LOG_START)),
        }
    }

    fn poll(&mut self, board: &Mutex<Board>) {
        for file in journal::journal_files(&self.journal_dir).unwrap_or_default() {
            self.journals
                .entry(file.clone())
                .or_insert_with(|| Tail::open(file, true));
        }
        let mut entries = Vec::new();
        for tail in self.journals.values_mut() {
            match tail.poll() {
                Ok(read) => entries.extend(read),
                Err(err) => eprintln!("mcp-tray-app: reading a journal failed: {err}"),
            }
        }
        entries.sort_by(|a, b| a.ts.cmp(&b.ts));
        // An event's words become a row's status: journaled while secrets were shown (Hide
        // secrets off then), they are shown masked now, as Traffic shows them.
        if entries.iter().any(|e| e.text.is_some()) && mcp_tray_core::settings::load().redact {
            let known = config_document()
                .map(|doc| doc.known_secrets())
                .unwrap_or_default();
            for text in entries.iter_mut().filter_map(|e| e.text.as_mut()) {
                *text = mcp_tray_core::redact::mask_free_text(text, &known);
            }
        }
        let events = self.claude.poll();
        // Only a failure's words are shown: the setting is read when there is one.
        let hide_secrets =
            events.iter().any(LogEvent::is_failure) && mcp_tray_core::settings::load().redact;
        // And the credentials the config's servers are started with, wherever they stand.
        let known = if hide_secrets {
            config_document()
                .map(|doc| doc.known_secrets())
                .unwrap_or_default()
        } else {
            Vec::new()
        };
        let mut board = board.lock().unwrap_or_else(|e| e.into_inner());
        board.journal(entries);
        board.claude_log(events, hide_secrets, &known);
    }
}

/// Creates the status state and starts the watcher, which tells the tray whenever the worst
/// status of the config's servers changes. The watcher sleeps until a journal or Claude log
/// changes (or the app records evidence itself): no wake-ups while nothing happens.
pub(crate) fn start<R: Runtime>(app: &tauri::AppHandle<R>, wake: &Wake) {
    let board: Arc<Mutex<Board>> = Arc::default();
    let tests_file = paths::data_dir().join(crate::last_tests::FILE);
    if let Some(doc) = config_document() {
        board
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .tested_before(crate::last_tests::load(&tests_file, &doc));
    }
    let shell = app.clone();
    app.manage(ServerWatch {
        tests_file,
        shared: SharedBoard {
            board: board.clone(),
            wake: wake.clone(),
        },
        sampler: Mutex::new(StatsSampler::new()),
        window_visible: Box::new(move || {
            shell.get_webview_window(window::MAIN).is_some_and(|w| {
                w.is_visible().unwrap_or(false) && !w.is_minimized().unwrap_or(false)
            })
        }),
    });
    let handle = app.clone();
    let wake = wake.clone();
    let mut watcher = Watcher::new(paths::journal_dir(), clients::claude_logs_dir());
    let spawned = std::thread::Builder::new()
        .name("server-status".into())
        .spawn(move || {
            let mut shown: Option<TrayStatus> = None;
            let mut seen = wake.changes_seen();
            // The entries' findings, checked again when the file's text changes (a check looks
            // each command up), and, while they say something is wrong, at the first change
            // after a minute (a missing command may have been installed since).
            let mut checked: Option<Checked> = None;
            loop {
                watcher.poll(&board);
                let doc = config_document();
                let names: Option<Vec<String>> = doc
                    .as_ref()
                    .map(|d| d.servers.iter().map(|s| s.name.clone()).collect());
                match &doc {
                    Some(doc) => {
                        if checked.as_ref().is_none_or(|c| {
                            c.text != doc.text
                                || (c.status.is_some() && c.at.elapsed() > CONFIG_RECHECK)
                        }) {
                            let findings = doctor::check_config_only(
                                Audience::App,
                                doc,
                                command_resolver(),
                                &paths::mcp_tray_exe(),
                            );
                            checked = Some(Checked {
                                text: doc.text.clone(),
                                status: config_status(&findings),
                                marks: config_marks(&findings),
                                at: std::time::Instant::now(),
                            });
                        }
                    }
                    None => checked = None,
                }
                let from_config = checked.as_ref().and_then(|c| c.status);
                let (status, statuses) = {
                    let board = board.lock().unwrap_or_else(|e| e.into_inner());
                    let ran = board.statuses();
                    (
                        worse(
                            tray_status(&board, names.as_deref(), any_disabled),
                            from_config,
                        ),
                        match &checked {
                            Some(c) => menu_marks(ran, &c.marks),
                            None => ran,
                        },
                    )
                };
                if shown != Some(status) {
                    shown = Some(status);
                    crate::tray::set_status(&handle, status);
                }
                // The menu's line per server carries its status (rebuilt only on a change).
                crate::tray::set_server_marks(&handle, statuses);
                seen = wake.wait_for_change(seen);
                // A burst of writes (a busy server) is read in one go.
                std::thread::sleep(SETTLE);
            }
        });
    if let Err(err) = spawned {
        eprintln!("mcp-tray-app: cannot start the status watcher: {err}");
    }
}

/// Every server's status (with where it came from) and, while the window is visible, its
/// processes' CPU, memory and uptime. The view calls this every ~2 s while it is shown.
#[tauri::command(async)]
#[specta::specta]
pub fn server_overview(watch: State<'_, ServerWatch>) -> Vec<ServerOverview> {
    // `async`: off the main thread, which draws the window. The scan of the process table takes
    // milliseconds and the window's state is asked of the main thread: blocking work, so the
    // worker hands its other tasks on meanwhile.
    tokio::task::block_in_place(|| {
        // A hidden or minimised window samples nothing (the view also stops asking).
        let visible = (watch.window_visible)();
        let mut sampler = watch.sampler.lock().unwrap_or_else(|e| e.into_inner());
        let sampler = sampler.as_mut().filter(|_| visible);
        watch.board().overview(sampler)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(line: &str) -> Entry {
        serde_json::from_str(line).expect("a journal line")
    }

    fn failing_event(ts: &str) -> Entry {
        entry(&format!(
            r#"{{"ts":"{ts}","server":"gh","session":"s","pid":41,"dir":"event","kind":"event","code":"command-not-found","level":"error","text":"gh-server: not found"}}"#
        ))
    }

    fn message(ts: &str, pid: u32) -> Entry {
        entry(&format!(
            r#"{{"ts":"{ts}","server":"gh","session":"s","pid":{pid},"dir":"s2c","kind":"response","id":1,"msg":{{"jsonrpc":"2.0","id":1,"result":{{}}}}}}"#
        ))
    }

    fn probe_view(ok: bool) -> ProbeView {
        ProbeView {
            ok,
            server_name: None,
            server_version: None,
            transport: None,
            tools: Vec::new(),
            diagnosis: None,
            stderr_tail: Vec::new(),
            total_ms: 12.0,
        }
    }

    #[test]
    fn the_tray_shows_what_the_entries_say_when_nothing_that_ran_says_worse() {
        use mcp_tray_core::config::ConfigDocument;
        let doc = ConfigDocument::parse(
            std::path::Path::new("c.json"),
            br#"{"mcpServers": {
                "weather": {"url": "https://weather.example.com/mcp"},
                "docs": {"command": "npx", "args": ["-y", "mcp-remote", "https://docs.example.com/mcp"]}
            }}"#,
            false,
        )
        .expect("parses");
        let findings = doctor::check_document(&doc, std::path::Path::new("/opt/mcp-tray"));
        // A url entry Claude ignores: it cannot start that server.
        assert_eq!(config_status(&findings), Some(TrayStatus::Failing));
        // mcp-remote alone is a note: the tray stays as it was.
        let notes: Vec<Finding> = findings
            .into_iter()
            .filter(|f| f.diagnosis.server.as_deref() == Some("docs"))
            .collect();
        assert!(!notes.is_empty());
        assert_eq!(config_status(&notes), None);
        assert_eq!(config_status(&[]), None);

        // A README placeholder left in an env value: the server may start and answer a test, so
        // the tray says it needs attention, not that it fails.
        let placeholder = ConfigDocument::parse(
            std::path::Path::new("c.json"),
            br#"{"mcpServers": {"fs": {"command": "sh", "env": {"API_KEY": "<YOUR_API_KEY>"}}}}"#,
            false,
        )
        .expect("parses");
        let findings = doctor::check_document(&placeholder, std::path::Path::new("/opt/mcp-tray"));
        assert!(
            findings
                .iter()
                .any(|f| f.diagnosis.code == mcp_tray_core::diagnose::codes::MISSING_ENV),
            "{findings:?}"
        );
        assert_eq!(config_status(&findings), Some(TrayStatus::Degraded));
        assert_eq!(
            config_marks(&findings),
            BTreeMap::from([("fs".to_owned(), ServerHealth::Degraded)])
        );

        // The menu's lines say which server the red icon is about; a note marks nothing.
        let findings = doctor::check_document(&doc, std::path::Path::new("/opt/mcp-tray"));
        let config = config_marks(&findings);
        assert_eq!(
            config,
            BTreeMap::from([("weather".to_owned(), ServerHealth::Failing)])
        );
        let ran = BTreeMap::from([
            ("weather".to_owned(), ServerHealth::Connected),
            ("docs".to_owned(), ServerHealth::Stopped),
        ]);
        assert_eq!(
            menu_marks(ran, &config),
            BTreeMap::from([
                ("weather".to_owned(), ServerHealth::Failing),
                ("docs".to_owned(), ServerHealth::Stopped),
            ])
        );

        assert_eq!(
            worse(TrayStatus::Ok, Some(TrayStatus::Failing)),
            TrayStatus::Failing
        );
        assert_eq!(
            worse(TrayStatus::Ok, Some(TrayStatus::Degraded)),
            TrayStatus::Degraded
        );
        assert_eq!(
            worse(TrayStatus::Failing, Some(TrayStatus::Degraded)),
            TrayStatus::Failing
        );
        assert_eq!(worse(TrayStatus::Degraded, None), TrayStatus::Degraded);
        // The file's own states stand: a broken file, no servers, all disabled.
        assert_eq!(
            worse(TrayStatus::BrokenConfig, Some(TrayStatus::Failing)),
            TrayStatus::BrokenConfig
        );
        assert_eq!(
            worse(TrayStatus::NoServers, Some(TrayStatus::Degraded)),
            TrayStatus::NoServers
        );
    }

    #[test]
    fn the_most_recent_evidence_wins_whichever_source_it_comes_from() {
        let mut board = Board::default();
        board.journal(vec![failing_event("2026-11-24T08:00:00.000Z")]);
        let first = board.overview(None);
        let evidence = first[0].evidence.as_ref().expect("evidence");
        assert_eq!(evidence.status, ServerHealth::Failing);
        assert_eq!(evidence.source, EvidenceSource::Journal);
        assert_eq!(evidence.code.as_deref(), Some("command-not-found"));
        assert_eq!(board.worst(None), Health::Failing);

        // A probe now (later than 2026-11-24) says it works.
        board.probe("gh", &probe_view(true));
        let evidence = board.overview(None)[0].evidence.clone().expect("evidence");
        assert_eq!(evidence.source, EvidenceSource::Probe);
        assert_eq!(evidence.status, ServerHealth::Connected);
        assert_eq!(evidence.tool_count, Some(0));
        assert_eq!(board.worst(None), Health::Ok);

        // An older journal line does not override the newer probe.
        board.journal(vec![failing_event("2026-11-24T09:00:00.000Z")]);
        assert_eq!(board.worst(None), Health::Ok);
    }

    #[test]
    fn a_server_added_under_a_removed_ones_name_starts_without_its_status() {
        let mut board = Board::default();
        board.journal(vec![
            message("2026-11-24T08:00:00.000Z", 41),
            entry(
                r#"{"ts":"2026-11-24T08:05:00.000Z","server":"gh","session":"s","pid":41,"dir":"event","kind":"event","code":"stopped","level":"info","text":"server stopped (exit code 0)"}"#,
            ),
        ]);
        board.left_config(
            "gh",
            "2026-11-24T08:06:00.000Z".to_owned(),
            r#"{"command":"gh"}"#.to_owned(),
        );
        let gh = &board.overview(None)[0];
        assert_eq!(
            gh.evidence, None,
            "the removed entry's status is not the new one's"
        );
        assert!(board.statuses().is_empty());
        // What is seen of it after it left (the new entry's first session, a test) counts.
        board.journal(vec![failing_event("2026-11-24T08:07:00.000Z")]);
        let evidence = board.overview(None)[0].evidence.clone().expect("evidence");
        assert_eq!(evidence.code.as_deref(), Some("command-not-found"));
        board.probe("gh", &probe_view(true));
        let evidence = board.overview(None)[0].evidence.clone().expect("evidence");
        assert_eq!(evidence.source, EvidenceSource::Probe);
    }

    #[test]
    fn the_very_entry_put_back_shows_what_was_seen_of_it_and_another_one_does_not() {
        let entry_json = r#"{"command":"gh"}"#;
        let mut board = Board::default();
        board.probe("gh", &probe_view(true));
        let tested = board.overview(None)[0].evidence.clone().expect("tested");
        // Disabled, then enabled again (or removed, then Undo): the same entry, the same server.
        std::thread::sleep(Duration::from_millis(5));
        board.left_config(
            "gh",
            journal::rfc3339_ms(SystemTime::now()),
            entry_json.to_owned(),
        );
        assert_eq!(board.overview(None)[0].evidence, None);
        board.came_back("gh", entry_json);
        assert_eq!(board.overview(None)[0].evidence, Some(tested));

        // Removed again, and another entry added under its name: it starts afresh.
        std::thread::sleep(Duration::from_millis(5));
        board.left_config(
            "gh",
            journal::rfc3339_ms(SystemTime::now()),
            entry_json.to_owned(),
        );
        board.came_back("gh", r#"{"command":"other"}"#);
        assert_eq!(board.overview(None)[0].evidence, None);
    }

    #[test]
    fn a_session_that_failed_and_then_ended_stays_failing() {
        let event = |ts: &str, pid: u32, code: &str, level: &str, text: &str| {
            entry(&format!(
                r#"{{"ts":"{ts}","server":"gh","session":"s","pid":{pid},"dir":"event","kind":"event","code":"{code}","level":"{level}","text":"{text}"}}"#
            ))
        };
        let mut board = Board::default();
        // The remote went down mid-session; the client then closed the bridge.
        board.journal(vec![
            message("2026-11-24T08:00:00.000Z", 41),
            event(
                "2026-11-24T08:00:04.000Z",
                41,
                "connection-refused",
                "error",
                "remote server refused the connection",
            ),
            event(
                "2026-11-24T08:00:10.000Z",
                41,
                "session-closed",
                "info",
                "session left to the server to end",
            ),
        ]);
        let evidence = board.overview(None)[0].evidence.clone().expect("evidence");
        assert_eq!(evidence.status, ServerHealth::Failing, "{evidence:?}");
        assert_eq!(evidence.code.as_deref(), Some("connection-refused"));
        // A later session that talks and ends cleanly is stopped, as is one that recovered.
        board.journal(vec![
            message("2026-11-24T09:00:00.000Z", 42),
            event(
                "2026-11-24T09:00:05.000Z",
                42,
                "session-closed",
                "info",
                "session ended",
            ),
        ]);
        let evidence = board.overview(None)[0].evidence.clone().expect("evidence");
        assert_eq!(evidence.status, ServerHealth::Stopped, "{evidence:?}");
        board.journal(vec![
            event(
                "2026-11-24T10:00:04.000Z",
                43,
                "connection-lost",
                "warn",
                "lost",
            ),
            message("2026-11-24T10:00:05.000Z", 43),
            event(
                "2026-11-24T10:00:09.000Z",
                43,
                "session-closed",
                "info",
                "session ended",
            ),
        ]);
        let evidence = board.overview(None)[0].evidence.clone().expect("evidence");
        assert_eq!(evidence.status, ServerHealth::Stopped, "{evidence:?}");
        // A warning just before a clean end (a line printed on stdout as the input closed) is
        // not a failure the server is left in.
        board.journal(vec![
            message("2026-11-24T11:00:00.000Z", 44),
            event(
                "2026-11-24T11:00:04.000Z",
                44,
                "stdout-pollution",
                "warn",
                "bye",
            ),
            event(
                "2026-11-24T11:00:05.000Z",
                44,
                "stopped",
                "info",
                "server stopped",
            ),
        ]);
        let evidence = board.overview(None)[0].evidence.clone().expect("evidence");
        assert_eq!(evidence.status, ServerHealth::Stopped, "{evidence:?}");
    }

    #[test]
    fn a_server_stopped_cleanly_after_talking_shows_stopped_without_a_code_or_fix() {
        let mut board = Board::default();
        board.journal(vec![
            message("2026-11-24T08:00:00.000Z", 41),
            entry(
                r#"{"ts":"2026-11-24T08:05:00.000Z","server":"gh","session":"s","pid":41,"dir":"event","kind":"event","code":"stopped","level":"info","text":"server stopped (exit code 0)"}"#,
            ),
        ]);
        let evidence = board.overview(None)[0].evidence.clone().expect("evidence");
        assert_eq!(evidence.status, ServerHealth::Stopped);
        assert_eq!(evidence.text, "server stopped (exit code 0)");
        assert_eq!((evidence.code, evidence.fix), (None, None));
        assert_eq!(board.worst(None), Health::Stopped);
        assert_eq!(
            crate::tray::TrayStatus::from(board.worst(None)),
            crate::tray::TrayStatus::Ok
        );
    }

    #[test]
    fn a_config_that_cannot_be_read_turns_the_tray_red_with_its_own_words() {
        let board = Board::default();
        assert_eq!(
            tray_status(&board, None, || false),
            TrayStatus::BrokenConfig
        );
    }

    #[test]
    fn with_no_server_enabled_the_tray_says_so_rather_than_all_ok() {
        let board = Board::default();
        assert_eq!(
            tray_status(&board, Some(&[]), || false),
            TrayStatus::NoServers
        );
        assert_eq!(
            tray_status(&board, Some(&[]), || true),
            TrayStatus::AllDisabled
        );
        let names = ["fetch".to_owned()];
        assert_eq!(tray_status(&board, Some(&names), || true), TrayStatus::Ok);
    }

    #[test]
    fn a_failure_from_a_shims_journal_comes_with_the_fix_for_its_code() {
        let mut board = Board::default();
        board.journal(vec![failing_event("2026-11-24T08:00:00.000Z")]);
        let evidence = board.overview(None)[0].evidence.clone().expect("evidence");
        assert_eq!(evidence.code.as_deref(), Some("command-not-found"));
        assert_eq!(
            evidence.fix.as_deref(),
            mcp_tray_core::diagnose::general_fix("command-not-found")
        );
        assert!(evidence.fix.is_some());

        // Once it talks again it is connected, and there is nothing to fix.
        board.journal(vec![message("2026-11-24T08:01:00.000Z", 41)]);
        let evidence = board.overview(None)[0].evidence.clone().expect("evidence");
        assert_eq!(evidence.status, ServerHealth::Connected);
        assert_eq!((evidence.code, evidence.fix), (None, None));
    }

    #[test]
    fn a_checks_session_in_the_journal_is_no_status_of_claudes_runs() {
        // The Add flow's test of a server that asked for a sign-in, journaled before the user
        // signed in: the row must not say "sign-in required" once the server is added.
        let mut board = Board::default();
        board.journal(vec![entry(
            r#"{"ts":"2026-12-05T13:30:00.000Z","server":"gh","session":"t","pid":77,"check":true,"dir":"event","kind":"event","code":"auth-required","level":"error","text":"sign-in required for gh"}"#,
        )]);
        assert!(board.overview(None)[0].evidence.is_none());

        // Claude's own run is taken as before.
        board.journal(vec![failing_event("2026-12-05T13:31:00.000Z")]);
        let evidence = board.overview(None)[0].evidence.clone().expect("evidence");
        assert_eq!(evidence.code.as_deref(), Some("command-not-found"));
        // And a check's answer after it does not cover it.
        board.journal(vec![entry(
            r#"{"ts":"2026-12-05T13:32:00.000Z","server":"gh","session":"t2","pid":78,"check":true,"dir":"s2c","kind":"response","id":1,"msg":{"jsonrpc":"2.0","id":1,"result":{}}}"#,
        )]);
        let evidence = board.overview(None)[0].evidence.clone().expect("evidence");
        assert_eq!(evidence.status, ServerHealth::Failing);
    }

    #[test]
    fn a_bridge_waiting_for_a_sign_in_shows_in_the_row_without_the_command_lines_advice() {
        let mut board = Board::default();
        let event = |ts: &str, text: &str| {
            entry(&format!(
                r#"{{"ts":"{ts}","server":"linear","session":"s","pid":41,"dir":"event","kind":"event","code":"auth-required","level":"error","text":"{text}"}}"#
            ))
        };
        // The bridge's own words, as Claude's log keeps them.
        let waiting = format!(
            "sign-in required for linear: {} linear",
            mcp_tray_core::auth::OPEN_APP_OR_LOGIN
        );
        board.journal(vec![event("2026-11-24T08:00:00.000Z", &waiting)]);
        let evidence = board.overview(None)[0].evidence.clone().expect("evidence");
        assert_eq!(evidence.text, "sign-in required for linear");
        let fix = evidence.fix.expect("a fix");
        assert!(fix.contains("Sign in button"), "{fix}");
        for cli in ["mcp-tray ", "--", "open MCP Tray"] {
            assert!(!fix.contains(cli) && !evidence.text.contains(cli), "{fix}");
        }
        // A refused header: the Edit form's headers, not --header.
        let refused = format!(
            "remote server at https://x/mcp {} (HTTP 401): denied; they may have expired or be wrong: {}",
            mcp_tray_core::auth::GIVEN_REFUSED,
            mcp_tray_core::auth::GIVE_VALID
        );
        board.journal(vec![event("2026-11-24T08:01:00.000Z", &refused)]);
        let evidence = board.overview(None)[0].evidence.clone().expect("evidence");
        let fix = evidence.fix.expect("a fix");
        assert!(fix.contains("Edit form's headers"), "{fix}");
        assert!(
            !evidence.text.contains("--") && !evidence.text.contains("(in the app"),
            "{}",
            evidence.text
        );
    }

    #[test]
    fn a_sign_in_that_worked_replaces_sign_in_required_until_the_bridge_talks_again() {
        let mut board = Board::default();
        board.journal(vec![entry(
            r#"{"ts":"2026-11-24T08:00:00.000Z","server":"linear","session":"s","pid":41,"dir":"event","kind":"event","code":"auth-required","level":"error","text":"sign-in required for linear"}"#,
        )]);
        assert_eq!(board.worst(None), Health::Failing);

        board.signed_in("linear");
        let evidence = board.overview(None)[0].evidence.clone().expect("evidence");
        assert_eq!(evidence.source, EvidenceSource::SignIn);
        assert_eq!(evidence.status, ServerHealth::Degraded);
        // No auth-required code: the row offers no Sign in any more.
        assert_eq!(evidence.code, None);
        assert!(evidence.text.starts_with("signed in"), "{}", evidence.text);
        let fix = evidence.fix.expect("a fix");
        assert!(fix.contains("restart Claude Desktop"), "{fix}");
        assert_eq!(board.worst(None), Health::Degraded);

        // The bridge Claude starts next talks: that is newer, and it is connected.
        std::thread::sleep(Duration::from_millis(5));
        let ts = journal::rfc3339_ms(SystemTime::now());
        board.journal(vec![entry(&format!(
            r#"{{"ts":"{ts}","server":"linear","session":"t","pid":42,"dir":"s2c","kind":"response","id":1,"msg":{{"jsonrpc":"2.0","id":1,"result":{{}}}}}}"#
        ))]);
        let evidence = board.overview(None)[0].evidence.clone().expect("evidence");
        assert_eq!(evidence.source, EvidenceSource::Journal);
        assert_eq!(evidence.status, ServerHealth::Connected);
    }

    #[test]
    fn a_sign_in_kept_from_before_a_restart_still_replaces_the_sign_in_required_before_it() {
        use mcp_tray_core::config::ConfigDocument;
        let dir = tempfile::tempdir().expect("dir");
        let file = dir.path().join(crate::last_tests::FILE);
        let doc = ConfigDocument::parse(
            std::path::Path::new("c.json"),
            br#"{"mcpServers": {"linear": {"command": "mcp-tray", "args": ["bridge", "https://mcp.linear.app/mcp"]}}}"#,
            false,
        )
        .expect("parses");
        let auth_required = || {
            entry(
                r#"{"ts":"2026-11-24T08:00:00.000Z","server":"linear","session":"s","pid":41,"dir":"event","kind":"event","code":"auth-required","level":"error","text":"sign-in required for linear"}"#,
            )
        };
        // Signed in from the app: kept as the entry's.
        let mut board = Board::default();
        board.journal(vec![auth_required()]);
        let signed = board.signed_in("linear");
        crate::last_tests::save(
            &file,
            Kind::SignIn,
            doc.server("linear").expect("entry"),
            &signed,
        );

        // The app starts again and reads the journal anew: the sign-in after it still stands.
        let mut board = Board::default();
        board.tested_before(crate::last_tests::load(&file, &doc));
        board.journal(vec![auth_required()]);
        let evidence = board.overview(None)[0].evidence.clone().expect("evidence");
        assert_eq!(evidence.source, EvidenceSource::SignIn, "{evidence:?}");
        assert_eq!(evidence.status, ServerHealth::Degraded);
        assert!(!evidence.sign_in, "no Sign in offered again");
        assert_eq!(board.worst(None), Health::Degraded);
    }

    #[test]
    fn a_server_failing_only_in_claudes_log_is_failing_with_the_diagnosis_and_fix() {
        let log = "2026-11-24T10:02:00.000Z [gh] [error] spawn gh-server ENOENT\n";
        let events = claude_logs::parse_bytes("mcp-server-gh.log", log.as_bytes());
        let mut board = Board::default();
        board.claude_log(events, true, &[]);
        let overview = board.overview(None);
        let evidence = overview[0].evidence.as_ref().expect("evidence");
        assert_eq!(overview[0].name, "gh");
        assert_eq!(evidence.status, ServerHealth::Failing);
        assert_eq!(evidence.source, EvidenceSource::ClaudeLog);
        assert_eq!(evidence.code.as_deref(), Some("command-not-found"));
        assert!(evidence.fix.is_some(), "{evidence:?}");
        assert!(
            evidence.at.starts_with("2026-11-24T10:02"),
            "{}",
            evidence.at
        );
    }

    #[test]
    fn the_cause_claude_logged_stays_the_status_over_the_generic_records_after_it() {
        // As Claude Desktop logs a server whose command it cannot find, then its next attempt.
        let log = "2026-11-24T10:02:00.000Z [fs] [info] Initializing server...\n\
                   2026-11-24T10:02:00.010Z [fs] [error] spawn npx ENOENT {\"context\":\"connection\"}\n\
                   2026-11-24T10:02:00.011Z [fs] [info] Server transport closed\n\
                   2026-11-24T10:02:00.012Z [fs] [info] Server transport closed unexpectedly, this is likely due to the process exiting early. If you are developing this MCP server you can add output to stderr (i.e. `console.error('...')` in JavaScript, `print('...', file=sys.stderr)` in python) and it will appear in this log.\n\
                   2026-11-24T10:02:00.013Z [fs] [error] Server disconnected. For troubleshooting guidance, please visit our [debugging documentation](https://modelcontextprotocol.io/docs/tools/debugging) {\"context\":\"connection\"}\n";
        let mut board = Board::default();
        board.claude_log(
            claude_logs::parse_bytes("mcp-server-fs.log", log.as_bytes()),
            true,
            &[],
        );
        let evidence = board.overview(None)[0].evidence.clone().expect("evidence");
        assert_eq!(
            evidence.code.as_deref(),
            Some("command-not-found"),
            "{evidence:?}"
        );
        assert!(evidence.fix.is_some(), "{evidence:?}");
        assert!(evidence.at.ends_with("00.010Z"), "{}", evidence.at);

        // A later attempt that fails with nothing named is that attempt's status.
        let again = "2026-11-24T11:00:00.000Z [fs] [info] Initializing server...\n\
                     2026-11-24T11:00:00.013Z [fs] [error] Server disconnected. For troubleshooting guidance, please visit our [debugging documentation](https://modelcontextprotocol.io/docs/tools/debugging) {\"context\":\"connection\"}\n";
        board.claude_log(
            claude_logs::parse_bytes("mcp-server-fs.log", again.as_bytes()),
            true,
            &[],
        );
        let evidence = board.overview(None)[0].evidence.clone().expect("evidence");
        assert_eq!(evidence.code.as_deref(), Some("error"), "{evidence:?}");
        assert!(
            evidence.text.starts_with("Server disconnected"),
            "{evidence:?}"
        );
    }

    #[test]
    fn a_status_from_claudes_log_hides_the_credentials_a_server_is_started_with() {
        let log = "2026-11-24T10:02:00.000Z [keyed] [error] key sk-ARG-SECRET987 refused\n";
        let mut board = Board::default();
        board.claude_log(
            claude_logs::parse_bytes("mcp-server-keyed.log", log.as_bytes()),
            true,
            &["sk-ARG-SECRET987".to_owned()],
        );
        let evidence = board.overview(None)[0].evidence.clone().expect("evidence");
        assert_eq!(evidence.text, "key [redacted] refused");
    }

    #[test]
    fn a_failure_claude_logs_after_a_diagnosed_warning_is_the_status() {
        // A warning named (a timeout), then the server failing outright in the same attempt.
        let log = "2026-11-24T10:02:00.000Z [slow] [info] Initializing server...\n\
                   2026-11-24T10:02:30.000Z [slow] [warn] MCP error -32001: Request timed out {\"context\":\"tools/list\"}\n\
                   2026-11-24T10:02:31.000Z [slow] [error] Server disconnected.\n";
        let mut board = Board::default();
        board.claude_log(
            claude_logs::parse_bytes("mcp-server-slow.log", log.as_bytes()),
            true,
            &[],
        );
        let evidence = board.overview(None)[0].evidence.clone().expect("evidence");
        assert_eq!(evidence.status, ServerHealth::Failing, "{evidence:?}");
    }

    #[test]
    fn a_failure_read_from_claudes_log_hides_its_secrets_unless_hiding_is_off() {
        let log = "2026-11-24T10:02:00.000Z [gh] [error] upstream rejected GITHUB_TOKEN=ghp_1 for https://me:pw-2@x\n";
        for (hide, shown) in [
            (
                true,
                "upstream rejected GITHUB_TOKEN=•••••• for https://me:••••••@x",
            ),
            (
                false,
                "upstream rejected GITHUB_TOKEN=ghp_1 for https://me:pw-2@x",
            ),
        ] {
            let mut board = Board::default();
            board.claude_log(
                claude_logs::parse_bytes("mcp-server-gh.log", log.as_bytes()),
                hide,
                &[],
            );
            let overview = board.overview(None);
            let evidence = overview[0].evidence.as_ref().expect("evidence");
            assert_eq!(evidence.status, ServerHealth::Failing);
            assert_eq!(evidence.text, shown);
        }
    }

    #[test]
    fn every_failure_read_from_claudes_log_says_what_to_do_in_the_apps_words() {
        let lines = [
            ("gone", "[error] spawn npx ENOENT"),
            (
                "banner",
                "[error] Unexpected token 'S', \"Starting server\" is not valid JSON",
            ),
            ("slow", "[error] MCP error -32001: Request timed out"),
            (
                "quits",
                "[info] Server transport closed unexpectedly, this is likely due to the process exiting early.",
            ),
            ("locked", "[error] Error: HTTP 401 Unauthorized"),
            ("down", "[error] connect ECONNREFUSED 127.0.0.1:9"),
            (
                "tls",
                "[error] self-signed certificate in certificate chain",
            ),
            ("typo", "[error] getaddrinfo ENOTFOUND x.example"),
        ];
        let mut board = Board::default();
        for (server, line) in lines {
            let log = format!("2026-11-24T10:02:00.000Z [{server}] {line}\n");
            board.claude_log(
                claude_logs::parse_bytes(&format!("mcp-server-{server}.log"), log.as_bytes()),
                true,
                &[],
            );
        }
        let mut codes = Vec::new();
        for row in board.overview(None) {
            let evidence = row.evidence.expect("evidence");
            codes.push(evidence.code.clone().expect("a code"));
            let fix = evidence.fix.as_deref().expect("a fix");
            let words = crate::command_tests::cli_words_in(fix);
            assert!(words.is_empty(), "{words:?} in {}'s fix: {fix}", row.name);
            let words = crate::command_tests::cli_flags_in(&evidence.text);
            assert!(
                words.is_empty(),
                "{words:?} in {}: {}",
                row.name,
                evidence.text
            );
        }
        codes.sort();
        assert_eq!(
            codes,
            [
                "auth-required",
                "command-not-found",
                "connection-refused",
                "dns-error",
                "exited-early",
                "stdout-pollution",
                "timeout",
                "tls-error"
            ]
        );
    }

    #[test]
    fn the_tray_counts_only_the_servers_named() {
        let mut board = Board::default();
        board.journal(vec![failing_event("2026-11-24T08:00:00.000Z")]);
        assert_eq!(board.worst(Some(&["other".to_owned()])), Health::Ok);
        assert_eq!(board.worst(Some(&["gh".to_owned()])), Health::Failing);
    }

    #[test]
    fn a_process_the_app_ran_itself_is_sampled_like_a_shim() {
        let mut child = std::process::Command::new("sleep")
            .arg("1000")
            .spawn()
            .expect("spawn sleep");
        let mut board = Board::default();
        board.ran("probed", child.id());
        let mut sampler = StatsSampler::new().expect("sysinfo");
        let overview = board.overview(Some(&mut sampler));
        assert_eq!(overview[0].name, "probed");
        assert!(overview[0].evidence.is_none(), "a pid is no status");
        let process = overview[0].process.clone().expect("sampled");
        assert!(process.running && process.memory_bytes > 0.0);
        child.kill().expect("kill");
        child.wait().expect("reaped");
    }

    /// A shim journaled days ago is gone; a process running under its pid now started after it
    /// (the number reused) and is not shown as the server, its CPU and memory as the server's.
    #[test]
    fn a_process_under_the_pid_of_a_shim_gone_since_is_not_the_server() {
        let mut child = std::process::Command::new("sleep")
            .arg("1000")
            .spawn()
            .expect("spawn sleep");
        let mut board = Board::default();
        let days_ago = SystemTime::now() - Duration::from_secs(2 * 24 * 3600);
        board.journal(vec![message(
            &mcp_tray_core::journal::rfc3339_ms(days_ago),
            child.id(),
        )]);
        let mut sampler = StatsSampler::new().expect("sysinfo");
        let overview = board.overview(Some(&mut sampler));
        child.kill().expect("kill");
        child.wait().expect("reaped");
        let process = overview[0].process.clone().expect("sampled");
        assert!(!process.running, "{process:?}");
        assert_eq!(process.memory_bytes, 0.0);
    }

    #[test]
    fn a_live_shim_is_sampled_and_a_gone_one_is_not_running() {
        let mut child = std::process::Command::new("sleep")
            .arg("1000")
            .spawn()
            .expect("spawn sleep");
        let mut board = Board::default();
        let now = mcp_tray_core::journal::rfc3339_ms(SystemTime::now());
        board.journal(vec![message(&now, child.id())]);
        let mut sampler = StatsSampler::new().expect("sysinfo");
        let overview = board.overview(Some(&mut sampler));
        let process = overview[0].process.clone().expect("sampled");
        assert!(process.running);
        assert_eq!(process.pid, child.id());
        assert!(process.memory_bytes > 0.0);
        assert!(process.uptime_secs.is_some());
        assert!(
            board.overview(None)[0].process.is_none(),
            "not sampled when hidden"
        );
        child.kill().expect("kill");
        child.wait().expect("reaped");
        let overview = board.overview(Some(&mut sampler));
        let process = overview[0].process.clone().expect("sampled");
        assert!(!process.running);
    }
}
