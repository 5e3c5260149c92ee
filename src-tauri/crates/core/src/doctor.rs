//! The doctor: everything that can be found wrong with a Claude Desktop setup, without being told
//! where to look, each finding a [`Diagnosis`] with a fix.
//!
//! It checks the config file (parses? is it the one Claude reads? a key written twice?), every entry on its own (url
//! entries Claude ignores, WebSocket URLs, `npx mcp-remote` that the native bridge replaces,
//! relative paths, placeholder or unset env values), whether each command can be found, whether
//! Node.js is recent enough for the servers that need it, then probes every server and reads
//! Claude's recent logs and the recent failures MCP Tray's own shims journaled for each server
//! ([`check_journals`]), about the servers checked only and not those of a server whose probe has
//! just passed ([`already_said`]). Findings that are pure config edits carry the [`Edit`] that
//! fixes them; [`apply_fixes`] makes them through the config engine, so they are undoable.
//!
//! Never: change anything by itself, or print a secret (env values are named, never shown; a
//! URL's password and secret query values, and a command line's credentials, are shown masked as
//! `list` shows them, [`crate::redact::mask_url`], while the edits of its fixes keep the real ones).

use std::path::Path;
use std::time::Duration;

use serde::Serialize;
use serde_json::Value;

use crate::claude_logs;
use crate::clients::{ConfigLocation, ConfigSource};
use crate::config::document::join_and;
use crate::config::edit::{how_alike, log_key, where_alike};
use crate::config::mcp_remote::migrate;
use crate::config::snippet::{bridge_entry, keep_other_keys};
use crate::config::{
    ConfigDocument, ConfigError, ConfigFile, Edit, EditOutcome, EntryKind, HistoryEntry,
    ServerEntry,
};
use crate::diagnose::{Audience, Diagnosis, Severity, codes, fix_for};
use crate::journal::{self, Entry};
use crate::probe::{self, ProbeReport, ProbeTarget};
use crate::redact::{mask_args, mask_text, mask_url};
use crate::supervise::CommandResolver;

/// How far back Claude's logs and our journals are read for findings, from their newest line.
const LOG_WINDOW_MS: i64 = 3 * 24 * 3600 * 1000;

/// How much of the end of each log file (Claude's, and each file of a server's journal) is read
/// for findings: days of failures, never a year of history.
const LOG_TAIL_BYTES: u64 = 512 * 1024;

/// One finding, and the config edit that fixes it when there is one.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    #[serde(flatten)]
    pub diagnosis: Diagnosis,
    /// Whether `doctor --fix` can fix it.
    pub fixable: bool,
    #[serde(skip)]
    pub edit: Option<Edit>,
    /// For a fix of one entry: that entry's text as the doctor examined it. The fix is made only
    /// while the entry still reads so ([`apply_fixes`]): an edit made meanwhile (the probes take
    /// a while) is not written over.
    #[serde(skip)]
    pub examined: Option<String>,
}

impl Finding {
    fn new(diagnosis: Diagnosis) -> Self {
        Finding {
            diagnosis,
            fixable: false,
            edit: None,
            examined: None,
        }
    }

    fn with_edit(mut self, edit: Edit) -> Self {
        self.fixable = true;
        self.edit = Some(edit);
        self
    }
}

/// What to check.
#[derive(Debug, Clone)]
pub struct DoctorOptions {
    /// Check only this server.
    pub only: Option<String>,
    /// Probe each server (start it, list its tools); off for a quick check.
    pub probe: bool,
    pub probe_timeout: Duration,
    /// Claude's log folder; `None` skips the logs.
    pub logs_dir: Option<std::path::PathBuf>,
    /// MCP Tray's journal folder ([`crate::paths::journal_dir`]); `None` skips the journals.
    pub journal_dir: Option<std::path::PathBuf>,
    /// The `mcp-tray` binary bridge entries start.
    pub exe: std::path::PathBuf,
    /// Cancelled (the CLI's Ctrl-C): the probes under way stop their servers, and no other
    /// starts. `None`: nothing stops the doctor.
    pub stop: Option<tokio_util::sync::CancellationToken>,
    /// Told of each probe as it ends (the CLI's progress on a terminal).
    pub on_probed: Option<ProbeProgress>,
}

/// What [`DoctorOptions::on_probed`] calls: the server probed, its report (`None`: stopped), and
/// how many of how many probes have ended.
#[derive(Clone)]
pub struct ProbeProgress(pub std::sync::Arc<TellProbed>);

/// The function inside a [`ProbeProgress`].
pub type TellProbed = dyn Fn(&ProbeTarget, Option<&ProbeReport>, usize, usize) + Send + Sync;

impl std::fmt::Debug for ProbeProgress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ProbeProgress")
    }
}

/// The doctor's report.
#[derive(Debug, Clone, Serialize)]
pub struct DoctorReport {
    pub config: std::path::PathBuf,
    pub servers_checked: usize,
    pub findings: Vec<Finding>,
    pub probes: Vec<ProbeReport>,
}

/// How many servers the doctor probes at once: as many as the app's Add flow tests together
/// (`PROBES_AT_ONCE` in ui/src/lib/stores/addServer.svelte.ts). Each probe starts a server, often
/// a Node.js or Python process that does its heaviest work as it starts: 38 of them started
/// together loaded a laptop so much that healthy servers missed the timeout.
pub const PROBES_AT_ONCE: usize = 6;

/// Probes `targets`, [`PROBES_AT_ONCE`] at a time, and gives their reports in the order of
/// `targets`. A probe's timeout counts from when that probe starts, not from when the first one
/// did: each probe's future is made only when a place is free, and times its steps itself.
async fn probe_all(
    targets: &[ProbeTarget],
    resolver: &CommandResolver,
    timeout: Duration,
    stop: Option<&tokio_util::sync::CancellationToken>,
    progress: Option<&ProbeProgress>,
) -> Vec<Option<ProbeReport>> {
    use futures_util::StreamExt as _;
    let ended = std::sync::atomic::AtomicUsize::new(0);
    let ended = &ended;
    let mut done: Vec<(usize, Option<ProbeReport>)> =
        futures_util::stream::iter(targets.iter().enumerate())
            .map(|(i, target)| async move {
                // Stopped: no other server is started, and those running are stopped.
                if stop.is_some_and(tokio_util::sync::CancellationToken::is_cancelled) {
                    return (i, None);
                }
                let stopped = async {
                    match stop {
                        Some(stop) => stop.cancelled().await,
                        None => std::future::pending().await,
                    }
                };
                let report = probe::probe_until(target, resolver, timeout, |_| {}, stopped).await;
                if let Some(ProbeProgress(tell)) = progress {
                    let n = ended.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                    tell(target, report.as_ref(), n, targets.len());
                }
                (i, report)
            })
            .buffer_unordered(PROBES_AT_ONCE)
            .collect()
            .await;
    // Finished in any order; listed as the config lists the servers. One stopped has no report.
    done.sort_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, report)| report).collect()
}

/// When Claude is the Windows Store build and the usual file exists too: it is not the one read.
fn msix_finding(location: &ConfigLocation) -> Option<Finding> {
    if location.source != ConfigSource::Msix || location.also_present.is_empty() {
        return None;
    }
    let others: Vec<String> = location
        .also_present
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    Some(Finding::new(
        Diagnosis::new(
            codes::WINDOWS_MSIX_PATH,
            Severity::Warning,
            "Claude Desktop (Microsoft Store build) reads a different config file than the usual one",
        )
        .detail(format!(
            "Claude reads {}; it ignores {}",
            location.path.display(),
            others.join(", ")
        ))
        .fix("keep your servers in the file Claude reads (MCP Tray edits that one)"),
    ))
}

/// Runs every check.
pub async fn examine(
    location: &ConfigLocation,
    file: &ConfigFile,
    resolver: &CommandResolver,
    opts: &DoctorOptions,
) -> DoctorReport {
    let mut report = DoctorReport {
        config: location.path.clone(),
        servers_checked: 0,
        findings: Vec::new(),
        probes: Vec::new(),
    };
    report.findings.extend(msix_finding(location));
    let doc = match file.read() {
        Ok(doc) => doc,
        Err(e) => {
            let mut finding = Finding::new(config_error(&e, undoable_edit(file).as_ref()));
            // `doctor --fix` removes the mark ([`ConfigFile::remove_bom`]), converts a UTF-16
            // file ([`ConfigFile::convert_to_utf8`]), or writes single backslashes twice
            // ([`ConfigFile::double_backslashes`]) before it examines the file: no edit of the
            // document, which does not read until then.
            finding.fixable = matches!(
                e,
                ConfigError::ByteOrderMark { .. } | ConfigError::Utf16 { .. }
            ) || matches!(
                e,
                ConfigError::Parse {
                    invalid_escape: true,
                    ..
                }
            ) && file.can_double_backslashes();
            // Said in the fix, where the finding's own words would only send to an editor.
            if finding.fixable
                && let ConfigError::Parse { line, column, .. } = &e
            {
                finding.diagnosis.fix = Some(format!(
                    "write the backslashes twice: `mcp-tray doctor --fix` does, only in the strings \
                     JSON cannot read, and `mcp-tray undo` puts them back (or fix line {line}, \
                     column {column} in an editor)"
                ));
            }
            report.findings.push(finding);
            return report;
        }
    };
    if !doc.exists {
        report.findings.push(Finding::new(
            Diagnosis::new(
                codes::NO_CONFIG_FILE,
                Severity::Info,
                "there is no config file yet",
            )
            .detail(format!("{} does not exist", location.path.display()))
            .fix("add a server: the file is created with it"),
        ));
    }
    report
        .findings
        .extend(check_duplicates(&doc, opts.only.as_deref()));
    if opts.only.is_none() {
        report.findings.extend(misplaced_servers(&doc));
    }
    let servers: Vec<&ServerEntry> = doc
        .servers
        .iter()
        .filter(|s| opts.only.as_deref().is_none_or(|o| o == s.name))
        .collect();
    report.servers_checked = servers.len();
    let mut entry_findings = Vec::new();
    for server in &servers {
        entry_findings.extend(check_entry(server, &opts.exe));
        entry_findings.extend(check_command(server, resolver));
    }
    report
        .findings
        .extend(unfixable_until_merged(&doc, entry_findings));
    // Asks `node --version` (tens of ms, once per binary) on this task: doctor runs alone.
    report.findings.extend(
        crate::node::too_old(&servers, resolver)
            .into_iter()
            .map(Finding::new),
    );

    // Read before the probes start: what a probe journals itself is the probe's finding.
    let journaled = opts.journal_dir.as_deref().map_or_else(Vec::new, |dir| {
        let targets: Vec<(&str, Option<&str>)> = servers
            .iter()
            .map(|s| match &s.kind {
                EntryKind::Remote { url } => (s.name.as_str(), Some(url.as_str())),
                _ => (s.name.as_str(), None),
            })
            .collect();
        check_journals(dir, &targets)
    });

    // The servers this run's probe started and listed the tools of.
    let mut started: Vec<String> = Vec::new();
    if opts.probe {
        let targets: Vec<ProbeTarget> = servers
            .iter()
            .filter(|s| {
                matches!(
                    s.kind,
                    EntryKind::Local
                        | EntryKind::Remote { .. }
                        | EntryKind::Tapped { .. }
                        | EntryKind::McpRemote { .. }
                )
            })
            .filter(|s| {
                !report.findings.iter().any(|f| {
                    f.diagnosis.server.as_deref() == Some(&s.name)
                        && f.diagnosis.code == codes::COMMAND_NOT_FOUND
                })
            })
            .filter_map(|s| ProbeTarget::entry(s))
            .collect();
        let probes = probe_all(
            &targets,
            resolver,
            opts.probe_timeout,
            opts.stop.as_ref(),
            opts.on_probed.as_ref(),
        )
        .await;
        for p in probes.iter().flatten() {
            if let Some(d) = &p.diagnosis {
                report.findings.push(Finding::new(d.clone()));
            }
        }
        started = targets
            .iter()
            .zip(&probes)
            .filter(|(_, p)| p.as_ref().is_some_and(|p| p.ok))
            .map(|(t, _)| t.command.name.clone())
            .collect();
        report.probes = probes.into_iter().flatten().collect();
    }
    let news: Vec<Finding> = journaled
        .iter()
        .filter(|f| !already_said(&report.findings, f))
        .filter_map(|f| past_failure(&started, f))
        .collect();
    report.findings.extend(news);
    if let Some(dir) = &opts.logs_dir {
        let names: Vec<&str> = servers.iter().map(|s| s.name.as_str()).collect();
        report.findings.extend(
            check_logs(dir, &names, opts.only.as_deref(), &doc.known_secrets())
                .iter()
                .filter(|f| !already_said(&journaled, f))
                .filter_map(|f| past_failure(&started, f)),
        );
    }
    for f in &mut report.findings {
        if let Some(Edit::Update { name, .. } | Edit::ReplaceRaw { name, .. }) = &f.edit {
            f.examined = doc.server(name).map(|s| s.raw.clone());
        }
    }
    report
}

/// Whether `findings` already tell `finding`: one of them is about the same server with the same
/// code. How the doctor keeps one finding per server and code when its sources agree:
/// - a journal's failure is left out when the doctor's own checks of the entry (the config, the
///   command lookup, a probe) found that code for that server: they tell it as it stands now,
///   with their fix;
/// - a failure in Claude's log is left out when the server's journal holds that code (shown or
///   left out by the rule above): the shim saw the failure itself and tells it more exactly
///   than Claude, which mostly sees a server disconnect.
///
/// Findings about no server (the whole file) are never left out.
///
/// Past failures are told only while they may still be true ([`past_failure`]): a failure in a
/// server's journal or in Claude's log that a probe would meet (the server not starting, not
/// reachable, refusing it) is left out when this run's probe of that server passed (it started
/// and listed its tools): it is history, not a problem now. One a probe cannot meet (a tool
/// call's timeout, a connection lost while in use) is told as a warning, saying the server starts
/// fine now. With `--no-probe` nothing is known to be fixed, and they are told. The logs and journals are read
/// only for the servers checked ([`check_logs`], [`check_journals`]): a line about a server no
/// longer in the config is no finding.
fn already_said(findings: &[Finding], finding: &Finding) -> bool {
    let d = &finding.diagnosis;
    d.server.is_some()
        && findings
            .iter()
            .any(|f| f.diagnosis.server == d.server && f.diagnosis.code == d.code)
}

/// Failures a probe that passed shows are over: they happen as a server starts, is reached,
/// answers initialize or lists its tools, which the probe just did.
const MET_BY_A_PROBE: &[&str] = &[
    codes::COMMAND_NOT_FOUND,
    codes::EXITED_EARLY,
    codes::CONNECTION_REFUSED,
    codes::AUTH_REQUIRED,
    codes::TLS_ERROR,
    codes::DNS_ERROR,
    codes::HTTP_ERROR,
    codes::REDIRECTED,
    codes::WEBSOCKET_URL,
    codes::NODE_TOO_OLD,
    codes::MISSING_ENV,
    codes::INVALID_ENTRY,
    codes::URL_ENTRY_UNSUPPORTED,
];

/// `finding`, a past failure from a journal or Claude's log, as this run tells it, given
/// `started`, the servers this run's probe started and listed the tools of: left out when it is
/// one such a probe would have met ([`MET_BY_A_PROBE`]: it is history); otherwise (a tool call
/// that timed out, stdout polluted while in use) a warning that says the server starts fine now.
fn past_failure(started: &[String], finding: &Finding) -> Option<Finding> {
    let Some(server) = finding
        .diagnosis
        .server
        .as_ref()
        .filter(|s| started.contains(s))
    else {
        return Some(finding.clone());
    };
    if MET_BY_A_PROBE.contains(&finding.diagnosis.code.as_str()) {
        return None;
    }
    let mut told = finding.clone();
    if told.diagnosis.severity == Severity::Error {
        told.diagnosis.severity = Severity::Warning;
    }
    let news = format!(
        "{server} starts fine now (this run's test started it and listed its tools): this happened while it was in use, and may again"
    );
    told.diagnosis.detail = if told.diagnosis.detail.is_empty() {
        news
    } else {
        format!("{}\n{news}", told.diagnosis.detail)
    };
    Some(told)
}

/// The recent failures MCP Tray's shims (`mcp-tray bridge`, `mcp-tray wrap`) journaled for each
/// of `servers`, in the journal folder `dir`: what the shim saw when Claude Desktop ran the server
/// through it.
///
/// - **Read**: the last [`LOG_TAIL_BYTES`] of each server's journal ([`journal::read_recent`]),
///   never its whole rotated history. A journal that is missing, empty or unreadable gives
///   nothing, and a line that does not parse is skipped.
/// - **A failure** is an `event` line at level `warn` or `error` whose `code` is a diagnosis code
///   ([`codes::ALL`]); `connected`, `started`, `stderr`… are not, nor is any line of a session
///   one of MCP Tray's checks ran (`check`: a probe, doctor, the app's Test).
/// - **Recent** is within [`LOG_WINDOW_MS`] of the newest line of that server's journal, as for
///   Claude's logs: the server's last run is told, however long ago, but not a failure it has
///   run past for days since.
/// - **Once per server and code**: its latest occurrence (time, text, which shim), and how many
///   times it was journaled. [`examine`] then drops the ones its other checks already tell (see
///   [`already_said`]).
///
/// - **About this entry**: each server comes with the URL its entry's bridge reaches now, if it is
///   one (`None` otherwise); a failure whose text names URLs none of which is that one was met at
///   another address, the entry's before it was changed, and is left out ([`about_another_url`]).
///
/// A finding tells the event's text, masked as free text when secrets are hidden (a shim masks it
/// as it writes it, but one written while hiding was off, or by an older shim, may hold a server's
/// stderr lines as printed): its first line is the summary, the lines after it the detail; the
/// JSON-RPC messages in the journal are never read into one. Its fix is what [`fix_for`] says for the code and the text, when the code has one.
pub fn check_journals(dir: &Path, servers: &[(&str, Option<&str>)]) -> Vec<Finding> {
    let stamp = |e: &Entry| claude_logs::record::parse_stamp(&e.ts).map(|(s, _)| s.ms);
    let hide = crate::settings::load().redact;
    let mut out = Vec::new();
    for &(server, url) in servers {
        let now = url.and_then(|u| url::Url::parse(u.trim()).ok());
        let entries = journal::read_recent(dir, server, LOG_TAIL_BYTES);
        let Some(newest) = entries.iter().filter_map(stamp).max() else {
            continue;
        };
        // The server's last good answer: a failure to reach it before that is history.
        let answered = entries
            .iter()
            .filter(|e| e.dir == "s2c" && e.kind == "response")
            .filter_map(stamp)
            .max();
        // By code, in the order first seen: every occurrence and its time.
        let mut by_code: Vec<Vec<(&Entry, i64)>> = Vec::new();
        for e in &entries {
            // A check's session (a probe, doctor itself, the app's Test) is not Claude's: this
            // run's probe says what a check finds now.
            let failure = e.dir == "event"
                && !e.check
                && matches!(e.level.as_deref(), Some("warn" | "error"))
                && e.code.as_deref().is_some_and(|c| codes::ALL.contains(&c))
                && !now.as_ref().is_some_and(|now| about_another_url(e, now));
            let Some(at) = stamp(e).filter(|&at| failure && at >= newest - LOG_WINDOW_MS) else {
                continue;
            };
            match by_code.iter_mut().find(|seen| seen[0].0.code == e.code) {
                Some(seen) => seen.push((e, at)),
                None => by_code.push(vec![(e, at)]),
            }
        }
        for seen in by_code {
            // The latest occurrence is told; the count is of the events that said the same.
            let Some(&(e, at)) = seen.iter().max_by_key(|(_, at)| *at) else {
                continue;
            };
            if recovered_since(e, at, answered) {
                continue;
            }
            let latest = first_line(e.text.as_deref());
            let same = seen
                .iter()
                .filter(|(x, _)| first_line(x.text.as_deref()) == latest)
                .count();
            let tally = Tally {
                same,
                other: seen.len() - same,
            };
            out.push(Finding::new(journal_diagnosis(e, tally, hide)));
        }
    }
    out
}

/// Whether the failure event `e` was about another address than `now`, the URL the server's
/// bridge entry reaches today: its text names http(s) URLs (the shims name the one they tried in
/// each failure, without its credentials and query) and none of them is `now`'s server, compared
/// by scheme, host and port (a legacy SSE server's messages go to a path of its choosing). A text that
/// names no URL is about this entry as far as anyone knows; a sign-in's failure is never judged
/// so, as it may name its authorization server alone.
fn about_another_url(e: &Entry, now: &url::Url) -> bool {
    if e.code.as_deref() == Some(codes::AUTH_REQUIRED) {
        return false;
    }
    let named = urls_in(e.text.as_deref().unwrap_or_default());
    !named.is_empty() && !named.iter().any(|u| same_address(u, now))
}

/// The http(s) URLs a sentence names, read up to a space or a quote, without the punctuation
/// that ends a sentence or a clause after them.
fn urls_in(text: &str) -> Vec<url::Url> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("http") {
        let word_end = rest[at..]
            .find(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '`' | '<' | '>'))
            .map_or(rest.len(), |end| at + end);
        let word = rest[at..word_end].trim_end_matches(['.', ',', ';', ':', ')', ']', '}']);
        if (word.starts_with("http://") || word.starts_with("https://"))
            && let Ok(u) = url::Url::parse(word)
        {
            out.push(u);
        }
        rest = &rest[word_end.max(at + 4)..];
    }
    out
}

/// Whether a URL a journal names (`said`) is `now`: one scheme, host, port and path (a trailing
/// `/` aside); a segment of `said` holding the mask (`••••••`) matches any.
fn same_address(said: &url::Url, now: &url::Url) -> bool {
    // The origin alone: a legacy SSE server's messages go to the endpoint it names
    // (`/messages/?session_id=…`), and a redirect may lead to another path of the same server.
    said.scheme() == now.scheme()
        && said.host_str() == now.host_str()
        && said.port_or_known_default() == now.port_or_known_default()
}

/// Whether a failure journaled at `at` was followed by a good answer of the server (`answered`,
/// the time of its last successful response): a connection refused, lost or timed out, a session
/// that expired, a sign-in asked for, a server that exited early… and then a server that answered
/// is news from the past (the bridge rode it out, or the next start worked). A message the tap
/// moved off stdout, or a reply too large to pass on, is not mended by other answers.
fn recovered_since(e: &Entry, at: i64, answered: Option<i64>) -> bool {
    let lasting = [codes::STDOUT_POLLUTION, codes::MESSAGE_TOO_LARGE];
    answered.is_some_and(|answered| answered > at)
        && !e.code.as_deref().is_some_and(|c| lasting.contains(&c))
}

/// The first line of a journal event's text, trimmed (what its finding's summary says).
fn first_line(text: Option<&str>) -> &str {
    text.unwrap_or_default()
        .trim()
        .lines()
        .next()
        .unwrap_or_default()
        .trim_end()
}

/// How many events of a finding's code a server's journal holds in the window: `same` said what
/// the latest one says (it among them), `other` said something else.
#[derive(Debug, Clone, Copy)]
struct Tally {
    same: usize,
    other: usize,
}

/// The finding of a failure event a shim journaled, `e` the latest of its code, `tally` how many.
fn journal_diagnosis(e: &Entry, tally: Tally, hide: bool) -> Diagnosis {
    let code = e.code.as_deref().unwrap_or_default();
    let raw = e.text.as_deref().unwrap_or_default().trim();
    let masked = match hide {
        true => crate::redact::mask_text(raw),
        false => std::borrow::Cow::Borrowed(raw),
    };
    let text: &str = &masked;
    let (summary, mut detail) = split_event_text(text);
    let summary = if summary.is_empty() { code } else { summary };
    let shim = if e.session.is_empty() {
        format!("pid {}", e.pid)
    } else {
        format!("pid {}, session {}", e.pid, e.session)
    };
    let mut by = if tally.same == 1 {
        format!("journaled by MCP Tray's shim ({shim})")
    } else {
        format!(
            "journaled {} times by MCP Tray's shims, the last by {shim}",
            tally.same
        )
    };
    // Events of the code that said something else are not counted as this one.
    if tally.other > 0 {
        let events = if tally.other == 1 { "event" } else { "events" };
        by.push_str(&format!(
            "; {} other {code} {events} said something else (`{}` shows each)",
            tally.other,
            crate::supervise::shell_line(
                "mcp-tray",
                &["logs".into(), e.server.clone(), "--errors".into()]
            )
        ));
    }
    detail.push(&by);
    let severity = if e.level.as_deref() == Some("error") {
        Severity::Error
    } else {
        Severity::Warning
    };
    let d = Diagnosis::new(
        code,
        severity,
        format!("{summary} (MCP Tray's journal, {})", e.ts),
    )
    .server(&e.server)
    .detail(detail.join("\n"));
    match fix_for(code, text) {
        Some(fix) => d.fix(fix),
        None => d,
    }
}

/// A journal event's text as a summary and the lines that say more. A first line ending in `:`
/// introduces the lines after it, so its last `; ` part goes with them: the tap's "sh exited
/// (exit code 3) before answering anything; its last stderr lines:" and those lines.
fn split_event_text(text: &str) -> (&str, Vec<&str>) {
    let mut lines = text.lines();
    let first = lines.next().unwrap_or_default().trim_end();
    let rest: Vec<&str> = lines.collect();
    if !rest.is_empty()
        && first.ends_with(':')
        && let Some((summary, intro)) = first.rsplit_once("; ")
    {
        return (summary, std::iter::once(intro).chain(rest).collect());
    }
    (first, rest)
}

/// The fixes [`apply_fixes`] made: the write, and which of the findings it was given it fixed.
#[derive(Debug)]
pub struct Fixed {
    pub outcome: EditOutcome,
    /// By the index of the finding given.
    pub applied: Vec<bool>,
}

/// Applies the fixes that are config edits, in one undoable write. A merge of duplicate
/// `mcpServers` keys goes first (once), since no other edit applies to a file that has them. Each
/// fix of an entry is the whole entry as it should be, made from the entry as it is: of two fixes
/// of one server (its command line split, and a `~` in its arguments), only the first is made,
/// and the other is left for the next run (which finds it in the entry as it is then), rather
/// than one undoing the other.
pub fn apply_fixes(file: &ConfigFile, findings: &[Finding]) -> Result<Option<Fixed>, ConfigError> {
    let mut edits: Vec<Edit> = Vec::new();
    let mut applied = vec![false; findings.len()];
    let mut servers: Vec<&str> = Vec::new();
    for (i, finding) in findings.iter().enumerate() {
        let Some(edit) = &finding.edit else { continue };
        match edit {
            Edit::MergeServers => {
                if !edits.contains(edit) {
                    edits.insert(0, edit.clone());
                }
            }
            Edit::Update { name, .. } | Edit::ReplaceRaw { name, .. } => {
                if servers.contains(&name.as_str()) {
                    continue;
                }
                servers.push(name);
                edits.push(edit.clone());
            }
            _ => edits.push(edit.clone()),
        }
        applied[i] = true;
    }
    if edits.is_empty() {
        return Ok(None);
    }
    let mut names: Vec<String> = Vec::new();
    for (f, _) in findings.iter().zip(&applied).filter(|(_, a)| **a) {
        let name = match (&f.edit, &f.diagnosis.server) {
            (Some(Edit::MergeServers), _) => "merge mcpServers".to_owned(),
            (_, Some(server)) => server.clone(),
            (_, None) => f.diagnosis.code.clone(),
        };
        if !names.contains(&name) {
            names.push(name);
        }
    }
    // Each entry a fix rewrites whole still as the doctor examined it, checked under the
    // write's lock.
    let examined: Vec<(&str, &str)> = findings
        .iter()
        .zip(&applied)
        .filter(|(_, a)| **a)
        .filter_map(|(f, _)| match (&f.edit, &f.examined) {
            (Some(Edit::Update { name, .. } | Edit::ReplaceRaw { name, .. }), Some(raw)) => {
                Some((name.as_str(), raw.as_str()))
            }
            _ => None,
        })
        .collect();
    let unchanged = |doc: &crate::config::ConfigDocument| {
        for (name, raw) in &examined {
            if doc.server(name).map(|s| s.raw.as_str()) != Some(*raw) {
                return Err(ConfigError::ChangedSince(format!(
                    "\"{name}\" changed after the doctor examined it; nothing was written. Run \
                     the doctor again to fix it as it is now"
                )));
            }
        }
        Ok(())
    };
    let outcome = file.apply_all_if(
        &format!("doctor --fix {}", names.join(", ")),
        &edits,
        unchanged,
    )?;
    Ok(Some(Fixed { outcome, applied }))
}

/// The change of `file` that `mcp-tray undo --force` would take back, whatever the file holds
/// now: the newest one not undone yet, unless a record newer than it cannot be read (undo then
/// refuses). The test [`ConfigFile::undo`] makes; `None` when the history holds no such change
/// (MCP Tray never edited this file, or its every change is undone) or cannot be read.
fn undoable_edit(file: &ConfigFile) -> Option<HistoryEntry> {
    let (history, damaged) = file.history_with_damaged().ok()?;
    let entry = history
        .into_iter()
        .find(|h| !h.undone && !h.op.starts_with("undo "))?;
    damaged
        .first()
        .is_none_or(|&d| d < entry.id)
        .then_some(entry)
}

/// The finding of a config file that cannot be used. `undoable`: the change of MCP Tray's that
/// `mcp-tray undo --force` would take back ([`undoable_edit`]); a file that does not parse is
/// offered that way back only when there is one.
fn config_error(e: &ConfigError, undoable: Option<&HistoryEntry>) -> Diagnosis {
    let (summary, fix) = match e {
        ConfigError::Parse { line, column, .. } => (
            "the config file is not valid JSON, so Claude Desktop starts no server at all",
            match undoable {
                Some(h) if h.existed => format!(
                    "fix the file at line {line}, column {column}; or put back the file as it was before MCP Tray's last change (\"{}\") with `mcp-tray undo --force` (the broken file is kept in the history)",
                    h.op
                ),
                // Undo removes a file its change created.
                Some(h) => format!(
                    "fix the file at line {line}, column {column}; or go back to before MCP Tray's last change (\"{}\"), which created the file, with `mcp-tray undo --force`: it removes the file (the broken file is kept in the history)",
                    h.op
                ),
                None => format!("fix the file at line {line}, column {column}"),
            },
        ),
        ConfigError::ByteOrderMark { .. } => (
            "the config file starts with a byte-order mark, which Claude Desktop cannot read",
            "remove the mark: `mcp-tray doctor --fix` does, and `mcp-tray undo` puts it back (or save the file as UTF-8 without BOM in your editor)".to_owned(),
        ),
        ConfigError::Utf16 { .. } => (
            "the config file is saved as UTF-16, which Claude Desktop cannot read",
            "convert it to UTF-8: `mcp-tray doctor --fix` does, and `mcp-tray undo` puts it back (or save the file as UTF-8 in your editor: in Notepad, Save As with Encoding UTF-8)".to_owned(),
        ),
        ConfigError::NotUtf8 { line, .. } => (
            "the config file is not UTF-8",
            format!("save it as UTF-8 (the first byte that is not is on line {line})"),
        ),
        _ => (
            "the config file cannot be used",
            "see the detail".to_owned(),
        ),
    };
    Diagnosis::new(codes::BAD_JSON_CONFIG, Severity::Error, summary)
        .detail(e.to_string())
        .fix(fix)
}

/// Keys written twice where Claude looks (`duplicate-key`). Claude Desktop reads the file with
/// `JSON.parse`, which keeps the last copy of a key, and so does the document's model:
/// - the top-level `"mcpServers"` written more than once is an error about the whole file (no
///   server): Claude ignores every server in the earlier copies, and MCP Tray refuses every edit
///   of the file until the copies are merged. The fix merges them into the last one
///   ([`Edit::MergeServers`]: entries move, none is dropped; undoable). It is given whatever `only`
///   says, since it concerns every server;
/// - a server name written more than once in `mcpServers` is a warning about that server: Claude
///   runs only the last entry, and MCP Tray refuses to edit that name. Which copy is right only the
///   user knows, so the fix is said, not made.
pub fn check_duplicates(doc: &ConfigDocument, only: Option<&str>) -> Vec<Finding> {
    check_duplicates_in(Audience::Cli, doc, only)
}

/// [`check_duplicates`] in the words of `audience`.
pub fn check_duplicates_in(
    audience: Audience,
    doc: &ConfigDocument,
    only: Option<&str>,
) -> Vec<Finding> {
    use crate::config::DuplicateKey;
    let app = audience.in_app();
    let path = doc.path.display();
    let ignored_copies = |dup: &DuplicateKey| {
        let lines = dup.ignored_places();
        let s = if lines.len() > 1 { "s" } else { "" };
        format!("the one{s} on line{s} {}", join_and(&lines))
    };
    let mut out = Vec::new();
    for dup in &doc.duplicates {
        match &dup.server {
            None => {
                let ignored = if dup.ignored_servers.is_empty() {
                    format!("ignores {}", ignored_copies(dup))
                } else {
                    format!(
                        "ignores the servers in {} ({})",
                        ignored_copies(dup),
                        join_and(&dup.ignored_servers)
                    )
                };
                let finding = Finding::new(
                    Diagnosis::new(
                        codes::DUPLICATE_KEY,
                        Severity::Error,
                        format!(
                            "\"mcpServers\" is written {} in the config file; Claude Desktop \
                             reads only the last one (line {}) and {ignored}",
                            dup.times(),
                            dup.used_place(),
                        ),
                    )
                    .detail(format!(
                        "\"mcpServers\" at lines {} of {path}; Claude uses the one on line {}. \
                         MCP Tray does not edit the file until there is one",
                        dup.lines_text(),
                        dup.used_place(),
                    ))
                    .fix(if app {
                        "move the servers of the earlier copies into the last one: Fix does it, \
                         and Undo takes it back; or merge them into one \"mcpServers\" by hand"
                    } else {
                        "move the servers of the earlier copies into the last one (MCP Tray's \
                         fix does it, and it can be undone), or merge them into one \
                         \"mcpServers\" by hand"
                    }),
                );
                if dup.not_objects.is_empty() {
                    out.push(finding.with_edit(Edit::MergeServers));
                } else {
                    // The merge would delete what the user wrote there: they decide (see
                    // `Edit::MergeServers`); once it is gone the merge is offered.
                    let mut finding = finding;
                    finding.diagnosis.fix = Some(format!(
                        "MCP Tray does not delete what you wrote: {}",
                        dup.not_objects_advice()
                    ));
                    out.push(finding);
                }
            }
            Some(name) if only.is_none_or(|o| o == name) => {
                out.push(Finding::new(
                    Diagnosis::new(
                        codes::DUPLICATE_KEY,
                        Severity::Warning,
                        format!(
                            "\"{name}\" is written {} in \"mcpServers\"; Claude Desktop runs \
                             only the last one (line {}) and ignores {}",
                            dup.times(),
                            dup.used_place(),
                            ignored_copies(dup),
                        ),
                    )
                    .server(name)
                    .detail(format!(
                        "\"{name}\" at lines {} of {path}; MCP Tray does not change this server \
                         until one copy is left",
                        dup.lines_text()
                    ))
                    .fix(format!(
                        "delete the copy you do not want: Claude uses the one on line {}",
                        dup.used_place()
                    )),
                ));
            }
            Some(_) => {}
        }
    }
    out.extend(names_differing_in_case(app, doc, only));
    out
}

/// Server names that differ only in case (`GitHub` and `github`): Claude Desktop runs both, but
/// writes each one's log to `mcp-server-NAME.log`: on macOS and Windows, whose file systems ignore
/// case, the two share one file, and what is said of one is read as said of the other (MCP
/// Tray's journals are named so that they never do, see [`journal::journal_path`]). A warning on each of them; which to rename only the user
/// knows. (MCP Tray's own forms and commands refuse such a new name.)
fn names_differing_in_case(app: bool, doc: &ConfigDocument, only: Option<&str>) -> Vec<Finding> {
    // The names of each lowercase form, in file order: one pass, whatever the number of servers.
    let mut by_lowercase: std::collections::HashMap<String, Vec<&str>> =
        std::collections::HashMap::new();
    for server in &doc.servers {
        let names = by_lowercase.entry(log_key(&server.name)).or_default();
        if !names.contains(&server.name.as_str()) {
            names.push(&server.name);
        }
    }
    let mut out = Vec::new();
    for server in &doc.servers {
        let name = server.name.as_str();
        if only.is_some_and(|o| o != name) {
            continue;
        }
        let others: Vec<&str> = by_lowercase
            .get(&log_key(name))
            .into_iter()
            .flatten()
            .copied()
            .filter(|other| *other != name)
            .collect();
        if others.is_empty() {
            continue;
        }
        let quoted: Vec<String> = others.iter().map(|o| format!("\"{o}\"")).collect();
        let (how, place) = (how_alike(name, others[0]), where_alike(name, others[0]));
        let ignores = if place == "macOS" {
            "how accented letters are encoded (macOS)"
        } else {
            "case (macOS, Windows)"
        };
        out.push(Finding::new(
            Diagnosis::new(
                codes::DUPLICATE_KEY,
                Severity::Warning,
                format!(
                    "\"{name}\" and {} differ only {how}: on {place} Claude writes their logs \
                     to one file",
                    join_and(&quoted)
                ),
            )
            .server(name)
            .detail(format!(
                "Claude Desktop runs both, but keeps each server's log in \
                 mcp-server-NAME.log; on a file system that ignores {ignores} \
                 \"{name}\" and {} share that file, so Claude's log of one holds the other's \
                 failures too",
                join_and(&quoted)
            ))
            .fix(if app {
                "rename one of them in its Edit form, or remove the one you do not use"
            } else {
                "rename one of them (`mcp-tray rename OLD NEW`), or remove the one you do not use"
            }),
        ));
    }
    out
}

/// While the file has two `"mcpServers"`, no edit but the merge applies (and the others were
/// worked out on one copy only): the findings keep their fix text, but not their edit, until a
/// `doctor --fix` has merged the copies and the next run offers them again.
fn unfixable_until_merged(doc: &ConfigDocument, findings: Vec<Finding>) -> Vec<Finding> {
    if doc.duplicate_servers_key().is_none() {
        return findings;
    }
    findings
        .into_iter()
        .map(|mut f| {
            f.fixable = false;
            f.edit = None;
            f
        })
        .collect()
}

/// The checks that need nothing but the entry itself.
pub fn check_entry(server: &ServerEntry, exe: &Path) -> Vec<Finding> {
    check_entry_in(Audience::Cli, server, exe)
}

/// [`check_entry`] in the words of `audience`: the app's name its Edit form's fields, not the
/// entry's JSON keys nor the bridge's flags.
pub fn check_entry_in(audience: Audience, server: &ServerEntry, exe: &Path) -> Vec<Finding> {
    let app = audience.in_app();
    // Only a local server's Edit form has its env; a remote one's shows its headers.
    let env_in_form = app && matches!(server.kind, EntryKind::Local | EntryKind::Tapped { .. });
    let name = server.name.as_str();
    let mut out = Vec::new();
    out.extend(escapes_in_paths(server));
    let obj = server.value.as_object();
    match &server.kind {
        // Claude Desktop checks every field's type when it reads the file: one wrong and it says
        // "Could not load app settings" and starts no server at all.
        EntryKind::Invalid { reason }
            if obj.is_some_and(|o| !crate::config::document::type_problems(o).is_empty()) =>
        {
            out.push(Finding::new(
                Diagnosis::new(
                    codes::INVALID_ENTRY,
                    Severity::Error,
                    format!("Claude Desktop cannot load its config with this entry: {reason}"),
                )
                .server(name)
                .detail(
                    "Claude Desktop checks the type of every field before it starts anything: \
                     with one wrong, it says \"Could not load app settings\" and starts no server",
                )
                .fix(if app {
                    "correct it in the config file (each value in quotes, the arguments as a list), or remove the server with Remove"
                } else {
                    "correct it (each value a string in quotes, \"args\" a list of strings), or remove the entry"
                }),
            ))
        }
        EntryKind::Invalid { reason } => out.push(Finding::new(
            Diagnosis::new(
                codes::INVALID_ENTRY,
                Severity::Error,
                format!("Claude cannot start this entry: {reason}"),
            )
            .server(name)
            .fix(if app {
                "give it a command (and arguments) in the config file, or remove it with Remove"
            } else {
                "give it a \"command\" (and \"args\"), or remove it"
            }),
        )),
        EntryKind::UrlEntry { url } | EntryKind::Remote { url } | EntryKind::McpRemote { url }
            if is_websocket(url) =>
        {
            out.push(Finding::new(
                Diagnosis::new(codes::WEBSOCKET_URL, Severity::Error, format!("{} is a WebSocket URL", mask_url(url)))
                    .server(name)
                    .detail("MCP has no WebSocket transport: remote servers speak Streamable HTTP (usually …/mcp) or the older HTTP+SSE (…/sse)")
                    .fix(if app {
                        "look up the server's https:// MCP URL in its documentation and put it in the URL field of its Edit form"
                    } else {
                        "look up the server's https:// MCP URL in its documentation and add that instead"
                    }),
            ));
        }
        EntryKind::UrlEntry { url } => {
            let headers = obj
                .and_then(|o| o.get("headers"))
                .map(headers_of)
                .unwrap_or_default();
            let transport = match obj
                .and_then(|o| o.get("type").or_else(|| o.get("transport")))
                .and_then(Value::as_str)
            {
                Some("sse") => Some("sse"),
                Some("http" | "streamable-http") => Some("http"),
                _ => None,
            };
            // What the bridge entry is made of; the entry's other keys stay as they are.
            let url_key = match obj.is_some_and(|o| o.contains_key("url")) {
                true => "url",
                false => "serverUrl",
            };
            let translated = [url_key, "type", "transport", "headers"];
            let finding = Finding::new(
                Diagnosis::new(
                    codes::URL_ENTRY_UNSUPPORTED,
                    Severity::Error,
                    "Claude Desktop ignores url entries: it only starts commands",
                )
                .server(name)
                .detail(format!("{} is never contacted", mask_url(url)))
                .fix("run it through MCP Tray's bridge"),
            );
            match bridge_entry(name, url, &headers, transport, false, exe) {
                // The edit holds the real URL and headers: only what is shown is masked.
                Ok(entry) => {
                    let (entry, kept) = keep_other_keys(&server.value, entry, &translated);
                    let mut finding = finding;
                    if !kept.is_empty() {
                        finding.diagnosis.fix = Some(format!(
                            "run it through MCP Tray's bridge, keeping its other keys as they are ({})",
                            kept.join(", ")
                        ));
                    }
                    out.push(finding.with_edit(Edit::Update {
                        name: name.to_owned(),
                        entry,
                    }))
                }
                // Plain http:// to another host: the bridge runs it only when told to, which is
                // the user's choice to make, not a fix's.
                Err(_) if bridge_entry(name, url, &headers, transport, true, exe).is_ok() => {
                    out.push(plain_http_url_entry(app, finding, url, &headers, transport));
                }
                // The bridge could not run it either (a space in the URL, another scheme…): say
                // why (in words that quote the URL without its credentials).
                Err(why) => {
                    let mut finding = finding;
                    finding.diagnosis.fix = Some(mask_text(&why.to_string()).into_owned());
                    out.push(finding);
                }
            }
        }
        EntryKind::McpRemote { url } => {
            let finding = Finding::new(
                Diagnosis::new(
                    codes::MCP_REMOTE_REPLACEABLE,
                    Severity::Info,
                    "runs through npx mcp-remote, a Node.js process per server; MCP Tray's native bridge does the same job",
                )
                .server(name)
                .detail(format!("remote server {}", mask_url(url)))
                .fix("switch to the native bridge"),
            );
            let env = obj.and_then(|o| o.get("env"));
            match migrate(name, url, &server.args, env, exe) {
                // What the bridge does not do the same is said with the fix, before it is made.
                Ok(m) => {
                    // mcp-remote's command line and env become the bridge's; any other key of
                    // the entry stays as it is.
                    let said = mask_text(&m.said()).into_owned();
                    let (entry, kept) =
                        keep_other_keys(&server.value, m.entry, &["command", "args", "env"]);
                    let others = match kept.is_empty() {
                        true => String::new(),
                        false => format!("; its other keys kept as they are: {}", kept.join(", ")),
                    };
                    let mut finding = finding;
                    finding.diagnosis.fix = Some(format!(
                        "switch to the native bridge (its options, headers and env carried over{others}).{said}"
                    ));
                    out.push(finding.with_edit(Edit::Update {
                        name: name.to_owned(),
                        entry,
                    }));
                }
                // Switching would leave the server worse off: kept, and why (which may quote one
                // of its arguments: `--api-key=…`).
                Err(why) => {
                    let mut finding = finding;
                    finding.diagnosis.fix = Some(format!(
                        "keep it on mcp-remote for now: {}",
                        mask_text(&why.to_string())
                    ));
                    out.push(finding);
                }
            }
        }
        _ => {}
    }
    // An `mcp-tray` that will be gone when Claude starts the entry (macOS).
    if let Some(command) = server.command.as_deref()
        && crate::config::document::is_mcp_tray_command(command)
        && let Some(place) = crate::paths::temporary_place(Path::new(command))
    {
        out.push(temporary_location(app, server, command, place, exe));
    }
    // Relative paths: Claude starts servers from a folder of its own choosing. A path starting
    // with `~` is one too: only a shell makes `~` the home folder, and Claude starts servers
    // without one (`node ~/mcp/index.js` looks for a folder named `~`).
    let (home, relative): (Vec<String>, Vec<String>) = relative_paths(server)
        .into_iter()
        .partition(|p| from_home(p).is_some());
    if !home.is_empty() {
        out.push(home_paths(app, server, &home));
    }
    if !relative.is_empty() {
        out.push(Finding::new(
            Diagnosis::new(
                codes::RELATIVE_PATH,
                Severity::Error,
                format!(
                    "relative path {}: Claude Desktop does not start servers from your project folder",
                    mask_args(&relative).join(", ")
                ),
            )
            .server(name)
            .fix(if app {
                "use the absolute path in its Edit form's Command or Arguments (e.g. /home/you/project/build/index.js)"
            } else {
                "use the absolute path (e.g. /home/you/project/build/index.js)"
            }),
        ));
    }
    // A bridge reads its --ca-cert from the folder Claude starts it in, not the user's.
    if let EntryKind::Remote { .. } = &server.kind
        && let Some(ca) = crate::auth::ca_cert_in_bridge_args(&server.args)
        && !is_absolute(&ca.to_string_lossy())
    {
        out.push(Finding::new(
            Diagnosis::new(
                codes::RELATIVE_PATH,
                Severity::Error,
                format!(
                    "relative path {} {}: the bridge looks for it in whatever folder Claude Desktop starts it in, not in yours",
                    ca.display(),
                    if app { "in the CA certificate field" } else { "given to --ca-cert" },
                ),
            )
            .server(name)
            .fix(if app {
                "give the CA certificate field of its Edit form the CA file's absolute path (e.g. /home/you/certs/company-ca.pem)"
            } else {
                "give --ca-cert the CA file's absolute path (e.g. /home/you/certs/company-ca.pem)"
            }),
        ));
    }
    // Env values that are placeholders, and ${VAR} references nobody sets.
    for (key, value) in &server.env {
        if is_placeholder(value) {
            out.push(Finding::new(
                Diagnosis::new(
                    codes::MISSING_ENV,
                    Severity::Error,
                    format!("env {key} still holds the README's placeholder"),
                )
                .server(name)
                .fix(if env_in_form {
                    format!(
                        "put your real value in {key} under Environment variables in its Edit form"
                    )
                } else if app {
                    format!("put your real value in {key}, in this server's env in the config file")
                } else {
                    format!("put your real value in \"env\" → \"{key}\"")
                }),
            ));
        }
    }
    // Claude Desktop passes every value as written: nothing fills in `${VAR}` (Claude Code's
    // `.mcp.json` does, and configs are copied from there) but what the entry runs: MCP Tray's
    // bridge and mcp-remote in their headers, a shell in its script. An env value never is.
    let said_as_written = |written: &str, what: String, fix: String| {
        let why = if written.starts_with("${") {
            "Claude Desktop does not fill in ${…} (Claude Code's .mcp.json does)"
        } else {
            "Claude Desktop starts servers without a shell, which is what fills in $NAME and %NAME%"
        };
        Finding::new(
            Diagnosis::new(
                codes::MISSING_ENV,
                Severity::Warning,
                format!("{what} {written}, which reaches the server as those characters: {why}"),
            )
            .server(name)
            .fix(fix),
        )
    };
    for (key, value) in &server.env {
        // In a secret's value only a whole reference is said (`"$GITHUB_TOKEN"`): inside a longer
        // one, a `$` is as likely a character of a password (`pa$W0RD`), which is never quoted.
        let refs = written_refs(value, Filled::NONE);
        let secret = crate::redact::is_secret_variable(key, Some(value));
        let said = refs.iter().find(|r| !secret || r.as_str() == value.trim());
        if let Some(written) = said {
            out.push(said_as_written(
                written,
                format!("env {key} holds"),
                if env_in_form {
                    format!(
                        "put the value itself in {key} under Environment variables in its Edit form"
                    )
                } else if app {
                    format!(
                        "put the value itself in {key}, in this server's env in the config file"
                    )
                } else {
                    format!("put the value itself in \"env\" → \"{key}\"")
                },
            ));
        }
    }
    if !fills_in_refs(server) {
        let args = match &server.kind {
            EntryKind::Tapped { args, .. } => args,
            _ => &server.args,
        };
        // A shell on another machine or in a container (ssh, docker) fills in `$VAR` there, and
        // `cmd /c` fills in `%VAR%`.
        let command = match &server.kind {
            EntryKind::Tapped { command, .. } => command.as_str(),
            _ => server.command.as_deref().unwrap_or_default(),
        };
        let program = program_of(command);
        let shell_inside = args.windows(2).any(|w| {
            matches!(program_of(&w[0]).as_str(), "sh" | "bash" | "zsh" | "dash") && w[1] == "-c"
        });
        let filled = Filled {
            dollar: matches!(program.as_str(), "ssh" | "wsl") || shell_inside,
            percent: program == "cmd" && args.iter().any(|a| a.eq_ignore_ascii_case("/c")),
        };
        if let Some(written) = args.iter().flat_map(|a| written_refs(a, filled)).next() {
            out.push(said_as_written(
                &written,
                "an argument holds".to_owned(),
                if app {
                    format!(
                        "write the value itself in place of {written} in its Edit form's Arguments"
                    )
                } else {
                    format!("write the value itself in place of {written} in \"args\"")
                },
            ));
        }
    }
    let mut referenced: Vec<String> = if fills_in_refs(server) {
        server.args.iter().flat_map(|a| env_refs(a)).collect()
    } else {
        Vec::new()
    };
    referenced.sort();
    referenced.dedup();
    for var in referenced {
        if !server.env.contains_key(&var) && std::env::var_os(&var).is_none() {
            out.push(Finding::new(
                Diagnosis::new(
                    codes::MISSING_ENV,
                    Severity::Error,
                    format!("${{{var}}} is used but not set"),
                )
                .server(name)
                .fix(if env_in_form {
                    format!("add {var} under Environment variables in its Edit form")
                } else if app {
                    format!("add {var} to this server's env in the config file")
                } else {
                    format!("add \"{var}\" to the entry's \"env\"")
                }),
            ));
        }
    }
    out.extend(disabled_in_entry(app, server));
    out
}

/// The finding of a url entry on plain `http://` to another host than this one (`finding`, its
/// `url-entry-unsupported`): the bridge refuses such a URL unless told `--allow-http`, so no fix
/// is made; the reason is said in the detail, and the fix names what the user can do: give it the
/// server's `https://` URL, or, meaning plain HTTP, remove the entry and add it back through the
/// bridge with `mcp-tray add NAME --url URL --allow-http` (its transport and headers too). That
/// command line is shown with its credentials masked, as `list` shows a URL ([`mask_args`]): the
/// user puts those back in by hand (there is no `--fix` to put the real values in).
fn plain_http_url_entry(
    app: bool,
    mut finding: Finding,
    url: &str,
    headers: &[(String, String)],
    transport: Option<&str>,
) -> Finding {
    let name = finding.diagnosis.server.clone().unwrap_or_default();
    finding.diagnosis.detail = format!(
        "{} is never contacted, and it is plain HTTP on a remote host, which MCP Tray's bridge \
         runs only when told to: traffic and tokens would travel unencrypted",
        mask_url(url)
    );
    finding.diagnosis.fix = Some(if app {
        "put the server's https:// URL in its entry if it has one; to use plain HTTP all the \
         same, remove the server and add it again with Add server, choosing Allow unencrypted HTTP"
            .to_owned()
    } else {
        let mut args = vec![
            "add".to_owned(),
            name.clone(),
            "--url".to_owned(),
            url.trim().to_owned(),
        ];
        if let Some(t) = transport {
            args.extend(["--transport".to_owned(), t.to_owned()]);
        }
        for (key, value) in headers {
            args.extend(["--header".to_owned(), format!("{key}: {value}")]);
        }
        args.push("--allow-http".to_owned());
        let shown = mask_args(&args);
        let masked = if shown == args {
            ""
        } else {
            " (put in the values shown as ••••••: doctor does not print them)"
        };
        format!(
            "put the server's https:// URL in its entry if it has one; to use plain HTTP all the \
             same, run `{}`, then `{}`{masked}",
            crate::supervise::shell_line("mcp-tray", &["remove".to_owned(), name]),
            crate::supervise::shell_line("mcp-tray", &shown),
        )
    });
    finding
}

/// `"disabled": true` (or `"enabled": false`) in an entry: how Cline, Roo Code and others turn a
/// server off, and how people then write it here; Claude Desktop reads no such field and starts
/// the server all the same.
fn disabled_in_entry(app: bool, server: &ServerEntry) -> Option<Finding> {
    let obj = server.value.as_object()?;
    let field = match (obj.get("disabled"), obj.get("enabled")) {
        (Some(Value::Bool(true)), _) => "\"disabled\": true",
        (_, Some(Value::Bool(false))) => "\"enabled\": false",
        _ => return None,
    };
    let name = server.name.as_str();
    Some(Finding::new(
        Diagnosis::new(
            codes::DISABLED_IGNORED,
            Severity::Warning,
            format!("the entry says {field}, but Claude Desktop ignores that field and starts this server"),
        )
        .server(name)
        .detail(
            "Claude Desktop has no field that turns a server off: \"disabled\" is how other \
             apps' configs (Cline, Roo Code) do it",
        )
        .fix(if app {
            "to turn it off, use Disable: MCP Tray moves the entry out of the file and puts it back \
             with Enable; otherwise delete the field from the config file"
                .to_owned()
        } else {
            format!(
                "to turn it off, run `mcp-tray disable {name}`: it moves the entry out of the file \
                 and `mcp-tray enable {name}` puts it back; otherwise delete the field"
            )
        }),
    ))
}

/// Whether the command (for a tapped entry, the wrapped one) can be found.
fn check_command(server: &ServerEntry, resolver: &CommandResolver) -> Vec<Finding> {
    // A command read with its backslashes as escapes is said by the entry's own check, with
    // its fix ([`escapes_in_paths`]).
    if server
        .command
        .as_deref()
        .and_then(typed_as_escapes)
        .is_some()
    {
        return Vec::new();
    }
    let command = match &server.kind {
        EntryKind::Tapped { command, .. } => command.as_str(),
        EntryKind::Local | EntryKind::Remote { .. } | EntryKind::McpRemote { .. } => {
            match &server.command {
                Some(c) => c.as_str(),
                None => return Vec::new(),
            }
        }
        _ => return Vec::new(),
    };
    match resolver.resolve(command, None) {
        Ok(_) => Vec::new(),
        Err(d) if matches!(server.kind, EntryKind::Local) => vec![
            whole_command_line(server, command, resolver)
                .unwrap_or_else(|| Finding::new(d.server(&server.name))),
        ],
        Err(d) if matches!(server.kind, EntryKind::Tapped { .. }) => vec![Finding::new(
            crate::supervise::resolve::in_tapped_entry(d.server(&server.name)),
        )],
        Err(d) => vec![Finding::new(d.server(&server.name))],
    }
}

/// A Windows path whose single backslashes all happened to be escapes JSON knows
/// (`"C:\nodejs\node.exe"`: `\n` is a line break), so the file reads, and the command is not
/// found for a reason nothing shows (printed, it looks as typed): the text the user typed, each
/// such character written back as its escape. `None` for any other text.
fn typed_as_escapes(text: &str) -> Option<String> {
    const ESCAPED: [char; 5] = ['\n', '\t', '\r', '\u{8}', '\u{c}'];
    let b = text.as_bytes();
    // `C:` then a backslash, or what an escape made of it (`C:\nodejs`: a line break right
    // after the colon); a UNC path's `\\server`. Not text that merely starts `Q: …`.
    let drive = b.len() > 2
        && b[0].is_ascii_alphabetic()
        && b[1] == b':'
        && text[2..].starts_with(|c: char| c == '\\' || ESCAPED.contains(&c));
    if !(drive || text.starts_with('\\')) || !text.contains(ESCAPED) {
        return None;
    }
    Some(
        text.chars()
            .map(|c| match c {
                '\n' => "\\n".to_owned(),
                '\t' => "\\t".to_owned(),
                '\r' => "\\r".to_owned(),
                '\u{8}' => "\\b".to_owned(),
                '\u{c}' => "\\f".to_owned(),
                c => c.to_string(),
            })
            .collect(),
    )
}

/// The finding of a local entry whose command or arguments are Windows paths read as escapes
/// ([`typed_as_escapes`]), fixed by writing their backslashes as the user meant them.
fn escapes_in_paths(server: &ServerEntry) -> Option<Finding> {
    if !matches!(server.kind, EntryKind::Local) {
        return None;
    }
    let mut entry = server.value.as_object()?.clone();
    let mut meant = Vec::new();
    let command = server.command.as_deref().and_then(typed_as_escapes);
    if let Some(c) = &command {
        entry.insert("command".into(), Value::String(c.clone()));
        meant.push(c.clone());
    }
    if let Some(Value::Array(args)) = entry.get_mut("args") {
        for arg in args.iter_mut() {
            if let Some(fixed) = arg.as_str().and_then(typed_as_escapes) {
                meant.push(fixed.clone());
                *arg = Value::String(fixed);
            }
        }
    }
    let first = meant.first()?;
    let (code, summary) = match &command {
        Some(c) => (
            codes::COMMAND_NOT_FOUND,
            format!("the command {c} was read with its backslashes taken as escapes"),
        ),
        None => (
            codes::INVALID_ENTRY,
            format!("the argument {first} was read with its backslashes taken as escapes"),
        ),
    };
    let doubled = Value::String(first.clone()).to_string();
    Some(
        Finding::new(
            Diagnosis::new(code, Severity::Error, summary)
                .server(&server.name)
                .detail(
                    "in JSON a backslash starts an escape: `\\n` is a line break and `\\t` a \
                     tab, so a path typed with single backslashes (C:\\nodejs) reaches the \
                     program with those characters in it",
                )
                .fix(format!(
                    "write every backslash twice: {doubled} (doctor --fix does it, undoably)"
                )),
        )
        .with_edit(Edit::Update {
            name: server.name.clone(),
            entry: Value::Object(entry),
        }),
    )
}

/// The words of a `"command"` that may hold a whole command line (`npx -y @scope/server`): more
/// than one word, the first a program's bare name (`npx`), or a path to one when `found` says it
/// is found (a path with a space in it, such as `C:\\Program Files\\…`, is one file otherwise).
fn command_line(command: &str, found: impl FnOnce(&str) -> bool) -> Option<Vec<String>> {
    let words = crate::config::snippet::command_line_words(command)?;
    (words.len() > 1 && (!words[0].contains(['/', '\\']) || found(&words[0]))).then_some(words)
}

/// The `command-not-found` finding of a `"command"` holding a whole command line, fixed by
/// putting its first word in `"command"` and the others in front of `"args"`.
fn whole_command_line(
    server: &ServerEntry,
    command: &str,
    resolver: &CommandResolver,
) -> Option<Finding> {
    let found = |program: &str| resolver.resolve(program, None).is_ok();
    let words = command_line(command, found)?;
    let mut entry = server.value.as_object()?.clone();
    let (program, rest) = words.split_first()?;
    let mut args: Vec<Value> = rest.iter().cloned().map(Value::String).collect();
    if let Some(Value::Array(old)) = entry.get("args") {
        args.extend(old.iter().cloned());
    }
    // What the entry becomes, as it is written in the file (secrets masked).
    let shown_args: Vec<String> = mask_args(
        &args
            .iter()
            .map(|a| a.as_str().map_or_else(|| a.to_string(), str::to_owned))
            .collect::<Vec<_>>(),
    )
    .iter()
    .map(|a| Value::String(a.clone()).to_string())
    .collect();
    let found = found(program);
    entry.insert("command".into(), Value::String(program.clone()));
    entry.insert("args".into(), Value::Array(args));
    let finding = Finding::new(
        Diagnosis::new(
            codes::COMMAND_NOT_FOUND,
            Severity::Error,
            format!("\"command\" holds a whole command line: {}", {
                let shown = mask_args(&words);
                crate::supervise::shell_line(&shown[0], &shown[1..])
            }),
        )
        .server(&server.name)
        .detail(format!(
            "Claude Desktop starts \"command\" as the name of one program, spaces and all; the \
             program is `{program}`{}, and what follows it belongs in \"args\", one word each",
            if found {
                ""
            } else {
                " (not found either: install it, or give its absolute path)"
            }
        ))
        .fix(format!(
            "make it \"command\": {}, \"args\": [{}]",
            Value::String(program.clone()),
            shown_args.join(", ")
        )),
    );
    Some(finding.with_edit(Edit::Update {
        name: server.name.clone(),
        entry: Value::Object(entry),
    }))
}

/// The latest failure of each kind per server in Claude's recent logs, for each of `servers` (the
/// ones checked: a line about any other server, such as one no longer in the config, is none),
/// and the failures about no server unless `only` names a server.
fn check_logs(dir: &Path, servers: &[&str], only: Option<&str>, known: &[String]) -> Vec<Finding> {
    let Ok(events) = claude_logs::read_dir_recent(dir, Some(LOG_TAIL_BYTES)) else {
        return Vec::new();
    };
    // Shown with secrets hidden as `mcp-tray logs` shows the same events: the credentials the
    // config's servers are started with included, wherever a server printed them.
    let hide = crate::settings::load().redact;
    let events: Vec<claude_logs::LogEvent> = events
        .into_iter()
        .map(|e| e.secrets_hidden_with(hide, known))
        .collect();
    let newest = events.iter().map(|e| e.ts_ms).max().unwrap_or(0);
    let mut latest: Vec<(String, Option<String>, Diagnosis, String)> = Vec::new();
    for e in events.iter().filter(|e| e.ts_ms >= newest - LOG_WINDOW_MS) {
        let Some(d) = &e.diagnosis else { continue };
        let checked = match e.server.as_deref() {
            Some(s) => servers.contains(&s),
            None => only.is_none(),
        };
        if !checked {
            continue;
        }
        latest.retain(|(code, server, _, _)| !(code == &d.code && server == &e.server));
        latest.push((d.code.clone(), e.server.clone(), d.clone(), e.ts.clone()));
    }
    latest
        .into_iter()
        .map(|(_, server, mut d, ts)| {
            if let Some(s) = server {
                d.server = Some(s);
            }
            d.summary = format!("{} (Claude's log, {ts})", d.summary);
            Finding::new(d)
        })
        .collect()
}

fn headers_of(v: &Value) -> Vec<(String, String)> {
    v.as_object()
        .map(|h| {
            h.iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
                .collect()
        })
        .unwrap_or_default()
}

fn is_websocket(url: &str) -> bool {
    let l = url.to_ascii_lowercase();
    l.starts_with("ws://") || l.starts_with("wss://")
}

/// The `temporary-location` finding of an entry whose `mcp-tray` lives in `place` for a while
/// only: an error for a translocated copy (gone when MCP Tray quits), a warning for a disk image
/// (gone once ejected). `doctor --fix` points it at `exe`, the `mcp-tray` in use, when that one
/// stays where it is.
fn temporary_location(
    app: bool,
    server: &ServerEntry,
    command: &str,
    place: &str,
    exe: &Path,
) -> Finding {
    let translocated = command.contains("/AppTranslocation/");
    let lasting = crate::paths::temporary_place(exe).is_none() && exe.is_absolute();
    let move_it = "move MCP Tray to the Applications folder and open it from there";
    let fix = match (lasting, app) {
        (true, true) => format!("Fix points it at MCP Tray's {}", exe.display()),
        (true, false) => format!("`mcp-tray doctor --fix` points it at {}", exe.display()),
        (false, true) => format!("{move_it}, then use Fix"),
        (false, false) => format!("{move_it}, then run its `mcp-tray doctor --fix`"),
    };
    let finding = Finding::new(
        Diagnosis::new(
            codes::TEMPORARY_LOCATION,
            if translocated {
                Severity::Error
            } else {
                Severity::Warning
            },
            format!("it starts mcp-tray from {place}"),
        )
        .server(&server.name)
        .detail(format!(
            "its command is {command}: Claude Desktop starts the entry later, when that path may \
             be gone, and then cannot start the server"
        ))
        .fix(fix),
    );
    match server.value.as_object() {
        Some(obj) if lasting => {
            let mut entry = obj.clone();
            entry.insert(
                "command".into(),
                Value::String(exe.to_string_lossy().into_owned()),
            );
            finding.with_edit(Edit::Update {
                name: server.name.clone(),
                entry: Value::Object(entry),
            })
        }
        _ => finding,
    }
}

/// The command and script arguments of a local (or tapped) server given by a relative path, as
/// the entry holds them: found from the folder of whoever runs them, not from the one Claude
/// Desktop starts servers in (the `relative-path` finding).
pub fn relative_paths(server: &ServerEntry) -> Vec<String> {
    let (command, args) = match &server.kind {
        EntryKind::Tapped { command, args } => (command.as_str(), args.as_slice()),
        EntryKind::Local => (
            server.command.as_deref().unwrap_or(""),
            server.args.as_slice(),
        ),
        _ => return Vec::new(),
    };
    // Scripts found from a folder the arguments name (`uv --directory /abs/weather run
    // weather.py`, the quickstart's own entry), or run somewhere else (in a container, over ssh),
    // are not looked for in Claude's folder.
    let elsewhere = runs_elsewhere(command);
    let folder_flags = folder_flags(command);
    // Once a runner's folder option came, the scripts after it are found from that folder.
    let mut in_folder = false;
    let scripts: Vec<&str> = args
        .iter()
        .map(String::as_str)
        .filter(|a| {
            let flag = a.split_once('=').map_or(*a, |(flag, _)| flag);
            in_folder |= folder_flags.contains(&flag);
            !elsewhere && !in_folder && looks_like_relative_script(a)
        })
        .collect();
    std::iter::once(command)
        // A whole command line in "command" (`npx -y @scope/server`) is told as such, not as a path.
        .filter(|c| {
            c.contains(['/', '\\']) && !is_absolute(c) && command_line(c, |_| false).is_none()
        })
        .chain(scripts)
        .map(str::to_owned)
        .collect()
}

/// The program a command runs, by its file name: lowercase, without `.exe`, `.cmd` or `.bat`.
fn program_of(command: &str) -> String {
    let base = command.rsplit(['/', '\\']).next().unwrap_or(command);
    let base = base.to_ascii_lowercase();
    [".exe", ".cmd", ".bat"]
        .iter()
        .find_map(|ext| base.strip_suffix(ext))
        .map_or(base.clone(), str::to_owned)
}

/// The options of a runner that set the folder its script is found from: uv's `--directory`,
/// Poetry's `-C`/`--directory`, Bun's `--cwd`, pnpm's `-C`/`--dir`; none for anything else.
fn folder_flags(command: &str) -> &'static [&'static str] {
    match program_of(command).as_str() {
        "uv" => &["--directory"],
        "poetry" => &["-C", "--directory"],
        "bun" => &["--cwd"],
        "pnpm" => &["-C", "--dir"],
        _ => &[],
    }
}

/// Whether the command runs its arguments on another machine or in a container, where a relative
/// path is that place's own.
fn runs_elsewhere(command: &str) -> bool {
    matches!(
        program_of(command).as_str(),
        "docker" | "podman" | "nerdctl" | "kubectl" | "ssh" | "wsl"
    )
}

/// What follows `~/` (or `~\\`) at the start of a path: the part a shell would put under the home
/// folder.
fn from_home(path: &str) -> Option<&str> {
    path.strip_prefix("~/")
        .or_else(|| path.strip_prefix("~\\"))
        .filter(|rest| !rest.is_empty())
}

/// The `relative-path` finding of paths starting with `~`, fixed (when the home folder is
/// known) by writing the home folder out in the entry's command and arguments.
fn home_paths(app: bool, server: &ServerEntry, paths: &[String]) -> Finding {
    let home = dirs::home_dir();
    let written_out = |path: &str| -> Option<String> {
        Some(
            home.as_ref()?
                .join(from_home(path)?)
                .to_string_lossy()
                .into_owned(),
        )
    };
    // The edit changes those words only, wherever the entry has them (a tapped entry holds its
    // server's command among its arguments).
    let mut entry = server.value.as_object().cloned().unwrap_or_default();
    let mut changed = false;
    let mut write_out = |word: &mut Value| {
        if let Value::String(text) = word
            && paths.contains(text)
            && let Some(out) = written_out(text)
        {
            *text = out;
            changed = true;
        }
    };
    if let Some(command) = entry.get_mut("command") {
        write_out(command);
    }
    if let Some(Value::Array(args)) = entry.get_mut("args") {
        args.iter_mut().for_each(&mut write_out);
    }
    let out: Vec<String> = paths
        .iter()
        .map(|p| written_out(p).unwrap_or_else(|| p.replacen('~', "/home/you", 1)))
        .collect();
    let finding = Finding::new(
        Diagnosis::new(
            codes::RELATIVE_PATH,
            Severity::Error,
            format!(
                "{} starts with ~, which Claude Desktop does not read as your home folder",
                mask_args(paths).join(", ")
            ),
        )
        .server(&server.name)
        .detail(
            "only a shell turns ~ into your home folder, and Claude Desktop starts servers \
             without one: the server looks for a folder named ~ instead",
        )
        .fix(format!(
            "write the home folder out{}: {}",
            if app && !changed {
                " in its Edit form"
            } else {
                ""
            },
            mask_args(&out).join(", ")
        )),
    );
    match changed {
        true => finding.with_edit(Edit::Update {
            name: server.name.clone(),
            entry: Value::Object(entry),
        }),
        false => finding,
    }
}

fn is_absolute(p: &str) -> bool {
    p.starts_with('/') || p.starts_with('\\') || p.as_bytes().get(1) == Some(&b':')
}

fn looks_like_relative_script(arg: &str) -> bool {
    let script = [".js", ".mjs", ".cjs", ".ts", ".py"]
        .iter()
        .any(|ext| arg.ends_with(ext));
    script
        && !arg.starts_with('-')
        && !arg.starts_with('@')
        // `$HOME/…`, `%APPDATA%\…`: a variable nothing fills in, said as such (missing-env).
        && !arg.starts_with(['$', '%'])
        && !arg.contains("://")
        && !is_absolute(arg)
}

fn is_placeholder(value: &str) -> bool {
    let v = value.trim();
    let lower = v.to_ascii_lowercase();
    (v.starts_with('<') && v.ends_with('>'))
        || lower.starts_with("your_")
        || lower.starts_with("your-")
        || lower.contains("your_api_key")
        || lower.contains("your-api-key")
        || lower.contains("your_token")
        || lower == "changeme"
        || lower == "xxx"
        || lower.starts_with("replace")
}

/// Whether what the entry runs fills in the `${VAR}` of its arguments itself: MCP Tray's bridge
/// and mcp-remote (in their headers, from their environment), or a POSIX shell given a script
/// with `-c` (`sh -c "server --token ${TOKEN}"`). Not `cmd` (`%VAR%`), PowerShell (`$env:VAR`) or
/// fish, and not a shell running a script file with arguments, which it passes on as written.
fn fills_in_refs(server: &ServerEntry) -> bool {
    let (command, args) = match &server.kind {
        EntryKind::Remote { .. } | EntryKind::McpRemote { .. } => return true,
        EntryKind::Tapped { command, args } => (command.as_str(), args.as_slice()),
        _ => (
            server.command.as_deref().unwrap_or_default(),
            server.args.as_slice(),
        ),
    };
    let base = command
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    let base = base.strip_suffix(".exe").unwrap_or(&base);
    let script = args
        .iter()
        .any(|a| a.len() > 1 && a.starts_with('-') && !a.starts_with("--") && a.contains('c'));
    matches!(base, "sh" | "bash" | "zsh" | "dash" | "ksh") && script
}

/// Which of the variables written in a text a program fills in itself: a Unix shell the
/// `$NAME` ones, `cmd /c` the `%NAME%` ones ([`written_refs`]).
#[derive(Clone, Copy)]
struct Filled {
    dollar: bool,
    percent: bool,
}

impl Filled {
    const NONE: Filled = Filled {
        dollar: false,
        percent: false,
    };
}

/// The variables a string refers to as a shell or Claude Code would fill them in, as written:
/// `${VAR}` always; `$VAR` in capitals and Windows' `%VAR%` (any case, two letters or more)
/// unless `filled` says they are filled in (`$HOME/notes`, `%AppData%\\x`). Lowercase `$x`,
/// `%d%`, a price, a regex's `$`, and a URL's encoded bytes (`%C3%A9`, anything in a text holding
/// `://`) are left alone.
fn written_refs(s: &str, filled: Filled) -> Vec<String> {
    let mut out: Vec<String> = env_refs(s).iter().map(|v| format!("${{{v}}}")).collect();
    let b = s.as_bytes();
    // The end of the name starting at `from` (`from` when none does): letters (capitals only
    // when `upper`), digits and `_`, not starting with a digit, ending where no such byte follows
    // (`$HOMEx` is none).
    let name_end = |from: usize, upper: bool| -> usize {
        let in_name = |c: u8| {
            (if upper {
                c.is_ascii_uppercase()
            } else {
                c.is_ascii_alphabetic()
            }) || c.is_ascii_digit()
                || c == b'_'
        };
        let mut end = from;
        while end < b.len() && in_name(b[end]) {
            end += 1;
        }
        let starts_right = b
            .get(from)
            .is_some_and(|c| !c.is_ascii_digit() && in_name(*c));
        let ends_right = b
            .get(end)
            .is_none_or(|c| !(c.is_ascii_alphanumeric() || *c == b'_'));
        if starts_right && ends_right && end > from + 1 {
            end
        } else {
            from
        }
    };
    let url = s.contains("://");
    let encoded_byte = |at: usize| {
        s.get(at..at + 3)
            .is_some_and(|t| t[1..].bytes().all(|c| c.is_ascii_hexdigit()))
    };
    for (at, c) in s.char_indices() {
        match c {
            '$' if !filled.dollar => {
                let end = name_end(at + 1, true);
                if end > at + 1 {
                    out.push(s[at..end].to_owned());
                }
            }
            // A `%` that is an encoded byte's, or follows one (`%C2%A0WORLD%`), opens no name.
            '%' if !filled.percent && !url && !encoded_byte(at) => {
                let after_encoded = at >= 3 && encoded_byte(at - 3) && &s[at - 3..at - 2] == "%";
                let end = name_end(at + 1, false);
                if end > at + 1
                    && !after_encoded
                    && s[end..].starts_with('%')
                    && !s[..at].ends_with('%')
                {
                    out.push(s[at..=end].to_owned());
                }
            }
            _ => {}
        }
    }
    out
}

/// `${VAR}` references in a string.
fn env_refs(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = s;
    while let Some(i) = rest.find("${") {
        let after = &rest[i + 2..];
        let Some(end) = after.find('}') else { break };
        let var = &after[..end];
        if !var.is_empty() && var.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            out.push(var.to_owned());
        }
        rest = &after[end..];
    }
    out
}

/// The checks of a config that start no server and read no log: keys written twice, each entry on
/// its own, whether its command can be found, and for the servers that run on Node.js whether the
/// Node.js they get is recent enough (asked once per binary: [`crate::node`]). The app shows these
/// under each server, and fixes them from there.
///
/// A finding about the whole file (a duplicate top-level `"mcpServers"`) has no server, as in
/// [`examine`]: it is given once, not to each server row, since the copy Claude reads may have
/// none (an empty `{}` pasted below the real block), and the app shows it above its list.
///
/// In the words of `audience`: the app's texts name its own controls (Fix, Undo, the Edit form's
/// fields), never a command-line flag or command ([`crate::diagnose::message_in`] says the rest,
/// such as a missing command's advice, in the app's words too).
pub fn check_config_only(
    audience: Audience,
    doc: &ConfigDocument,
    resolver: &CommandResolver,
    exe: &Path,
) -> Vec<Finding> {
    let mut out = check_duplicates_in(audience, doc, None);
    out.extend(config_not_loaded(doc));
    out.extend(misplaced_servers(doc));
    let entries = doc.servers.iter().flat_map(|s| {
        let mut findings = check_entry_in(audience, s, exe);
        findings.extend(check_command(s, resolver));
        findings
    });
    out.extend(unfixable_until_merged(doc, entries.collect()));
    let servers: Vec<&ServerEntry> = doc.servers.iter().collect();
    out.extend(
        crate::node::too_old(&servers, resolver)
            .into_iter()
            .map(Finding::new),
    );
    out
}

/// The whole file's finding when an entry has a field of the wrong type: Claude Desktop then
/// loads no server from the file, which the entry's own `invalid-entry` finding cannot say above
/// the others.
fn config_not_loaded(doc: &ConfigDocument) -> Option<Finding> {
    let names: Vec<&str> = doc
        .servers
        .iter()
        .filter(|s| {
            s.value
                .as_object()
                .is_some_and(|o| !crate::config::document::type_problems(o).is_empty())
        })
        .map(|s| s.name.as_str())
        .collect();
    let (first, rest) = names.split_first()?;
    let who = match rest.len() {
        0 => format!("the entry of {first} has"),
        n => format!("the entries of {first} and {n} more have"),
    };
    Some(Finding::new(
        Diagnosis::new(
            codes::INVALID_ENTRY,
            Severity::Error,
            format!(
                "Claude Desktop loads no server from this file: {who} a field of the wrong type"
            ),
        )
        .detail(
            "Claude Desktop checks the type of every field before it starts anything: with one \
             wrong, it says \"Could not load app settings\" and starts no server",
        )
        .fix("correct the field named under the server, or remove that server"),
    ))
}

/// Servers written where Claude Desktop never looks: under a key that is not `mcpServers` spelt
/// exactly so (`mcpservers`, `mcp_servers`), under VS Code's `servers` or `"mcp": {"servers"}`
/// (a snippet copied from its docs), or loose at the top level of the file. Claude starts none of
/// them and says nothing about them. A name that `mcpServers` also holds is not missed.
fn misplaced_servers(doc: &ConfigDocument) -> Vec<Finding> {
    let Ok(Value::Object(top)) = serde_json::from_str::<Value>(&doc.text) else {
        return Vec::new();
    };
    let is_server = |v: &Value| {
        v.as_object().is_some_and(|o| {
            ["command", "url", "serverUrl"]
                .iter()
                .any(|k| o.get(*k).is_some_and(Value::is_string))
        })
    };
    let missed = |name: &str| !doc.servers.iter().any(|s| s.name == name);
    let servers_in = |v: Option<&Value>| -> Vec<String> {
        v.and_then(Value::as_object)
            .map(|o| {
                o.iter()
                    .filter(|(name, v)| is_server(v) && missed(name))
                    .map(|(name, _)| name.clone())
                    .collect()
            })
            .unwrap_or_default()
    };
    let them = |n: usize| if n == 1 { "it" } else { "them" };
    let mut out = Vec::new();
    let mut loose = Vec::new();
    for (key, value) in &top {
        if key == "mcpServers" {
            continue;
        }
        let word: String = key
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .map(|c| c.to_ascii_lowercase())
            .collect();
        let (place, names, vs_code) = match word.as_str() {
            "mcpservers" | "mcpserver" => (format!("\"{key}\""), servers_in(Some(value)), false),
            "servers" => (format!("\"{key}\""), servers_in(Some(value)), true),
            "mcp" => (
                format!("\"{key}\" → \"servers\""),
                servers_in(value.get("servers")),
                true,
            ),
            _ => {
                if is_server(value) && missed(key) {
                    loose.push(key.clone());
                }
                continue;
            }
        };
        let Some(first) = names.first() else {
            continue;
        };
        let who = match names.len() {
            1 => format!("the server {first} is"),
            n => format!("{n} servers ({}) are", join_and(&names)),
        };
        out.push(Finding::new(
            Diagnosis::new(
                codes::INVALID_ENTRY,
                Severity::Error,
                format!(
                    "{who} under {place}: Claude Desktop reads servers only from \"mcpServers\", \
                     spelt so, and never starts {}",
                    them(names.len())
                ),
            )
            .detail(match vs_code {
                true => "that is how VS Code's MCP settings hold servers; Claude Desktop's file \
                         holds them under \"mcpServers\""
                    .to_owned(),
                false => format!("{} is not {}", place, "\"mcpServers\""),
            })
            .fix(match (doc.has_servers_object, vs_code) {
                (true, _) => format!("move {} into \"mcpServers\"", them(names.len())),
                (false, true) => format!(
                    "move {} into a \"mcpServers\" at the top of the file",
                    them(names.len())
                ),
                (false, false) => "rename the key to \"mcpServers\"".to_owned(),
            }),
        ));
    }
    if let Some(first) = loose.first() {
        let who = match loose.len() {
            1 => format!("{first} looks like a server but is"),
            n => format!(
                "{n} entries ({}) look like servers but are",
                join_and(&loose)
            ),
        };
        out.push(Finding::new(
            Diagnosis::new(
                codes::INVALID_ENTRY,
                Severity::Error,
                format!(
                    "{who} at the top level of the file: Claude Desktop reads servers only inside \
                     \"mcpServers\""
                ),
            )
            .fix(format!("move {} into \"mcpServers\"", them(loose.len()))),
        ));
    }
    out
}

/// Reads a document's entries for the checks that need no I/O (used by tests and the app).
pub fn check_document(doc: &ConfigDocument, exe: &Path) -> Vec<Finding> {
    doc.servers
        .iter()
        .flat_map(|s| check_entry(s, exe))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(text: &str) -> ConfigDocument {
        ConfigDocument::parse(Path::new("c.json"), text.as_bytes(), false).unwrap()
    }

    fn codes_of(findings: &[Finding]) -> Vec<String> {
        findings.iter().map(|f| f.diagnosis.code.clone()).collect()
    }

    const EXE: &str = "/opt/mcp-tray/mcp-tray";

    /// The finding about `server`.
    /// The codes of the findings about `server`.
    fn codes_on(findings: &[Finding], server: &str) -> Vec<String> {
        let about: Vec<Finding> = findings
            .iter()
            .filter(|f| f.diagnosis.server.as_deref() == Some(server))
            .cloned()
            .collect();
        codes_of(&about)
    }

    fn fix_of(finding: &Finding) -> &str {
        finding.diagnosis.fix.as_deref().expect("a fix")
    }

    fn finding_of<'a>(findings: &'a [Finding], server: &str) -> &'a Finding {
        findings
            .iter()
            .find(|f| f.diagnosis.server.as_deref() == Some(server))
            .expect("a finding")
    }

    #[test]
    fn a_dollar_brace_reference_claude_passes_as_written_is_a_warning_with_the_value_to_write() {
        let d = doc(r#"{"mcpServers": {
            "envref": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-github"], "env": {"GITHUB_TOKEN": "${GITHUB_TOKEN}"}},
            "argref": {"command": "node", "args": ["/srv/index.js", "--token=${API_TOKEN}"]},
            "tapped": {"command": "/opt/mcp-tray/mcp-tray", "args": ["wrap", "--name", "tapped", "--", "node", "/srv/x.js", "${HOME}/data"]},
            "shell": {"command": "bash", "args": ["-c", "exec server --token ${MCP_TRAY_TEST_UNSET_VAR}"]},
            "shellset": {"command": "/bin/sh", "args": ["-c", "exec server ${PATH}"]},
            "shellfile": {"command": "bash", "args": ["/srv/run.sh", "${PATH}"]},
            "cmd": {"command": "cmd", "args": ["/c", "server", "--token=${PATH}"]},
            "bridge": {"command": "/opt/mcp-tray/mcp-tray", "args": ["bridge", "https://x.dev/mcp", "--header", "Authorization: Bearer ${PATH}"]}
        }}"#);
        let findings = check_document(&d, Path::new(EXE));
        let envref = finding_of(&findings, "envref");
        assert_eq!(envref.diagnosis.code, codes::MISSING_ENV);
        assert_eq!(envref.diagnosis.severity, Severity::Warning);
        assert!(
            envref
                .diagnosis
                .summary
                .starts_with("env GITHUB_TOKEN holds ${GITHUB_TOKEN}, which reaches the server as those characters: Claude Desktop does not fill in"),
            "{envref:?}"
        );
        assert_eq!(
            envref.diagnosis.fix.as_deref(),
            Some("put the value itself in \"env\" → \"GITHUB_TOKEN\"")
        );
        let argref = finding_of(&findings, "argref");
        assert!(
            argref
                .diagnosis
                .summary
                .starts_with("an argument holds ${API_TOKEN}"),
            "{argref:?}"
        );
        assert_eq!(
            argref.diagnosis.fix.as_deref(),
            Some("write the value itself in place of ${API_TOKEN} in \"args\"")
        );
        // The tap passes its server's arguments on as they are.
        assert!(
            finding_of(&findings, "tapped")
                .diagnosis
                .summary
                .starts_with("an argument holds ${HOME}")
        );
        // A shell fills in its script's references: only an unset one is said.
        let shell = finding_of(&findings, "shell");
        assert_eq!(shell.diagnosis.severity, Severity::Error);
        assert_eq!(
            shell.diagnosis.summary,
            "${MCP_TRAY_TEST_UNSET_VAR} is used but not set"
        );
        assert!(codes_on(&findings, "shellset").is_empty());
        // A shell running a script file passes its arguments on as written; cmd knows only %VAR%.
        for literal in ["shellfile", "cmd"] {
            assert!(
                finding_of(&findings, literal)
                    .diagnosis
                    .summary
                    .starts_with("an argument holds ${PATH}"),
                "{literal}: {findings:?}"
            );
        }
        assert!(codes_on(&findings, "bridge").is_empty());
    }

    /// macOS: an entry written while MCP Tray ran from its disk image or a translocated copy
    /// starts an `mcp-tray` that will be gone; the fix points it at the one in use when that one
    /// stays (an error for a translocated copy, gone at the next launch).
    #[test]
    fn an_mcp_tray_from_a_disk_image_or_a_translocated_copy_is_named_and_fixed() {
        let d = doc(r#"{"mcpServers": {
            "dmg": {"command": "/Volumes/MCP Tray/MCP Tray.app/Contents/MacOS/mcp-tray", "args": ["bridge", "https://x.dev/mcp", "--name", "dmg"]},
            "moved": {"command": "/private/var/folders/x1/T/AppTranslocation/5F2C/d/MCP Tray.app/Contents/MacOS/mcp-tray", "args": ["wrap", "--name", "moved", "--", "npx", "-y", "pkg"], "env": {"K": "v"}},
            "fine": {"command": "/Applications/MCP Tray.app/Contents/MacOS/mcp-tray", "args": ["bridge", "https://x.dev/mcp"]},
            "other": {"command": "/Volumes/Tools/bin/node", "args": ["/Volumes/Tools/server.js"]}
        }}"#);
        let exe = Path::new("/Applications/MCP Tray.app/Contents/MacOS/mcp-tray");
        let findings = check_document(&d, exe);
        let of = |s: &str| -> Vec<&Finding> {
            findings
                .iter()
                .filter(|f| f.diagnosis.server.as_deref() == Some(s))
                .filter(|f| f.diagnosis.code == "temporary-location")
                .collect()
        };
        assert!(
            of("fine").is_empty() && of("other").is_empty(),
            "{findings:?}"
        );
        for (server, severity) in [("dmg", Severity::Warning), ("moved", Severity::Error)] {
            let [finding] = of(server)[..] else {
                panic!("{server}: {findings:?}");
            };
            assert_eq!(finding.diagnosis.severity, severity, "{server}");
            let Some(Edit::Update { entry, .. }) = &finding.edit else {
                panic!("{server}: no fix: {finding:?}");
            };
            assert_eq!(entry["command"], exe.to_string_lossy().as_ref());
            // Everything else of the entry stays.
            let mut before = d.server(server).expect("entry").value.clone();
            before["command"] = entry["command"].clone();
            assert_eq!(entry, &before);
        }
        // Run from a disk image itself, it has nowhere lasting to point them at: it says to move.
        let findings = check_document(
            &d,
            Path::new("/Volumes/MCP Tray/MCP Tray.app/Contents/MacOS/mcp-tray"),
        );
        let dmg: Vec<&Finding> = findings
            .iter()
            .filter(|f| f.diagnosis.code == "temporary-location")
            .collect();
        assert_eq!(dmg.len(), 2, "{findings:?}");
        assert!(dmg.iter().all(|f| !f.fixable), "{dmg:?}");
        assert!(
            dmg.iter().all(|f| f
                .diagnosis
                .fix
                .as_deref()
                .is_some_and(|x| x.contains("Applications folder"))),
            "{dmg:?}"
        );
    }

    #[test]
    fn a_relative_ca_cert_of_a_bridge_entry_is_named_with_its_fix() {
        let d = doc(r#"{"mcpServers": {
            "rel": {"command": "/opt/mcp-tray/mcp-tray", "args": ["bridge", "https://x.dev/mcp", "--ca-cert", "certs/ca.pem"]},
            "eq": {"command": "/opt/mcp-tray/mcp-tray", "args": ["bridge", "https://x.dev/mcp", "--ca-cert=ca.pem"]},
            "abs": {"command": "/opt/mcp-tray/mcp-tray", "args": ["bridge", "https://x.dev/mcp", "--ca-cert", "/etc/ssl/ca.pem"]},
            "win": {"command": "/opt/mcp-tray/mcp-tray", "args": ["bridge", "https://x.dev/mcp", "--ca-cert", "C:\\certs\\ca.pem"]}
        }}"#);
        let findings = check_document(&d, Path::new(EXE));
        let of = |s: &str| -> Vec<&Finding> {
            findings
                .iter()
                .filter(|f| f.diagnosis.server.as_deref() == Some(s))
                .collect()
        };
        for (server, path) in [("rel", "certs/ca.pem"), ("eq", "ca.pem")] {
            let [finding] = of(server)[..] else {
                panic!("{server}: {findings:?}");
            };
            let d = &finding.diagnosis;
            assert_eq!(d.code, "relative-path");
            assert!(
                d.summary
                    .starts_with(&format!("relative path {path} given to --ca-cert")),
                "{}",
                d.summary
            );
            assert!(
                d.fix
                    .as_deref()
                    .is_some_and(|f| f.contains("absolute path")),
                "{d:?}"
            );
        }
        assert!(of("abs").is_empty() && of("win").is_empty(), "{findings:?}");
    }

    #[test]
    fn a_path_starting_with_a_tilde_is_named_and_fixed_with_the_home_folder_written_out() {
        let text = r#"{"mcpServers": {
            "script": {"command": "node", "args": ["~/mcp/build/index.js"], "env": {"K": "v"}},
            "cmd": {"command": "~/bin/my-server", "args": ["--verbose"]},
            "tapped": {"command": "/opt/mcp-tray/mcp-tray", "args": ["wrap", "--name", "tapped", "--", "python", "~/srv/server.py"]},
            "folder": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-filesystem", "~/Documents"]}
        }}"#;
        let entries: Value = serde_json::from_str(text).unwrap();
        let findings = check_document(&doc(text), Path::new(EXE));
        let home = dirs::home_dir().expect("a home folder");
        let out = |rest: &str| home.join(rest).to_string_lossy().into_owned();
        for (server, path, rest) in [
            ("script", "~/mcp/build/index.js", "mcp/build/index.js"),
            ("cmd", "~/bin/my-server", "bin/my-server"),
            ("tapped", "~/srv/server.py", "srv/server.py"),
        ] {
            let found: Vec<&Finding> = findings
                .iter()
                .filter(|f| f.diagnosis.server.as_deref() == Some(server))
                .collect();
            let [finding] = found[..] else {
                panic!("{server}: {findings:?}");
            };
            let d = &finding.diagnosis;
            assert_eq!(d.code, "relative-path");
            assert_eq!(
                d.summary,
                format!(
                    "{path} starts with ~, which Claude Desktop does not read as your home folder"
                )
            );
            assert_eq!(
                d.fix.as_deref(),
                Some(format!("write the home folder out: {}", out(rest)).as_str())
            );
            let Some(Edit::Update { entry, .. }) = &finding.edit else {
                panic!("{server}: an update");
            };
            // Only the ~ word changes, wherever it is.
            let mut expected = entries["mcpServers"][server].clone();
            let word = match expected["command"] == path {
                true => &mut expected["command"],
                false => expected["args"].as_array_mut().unwrap().last_mut().unwrap(),
            };
            *word = out(rest).into();
            assert_eq!(entry, &expected, "{server}");
        }
        // A folder given to a server that reads ~ itself (server-filesystem does) is left alone.
        assert!(codes_on(&findings, "folder").is_empty(), "{findings:?}");
    }

    #[test]
    fn each_classic_mistake_is_named() {
        let d = doc(r#"{"mcpServers": {
            "url": {"type": "http", "url": "https://mcp.linear.app/mcp", "headers": {"Authorization": "Bearer x"}},
            "ws": {"url": "wss://example.com/mcp"},
            "wsbridge": {"command": "npx", "args": ["-y", "mcp-remote", "wss://example.com/ws"]},
            "old": {"command": "npx", "args": ["-y", "mcp-remote", "https://mcp.atlassian.com/v1/sse"]},
            "rel": {"command": "node", "args": ["build/index.js"]},
            "quickstart": {"command": "uv", "args": ["--directory", "/home/you/weather", "run", "weather.py"]},
            "dir": {"command": "bun", "args": ["--cwd=/srv/mcp", "run", "src/index.ts"]},
            "box": {"command": "docker", "args": ["exec", "-i", "box", "python", "server.py"]},
            "esc": {"command": "C:\nodejs\node.exe", "args": ["D:\tools\build.js", "--verbose"]},
            "home": {"command": "node", "args": ["$HOME/mcp/index.js"]},
            "cmdc": {"command": "cmd", "args": ["/c", "%USERPROFILE%\\srv.bat"]},
            "remote": {"command": "ssh", "args": ["box", "srv --dir $HOME/x"]},
            "pw": {"command": "/usr/bin/srv", "env": {"DB_PASSWORD": "$W0RD!x", "PLAIN": "/opt/bin:$PATH"}},
            "ghtoken": {"command": "/usr/bin/srv", "env": {"GITHUB_TOKEN": "$GITHUB_PAT"}},
            "dockerhome": {"command": "docker", "args": ["run", "-i", "-v", "$HOME/.aws:/root/.aws", "img"]},
            "dockersh": {"command": "docker", "args": ["run", "img", "sh", "-c", "srv --dir $DATA"]},
            "serverflag": {"command": "node", "args": ["build/index.js", "--directory", "/data"]},
            "qa": {"command": "/usr/bin/srv", "args": ["Q: summarise\nA: briefly"]},
            "appdata": {"command": "node", "args": ["x.js"], "env": {"CONFIG": "%APPDATA%\\x\\config.json"}},
            "relcmd": {"command": "./run.sh"},
            "ph": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-github"], "env": {"GITHUB_PERSONAL_ACCESS_TOKEN": "<YOUR_TOKEN>"}},
            "var": {"command": "/opt/mcp-tray/mcp-tray", "args": ["bridge", "https://x.dev/mcp", "--header", "Authorization: Bearer ${MCP_TRAY_TEST_UNSET_VAR}"]},
            "none": {"args": []},
            "fine": {"command": "uvx", "args": ["mcp-server-fetch"], "env": {"API_KEY": "sk-real"}}
        }}"#);
        let findings = check_document(&d, Path::new(EXE));
        let by_server = |s: &str| codes_on(&findings, s);
        assert_eq!(by_server("url"), ["url-entry-unsupported"]);
        assert_eq!(by_server("ws"), ["websocket-url"]);
        assert_eq!(by_server("wsbridge"), ["websocket-url"]);
        assert_eq!(by_server("old"), ["mcp-remote-replaceable"]);
        assert_eq!(by_server("rel"), ["relative-path"]);
        assert_eq!(by_server("relcmd"), ["relative-path"]);
        // Variables only a shell fills in, and the shells that do fill them in.
        assert_eq!(by_server("home"), ["missing-env"]);
        for server in ["cmdc", "remote", "qa"] {
            assert!(
                by_server(server).is_empty(),
                "{server}: {:?}",
                by_server(server)
            );
        }
        // A password's `$` is never quoted; a plain value starting with one is said.
        let pw: Vec<&Finding> = findings
            .iter()
            .filter(|f| f.diagnosis.server.as_deref() == Some("pw"))
            .collect();
        assert_eq!(pw.len(), 1, "{pw:?}");
        assert!(
            pw[0].diagnosis.summary.contains("env PLAIN holds $PATH"),
            "{pw:?}"
        );
        // A whole reference in a secret's value is one, and said.
        assert_eq!(by_server("ghtoken"), ["missing-env"]);
        // Docker runs no shell; a shell it runs fills the script's in.
        assert_eq!(by_server("dockerhome"), ["missing-env"]);
        assert!(
            by_server("dockersh").is_empty(),
            "{:?}",
            by_server("dockersh")
        );
        // A server's own option named like a runner's folder option changes nothing.
        assert_eq!(by_server("serverflag"), ["relative-path"]);
        assert!(
            finding_of(&findings, "home")
                .diagnosis
                .summary
                .contains("$HOME, which reaches the server as those characters"),
            "{:?}",
            finding_of(&findings, "home")
        );
        assert!(
            by_server("appdata").iter().any(|c| c == "missing-env"),
            "{:?}",
            by_server("appdata")
        );
        // Single backslashes that JSON took for escapes: the paths as typed, fixed.
        assert_eq!(by_server("esc"), ["command-not-found"]);
        let esc = findings
            .iter()
            .find(|f| f.diagnosis.server.as_deref() == Some("esc"))
            .expect("esc");
        assert!(
            esc.diagnosis.summary.contains(r"C:\nodejs\node.exe"),
            "{:?}",
            esc.diagnosis
        );
        let Some(Edit::Update { entry, .. }) = &esc.edit else {
            panic!("an update: {esc:?}");
        };
        assert_eq!(
            entry,
            &serde_json::json!({"command": r"C:\nodejs\node.exe", "args": [r"D:\tools\build.js", "--verbose"]})
        );
        // Found from the folder the arguments name, or in a container: not Claude's folder.
        for server in ["quickstart", "dir", "box"] {
            assert!(
                by_server(server).is_empty(),
                "{server}: {:?}",
                by_server(server)
            );
        }
        assert_eq!(by_server("ph"), ["missing-env"]);
        assert_eq!(by_server("var"), ["missing-env"]);
        assert_eq!(by_server("none"), ["invalid-entry"]);
        assert!(by_server("fine").is_empty());
        let url_fix = findings
            .iter()
            .find(|f| f.diagnosis.code == "url-entry-unsupported")
            .unwrap();
        assert!(url_fix.fixable);
        let Some(Edit::Update { entry, .. }) = &url_fix.edit else {
            panic!("an update")
        };
        assert_eq!(entry["args"][1], "https://mcp.linear.app/mcp");
        assert_eq!(entry["env"]["MCP_TRAY_HEADER_AUTHORIZATION"], "Bearer x");
        // Secrets are named, never shown.
        let all = serde_json::to_string(&findings.iter().map(|f| &f.diagnosis).collect::<Vec<_>>())
            .unwrap();
        assert!(
            !all.contains("Bearer x") && !all.contains("sk-real"),
            "{all}"
        );
    }

    #[test]
    fn the_bridge_fix_keeps_plain_http_working_only_where_it_was_allowed() {
        let d = doc(r#"{"mcpServers": {
            "lan": {"command": "npx", "args": ["mcp-remote", "http://10.0.0.7:8000/mcp", "--allow-http"]},
            "plain": {"url": "http://10.0.0.7:8000/mcp"}
        }}"#);
        let findings = check_document(&d, Path::new(EXE));
        let finding = |server: &str| finding_of(&findings, server);
        // mcp-remote ran it with --allow-http: the bridge entry does too, or it would never start.
        let Some(Edit::Update { entry, .. }) = &finding("lan").edit else {
            panic!("an update")
        };
        assert_eq!(
            entry["args"],
            serde_json::json!([
                "bridge",
                "http://10.0.0.7:8000/mcp",
                "--name",
                "lan",
                "--allow-http"
            ])
        );
        // A url entry never said so: rewriting it into a bridge that refuses to start is no fix.
        let plain = finding("plain");
        assert_eq!(plain.diagnosis.code, "url-entry-unsupported");
        assert!(!plain.fixable && plain.edit.is_none());
        let fix = plain.diagnosis.fix.as_deref().unwrap_or_default();
        assert!(
            fix.contains("https://") && !fix.contains("doctor --fix"),
            "{fix}"
        );
    }

    #[test]
    fn the_mcp_remote_fix_says_what_the_bridge_does_differently_or_why_it_is_not_offered() {
        let d = doc(r#"{"mcpServers": {
            "rich": {"command": "npx", "args": ["-y", "mcp-remote", "https://x.dev/sse", "--transport", "sse-only", "--ignore-tool", "delete*", "--keep-alive", "--debug"]},
            "tenant": {"command": "npx", "args": ["mcp-remote", "https://x.dev/sse", "--device-code", "--header", "Authorization: Bearer sk-tenant"]}
        }}"#);
        let findings = check_document(&d, Path::new(EXE));
        let finding = |server: &str| finding_of(&findings, server);
        let rich = finding("rich");
        assert!(rich.fixable);
        let Some(Edit::Update { entry, .. }) = &rich.edit else {
            panic!("an update")
        };
        assert_eq!(
            entry["args"],
            serde_json::json!([
                "bridge",
                "https://x.dev/sse",
                "--name",
                "rich",
                "--transport",
                "sse",
                "--ignore-tool",
                "delete*",
                "--ping-interval",
                "30"
            ])
        );
        let fix = rich.diagnosis.fix.as_deref().unwrap();
        assert!(
            !fix.contains("keep-alive") && fix.contains("only concerned mcp-remote: --debug"),
            "{fix}"
        );
        // The bridge cannot sign in with a device code: no fix that would break it, and why.
        let tenant = finding("tenant");
        assert!(!tenant.fixable && tenant.edit.is_none());
        let fix = tenant.diagnosis.fix.as_deref().unwrap();
        assert!(
            fix.starts_with("keep it on mcp-remote for now: ")
                && fix.contains("with a device code (--device-code)"),
            "{fix}"
        );
        assert!(!fix.contains("sk-tenant"), "{fix}");
    }

    #[test]
    fn the_config_only_checks_add_a_missing_command_to_the_entry_checks() {
        let d = doc(r#"{"mcpServers": {
            "gone": {"command": "mcp-tray-test-no-such-command", "args": [], "env": {"TOKEN": "<YOUR_TOKEN>"}},
            "here": {"command": "sh", "args": ["-c", "true"]}
        }}"#);
        let resolver = CommandResolver::new(crate::supervise::LoginShellPath::Never);
        let findings = check_config_only(Audience::Cli, &d, &resolver, Path::new(EXE));
        assert_eq!(
            codes_of(&findings),
            [codes::MISSING_ENV, codes::COMMAND_NOT_FOUND],
            "{findings:?}"
        );
        assert!(
            findings
                .iter()
                .all(|f| f.diagnosis.server.as_deref() == Some("gone"))
        );
    }

    #[test]
    fn a_whole_command_line_in_command_is_named_and_fixed_by_splitting_it_into_args() {
        let d = doc(r#"{"mcpServers": {
            "memory": {"command": "npx -y @modelcontextprotocol/server-memory", "env": {"K": "v"}},
            "more": {"command": "sh -c", "args": ["true"]},
            "quoted": {"command": "sh -c 'echo hi'"},
            "gone": {"command": "mcp-tray-test-no-such-command --port 3000"},
            "spaced": {"command": "/opt/My Tools/mcp-tray-test-no-such-server"},
            "path": {"command": "/bin/sh -c true"},
            "inner": {"command": "python3 -c print('hi')"},
            "open": {"command": "mcp-tray-test-no-such-command --name O'Brien"},
            "fine": {"command": "sh", "args": ["-c", "true"]}
        }}"#);
        let resolver = CommandResolver::new(crate::supervise::LoginShellPath::Never);
        let findings = check_config_only(Audience::Cli, &d, &resolver, Path::new(EXE));
        for (server, summary, fix, entry) in [
            (
                "memory",
                "npx -y @modelcontextprotocol/server-memory",
                r#"make it "command": "npx", "args": ["-y", "@modelcontextprotocol/server-memory"]"#,
                serde_json::json!({"command": "npx", "args": ["-y", "@modelcontextprotocol/server-memory"], "env": {"K": "v"}}),
            ),
            (
                "more",
                "sh -c",
                r#"make it "command": "sh", "args": ["-c", "true"]"#,
                serde_json::json!({"command": "sh", "args": ["-c", "true"]}),
            ),
            (
                "quoted",
                r#"sh -c "echo hi""#,
                r#"make it "command": "sh", "args": ["-c", "echo hi"]"#,
                serde_json::json!({"command": "sh", "args": ["-c", "echo hi"]}),
            ),
            (
                "path",
                "/bin/sh -c true",
                r#"make it "command": "/bin/sh", "args": ["-c", "true"]"#,
                serde_json::json!({"command": "/bin/sh", "args": ["-c", "true"]}),
            ),
            (
                "gone",
                "mcp-tray-test-no-such-command --port 3000",
                r#"make it "command": "mcp-tray-test-no-such-command", "args": ["--port", "3000"]"#,
                serde_json::json!({"command": "mcp-tray-test-no-such-command", "args": ["--port", "3000"]}),
            ),
        ] {
            let [finding] = &findings
                .iter()
                .filter(|f| f.diagnosis.server.as_deref() == Some(server))
                .collect::<Vec<_>>()[..]
            else {
                panic!("{server}: {findings:?}");
            };
            let d = &finding.diagnosis;
            assert_eq!(d.code, codes::COMMAND_NOT_FOUND);
            assert_eq!(
                d.summary,
                format!("\"command\" holds a whole command line: {summary}")
            );
            assert_eq!(d.fix.as_deref(), Some(fix), "{server}");
            // A program that is not found either is said to be.
            assert_eq!(
                d.detail.contains("not found either"),
                server == "gone",
                "{server}: {}",
                d.detail
            );
            let Some(Edit::Update { entry: made, .. }) = &finding.edit else {
                panic!("{server}: an update");
            };
            assert_eq!(made, &entry, "{server}");
        }
        // A path with a space in it is a path: not found, with no relative-path finding.
        let spaced = finding_of(&findings, "spaced");
        assert_eq!(spaced.diagnosis.code, codes::COMMAND_NOT_FOUND);
        assert!(!spaced.diagnosis.summary.contains("command line"));
        assert!(spaced.edit.is_none());
        // A quote inside a word, or one left open: split, it would lose its quotes (`print(hi)`,
        // `OBrien`); said missing as it is, with no edit.
        for server in ["inner", "open"] {
            let f = finding_of(&findings, server);
            assert_eq!(f.diagnosis.code, codes::COMMAND_NOT_FOUND, "{server}");
            assert!(f.edit.is_none(), "{server}: {f:?}");
        }
        assert!(codes_on(&findings, "fine").is_empty(), "{findings:?}");
    }

    #[test]
    fn servers_where_claude_does_not_look_are_named_with_where_they_belong() {
        let resolver = CommandResolver::new(crate::supervise::LoginShellPath::Never);
        let summaries = |text: &str| -> Vec<(String, String)> {
            check_config_only(Audience::Cli, &doc(text), &resolver, Path::new(EXE))
                .into_iter()
                .filter(|f| f.diagnosis.server.is_none())
                .map(|f| (f.diagnosis.summary, f.diagnosis.fix.unwrap_or_default()))
                .collect()
        };
        // A key spelt otherwise, with no "mcpServers" in the file.
        assert_eq!(
            summaries(r#"{"mcp_servers": {"fs": {"command": "npx", "args": ["-y", "fs"]}}}"#),
            [(
                r#"the server fs is under "mcp_servers": Claude Desktop reads servers only from "mcpServers", spelt so, and never starts it"#.to_owned(),
                r#"rename the key to "mcpServers""#.to_owned()
            )]
        );
        // VS Code's forms, beside a "mcpServers" (a name it also holds is not missed), servers
        // loose at the top, and the keys Claude's file really has, which are no servers.
        assert_eq!(
            summaries(
                r#"{"mcpServers": {"a": {"command": "sh"}},
                    "servers": {"gh": {"type": "stdio", "command": "npx"}, "r": {"type": "http", "url": "https://x.dev/mcp"}},
                    "mcp": {"servers": {"a": {"command": "sh"}}},
                    "notes": {"command": "uvx", "args": ["notes"]},
                    "globalShortcut": "Ctrl+Space", "preferences": {"menuBarEnabled": true}}"#
            ),
            [
                (
                    r#"2 servers (gh and r) are under "servers": Claude Desktop reads servers only from "mcpServers", spelt so, and never starts them"#.to_owned(),
                    r#"move them into "mcpServers""#.to_owned()
                ),
                (
                    r#"notes looks like a server but is at the top level of the file: Claude Desktop reads servers only inside "mcpServers""#.to_owned(),
                    r#"move it into "mcpServers""#.to_owned()
                ),
            ]
        );
        assert!(
            summaries(r#"{"mcpServers": {"a": {"command": "sh"}}, "globalShortcut": ""}"#)
                .is_empty()
        );
    }

    #[test]
    fn a_wrongly_typed_field_is_also_said_of_the_whole_file_which_claude_then_does_not_load() {
        let d = doc(r#"{"mcpServers": {
            "ok": {"command": "sh"},
            "port": {"command": "sh", "env": {"PORT": 8080}},
            "args": {"command": "sh", "args": "a b"}
        }}"#);
        let resolver = CommandResolver::new(crate::supervise::LoginShellPath::Never);
        let findings = check_config_only(Audience::App, &d, &resolver, Path::new(EXE));
        let file: Vec<&Finding> = findings
            .iter()
            .filter(|f| f.diagnosis.server.is_none())
            .collect();
        assert_eq!(file.len(), 1, "{findings:?}");
        assert_eq!(file[0].diagnosis.code, codes::INVALID_ENTRY);
        assert_eq!(
            file[0].diagnosis.summary,
            "Claude Desktop loads no server from this file: the entries of port and 1 more have a field of the wrong type"
        );
        for name in ["port", "args"] {
            assert_eq!(
                finding_of(&findings, name).diagnosis.code,
                codes::INVALID_ENTRY
            );
        }
        // An entry without a command stops only itself.
        let d = doc(r#"{"mcpServers": {"none": {"args": []}}}"#);
        let findings = check_config_only(Audience::App, &d, &resolver, Path::new(EXE));
        assert!(
            findings.iter().all(|f| f.diagnosis.server.is_some()),
            "{findings:?}"
        );
    }

    #[test]
    fn the_store_build_reading_another_file_than_the_one_edited_is_a_warning_naming_both() {
        let msix = std::path::PathBuf::from(
            r"C:\Users\ana\AppData\Local\Packages\Claude_x\LocalCache\Roaming\Claude\c.json",
        );
        let classic = std::path::PathBuf::from(r"C:\Users\ana\AppData\Roaming\Claude\c.json");
        let at = |source, also_present: Vec<std::path::PathBuf>| ConfigLocation {
            path: msix.clone(),
            source,
            also_present,
        };
        let f = msix_finding(&at(ConfigSource::Msix, vec![classic.clone()]))
            .expect("a windows-msix-path finding");
        assert_eq!(f.diagnosis.code, codes::WINDOWS_MSIX_PATH);
        assert_eq!(f.diagnosis.severity, Severity::Warning);
        assert!(
            f.diagnosis.detail.contains(&msix.display().to_string()),
            "{f:?}"
        );
        assert!(
            f.diagnosis.detail.contains(&classic.display().to_string()),
            "{f:?}"
        );
        assert!(!f.fixable);
        // The Store build alone, or the usual file alone: nothing to say.
        assert!(msix_finding(&at(ConfigSource::Msix, Vec::new())).is_none());
        assert!(msix_finding(&at(ConfigSource::Detected, vec![classic.clone()])).is_none());
    }

    #[test]
    fn a_second_mcp_servers_key_is_an_error_naming_its_lines_and_fixed_by_a_merge() {
        let d = doc("{\n  \"mcpServers\": {\"x\": {\"command\": \"sh\"}},\n  \
                     \"mcpServers\": {\"old\": {\"command\": \"npx\", \"args\": [\"mcp-remote\", \"https://x.dev/mcp\"]}, \
                     \"y\": {\"command\": \"sh\"}}\n}\n");
        let findings = check_duplicates(&d, None);
        assert_eq!(findings.len(), 1, "{findings:?}");
        let f = &findings[0];
        assert_eq!(f.diagnosis.code, codes::DUPLICATE_KEY);
        assert_eq!(f.diagnosis.code, "duplicate-key");
        assert_eq!(f.diagnosis.severity, Severity::Error);
        assert_eq!(f.diagnosis.server, None, "a finding about the whole file");
        for said in ["written twice", "only the last one (line 3)", "line 2 (x)"] {
            assert!(f.diagnosis.summary.contains(said), "{said:?}: {f:?}");
        }
        assert!(f.diagnosis.detail.contains("lines 2 and 3"), "{f:?}");
        assert!(f.fixable);
        assert_eq!(f.edit, Some(Edit::MergeServers));
        // `doctor NAME` still says it: the name may be one Claude ignores.
        assert_eq!(check_duplicates(&d, Some("y")).len(), 1);

        // The app shows it once, about the whole file; no other fix is offered until the merge
        // (no edit but the merge applies to such a file).
        let resolver = CommandResolver::new(crate::supervise::LoginShellPath::Never);
        let rows = check_config_only(Audience::Cli, &d, &resolver, Path::new(EXE));
        let dup_rows: Vec<_> = rows
            .iter()
            .filter(|f| f.diagnosis.code == codes::DUPLICATE_KEY)
            .map(|f| (f.diagnosis.server.as_deref(), f.fixable))
            .collect();
        assert_eq!(dup_rows, [(None, true)]);
        let replaceable = rows
            .iter()
            .find(|f| f.diagnosis.code == codes::MCP_REMOTE_REPLACEABLE)
            .expect("the entry's own finding");
        assert!(!replaceable.fixable && replaceable.edit.is_none());
    }

    #[test]
    fn the_apps_checks_say_a_second_mcp_servers_even_when_the_copy_claude_reads_is_empty() {
        // A pasted `"mcpServers": {}` below the real block: Claude sees no server at all.
        let d =
            doc("{\n  \"mcpServers\": {\"x\": {\"command\": \"sh\"}},\n  \"mcpServers\": {}\n}\n");
        assert!(d.servers.is_empty());
        let resolver = CommandResolver::new(crate::supervise::LoginShellPath::Never);
        let found = check_config_only(Audience::Cli, &d, &resolver, Path::new(EXE));
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].diagnosis.code, codes::DUPLICATE_KEY);
        assert_eq!(found[0].diagnosis.server, None);
        assert!(
            found[0].diagnosis.summary.contains("line 2 (x)"),
            "{found:?}"
        );
        assert_eq!(found[0].edit, Some(Edit::MergeServers));
    }

    #[test]
    fn an_earlier_mcp_servers_that_is_not_an_object_is_not_merged_away_by_the_fix() {
        let d = doc(
            "{\n  \"mcpServers\": [\"fetch\"],\n  \"mcpServers\": {\"y\": {\"command\": \"sh\"}}\n}\n",
        );
        let findings = check_duplicates(&d, None);
        assert_eq!(findings.len(), 1, "{findings:?}");
        let f = &findings[0];
        assert_eq!(f.diagnosis.code, codes::DUPLICATE_KEY);
        assert_eq!(f.diagnosis.severity, Severity::Error);
        assert!(!f.fixable && f.edit.is_none(), "{f:?}");
        let fix = f.diagnosis.fix.as_deref().unwrap();
        for said in [
            "does not delete what you wrote",
            "the one on line 2 (an array) holds no server",
            "delete it",
        ] {
            assert!(fix.contains(said), "{said:?}: {fix}");
        }
    }

    #[test]
    fn names_differing_only_in_case_are_a_warning_on_each_of_them() {
        let d = doc(r#"{"mcpServers": {
            "GitHub": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-github"]},
            "github": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-github"]},
            "GITHUB": {"command": "uvx", "args": ["x"]},
            "fetch": {"command": "uvx", "args": ["mcp-server-fetch"]}
        }}"#);
        let findings = check_duplicates(&d, None);
        let on = |s: &str| by_server(&findings, s);
        for name in ["GitHub", "github", "GITHUB"] {
            let found = on(name);
            assert_eq!(found.len(), 1, "{name}: {findings:?}");
            assert_eq!(found[0].code, codes::DUPLICATE_KEY);
            assert_eq!(found[0].severity, Severity::Warning);
            assert!(
                found[0].summary.contains("differ only in case"),
                "{}",
                found[0].summary
            );
        }
        assert!(
            on("GitHub")[0].summary.contains(r#""github" and "GITHUB""#),
            "{}",
            on("GitHub")[0].summary
        );
        assert!(on("fetch").is_empty());
        // Names that look the same, their accent encoded two ways: one log file on macOS.
        let accents = doc(
            "{\"mcpServers\": {\"caf\u{e9}\": {\"command\": \"x\"}, \"cafe\u{301}\": {\"command\": \"y\"}}}",
        );
        let found = check_duplicates(&accents, None);
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(
            found[0].diagnosis.summary.contains(
                "differ only in how an accented letter is encoded (they look the same): on macOS"
            ),
            "{}",
            found[0].diagnosis.summary
        );
        // Asked about one server, only its finding.
        let only = check_duplicates(&d, Some("github"));
        assert_eq!(only.len(), 1);
        assert_eq!(only[0].diagnosis.server.as_deref(), Some("github"));
        // The app names its own form, the command line its command.
        let app = check_duplicates_in(Audience::App, &d, None);
        assert!(fix_of(&app[0]).contains("Edit form"));
        assert!(fix_of(&findings[0]).contains("mcp-tray rename"));
    }

    #[test]
    fn disabled_true_is_a_warning_that_claude_starts_the_server_anyway() {
        let d = doc(r#"{"mcpServers": {
            "off": {"command": "uvx", "args": ["mcp-server-fetch"], "disabled": true},
            "enabled-false": {"command": "uvx", "args": ["mcp-server-fetch"], "enabled": false},
            "on": {"command": "uvx", "args": ["mcp-server-fetch"], "disabled": false},
            "remote": {"command": "/opt/mcp-tray/mcp-tray", "args": ["bridge", "https://x.dev/mcp"], "disabled": true}
        }}"#);
        let findings = check_document(&d, Path::new(EXE));
        let codes_on = |s: &str| codes_on(&findings, s);
        assert_eq!(codes_on("off"), [codes::DISABLED_IGNORED]);
        assert_eq!(codes_on("enabled-false"), [codes::DISABLED_IGNORED]);
        assert_eq!(codes_on("remote"), [codes::DISABLED_IGNORED]);
        assert!(codes_on("on").is_empty());
        let off = finding_of(&findings, "off");
        assert_eq!(off.diagnosis.severity, Severity::Warning);
        assert!(off.diagnosis.summary.contains(r#""disabled": true"#));
        assert!(fix_of(off).contains("mcp-tray disable off"));
        assert!(!off.fixable);
        let app = check_entry_in(Audience::App, &d.servers[0], Path::new(EXE));
        assert!(fix_of(&app[0]).contains("use Disable"));
    }

    #[test]
    fn a_server_name_written_twice_is_a_warning_on_that_server_with_a_manual_fix() {
        let d = doc(
            "{\"mcpServers\": {\n  \"a\": {\"command\": \"sh\"},\n  \"b\": {\"command\": \"sh\"},\n  \
                     \"a\": {\"command\": \"sh\", \"args\": [\"-c\", \"true\"]}\n}}",
        );
        let findings = check_duplicates(&d, None);
        assert_eq!(findings.len(), 1, "{findings:?}");
        let f = &findings[0];
        assert_eq!(f.diagnosis.code, codes::DUPLICATE_KEY);
        assert_eq!(f.diagnosis.severity, Severity::Warning);
        assert_eq!(f.diagnosis.server.as_deref(), Some("a"));
        for said in [
            "written twice",
            "only the last one (line 4)",
            "the one on line 2",
        ] {
            assert!(f.diagnosis.summary.contains(said), "{said:?}: {f:?}");
        }
        assert!(!f.fixable && f.edit.is_none());
        assert!(
            f.diagnosis.fix.as_deref().unwrap().contains("line 4"),
            "{f:?}"
        );
        assert!(check_duplicates(&d, Some("b")).is_empty());
        let resolver = CommandResolver::new(crate::supervise::LoginShellPath::Never);
        assert_eq!(
            codes_of(&check_config_only(
                Audience::Cli,
                &d,
                &resolver,
                Path::new(EXE)
            )),
            [codes::DUPLICATE_KEY]
        );
    }

    /// A journal line the real writer would have written, dated `ago` before now: the writer
    /// stamps every line with the time it is written, so an old one is written out by hand.
    fn old_event_line(server: &str, ago: Duration, code: &str, text: &str) -> String {
        let ts = journal::rfc3339_ms(std::time::SystemTime::now() - ago);
        serde_json::json!({
            "ts": ts, "server": server, "session": "0ld5e551", "pid": 7, "dir": "event",
            "kind": "event", "code": code, "level": "error", "text": text,
        })
        .to_string()
            + "\n"
    }

    /// Writes events to `server`'s journal in `dir` through the shims' own writer.
    fn journal_events(dir: &Path, server: &str, events: &[(journal::Level, &str, &str)]) {
        let j = journal::Journal::open(server, journal::JournalConfig::in_dir(dir)).expect("open");
        for (level, code, text) in events {
            j.event(*level, code, *text);
        }
        j.close(Duration::from_secs(2));
    }

    fn append(path: &Path, bytes: &[u8]) {
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .expect("open");
        f.write_all(bytes).expect("append");
    }

    fn by_server<'a>(findings: &'a [Finding], server: &str) -> Vec<&'a Diagnosis> {
        findings
            .iter()
            .map(|f| &f.diagnosis)
            .filter(|d| d.server.as_deref() == Some(server))
            .collect()
    }

    #[test]
    fn a_failure_to_reach_a_server_that_then_answered_is_history_but_stdout_pollution_is_not() {
        use journal::Level::Warn;
        let tmp = tempfile::tempdir().expect("tmp");
        let dir = tmp.path();
        journal_events(
            dir,
            "remote",
            &[
                (
                    Warn,
                    codes::CONNECTION_LOST,
                    "the server closed the connection",
                ),
                (Warn, codes::SESSION_EXPIRED, "the server lost our session"),
                (Warn, codes::STDOUT_POLLUTION, "moved a line off stdout"),
            ],
        );
        // Before the server answers again, all three are findings.
        let before = check_journals(dir, &[("remote", None)]);
        assert_eq!(before.len(), 3, "{before:?}");
        std::thread::sleep(Duration::from_millis(5));
        let j =
            journal::Journal::open("remote", journal::JournalConfig::in_dir(dir)).expect("open");
        let reply = br#"{"jsonrpc":"2.0","id":1,"result":{"tools":[]}}"#;
        let env = crate::jsonrpc::inspect(reply).expect("reply");
        j.message(
            journal::Direction::ServerToClient,
            reply,
            Some(&env),
            None,
            None,
        );
        j.close(Duration::from_secs(2));
        let after = check_journals(dir, &[("remote", None)]);
        let codes: Vec<&str> = after.iter().map(|f| f.diagnosis.code.as_str()).collect();
        assert_eq!(codes, [codes::STDOUT_POLLUTION], "{after:?}");
        // An error reply is no good answer.
        let tmp = tempfile::tempdir().expect("tmp");
        journal_events(tmp.path(), "r", &[(Warn, codes::TIMEOUT, "no answer")]);
        std::thread::sleep(Duration::from_millis(5));
        let j =
            journal::Journal::open("r", journal::JournalConfig::in_dir(tmp.path())).expect("open");
        let error = br#"{"jsonrpc":"2.0","id":1,"error":{"code":-32001,"message":"timed out"}}"#;
        let env = crate::jsonrpc::inspect(error).expect("error");
        j.message(
            journal::Direction::ServerToClient,
            error,
            Some(&env),
            None,
            None,
        );
        j.close(Duration::from_secs(2));
        assert_eq!(check_journals(tmp.path(), &[("r", None)]).len(), 1);
    }

    #[test]
    fn a_journaled_failure_at_another_address_than_the_entry_s_is_no_finding() {
        use journal::Level::Error;
        let tmp = tempfile::tempdir().expect("tmp");
        let runs = std::cell::Cell::new(0);
        let said = |text: &str| {
            runs.set(runs.get() + 1);
            let dir = tmp.path().join(runs.get().to_string());
            journal_events(&dir, "r", &[(Error, codes::CONNECTION_REFUSED, text)]);
            // The entry's URL holds credentials and a query, which the shims never write out.
            check_journals(
                &dir,
                &[("r", Some("https://me:pw@Host.example:443/a/b?k=1"))],
            )
            .len()
        };
        assert_eq!(
            said("refused the connection at https://host.example/a/b/ (tried)."),
            1
        );
        assert_eq!(
            said("refused at https://me:••••••@host.example/a/%E2%80%A2%E2%80%A2"),
            1
        );
        assert_eq!(said("no URL said"), 1);
        assert_eq!(
            said("refused the connection at https://host.example:8443/a/b"),
            0
        );
        assert_eq!(said("refused the connection at http://host.example/a/b"), 0);
        // Another path of the same server: a legacy SSE server's message endpoint.
        assert_eq!(
            said("remote server at https://host.example/messages/?session_id=1 answered HTTP 500"),
            1
        );
        assert_eq!(
            said("the proxy http://proxy:3128 refused https://other.example/a/b"),
            0
        );
        assert_eq!(
            said("the proxy http://proxy:3128 refused https://host.example/a/b"),
            1
        );
    }

    #[test]
    fn a_failure_journaled_by_a_checks_session_is_no_finding_of_claudes_runs() {
        use journal::Level::Error;
        let tmp = tempfile::tempdir().expect("tmp");
        let dir = tmp.path();
        let mut config = journal::JournalConfig::in_dir(dir);
        config.check = true;
        let j = journal::Journal::open("gh", config).expect("open");
        j.event(Error, codes::COMMAND_NOT_FOUND, "gh-server: not found");
        j.close(Duration::from_secs(2));
        assert!(check_journals(dir, &[("gh", None)]).is_empty());

        // Claude's run of it, journaled the same way: a finding.
        journal_events(
            dir,
            "gh",
            &[(Error, codes::COMMAND_NOT_FOUND, "gh-server: not found")],
        );
        let found = check_journals(dir, &[("gh", None)]);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].diagnosis.code, codes::COMMAND_NOT_FOUND);
    }

    #[test]
    fn a_recent_failure_in_a_servers_journal_is_a_finding_and_an_old_or_broken_line_is_not() {
        use journal::Level::{Error, Info, Warn};
        let tmp = tempfile::tempdir().expect("tmp");
        let dir = tmp.path();
        let four_days = Duration::from_secs(4 * 24 * 3600);
        // linear: a TLS failure four days before its latest run, then garbage and a torn line.
        std::fs::create_dir_all(dir).expect("dir");
        let linear = journal::journal_path(dir, "linear");
        append(
            &linear,
            old_event_line("linear", four_days, codes::TLS_ERROR, "bad certificate").as_bytes(),
        );
        append(
            &linear,
            b"\xff garbage \n{\"ts\":\"2026-11-24T08:00:00.000Z\",\"serv\n",
        );
        journal_events(
            dir,
            "linear",
            &[
                (Info, "connected", "via Streamable HTTP"),
                (
                    Error,
                    codes::AUTH_REQUIRED,
                    "remote server at https://mcp.linear.app/mcp needs a sign-in (HTTP 401)",
                ),
                (Warn, "journal-dropped", "3 message(s) were not journaled"),
                (
                    Warn,
                    codes::PROTOCOL_ERROR,
                    "the server sent a line that is not JSON",
                ),
                (
                    Error,
                    codes::AUTH_REQUIRED,
                    "remote server at https://mcp.linear.app/mcp needs a sign-in (HTTP 401) again",
                ),
                (
                    Error,
                    codes::AUTH_REQUIRED,
                    "remote server at https://mcp.linear.app/mcp needs a sign-in (HTTP 401) again",
                ),
            ],
        );
        // The traffic of that session is never read into a finding.
        let j =
            journal::Journal::open("linear", journal::JournalConfig::in_dir(dir)).expect("open");
        let call = br#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"q":"hunter2"}}"#;
        j.message(journal::Direction::ClientToServer, call, None, None, None);
        j.close(Duration::from_secs(2));
        // local: the tap's own exited-early (its text has the server's last stderr lines).
        journal_events(
            dir,
            "local",
            &[
                (Info, "started", "sh -c \"exit 3\" (pid 42)"),
                (Info, "stderr", "oops"),
                (
                    Error,
                    codes::EXITED_EARLY,
                    "sh exited (exit code 3) before answering anything; its last stderr lines:\noops",
                ),
            ],
        );

        let findings = check_journals(
            dir,
            &[("linear", None), ("local", None), ("never-ran", None)],
        );
        let linear = by_server(&findings, "linear");
        let codes: Vec<&str> = linear.iter().map(|d| d.code.as_str()).collect();
        assert_eq!(
            codes,
            [codes::AUTH_REQUIRED, codes::PROTOCOL_ERROR],
            "{findings:?}"
        );
        let auth = linear[0];
        assert_eq!(auth.severity, Severity::Error);
        assert!(
            auth.summary
                .contains("(HTTP 401) again (MCP Tray's journal, 20"),
            "the latest occurrence: {auth:?}"
        );
        // The latest said twice, and once before in other words: not counted as it.
        assert!(auth.detail.contains("journaled 2 times"), "{auth:?}");
        assert!(
            auth.detail.ends_with("; 1 other auth-required event said something else (`mcp-tray logs linear --errors` shows each)"),
            "{auth:?}"
        );
        assert_eq!(
            auth.fix.as_deref(),
            crate::diagnose::fix_for(codes::AUTH_REQUIRED, "needs a sign-in (HTTP 401)")
        );
        assert!(auth.fix.is_some());
        assert_eq!(linear[1].severity, Severity::Warning);

        let [local] = by_server(&findings, "local")[..] else {
            panic!("one finding for local: {findings:?}")
        };
        assert_eq!(local.code, codes::EXITED_EARLY);
        assert!(
            local.summary.starts_with(
                "sh exited (exit code 3) before answering anything (MCP Tray's journal, "
            ),
            "{local:?}"
        );
        assert!(
            local
                .detail
                .starts_with("its last stderr lines:\noops\njournaled by MCP Tray's shim (pid "),
            "{local:?}"
        );
        assert!(local.fix.is_some());
        assert!(by_server(&findings, "never-ran").is_empty());
        let all = serde_json::to_string(&findings.iter().map(|f| &f.diagnosis).collect::<Vec<_>>())
            .expect("json");
        assert!(
            !all.contains("hunter2") && !all.contains("tools/call"),
            "{all}"
        );

        // NAME: only that server's journal.
        let only = check_journals(dir, &[("local", None)]);
        assert_eq!(only.len(), 1, "{only:?}");
        assert_eq!(only[0].diagnosis.server.as_deref(), Some("local"));

        // A failure older than the window is one when it is the server's last news.
        let stale = tmp.path().join("stale");
        std::fs::create_dir_all(&stale).expect("dir");
        append(
            &journal::journal_path(&stale, "s"),
            old_event_line("s", four_days, codes::TLS_ERROR, "bad certificate").as_bytes(),
        );
        let found = check_journals(&stale, &[("s", None)]);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].diagnosis.code, codes::TLS_ERROR);
    }

    #[test]
    fn the_doctor_reads_the_journals_of_the_servers_it_checks_and_says_each_failure_once() {
        let tmp = tempfile::tempdir().expect("tmp");
        let config = tmp.path().join("claude_desktop_config.json");
        std::fs::write(
            &config,
            r#"{"mcpServers": {
                "a": {"command": "sh", "args": ["-c", "exit 0"]},
                "b": {"command": "sh", "args": ["-c", "exit 0"]},
                "c": {"command": "sh", "args": ["-c", "exit 0"]},
                "ws": {"url": "wss://example.com/mcp"}
            }}"#,
        )
        .expect("config");
        let journals = tmp.path().join("journal");
        let error = journal::Level::Error;
        journal_events(
            &journals,
            "a",
            &[(
                error,
                codes::AUTH_REQUIRED,
                "remote server at https://a.example/mcp needs a sign-in (HTTP 401)",
            )],
        );
        journal_events(
            &journals,
            "b",
            &[(
                error,
                codes::CONNECTION_REFUSED,
                "nothing listens at 127.0.0.1:9",
            )],
        );
        journal_events(
            &journals,
            "ws",
            &[(
                error,
                codes::WEBSOCKET_URL,
                "the bridge did not start: wss://example.com/mcp is a WebSocket URL",
            )],
        );
        // Claude's log says a's 401 too, c's refusal, and the failure of a server the config no
        // longer has (its journal as well).
        journal_events(
            &journals,
            "gone",
            &[(
                error,
                codes::CONNECTION_REFUSED,
                "nothing listens at 127.0.0.1:9",
            )],
        );
        let logs = tmp.path().join("logs");
        std::fs::create_dir_all(&logs).expect("logs");
        std::fs::write(
            logs.join("mcp.log"),
            "2026-11-24T10:02:00.000Z [a] [error] Error: HTTP 401 Unauthorized\n\
             2026-11-24T10:02:01.000Z [c] [error] connect ECONNREFUSED 127.0.0.1:9\n\
             2026-11-24T10:02:02.000Z [gone] [error] spawn uvx ENOENT\n",
        )
        .expect("log");

        let location = ConfigLocation {
            path: config.clone(),
            source: ConfigSource::Flag,
            also_present: Vec::new(),
        };
        let file = ConfigFile::new(&config, tmp.path().join("data"));
        let resolver = CommandResolver::new(crate::supervise::LoginShellPath::Never);
        let run = |only: Option<&str>| {
            let opts = DoctorOptions {
                only: only.map(str::to_owned),
                probe: false,
                probe_timeout: Duration::from_secs(5),
                logs_dir: Some(logs.clone()),
                journal_dir: Some(journals.clone()),
                exe: std::path::PathBuf::from(EXE),
                stop: None,
                on_probed: None,
            };
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime")
                .block_on(examine(&location, &file, &resolver, &opts))
                .findings
        };
        let summaries = |findings: &[Finding], server: &str| -> Vec<(String, String)> {
            by_server(findings, server)
                .into_iter()
                .map(|d| (d.code.clone(), d.summary.clone()))
                .collect()
        };

        let all = run(None);
        // a: the journal's 401, not Claude's as well.
        let a = summaries(&all, "a");
        assert_eq!(a.len(), 1, "{all:?}");
        assert_eq!(a[0].0, codes::AUTH_REQUIRED);
        assert!(a[0].1.contains("MCP Tray's journal"), "{a:?}");
        // b: its journal; c, whose refusal only Claude logged: Claude's log.
        assert_eq!(summaries(&all, "b")[0].0, codes::CONNECTION_REFUSED);
        let c = summaries(&all, "c");
        assert!(c.len() == 1 && c[0].1.contains("Claude's log"), "{c:?}");
        // ws: the config check tells the WebSocket URL as it stands now, once.
        let ws = summaries(&all, "ws");
        assert_eq!(ws.len(), 1, "{ws:?}");
        assert_eq!(ws[0].0, codes::WEBSOCKET_URL);
        assert!(!ws[0].1.contains("journal"), "{ws:?}");
        // gone: not in the config, so not a finding about it.
        assert!(summaries(&all, "gone").is_empty(), "{all:?}");

        // NAME: that server's journal alone (Claude's log too, as before).
        let only_b = run(Some("b"));
        assert!(
            only_b
                .iter()
                .all(|f| f.diagnosis.server.as_deref() == Some("b")),
            "{only_b:?}"
        );
        assert_eq!(only_b.len(), 1, "{only_b:?}");
    }

    #[test]
    fn urls_are_shown_with_their_secrets_masked_and_fixed_with_their_real_values() {
        let d = doc(r#"{"mcpServers": {
            "mr": {"command": "npx", "args": ["-y", "mcp-remote", "https://user:s3cretpw@example.com/mcp?token=tok3n"]},
            "u": {"url": "https://example.com/mcp?api_key=zzzkey"},
            "ws": {"url": "wss://me:s3cretpw@example.com/ws?token=tok3n"},
            "wsbridge": {"command": "npx", "args": ["mcp-remote", "wss://me:s3cretpw@example.com/ws"]},
            "unknown": {"command": "npx", "args": ["mcp-remote", "https://x.dev/mcp", "--api-key=sk-unknown1"]},
            "spaced": {"url": "https://me:s3cretpw@exa mple.com/mcp"}
        }}"#);
        let findings = check_document(&d, Path::new(EXE));
        let shown = serde_json::to_string(&findings).expect("json");
        for secret in ["s3cretpw", "tok3n", "zzzkey", "sk-unknown1"] {
            assert!(!shown.contains(secret), "{secret}: {shown}");
        }
        // Masked as `list` masks them: the rest of the URL as written.
        assert_eq!(
            finding_of(&findings, "mr").diagnosis.detail,
            "remote server https://user:••••••@example.com/mcp?token=••••••"
        );
        assert_eq!(
            finding_of(&findings, "u").diagnosis.detail,
            "https://example.com/mcp?api_key=•••••• is never contacted"
        );
        assert_eq!(
            finding_of(&findings, "ws").diagnosis.summary,
            "wss://me:••••••@example.com/ws?token=•••••• is a WebSocket URL"
        );
        // What `--fix` writes is the real URL.
        for (server, url) in [
            ("mr", "https://user:s3cretpw@example.com/mcp?token=tok3n"),
            ("u", "https://example.com/mcp?api_key=zzzkey"),
        ] {
            let Some(Edit::Update { entry, .. }) = &finding_of(&findings, server).edit else {
                panic!("{server}: an update")
            };
            assert_eq!(entry["args"][1], url, "{server}");
        }
    }

    #[test]
    fn a_plain_http_url_entry_is_told_the_commands_that_run_it_not_a_flag_doctor_lacks() {
        let d = doc(r#"{"mcpServers": {
            "u3": {"type": "http", "url": "http://10.0.0.5/mcp"},
            "h": {"type": "sse", "url": "http://me:s3cretpw@10.0.0.6/sse?token=tok3n", "headers": {"Authorization": "Bearer s3cret", "X-Team": "blue"}},
            "my lan": {"url": "http://10.0.0.7/mcp"}
        }}"#);
        let findings = check_document(&d, Path::new(EXE));
        let u3 = finding_of(&findings, "u3");
        assert_eq!(u3.diagnosis.code, codes::URL_ENTRY_UNSUPPORTED);
        assert!(!u3.fixable && u3.edit.is_none());
        assert!(
            u3.diagnosis.detail.starts_with(
                "http://10.0.0.5/mcp is never contacted, and it is plain HTTP on a remote host"
            ),
            "{u3:?}"
        );
        let fix = fix_of(u3);
        assert!(!fix.contains("pass --allow-http"), "{fix}");
        assert!(fix.contains("https://"), "{fix}");
        assert!(fix.contains("`mcp-tray remove u3`"), "{fix}");
        assert!(
            fix.contains(
                "`mcp-tray add u3 --url http://10.0.0.5/mcp --transport http --allow-http`"
            ),
            "{fix}"
        );
        // The secrets of the command line to run are masked, and said to be.
        let fix = fix_of(finding_of(&findings, "h"));
        assert!(
            fix.contains(
                "`mcp-tray add h --url \"http://me:••••••@10.0.0.6/sse?token=••••••\" \
                 --transport sse --header \"Authorization: ••••••\" --header \"X-Team: blue\" \
                 --allow-http`"
            ),
            "{fix}"
        );
        assert!(fix.contains("••••••"), "{fix}");
        let shown = serde_json::to_string(&findings).expect("json");
        for secret in ["s3cret", "tok3n"] {
            assert!(!shown.contains(secret), "{secret}: {shown}");
        }
        // A name that needs quotes is quoted.
        assert!(
            fix_of(finding_of(&findings, "my lan")).contains("`mcp-tray remove \"my lan\"`"),
            "{findings:?}"
        );
        // The app names no command nor flag.
        let app = check_entry_in(Audience::App, &d.servers[0], Path::new(EXE));
        let fix = fix_of(&app[0]);
        assert!(!fix.contains("mcp-tray") && !fix.contains("--"), "{fix}");
    }

    #[test]
    fn masking_the_mcp_remote_notes_keeps_the_words_the_app_says_in_its_own() {
        use crate::config::mcp_remote::{
            GIVEN_AS_CA_CERT, HEADERS_AS_ARGS, PROXY_IN_ENV, REPLY_TIMEOUT,
        };
        let d = doc(r#"{"mcpServers": {
            "file": {"command": "npx", "args": ["mcp-remote", "https://x.dev/mcp", "--header-file", "h.txt"]},
            "ca": {"command": "npx", "args": ["mcp-remote", "https://x.dev/mcp"], "env": {"NODE_EXTRA_CA_CERTS": "/no/such/ca.pem"}},
            "notes": {"command": "npx", "args": ["mcp-remote", "https://x.dev/mcp", "--connect-timeout", "5"], "env": {"HTTPS_PROXY": "http://proxy:8080"}}
        }}"#);
        let findings = check_document(&d, Path::new(EXE));
        assert!(fix_of(finding_of(&findings, "file")).contains(HEADERS_AS_ARGS));
        assert!(fix_of(finding_of(&findings, "ca")).contains(GIVEN_AS_CA_CERT));
        let notes = fix_of(finding_of(&findings, "notes"));
        assert!(
            notes.contains(REPLY_TIMEOUT) && notes.contains(PROXY_IN_ENV),
            "{notes}"
        );
    }

    /// [`examine`] of `config` (no probe, no logs), its history in `data`.
    fn examine_file(config: &Path, data: &Path) -> Vec<Finding> {
        let location = ConfigLocation {
            path: config.to_owned(),
            source: ConfigSource::Flag,
            also_present: Vec::new(),
        };
        let file = ConfigFile::new(config, data);
        let resolver = CommandResolver::new(crate::supervise::LoginShellPath::Never);
        let opts = DoctorOptions {
            only: None,
            probe: false,
            probe_timeout: Duration::from_secs(5),
            logs_dir: None,
            journal_dir: None,
            exe: std::path::PathBuf::from(EXE),
            stop: None,
            on_probed: None,
        };
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime")
            .block_on(examine(&location, &file, &resolver, &opts))
            .findings
    }

    /// An argument read with its backslashes as escapes is said by the entry's check; the command
    /// being missing too is still said by the command's.
    #[test]
    fn a_missing_command_is_said_beside_an_argument_read_as_escapes() {
        let d = doc(r#"{"mcpServers": {
            "both": {"command": "no-such-program-mcp-tray-test", "args": ["D:\tools\build.js"]},
            "cmd": {"command": "C:\nodejs\node.exe"}
        }}"#);
        let resolver = CommandResolver::new(crate::supervise::LoginShellPath::Never);
        let codes = |name: &str| codes_of(&check_command(d.server(name).expect(name), &resolver));
        assert_eq!(codes("both"), ["command-not-found"]);
        // Said once, by the entry's check, with its fix.
        assert!(codes("cmd").is_empty(), "{:?}", codes("cmd"));
    }

    /// `doctor --fix` after its probes: an entry the user edited while they ran is not written
    /// over with the fix worked out from the entry as it was; an entry left as it was is fixed.
    #[test]
    fn a_fix_is_not_written_over_an_entry_edited_since_the_doctor_examined_it() {
        let tmp = tempfile::tempdir().expect("tmp");
        let config = tmp.path().join("claude_desktop_config.json");
        let data = tmp.path().join("data");
        let file = ConfigFile::new(&config, &data);
        let old = r#"{"mcpServers": {"old": {"command": "npx", "args": ["-y", "mcp-remote", "https://mcp.atlassian.com/v1/sse"]}}}"#;
        std::fs::write(&config, old).expect("config");
        let findings = examine_file(&config, &data);
        assert!(
            findings
                .iter()
                .any(|f| f.fixable && f.diagnosis.code == codes::MCP_REMOTE_REPLACEABLE),
            "{findings:?}"
        );
        // Meanwhile, the user gives the entry a token.
        let edited = old.replace(r#"]}}}"#, r#"], "env": {"TOKEN": "mine"}}}}"#);
        std::fs::write(&config, &edited).expect("edit");
        let err = apply_fixes(&file, &findings).expect_err("refused");
        assert!(matches!(err, ConfigError::ChangedSince(_)), "{err}");
        assert!(
            err.to_string()
                .contains("changed after the doctor examined it"),
            "{err}"
        );
        assert_eq!(std::fs::read_to_string(&config).expect("read"), edited);

        // Examined again, as it is now: fixed, the token kept.
        let findings = examine_file(&config, &data);
        apply_fixes(&file, &findings)
            .expect("fixed")
            .expect("a fix");
        let fixed = std::fs::read_to_string(&config).expect("read");
        assert!(
            !fixed.contains("mcp-remote") && fixed.contains("mine"),
            "{fixed}"
        );
    }

    #[test]
    fn a_config_that_does_not_parse_is_offered_undo_only_when_undo_would_put_a_file_back() {
        const BROKEN: &str =
            "{\n  \"mcpServers\": {\n    \"a\": {\"command\": \"/bin/true\"},\n  }\n}\n";
        let tmp = tempfile::tempdir().expect("tmp");
        let config = tmp.path().join("claude_desktop_config.json");
        let data = tmp.path().join("data");
        let file = ConfigFile::new(&config, &data);
        let bad_json_fix = |findings: &[Finding]| {
            let [f] = findings else {
                panic!("one finding: {findings:?}")
            };
            assert_eq!(f.diagnosis.code, codes::BAD_JSON_CONFIG);
            fix_of(f).to_owned()
        };

        // A file MCP Tray never edited: nothing in the history to put back.
        std::fs::write(&config, BROKEN).expect("config");
        let fix = bad_json_fix(&examine_file(&config, &data));
        assert!(fix.contains("line 3, column"), "{fix}");
        assert!(!fix.contains("undo"), "{fix}");
        assert!(file.undo(true, None).is_err(), "nothing to undo");

        // MCP Tray edited it, then it was broken by hand: undo --force puts back the file as it
        // was before that edit.
        std::fs::write(&config, "{\"mcpServers\": {}}\n").expect("config");
        let added = serde_json::json!({"command": "/bin/true"});
        file.apply(&Edit::Add {
            name: "a".into(),
            entry: added,
        })
        .expect("add");
        std::fs::write(&config, BROKEN).expect("config");
        let fix = bad_json_fix(&examine_file(&config, &data));
        assert!(fix.contains("`mcp-tray undo --force`"), "{fix}");
        assert!(fix.contains("\"add a\""), "{fix}");
        file.undo(true, None).expect("undo --force");
        assert_eq!(
            std::fs::read_to_string(&config).expect("config"),
            "{\"mcpServers\": {}}\n"
        );

        // Every edit undone already: nothing left that undo would put back.
        std::fs::write(&config, BROKEN).expect("config");
        let fix = bad_json_fix(&examine_file(&config, &data));
        assert!(!fix.contains("undo"), "{fix}");
        assert!(file.undo(true, None).is_err(), "nothing to undo");

        // An edit that created the file: undo removes it, and says so.
        std::fs::remove_file(&config).expect("remove");
        file.apply(&Edit::Add {
            name: "b".into(),
            entry: serde_json::json!({"command": "/bin/true"}),
        })
        .expect("add");
        std::fs::write(&config, BROKEN).expect("config");
        let fix = bad_json_fix(&examine_file(&config, &data));
        assert!(
            fix.contains("(\"add b\"), which created the file, with `mcp-tray undo --force`: it removes the file"),
            "{fix}"
        );

        // A record newer than that edit that cannot be read: undo refuses, so it is not offered.
        let history = std::fs::read_dir(data.join("configs"))
            .expect("configs")
            .filter_map(Result::ok)
            .map(|e| e.path().join("history"))
            .find(|h| h.is_dir())
            .expect("a history folder");
        std::fs::write(history.join("999999.meta.json"), "{not json").expect("damaged");
        let fix = bad_json_fix(&examine_file(&config, &data));
        assert!(!fix.contains("undo"), "{fix}");
        assert!(file.undo(true, None).is_err(), "a damaged record");
    }

    #[test]
    fn env_references_are_found() {
        assert_eq!(env_refs("Bearer ${TOKEN} and ${B_2}"), ["TOKEN", "B_2"]);
        assert_eq!(
            written_refs(
                "${A_1} $HOME/notes %AppData%\\x %ProgramFiles%",
                Filled::NONE
            ),
            ["${A_1}", "$HOME", "%AppData%", "%ProgramFiles%"]
        );
        let shell = Filled {
            dollar: true,
            percent: false,
        };
        assert_eq!(
            written_refs("${A_1} $HOME/notes %TEMP%", shell),
            ["${A_1}", "%TEMP%"]
        );
        for none in [
            "costs $5",
            "^foo$",
            "$x",
            "50% of 10%",
            "%d%",
            "$HOMEx_y",
            "a$",
            "%%",
            "https://x.dev/caf%C3%A9%20%APPDATA%",
            "Hello%C2%A0WORLD%21",
        ] {
            assert!(written_refs(none, Filled::NONE).is_empty(), "{none}");
        }
        assert!(env_refs("${} ${not valid}").is_empty());
    }

    /// 20 servers that each take a second to answer, probed by one doctor run: never more than
    /// [`PROBES_AT_ONCE`] run together (each writes `+` to a shared file as it starts and `-` as
    /// it answers), and every one passes within a timeout shorter than the whole run, which it
    /// would miss if its clock started with the doctor's rather than with its own probe.
    #[cfg(unix)]
    #[test]
    fn servers_are_probed_a_few_at_a_time_each_timed_from_its_own_start() {
        const SERVERS: usize = 20;
        let tmp = tempfile::tempdir().expect("tmp");
        let log = tmp.path().join("running.log");
        let script = tmp.path().join("slow_server.sh");
        std::fs::write(
            &script,
            r#"echo + >> "$RUNNING_LOG"
read -r request
sleep 1
echo - >> "$RUNNING_LOG"
printf '%s\n' '{"jsonrpc":"2.0","id":1,"result":{"protocolVersion":"2025-11-25","capabilities":{},"serverInfo":{"name":"slow","version":"1"}}}'
cat > /dev/null
"#,
        )
        .expect("script");
        let servers: serde_json::Map<String, Value> = (0..SERVERS)
            .map(|i| {
                let entry = serde_json::json!({
                    "command": "/bin/sh",
                    "args": [script.to_str().expect("UTF-8 path")],
                    "env": {"RUNNING_LOG": log.to_str().expect("UTF-8 path")},
                });
                (format!("s{i:02}"), entry)
            })
            .collect();
        let config = tmp.path().join("claude_desktop_config.json");
        std::fs::write(
            &config,
            serde_json::to_vec(&serde_json::json!({"mcpServers": servers})).expect("json"),
        )
        .expect("config");
        let location = ConfigLocation {
            path: config.clone(),
            source: ConfigSource::Flag,
            also_present: Vec::new(),
        };
        let file = ConfigFile::new(&config, tmp.path().join("data"));
        let resolver = CommandResolver::new(crate::supervise::LoginShellPath::Never);
        let opts = DoctorOptions {
            only: None,
            probe: true,
            // Four rounds of a second each: the last answers well after 3 s of the run.
            probe_timeout: Duration::from_secs(3),
            logs_dir: None,
            journal_dir: None,
            exe: std::path::PathBuf::from(EXE),
            stop: None,
            on_probed: None,
        };
        let report = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime")
            .block_on(examine(&location, &file, &resolver, &opts));

        let marks = std::fs::read_to_string(&log).expect("the servers' log");
        let (mut running, mut most) = (0_i32, 0_i32);
        for mark in marks.lines() {
            running += if mark == "+" { 1 } else { -1 };
            most = most.max(running);
        }
        assert_eq!(marks.lines().count(), 2 * SERVERS, "{marks}");
        assert!(
            most <= PROBES_AT_ONCE as i32,
            "{most} servers ran at once, more than {PROBES_AT_ONCE}"
        );
        assert!(most > 1, "the probes ran one after the other");
        let failed: Vec<_> = report.findings.iter().map(|f| &f.diagnosis).collect();
        assert!(failed.is_empty(), "{failed:#?}");
        // Reported in the config's order, whichever finished first.
        let targets: Vec<&str> = report.probes.iter().map(|p| &p.target[..3]).collect();
        let names: Vec<String> = (0..SERVERS).map(|i| format!("s{i:02}")).collect();
        assert_eq!(targets, names);
        assert!(report.probes.iter().all(|p| p.ok));
    }
}
