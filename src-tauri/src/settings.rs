//! Settings: start at login (tauri-plugin-autostart: a login item on macOS, a
//! registry Run key on Windows, an XDG autostart entry on Linux) and the journals' retention.
//!
//! Adapters over the plugin; this module must never write the autostart entries itself.

use tauri::State;
use tauri_plugin_autostart::AutoLaunchManager;

use crate::error::CommandError;

fn failed(err: impl std::fmt::Display) -> CommandError {
    CommandError {
        code: "autostart-failed".to_owned(),
        message: format!("could not change start at login: {err}"),
    }
}

/// Whether MCP Tray starts when the user logs in.
#[tauri::command]
#[specta::specta]
pub fn get_start_at_login(autostart: State<'_, AutoLaunchManager>) -> Result<bool, CommandError> {
    autostart.is_enabled().map_err(failed)
}

/// Turns start at login on or off; answers the new state.
#[tauri::command]
#[specta::specta]
pub fn set_start_at_login(
    autostart: State<'_, AutoLaunchManager>,
    enabled: bool,
) -> Result<bool, CommandError> {
    if enabled {
        autostart.enable().map_err(failed)?;
    } else {
        autostart.disable().map_err(failed)?;
    }
    autostart.is_enabled().map_err(failed)
}

/// How much traffic each server's journal keeps (core's defaults; the shims write with them).
#[derive(Debug, Clone, serde::Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct JournalRetention {
    /// Size at which a journal file rotates.
    pub file_bytes: u32,
    /// Rotated files kept besides the live one.
    pub files_kept: u32,
    /// Messages longer than this are cut in the journal.
    pub message_bytes: u32,
}

/// The journals' retention, as the shims apply it.
#[tauri::command]
#[specta::specta]
pub fn journal_retention() -> JournalRetention {
    let config = mcp_tray_core::journal::JournalConfig::in_dir(mcp_tray_core::paths::journal_dir());
    JournalRetention {
        file_bytes: u32::try_from(config.max_bytes).unwrap_or(u32::MAX),
        files_kept: u32::try_from(config.keep).unwrap_or(u32::MAX),
        message_bytes: u32::try_from(config.max_msg_bytes).unwrap_or(u32::MAX),
    }
}
