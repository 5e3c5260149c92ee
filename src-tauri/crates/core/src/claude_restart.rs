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
                .status()
                .map_err(|e| RestartError::Failed(format!("could not ask Claude to quit: {e}")))?;
            if !quit.success() {
                return Err(RestartError::Failed(
                    "Claude did not accept the quit request".into(),
                ));
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
    use std::path::PathBuf;
    use std::process::Command;
    use std::time::Instant;

    use super::{QUIT_WAIT, RestartError};

    fn running() -> bool {
        Command::new("tasklist")
            .args(["/FI", "IMAGENAME eq claude.exe", "/NH"])
            .output()
            .is_ok_and(|o| {
                String::from_utf8_lossy(&o.stdout)
                    .to_ascii_lowercase()
                    .contains("claude.exe")
            })
    }

    pub(super) fn restart() -> Result<(), RestartError> {
        if running() {
            // Without /F, taskkill asks the windows to close, as the user closing them would.
            let _ = Command::new("taskkill")
                .args(["/IM", "claude.exe"])
                .status();
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
        // The classic installer puts Claude under %LOCALAPPDATA%\AnthropicClaude; the MSIX (Store)
        // build is started through its application id.
        let classic = std::env::var_os("LOCALAPPDATA")
            .map(|d| PathBuf::from(d).join("AnthropicClaude").join("claude.exe"))
            .filter(|p| p.exists());
        let status = match classic {
            Some(exe) => Command::new(exe).spawn().map(|_| ()),
            None => Command::new("explorer.exe")
                .arg("shell:AppsFolder\\Claude_pzs8sxrjxfjjc!Claude")
                .spawn()
                .map(|_| ()),
        };
        status.map_err(|e| RestartError::Failed(format!("could not start Claude: {e}")))
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
