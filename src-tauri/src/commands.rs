//! The commands the UI may call: thin adapters from `mcp-tray-core` to serialisable answers.
//!
//! Each command gathers what core computes and shapes it for the UI (camelCase fields, paths as
//! display strings). A command must never hold behaviour of its own (parsing, deciding, writing
//! files): that belongs in `mcp-tray-core`, where the CLI shares it. Every command is listed in
//! [`crate::ipc`], which generates its TypeScript signature.

use mcp_tray_core::{clients, paths};
use serde::Serialize;
use specta::Type;

/// Where the Claude Desktop config file and MCP Tray's own data live.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct AppPaths {
    /// The Claude Desktop config file MCP Tray reads and edits.
    pub config_path: String,
    /// Why this config file was chosen.
    pub config_source: ConfigSource,
    /// Other config files that exist and that another Claude build may read instead.
    pub also_present: Vec<String>,
    /// MCP Tray's data dir (journals, history, disabled entries).
    pub data_dir: String,
}

/// Why a config path was chosen (mirrors `mcp_tray_core::clients::ConfigSource`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "kebab-case")]
pub enum ConfigSource {
    /// `--config PATH` on the command line.
    Flag,
    /// The `MCP_TRAY_CLAUDE_CONFIG` environment variable.
    Env,
    /// The standard location for this OS.
    Detected,
    /// The Windows MSIX (Store) build's own location.
    Msix,
}

impl From<clients::ConfigSource> for ConfigSource {
    fn from(source: clients::ConfigSource) -> Self {
        match source {
            clients::ConfigSource::Flag => ConfigSource::Flag,
            clients::ConfigSource::Env => ConfigSource::Env,
            clients::ConfigSource::Detected => ConfigSource::Detected,
            clients::ConfigSource::Msix => ConfigSource::Msix,
        }
    }
}

fn display(path: &std::path::Path) -> String {
    path.display().to_string()
}

/// The config file in use and the data dir.
#[tauri::command]
#[specta::specta]
pub fn app_paths() -> AppPaths {
    let location = clients::claude_config(None);
    AppPaths {
        config_path: display(&location.path),
        config_source: location.source.into(),
        also_present: location.also_present.iter().map(|p| display(p)).collect(),
        data_dir: display(&paths::data_dir()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn app_paths_serialises_with_the_field_names_the_ui_reads() {
        let answer = AppPaths {
            config_path: "/c/claude_desktop_config.json".into(),
            config_source: ConfigSource::Env,
            also_present: vec![],
            data_dir: "/d".into(),
        };
        let json = serde_json::to_value(&answer).expect("serialises");
        assert_eq!(json["configPath"], "/c/claude_desktop_config.json");
        assert_eq!(json["configSource"], "env");
        assert_eq!(json["dataDir"], "/d");
        assert!(json["alsoPresent"].as_array().is_some_and(Vec::is_empty));
    }
}
