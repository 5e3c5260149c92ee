//! The Servers view's actions on one entry: enable, disable, remove, capture on/off (tap, untap),
//! test (probe), and undo of the last write.
//!
//! Adapters over `mcp_tray_core::config::ConfigFile`, which keeps every write minimal, atomic,
//! backed up and undoable (disabling moves the entry's exact bytes into MCP Tray's store, enabling
//! puts them back where they were). This module must never edit the file itself.

use mcp_tray_core::config::{Edit, EditOutcome};
use mcp_tray_core::paths;
use mcp_tray_core::probe::ProbeTarget;
use serde::Serialize;
use specta::Type;

use crate::add_server::ProbeView;
use crate::commands::off_main;
use crate::error::CommandError;
use crate::in_use::config_file;
use crate::server_status::ServerWatch;

/// A change written to the config: what was done, in words (`remove gamma`), and the history
/// entry it made, which Undo names so that it undoes this change and no later one.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ChangeDone {
    pub done: String,
    pub history_id: Option<u32>,
}

impl ChangeDone {
    pub(crate) fn of(outcome: EditOutcome) -> Self {
        ChangeDone {
            history_id: outcome.history_id.and_then(|id| u32::try_from(id).ok()),
            done: outcome.description,
        }
    }
}

/// Enables (puts back into Claude's config) or disables (keeps aside) a server; answers what was
/// done, in words.
#[tauri::command]
#[specta::specta]
pub async fn set_server_enabled(name: String, enabled: bool) -> Result<ChangeDone, CommandError> {
    off_main(move || set_enabled(&name, enabled)).await
}

fn set_enabled(name: &str, enabled: bool) -> Result<ChangeDone, CommandError> {
    let file = config_file();
    let outcome = if enabled {
        file.enable(name)?
    } else {
        file.disable(name)?
    };
    Ok(ChangeDone::of(outcome))
}

/// Removes a server from Claude's config, or a disabled one from MCP Tray's store (a backup is
/// kept either way; [`undo_last_change`] brings it back).
#[tauri::command]
#[specta::specta]
pub async fn remove_server(name: String) -> Result<ChangeDone, CommandError> {
    off_main(move || remove(name)).await
}

fn remove(name: String) -> Result<ChangeDone, CommandError> {
    let file = config_file();
    let doc = file.read()?;
    if doc.server(&name).is_none() && file.disabled()?.iter().any(|d| d.name == name) {
        return Ok(ChangeDone::of(file.forget_disabled(&name)?));
    }
    Ok(ChangeDone::of(file.apply(&Edit::Remove { name })?))
}

/// Removes the byte-order mark the config file starts with, which Claude Desktop cannot read
/// (one undoable write; nothing else changes).
#[tauri::command]
#[specta::specta]
pub async fn remove_config_bom() -> Result<ChangeDone, CommandError> {
    off_main(|| Ok(ChangeDone::of(config_file().remove_bom()?))).await
}

/// Converts a config file saved as UTF-16, which Claude Desktop cannot read, to UTF-8 (one
/// undoable write; the same characters).
#[tauri::command]
#[specta::specta]
pub async fn convert_config_to_utf8() -> Result<ChangeDone, CommandError> {
    off_main(|| Ok(ChangeDone::of(config_file().convert_to_utf8()?))).await
}

/// Writes twice the single backslashes of the Windows paths typed into the config file
/// (`C:\Program Files\…`), which make it no JSON Claude Desktop can read: only in the strings
/// that hold a backslash JSON cannot read, one undoable write; nothing else changes.
#[tauri::command]
#[specta::specta]
pub async fn double_config_backslashes() -> Result<ChangeDone, CommandError> {
    off_main(|| Ok(ChangeDone::of(config_file().double_backslashes()?))).await
}

/// Undoes the last change MCP Tray made to the config file; answers what was undone. With
/// `expected` (the history entry the Undo bar names), refuses when a later change came since, so
/// that Undo never undoes a change other than the one it names.
#[tauri::command]
#[specta::specta]
pub async fn undo_last_change(expected: Option<u32>) -> Result<String, CommandError> {
    off_main(move || undo(expected)).await
}

fn undo(expected: Option<u32>) -> Result<String, CommandError> {
    let file = config_file();
    if let Some(expected) = expected {
        let newest = file
            .history()?
            .into_iter()
            .find(|h| !h.undone && !h.op.starts_with("undo "));
        if newest.as_ref().map(|h| h.id) != Some(u64::from(expected)) {
            return Err(CommandError {
                code: "changed-since".to_owned(),
                message: match newest {
                    Some(h) => format!(
                        "Nothing was undone: another change came after it ({}).",
                        h.op
                    ),
                    None => "Nothing was undone: this change was undone already.".to_owned(),
                },
            });
        }
    }
    let (entry, _) = file.undo(false, expected.map(u64::from))?;
    Ok(entry.op)
}

/// Turns traffic capture on (`tap`: the entry runs through `mcp-tray wrap`) or off (`untap`: the
/// original entry comes back byte for byte).
#[tauri::command]
#[specta::specta]
pub async fn set_server_captured(name: String, captured: bool) -> Result<ChangeDone, CommandError> {
    off_main(move || set_captured(&name, captured)).await
}

fn set_captured(name: &str, captured: bool) -> Result<ChangeDone, CommandError> {
    let file = config_file();
    let outcome = if captured {
        file.tap(name, &paths::mcp_tray_exe())?
    } else {
        file.untap(name)?
    };
    Ok(ChangeDone::of(outcome))
}

/// Starts a server of the config exactly as Claude would and lists its tools, or says why not.
/// `cancel_test(run)` stops it, and the server it started.
#[tauri::command]
#[specta::specta]
pub async fn test_server(
    name: String,
    run: Option<u32>,
    watch: tauri::State<'_, ServerWatch>,
) -> Result<ProbeView, CommandError> {
    let doc = config_file().read()?;
    let entry = doc.server(&name).ok_or_else(|| CommandError {
        code: "no-such-server".to_owned(),
        message: format!("no server named \"{name}\" in Claude's config"),
    })?;
    let target = ProbeTarget::entry(entry).ok_or_else(|| CommandError {
        code: "not-startable".to_owned(),
        message: mcp_tray_core::probe::not_startable(entry),
    })?;
    crate::test_runs::test_as(run, &target, &name, entry, &watch).await
}
