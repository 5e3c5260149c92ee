//! The commands the UI may call: thin adapters from `mcp-tray-core` to serialisable answers.
//!
//! Each command gathers what core computes and shapes it for the UI (camelCase fields, paths as
//! display strings). A command must never hold behaviour of its own (parsing, deciding, writing
//! files): that belongs in `mcp-tray-core`, where the CLI shares it. Every command is listed in
//! [`crate::ipc`], which generates its TypeScript signature.

use mcp_tray_core::config::store::in_place;
use mcp_tray_core::config::{EntryKind, ServerEntry};
use mcp_tray_core::{clients, paths};
use serde::Serialize;
use specta::Type;

use crate::error::CommandError;

/// Runs a command's work on a blocking thread and waits for it there. Every command that reads or
/// writes files (an edit fsyncs twice), asks the keychain or the desktop goes through here: a
/// plain (non-async) command runs on the main thread, which also draws the window and answers the
/// tray menu, and both would freeze until it returned; and on the async runtime's few workers it
/// would hold up every other async command, sign-in and log stream meanwhile.
pub(crate) async fn off_main<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, CommandError> + Send + 'static,
) -> Result<T, CommandError> {
    tauri::async_runtime::spawn_blocking(work)
        .await
        // Only a panic in `work` gets here: a bug, but the window still gets an answer (its
        // buttons would otherwise wait for one for ever).
        .unwrap_or_else(|err| {
            Err(CommandError {
                code: "internal".to_owned(),
                message: format!("MCP Tray failed inside: {err}"),
            })
        })
}

/// Where the Claude Desktop config file and MCP Tray's own data live.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct AppPaths {
    /// The Claude Desktop config file MCP Tray reads and edits.
    pub config_path: String,
    /// Whether that file exists yet (on a first start it may not: adding a server makes it).
    pub config_exists: bool,
    /// Why this config file was chosen.
    pub config_source: ConfigSource,
    /// Other config files that exist and that another Claude build may read instead.
    pub also_present: Vec<String>,
    /// The file Claude Desktop reads, when it exists and is not the one in use (MCP Tray was
    /// pointed elsewhere, or the Windows Store build reads its own copy).
    pub claude_reads: Option<String>,
    /// MCP Tray's data dir (journals, history, disabled entries).
    pub data_dir: String,
    /// Whether `MCP_TRAY_HOME`, in the environment the app was started in, chose the data dir
    /// (otherwise it is the standard location for this OS).
    pub data_dir_from_env: bool,
    /// Claude Desktop's log folder.
    pub claude_logs_dir: String,
    /// Whether `MCP_TRAY_CLAUDE_LOGS` chose it (otherwise it is where Claude Desktop writes them).
    pub claude_logs_dir_from_env: bool,
    /// The config file another program deleted while MCP Tray watched it, when Undo can put it
    /// back as it was (nothing was changed through MCP Tray since).
    pub deleted_outside: Option<DeletedConfig>,
    /// The same for a file another program left without any server (`{}` written over it), while
    /// it still holds what was left.
    pub emptied_outside: Option<DeletedConfig>,
}

/// A deletion of the config file by another program, kept in MCP Tray's history.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct DeletedConfig {
    /// The history entry `undo_last_change` takes back to put the file back.
    pub history_id: u32,
    /// When MCP Tray saw the file go (RFC 3339, UTC).
    pub at: String,
}

/// Why a config path was chosen (mirrors `mcp_tray_core::clients::ConfigSource`, less the
/// command line's `--config`: the app has no such option and never passes a path).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "kebab-case")]
pub enum ConfigSource {
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
            // A path given on purpose, like the environment's (the app itself gives none).
            clients::ConfigSource::Flag | clients::ConfigSource::Env => ConfigSource::Env,
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
pub async fn app_paths() -> Result<AppPaths, CommandError> {
    off_main(|| Ok(paths_in_use())).await
}

fn paths_in_use() -> AppPaths {
    let location = clients::claude_config(None);
    let config_exists = location.path.exists();
    AppPaths {
        config_path: display(&location.path),
        config_exists,
        config_source: location.source.into(),
        also_present: location.also_present.iter().map(|p| display(p)).collect(),
        claude_reads: clients::claude_reads_instead(&location.path).map(|p| display(&p)),
        data_dir: display(&paths::data_dir()),
        data_dir_from_env: paths::env_path(paths::ENV_HOME).is_some(),
        claude_logs_dir: display(&clients::claude_logs_dir()),
        claude_logs_dir_from_env: paths::env_path(paths::ENV_CLAUDE_LOGS).is_some(),
        // The history is read only when there is no file to read.
        deleted_outside: (!config_exists)
            .then(|| {
                crate::in_use::config_file()
                    .deleted_outside()
                    .ok()
                    .flatten()
            })
            .flatten()
            .and_then(DeletedConfig::of),
        // Looked for only when the file lists no server: the history is not read otherwise.
        emptied_outside: config_exists
            .then(|| {
                let file = crate::in_use::config_file();
                let empty = file.read().is_ok_and(|doc| doc.servers.is_empty());
                empty
                    .then(|| file.emptied_outside().ok().flatten())
                    .flatten()
            })
            .flatten()
            .and_then(DeletedConfig::of),
    }
}

impl DeletedConfig {
    fn of(h: mcp_tray_core::config::HistoryEntry) -> Option<Self> {
        Some(DeletedConfig {
            history_id: u32::try_from(h.id).ok()?,
            at: h.ts,
        })
    }
}

/// Switches MCP Tray to the config file Claude Desktop reads (for the rest of this run: the
/// window, the tray menu and the file watch all follow it); answers the paths now in use.
#[tauri::command]
#[specta::specta]
pub async fn use_claude_config(
    switch: tauri::State<'_, crate::config_watch::ConfigSwitch>,
) -> Result<AppPaths, CommandError> {
    // Async, so off the main thread: the old watch's thread may be waiting on it to be dropped.
    clients::follow_claude();
    switch.switched();
    off_main(|| Ok(paths_in_use())).await
}

/// What kind of entry a server is (mirrors `mcp_tray_core::config::EntryKind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "kebab-case")]
pub enum ServerKind {
    /// A command Claude starts directly.
    Local,
    /// A remote server through MCP Tray's bridge.
    Remote,
    /// A remote server through `npx mcp-remote` (replaceable by the bridge).
    McpRemote,
    /// A local command run through MCP Tray's tap.
    Tapped,
    /// A `url` entry, which Claude Desktop ignores.
    UrlEntry,
    /// An entry Claude cannot start.
    Invalid,
}

/// One server of the config, as the Servers view lists it. Env values are never sent: they may
/// hold secrets, and the list does not need them.
#[derive(Debug, Clone, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ServerSummary {
    pub name: String,
    /// False when disabled through MCP Tray (kept in its store, absent from Claude's config).
    pub enabled: bool,
    pub kind: ServerKind,
    /// The remote URL, for remote kinds: whole, as the server's identity for its sign-in.
    pub url: Option<String>,
    /// The URL as the row shows it, when it holds a credential (a password, a secret-named
    /// query value: `?token=••••••`); absent when `url` holds none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shown_url: Option<String>,
    /// The command that runs (for a tapped server: the wrapped command, not `mcp-tray`).
    pub command: Option<String>,
    pub args: Vec<String>,
    /// Why Claude cannot start it, for invalid entries.
    pub problem: Option<String>,
}

impl ServerSummary {
    pub(crate) fn from_entry(entry: &ServerEntry, enabled: bool) -> Self {
        let mut summary = ServerSummary {
            name: entry.name.clone(),
            enabled,
            kind: ServerKind::Local,
            url: None,
            shown_url: None,
            command: entry.command.clone(),
            args: entry.args.clone(),
            problem: None,
        };
        match &entry.kind {
            EntryKind::Local => {}
            EntryKind::Remote { url } => {
                summary.kind = ServerKind::Remote;
                summary.url = Some(url.clone());
            }
            EntryKind::McpRemote { url } => {
                summary.kind = ServerKind::McpRemote;
                summary.url = Some(url.clone());
            }
            EntryKind::Tapped { command, args } => {
                summary.kind = ServerKind::Tapped;
                summary.command = Some(command.clone());
                summary.args = args.clone();
            }
            EntryKind::UrlEntry { url } => {
                summary.kind = ServerKind::UrlEntry;
                summary.url = Some(url.clone());
            }
            EntryKind::Invalid { reason } => {
                summary.kind = ServerKind::Invalid;
                summary.problem = Some(reason.clone());
            }
        }
        // The window shows args as the row's command line, and the URL: no credential goes
        // there. (`url` stays whole: it is the server's identity for its sign-in.)
        summary.args = mcp_tray_core::redact::mask_args(&summary.args);
        summary.shown_url = summary
            .url
            .as_deref()
            .map(mcp_tray_core::redact::mask_url)
            .filter(|shown| Some(shown) != summary.url.as_ref());
        summary
    }
}

/// The servers of the config in use, in file order, each one disabled through MCP Tray where
/// enabling it puts it back.
#[tauri::command]
#[specta::specta]
pub async fn list_servers() -> Result<Vec<ServerSummary>, CommandError> {
    off_main(servers_in_use).await
}

fn servers_in_use() -> Result<Vec<ServerSummary>, CommandError> {
    let file = crate::in_use::config_file();
    let doc = file.read()?;
    let servers: Vec<ServerSummary> = doc
        .servers
        .iter()
        .map(|entry| ServerSummary::from_entry(entry, true))
        .collect();
    // The store keeps the entry's exact text; one that no longer parses is listed as invalid.
    Ok(in_place(servers, &file.disabled()?, |d| {
        ServerSummary::from_entry(&d.entry(), false)
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn app_paths_serialises_with_the_field_names_the_ui_reads() {
        let answer = AppPaths {
            config_path: "/c/claude_desktop_config.json".into(),
            config_exists: true,
            config_source: ConfigSource::Env,
            also_present: vec![],
            claude_reads: Some("/claude/claude_desktop_config.json".into()),
            data_dir: "/d".into(),
            data_dir_from_env: true,
            claude_logs_dir: "/l".into(),
            claude_logs_dir_from_env: true,
            deleted_outside: Some(DeletedConfig {
                history_id: 7,
                at: "2026-12-04T21:30:00.000Z".into(),
            }),
            emptied_outside: None,
        };
        let json = serde_json::to_value(&answer).expect("serialises");
        assert_eq!(json["configPath"], "/c/claude_desktop_config.json");
        assert_eq!(json["configExists"], true);
        assert_eq!(json["configSource"], "env");
        assert_eq!(json["dataDir"], "/d");
        assert_eq!(json["dataDirFromEnv"], true);
        assert_eq!(json["claudeLogsDirFromEnv"], true);
        assert!(json["alsoPresent"].as_array().is_some_and(Vec::is_empty));
        assert_eq!(json["claudeReads"], "/claude/claude_desktop_config.json");
        assert_eq!(json["deletedOutside"]["historyId"], 7);
        assert_eq!(json["deletedOutside"]["at"], "2026-12-04T21:30:00.000Z");
    }

    fn entry(name: &str, value: serde_json::Value) -> ServerEntry {
        ServerEntry::from_value(name.into(), value.clone(), value.to_string())
    }

    #[test]
    fn a_bridged_remote_is_summarised_as_its_url() {
        let bridged = entry(
            "linear",
            serde_json::json!({"command": "/usr/local/bin/mcp-tray",
                "args": ["bridge", "https://mcp.linear.app/mcp", "--name", "linear"]}),
        );
        let summary = ServerSummary::from_entry(&bridged, true);
        assert_eq!(summary.kind, ServerKind::Remote);
        assert_eq!(summary.url.as_deref(), Some("https://mcp.linear.app/mcp"));
    }

    #[test]
    fn a_tapped_server_shows_the_command_it_wraps() {
        let tapped = entry(
            "fs",
            serde_json::json!({"command": "/usr/local/bin/mcp-tray",
                "args": ["wrap", "--name", "fs", "--", "npx", "-y", "server-fs"]}),
        );
        let summary = ServerSummary::from_entry(&tapped, true);
        assert_eq!(summary.kind, ServerKind::Tapped);
        assert_eq!(summary.command.as_deref(), Some("npx"));
        assert_eq!(summary.args, ["-y", "server-fs"]);
    }

    #[test]
    fn a_summary_never_carries_env_values() {
        let local = entry(
            "gh",
            serde_json::json!({"command": "npx", "env": {"GITHUB_TOKEN": "ghp_secret"}}),
        );
        let json = serde_json::to_string(&ServerSummary::from_entry(&local, true)).expect("json");
        assert!(!json.contains("ghp_secret"), "{json}");
    }
}
