//! The lossless write: how an [`Edit`] reaches the disk.
//!
//! Every write (1) holds MCP Tray's own lock for the file, so two of our processes never interleave;
//! (2) keeps a copy of the bytes it replaces in the history folder (last [`HISTORY_KEEP`]); (3) writes
//! a temporary file in the file's own folder, fsyncs it, gives it the old file's permissions; (4)
//! swaps it in, through a symlink to its target; and (5) proves nobody else wrote the file since we
//! read it. On Linux and macOS step 4 is an atomic *exchange* (`renameat2(RENAME_EXCHANGE)` /
//! `renamex_np(RENAME_SWAP)`), so step 5 inspects exactly the bytes that were replaced: if they are
//! not what we read, the exchange is undone, the file re-read and the edit re-applied, or refused
//! with [`ConfigError::Conflict`] when it no longer applies. Elsewhere step 5 is a re-read just
//! before the rename. Nothing here ever writes a file that does not parse.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::document::ConfigDocument;
use super::edit::{self, Applied, Edit};
use super::store::{self, DisabledEntry, Durability, StoreFile};
use super::{ConfigError, EntryKind};

#[cfg(test)]
thread_local! {
    /// Runs once an undo picked the edit it undoes, before it takes the lock: where another undo
    /// (another window, the CLI) can come in between.
    pub(crate) static BEFORE_UNDO_WRITES: std::cell::Cell<Option<Box<dyn FnOnce()>>> =
        const { std::cell::Cell::new(None) };
}

/// How many backups are kept per config file.
pub const HISTORY_KEEP: usize = 50;
/// How an undo's own backup names its edit: `undo add github`.
const UNDO_PREFIX: &str = "undo ";
/// How many times an edit is re-applied after someone else changed the file.
const MAX_ATTEMPTS: u32 = 8;

/// The history's name for the removal of the file's byte-order mark ([`ConfigFile::remove_bom`]).
pub const REMOVE_BOM: &str = "remove the byte-order mark";
/// The history's name for the conversion of a UTF-16 file to UTF-8 ([`ConfigFile::convert_to_utf8`]).
pub const TO_UTF8: &str = "convert the file from UTF-16 to UTF-8";
/// The history's name for the repair of Windows paths typed with single backslashes
/// ([`ConfigFile::double_backslashes`]).
pub const DOUBLE_BACKSLASHES: &str = "write the backslashes of Windows paths twice";

/// The history's name for the file deleted by another program
/// ([`ConfigFile::record_deleted_outside`]); undoing it puts the file back.
pub const DELETED_OUTSIDE: &str = "deleted by another program";
/// The history's name for a file another program left without any server
/// ([`ConfigFile::record_emptied_outside`]).
pub const EMPTIED_OUTSIDE: &str = "emptied by another program";

/// A Claude Desktop config file and MCP Tray's state about it.
#[derive(Debug, Clone)]
pub struct ConfigFile {
    path: PathBuf,
    data_dir: PathBuf,
    allow_bom: bool,
}

/// What an edit did.
#[derive(Debug, Clone, Serialize)]
pub struct EditOutcome {
    /// `add github`, `disable fs`…
    pub description: String,
    /// The file written (the symlink's target when the config is a symlink).
    pub written: PathBuf,
    /// The backup of the previous content, when there was a file.
    pub backup: Option<PathBuf>,
    /// How many times the edit was re-applied because another program changed the file meanwhile.
    pub reapplied: u32,
    /// The history entry of this write (what `undo` restores), when one was kept.
    pub history_id: Option<u64>,
}

/// A history time (RFC 3339, UTC) as `history`, `undo` and their messages show it:
/// `2026-11-24 08:48:25 UTC`.
pub fn shown_time(ts: &str) -> String {
    let seconds = ts.split('.').next().unwrap_or(ts).trim_end_matches('Z');
    format!("{} UTC", seconds.replacen('T', " ", 1))
}

/// One backup in the history folder.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HistoryEntry {
    pub id: u64,
    /// RFC 3339 time of the write that replaced this content.
    pub ts: String,
    /// The edit that replaced it (`add github`, `undo remove fs`…).
    pub op: String,
    /// Whether a file existed before that write.
    pub existed: bool,
    pub before_sha256: String,
    pub after_sha256: String,
    /// Whether this backup has been restored by `undo`.
    #[serde(default)]
    pub undone: bool,
    /// The disabled-entry store change made with this edit, reversed by undo.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store_change: Option<StoreChange>,
    /// The backup file.
    #[serde(skip_deserializing)]
    pub file: PathBuf,
}

/// The history against the file's content at one moment ([`ConfigFile::undo_state`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UndoState {
    /// The newest history entry (undos included).
    pub newest: Option<u64>,
    /// The entry `undo` would undo now: the newest change not undone, when the file still holds
    /// what it wrote (no other program changed the file since).
    pub undoable: Option<u64>,
}

/// A change to MCP Tray's store made together with a file edit (undo reverses it).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "kebab-case")]
pub enum StoreChange {
    /// The entry moved from the file into the store (disable).
    Disabled { entry: DisabledEntry },
    /// The entry moved from the store back into the file (enable).
    Enabled { entry: DisabledEntry },
    /// The entry was replaced by its tapped form; its original text is kept (tap).
    Tapped { entry: DisabledEntry },
    /// The tapped form was replaced by the original text again (untap).
    Untapped { entry: DisabledEntry },
    /// A disabled entry was removed from the store for good (remove of a disabled server).
    Forgotten { entry: DisabledEntry },
    /// A tapped entry was renamed: its kept original text follows the new name, so that untap
    /// still gives it back (and no copy stays behind under the old name).
    Renamed { from: String, to: String },
}

impl StoreChange {
    /// Whether the store takes something of the file's with this change, to be saved before the
    /// file is written ([`ConfigFile::transact_bytes`]).
    fn keeps_more(&self) -> bool {
        matches!(
            self,
            StoreChange::Disabled { .. } | StoreChange::Tapped { .. } | StoreChange::Renamed { .. }
        )
    }

    /// The change that undoes this one.
    fn reversed(self) -> StoreChange {
        match self {
            StoreChange::Disabled { entry } => StoreChange::Enabled { entry },
            StoreChange::Enabled { entry } => StoreChange::Disabled { entry },
            StoreChange::Tapped { entry } => StoreChange::Untapped { entry },
            StoreChange::Untapped { entry } => StoreChange::Tapped { entry },
            StoreChange::Forgotten { entry } => StoreChange::Disabled { entry },
            StoreChange::Renamed { from, to } => StoreChange::Renamed { from: to, to: from },
        }
    }
}

/// The file as read: its target path, bytes, hash, and which file it was.
struct Read {
    target: PathBuf,
    bytes: Option<Vec<u8>>,
    hash: String,
    identity: Option<Identity>,
}

/// Which file a path named at a moment: device, inode, size and modification time. Comparing
/// identities takes one `stat`, so the moment between our last look and our swap stays short.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Identity {
    dev: u64,
    ino: u64,
    len: u64,
    mtime_ns: i128,
}

#[cfg(unix)]
fn identity(meta: &fs::Metadata) -> Option<Identity> {
    use std::os::unix::fs::MetadataExt;
    Some(Identity {
        dev: meta.dev(),
        ino: meta.ino(),
        len: meta.len(),
        mtime_ns: i128::from(meta.mtime()) * 1_000_000_000 + i128::from(meta.mtime_nsec()),
    })
}

#[cfg(not(unix))]
fn identity(_meta: &fs::Metadata) -> Option<Identity> {
    None
}

fn identity_of(path: &Path) -> Option<Identity> {
    fs::metadata(path).ok().as_ref().and_then(identity)
}

/// The tapped form of a local entry: `exe wrap --name NAME -- COMMAND ARGS…`, with the entry's
/// other keys (`env`…) kept as they are; `None` for an entry that is not a local command.
/// [`ConfigFile::untap`] reads the plain entry back from it.
pub fn tapped_entry(server: &super::ServerEntry, exe: &Path) -> Option<serde_json::Value> {
    let (EntryKind::Local, Some(command), Some(entry)) =
        (&server.kind, &server.command, server.value.as_object())
    else {
        return None;
    };
    let mut all = vec![
        serde_json::json!("wrap"),
        serde_json::json!("--name"),
        serde_json::json!(server.name),
        serde_json::json!("--"),
        serde_json::json!(command),
    ];
    all.extend(server.args.iter().map(|a| serde_json::json!(a)));
    let mut wrapped = serde_json::Map::new();
    wrapped.insert("command".into(), serde_json::json!(exe.to_string_lossy()));
    wrapped.insert("args".into(), serde_json::Value::Array(all));
    for (key, value) in entry {
        if key != "command" && key != "args" {
            wrapped.insert(key.clone(), value.clone());
        }
    }
    Some(serde_json::Value::Object(wrapped))
}

/// Whether the entry sets its own `PATH` in `env` (an nvm folder first, say). Run through the tap,
/// its command would be looked up with the login shell's PATH first, so another `npx` or `node`
/// could run: the Add forms leave such an entry as it is, uncaptured.
pub fn sets_own_path(server: &super::ServerEntry) -> bool {
    server.env.keys().any(|k| k.eq_ignore_ascii_case("PATH"))
}

impl ConfigFile {
    /// The config at `path`, with MCP Tray's state in `data_dir`.
    pub fn new(path: impl Into<PathBuf>, data_dir: impl Into<PathBuf>) -> Self {
        ConfigFile {
            path: path.into(),
            data_dir: data_dir.into(),
            allow_bom: false,
        }
    }

    /// Lets a file that starts with a UTF-8 byte-order mark be edited (the mark is kept).
    pub fn allow_bom(mut self, allow: bool) -> Self {
        self.allow_bom = allow;
        self
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn key(&self) -> String {
        store::config_key(&self.path)
    }

    fn state_dir(&self) -> PathBuf {
        self.data_dir.join("configs").join(self.key())
    }

    fn history_dir(&self) -> PathBuf {
        self.state_dir().join("history")
    }

    fn store_path(&self) -> PathBuf {
        store::store_path(&self.data_dir, &self.key())
    }

    /// Reads and parses the file; a missing file is an empty document.
    pub fn read(&self) -> Result<ConfigDocument, ConfigError> {
        let read = self.read_raw()?;
        self.parse(&read)
    }

    /// The entries disabled through MCP Tray, waiting in its store.
    pub fn disabled(&self) -> Result<Vec<DisabledEntry>, ConfigError> {
        Ok(store::load(&self.store_path())?.disabled)
    }

    fn read_raw(&self) -> Result<Read, ConfigError> {
        use std::io::Read as _;
        let target = resolve_target(&self.path);
        let opened = fs::File::open(&target).and_then(|mut f| {
            let meta = f.metadata()?;
            let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
            f.read_to_end(&mut bytes)?;
            Ok((identity(&meta), bytes))
        });
        match opened {
            Ok((identity, bytes)) => Ok(Read {
                target,
                hash: sha256(&bytes),
                bytes: Some(bytes),
                identity,
            }),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Read {
                target,
                bytes: None,
                hash: String::new(),
                identity: None,
            }),
            // Not the OS's "Is a directory" (or, on Windows, "Access is denied"): a path to the
            // folder the config is in is an easy slip.
            Err(e) if e.kind() == io::ErrorKind::IsADirectory || target.is_dir() => {
                Err(ConfigError::folder(&self.path))
            }
            Err(e) => Err(ConfigError::io(&self.path, e)),
        }
    }

    fn parse(&self, read: &Read) -> Result<ConfigDocument, ConfigError> {
        match &read.bytes {
            Some(bytes) => ConfigDocument::parse(&self.path, bytes, self.allow_bom),
            None => Ok(ConfigDocument::missing(&self.path)),
        }
    }

    /// Applies one edit to the file.
    pub fn apply(&self, edit: &Edit) -> Result<EditOutcome, ConfigError> {
        self.transact(&edit.describe(), |doc, state| {
            refuse_disabled_name(edit, state)?;
            let drop_empty = state.created_servers_object;
            let applied = edit::apply(doc, edit, drop_empty)?;
            let change = match edit {
                Edit::Rename { from, to } if state.tapped.iter().any(|t| &t.name == from) => {
                    Some(StoreChange::Renamed {
                        from: from.clone(),
                        to: to.clone(),
                    })
                }
                _ => None,
            };
            Ok((applied, change))
        })
    }

    /// Applies several edits as one write (one backup, one undo step). Stops at the first edit
    /// that does not apply, writing nothing.
    pub fn apply_all(&self, description: &str, edits: &[Edit]) -> Result<EditOutcome, ConfigError> {
        self.transact(description, |doc, state| all_applied(doc, state, edits))
    }

    /// [`ConfigFile::apply_all`], made only when `check` accepts the document as it is under the
    /// write's lock (again on a retry): fixes worked out from an earlier read (the doctor's)
    /// refuse, through `check`, a file changed where they would write.
    pub fn apply_all_if(
        &self,
        description: &str,
        edits: &[Edit],
        check: impl Fn(&ConfigDocument) -> Result<(), ConfigError>,
    ) -> Result<EditOutcome, ConfigError> {
        self.transact(description, |doc, state| {
            check(doc)?;
            all_applied(doc, state, edits)
        })
    }

    /// Changes the server `name` by the edits `build` makes of its entry as the file holds it
    /// under the write's lock (one write, one undo step, as [`ConfigFile::apply_all`]). Edits
    /// made of an entry read earlier (a form's whole-entry update) would write back, over a
    /// change another program made meanwhile, the fields they did not mean to touch; `build`
    /// runs again on the new entry when the file changed between read and write. An error of
    /// `build`'s own (a check of the caller's) is returned as it is, and nothing is written.
    pub fn edit_entry<E: From<ConfigError>>(
        &self,
        description: &str,
        name: &str,
        build: impl Fn(&super::ServerEntry) -> Result<Vec<Edit>, E>,
    ) -> Result<EditOutcome, E> {
        let refused = std::cell::RefCell::new(None);
        let outcome = self.transact(description, |doc, state| {
            let entry = doc.server(name).ok_or_else(|| {
                ConfigError::Invalid(format!(
                    "no server named \"{name}\" in {}",
                    doc.path.display()
                ))
            })?;
            match build(entry) {
                Ok(edits) => all_applied(doc, state, &edits),
                Err(e) => {
                    *refused.borrow_mut() = Some(e);
                    Err(ConfigError::Invalid(format!("{description}: refused")))
                }
            }
        });
        match refused.into_inner() {
            Some(e) => Err(e),
            None => outcome.map_err(E::from),
        }
    }

    /// Removes the UTF-8 byte-order mark the file starts with, which Claude Desktop cannot read
    /// (Windows editors such as Notepad of old add it); every other byte stays. One undoable write
    /// ([`REMOVE_BOM`]); refused when the file has no mark, or is not JSON after it.
    pub fn remove_bom(&self) -> Result<EditOutcome, ConfigError> {
        let file = self.clone().allow_bom(true);
        file.transact_raw(REMOVE_BOM, |read, doc, _state| {
            let rest = read
                .bytes
                .as_deref()
                .and_then(|bytes| bytes.strip_prefix("\u{feff}".as_bytes()))
                .ok_or_else(|| {
                    ConfigError::Invalid(format!(
                        "{} does not start with a byte-order mark",
                        read.target.display()
                    ))
                })?;
            Ok(Prepared {
                bytes: Some(rest.to_vec()),
                store_change: None,
                created_servers_object: false,
                has_servers_object: doc.has_servers_object,
                keeps_every_entry: false,
            })
        })
    }

    /// Converts a file saved as UTF-16 ([`super::encoding`]), which Claude Desktop cannot read, to
    /// UTF-8 without a byte-order mark: the same characters, line endings and all. One undoable
    /// write ([`TO_UTF8`]); refused when the file is not UTF-16 or, converted, would not be JSON
    /// (it says where, to be fixed in an editor).
    pub fn convert_to_utf8(&self) -> Result<EditOutcome, ConfigError> {
        self.transact_bytes(TO_UTF8, true, |read, _doc, _state| {
            let bytes = read.bytes.as_deref().unwrap_or_default();
            let text = super::encoding::utf16_text(bytes).ok_or_else(|| {
                ConfigError::Invalid(if super::encoding::is_utf16(bytes) {
                    format!(
                        "{} looks like UTF-16 but holds bytes that are not whole UTF-16 characters; open it in an editor and save it as UTF-8",
                        read.target.display()
                    )
                } else {
                    format!("{} is not saved as UTF-16", read.target.display())
                })
            })?;
            let converted = ConfigDocument::parse(&read.target, text.as_bytes(), false)
                .map_err(|e| match e {
                    ConfigError::Parse {
                        line,
                        column,
                        message,
                        ..
                    } => ConfigError::Invalid(format!(
                        "{} converted to UTF-8 would still not be valid JSON (line {line}, column {column}: {message}); fix it in an editor and save it as UTF-8",
                        read.target.display()
                    )),
                    other => other,
                })?;
            Ok(Prepared {
                bytes: Some(text.into_bytes()),
                store_change: None,
                created_servers_object: false,
                has_servers_object: converted.has_servers_object,
                keeps_every_entry: false,
            })
        })
    }

    /// Writes twice each single backslash of the strings that hold an escape JSON does not know
    /// (`"C:\Program Files\nodejs\node.exe"`: `\P` is none), which Claude Desktop cannot read
    /// ([`super::repair`]); every other byte stays, a byte-order mark too. One undoable write
    /// ([`DOUBLE_BACKSLASHES`]); refused when the file does not fail at such a backslash or, so
    /// repaired, would still not be JSON (it says where, to be fixed in an editor).
    pub fn double_backslashes(&self) -> Result<EditOutcome, ConfigError> {
        self.transact_bytes(DOUBLE_BACKSLASHES, true, |read, _doc, _state| {
            let bytes = read.bytes.as_deref().ok_or_else(|| {
                ConfigError::Invalid(format!("{} does not exist", read.target.display()))
            })?;
            let (bytes, doc) = super::repair::repaired(&read.target, bytes)?;
            Ok(Prepared {
                bytes: Some(bytes),
                store_change: None,
                created_servers_object: false,
                has_servers_object: doc.has_servers_object,
                keeps_every_entry: false,
            })
        })
    }

    /// Whether the file does not parse because a string holds an escape JSON does not know (a
    /// byte-order mark aside), and parses with them written twice: what
    /// [`ConfigFile::double_backslashes`] is for.
    pub fn fails_at_a_backslash(&self) -> bool {
        matches!(
            self.clone().allow_bom(true).read(),
            Err(ConfigError::Parse {
                invalid_escape: true,
                ..
            })
        )
    }

    /// Whether [`ConfigFile::double_backslashes`] would mend the file (it would parse then).
    pub fn can_double_backslashes(&self) -> bool {
        self.read_raw().is_ok_and(|read| {
            read.bytes
                .is_some_and(|bytes| super::repair::repaired(&read.target, &bytes).is_ok())
        })
    }

    /// Moves an entry out of the file into MCP Tray's store.
    pub fn disable(&self, name: &str) -> Result<EditOutcome, ConfigError> {
        self.transact(&format!("disable {name}"), |doc, state| {
            let index = doc
                .servers
                .iter()
                .position(|s| s.name == name)
                .ok_or_else(|| {
                    if state.disabled.iter().any(|d| d.name == name) {
                        ConfigError::Invalid(format!("\"{name}\" is already disabled"))
                    } else {
                        ConfigError::Invalid(format!(
                            "no server named \"{name}\" in {}",
                            doc.path.display()
                        ))
                    }
                })?;
            // One stored entry per name: the one kept aside is never overwritten (files that an
            // older build let come to this are told apart by hand).
            if state.disabled.iter().any(|d| d.name == name) {
                return Err(ConfigError::Invalid(format!(
                    "MCP Tray already keeps a disabled server named \"{name}\" aside, and the \
                     file holds another \"{name}\" (added since): rename the one in the file \
                     first (`mcp-tray rename {name} NEW`, or Edit in the app), then disable it"
                )));
            }
            let remove = Edit::Remove {
                name: name.to_owned(),
            };
            let applied = edit::apply(doc, &remove, state.created_servers_object)?;
            let entry = DisabledEntry {
                name: name.to_owned(),
                raw: doc.servers[index].raw.clone(),
                // Where it stands in the file, so that enable puts it back there.
                index: doc.file_index(index),
                disabled_at: now_rfc3339(),
                key_and_separator: Some((
                    doc.servers[index].raw_key.clone(),
                    doc.servers[index].separator.clone(),
                )),
                // The exact text the removal took out, blank lines and all.
                lines: applied.removed_lines.clone(),
            };
            Ok((applied, Some(StoreChange::Disabled { entry })))
        })
    }

    /// Puts a disabled entry back into the file, byte for byte, where it stood.
    pub fn enable(&self, name: &str) -> Result<EditOutcome, ConfigError> {
        self.transact(&format!("enable {name}"), |doc, state| {
            let entry = state
                .disabled
                .iter()
                .find(|d| d.name == name)
                .cloned()
                .ok_or_else(|| {
                    if doc.server(name).is_some() {
                        ConfigError::Invalid(format!("\"{name}\" is already enabled"))
                    } else {
                        ConfigError::Invalid(format!("no disabled server named \"{name}\""))
                    }
                })?;
            let insert = Edit::InsertRaw {
                name: name.to_owned(),
                raw: entry.raw.clone(),
                index: shown_at(doc, &state.disabled, &entry),
                key_and_separator: entry.key_and_separator.clone(),
                lines: entry.lines.clone(),
            };
            let applied = edit::apply(doc, &insert, false)?;
            Ok((applied, Some(StoreChange::Enabled { entry })))
        })
    }

    /// Runs a local entry through MCP Tray's tap (`exe wrap --name NAME -- CMD ARGS…`) so its
    /// traffic is journaled. The entry's `env` and other keys stay; its exact text is kept so that
    /// [`ConfigFile::untap`] gives it back byte for byte.
    pub fn tap(&self, name: &str, exe: &Path) -> Result<EditOutcome, ConfigError> {
        self.transact(&format!("tap {name}"), |doc, _state| {
            let index = doc
                .servers
                .iter()
                .position(|s| s.name == name)
                .ok_or_else(|| {
                    ConfigError::Invalid(format!(
                        "no server named \"{name}\" in {}",
                        doc.path.display()
                    ))
                })?;
            let server = &doc.servers[index];
            if matches!(server.kind, EntryKind::Tapped { .. }) {
                return Err(ConfigError::Invalid(format!(
                    "\"{name}\" is already tapped"
                )));
            }
            let Some(wrapped) = tapped_entry(server, exe) else {
                // A server on MCP Tray's bridge needs no tap: the bridge journals its traffic.
                let already = if matches!(server.kind, EntryKind::Remote { .. }) {
                    "; MCP Tray's bridge, which runs it, records its traffic already (`mcp-tray traffic NAME` shows it)"
                } else {
                    ""
                };
                return Err(ConfigError::Invalid(format!(
                    "\"{name}\" is {}, not a local command: only local servers can be tapped{}",
                    server.kind.label(),
                    already.replace("NAME", name)
                )));
            };
            let entry = DisabledEntry {
                name: name.to_owned(),
                raw: server.raw.clone(),
                index,
                disabled_at: now_rfc3339(),
                key_and_separator: None,
                lines: None,
            };
            let update = Edit::Update {
                name: name.to_owned(),
                entry: wrapped,
            };
            let applied = edit::apply(doc, &update, false)?;
            Ok((applied, Some(StoreChange::Tapped { entry })))
        })
    }

    /// Gives a tapped entry back its original form: its exact former text when MCP Tray tapped it,
    /// otherwise the command and arguments read from the tapped form.
    pub fn untap(&self, name: &str) -> Result<EditOutcome, ConfigError> {
        self.transact(&format!("untap {name}"), |doc, state| {
            let server = doc.server(name).ok_or_else(|| {
                ConfigError::Invalid(format!(
                    "no server named \"{name}\" in {}",
                    doc.path.display()
                ))
            })?;
            let EntryKind::Tapped { command, args } = &server.kind else {
                return Err(ConfigError::Invalid(format!("\"{name}\" is not tapped")));
            };
            let kept = state.tapped.iter().find(|t| t.name == name).cloned();
            let mut plain = serde_json::Map::new();
            plain.insert("command".into(), serde_json::json!(command));
            plain.insert("args".into(), serde_json::json!(args));
            if let Some(obj) = server.value.as_object() {
                for (key, value) in obj {
                    if key != "command" && key != "args" {
                        plain.insert(key.clone(), value.clone());
                    }
                }
            }
            let plain = serde_json::Value::Object(plain);
            // The kept text is used only while it still says the same as the entry: the same
            // command, args, env and other keys. One kept for an earlier server of the name, or
            // from before an edit of the env, would bring back old values (an old token).
            let original = kept.as_ref().filter(|k| {
                serde_json::from_str::<serde_json::Value>(&k.raw).is_ok_and(|v| {
                    let e =
                        super::ServerEntry::from_value(name.to_owned(), v.clone(), k.raw.clone());
                    fn others(v: &serde_json::Value) -> Option<Vec<(&String, &serde_json::Value)>> {
                        let mut rest: Vec<_> = v
                            .as_object()?
                            .iter()
                            .filter(|(k, _)| *k != "command" && *k != "args")
                            .collect();
                        rest.sort_by(|a, b| a.0.cmp(b.0));
                        Some(rest)
                    }
                    e.command.as_deref() == Some(command.as_str())
                        && &e.args == args
                        && others(&v) == others(&plain)
                })
            });
            let edit = match original {
                Some(k) => Edit::ReplaceRaw {
                    name: name.to_owned(),
                    raw: k.raw.clone(),
                },
                None => Edit::Update {
                    name: name.to_owned(),
                    entry: plain,
                },
            };
            let applied = edit::apply(doc, &edit, false)?;
            let change = kept.map(|entry| StoreChange::Untapped { entry });
            Ok((applied, change))
        })
    }

    /// Deletes a disabled entry from the store, as one undoable change: the history entry keeps it
    /// (the config file itself stays as it is), and `undo` puts it back among the disabled.
    pub fn forget_disabled(&self, name: &str) -> Result<EditOutcome, ConfigError> {
        self.transact_raw(&format!("remove disabled {name}"), |read, doc, state| {
            let entry = state
                .disabled
                .iter()
                .find(|d| d.name == name)
                .cloned()
                .ok_or_else(|| {
                    ConfigError::Invalid(format!("no disabled server named \"{name}\""))
                })?;
            Ok(Prepared {
                bytes: read.bytes.clone(),
                store_change: Some(StoreChange::Forgotten { entry }),
                created_servers_object: false,
                has_servers_object: doc.has_servers_object,
                keeps_every_entry: false,
            })
        })
    }

    /// The backups, newest first.
    pub fn history(&self) -> Result<Vec<HistoryEntry>, ConfigError> {
        self.history_with_damaged().map(|(entries, _)| entries)
    }

    /// The backups, newest first, and the ids of the records that cannot be read (a damaged
    /// `.meta.json`), newest first: read in one pass over the history folder.
    pub fn history_with_damaged(&self) -> Result<(Vec<HistoryEntry>, Vec<u64>), ConfigError> {
        let dir = self.history_dir();
        let read = match fs::read_dir(&dir) {
            Ok(r) => r,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok((Vec::new(), Vec::new())),
            Err(e) => return Err(ConfigError::io(&dir, e)),
        };
        let mut entries = Vec::new();
        let mut damaged = Vec::new();
        for item in read.filter_map(Result::ok) {
            let path = item.path();
            let Some(id) = path
                .file_name()
                .and_then(|n| n.to_str())
                .and_then(|n| n.strip_suffix(".meta.json"))
            else {
                continue;
            };
            // A damaged meta file is never fatal: the backups beside it stay readable.
            let parsed = fs::read(&path)
                .ok()
                .and_then(|bytes| serde_json::from_slice::<HistoryEntry>(&bytes).ok());
            match parsed {
                Some(mut entry) => {
                    entry.file = dir.join(format!("{:06}.json", entry.id));
                    entries.push(entry);
                }
                None => damaged.extend(id.parse::<u64>().ok()),
            }
        }
        entries.sort_by_key(|e| std::cmp::Reverse(e.id));
        damaged.sort_unstable_by(|a, b| b.cmp(a));
        Ok((entries, damaged))
    }

    /// Where the history stands against the file's content now (`bytes`; `None`: no file): its
    /// newest entry, and the change [`undo`](Self::undo) would undo without `force`, if the file
    /// still holds what that change wrote.
    pub fn undo_state(&self, bytes: Option<&[u8]>) -> Result<UndoState, ConfigError> {
        let history = self.history()?;
        let hash = bytes.map(sha256).unwrap_or_default();
        Ok(UndoState {
            newest: history.first().map(|h| h.id),
            undoable: history
                .iter()
                .find(|h| !h.undone && !h.op.starts_with(UNDO_PREFIX))
                .filter(|h| h.after_sha256 == hash)
                .map(|h| h.id),
        })
    }

    /// Keeps `last`, the content the file held before another program deleted it (as someone
    /// watching the file saw it), in the history as a change of its own ([`DELETED_OUTSIDE`]), so
    /// that [`undo`](Self::undo) writes it back like any other change. Nothing is recorded (`None`)
    /// when the file is there again, or when MCP Tray's own newest change left no file (an undo of
    /// the edit that created it, or this deletion already recorded). A file another program made
    /// again after a recorded deletion, then deleted, is a deletion of its own: `last` is then that
    /// newer content, which is what a put-back must write.
    pub fn record_deleted_outside(&self, last: &[u8]) -> Result<Option<u64>, ConfigError> {
        let _lock = self.lock()?;
        let now = self.read_raw()?;
        let recorded = self
            .newest_entry()
            .is_some_and(|h| h.after_sha256.is_empty() && h.before_sha256 == sha256(last));
        if now.bytes.is_some() || recorded {
            return Ok(None);
        }
        let before = Read {
            hash: sha256(last),
            bytes: Some(last.to_vec()),
            ..now
        };
        let saved = self.save_backup(DELETED_OUTSIDE, &before, "", None, Durability::Synced)?;
        self.prune_history();
        Ok(saved.and_then(|(data, _)| history_id(&data)))
    }

    /// Keeps `last`, the content the file held before another program left it without any server
    /// (`now`, which it holds: `{}`, or `"mcpServers": {}`), in the history as a change of its own
    /// ([`EMPTIED_OUTSIDE`]), so that [`undo`](Self::undo) puts the servers back like any other
    /// change. Nothing is recorded (`None`) unless `last` held a server and `now` parses to none,
    /// when the file holds something else by now, when it is MCP Tray's own doing (its newest
    /// change wrote `now`: the last server removed), or when this emptying is recorded already.
    pub fn record_emptied_outside(
        &self,
        last: &[u8],
        now: &[u8],
    ) -> Result<Option<u64>, ConfigError> {
        let servers = |bytes: &[u8]| {
            ConfigDocument::parse(&self.path, bytes, true)
                .ok()
                .map(|doc| doc.servers.len())
        };
        // `now` first: on almost every change it still holds servers, and `last` is not parsed.
        if servers(now) != Some(0) || servers(last).is_none_or(|n| n == 0) {
            return Ok(None);
        }
        let _lock = self.lock()?;
        let read = self.read_raw()?;
        let after = sha256(now);
        let ours = self
            .newest_entry()
            .is_some_and(|h| h.after_sha256 == after && !h.undone);
        if read.bytes.as_deref() != Some(now) || ours {
            return Ok(None);
        }
        let before = Read {
            hash: sha256(last),
            bytes: Some(last.to_vec()),
            ..read
        };
        let saved = self.save_backup(EMPTIED_OUTSIDE, &before, &after, None, Durability::Synced)?;
        self.prune_history();
        Ok(saved.and_then(|(data, _)| history_id(&data)))
    }

    /// The recorded emptying ([`record_emptied_outside`](Self::record_emptied_outside)) that
    /// [`undo`](Self::undo) would take back now: the file still holds what was left of it, and
    /// nothing was changed through MCP Tray since.
    pub fn emptied_outside(&self) -> Result<Option<HistoryEntry>, ConfigError> {
        let Some(bytes) = self.read_raw()?.bytes else {
            return Ok(None);
        };
        let hash = sha256(&bytes);
        Ok(self
            .history()?
            .into_iter()
            .find(|h| !h.undone && !h.op.starts_with(UNDO_PREFIX))
            .filter(|h| h.op == EMPTIED_OUTSIDE && h.after_sha256 == hash))
    }

    /// The recorded deletion ([`record_deleted_outside`](Self::record_deleted_outside)) that
    /// [`undo`](Self::undo) would take back now: the file is still missing and nothing was
    /// changed through MCP Tray since.
    pub fn deleted_outside(&self) -> Result<Option<HistoryEntry>, ConfigError> {
        if self.read_raw()?.bytes.is_some() {
            return Ok(None);
        }
        Ok(self
            .history()?
            .into_iter()
            .find(|h| !h.undone && !h.op.starts_with(UNDO_PREFIX))
            .filter(|h| h.op == DELETED_OUTSIDE && h.after_sha256.is_empty()))
    }

    /// Restores the content from before the newest edit not yet undone. Refuses when the file has
    /// changed since that edit, unless `force` (the current content is backed up first either way).
    /// With `expected` (a history id someone was shown), refuses unless that edit is the one undone:
    /// an edit made meanwhile is never undone in its place.
    pub fn undo(
        &self,
        force: bool,
        expected: Option<u64>,
    ) -> Result<(HistoryEntry, EditOutcome), ConfigError> {
        let (history, damaged) = self.history_with_damaged()?;
        // A record that cannot be read, newer than the edit undo would take back: that edit is
        // not the last one, and what the damaged one changed is unknown. Said as such, rather
        // than as a change of the user's made after the older edit.
        let newest_damaged = damaged.first().copied();
        let entry = history
            .into_iter()
            .find(|h| !h.undone && !h.op.starts_with(UNDO_PREFIX));
        if let Some(damaged) = newest_damaged
            && entry.as_ref().is_none_or(|e| e.id < damaged)
        {
            let backup = self.history_dir().join(format!("{damaged:06}.json"));
            return Err(ConfigError::Invalid(format!(
                "the record of MCP Tray's last edit (history ID {damaged}) is damaged, so undo \
                 cannot tell what it changed; nothing was written. {}",
                if backup.exists() {
                    format!(
                        "The file as it was before that edit is {}: copy it back by hand if \
                         you want it.",
                        backup.display()
                    )
                } else {
                    "The file as it was before that edit was not kept.".to_owned()
                }
            )));
        }
        let entry = entry.ok_or_else(|| ConfigError::Invalid("nothing to undo".into()))?;
        // The newest edit is this one, and the hash check below (under the lock) proves nothing
        // was written after it: so it is still the newest when it is undone.
        if expected.is_some_and(|id| id != entry.id) {
            return Err(ConfigError::ChangedSince(format!(
                "another change came after it (\"{}\", {})",
                entry.op,
                shown_time(&entry.ts)
            )));
        }
        let backup = if entry.existed {
            Some(fs::read(&entry.file).map_err(|e| ConfigError::io(&entry.file, e))?)
        } else {
            None
        };
        let op = format!("{UNDO_PREFIX}{}", entry.op);
        #[cfg(test)]
        if let Some(meanwhile) = BEFORE_UNDO_WRITES.take() {
            meanwhile();
        }
        let meta = self
            .history_dir()
            .join(format!("{:06}.meta.json", entry.id));
        let mut done = entry.clone();
        done.undone = true;
        // Marked undone under the lock, as the write is made: an undo started meanwhile (another
        // window, the CLI) that picked the same edit finds it undone below, not writing it twice.
        let mark_undone = || {
            let text = serde_json::to_vec_pretty(&done)
                .map_err(|e| ConfigError::Invalid(e.to_string()))?;
            store::write_small_file(&meta, &text, Durability::Atomic)
        };
        // The bytes put back are what counts: a file broken by hand since is undone too (with
        // `force`, as any change made after the edit; it is backed up first).
        let make = |read: &Read, _doc: &ConfigDocument, _state: &StoreFile| {
            // The history as it is now, under the lock: the edit picked is still the one to undo.
            let still = self
                .history()?
                .into_iter()
                .find(|h| !h.undone && !h.op.starts_with(UNDO_PREFIX))
                .is_some_and(|h| h.id == entry.id);
            if !still {
                return Err(ConfigError::ChangedSince(format!(
                    "\"{}\" ({}) was undone meanwhile, or another edit came after it; nothing \
                     was written",
                    entry.op,
                    shown_time(&entry.ts)
                )));
            }
            // Nothing is thrown away when the file holds what undo puts back already (a file the
            // edit created, deleted since).
            let changed = read.hash != entry.after_sha256 && read.hash != entry.before_sha256;
            if !force && changed && read.bytes.is_none() {
                return Err(ConfigError::ChangedSince(format!(
                    "{} was deleted or moved away after \"{}\" ({}). Nothing was written: put \
                     the file back, or run `mcp-tray undo --force` to write it again as it was \
                     before that edit",
                    read.target.display(),
                    entry.op,
                    shown_time(&entry.ts)
                )));
            }
            if !force && changed {
                return Err(ConfigError::ChangedSince(format!(
                    "the file changed after \"{}\" ({}); undo would throw that change away. \
                     Use `mcp-tray history` to look, or `mcp-tray undo --force` (the current \
                     file is backed up first)",
                    entry.op,
                    shown_time(&entry.ts)
                )));
            }
            let reverse = entry.store_change.clone().map(StoreChange::reversed);
            let has_servers_object = backup
                .as_deref()
                .and_then(|b| ConfigDocument::parse(&self.path, b, true).ok())
                .is_some_and(|d| d.has_servers_object);
            Ok(Prepared {
                bytes: backup.clone(),
                store_change: reverse,
                created_servers_object: false,
                has_servers_object,
                keeps_every_entry: false,
            })
        };
        let outcome = self.transact_bytes_then(&op, true, make, mark_undone)?;
        Ok((done, outcome))
    }

    fn lock(&self) -> Result<fs::File, ConfigError> {
        let dir = self.state_dir();
        fs::create_dir_all(&dir).map_err(|e| ConfigError::io(&dir, e))?;
        let path = dir.join("lock");
        let file = fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| ConfigError::io(&path, e))?;
        file.lock().map_err(|e| ConfigError::io(&path, e))?;
        Ok(file)
    }

    /// Runs an edit that produces new text from the document, under the full write protocol.
    fn transact(
        &self,
        op: &str,
        make: impl Fn(
            &ConfigDocument,
            &StoreFile,
        ) -> Result<(Applied, Option<StoreChange>), ConfigError>,
    ) -> Result<EditOutcome, ConfigError> {
        self.transact_raw(op, |_read, doc, state| {
            let (applied, change) = make(doc, state)?;
            Ok(Prepared {
                bytes: Some(doc.bytes_for(&applied.doc.text)),
                store_change: change,
                // Also when the change is another (enable into a file without `mcpServers`).
                created_servers_object: applied.created_servers_object,
                has_servers_object: applied.doc.has_servers_object,
                keeps_every_entry: applied.only_adds,
            })
        })
    }

    /// The write protocol. `make` returns the new bytes (`None`: delete the file) and the store
    /// change to make with them. It runs again, on the new content, when another program wrote the
    /// file meanwhile.
    fn transact_raw(
        &self,
        op: &str,
        make: impl Fn(&Read, &ConfigDocument, &StoreFile) -> Result<Prepared, ConfigError>,
    ) -> Result<EditOutcome, ConfigError> {
        self.transact_bytes(op, false, make)
    }

    /// [`transact_raw`](Self::transact_raw), which with `any_content` also runs `make` on a file
    /// that does not parse (given an empty document): for a change that puts whole bytes back
    /// (undo), and never reads the entries.
    fn transact_bytes(
        &self,
        op: &str,
        any_content: bool,
        make: impl Fn(&Read, &ConfigDocument, &StoreFile) -> Result<Prepared, ConfigError>,
    ) -> Result<EditOutcome, ConfigError> {
        self.transact_bytes_then(op, any_content, make, || Ok(()))
    }

    /// [`transact_bytes`](Self::transact_bytes), which runs `done` once the write is in, still
    /// under the lock (an undo marks its edit undone there: another undo then sees it so).
    fn transact_bytes_then(
        &self,
        op: &str,
        any_content: bool,
        make: impl Fn(&Read, &ConfigDocument, &StoreFile) -> Result<Prepared, ConfigError>,
        done: impl FnOnce() -> Result<(), ConfigError>,
    ) -> Result<EditOutcome, ConfigError> {
        let _lock = self.lock()?;
        let store_path = self.store_path();
        let mut last_reason = String::new();
        for attempt in 0..MAX_ATTEMPTS {
            let read = self.read_raw()?;
            // An empty file may be one another program is saving this moment (Claude Desktop and
            // many editors empty the file, then write it): read as "no servers", the edit would
            // replace it, and their write would land in the file swapped out. Given a moment to
            // fill, it is read again.
            if read.bytes.as_ref().is_some_and(Vec::is_empty) && !stays_empty(&read.target) {
                last_reason = "another program was writing it".into();
                continue;
            }
            // Write protection is the user's word that the file stays as it is: the swap (a new
            // file renamed over it) would go through it, so it is checked here; and so is a file
            // this user may not write (another user's, in a folder this one may write in).
            let protected = if read.bytes.is_none() {
                None
            } else if fs::metadata(&read.target).is_ok_and(|m| m.permissions().readonly()) {
                Some(
                    "the file is read-only (write-protected), so MCP Tray leaves it as it is; make it writable to edit it",
                )
            } else {
                write_refused(&read.target)
            };
            if let Some(why) = protected {
                return Err(ConfigError::io(
                    &read.target,
                    io::Error::new(io::ErrorKind::PermissionDenied, why),
                ));
            }
            let doc = match self.parse(&read) {
                Ok(doc) => doc,
                Err(e) if any_content && !matches!(e, ConfigError::Io { .. }) => {
                    ConfigDocument::missing(&self.path)
                }
                // Someone else's half-written file: wait for them to finish.
                Err(e) if attempt > 0 && !matches!(e, ConfigError::Io { .. }) => {
                    last_reason = e.to_string();
                    std::thread::sleep(std::time::Duration::from_millis(5 << attempt.min(5)));
                    continue;
                }
                Err(e) => return Err(e),
            };
            let mut state = store::load(&store_path)?;
            let state_before = state.clone();
            // The marker speaks of the file MCP Tray wrote last: once another program wrote it
            // (the user put their own file there, say), the `mcpServers` in it may be theirs.
            if state.created_servers_object && self.newest_written_hash() != Some(read.hash.clone())
            {
                state.created_servers_object = false;
            }
            let prepared = match make(&read, &doc, &state) {
                Ok(v) => v,
                Err(e) if attempt > 0 => {
                    return Err(ConfigError::Conflict {
                        path: self.path.clone(),
                        reason: e.to_string(),
                    });
                }
                Err(e) => return Err(e),
            };
            let (new_bytes, change) = (prepared.bytes.as_deref(), prepared.store_change.clone());
            let after_hash = new_bytes.map(sha256).unwrap_or_default();
            // The backup is the only copy of what the write takes out of the file (an entry
            // removed or changed): on disk before the file changes, so that an OS crash right
            // after cannot leave it empty. A write that keeps every entry (an add) leaves
            // nothing only the backup holds.
            let durability = match prepared.keeps_every_entry {
                true => Durability::Atomic,
                false => Durability::Synced,
            };
            let backup = self.save_backup(op, &read, &after_hash, change.clone(), durability)?;
            let drop_backup = || {
                if let Some((data, meta)) = &backup {
                    let _ = fs::remove_file(data);
                    let _ = fs::remove_file(meta);
                }
            };
            // The store's state once the write is in.
            let keeps_more = change.as_ref().is_some_and(StoreChange::keeps_more);
            if let Some(change) = change {
                apply_store_change(&mut state, change);
            }
            state.created_servers_object |= prepared.created_servers_object;
            // The marker lives only while the `mcpServers` key MCP Tray added is still there.
            let still_has_servers = prepared.has_servers_object;
            state.created_servers_object &= still_has_servers;
            state.config = self.path.clone();
            // What the store takes from the file (a disabled entry, a tapped one's original) is
            // in the store before it leaves the file, and what goes back to the file leaves the
            // store after: a store that cannot be saved (a full disk) stops the write with
            // nothing lost, and a crash between the two leaves the entry in both places, never
            // in neither.
            let saved_first = keeps_more && state != state_before;
            if saved_first && let Err(e) = store::save(&store_path, &state) {
                drop_backup();
                return Err(e);
            }
            let swapped = swap_in(&read, new_bytes);
            if saved_first && !matches!(swapped, Ok(Swap::Done)) {
                // Best effort: an entry left in the store as well is shown, not lost.
                let _ = store::save(&store_path, &state_before);
            }
            match swapped {
                Ok(Swap::Done) => {}
                Ok(Swap::Changed) => {
                    drop_backup();
                    last_reason = "the file changed between our read and our write".into();
                    continue;
                }
                Err(e) => {
                    drop_backup();
                    return Err(ConfigError::io(&read.target, in_words(&read.target, e)));
                }
            }
            if !saved_first && state != state_before {
                store::save(&store_path, &state)?;
            }
            done()?;
            // An undo keeps every backup: undoing many edits in a row would otherwise push out
            // the older edits still to undo (each undo is a backup too), and `undo` would say
            // "nothing to undo" with them still in the file. The next other edit prunes (an undo
            // streak is at most as long as the edits kept, so the history stays bounded).
            if !op.starts_with(UNDO_PREFIX) {
                self.prune_history();
            }
            let history_id = backup.as_ref().and_then(|(data, _)| history_id(data));
            return Ok(EditOutcome {
                description: op.to_owned(),
                written: read.target,
                backup: backup.map(|(data, _)| data),
                reapplied: attempt,
                history_id,
            });
        }
        Err(ConfigError::Conflict {
            path: self.path.clone(),
            reason: format!("it kept changing ({last_reason})"),
        })
    }

    fn save_backup(
        &self,
        op: &str,
        read: &Read,
        after_hash: &str,
        store_change: Option<StoreChange>,
        durability: Durability,
    ) -> Result<Option<(PathBuf, PathBuf)>, ConfigError> {
        let dir = self.history_dir();
        fs::create_dir_all(&dir).map_err(|e| ConfigError::io(&dir, e))?;
        let id = self.history_ids().last().map_or(1, |id| id + 1);
        let data = dir.join(format!("{id:06}.json"));
        let meta = dir.join(format!("{id:06}.meta.json"));
        store::write_small_file(&data, read.bytes.as_deref().unwrap_or_default(), durability)?;
        let entry = HistoryEntry {
            id,
            ts: now_rfc3339(),
            op: op.to_owned(),
            existed: read.bytes.is_some(),
            before_sha256: read.hash.clone(),
            after_sha256: after_hash.to_owned(),
            undone: false,
            store_change,
            file: data.clone(),
        };
        let text =
            serde_json::to_vec_pretty(&entry).map_err(|e| ConfigError::Invalid(e.to_string()))?;
        store::write_small_file(&meta, &text, durability)?;
        if durability == Durability::Synced {
            sync_dir(&dir);
        }
        Ok(Some((data, meta)))
    }

    /// The hash of what the newest write through MCP Tray left in the file.
    fn newest_written_hash(&self) -> Option<String> {
        self.newest_entry().map(|h| h.after_sha256)
    }

    /// The newest history record (undos included).
    fn newest_entry(&self) -> Option<HistoryEntry> {
        let id = *self.history_ids().last()?;
        let meta = self.history_dir().join(format!("{id:06}.meta.json"));
        let bytes = fs::read(meta).ok()?;
        serde_json::from_slice::<HistoryEntry>(&bytes).ok()
    }

    /// The ids of the backups, oldest first, read from the file names alone.
    fn history_ids(&self) -> Vec<u64> {
        let Ok(read) = fs::read_dir(self.history_dir()) else {
            return Vec::new();
        };
        let mut ids: Vec<u64> = read
            .filter_map(Result::ok)
            .filter_map(|e| {
                let name = e.file_name();
                name.to_str()?.strip_suffix(".meta.json")?.parse().ok()
            })
            .collect();
        ids.sort_unstable();
        ids
    }

    fn prune_history(&self) {
        let ids = self.history_ids();
        let dir = self.history_dir();
        for id in ids.iter().take(ids.len().saturating_sub(HISTORY_KEEP)) {
            let _ = fs::remove_file(dir.join(format!("{id:06}.json")));
            let _ = fs::remove_file(dir.join(format!("{id:06}.meta.json")));
        }
    }
}

/// A name a disabled server holds cannot come into the file by another edit (add, rename,
/// import): the two would share one name, and disabling either would overwrite the other's kept
/// entry. Enabling that server is the one way in.
fn refuse_disabled_name(edit: &Edit, state: &StoreFile) -> Result<(), ConfigError> {
    let introduced = match edit {
        Edit::Add { name, .. } | Edit::InsertRaw { name, .. } => name,
        Edit::Rename { to, .. } => to,
        _ => return Ok(()),
    };
    if state.disabled.iter().any(|d| &d.name == introduced) {
        return Err(held_by_disabled(introduced));
    }
    if !matches!(edit, Edit::InsertRaw { .. }) {
        edit::refuse_case_only_difference(
            introduced,
            None,
            state.disabled.iter().map(|d| d.name.clone()),
        )?;
    }
    Ok(())
}

/// Where `entry` goes back into the file: where lists show it ([`store::in_place`]), after the
/// enabled server it follows there. The same as its own index when it is the only one disabled,
/// or the disabled ones are enabled from the last to the first; not when servers disabled one
/// after another are enabled in another order (an index counts the servers disabled after it).
/// A file with a name written twice keeps the entry's own index (the list counts each name once,
/// the index every copy).
fn shown_at(doc: &ConfigDocument, disabled: &[DisabledEntry], entry: &DisabledEntry) -> usize {
    let n = doc.servers.len();
    if (0..n).any(|i| doc.file_index(i) != i) {
        return entry.index;
    }
    let slots = store::in_place(vec![None; n], disabled, |d| Some(d.name.as_str()));
    slots
        .iter()
        .take_while(|slot| **slot != Some(entry.name.as_str()))
        .filter(|slot| slot.is_none())
        .count()
}

fn held_by_disabled(name: &str) -> ConfigError {
    ConfigError::Invalid(format!(
        "a disabled server is named \"{name}\" (MCP Tray keeps it aside until it is enabled); choose another name, or enable or remove that one first"
    ))
}

/// The edits applied one after the other to `doc`, as one write ([`ConfigFile::apply_all`]).
fn all_applied(
    doc: &ConfigDocument,
    state: &StoreFile,
    edits: &[Edit],
) -> Result<(Applied, Option<StoreChange>), ConfigError> {
    let mut current = doc.clone();
    let mut created = false;
    // A tapped server renamed (the Edit form's name): its kept original follows, as with
    // `apply`. Renames in a row make one.
    let mut renamed: Option<(String, String)> = None;
    for edit in edits {
        refuse_disabled_name(edit, state)?;
        let applied = edit::apply(&current, edit, state.created_servers_object)?;
        created |= applied.created_servers_object;
        current = applied.doc;
        if let Edit::Rename { from, to } = edit {
            match &mut renamed {
                Some((_, last)) if last == from => *last = to.clone(),
                None if state.tapped.iter().any(|t| &t.name == from) => {
                    renamed = Some((from.clone(), to.clone()));
                }
                _ => {}
            }
        }
    }
    let change = renamed
        .filter(|(from, to)| from != to)
        .map(|(from, to)| StoreChange::Renamed { from, to });
    Ok((
        Applied {
            doc: current,
            created_servers_object: created,
            removed_lines: None,
            only_adds: edits
                .iter()
                .all(|e| matches!(e, Edit::Add { .. } | Edit::InsertRaw { .. })),
        },
        change,
    ))
}

fn apply_store_change(state: &mut StoreFile, change: StoreChange) {
    match change {
        StoreChange::Disabled { entry } => {
            state.disabled.retain(|d| d.name != entry.name);
            state.disabled.push(entry);
        }
        StoreChange::Enabled { entry } | StoreChange::Forgotten { entry } => {
            state.disabled.retain(|d| d.name != entry.name);
        }
        StoreChange::Tapped { entry } => {
            state.tapped.retain(|d| d.name != entry.name);
            state.tapped.push(entry);
        }
        StoreChange::Untapped { entry } => state.tapped.retain(|d| d.name != entry.name),
        StoreChange::Renamed { from, to } => {
            for kept in state.tapped.iter_mut().filter(|t| t.name == from) {
                kept.name = to.clone();
            }
        }
    }
}

/// What a write is about to put in place.
struct Prepared {
    /// The new bytes; `None` deletes the file (undo of its creation).
    bytes: Option<Vec<u8>>,
    /// The store change made together with the write.
    store_change: Option<StoreChange>,
    /// Whether the write adds the `mcpServers` key (MCP Tray's then, see [`StoreFile`]).
    created_servers_object: bool,
    /// Whether the new content still has an `mcpServers` object.
    has_servers_object: bool,
    /// Whether the write keeps every entry of the file as it was (an add, an enable): its backup
    /// then holds nothing the file does not, and is not fsynced.
    keeps_every_entry: bool,
}

enum Swap {
    Done,
    Changed,
}

/// Follows symlinks to the file that is really written.
pub(crate) fn resolve_target(path: &Path) -> PathBuf {
    let mut current = path.to_path_buf();
    for _ in 0..40 {
        match fs::read_link(&current) {
            Ok(next) => {
                current = if next.is_absolute() {
                    next
                } else {
                    current.parent().unwrap_or(Path::new(".")).join(next)
                };
            }
            Err(_) => return current,
        }
    }
    current
}

/// Replaces the file at `read.target` with `new` (or deletes it for `None`), unless its content is
/// no longer what was read.
/// A failed swap of `target` in plain words where the OS's would puzzle: a folder that may not
/// be written in (the swap writes a new file beside the old one) is named as such, not by the
/// temporary file's name.
fn in_words(target: &Path, e: io::Error) -> io::Error {
    if held_by_another(&e) && e.raw_os_error() != Some(5) {
        return io::Error::other(format!(
            "another program holds {} open and Windows will not let it be replaced meanwhile (an antivirus or a sync tool, often for a moment); try again. Nothing was changed",
            target.display()
        ));
    }
    // The OS's refusal only: MCP Tray's own (`keep_owner`) says what it means.
    if e.kind() != io::ErrorKind::PermissionDenied
        || e.get_ref().is_some_and(|inner| inner.is::<NotTheOwner>())
    {
        return e;
    }
    let dir = target
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    io::Error::new(
        io::ErrorKind::PermissionDenied,
        format!(
            "the folder {} may not be written in (permission denied), and MCP Tray writes the new file beside the old one before it takes its place; make the folder writable to edit the file{}. Nothing was changed",
            dir.display(),
            if cfg!(windows) {
                ", or close the program that holds the file open (an antivirus or a sync tool)"
            } else {
                ""
            }
        ),
    )
}

/// Whether an empty file stays empty for a moment (300 ms): false as soon as something is
/// written to it, or it is replaced or gone.
fn stays_empty(path: &Path) -> bool {
    for _ in 0..6 {
        std::thread::sleep(std::time::Duration::from_millis(50));
        if !fs::metadata(path).is_ok_and(|m| m.len() == 0) {
            return false;
        }
    }
    true
}

/// Why this user may not write the file itself (not only its folder), by the OS's own rule;
/// `None` when they may.
#[cfg(any(
    target_os = "linux",
    target_os = "android",
    target_os = "macos",
    target_os = "ios"
))]
fn write_refused(path: &Path) -> Option<&'static str> {
    use rustix::fs::{Access, access};
    match access(path, Access::WRITE_OK) {
        Ok(()) => None,
        Err(rustix::io::Errno::ROFS) => Some(
            "the file system the file is on is mounted read-only, so MCP Tray leaves it as it is",
        ),
        Err(_) => Some(
            "you may not write this file (it belongs to another user, or is write-protected for you), so MCP Tray leaves it as it is; edit it as its owner, or make it writable for you",
        ),
    }
}

#[cfg(not(any(
    target_os = "linux",
    target_os = "android",
    target_os = "macos",
    target_os = "ios"
)))]
fn write_refused(_path: &Path) -> Option<&'static str> {
    None
}

/// Gives the new file the owner and group of the one it replaces (root editing a user's file
/// would otherwise leave it root's, and the user unable to write it). A file of another owner
/// that this user cannot give away is refused rather than taken over.
#[cfg(unix)]
fn keep_owner(new: &fs::File, old: &fs::Metadata) -> io::Result<()> {
    use std::os::unix::fs::MetadataExt;
    let mine = new.metadata()?;
    if (mine.uid(), mine.gid()) == (old.uid(), old.gid()) {
        return Ok(());
    }
    match std::os::unix::fs::fchown(new, Some(old.uid()), Some(old.gid())) {
        Ok(()) => Ok(()),
        // The group alone may not be ours to give (a file of one of our groups we are not
        // in any more): the owner is what keeps the file the user's.
        Err(_) if mine.uid() == old.uid() => Ok(()),
        Err(_) => Err(io::Error::new(
            io::ErrorKind::PermissionDenied,
            NotTheOwner(old.uid()),
        )),
    }
}

/// A file of another user that this one may write but cannot give back to its owner.
#[derive(Debug)]
#[cfg_attr(not(unix), allow(dead_code))]
struct NotTheOwner(u32);

impl std::fmt::Display for NotTheOwner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the file belongs to another user (uid {}), and MCP Tray, which replaces the file \
             with a new one, cannot keep it theirs; edit it as that user",
            self.0
        )
    }
}

impl std::error::Error for NotTheOwner {}

/// Puts `new` in place of the file `read` read (`None`: removes it), unless the file changed
/// since.
fn swap_in(read: &Read, new: Option<&[u8]>) -> io::Result<Swap> {
    use std::io::Write;
    let target = &read.target;
    let dir = target
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let Some(new) = new else {
        // Undo of the file's creation: move it aside (it is in the history already).
        if current_hash(target)? != read.hash {
            return Ok(Swap::Changed);
        }
        // Already gone (deleted since by someone else) is what was asked for.
        match fs::remove_file(target) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
            _ => return Ok(Swap::Done),
        }
    };
    fs::create_dir_all(dir)?;
    let file_name = target
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("config");
    let mut tmp = tempfile::Builder::new()
        .prefix(&format!(".{file_name}.mcp-tray-"))
        .suffix(".tmp")
        .tempfile_in(dir)?;
    tmp.write_all(new)?;
    if let Ok(meta) = fs::metadata(target) {
        #[cfg(unix)]
        keep_owner(tmp.as_file(), &meta)?;
        fs::set_permissions(tmp.path(), meta.permissions())?;
    }
    tmp.as_file().sync_all()?;

    if read.bytes.is_none() {
        // The file did not exist: create it only if it still does not.
        return match tmp.persist_noclobber(target) {
            Ok(_) => {
                sync_dir(dir);
                Ok(Swap::Done)
            }
            Err(e) if e.error.kind() == io::ErrorKind::AlreadyExists => Ok(Swap::Changed),
            Err(e) => Err(e.error),
        };
    }

    // Last look before the swap: one `stat` where the platform gives file identities.
    let unchanged = || -> io::Result<bool> {
        Ok(match &read.identity {
            Some(id) => identity_of(target).as_ref() == Some(id),
            None => current_hash(target)? == read.hash,
        })
    };
    if !unchanged()? {
        return Ok(Swap::Changed);
    }

    #[cfg(any(
        target_os = "linux",
        target_os = "android",
        target_os = "macos",
        target_os = "ios"
    ))]
    match exchange(tmp.path(), target) {
        Ok(()) => {
            // `tmp.path()` now names the replaced file: from here on, a failure keeps it (dropping
            // `tmp` would delete it, and with it what another program may have written).
            let replaced = |tmp: tempfile::NamedTempFile, e: io::Error| -> io::Error {
                match tmp.into_temp_path().keep() {
                    Ok(kept) => io::Error::new(
                        e.kind(),
                        format!(
                            "{e}, after the file was swapped; the file it replaced is kept as {}",
                            kept.display()
                        ),
                    ),
                    Err(keep) => keep.error,
                }
            };
            // Prove it is the one we read, byte for byte.
            let same_file = read.identity.is_none() || identity_of(tmp.path()) == read.identity;
            let old = match fs::read(tmp.path()) {
                Ok(old) => old,
                Err(e) => return Err(replaced(tmp, e)),
            };
            if same_file && read.bytes.as_deref() == Some(old.as_slice()) {
                sync_dir(dir);
                return Ok(Swap::Done); // dropping `tmp` removes the old file
            }
            // Another program wrote the file in between: put theirs back.
            if let Err(e) = exchange(tmp.path(), target) {
                return Err(replaced(tmp, e));
            }
            let out = match fs::read(tmp.path()) {
                Ok(out) => out,
                Err(e) => return Err(replaced(tmp, e)),
            };
            if out != new {
                // A third write landed during the swap; the newest foreign content goes in place.
                if let Err(e) = exchange(tmp.path(), target) {
                    return Err(replaced(tmp, e));
                }
            }
            return Ok(Swap::Changed);
        }
        Err(e) if exchange_unsupported(&e) => {}
        Err(e) => return Err(e),
    }

    let mut tmp = tmp;
    let mut attempt = 0;
    while let Err(e) = tmp.persist(target) {
        // Windows refuses to replace a file another program holds open without sharing its
        // deletion (an antivirus or a sync tool reading it, for a moment): tried again for
        // about a second.
        if attempt >= PERSIST_TRIES || !held_by_another(&e.error) {
            return Err(e.error);
        }
        tmp = e.file;
        std::thread::sleep(std::time::Duration::from_millis(25 << attempt.min(3)));
        attempt += 1;
        // The program that held the file may have been writing it (a sync tool, Claude
        // Desktop): its content is not replaced by ours unseen.
        if !unchanged()? {
            return Ok(Swap::Changed);
        }
    }
    sync_dir(dir);
    Ok(Swap::Done)
}

/// How many times the swap is tried again while another program holds the file (Windows).
pub(super) const PERSIST_TRIES: u32 = 8;

/// Whether `e` says another program holds the file (Windows: access denied, a sharing or lock
/// violation); never elsewhere, where a rename does not care who has the file open.
pub(super) fn held_by_another(e: &io::Error) -> bool {
    cfg!(windows) && matches!(e.raw_os_error(), Some(5 | 32 | 33))
}

fn current_hash(path: &Path) -> io::Result<String> {
    match fs::read(path) {
        Ok(bytes) => Ok(sha256(&bytes)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(String::new()),
        Err(e) => Err(e),
    }
}

#[cfg(any(
    target_os = "linux",
    target_os = "android",
    target_os = "macos",
    target_os = "ios"
))]
fn exchange(a: &Path, b: &Path) -> io::Result<()> {
    use rustix::fs::{CWD, RenameFlags, renameat_with};
    renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE).map_err(io::Error::from)
}

#[cfg(any(
    target_os = "linux",
    target_os = "android",
    target_os = "macos",
    target_os = "ios"
))]
fn exchange_unsupported(e: &io::Error) -> bool {
    matches!(e.raw_os_error(), Some(code) if code == rustix::io::Errno::INVAL.raw_os_error()
        || code == rustix::io::Errno::NOSYS.raw_os_error()
        || code == rustix::io::Errno::NOTSUP.raw_os_error())
}

fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}

pub(crate) fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The current UTC time as RFC 3339 with milliseconds (`2026-11-24T08:47:13.980Z`).
pub(crate) fn now_rfc3339() -> String {
    let format = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
    );
    time::OffsetDateTime::now_utc()
        .format(&format)
        .unwrap_or_default()
}

/// The id of a history backup, from its file name (`000042.json`).
fn history_id(backup: &Path) -> Option<u64> {
    backup.file_stem()?.to_str()?.parse().ok()
}

#[cfg(test)]
#[path = "write_tests.rs"]
mod tests;
