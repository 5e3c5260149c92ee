//! The commands behind "Add server": read what the user pasted (a URL, an `npx mcp-remote URL`
//! line or a JSON snippet), probe it the way Claude would start it, write it, and restart Claude.
//!
//! Thin adapters over `mcp_tray_core::config::snippet`, `probe` and `claude_restart`: parsing,
//! probing and writing are core's. This module must never build config entries or edit the file
//! itself, and never send env values (secrets) to the window.

use mcp_tray_core::config::change::set_bridge_option;
use mcp_tray_core::config::snippet::{parse_snippet_with, suggest_name_for_url};
use mcp_tray_core::config::{
    ConfigFile, Edit, EntryKind, ServerEntry, sets_own_path, tapped_entry,
};
use std::path::Path;

use mcp_tray_core::diagnose::{
    Audience, Diagnosis, codes, fix_for, fix_in, message_in, offers_sign_in,
};
use mcp_tray_core::probe::ProbeTarget;
use mcp_tray_core::{claude_restart, paths};
use serde::Serialize;
use specta::Type;

use crate::commands::{ServerSummary, off_main};
use crate::error::CommandError;
use crate::in_use::config_file;
use crate::server_actions::ChangeDone;
use crate::server_status::ServerWatch;

/// The Add flow's last finished test of each server it may write, by name: the entry as tested
/// (as it will be written) and what the test found. Writing that same entry makes the result the
/// new row's last test, so the row says what the user just saw, not "Never started".
static TESTED: std::sync::Mutex<
    std::collections::BTreeMap<String, (serde_json::Value, ProbeView)>,
> = std::sync::Mutex::new(std::collections::BTreeMap::new());

fn tested() -> std::sync::MutexGuard<
    'static,
    std::collections::BTreeMap<String, (serde_json::Value, ProbeView)>,
> {
    TESTED
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A diagnosis as the window shows it (mirrors `mcp_tray_core::diagnose::Diagnosis`).
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize, Type)]
pub struct DiagnosisView {
    pub code: String,
    /// `info`, `warning` or `error`.
    pub severity: String,
    pub server: Option<String>,
    pub summary: String,
    pub detail: String,
    pub fix: Option<String>,
    /// The server asked for a sign-in the app can do (OAuth in the browser): Sign in is offered.
    /// Not for credentials it offers no sign-in for, nor a 403 that refuses access.
    #[serde(default)]
    pub sign_in: bool,
}

impl From<&Diagnosis> for DiagnosisView {
    /// In the window's words, beside the server's own controls ([`DiagnosisView::shown_in`]).
    fn from(d: &Diagnosis) -> Self {
        DiagnosisView::shown_in(Audience::App, d)
    }
}

impl DiagnosisView {
    /// `d` in the words of `audience`, a place in the window: a fix core wrote for the command
    /// line ([`fix_for`]) becomes the window's ([`fix_in`]), naming the app's own fields and
    /// buttons rather than flags (and, in the Logs view, where such a button is), and the message
    /// loses the command line's advice ([`message_in`]).
    pub(crate) fn shown_in(audience: Audience, d: &Diagnosis) -> Self {
        let severity = serde_json::to_value(d.severity)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_else(|| "error".to_owned());
        // What happened, without the command line's advice: the fix says what to do here.
        let summary = message_in(audience, &d.summary);
        let fix = match fix_for(&d.code, &d.summary) {
            Some(cli) if d.fix.as_deref() == Some(cli) => {
                fix_in(audience, &d.code, &d.summary).map(str::to_owned)
            }
            _ => d.fix.as_deref().map(|fix| message_in(audience, fix)),
        };
        DiagnosisView {
            code: d.code.clone(),
            severity,
            server: d.server.clone(),
            summary,
            detail: message_in(audience, &d.detail),
            fix,
            sign_in: offers_sign_in(&d.code, &d.summary),
        }
    }
}

/// What a pasted text would add, before anything is written.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct AddPreview {
    /// The entries the text holds, named (a URL's name is suggested from its host).
    pub entries: Vec<ServerSummary>,
    /// Conversions made on the way (a `url` entry turned into a bridge entry…).
    pub notes: Vec<String>,
    /// Entries of a snippet of several that cannot be added, each with why: the others can.
    pub refused: Vec<String>,
    /// Names already used in the config (or by a disabled server).
    pub taken: Vec<String>,
}

/// What a probe of the pasted server found.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ProbeView {
    pub ok: bool,
    pub server_name: Option<String>,
    pub server_version: Option<String>,
    /// For remote servers: `streamable-http` or `sse`.
    pub transport: Option<String>,
    pub tools: Vec<ToolView>,
    pub diagnosis: Option<DiagnosisView>,
    pub stderr_tail: Vec<String>,
    pub total_ms: f64,
}

impl From<mcp_tray_core::probe::ProbeReport> for ProbeView {
    fn from(report: mcp_tray_core::probe::ProbeReport) -> Self {
        ProbeView {
            ok: report.ok,
            server_name: report.server_name,
            server_version: report.server_version,
            transport: report.transport,
            tools: report
                .tools
                .into_iter()
                .map(|t| ToolView {
                    name: t.name,
                    description: t.description,
                })
                .collect(),
            diagnosis: report.diagnosis.as_ref().map(DiagnosisView::from),
            stderr_tail: report.stderr_tail,
            total_ms: report.total_ms,
        }
    }
}

/// A tool a server offers.
#[derive(Debug, Clone, Serialize, Type)]
pub struct ToolView {
    pub name: String,
    pub description: Option<String>,
}

/// What "Add" wrote.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct AddOutcome {
    pub added: Vec<String>,
    /// The config file written.
    pub written: String,
    /// Whether this OS has a Claude Desktop the app can restart.
    pub restart_supported: bool,
    /// The local servers written to run through MCP Tray's tap (their traffic captured). A local
    /// server whose env sets its own PATH is written as it is.
    pub captured: Vec<String>,
    /// The change written, as the Servers view's bar names it (with Undo).
    pub change: ChangeDone,
}

/// What the form says about how MCP Tray runs the pasted servers, beside the text: how its bridge
/// reaches a remote server, and whether a local one runs through its tap.
#[derive(Debug, Clone, Default, serde::Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct RemoteOptions {
    /// The PEM file of a private CA the server's certificate is signed by (`--ca-cert`).
    pub ca_cert: Option<String>,
    /// Plain `http://` to a host other than this machine, allowed by the user (`--allow-http`).
    #[serde(default)]
    pub allow_http: bool,
    /// Local servers are written to run through MCP Tray's tap (`mcp-tray wrap`), so their traffic
    /// is captured and their command found with the login shell's PATH. Probes start them as they
    /// will be written: through the tap too.
    #[serde(default)]
    pub capture: bool,
}

/// `entry` as Add writes it when capture is asked for: run through MCP Tray's tap (`exe`), unless
/// it is not a local server or its env sets its own PATH (through the tap, the login shell's PATH
/// would come first); `None` when it is written as it is.
pub(crate) fn captured_entry(
    entry: &ServerEntry,
    capture: bool,
    exe: &Path,
) -> Option<ServerEntry> {
    let value = (capture && !sets_own_path(entry))
        .then(|| tapped_entry(entry, exe))
        .flatten()?;
    let raw = value.to_string();
    Some(ServerEntry::from_value(entry.name.clone(), value, raw))
}

/// What a test of an entry to add starts: the entry as it will be written, `tapped` when it will
/// run through MCP Tray's tap ([`captured_entry`]), so that what the test finds is what Claude
/// will meet (a banner on stdout, say, which the tap keeps out of Claude's way). Not written yet,
/// its tap journals nothing.
pub(crate) fn target_as_written(
    entry: &ServerEntry,
    tapped: Option<&ServerEntry>,
) -> Result<ProbeTarget, CommandError> {
    let target = match tapped {
        Some(tapped) => ProbeTarget::entry(tapped).map(ProbeTarget::unjournaled),
        None => ProbeTarget::entry(entry),
    };
    target.ok_or_else(|| CommandError {
        code: "not-startable".to_owned(),
        message: mcp_tray_core::probe::not_startable(entry),
    })
}

/// How many lines the server printed on stdout that are not JSON-RPC, which MCP Tray's tap moved
/// to stderr during a test (as far as the last lines of stderr tell): each would have broken the
/// server without the tap.
pub(crate) fn stdout_lines_moved(probe: &ProbeView) -> u32 {
    // The tap says each, as itself: `mcp-tray wrap [NAME]: [stdout-pollution] not forwarded …`.
    let said = format!("[{}] ", codes::STDOUT_POLLUTION);
    let moved = probe
        .stderr_tail
        .iter()
        .filter(|line| {
            line.strip_prefix("mcp-tray wrap [")
                .and_then(|rest| rest.split_once("]: "))
                .is_some_and(|(_, text)| text.starts_with(&said))
        })
        .count();
    u32::try_from(moved).unwrap_or(u32::MAX)
}

/// Whether `url` is plain `http://` to a host other than this machine: refused unless allowed.
pub(crate) fn is_plain_http(url: &str) -> bool {
    mcp_tray_core::bridge::check_url(url, false).is_err()
        && mcp_tray_core::bridge::check_url(url, true).is_ok()
}

/// The refusal of plain HTTP to another host, in the window's words (its own choice, no flag).
pub(crate) fn plain_http_refused() -> CommandError {
    CommandError {
        code: "plain-http".to_owned(),
        message: "This is a plain http:// address on another computer: headers and tokens would travel unencrypted. Use the server's https:// address, or choose Allow unencrypted HTTP.".to_owned(),
    }
}

/// The CA certificate file the user gave, checked now (readable, PEM, holding a certificate) so
/// that nothing is written that the bridge would refuse at every start; `None` for an empty field.
pub(crate) fn checked_ca_cert(path: &str) -> Result<Option<String>, CommandError> {
    let path = path.trim();
    if path.is_empty() {
        return Ok(None);
    }
    let bad = |message: String| CommandError {
        code: "bad-ca-cert".to_owned(),
        message,
    };
    let file = std::path::Path::new(path);
    if !file.is_absolute() {
        return Err(bad(format!(
            "give the CA certificate's full path, not {path:?}"
        )));
    }
    let pem = mcp_tray_core::transport::read_ca_file(file)
        .map_err(|e| bad(format!("the CA certificate {path} cannot be read: {e}")))?;
    mcp_tray_core::transport::ca_certificates(&pem)
        .map_err(|e| bad(format!("{path} is not a usable CA certificate: {e}")))?;
    Ok(Some(path.to_owned()))
}

/// What a pasted text holds: its entries, the conversions made, and (a snippet of several) the
/// entries that cannot be added, each with why.
#[derive(Debug)]
struct Found {
    entries: Vec<ServerEntry>,
    notes: Vec<String>,
    refused: Vec<String>,
}

fn entries(
    text: &str,
    name: Option<&str>,
    options: Option<&RemoteOptions>,
) -> Result<Found, CommandError> {
    let options = options.cloned().unwrap_or_default();
    let ca_cert = match &options.ca_cert {
        Some(path) => checked_ca_cert(path)?,
        None => None,
    };
    let name = name.map(str::trim).filter(|n| !n.is_empty());
    let exe = paths::mcp_tray_exe();
    let snippet = parse_snippet_with(text, name, &exe, options.allow_http).map_err(|e| {
        // Refused only for plain HTTP to another host: the window offers to allow it.
        if !options.allow_http && parse_snippet_with(text, name, &exe, true).is_ok() {
            return plain_http_refused();
        }
        CommandError {
            code: "bad-snippet".to_owned(),
            message: message_in(Audience::App, &e.to_string()),
        }
    })?;
    // One entry of several refused for plain HTTP to another host: the window offers to allow
    // it, as for a snippet of that one entry.
    if !options.allow_http
        && !snippet.refused.is_empty()
        && parse_snippet_with(text, name, &exe, true)
            .is_ok_and(|allowed| allowed.refused.len() < snippet.refused.len())
    {
        return Err(plain_http_refused());
    }
    let refused = snippet
        .refused
        .iter()
        .map(|(_, why)| message_in(Audience::App, why))
        .collect();
    let entries = snippet
        .entries
        .into_iter()
        .map(|(name, mut value)| {
            let bridged = matches!(
                ServerEntry::from_value(name.clone(), value.clone(), String::new()).kind,
                EntryKind::Remote { .. }
            );
            if let (true, Some(path), Some(obj)) = (bridged, &ca_cert, value.as_object_mut()) {
                set_bridge_option(obj, "--ca-cert", Some(path));
            }
            let raw = value.to_string();
            ServerEntry::from_value(name, value, raw)
        })
        .collect();
    Ok(Found {
        entries,
        notes: snippet.notes,
        refused,
    })
}

/// [`entries`], and a URL pasted alone whose name (from its host, no Name typed) is taken gets the
/// first free `NAME-2`, `NAME-3`…: a second address on one host (`local-18701`) is added beside
/// the first rather than refused for a name the user never chose. A name the text or the user gave
/// stays, taken or not (the window says so).
fn entries_named(
    text: &str,
    name: Option<&str>,
    options: Option<&RemoteOptions>,
    file: &ConfigFile,
) -> Result<Found, CommandError> {
    let found = entries(text, name, options)?;
    let url = text.trim();
    let url_alone = (url.starts_with("http://") || url.starts_with("https://"))
        && !url.contains(char::is_whitespace);
    let typed = name.is_some_and(|n| !n.trim().is_empty());
    let derived = match found.entries.as_slice() {
        [only] if url_alone && !typed && only.name == suggest_name_for_url(url) => &only.name,
        _ => return Ok(found),
    };
    let used = taken_names(file)?;
    if !used.contains(derived) {
        return Ok(found);
    }
    let free = (2..)
        .map(|n| format!("{derived}-{n}"))
        .find(|candidate| !used.contains(candidate))
        .unwrap_or_else(|| derived.clone());
    entries(text, Some(&free), options)
}

fn taken_names(file: &ConfigFile) -> Result<Vec<String>, CommandError> {
    let doc = file.read()?;
    let mut names: Vec<String> = doc.servers.iter().map(|s| s.name.clone()).collect();
    names.extend(file.disabled()?.into_iter().map(|d| d.name));
    Ok(names)
}

/// Reads a pasted text and says what it would add, with suggested names.
#[tauri::command]
#[specta::specta]
pub async fn preview_add(
    text: String,
    name: Option<String>,
    options: Option<RemoteOptions>,
) -> Result<AddPreview, CommandError> {
    off_main(move || preview(&text, name.as_deref(), options)).await
}

fn preview(
    text: &str,
    name: Option<&str>,
    options: Option<RemoteOptions>,
) -> Result<AddPreview, CommandError> {
    // The CA certificate is checked when the server is tested or added, not at each keystroke.
    let options = options.map(|mut o| {
        o.ca_cert = None;
        o
    });
    let file = config_file();
    let Found {
        entries,
        notes,
        refused,
    } = entries_named(text, name, options.as_ref(), &file)?;
    let used = taken_names(&file)?;
    let taken = entries
        .iter()
        .filter(|e| used.contains(&e.name))
        .map(|e| e.name.clone())
        .collect();
    Ok(AddPreview {
        entries: entries
            .iter()
            .map(|e| ServerSummary::from_entry(e, true))
            .collect(),
        notes,
        refused,
        taken,
    })
}

/// Starts a pasted server exactly as Claude would (a URL through MCP Tray's bridge) and asks it
/// for its tools. A text holding several servers is probed one `server` (by name) per call; the
/// window makes those calls all at once, under one `run` that `cancel_test` stops.
#[tauri::command]
#[specta::specta]
pub async fn probe_add(
    text: String,
    name: Option<String>,
    server: Option<String>,
    options: Option<RemoteOptions>,
    run: Option<u32>,
) -> Result<ProbeView, CommandError> {
    let Found { entries, .. } =
        entries_named(&text, name.as_deref(), options.as_ref(), &config_file())?;
    let entry = match (server, entries.as_slice()) {
        (None, [entry]) => entry,
        (None, _) => {
            return Err(CommandError {
                code: "not-one-server".to_owned(),
                message: format!(
                    "this text holds {} servers: say which one to test",
                    entries.len()
                ),
            });
        }
        (Some(server), _) => {
            entries
                .iter()
                .find(|e| e.name == server)
                .ok_or_else(|| CommandError {
                    code: "not-in-text".to_owned(),
                    message: format!("this text holds no server named \"{server}\""),
                })?
        }
    };
    // Tested as it will be written: through the tap when its traffic is to be captured.
    let capture = options.as_ref().is_some_and(|o| o.capture);
    let tapped = captured_entry(entry, capture, &paths::mcp_tray_exe());
    let target = target_as_written(entry, tapped.as_ref())?;
    let mut view = crate::test_runs::test(run, &target).await?;
    let written = tapped.as_ref().map_or(&entry.value, |t| &t.value);
    tested().insert(entry.name.clone(), (written.clone(), view.clone()));
    if let Some(d) = view.diagnosis.as_mut() {
        not_added_yet(d);
    }
    Ok(view)
}

/// A fix that sends to a server's Edit form, for a server not written yet: the form is there once
/// it is added.
fn not_added_yet(d: &mut DiagnosisView) {
    if let Some(fix) = d.fix.as_mut()
        && fix.contains("Edit form")
    {
        fix.push_str(" The Edit form is there once the server is added: Add anyway, then Edit.");
    }
}

/// Writes the pasted servers into Claude's config (one backed-up, undoable write).
#[tauri::command]
#[specta::specta]
pub async fn add_servers(
    text: String,
    name: Option<String>,
    options: Option<RemoteOptions>,
    watch: tauri::State<'_, ServerWatch>,
) -> Result<AddOutcome, CommandError> {
    let (outcome, written) =
        off_main(move || add(&text, name.as_deref(), options.as_ref())).await?;
    // Each server written as the Add flow last tested it takes that test as its row's last one.
    let mut tests = tested();
    for (name, value) in written {
        if let Some((_, view)) = tests.remove(&name).filter(|(tested, _)| *tested == value) {
            let entry = ServerEntry::from_value(name.clone(), value, String::new());
            watch.tested(&name, Some(&entry), &view);
        }
    }
    Ok(outcome)
}

/// Writes the servers; with the outcome, each one's name and entry as written.
fn add(
    text: &str,
    name: Option<&str>,
    options: Option<&RemoteOptions>,
) -> Result<(AddOutcome, Vec<(String, serde_json::Value)>), CommandError> {
    let file = config_file();
    let Found { entries, .. } = entries_named(text, name, options, &file)?;
    let used = taken_names(&file)?;
    if let Some(clash) = entries.iter().find(|e| used.contains(&e.name)) {
        return Err(CommandError {
            code: "name-taken".to_owned(),
            message: format!(
                "a server named \"{}\" already exists; choose another name",
                clash.name
            ),
        });
    }
    let names: Vec<String> = entries.iter().map(|e| e.name.clone()).collect();
    let capture = options.is_some_and(|o| o.capture);
    let mut captured = Vec::new();
    let exe = paths::mcp_tray_exe();
    let mut written = Vec::new();
    let edits: Vec<Edit> = entries
        .into_iter()
        .map(|e| {
            let entry = match captured_entry(&e, capture, &exe) {
                Some(tapped) => {
                    captured.push(e.name.clone());
                    tapped.value
                }
                None => e.value,
            };
            written.push((e.name.clone(), entry.clone()));
            Edit::Add {
                name: e.name,
                entry,
            }
        })
        .collect();
    let outcome = file.apply_all(&format!("add {}", names.join(", ")), &edits)?;
    let outcome = AddOutcome {
        added: names,
        written: outcome.written.display().to_string(),
        restart_supported: claude_restart::restart_supported(),
        captured,
        change: ChangeDone::of(outcome),
    };
    Ok((outcome, written))
}

/// Quits and relaunches Claude Desktop so it loads the new config.
#[tauri::command]
#[specta::specta]
pub async fn restart_claude() -> Result<(), CommandError> {
    tauri::async_runtime::spawn_blocking(claude_restart::restart_claude)
        .await
        .map_err(|e| CommandError {
            code: "restart-failed".to_owned(),
            message: e.to_string(),
        })?
        .map_err(|e| CommandError {
            code: match e {
                claude_restart::RestartError::Unsupported(_) => "restart-unsupported",
                claude_restart::RestartError::Failed(_) => "restart-failed",
            }
            .to_owned(),
            message: e.to_string(),
        })
}

#[cfg(test)]
mod tests {
    use mcp_tray_core::diagnose::{Severity, TAP_IN_A_TERMINAL, codes};
    use mcp_tray_core::probe::RAISE_TIMEOUT;

    use super::*;

    #[test]
    fn a_snippet_refused_in_the_window_names_no_command() {
        let err = entries("https://exa mple.com/mcp", None, None).expect_err("cut at a space");
        assert_eq!(err.code, "bad-snippet");
        assert_eq!(
            err.message,
            "the URL https://exa seems cut at a space (https://exa mple.com/mcp): a URL holds no \
             spaces; fix the snippet"
        );
    }

    #[test]
    fn one_bad_entry_of_several_is_shown_refused_and_the_others_can_be_added() {
        let found = entries(
            r#"{"mcpServers": {"fetch": {"command": "uvx", "args": ["mcp-server-fetch"]},
                "ws": {"url": "wss://example.com/mcp"}}}"#,
            None,
            None,
        )
        .expect("the good entry is read");
        let names: Vec<&str> = found.entries.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["fetch"]);
        assert_eq!(found.refused.len(), 1, "{:?}", found.refused);
        assert!(
            found.refused[0].contains("WebSocket"),
            "{:?}",
            found.refused
        );
    }

    #[test]
    fn one_entry_of_several_refused_for_plain_http_is_offered_to_allow_it() {
        let text = r#"{"mcpServers": {"fetch": {"command": "uvx", "args": ["mcp-server-fetch"]},
            "lan": {"url": "http://192.168.1.5:8000/mcp"}}}"#;
        let err = entries(text, None, None).expect_err("the window offers to allow it");
        assert_eq!(err.code, plain_http_refused().code);
        let allowed = RemoteOptions {
            allow_http: true,
            ..RemoteOptions::default()
        };
        let found = entries(text, None, Some(&allowed)).expect("allowed");
        assert_eq!(found.entries.len(), 2);
        assert!(found.refused.is_empty());
    }

    #[test]
    fn a_diagnosis_in_the_window_names_no_flag_or_command() {
        let shown = |code: &str, summary: &str, fix: String| {
            DiagnosisView::from(&Diagnosis::new(code, Severity::Error, summary).fix(fix))
        };
        let timeout = shown(
            codes::TIMEOUT,
            "no answer to initialize within 20 s",
            format!("a first start may download packages (npx, uvx): try again{RAISE_TIMEOUT}"),
        );
        assert_eq!(
            timeout.fix.as_deref(),
            Some("a first start may download packages (npx, uvx): try again")
        );
        let polluted = shown(
            codes::STDOUT_POLLUTION,
            "the server wrote something that is not JSON-RPC",
            format!(
                "servers must print logs to stderr; MCP Tray's tap (Capture traffic{TAP_IN_A_TERMINAL}) keeps such lines out of Claude's way"
            ),
        );
        let fix = polluted.fix.expect("fix");
        assert!(
            !fix.contains("mcp-tray ") && fix.contains("(Capture traffic)"),
            "{fix}"
        );
        // A fix core wrote for the command line becomes the app's own.
        let message = "initialize failed: remote server at https://x/mcp needs credentials it offers no sign-in for (HTTP 401): key; pass them with --header 'Name: value' (in the app: the Edit form's headers)";
        let cli = fix_for(codes::AUTH_REQUIRED, message).expect("fix");
        let refused = shown(codes::AUTH_REQUIRED, message, cli.to_owned());
        assert_eq!(
            refused.fix.as_deref(),
            fix_in(Audience::App, codes::AUTH_REQUIRED, message)
        );
        assert!(!refused.summary.contains("--"), "{}", refused.summary);
        // Before the server is added, a fix that sends to its Edit form says when it is there.
        let mut before = refused.clone();
        not_added_yet(&mut before);
        assert!(
            before
                .fix
                .as_deref()
                .is_some_and(|f| f.ends_with("once the server is added: Add anyway, then Edit.")),
            "{before:?}"
        );
        // Sign in is offered where the server asked for one, and not for a server that wants
        // credentials it offers no sign-in for.
        assert!(!refused.sign_in);
        let wants = |summary: &str| {
            DiagnosisView::from(&Diagnosis::new(
                codes::AUTH_REQUIRED,
                Severity::Error,
                summary,
            ))
            .sign_in
        };
        assert!(wants("sign-in required for linear"));
        assert!(!wants(
            "initialize failed: server refused access (HTTP 403): your IP is blocked"
        ));
    }
}
