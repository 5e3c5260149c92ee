//! Wakes a follower when something in a few folders changes, so that it sleeps instead of polling
//! while nothing happens: the app's journal and log tailers wait on [`FolderChanges`] and read the
//! files only after a change (DESIGN.md: "the app tails them (notify)").
//!
//! Each folder is watched on its own, not recursively. A folder that does not exist yet (Claude's
//! log folder before Claude first runs) is waited for through its nearest existing ancestor, and
//! watched as soon as it appears. Opening or reading a file is not a change: those events are
//! dropped, so a follower's own reads never wake it again. When the operating system gives no
//! watch at all, [`FolderChanges::watching`] is false and followers fall back to a timer.
//!
//! This module never reads the files it watches; it only counts changes.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::{Duration, Instant};

use notify::{EventKind, RecommendedWatcher, RecursiveMode, Watcher as _};
use tokio::sync::watch;

/// A change counter over some folders, with blocking and async waits.
pub struct FolderChanges {
    shared: Arc<Shared>,
    /// Locked only while (un)watching, never by the event handler: notify runs the handler on its
    /// own event thread, which (un)watching waits for.
    watcher: Mutex<Option<RecommendedWatcher>>,
    /// Each wanted folder and what it is watched through now (itself, an ancestor, or nothing).
    wanted: Mutex<Vec<(PathBuf, PathBuf)>>,
    watching: bool,
}

struct Shared {
    count: Mutex<u64>,
    changed: Condvar,
    tx: watch::Sender<u64>,
}

impl Shared {
    fn new() -> Arc<Shared> {
        let (tx, _) = watch::channel(0);
        Arc::new(Shared {
            count: Mutex::new(0),
            changed: Condvar::new(),
            tx,
        })
    }

    fn bump(&self) {
        let mut count = self.count.lock().unwrap_or_else(PoisonError::into_inner);
        *count += 1;
        self.changed.notify_all();
        self.tx.send_replace(*count);
    }
}

impl FolderChanges {
    /// Watches `folders` (each non-recursively); see the module docs for missing folders.
    pub fn watch(folders: &[PathBuf]) -> Arc<FolderChanges> {
        let shared = Shared::new();
        let changes = Arc::new_cyclic(|me: &std::sync::Weak<FolderChanges>| {
            let me = me.clone();
            let on_event = shared.clone();
            let watcher =
                notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
                    let Some(changes) = me.upgrade() else {
                        return;
                    };
                    match event {
                        // Reads, ours included, are not changes.
                        Ok(e) if matches!(e.kind, EventKind::Access(_)) => {}
                        Ok(e) => {
                            if changes.waits_behind(&e.paths) {
                                // A folder we waited for may have appeared: watch it from now on
                                // (on another thread: watching waits for this one).
                                let rearm = changes.clone();
                                std::thread::spawn(move || rearm.arm_all());
                                on_event.bump();
                            } else if changes.concerns(&e.paths) || e.need_rescan() {
                                on_event.bump();
                            }
                        }
                        // Lost events (queue overflow): anything may have changed.
                        Err(_) => on_event.bump(),
                    }
                })
                .ok();
            FolderChanges {
                shared: shared.clone(),
                watching: watcher.is_some(),
                watcher: Mutex::new(watcher),
                wanted: Mutex::new(
                    folders
                        .iter()
                        .map(|f| (f.clone(), PathBuf::new()))
                        .collect(),
                ),
            }
        });
        changes.arm_all();
        changes
    }

    /// Whether changes are really watched; when false, followers must poll on a timer.
    pub fn watching(&self) -> bool {
        self.watching
    }

    /// Counts a change made by the caller itself (a probe result, a config switch…).
    pub fn poke(&self) {
        self.shared.bump();
    }

    /// The number of changes so far.
    pub fn count(&self) -> u64 {
        *self
            .shared
            .count
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Blocks until the count passes `seen` or `timeout` ends (never, when `None`); returns the
    /// count then.
    pub fn wait_blocking(&self, seen: u64, timeout: Option<Duration>) -> u64 {
        let deadline = timeout.map(|t| Instant::now() + t);
        let mut count = self
            .shared
            .count
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        while *count == seen {
            match deadline {
                None => {
                    count = self
                        .shared
                        .changed
                        .wait(count)
                        .unwrap_or_else(PoisonError::into_inner);
                }
                Some(deadline) => {
                    let left = deadline.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        break;
                    }
                    count = self
                        .shared
                        .changed
                        .wait_timeout(count, left)
                        .unwrap_or_else(PoisonError::into_inner)
                        .0;
                }
            }
        }
        *count
    }

    /// The count as an async value: `changed().await` on the receiver wakes on each change.
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.shared.tx.subscribe()
    }

    /// Watches each wanted folder, or its nearest existing ancestor while it does not exist.
    fn arm_all(&self) {
        let mut watcher = self.watcher.lock().unwrap_or_else(PoisonError::into_inner);
        let Some(watcher) = watcher.as_mut() else {
            return;
        };
        let wanted = self
            .wanted
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        for (i, (folder, mut through)) in wanted.into_iter().enumerate() {
            // A folder tree made in one go (`mkdir -p`) can grow while we arm: its next level may
            // appear after the ancestor was listed and before the ancestor's watch began, and no
            // event would ever say so. Look again after each watch until nothing deeper exists.
            let mut deeper = false;
            while let Some(target) = nearest_existing(&folder) {
                if through == target {
                    break;
                }
                if !through.as_os_str().is_empty() {
                    let _ = watcher.unwatch(&through);
                    deeper = true;
                }
                through = if watcher.watch(&target, RecursiveMode::NonRecursive).is_ok() {
                    target
                } else {
                    PathBuf::new()
                };
                if let Some(slot) = self
                    .wanted
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .get_mut(i)
                {
                    slot.1 = through.clone();
                }
                if through.as_os_str().is_empty() {
                    break;
                }
            }
            // What was written in it before its watch began is news too.
            if deeper {
                self.shared.bump();
            }
        }
    }

    /// Whether an event on `paths` is on the way to a wanted folder watched through an ancestor,
    /// or is about a wanted folder itself (removed or moved: watch what is left).
    fn waits_behind(&self, paths: &[PathBuf]) -> bool {
        let wanted = self.wanted.lock().unwrap_or_else(PoisonError::into_inner);
        wanted.iter().any(|(folder, through)| {
            paths
                .iter()
                .any(|p| p == folder || (through != folder && folder.starts_with(p)))
        })
    }

    /// Whether an event on `paths` is in one of the wanted folders (not merely in an ancestor
    /// watched while a folder is missing).
    fn concerns(&self, paths: &[PathBuf]) -> bool {
        let wanted = self.wanted.lock().unwrap_or_else(PoisonError::into_inner);
        paths.iter().any(|p| {
            wanted
                .iter()
                .any(|(folder, _)| p.parent() == Some(folder.as_path()) || p == folder)
        })
    }
}

fn nearest_existing(folder: &Path) -> Option<PathBuf> {
    folder
        .ancestors()
        .find(|a| !a.as_os_str().is_empty() && a.is_dir())
        .map(Path::to_path_buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LONG: Option<Duration> = Some(Duration::from_secs(10));

    #[test]
    fn a_write_in_a_watched_folder_wakes_a_waiter() {
        let dir = tempfile::tempdir().expect("dir");
        let changes = FolderChanges::watch(&[dir.path().to_path_buf()]);
        assert!(changes.watching());
        let seen = changes.count();
        std::fs::write(dir.path().join("a.jsonl"), b"{}\n").expect("write");
        assert!(changes.wait_blocking(seen, LONG) > seen);
    }

    #[test]
    fn reading_a_file_is_not_a_change() {
        let dir = tempfile::tempdir().expect("dir");
        let file = dir.path().join("a.jsonl");
        std::fs::write(&file, b"{}\n").expect("write");
        let changes = FolderChanges::watch(&[dir.path().to_path_buf()]);
        let seen = changes.count();
        for _ in 0..5 {
            std::fs::read(&file).expect("read");
        }
        assert_eq!(
            changes.wait_blocking(seen, Some(Duration::from_millis(500))),
            seen
        );
    }

    #[test]
    fn a_folder_that_appears_later_is_watched_once_it_exists() {
        let dir = tempfile::tempdir().expect("dir");
        let logs = dir.path().join("Claude").join("logs");
        let changes = FolderChanges::watch(std::slice::from_ref(&logs));
        // Unrelated files next to where the folder will be are no news.
        let seen = changes.count();
        std::fs::write(dir.path().join("other.txt"), b"x").expect("write");
        assert_eq!(
            changes.wait_blocking(seen, Some(Duration::from_millis(500))),
            seen
        );
        std::fs::create_dir_all(&logs).expect("mkdir");
        let seen = changes.wait_blocking(seen, LONG);
        assert!(seen > 0, "creating the folder's parent is news");
        // Let the re-arm reach the new folder, then write in it.
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let seen = changes.count();
            std::fs::write(logs.join("mcp.log"), b"line\n").expect("write");
            if changes.wait_blocking(seen, Some(Duration::from_millis(300))) > seen {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "a write in the new folder never woke the waiter"
            );
        }
    }

    #[test]
    fn a_deep_tree_made_in_one_go_is_watched_down_to_the_folder() {
        // `mkdir -p` makes every level at once: each level can appear while the one above it is
        // being watched, and the watch must still end on the folder itself.
        for _ in 0..20 {
            let dir = tempfile::tempdir().expect("dir");
            let logs = dir.path().join("a/b/c/d/e/logs");
            let changes = FolderChanges::watch(std::slice::from_ref(&logs));
            std::fs::create_dir_all(&logs).expect("mkdir");
            let deadline = Instant::now() + Duration::from_secs(5);
            loop {
                let seen = changes.count();
                std::fs::write(logs.join("mcp.log"), b"line\n").expect("write");
                if changes.wait_blocking(seen, Some(Duration::from_millis(200))) > seen
                    && watched_through(&changes) == logs
                {
                    break;
                }
                assert!(
                    Instant::now() < deadline,
                    "still watched through {:?}",
                    watched_through(&changes)
                );
            }
        }
    }

    fn watched_through(changes: &FolderChanges) -> PathBuf {
        changes
            .wanted
            .lock()
            .unwrap_or_else(PoisonError::into_inner)[0]
            .1
            .clone()
    }

    #[tokio::test]
    async fn async_waiters_see_pokes() {
        let dir = tempfile::tempdir().expect("dir");
        let changes = FolderChanges::watch(&[dir.path().to_path_buf()]);
        let mut rx = changes.subscribe();
        changes.poke();
        tokio::time::timeout(Duration::from_secs(5), rx.changed())
            .await
            .expect("woken")
            .expect("sender alive");
        assert_eq!(*rx.borrow(), 1);
    }
}
