//! Reports external changes to the config file, debounced.
//!
//! Editors and Claude Desktop replace the file (write a temporary file, rename it over), so the
//! folder is watched, not the file, and events are filtered to the file's name. A change is
//! reported only when the content's hash differs from the last one seen, so our own no-op touches
//! and editors' double saves make no noise. This module never reads more than the one file.
//!
//! Opening or reading the file is not a change: counting those made each of our own reads report
//! the next one, forever. The debounce thread sleeps until an event arrives (no ticking while the
//! file is left alone), then waits for a quiet `debounce` before reading.

use std::collections::BTreeSet;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::{Duration, Instant};

use notify::{EventKind, RecommendedWatcher, RecursiveMode, Watcher as _};

use super::ConfigError;
use super::write::sha256;

/// A burst of events longer than this many debounce periods is read anyway (a file written
/// without pause still gets reported).
const LONGEST_BURST: u32 = 8;

/// Links followed before giving up (the kernel's own limit is about as many); a longer chain, or
/// a loop, cannot be read anyway.
const MOST_LINKS: usize = 40;

/// Keeps the watch alive; dropping it stops watching (and ends the debounce thread).
pub struct ConfigWatch {
    // The debounce thread holds only a weak reference (to follow links), so dropping this drops
    // the watcher, whose handler holds the sender the thread waits on.
    _watcher: Arc<Mutex<RecommendedWatcher>>,
}

/// What the path depends on: the folders holding it and each link it goes through, and those
/// files' names. Folders are canonical so a folder reached two ways is watched once.
#[derive(Debug, Default, PartialEq, Eq)]
struct Chain {
    dirs: BTreeSet<PathBuf>,
    names: BTreeSet<OsString>,
}

/// Follows `path` link by link to the file it resolves to (which may not exist). Reads no file,
/// only links.
fn chain(path: &Path) -> Chain {
    let mut chain = Chain::default();
    let mut cur = path.to_path_buf();
    for _ in 0..MOST_LINKS {
        let dir = cur
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let dir = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
        if let Some(name) = cur.file_name() {
            chain.names.insert(name.to_os_string());
        }
        let link = std::fs::symlink_metadata(&cur).is_ok_and(|m| m.file_type().is_symlink());
        let next = if link {
            std::fs::read_link(&cur).ok()
        } else {
            None
        };
        chain.dirs.insert(dir.clone());
        match next {
            // A relative target is relative to the link's folder.
            Some(target) => cur = dir.join(target),
            None => break,
        }
    }
    chain
}

/// Watches the folders `chain` needs and no others; a folder that cannot be watched (not there
/// yet) is left out of `watched`, to be tried again next time.
fn follow(watcher: &Mutex<RecommendedWatcher>, watched: &mut BTreeSet<PathBuf>, chain: &Chain) {
    let mut watcher = watcher.lock().unwrap_or_else(PoisonError::into_inner);
    for gone in watched.difference(&chain.dirs) {
        // Fails when the folder went away, which ended its watch already.
        let _ = watcher.unwatch(gone);
    }
    watched.retain(|d| chain.dirs.contains(d));
    for dir in &chain.dirs {
        if !watched.contains(dir) && watcher.watch(dir, RecursiveMode::NonRecursive).is_ok() {
            watched.insert(dir.clone());
        }
    }
}

/// Calls `on_change` with the file's new bytes (`None` when it was deleted) after each settled
/// change of `path` whose content differs from the last seen. `debounce` is the quiet time that
/// ends a burst of events (250 ms suits editors).
///
/// When `path` is a link (a config kept in a dotfiles repo), the file it resolves to is followed,
/// through any chain of links and across folders, and the watch follows the link when it is
/// pointed elsewhere.
pub fn watch_config(
    path: &Path,
    debounce: Duration,
    mut on_change: impl FnMut(Option<Vec<u8>>) + Send + 'static,
) -> Result<ConfigWatch, ConfigError> {
    let file: PathBuf = path.to_path_buf();
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_path_buf();
    std::fs::create_dir_all(&dir).map_err(|e| ConfigError::io(&dir, e))?;
    let mut last = std::fs::read(&file).ok().map(|b| sha256(&b));
    let mut current = chain(&file);
    // Names of the files in the chain: the config's own and each link's target. Events are
    // filtered by name only (as platforms spell folders differently); a name matching in the
    // wrong folder costs one read of the config, which the hash compare then silences.
    let names = Arc::new(Mutex::new(current.names.clone()));
    let (tx, rx) = mpsc::channel::<()>();
    let handler_names = Arc::clone(&names);
    let watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        let news = match event {
            Ok(e) if matches!(e.kind, EventKind::Access(_)) => false,
            Ok(e) => {
                let names = handler_names.lock().unwrap_or_else(PoisonError::into_inner);
                e.need_rescan()
                    || e.paths
                        .iter()
                        .any(|p| p.file_name().is_some_and(|n| names.contains(n)))
            }
            // Lost events: the file may have changed.
            Err(_) => true,
        };
        if news {
            let _ = tx.send(());
        }
    })
    .map_err(|e| ConfigError::io(&dir, std::io::Error::other(e)))?;
    let watcher = Arc::new(Mutex::new(watcher));
    // The config's own folder must be watched; the others (links' targets) as far as they exist.
    let own = std::fs::canonicalize(&dir).unwrap_or_else(|_| dir.clone());
    watcher
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .watch(&own, RecursiveMode::NonRecursive)
        .map_err(|e| ConfigError::io(&dir, std::io::Error::other(e)))?;
    let mut watched = BTreeSet::from([own]);
    follow(&watcher, &mut watched, &current);
    let weak: Weak<Mutex<RecommendedWatcher>> = Arc::downgrade(&watcher);
    std::thread::Builder::new()
        .name("config-watch".into())
        .spawn(move || {
            // Ends when the watcher (holding the sender) is dropped.
            while rx.recv().is_ok() {
                let burst = Instant::now();
                loop {
                    match rx.recv_timeout(debounce) {
                        Ok(()) if burst.elapsed() < debounce * LONGEST_BURST => {}
                        Ok(()) | Err(RecvTimeoutError::Timeout) => break,
                        Err(RecvTimeoutError::Disconnected) => return,
                    }
                }
                // A link in the chain may have been pointed elsewhere: watch where it leads now,
                // before reading, so an edit of the new target in between is read, not lost.
                let now = chain(&file);
                if now != current {
                    let Some(watcher) = weak.upgrade() else {
                        return;
                    };
                    names
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .clone_from(&now.names);
                    follow(&watcher, &mut watched, &now);
                    current = now;
                }
                let bytes = std::fs::read(&file).ok();
                let hash = bytes.as_deref().map(sha256);
                if hash != last {
                    last = hash;
                    on_change(bytes);
                }
            }
        })
        .map_err(|e| ConfigError::io(&dir, e))?;
    Ok(ConfigWatch { _watcher: watcher })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

    #[test]
    fn external_rewrite_is_reported_once_with_new_content() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("claude_desktop_config.json");
        std::fs::write(&path, b"{}").unwrap();
        let (tx, rx) = mpsc::channel();
        let _watch = watch_config(&path, Duration::from_millis(100), move |b| {
            let _ = tx.send(b);
        })
        .unwrap();
        std::thread::sleep(Duration::from_millis(200));
        // An editor-style save: write a temporary file, rename it over.
        let tmp = dir.path().join(".tmp-save");
        std::fs::write(&tmp, b"{\"mcpServers\": {}}").unwrap();
        std::fs::rename(&tmp, &path).unwrap();
        let got = rx
            .recv_timeout(Duration::from_secs(10))
            .expect("a change event");
        assert_eq!(got.as_deref(), Some(&b"{\"mcpServers\": {}}"[..]));
        // Writing the same bytes again is not a change.
        std::fs::write(&path, b"{\"mcpServers\": {}}").unwrap();
        assert!(rx.recv_timeout(Duration::from_millis(800)).is_err());
        // Reading the file (as the app does after each change) is no change either.
        for _ in 0..5 {
            std::fs::read(&path).unwrap();
        }
        assert!(rx.recv_timeout(Duration::from_millis(800)).is_err());
        std::fs::remove_file(&path).unwrap();
        let gone = rx
            .recv_timeout(Duration::from_secs(10))
            .expect("a delete event");
        assert_eq!(gone, None);
    }

    /// Symlinked configs (a dotfiles repo linked in): the file the link resolves to is followed.
    #[cfg(unix)]
    mod links {
        use super::*;
        use std::os::unix::fs::symlink;

        const NAME: &str = "claude_desktop_config.json";
        const WAIT: Duration = Duration::from_secs(5);
        const QUIET: Duration = Duration::from_millis(600);

        fn watch(link: &Path) -> (ConfigWatch, mpsc::Receiver<Option<Vec<u8>>>) {
            let (tx, rx) = mpsc::channel();
            let watch = watch_config(link, Duration::from_millis(50), move |b| {
                let _ = tx.send(b);
            })
            .unwrap();
            // Let the watches settle before changing anything.
            std::thread::sleep(Duration::from_millis(200));
            (watch, rx)
        }

        fn expect(rx: &mpsc::Receiver<Option<Vec<u8>>>, want: Option<&[u8]>) {
            let got = rx.recv_timeout(WAIT).expect("a change to be reported");
            assert_eq!(got.as_deref(), want);
        }

        fn expect_nothing(rx: &mpsc::Receiver<Option<Vec<u8>>>) {
            if let Ok(got) = rx.recv_timeout(QUIET) {
                panic!("unexpected report: {got:?}");
            }
        }

        /// An editor-style save: a temporary file beside `target`, renamed over it.
        fn save_by_rename(target: &Path, bytes: &[u8]) {
            let tmp = target.with_file_name(".tmp-save");
            std::fs::write(&tmp, bytes).unwrap();
            std::fs::rename(&tmp, target).unwrap();
        }

        /// What `ln -sfn target link` amounts to, done atomically.
        fn repoint(link: &Path, target: &Path) {
            let tmp = link.with_file_name(".tmp-link");
            symlink(target, &tmp).unwrap();
            std::fs::rename(&tmp, link).unwrap();
        }

        fn edits_of_the_target_are_reported(link: &Path, target: &Path) {
            let (_watch, rx) = watch(link);
            std::fs::write(target, b"{\"a\": 1}").unwrap();
            expect(&rx, Some(b"{\"a\": 1}"));
            save_by_rename(target, b"{\"b\": 2}");
            expect(&rx, Some(b"{\"b\": 2}"));
            // Same bytes again: no change.
            std::fs::write(target, b"{\"b\": 2}").unwrap();
            expect_nothing(&rx);
            std::fs::remove_file(target).unwrap();
            expect(&rx, None);
            std::fs::write(target, b"{}").unwrap();
            expect(&rx, Some(b"{}"));
        }

        #[test]
        fn link_to_a_file_in_the_same_folder() {
            let dir = tempfile::tempdir().unwrap();
            let target = dir.path().join("real.json");
            std::fs::write(&target, b"{}").unwrap();
            let link = dir.path().join(NAME);
            symlink("real.json", &link).unwrap();
            edits_of_the_target_are_reported(&link, &target);
        }

        #[test]
        fn link_to_a_file_in_another_folder() {
            let a = tempfile::tempdir().unwrap();
            let b = tempfile::tempdir().unwrap();
            let target = b.path().join("far.json");
            std::fs::write(&target, b"{}").unwrap();
            let link = a.path().join(NAME);
            symlink(&target, &link).unwrap();
            edits_of_the_target_are_reported(&link, &target);
        }

        #[test]
        fn chain_of_links_across_folders() {
            let a = tempfile::tempdir().unwrap();
            let b = tempfile::tempdir().unwrap();
            let c = tempfile::tempdir().unwrap();
            let target = c.path().join("end.json");
            std::fs::write(&target, b"{}").unwrap();
            let middle = b.path().join("middle.json");
            symlink(&target, &middle).unwrap();
            let link = a.path().join(NAME);
            symlink(&middle, &link).unwrap();
            let (_watch, rx) = watch(&link);
            save_by_rename(&target, b"{\"end\": 1}");
            expect(&rx, Some(b"{\"end\": 1}"));
            // Re-pointing the middle link is a change, and the new end is followed.
            let other = a.path().join("other.json");
            std::fs::write(&other, b"{\"other\": 1}").unwrap();
            repoint(&middle, &other);
            expect(&rx, Some(b"{\"other\": 1}"));
            std::fs::write(&other, b"{\"other\": 2}").unwrap();
            expect(&rx, Some(b"{\"other\": 2}"));
            std::fs::write(&target, b"{\"end\": 2}").unwrap();
            expect_nothing(&rx);
        }

        #[test]
        fn repointed_link_follows_the_new_target_only() {
            let a = tempfile::tempdir().unwrap();
            let b = tempfile::tempdir().unwrap();
            let c = tempfile::tempdir().unwrap();
            let old = b.path().join("one.json");
            std::fs::write(&old, b"{\"one\": 1}").unwrap();
            let new = c.path().join("two.json");
            std::fs::write(&new, b"{\"two\": 1}").unwrap();
            let link = a.path().join(NAME);
            symlink(&old, &link).unwrap();
            let (_watch, rx) = watch(&link);
            repoint(&link, &new);
            expect(&rx, Some(b"{\"two\": 1}"));
            save_by_rename(&new, b"{\"two\": 2}");
            expect(&rx, Some(b"{\"two\": 2}"));
            std::fs::write(&new, b"{\"two\": 3}").unwrap();
            expect(&rx, Some(b"{\"two\": 3}"));
            std::fs::write(&old, b"{\"one\": 2}").unwrap();
            save_by_rename(&old, b"{\"one\": 3}");
            expect_nothing(&rx);
        }

        #[test]
        fn chain_follows_links_and_forgets_old_targets() {
            let a = tempfile::tempdir().unwrap();
            let b = tempfile::tempdir().unwrap();
            let c = tempfile::tempdir().unwrap();
            let canon = |p: &Path| std::fs::canonicalize(p).unwrap();
            let link = a.path().join(NAME);
            symlink(b.path().join("one.json"), &link).unwrap();
            let got = chain(&link);
            assert_eq!(got.dirs, BTreeSet::from([canon(a.path()), canon(b.path())]));
            assert_eq!(got.names, BTreeSet::from([NAME.into(), "one.json".into()]));
            repoint(&link, &c.path().join("two.json"));
            let got = chain(&link);
            assert_eq!(got.dirs, BTreeSet::from([canon(a.path()), canon(c.path())]));
            assert_eq!(got.names, BTreeSet::from([NAME.into(), "two.json".into()]));
            // A loop ends; the file is then unreadable, i.e. absent.
            let other = a.path().join("loop.json");
            symlink(&link, &other).unwrap();
            repoint(&link, &other);
            assert_eq!(chain(&link).dirs, BTreeSet::from([canon(a.path())]));
        }

        #[test]
        fn dangling_link_reports_the_target_when_it_appears() {
            let a = tempfile::tempdir().unwrap();
            let b = tempfile::tempdir().unwrap();
            let target = b.path().join("later.json");
            let link = a.path().join(NAME);
            symlink(&target, &link).unwrap();
            let (_watch, rx) = watch(&link);
            save_by_rename(&target, b"{\"now\": 1}");
            expect(&rx, Some(b"{\"now\": 1}"));
        }
    }
}
