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
