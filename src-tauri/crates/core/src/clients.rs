//! Where Claude Desktop keeps its config file and logs, per OS, and which of them it reads.
//!
//! Resolution order for the config file: `--config PATH` (passed in by the caller), then
//! `MCP_TRAY_CLAUDE_CONFIG`, then the detected per-OS location. On Windows, Claude's MSIX build
//! reads `%LOCALAPPDATA%\Packages\Claude_*\LocalCache\Roaming\Claude\` instead of `%APPDATA%\Claude\`;
//! when both exist we say so. This module reads the file system but never writes.

use std::path::{Path, PathBuf};

use crate::paths::{ENV_CLAUDE_CONFIG, ENV_CLAUDE_LOGS, env_path};

/// File name of Claude Desktop's config.
pub const CONFIG_FILE_NAME: &str = "claude_desktop_config.json";

/// Why this config path was chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ConfigSource {
    /// `--config PATH`.
    Flag,
    /// `MCP_TRAY_CLAUDE_CONFIG`.
    Env,
    /// The standard per-OS location.
    Detected,
    /// The Windows MSIX package's virtualised location.
    Msix,
}

/// The config file in use, and anything the user should know about the choice.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ConfigLocation {
    pub path: PathBuf,
    pub source: ConfigSource,
    /// Other candidate files that exist (the MSIX and the classic path both present).
    pub also_present: Vec<PathBuf>,
}

/// Set by [`follow_claude`]: `MCP_TRAY_CLAUDE_CONFIG` is then ignored for the rest of the process.
static FOLLOW_CLAUDE: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Picks the config file: `flag`, then `MCP_TRAY_CLAUDE_CONFIG` (unless [`follow_claude`] was
/// called), then the detected location.
pub fn claude_config(flag: Option<&Path>) -> ConfigLocation {
    if let Some(path) = flag {
        return ConfigLocation {
            path: path.to_path_buf(),
            source: ConfigSource::Flag,
            also_present: Vec::new(),
        };
    }
    let follow = FOLLOW_CLAUDE.load(std::sync::atomic::Ordering::SeqCst);
    if let Some(path) = env_path(ENV_CLAUDE_CONFIG).filter(|_| !follow) {
        return ConfigLocation {
            path,
            source: ConfigSource::Env,
            also_present: Vec::new(),
        };
    }
    detect_config()
}

/// The config file Claude Desktop itself reads here, when it exists and is not `in_use`: the
/// per-OS location (on Windows the MSIX build's own folder when that build is installed), which
/// `--config` or `MCP_TRAY_CLAUDE_CONFIG` may have pointed MCP Tray away from.
pub fn claude_reads_instead(in_use: &Path) -> Option<PathBuf> {
    let claude = detect_config().path;
    (claude != in_use && claude.is_file()).then_some(claude)
}

/// From now on (in this process) use the file Claude Desktop reads, ignoring
/// `MCP_TRAY_CLAUDE_CONFIG`: the app's "switch to the file Claude reads".
pub fn follow_claude() {
    FOLLOW_CLAUDE.store(true, std::sync::atomic::Ordering::SeqCst);
}

#[cfg(target_os = "windows")]
fn detect_config() -> ConfigLocation {
    let classic = dirs::config_dir() // %APPDATA% (Roaming)
        .unwrap_or_default()
        .join("Claude")
        .join(CONFIG_FILE_NAME);
    let msix = msix_claude_dirs()
        .into_iter()
        .map(|d| d.join(CONFIG_FILE_NAME))
        .collect::<Vec<_>>();
    // The MSIX build only ever reads its own virtualised folder; when it is installed (its package
    // folder exists), that is the file Claude reads, whatever is under %APPDATA%.
    match msix.first() {
        Some(msix_path) => ConfigLocation {
            path: msix_path.clone(),
            source: ConfigSource::Msix,
            also_present: std::iter::once(classic)
                .chain(msix.iter().skip(1).cloned())
                .filter(|p| p.exists())
                .collect(),
        },
        None => ConfigLocation {
            path: classic,
            source: ConfigSource::Detected,
            also_present: Vec::new(),
        },
    }
}

/// `%LOCALAPPDATA%\Packages\Claude_*\LocalCache\Roaming\Claude` folders of installed MSIX builds.
#[cfg(target_os = "windows")]
fn msix_claude_dirs() -> Vec<PathBuf> {
    let Some(local) = dirs::data_local_dir() else {
        return Vec::new();
    };
    let Ok(read) = std::fs::read_dir(local.join("Packages")) else {
        return Vec::new();
    };
    let mut found: Vec<PathBuf> = read
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with("Claude_"))
        .map(|e| e.path().join("LocalCache").join("Roaming").join("Claude"))
        .collect();
    found.sort();
    found
}

#[cfg(not(target_os = "windows"))]
fn detect_config() -> ConfigLocation {
    ConfigLocation {
        path: claude_dir().join(CONFIG_FILE_NAME),
        source: ConfigSource::Detected,
        also_present: Vec::new(),
    }
}

/// Claude Desktop's own folder on macOS and Linux.
#[cfg(not(target_os = "windows"))]
fn claude_dir() -> PathBuf {
    #[cfg(target_os = "macos")]
    let base = dirs::home_dir()
        .unwrap_or_default()
        .join("Library")
        .join("Application Support");
    // $XDG_CONFIG_HOME, default ~/.config
    #[cfg(not(target_os = "macos"))]
    let base =
        dirs::config_dir().unwrap_or_else(|| dirs::home_dir().unwrap_or_default().join(".config"));
    base.join("Claude")
}

/// Claude Desktop's log folder: `MCP_TRAY_CLAUDE_LOGS`, else the per-OS location.
pub fn claude_logs_dir() -> PathBuf {
    if let Some(dir) = env_path(ENV_CLAUDE_LOGS) {
        return dir;
    }
    #[cfg(target_os = "macos")]
    {
        dirs::home_dir()
            .unwrap_or_default()
            .join("Library")
            .join("Logs")
            .join("Claude")
    }
    #[cfg(target_os = "windows")]
    {
        match msix_claude_dirs().into_iter().next() {
            Some(dir) => dir.join("logs"),
            None => dirs::config_dir()
                .unwrap_or_default()
                .join("Claude")
                .join("logs"),
        }
    }
    #[cfg(not(any(target_os = "macos", target_os = "windows")))]
    {
        claude_dir().join("logs")
    }
}
