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
    // %APPDATA% (Roaming) and %LOCALAPPDATA%.
    windows_config(
        &dirs::config_dir().unwrap_or_default(),
        dirs::data_local_dir().as_deref(),
    )
}

/// The config file Claude Desktop reads on Windows, from `%APPDATA%` (`roaming`) and
/// `%LOCALAPPDATA%` (`local`, where the MSIX build's package folder is). Built on every OS so
/// that it is tested everywhere.
#[cfg_attr(not(target_os = "windows"), allow(dead_code))]
fn windows_config(roaming: &Path, local: Option<&Path>) -> ConfigLocation {
    let classic = roaming.join("Claude").join(CONFIG_FILE_NAME);
    let msix = msix_claude_dirs(local)
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

/// Whether an MSIX (Store) build of Claude Desktop is installed for this user.
#[cfg(target_os = "windows")]
pub(crate) fn msix_installed() -> bool {
    !msix_claude_dirs(dirs::data_local_dir().as_deref()).is_empty()
}

/// `%LOCALAPPDATA%\Packages\Claude_*\LocalCache\Roaming\Claude` folders of installed MSIX builds.
#[cfg_attr(not(target_os = "windows"), allow(dead_code))]
fn msix_claude_dirs(local: Option<&Path>) -> Vec<PathBuf> {
    let Some(local) = local else {
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
        match msix_claude_dirs(dirs::data_local_dir().as_deref())
            .into_iter()
            .next()
        {
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

#[cfg(test)]
mod tests {
    use super::*;

    /// `%APPDATA%` and `%LOCALAPPDATA%` in a temporary folder.
    fn windows_dirs() -> (tempfile::TempDir, PathBuf, PathBuf) {
        let dir = tempfile::tempdir().expect("temp dir");
        let roaming = dir.path().join("AppData").join("Roaming");
        let local = dir.path().join("AppData").join("Local");
        std::fs::create_dir_all(roaming.join("Claude")).expect("roaming");
        std::fs::create_dir_all(local.join("Packages").join("Microsoft.Other_1")).expect("local");
        (dir, roaming, local)
    }

    fn msix_package(local: &Path, package: &str) -> PathBuf {
        let folder = local
            .join("Packages")
            .join(package)
            .join("LocalCache")
            .join("Roaming")
            .join("Claude");
        std::fs::create_dir_all(&folder).expect("package folder");
        folder.join(CONFIG_FILE_NAME)
    }

    #[test]
    fn without_the_store_build_claude_on_windows_reads_the_roaming_file() {
        let (_dir, roaming, local) = windows_dirs();
        let found = windows_config(&roaming, Some(&local));
        assert_eq!(found.path, roaming.join("Claude").join(CONFIG_FILE_NAME));
        assert_eq!(found.source, ConfigSource::Detected);
        assert!(found.also_present.is_empty());
        assert_eq!(
            windows_config(&roaming, None).source,
            ConfigSource::Detected
        );
    }

    #[test]
    fn the_store_build_reads_its_package_folder_and_the_roaming_file_it_ignores_is_named() {
        let (_dir, roaming, local) = windows_dirs();
        let msix = msix_package(&local, "Claude_pzs8sxrjxfjjc");
        // Installed, nothing written yet: its file is the one, even before it exists.
        let found = windows_config(&roaming, Some(&local));
        assert_eq!(
            (found.path.clone(), found.source),
            (msix.clone(), ConfigSource::Msix)
        );
        assert!(found.also_present.is_empty(), "{found:?}");
        // The user edited the usual file (as most guides say): it is named as ignored.
        let classic = roaming.join("Claude").join(CONFIG_FILE_NAME);
        std::fs::write(&classic, "{}").expect("classic");
        let found = windows_config(&roaming, Some(&local));
        assert_eq!(found.path, msix);
        assert_eq!(found.also_present, std::slice::from_ref(&classic));
        // Two package folders (an old install left behind): the first in name order is used, the
        // other's file is named when it exists.
        let other = msix_package(&local, "Claude_zzz");
        std::fs::write(&other, "{}").expect("other");
        let found = windows_config(&roaming, Some(&local));
        assert_eq!(found.path, msix);
        assert_eq!(found.also_present, [classic, other]);
    }
}
