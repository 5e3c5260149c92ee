//! Claude Desktop's `claude_desktop_config.json`: reading it, and editing it without ever losing a
//! byte of the user's.
//!
//! What this module owns:
//! - [`document`]: strict parsing with precise errors (`path:line:col`, what was expected), the UTF-8
//!   byte-order mark, and the read model ([`ServerEntry`], [`EntryKind`]) that recognises the entries
//!   MCP Tray writes (bridge and wrap forms) and reports them as what they mean.
//! - [`edit`]: minimal, format-preserving edits on the concrete syntax tree (jsonc-parser's CST):
//!   only the bytes of the touched entry change; indentation, key order, line endings, a missing
//!   trailing newline and an object written on one line stay as they were.
//! - [`store`]: MCP Tray's own store of disabled entries, kept as their raw text so that enabling
//!   gives them back byte for byte.
//! - [`write`]: the atomic, lossless write (temporary file, fsync, rename or exchange), the history of
//!   backups and undo, and the detection of concurrent writers.
//! - [`repair`]: writing twice the single backslashes of Windows paths typed into strings, which
//!   JSON reads as escapes it does not know (the file does not parse).
//! - [`change`]: the edit of one entry as the Servers view's form makes it (command, args, env, URL,
//!   name), turned into [`Edit`]s.
//! - [`snippet`]: turning what READMEs tell people to paste into entries.
//! - [`watch`]: reporting external changes to the file.
//!
//! What it must never do: write a file that does not parse, overwrite a change someone else made
//! between our read and our write, or re-serialise the document.

pub mod change;
pub mod document;
pub mod edit;
pub mod encoding;
pub mod mcp_remote;
pub mod repair;
pub mod snippet;
pub mod store;
pub mod watch;
pub mod write;

pub use change::{EntryChange, EnvValue};
pub use document::{ConfigDocument, DuplicateKey, EntryKind, ServerEntry};
pub use edit::Edit;
pub use write::{
    ConfigFile, DELETED_OUTSIDE, DOUBLE_BACKSLASHES, EMPTIED_OUTSIDE, EditOutcome, HistoryEntry,
    REMOVE_BOM, TO_UTF8, UndoState, sets_own_path, tapped_entry,
};

use std::path::PathBuf;

/// Everything that can go wrong reading or editing the config.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file does not parse. Never written in this state.
    #[error("{path}:{line}:{column}: {message}{}", doctor_doubles(.invalid_escape))]
    Parse {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
        /// It fails at a backslash in a string that starts no escape JSON knows (a Windows path
        /// typed with single backslashes), and [`ConfigFile::double_backslashes`] mends it: the
        /// file parses with them written twice (false when it breaks elsewhere too).
        invalid_escape: bool,
    },
    /// The file is not UTF-8.
    #[error("{path}: not valid UTF-8 at byte {offset} (line {line}); save the file as UTF-8")]
    NotUtf8 {
        path: PathBuf,
        offset: usize,
        line: usize,
    },
    /// The file is UTF-16 ([`encoding`]), which Claude Desktop cannot read.
    #[error(
        "{path} is saved as UTF-16 (as Windows PowerShell's `>` and Notepad's \"Unicode\" save \
         files); Claude Desktop reads only UTF-8, so it starts none of its servers. \
         `mcp-tray doctor --fix` converts it to UTF-8 (`mcp-tray undo` puts it back), or save it \
         as UTF-8 in your editor"
    )]
    Utf16 { path: PathBuf },
    /// The file starts with a UTF-8 byte-order mark, which Claude Desktop's parser rejects.
    #[error(
        "{path} starts with a UTF-8 byte-order mark (BOM); Claude Desktop cannot read such a file. \
         `mcp-tray doctor --fix` removes the mark, or pass --keep-bom to edit it anyway"
    )]
    ByteOrderMark { path: PathBuf },
    /// The file parses but has the wrong shape where an edit needs to go.
    #[error("{path}: {message}")]
    Shape { path: PathBuf, message: String },
    /// The user asked for something that cannot be done (unknown name, name taken…).
    #[error("{0}")]
    Invalid(String),
    /// Someone else changed the file and our edit no longer applies to what they wrote.
    #[error(
        "{path} was changed by another program while we were editing it, and the edit no longer \
         applies: {reason}. Nothing was written; look at the file and try again"
    )]
    Conflict { path: PathBuf, reason: String },
    /// Undo was asked for, but the file changed after the edit it would undo: undoing would
    /// throw that change away.
    #[error("{0}")]
    ChangedSince(String),
    /// The I/O error is said in the message and not chained as a source, so that a report of the
    /// whole chain (`{:#}`) does not say it twice. A folder where the file should be is said in
    /// plain words ([`ConfigError::folder`]).
    #[error("{}", io_said(path, error))]
    Io {
        path: PathBuf,
        error: std::io::Error,
    },
}

/// How a terminal mends a file that fails at a single backslash ([`ConfigError::Parse`]).
fn doctor_doubles(invalid_escape: &bool) -> &'static str {
    if *invalid_escape {
        "; `mcp-tray doctor --fix` writes them twice for you (`mcp-tray undo` puts them back)"
    } else {
        ""
    }
}

/// `PATH: ERROR`; a folder where a file should be, in plain words (`PATH is a folder, not a
/// file: …`), without the OS's "Is a directory (os error 21)".
fn io_said(path: &std::path::Path, error: &std::io::Error) -> String {
    if error.kind() == std::io::ErrorKind::IsADirectory {
        let advice = error
            .get_ref()
            .map(|said| format!(": {said}"))
            .unwrap_or_default();
        format!("{} is a folder, not a file{advice}", path.display())
    } else {
        format!("{}: {error}", path.display())
    }
}

impl ConfigError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        ConfigError::Io {
            path: path.into(),
            error: source,
        }
    }

    /// The config's path names a folder (`--config ~/Library/…/Claude`), not a file.
    pub(crate) fn folder(path: impl Into<PathBuf>) -> Self {
        ConfigError::io(
            path,
            std::io::Error::new(
                std::io::ErrorKind::IsADirectory,
                "give the path of a claude_desktop_config.json file",
            ),
        )
    }

    /// Whether the error is about the file (unreadable, unparsable) rather than the request.
    pub fn is_file_problem(&self) -> bool {
        matches!(
            self,
            ConfigError::Parse { .. }
                | ConfigError::NotUtf8 { .. }
                | ConfigError::Utf16 { .. }
                | ConfigError::ByteOrderMark { .. }
                | ConfigError::Shape { .. }
                | ConfigError::Io { .. }
        )
    }
}
