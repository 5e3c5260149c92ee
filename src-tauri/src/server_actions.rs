//! The Servers view's actions on one entry: enable, disable, remove, capture on/off (tap, untap),
//! test (probe), and undo of the last write.
//!
//! Adapters over `mcp_tray_core::config::ConfigFile`, which keeps every write minimal, atomic,
//! backed up and undoable (disabling moves the entry's exact bytes into MCP Tray's store, enabling
//! puts them back where they were). This module must never edit the file itself.

use std::time::Duration;

use mcp_tray_core::config::Edit;
use mcp_tray_core::paths;
use mcp_tray_core::probe::{ProbeTarget, probe_observed};

use crate::add_server::ProbeView;
use crate::error::CommandError;
use crate::in_use::{command_resolver, config_file};
use crate::server_status::ServerWatch;

/// How long each step of a test may take.
const PROBE_STEP_TIMEOUT: Duration = Duration::from_secs(20);

/// Enables (puts back into Claude's config) or disables (keeps aside) a server; answers what was
/// done, in words.
#[tauri::command]
#[specta::specta]
pub fn set_server_enabled(name: String, enabled: bool) -> Result<String, CommandError> {
    let file = config_file();
    let outcome = if enabled {
        file.enable(&name)?
    } else {
        file.disable(&name)?
    };
    Ok(outcome.description)
}

/// Removes a server from Claude's config (a backup is kept; [`undo_last_change`] brings it back).
#[tauri::command]
#[specta::specta]
pub fn remove_server(name: String) -> Result<String, CommandError> {
    let file = config_file();
    let doc = file.read()?;
    if doc.server(&name).is_none() && file.disabled()?.iter().any(|d| d.name == name) {
        file.forget_disabled(&name)?;
        return Ok(format!("remove disabled {name}"));
    }
    Ok(file.apply(&Edit::Remove { name })?.description)
}

/// Undoes the last change MCP Tray made to the config file; answers what was undone.
#[tauri::command]
#[specta::specta]
pub fn undo_last_change() -> Result<String, CommandError> {
    let (entry, _) = config_file().undo(false)?;
    Ok(entry.op)
}

/// Turns traffic capture on (`tap`: the entry runs through `mcp-tray wrap`) or off (`untap`: the
/// original entry comes back byte for byte).
#[tauri::command]
#[specta::specta]
pub fn set_server_captured(name: String, captured: bool) -> Result<String, CommandError> {
    let file = config_file();
    let outcome = if captured {
        file.tap(&name, &paths::mcp_tray_exe())?
    } else {
        file.untap(&name)?
    };
    Ok(outcome.description)
}

/// Starts a server of the config exactly as Claude would and lists its tools, or says why not.
#[tauri::command]
#[specta::specta]
pub async fn test_server(
    name: String,
    watch: tauri::State<'_, ServerWatch>,
) -> Result<ProbeView, CommandError> {
    let doc = config_file().read()?;
    let entry = doc.server(&name).ok_or_else(|| CommandError {
        code: "no-such-server".to_owned(),
        message: format!("no server named \"{name}\" in Claude's config"),
    })?;
    let target = ProbeTarget::entry(entry).ok_or_else(|| CommandError {
        code: "not-startable".to_owned(),
        message: format!("\"{name}\" has no command Claude could start"),
    })?;
    let report = probe_observed(&target, command_resolver(), PROBE_STEP_TIMEOUT, |pid| {
        watch.board().ran(&name, pid);
    })
    .await;
    let view = ProbeView::from(report);
    watch.record(|board| board.probe(&name, &view));
    Ok(view)
}
