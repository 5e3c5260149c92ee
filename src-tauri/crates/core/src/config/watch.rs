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

use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};

use notify::{EventKind, RecommendedWatcher, RecursiveMode, Watcher as _};

use super::ConfigError;
use super::write::sha256;

/// A burst of events longer than this many debounce periods is read anyway (a file written
/// without pause still gets reported).
const LONGEST_BURST: u32 = 8;

/// Keeps the watch alive; dropping it stops watching (and ends the debounce thread).
pub struct ConfigWatch {
    _watcher: RecommendedWatcher,
}

/// Calls `on_change` with the file's new bytes (`None` when it was deleted) after each settled
/// change of `path` whose content differs from the last seen. `debounce` is the quiet time that
/// ends a burst of events (250 ms suits editors).
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
    let name = file.file_name().map(|n| n.to_os_string());
    let mut last = std::fs::read(&file).ok().map(|b| sha256(&b));
    let (tx, rx) = mpsc::channel::<()>();
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        let news = match event {
            Ok(e) if matches!(e.kind, EventKind::Access(_)) => false,
            Ok(e) => {
                e.need_rescan()
                    || e.paths
                        .iter()
                        .any(|p| p.file_name().map(|n| n.to_os_string()) == name)
            }
            // Lost events: the file may have changed.
            Err(_) => true,
        };
        if news {
            let _ = tx.send(());
        }
    })
    .map_err(|e| ConfigError::io(&dir, std::io::Error::other(e)))?;
    watcher
        .watch(&dir, RecursiveMode::NonRecursive)
        .map_err(|e| ConfigError::io(&dir, std::io::Error::other(e)))?;
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
}
