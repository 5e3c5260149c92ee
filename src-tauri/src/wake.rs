//! When the app's followers read files again, so that a hidden window costs no CPU at all.
//!
//! One watch on the journal folder and Claude's log folder ([`FolderChanges`]) wakes:
//! - the status watcher (it feeds the tray, so it follows changes whether the window shows or not);
//! - the Traffic and Logs streams, through [`Wake::ui_signal`], only while the window is shown:
//!   a change while it is hidden is read when it is shown again.
//!
//! Where the system gives no file watch, the same signals fall back to timers. This module must
//! never read a journal or a log; it only says when to.

use std::sync::Arc;
use std::time::{Duration, Instant};

use mcp_tray_core::changes::FolderChanges;
use mcp_tray_core::{clients, paths};
use tokio::sync::watch;

/// How often followers poll when the system gives no file watch.
const FALLBACK_INTERVAL: Duration = Duration::from_millis(250);

/// The app's wake-ups: file changes, and whether the main window is shown. Clones share them.
#[derive(Clone)]
pub(crate) struct Wake {
    changes: Arc<FolderChanges>,
    shown: watch::Sender<bool>,
    ui: watch::Sender<u64>,
}

impl Wake {
    /// Watches the journal folder and Claude's log folder; the window starts shown.
    pub(crate) fn start() -> Wake {
        let journals = paths::journal_dir();
        // Ours to create (a shim would); Claude's log folder is waited for, never created.
        if let Err(err) = std::fs::create_dir_all(&journals) {
            eprintln!("mcp-tray-app: cannot create {}: {err}", journals.display());
        }
        let changes = FolderChanges::watch(&[journals, clients::claude_logs_dir()]);
        if !changes.watching() {
            eprintln!(
                "mcp-tray-app: no file watch available; reading journals and logs on a timer"
            );
        }
        Wake::over(changes)
    }

    /// Builds the signals over `changes` (a test passes its own).
    pub(crate) fn over(changes: Arc<FolderChanges>) -> Wake {
        let (shown, _) = watch::channel(true);
        let (ui, _) = watch::channel(0);
        let wake = Wake { changes, shown, ui };
        wake.forward_to_ui();
        wake
    }

    /// Bumps the UI signal on each change while the window is shown, and when it is shown again.
    fn forward_to_ui(&self) {
        let mut changes = self.changes.subscribe();
        let mut shown = self.shown.subscribe();
        let ui = self.ui.clone();
        let watching = self.changes.watching();
        tauri::async_runtime::spawn(async move {
            loop {
                tokio::select! {
                    changed = changes.changed() => if changed.is_err() { return },
                    changed = shown.changed() => if changed.is_err() { return },
                    () = tokio::time::sleep(FALLBACK_INTERVAL), if !watching && *shown.borrow() => {}
                }
                if *shown.borrow_and_update() {
                    ui.send_modify(|n| *n += 1);
                }
            }
        });
    }

    /// The main window was shown or hidden.
    pub(crate) fn set_shown(&self, shown: bool) {
        self.shown
            .send_if_modified(|now| std::mem::replace(now, shown) != shown);
    }

    /// Counts a change the app made itself (a probe's result, another config file): the status
    /// watcher and the views look again.
    pub(crate) fn poke(&self) {
        self.changes.poke();
    }

    /// Changes while the window is shown (and the window shown again): the views' streams.
    pub(crate) fn ui_signal(&self) -> watch::Receiver<u64> {
        self.ui.subscribe()
    }

    /// The status watcher's wait: until anything changed since `seen` (shown or not); with no
    /// file watch, at most one fallback interval. Returns the count to pass next time.
    pub(crate) fn wait_for_change(&self, seen: u64) -> u64 {
        let timeout = (!self.changes.watching()).then_some(Duration::from_secs(1));
        self.changes.wait_blocking(seen, timeout)
    }

    /// The count the status watcher starts from.
    pub(crate) fn changes_seen(&self) -> u64 {
        self.changes.count()
    }
}

/// Blocks a follower thread until `signal` changes, then keeps polls at least `gap` apart (a burst
/// of writes is read in one go). False when the signal is gone (the app is ending).
pub(crate) fn wait_blocking(
    signal: &mut watch::Receiver<u64>,
    last_poll: Instant,
    gap: Duration,
) -> bool {
    if tauri::async_runtime::block_on(signal.changed()).is_err() {
        return false;
    }
    let left = gap.saturating_sub(last_poll.elapsed());
    if !left.is_zero() {
        std::thread::sleep(left);
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use tauri::async_runtime::block_on;
    use tokio::time::timeout;

    #[test]
    fn the_views_are_woken_by_changes_only_while_the_window_shows() {
        let dir = tempfile::tempdir().expect("tmp");
        let changes = FolderChanges::watch(&[dir.path().to_path_buf()]);
        assert!(changes.watching());
        let wake = Wake::over(changes);
        let mut ui = wake.ui_signal();
        let woken = |ui: &mut watch::Receiver<u64>, within: Duration| {
            block_on(async { timeout(within, ui.changed()).await.is_ok() })
        };

        std::fs::write(dir.path().join("a.jsonl"), b"{}\n").expect("write");
        assert!(
            woken(&mut ui, Duration::from_secs(5)),
            "a change while shown wakes the views"
        );

        // One write is several events (create, modify, close): let the rest of its burst wake
        // the views too before they hide, so only what comes after counts.
        std::thread::sleep(Duration::from_millis(300));
        wake.set_shown(false);
        ui.borrow_and_update();
        std::fs::write(dir.path().join("a.jsonl"), b"{}\n{}\n").expect("write");
        assert!(
            !woken(&mut ui, Duration::from_millis(500)),
            "hidden, the views sleep"
        );

        wake.set_shown(true);
        assert!(
            woken(&mut ui, Duration::from_secs(5)),
            "shown again, the views read what they missed"
        );
    }

    #[test]
    fn the_status_watcher_is_woken_by_changes_hidden_or_not() {
        let dir = tempfile::tempdir().expect("tmp");
        let wake = Wake::over(FolderChanges::watch(&[dir.path().to_path_buf()]));
        wake.set_shown(false);
        let seen = wake.changes_seen();
        std::fs::write(dir.path().join("a.jsonl"), b"{}\n").expect("write");
        assert!(wake.wait_for_change(seen) > seen);
        let seen = wake.changes_seen();
        wake.poke();
        assert!(
            wake.wait_for_change(seen) > seen,
            "the app's own evidence wakes it too"
        );
    }
}
