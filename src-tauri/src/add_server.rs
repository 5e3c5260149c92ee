//! The commands behind "Add server": read what the user pasted (a URL, an `npx mcp-remote URL`
//! line or a JSON snippet), probe it the way Claude would start it, write it, and restart Claude.
//!
//! Thin adapters over `mcp_tray_core::config::snippet`, `probe` and `claude_restart`: parsing,
//! probing and writing are core's. This module must never build config entries or edit the file
//! itself, and never send env values (secrets) to the window.

use std::time::Duration;

use mcp_tray_core::config::snippet::parse_snippet;
use mcp_tray_core::config::{ConfigFile, Edit, ServerEntry};
use mcp_tray_core::diagnose::Diagnosis;
use mcp_tray_core::probe::{ProbeTarget, probe};
use mcp_tray_core::{claude_restart, paths};
use serde::Serialize;
use specta::Type;

use crate::commands::ServerSummary;
use crate::error::CommandError;
use crate::in_use::{command_resolver, config_file};

/// How long each step of a probe may take (start, initialize, tools/list…).
const PROBE_STEP_TIMEOUT: Duration = Duration::from_secs(20);

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
}

impl From<&Diagnosis> for DiagnosisView {
    fn from(d: &Diagnosis) -> Self {
        let severity = serde_json::to_value(d.severity)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_else(|| "error".to_owned());
        DiagnosisView {
            code: d.code.clone(),
            severity,
            server: d.server.clone(),
            summary: d.summary.clone(),
            detail: d.detail.clone(),
            fix: d.fix.clone(),
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
}

fn entries(
    text: &str,
    name: Option<&str>,
) -> Result<(Vec<ServerEntry>, Vec<String>), CommandError> {
    let name = name.map(str::trim).filter(|n| !n.is_empty());
    let snippet = parse_snippet(text, name, &paths::mcp_tray_exe()).map_err(|e| CommandError {
        code: "bad-snippet".to_owned(),
        message: e.to_string(),
    })?;
    let entries = snippet
        .entries
        .into_iter()
        .map(|(name, value)| {
            let raw = value.to_string();
            ServerEntry::from_value(name, value, raw)
        })
        .collect();
    Ok((entries, snippet.notes))
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
pub fn preview_add(text: String, name: Option<String>) -> Result<AddPreview, CommandError> {
    let (entries, notes) = entries(&text, name.as_deref())?;
    let used = taken_names(&config_file())?;
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
        taken,
    })
}

/// Starts a pasted server exactly as Claude would (a URL through MCP Tray's bridge) and asks it
/// for its tools. A text holding several servers is probed one `server` (by name) per call; the
/// window makes those calls all at once.
#[tauri::command]
#[specta::specta]
pub async fn probe_add(
    text: String,
    name: Option<String>,
    server: Option<String>,
) -> Result<ProbeView, CommandError> {
    let (entries, _) = entries(&text, name.as_deref())?;
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
    let target = ProbeTarget::entry(entry).ok_or_else(|| CommandError {
        code: "not-startable".to_owned(),
        message: format!("\"{}\" has no command Claude could start", entry.name),
    })?;
    let report = probe(&target, command_resolver(), PROBE_STEP_TIMEOUT).await;
    Ok(ProbeView::from(report))
}

/// Writes the pasted servers into Claude's config (one backed-up, undoable write).
#[tauri::command]
#[specta::specta]
pub fn add_servers(text: String, name: Option<String>) -> Result<AddOutcome, CommandError> {
    let (entries, _) = entries(&text, name.as_deref())?;
    let file = config_file();
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
    let edits: Vec<Edit> = entries
        .into_iter()
        .map(|e| Edit::Add {
            name: e.name,
            entry: e.value,
        })
        .collect();
    let outcome = file.apply_all(&format!("add {}", names.join(", ")), &edits)?;
    Ok(AddOutcome {
        added: names,
        written: outcome.written.display().to_string(),
        restart_supported: claude_restart::restart_supported(),
    })
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
