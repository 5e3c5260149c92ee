//! Reports external changes to the config file, debounced.
//!
//! Editors and Claude Desktop replace the file (write a temporary file, rename it over), so the
//! folder is watched, not the file, and events are filtered to the file's name. A change is
//! reported only when the content's hash differs from the last one seen, so our own no-op touches
//! and editors' double saves make no noise. This module never reads more than the one file.

use std::path::{Path, PathBuf};
use std::time::Duration;

use notify::RecursiveMode;
use notify_debouncer_full::{DebounceEventResult, Debouncer, RecommendedCache, new_debouncer};

use super::ConfigError;
use super::write::sha256;

/// Keeps the watch alive; dropping it stops watching.
pub struct ConfigWatch {
    _debouncer: Debouncer<notify::RecommendedWatcher, RecommendedCache>,
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
    let watched = file.clone();
    let mut debouncer = new_debouncer(debounce, None, move |result: DebounceEventResult| {
        let Ok(events) = result else { return };
        let touches_file = events.iter().any(|e| {
            e.paths
                .iter()
                .any(|p| p.file_name().map(|n| n.to_os_string()) == name)
        });
        if !touches_file {
            return;
        }
        let bytes = std::fs::read(&watched).ok();
        let hash = bytes.as_deref().map(sha256);
        if hash != last {
            last = hash;
            on_change(bytes);
        }
    })
    .map_err(|e| ConfigError::io(&dir, std::io::Error::other(e)))?;
    debouncer
        .watch(&dir, RecursiveMode::NonRecursive)
        .map_err(|e| ConfigError::io(&dir, std::io::Error::other(e)))?;
    Ok(ConfigWatch {
        _debouncer: debouncer,
    })
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
        std::fs::remove_file(&path).unwrap();
        let gone = rx
            .recv_timeout(Duration::from_secs(10))
            .expect("a delete event");
        assert_eq!(gone, None);
    }
}
