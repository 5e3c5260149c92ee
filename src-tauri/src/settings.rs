//! Settings: start at login (tauri-plugin-autostart: a login item on macOS, a registry Run key on
//! Windows, an XDG autostart entry on Linux), the journals' redaction and retention (core's
//! settings file, which the shims read), and opening the folders the view shows (the opener
//! plugin's Rust side only: the plugin is not registered, so the window cannot open anything itself).
//!
//! Adapters over the plugins and core; this module must never write the autostart entries or the
//! settings file itself, and never open a path the UI names.

use std::path::Path;

use mcp_tray_core::settings::{self, Retention, Settings, SettingsError};
use mcp_tray_core::{clients, paths};
use tauri::State;
use tauri_plugin_autostart::AutoLaunchManager;

use crate::commands::off_main;
use crate::error::CommandError;

fn failed(err: impl std::fmt::Display) -> CommandError {
    CommandError {
        code: "autostart-failed".to_owned(),
        message: format!("could not change start at login: {err}"),
    }
}

/// Whether MCP Tray starts when the user logs in.
#[tauri::command(async)]
#[specta::specta]
pub fn get_start_at_login(autostart: State<'_, AutoLaunchManager>) -> Result<bool, CommandError> {
    // `async`: off the main thread, which draws the window; the login item is a file (or the
    // registry), so the worker hands its other tasks on meanwhile.
    tokio::task::block_in_place(|| autostart.is_enabled().map_err(failed))
}

/// Turns start at login on or off; answers the new state.
#[tauri::command(async)]
#[specta::specta]
pub fn set_start_at_login(
    autostart: State<'_, AutoLaunchManager>,
    enabled: bool,
) -> Result<bool, CommandError> {
    // As `get_start_at_login`.
    tokio::task::block_in_place(|| {
        if enabled {
            autostart.enable().map_err(failed)?;
        } else {
            autostart.disable().map_err(failed)?;
        }
        autostart.is_enabled().map_err(failed)
    })
}

/// How much traffic each server's journal keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct JournalRetention {
    /// Size at which a journal file rotates (64 KiB to 1 GiB).
    pub file_bytes: u32,
    /// Rotated files kept besides the live one (0 to 20).
    pub files_kept: u32,
    /// Messages longer than this are cut in the journal (1 KiB to 16 MiB).
    pub message_bytes: u32,
}

/// What the journals record, from MCP Tray's settings file (the shims read it when they start).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct JournalSettings {
    /// Secret-looking values are masked in the journals (and so in the Traffic view and exports).
    pub redact: bool,
    pub retention: JournalRetention,
}

impl From<&Settings> for JournalSettings {
    fn from(settings: &Settings) -> Self {
        let r = settings.journal;
        JournalSettings {
            redact: settings.redact,
            retention: JournalRetention {
                file_bytes: u32::try_from(r.file_bytes).unwrap_or(u32::MAX),
                files_kept: r.files_kept,
                message_bytes: r.message_bytes,
            },
        }
    }
}

/// Loads the settings file, changes it with `edit`, saves it (one change at a time); answers what
/// it now says.
fn change(edit: impl FnOnce(&mut Settings)) -> Result<JournalSettings, CommandError> {
    let path = settings::settings_path();
    settings::update_at(&path, edit).map_err(|err| CommandError {
        code: match err {
            SettingsError::OutOfBounds { .. } => "invalid-setting",
            SettingsError::Io { .. } => "io-error",
        }
        .to_owned(),
        message: err.to_string(),
    })?;
    Ok(JournalSettings::from(&settings::load_from(&path)))
}

/// Redaction and retention of the journals, as the shims apply them.
#[tauri::command]
#[specta::specta]
pub async fn journal_settings() -> Result<JournalSettings, CommandError> {
    off_main(|| Ok(JournalSettings::from(&settings::load()))).await
}

/// Turns redaction of the journals on or off (for servers started from now on).
#[tauri::command]
#[specta::specta]
pub async fn set_redaction(enabled: bool) -> Result<JournalSettings, CommandError> {
    off_main(move || change(|s| s.redact = enabled)).await
}

/// Changes how much traffic the journals keep; a value out of bounds is refused with its bounds.
#[tauri::command]
#[specta::specta]
pub async fn set_journal_retention(
    retention: JournalRetention,
) -> Result<JournalSettings, CommandError> {
    off_main(move || {
        change(|s| {
            s.journal = Retention {
                file_bytes: u64::from(retention.file_bytes),
                files_kept: retention.files_kept,
                message_bytes: retention.message_bytes,
            }
        })
    })
    .await
}

/// A folder the Settings view can open in the file manager. Only these: the view never names a
/// path itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, specta::Type)]
#[serde(rename_all = "kebab-case")]
pub enum Folder {
    /// The folder holding the Claude Desktop config in use.
    ClaudeConfig,
    /// Claude Desktop's log folder.
    ClaudeLogs,
    /// MCP Tray's data dir.
    DataDir,
    /// Where Traffic's exports go (in the data dir).
    Exports,
}

/// Opens one of the known folders in the system's file manager (through the opener plugin).
#[tauri::command]
#[specta::specta]
pub async fn open_folder(folder: Folder) -> Result<(), CommandError> {
    off_main(move || open(folder)).await
}

fn open(folder: Folder) -> Result<(), CommandError> {
    let path = match folder {
        Folder::ClaudeConfig => {
            let config = clients::claude_config(None).path;
            config.parent().map(Path::to_path_buf).unwrap_or(config)
        }
        Folder::ClaudeLogs => clients::claude_logs_dir(),
        Folder::DataDir => paths::data_dir(),
        Folder::Exports => paths::data_dir().join("exports"),
    };
    if !path.is_dir() {
        let when = match folder {
            Folder::ClaudeConfig => "it is made when the first server is added",
            Folder::ClaudeLogs => "Claude Desktop makes it when it first runs",
            Folder::DataDir => "MCP Tray makes it when it first keeps something there",
            Folder::Exports => "MCP Tray makes it with the first export",
        };
        return Err(CommandError {
            code: "folder-missing".to_owned(),
            message: format!("{} does not exist yet: {when}.", path.display()),
        });
    }
    tauri_plugin_opener::open_path(&path, None::<&str>).map_err(|err| CommandError {
        code: "open-failed".to_owned(),
        message: format!("could not open {}: {err}", path.display()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn journal_settings_serialise_with_the_field_names_the_ui_reads() {
        let json = serde_json::to_value(JournalSettings::from(&Settings::default())).expect("json");
        assert_eq!(json["redact"], true);
        assert_eq!(json["retention"]["fileBytes"], 8 * 1024 * 1024);
        assert_eq!(json["retention"]["filesKept"], 3);
        assert_eq!(json["retention"]["messageBytes"], 64 * 1024);
    }

    #[test]
    fn a_folder_not_made_yet_is_said_with_when_it_will_be() {
        let dir = tempfile::tempdir().expect("temp dir");
        let logs = dir.path().join("Claude").join("logs");
        // SAFETY: each test runs in its own process (nextest); nothing else reads it meanwhile.
        unsafe { std::env::set_var("MCP_TRAY_CLAUDE_LOGS", &logs) };
        let err = open(Folder::ClaudeLogs).expect_err("no such folder");
        assert_eq!(err.code, "folder-missing");
        assert_eq!(
            err.message,
            format!(
                "{} does not exist yet: Claude Desktop makes it when it first runs.",
                logs.display()
            )
        );
    }

    #[test]
    fn folders_arrive_as_kebab_case_words() {
        let folder: Folder = serde_json::from_str("\"claude-logs\"").expect("parse");
        assert_eq!(folder, Folder::ClaudeLogs);
    }
}
