//! The Servers view's actions on one entry: enable, disable, remove, and undo of the last write.
//!
//! Adapters over `mcp_tray_core::config::ConfigFile`, which keeps every write minimal, atomic,
//! backed up and undoable (disabling moves the entry's exact bytes into MCP Tray's store, enabling
//! puts them back where they were). This module must never edit the file itself.

use mcp_tray_core::config::{ConfigFile, Edit};
use mcp_tray_core::{clients, paths};

use crate::error::CommandError;

fn config_file() -> ConfigFile {
    ConfigFile::new(&clients::claude_config(None).path, paths::data_dir())
}

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
