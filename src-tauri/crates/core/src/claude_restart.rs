//! Restarting Claude Desktop so it reads its config again: quit it politely, wait until it is
//! gone, start it again. One implementation per OS behind `cfg`; on Linux there is no official
//! Claude Desktop build, so it says so instead of guessing which unofficial build to kill.
//!
//! This module must never kill anything but Claude Desktop, and never force-kill it: a user's
//! unsaved conversation draft matters more than a quick restart.

use std::time::Duration;

/// How long Claude gets to quit before the restart gives up.
#[cfg_attr(target_os = "linux", allow(dead_code))]
const QUIT_WAIT: Duration = Duration::from_secs(10);

/// Why Claude Desktop was not restarted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RestartError {
    /// There is no Claude Desktop for this OS.
    #[error("{0}")]
    Unsupported(String),
    /// Quitting or starting Claude failed.
    #[error("{0}")]
    Failed(String),
}

/// Whether this OS has an official Claude Desktop that [`restart_claude`] can restart.
pub fn restart_supported() -> bool {
    cfg!(any(target_os = "macos", target_os = "windows"))
}

/// Quits Claude Desktop (when it runs) and starts it again. Blocks until Claude has been asked to
/// start (at most about ten seconds).
pub fn restart_claude() -> Result<(), RestartError> {
    imp::restart()
}

#[cfg(target_os = "macos")]
mod imp {
    use std::process::Command;
    use std::time::Instant;

    use super::{QUIT_WAIT, RestartError};

    fn running() -> bool {
        Command::new("pgrep")
            .args(["-x", "Claude"])
            .output()
            .is_ok_and(|o| o.status.success())
    }

    pub(super) fn restart() -> Result<(), RestartError> {
        if running() {
            // AppleScript's quit lets Claude close its windows the way the menu would.
            let quit = Command::new("osascript")
                .args(["-e", "quit app \"Claude\""])
                .output()
                .map_err(|e| RestartError::Failed(format!("could not ask Claude to quit: {e}")))?;
            if !quit.status.success() {
                let said = String::from_utf8_lossy(&quit.stderr);
                // errAEEventNotPermitted: the user (or macOS) has not allowed it.
                return Err(RestartError::Failed(if said.contains("-1743") {
                    "macOS did not let MCP Tray ask Claude to quit: allow MCP Tray to control \
                     Claude in System Settings > Privacy & Security > Automation, or quit and \
                     start Claude yourself"
                        .into()
                } else {
                    format!("Claude did not accept the quit request: {}", said.trim())
                }));
            }
            let started = Instant::now();
            while running() {
                if started.elapsed() > QUIT_WAIT {
                    return Err(RestartError::Failed(
                        "Claude is still running ten seconds after being asked to quit".into(),
                    ));
                }
                std::thread::sleep(std::time::Duration::from_millis(200));
            }
        }
        let open = Command::new("open")
            .args(["-a", "Claude"])
            .status()
            .map_err(|e| RestartError::Failed(format!("could not start Claude: {e}")))?;
        if open.success() {
            Ok(())
        } else {
            Err(RestartError::Failed(
                "macOS could not find the Claude app to start".into(),
            ))
        }
    }
}

#[cfg(target_os = "windows")]
mod imp {
    use std::os::windows::process::CommandExt as _;
    use std::path::{Path, PathBuf};
    use std::process::Command;
    use std::time::Instant;

    use sysinfo::{ProcessRefreshKind, ProcessesToUpdate, System, UpdateKind};

    use super::{QUIT_WAIT, RestartError};

    /// No console window for a command a GUI app runs (each would flash one).
    const CREATE_NO_WINDOW: u32 = 0x0800_0000;

    /// The MSIX (Store) build, started through its application id.
    const MSIX_APP: &str = "shell:AppsFolder\\Claude_pzs8sxrjxfjjc!Claude";

    /// The executables of the running Claude Desktop processes, from the process table (not
    /// `tasklist`, a console program run every 200 ms). Claude Desktop's only: the classic
    /// installer's (`AnthropicClaude`) or the MSIX build's (`WindowsApps\Claude_…`), not another
    /// `claude.exe` (Claude Code's), which taskkill would not close and Restart would wait on.
    fn running(system: &mut System) -> Vec<PathBuf> {
        system.refresh_processes_specifics(
            ProcessesToUpdate::All,
            true,
            ProcessRefreshKind::nothing().with_exe(UpdateKind::OnlyIfNotSet),
        );
        system
            .processes()
            .values()
            .filter(|p| p.name().eq_ignore_ascii_case("claude.exe"))
            .map(|p| p.exe().map(Path::to_path_buf).unwrap_or_default())
            .filter(|exe| exe.as_os_str().is_empty() || is_claude_desktop(exe))
            .collect()
    }

    fn is_claude_desktop(exe: &Path) -> bool {
        exe.components().any(|c| {
            let c = c.as_os_str().to_string_lossy().to_ascii_lowercase();
            c == "anthropicclaude" || c.starts_with("claude_")
        })
    }

    /// What starts the classic build: its Squirrel stub (`AnthropicClaude\claude.exe`), which
    /// applies a staged update, rather than the versioned copy that ran (`app-1.2.3\claude.exe`).
    fn stub_of(exe: &Path) -> PathBuf {
        let versioned = exe
            .parent()
            .and_then(Path::file_name)
            .is_some_and(|d| d.to_string_lossy().starts_with("app-"));
        match exe.parent().and_then(Path::parent) {
            Some(root) if versioned && root.join("claude.exe").exists() => root.join("claude.exe"),
            _ => exe.to_path_buf(),
        }
    }

    /// Which build to start: the one that ran (an MSIX build runs from `WindowsApps`); when none
    /// did, the MSIX build if one is installed (its config is the one MCP Tray edits then, see
    /// `crate::clients`), else the classic installer's.
    fn to_start(ran: &[PathBuf]) -> Option<PathBuf> {
        let classic = std::env::var_os("LOCALAPPDATA")
            .map(|d| PathBuf::from(d).join("AnthropicClaude").join("claude.exe"))
            .filter(|p| p.exists());
        let msix = |p: &PathBuf| {
            p.components()
                .any(|c| c.as_os_str().eq_ignore_ascii_case("WindowsApps"))
        };
        match ran.iter().find(|p| !p.as_os_str().is_empty()) {
            Some(exe) if msix(exe) => None,
            Some(exe) => Some(stub_of(exe)),
            None if crate::clients::msix_installed() => None,
            None => classic,
        }
    }

    pub(super) fn restart() -> Result<(), RestartError> {
        let mut system = System::new().map_err(|e| {
            RestartError::Failed(format!("could not list the running programs: {e}"))
        })?;
        let ran = running(&mut system);
        if !ran.is_empty() {
            // Without /F, taskkill asks the windows to close, as the user closing them would.
            let _ = Command::new("taskkill")
                .args(["/IM", "claude.exe"])
                .creation_flags(CREATE_NO_WINDOW)
                .status();
            let started = Instant::now();
            while !running(&mut system).is_empty() {
                if started.elapsed() > QUIT_WAIT {
                    return Err(RestartError::Failed(
                        "Claude is still running ten seconds after being asked to quit (it may \
                         be waiting in the notification area: quit it there, then start it)"
                            .into(),
                    ));
                }
                std::thread::sleep(std::time::Duration::from_millis(200));
            }
        }
        let spawned = match to_start(&ran) {
            Some(exe) => Command::new(exe).spawn(),
            None => Command::new("explorer.exe").arg(MSIX_APP).spawn(),
        };
        spawned.map_err(|e| RestartError::Failed(format!("could not start Claude: {e}")))?;
        // explorer.exe returns at once whether or not it found the app: see that Claude runs.
        let started = Instant::now();
        while running(&mut system).is_empty() {
            if started.elapsed() > QUIT_WAIT {
                return Err(RestartError::Failed(
                    "Claude was asked to start but is not running ten seconds later: start it \
                     from the Start menu"
                        .into(),
                ));
            }
            std::thread::sleep(std::time::Duration::from_millis(200));
        }
        Ok(())
    }
}

#[cfg(not(any(target_os = "macos", target_os = "windows")))]
mod imp {
    use super::RestartError;

    pub(super) fn restart() -> Result<(), RestartError> {
        Err(RestartError::Unsupported(
            "There is no official Claude Desktop for this OS, so MCP Tray cannot restart it. \
             Restart the MCP client you use by hand to load the new config."
                .into(),
        ))
    }
}

#[cfg(all(test, not(any(target_os = "macos", target_os = "windows"))))]
mod tests {
    use super::*;

    #[cfg(not(any(target_os = "macos", target_os = "windows")))]
    #[test]
    fn restart_says_there_is_no_claude_desktop_on_this_os() {
        assert!(!restart_supported());
        match restart_claude() {
            Err(RestartError::Unsupported(why)) => {
                assert!(why.contains("no official Claude Desktop"), "{why}")
            }
            other => panic!("expected Unsupported, got {other:?}"),
        }
    }
}
