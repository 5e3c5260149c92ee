//! Where MCP Tray keeps its own data, and the environment overrides every part honours.
//!
//! The data dir holds journals, config history, disabled entries and the token fallback file.
//! `MCP_TRAY_HOME` overrides it (tests and power users); otherwise it is the OS data dir
//! (`~/.local/share/mcp-tray`, `~/Library/Application Support/mcp-tray`, `%APPDATA%\mcp-tray`).
//! This module only computes paths; it never creates or writes anything.

use std::path::PathBuf;

/// Environment variable naming the client config file (`claude_desktop_config.json`).
pub const ENV_CLAUDE_CONFIG: &str = "MCP_TRAY_CLAUDE_CONFIG";
/// Environment variable naming MCP Tray's data dir.
pub const ENV_HOME: &str = "MCP_TRAY_HOME";
/// Environment variable naming Claude Desktop's log folder.
pub const ENV_CLAUDE_LOGS: &str = "MCP_TRAY_CLAUDE_LOGS";

/// MCP Tray's data dir: `MCP_TRAY_HOME` when set and not empty, else the OS data dir.
pub fn data_dir() -> PathBuf {
    if let Some(dir) = env_path(ENV_HOME) {
        return dir;
    }
    dirs::data_dir()
        .or_else(|| dirs::home_dir().map(|h| h.join(".local").join("share")))
        .unwrap_or_else(std::env::temp_dir)
        .join("mcp-tray")
}

/// Folder of the traffic journals (one file per server).
pub fn journal_dir() -> PathBuf {
    data_dir().join("journal")
}

/// Folder of config backups taken before every write.
pub fn history_dir() -> PathBuf {
    data_dir().join("history")
}

/// A path from an environment variable, when set and not empty.
pub fn env_path(var: &str) -> Option<PathBuf> {
    std::env::var_os(var)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

/// Where `path` (an `mcp-tray` written into an entry) lives for a while only, in words, on macOS:
/// inside an app opened from its disk image (`/Volumes/…`, gone once it is ejected) or a copy
/// macOS made to open a downloaded app where it lay (App Translocation, a new random folder at
/// each launch). Claude Desktop starts the entry later, from a path that is gone by then.
pub fn temporary_place(path: &std::path::Path) -> Option<&'static str> {
    let text = path.to_string_lossy();
    if text.contains("/AppTranslocation/") {
        Some(
            "a temporary copy macOS made to open MCP Tray where it was downloaded (App Translocation)",
        )
    } else if text.starts_with("/Volumes/") && text.contains(".app/") {
        Some("an app on a disk image or an external disk (/Volumes), gone once it is ejected")
    } else {
        None
    }
}

/// Environment variable naming the `mcp-tray` binary written into config entries.
pub const ENV_BIN: &str = "MCP_TRAY_BIN";

/// The absolute path of the `mcp-tray` CLI that config entries should start: `MCP_TRAY_BIN`, else
/// this process's own executable when it is the CLI, else the CLI shipped beside the app.
pub fn mcp_tray_exe() -> PathBuf {
    if let Some(bin) = env_path(ENV_BIN) {
        return std::path::absolute(&bin).unwrap_or(bin);
    }
    let exe_name = format!("mcp-tray{}", std::env::consts::EXE_SUFFIX);
    match std::env::current_exe() {
        Ok(exe) if exe.file_name().is_some_and(|n| n == exe_name.as_str()) => exe,
        Ok(exe) => exe.with_file_name(&exe_name),
        Err(_) => PathBuf::from(exe_name),
    }
}
