//! What is wrong with each server's config entry, as the Servers view lists it under the row, and
//! the one-click Fix for the findings that are pure config edits.
//!
//! The checks are core doctor's config-only ones ([`doctor::check_config_only`]): keys written
//! twice, each entry on its own, whether its command can be found and whether the Node.js a server
//! would run on is recent enough. A finding about the whole
//! file (`"mcpServers"` written twice) has no server: the view shows it above the list, since the
//! copy Claude reads may hold no server to show it under. They start no server and read no log (the login shell
//! is asked for its PATH once per run, by one shared resolver, and Node.js for its version once
//! per binary), so the view can
//! ask again after every change. A Fix goes through [`doctor::apply_fixes`], that is the config
//! engine (minimal edit, backup, undoable like any other change). This module must never check an
//! entry itself nor write the file itself, and never shows an env value (the doctor names them).

use mcp_tray_core::diagnose::{Audience, Severity, message_in};
use mcp_tray_core::doctor::{self, Finding};
use mcp_tray_core::paths;
use serde::Serialize;
use specta::Type;

use crate::commands::off_main;
use crate::error::CommandError;
use crate::in_use::{command_resolver, config_file};
use crate::server_actions::ChangeDone;

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Type)]
#[serde(rename_all = "lowercase")]
pub enum FindingSeverity {
    Info,
    Warning,
    Error,
}

impl From<Severity> for FindingSeverity {
    fn from(severity: Severity) -> Self {
        match severity {
            Severity::Info => FindingSeverity::Info,
            Severity::Warning => FindingSeverity::Warning,
            Severity::Error => FindingSeverity::Error,
        }
    }
}

/// One finding about one server's entry, or about the whole config file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ServerFinding {
    /// The server; `None` for a finding about the whole file (shown above the server list).
    pub server: Option<String>,
    /// A stable diagnosis code (`url-entry-unsupported`, `missing-env`…).
    pub code: String,
    pub severity: FindingSeverity,
    /// What is wrong, in a sentence.
    pub summary: String,
    /// More detail (the URL, the command looked up); may be empty.
    pub detail: String,
    /// What to do about it.
    pub fix: Option<String>,
    /// Whether [`fix_server_finding`] can fix it (a config edit).
    pub fixable: bool,
}

/// The config-only findings of every server in the config in use.
fn findings() -> Result<Vec<Finding>, CommandError> {
    let doc = config_file().read()?;
    Ok(doctor::check_config_only(
        Audience::App,
        &doc,
        command_resolver(),
        &paths::mcp_tray_exe(),
    ))
}

/// Each server's findings, the worst first within a server (servers in config order), after the
/// findings about the whole file.
#[tauri::command]
#[specta::specta]
pub async fn server_findings() -> Result<Vec<ServerFinding>, CommandError> {
    // The first command lookup may wait for the login shell.
    off_main(finding_views).await
}

fn finding_views() -> Result<Vec<ServerFinding>, CommandError> {
    let mut views: Vec<ServerFinding> = findings()?
        .into_iter()
        .map(|f| {
            let d = f.diagnosis;
            ServerFinding {
                server: d.server,
                code: d.code,
                severity: d.severity.into(),
                // The doctor said it in the app's words; what it took from elsewhere (a missing
                // command's advice, the mcp-remote migration's notes) says so here.
                summary: message_in(Audience::App, &d.summary),
                detail: message_in(Audience::App, &d.detail),
                fix: d.fix.map(|fix| message_in(Audience::App, &fix)),
                fixable: f.fixable,
            }
        })
        .collect();
    // Stable: the file's findings first, servers keep their config order, a server's findings go
    // worst first.
    let order: Vec<Option<String>> = views.iter().map(|v| v.server.clone()).collect();
    let first = |name: &Option<String>| match name {
        None => 0,
        Some(_) => {
            1 + order
                .iter()
                .position(|n| n == name)
                .unwrap_or(usize::MAX - 1)
        }
    };
    views.sort_by(|a, b| {
        first(&a.server)
            .cmp(&first(&b.server))
            .then(b.severity.cmp(&a.severity))
    });
    Ok(views)
}

/// Applies the fix of `server`'s finding `code` (`None`: the whole file's) in one undoable write;
/// answers what was done.
#[tauri::command]
#[specta::specta]
pub async fn fix_server_finding(
    server: Option<String>,
    code: String,
) -> Result<ChangeDone, CommandError> {
    off_main(move || fix(server.as_deref(), &code)).await
}

fn fix(server: Option<&str>, code: &str) -> Result<ChangeDone, CommandError> {
    let what = server.map_or_else(|| "the config file".to_owned(), |s| format!("\"{s}\""));
    let finding = findings()?
        .into_iter()
        .find(|f| f.fixable && f.diagnosis.server.as_deref() == server && f.diagnosis.code == code)
        .ok_or_else(|| CommandError {
            code: "no-fix".to_owned(),
            message: format!("{what} has no {code} finding MCP Tray can fix (any more)"),
        })?;
    let name = server.unwrap_or("the config file");
    match doctor::apply_fixes(&config_file(), &[finding])? {
        Some(fixed) => Ok(ChangeDone {
            done: format!("fixed {name} ({code})"),
            ..ChangeDone::of(fixed.outcome)
        }),
        None => Ok(ChangeDone {
            done: format!("nothing to fix in {name}"),
            history_id: None,
        }),
    }
}
