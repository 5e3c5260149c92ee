//! MCP Tray's own per-config state in the data dir: disabled entries (kept as their exact text,
//! so enabling gives them back byte for byte), the former text of tapped entries, and whether
//! MCP Tray created `mcpServers`.
//!
//! Claude Desktop has no "disabled" flag, so a disabled entry leaves the config file and waits here.
//! The store is written atomically; it never holds anything but what the user's file held.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::ConfigError;

/// A disabled entry: its name, exact text and where it stood among the servers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DisabledEntry {
    pub name: String,
    pub raw: String,
    pub index: usize,
    pub disabled_at: String,
    /// The name's exact text (quotes included) and the text between name and value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_and_separator: Option<(String, String)>,
    /// The exact text disabling took out of the file (the entry's lines and the blank lines that
    /// went with it), when the file writes entries on lines of their own: enable puts it back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lines: Option<String>,
}

impl DisabledEntry {
    /// The entry as the file held it (one whose text no longer parses reads as invalid).
    pub fn entry(&self) -> super::ServerEntry {
        let value = serde_json::from_str(&self.raw).unwrap_or(serde_json::Value::Null);
        super::ServerEntry::from_value(self.name.clone(), value, self.raw.clone())
    }
}

/// `listed`, the file's servers in file order, with each of `disabled` (the store's, in the order
/// they were disabled) where enabling it would put it back: a server keeps its place in a list
/// while it is disabled. The last disabled goes in first, so that servers disabled one after
/// another, with no other edit between, stand where they stood before.
pub fn in_place<'a, T>(
    mut listed: Vec<T>,
    disabled: &'a [DisabledEntry],
    item: impl Fn(&'a DisabledEntry) -> T,
) -> Vec<T> {
    for d in disabled.iter().rev() {
        let at = d.index.min(listed.len());
        listed.insert(at, item(d));
    }
    listed
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct StoreFile {
    pub config: PathBuf,
    #[serde(default)]
    pub disabled: Vec<DisabledEntry>,
    /// MCP Tray added the `mcpServers` key to this file; it goes again when it becomes empty. It
    /// holds while the file is what MCP Tray wrote last (see `write`): after another program
    /// wrote the file, the key may be the user's, and stays.
    #[serde(default)]
    pub created_servers_object: bool,
    /// The exact former text of entries MCP Tray tapped, for untap.
    #[serde(default)]
    pub tapped: Vec<DisabledEntry>,
}

/// A short stable key for a config path, used to name its state and history folders. The same
/// file gives the same key before and after it exists: a file not there yet is named by the
/// real path of its nearest folder that exists (a symlinked `~/.config` included; on Windows the
/// `\\?\C:\…` form a real path has) and the rest of its path, past any symlink to the file,
/// which is what the real path of the file will be once it and its folders are written (the
/// first add to a Claude Desktop that never ran).
pub(crate) fn config_key(path: &Path) -> String {
    let abs = std::fs::canonicalize(path).unwrap_or_else(|_| {
        let target = super::write::resolve_target(path);
        std::path::absolute(&target)
            .ok()
            .and_then(|target| {
                target.ancestors().skip(1).find_map(|dir| {
                    let real = std::fs::canonicalize(dir).ok()?;
                    Some(real.join(target.strip_prefix(dir).ok()?))
                })
            })
            .unwrap_or_else(|| path.to_path_buf())
    });
    let digest = Sha256::digest(abs.to_string_lossy().as_bytes());
    digest[..8].iter().map(|b| format!("{b:02x}")).collect()
}

pub(crate) fn store_path(data_dir: &Path, key: &str) -> PathBuf {
    data_dir.join("configs").join(key).join("state.json")
}

pub(crate) fn load(path: &Path) -> Result<StoreFile, ConfigError> {
    match std::fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| ConfigError::Shape {
            path: path.to_path_buf(),
            message: format!(
                "MCP Tray's state file is damaged ({e}); move it aside to start afresh"
            ),
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(StoreFile::default()),
        Err(e) => Err(ConfigError::io(path, e)),
    }
}

#[cfg(test)]
thread_local! {
    /// Makes this thread's saves of the store fail, as a full disk would: a fault a test cannot
    /// make the file system produce for a process that may write anywhere (root, in CI).
    pub(crate) static FAIL_SAVES: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

pub(crate) fn save(path: &Path, store: &StoreFile) -> Result<(), ConfigError> {
    #[cfg(test)]
    if FAIL_SAVES.get() {
        return Err(ConfigError::io(
            path,
            std::io::Error::other("no space left on device (a test's fault)"),
        ));
    }
    let text = serde_json::to_vec_pretty(store).map_err(|e| ConfigError::Invalid(e.to_string()))?;
    write_small_file(path, &text, Durability::Synced)
}

/// How much a write of MCP Tray's own file must survive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Durability {
    /// The only copy of something of the user's (a disabled entry, a history backup of what an
    /// edit removes): fsync before going on.
    Synced,
    /// Atomic, but the OS may flush it when it likes (an undo's mark on its edit's record).
    Atomic,
}

/// Writes a file of MCP Tray's own atomically (temp file + rename), creating its folder.
pub(crate) fn write_small_file(
    path: &Path,
    bytes: &[u8],
    durability: Durability,
) -> Result<(), ConfigError> {
    use std::io::Write;
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| ConfigError::io(dir, e))?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(|e| ConfigError::io(dir, e))?;
    tmp.write_all(bytes).map_err(|e| ConfigError::io(path, e))?;
    if durability == Durability::Synced {
        tmp.as_file()
            .sync_all()
            .map_err(|e| ConfigError::io(path, e))?;
    }
    // Windows refuses to replace a file another program holds open (an antivirus or a backup
    // tool reading MCP Tray's store, for a moment): tried again for about a second, as the
    // config's own swap is.
    let mut tmp = tmp;
    let mut attempt = 0;
    while let Err(e) = tmp.persist(path) {
        if attempt >= super::write::PERSIST_TRIES || !super::write::held_by_another(&e.error) {
            return Err(ConfigError::io(path, e.error));
        }
        tmp = e.file;
        std::thread::sleep(std::time::Duration::from_millis(25 << attempt.min(3)));
        attempt += 1;
    }
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    /// The first add to a Claude Desktop that never ran creates its folder: its undo history must
    /// be found under the same key afterwards. Here the folder is reached through a symlink, as
    /// Windows' real paths differ from the plain ones (`\\?\C:\…`).
    #[test]
    fn a_config_in_a_folder_not_there_yet_keeps_its_key_once_written() {
        let tmp = tempfile::tempdir().expect("tmp");
        std::fs::create_dir(tmp.path().join("real")).expect("dir");
        std::os::unix::fs::symlink(tmp.path().join("real"), tmp.path().join("link"))
            .expect("symlink");
        let config = tmp.path().join("link/Claude/claude_desktop_config.json");
        let before = config_key(&config);
        std::fs::create_dir(tmp.path().join("link/Claude")).expect("dir");
        assert_eq!(config_key(&config), before, "folder written");
        std::fs::write(&config, "{}").expect("file");
        assert_eq!(config_key(&config), before, "file written");
    }
}
