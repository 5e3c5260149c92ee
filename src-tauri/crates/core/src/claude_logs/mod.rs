//! Claude Desktop's own MCP logs, read into events: `mcp.log` (every server) and
//! `mcp-server-NAME.log` (one server, plus that server's raw stderr) in the folder
//! [`crate::clients::claude_logs_dir`] names.
//!
//! Owns the event type [`LogEvent`] that the CLI's `logs` command and the app's Logs view show.
//! It is shaped so our journals' events can be merged in: `source` says where an event came
//! from, `ts` is RFC 3339 with milliseconds like a journal line's, `dir` uses the journal's
//! `c2s`/`s2c`, and `message` holds a JSON-RPC message as the raw bytes it was logged as.
//! Parsing is in `record`, failure recognition in `classify`, following in [`mod@follow`], and
//! our journals' events are turned into the same events by [`from_journal`].
//!
//! Never: write to Claude's folder, or fail on a malformed, binary or huge file; what cannot be
//! parsed is shown as text.

pub(crate) mod classify;
pub mod follow;
pub mod from_journal;
pub(crate) mod lines;
pub(crate) mod record;
#[cfg(test)]
mod tests;

use std::io::Read;
use std::path::Path;

use serde::Serialize;
use serde_json::value::RawValue;

pub use follow::{LogTail, Pace, StartAt, follow, follow_with_journals};
pub use from_journal::{JournalEventTail, journal_event, read_journal_events};

use crate::diagnose::Diagnosis;

/// Severity of an event as Claude logged it (server output: `error` when it reads like one).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Debug,
    Info,
    Warn,
    Error,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Debug => "debug",
            Level::Info => "info",
            Level::Warn => "warn",
            Level::Error => "error",
        }
    }
}

/// Where an event was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum EventSource {
    /// Claude Desktop's log folder.
    ClaudeLog,
    /// One of our journals (bridge/wrap shims).
    Journal,
}

/// What kind of line an event is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum EventKind {
    /// A record Claude wrote (`TS [level] [server] text`).
    Claude,
    /// The server's own stderr, copied raw into its log by Claude.
    ServerOutput,
    /// A journal event (filled in when journals are merged).
    Journal,
}

/// Direction of a JSON-RPC message, as in the journal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// Client (Claude) to server.
    C2s,
    /// Server to client.
    S2c,
}

/// One event of the merged log view.
#[derive(Debug, Clone, Serialize)]
pub struct LogEvent {
    /// RFC 3339, UTC, milliseconds; for raw server output, the stamp of the record before it.
    pub ts: String,
    /// `ts` as Unix milliseconds, for ordering.
    #[serde(skip)]
    pub ts_ms: i64,
    pub source: EventSource,
    /// The file it was read from (name only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    pub kind: EventKind,
    pub server: Option<String>,
    pub level: Level,
    pub text: String,
    /// The context object Claude appended (`{ metadata: … }`, JSON, or a multi-line JS object).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dir: Option<Direction>,
    /// The JSON-RPC message of a `Message from client:`/`Message from server:` line, raw.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<Box<RawValue>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diagnosis: Option<Diagnosis>,
    /// The line was longer than 1 MiB and was cut.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub truncated: bool,
}

impl LogEvent {
    /// An error, or anything with a diagnosis.
    pub fn is_failure(&self) -> bool {
        self.level == Level::Error || self.diagnosis.is_some()
    }
}

/// `mcp.log` or `mcp-server-*.log`.
pub fn is_claude_log(name: &str) -> bool {
    name == "mcp.log" || (name.starts_with("mcp-server-") && name.ends_with(".log"))
}

/// Per-server files before `mcp.log`: they hold the server's stderr too, so their copy of a
/// record Claude wrote to both is the one kept.
fn per_server_first(a: &str, b: &str) -> std::cmp::Ordering {
    (a == "mcp.log")
        .cmp(&(b == "mcp.log"))
        .then_with(|| a.cmp(b))
}

/// What makes two copies of one record the same record: stamp, and a hash of the rest (keys of
/// a 50 MB log must not hold a second copy of it). The context object is left out: Claude writes
/// one failure twice in the same millisecond, once with its context and once without
/// (`spawn uvx ENOENT {"context":"connection","stack":…}`, then `… {"stack":…}`), and the first
/// copy, the one kept, is the fuller one.
fn dedupe_key(e: &LogEvent) -> (i64, u64) {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    e.server.hash(&mut h);
    (e.kind as u8).hash(&mut h);
    (e.level as u8).hash(&mut h);
    e.text.hash(&mut h);
    e.message.as_ref().map(|m| m.get()).hash(&mut h);
    (e.ts_ms, h.finish())
}

/// Parses one file's content; `name` is its file name (`mcp-server-NAME.log` implies `NAME`).
pub fn parse_bytes(name: &str, bytes: &[u8]) -> Vec<LogEvent> {
    let mut splitter = lines::LineSplitter::new(lines::MAX_LINE);
    let mut parser = record::FileParser::new(name);
    let mut out = Vec::new();
    for line in splitter.push(bytes) {
        out.extend(parser.push_line(&line.text, line.truncated));
    }
    if let Some(line) = splitter.finish() {
        out.extend(parser.push_line(&line.text, line.truncated));
    }
    out.extend(parser.flush());
    out
}

/// Reads one log file, streaming (a huge file costs one chunk plus one line of memory).
pub fn read_file(path: &Path) -> std::io::Result<Vec<LogEvent>> {
    read_file_tail(path, None)
}

/// Reads one log file, or only its last `max_bytes` (starting at the first record there).
pub fn read_file_tail(path: &Path, max_bytes: Option<u64>) -> std::io::Result<Vec<LogEvent>> {
    use std::io::{Seek, SeekFrom};
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut file = std::fs::File::open(path)?;
    let len = file.metadata()?.len();
    let start = max_bytes.map_or(0, |max| len.saturating_sub(max));
    let mut parser = if start > 0 {
        file.seek(SeekFrom::Start(start))?;
        record::FileParser::resuming(&name)
    } else {
        record::FileParser::new(&name)
    };
    let mut splitter = lines::LineSplitter::new(lines::MAX_LINE);
    let mut out = Vec::new();
    let mut chunk = vec![0u8; 64 * 1024];
    loop {
        let n = file.read(&mut chunk)?;
        if n == 0 {
            break;
        }
        for line in splitter.push(&chunk[..n]) {
            out.extend(parser.push_line(&line.text, line.truncated));
        }
    }
    if let Some(line) = splitter.finish() {
        out.extend(parser.push_line(&line.text, line.truncated));
    }
    out.extend(parser.flush());
    Ok(out)
}

/// Every event of every Claude log in `dir`, time-ordered, each record once.
pub fn read_dir(dir: &Path) -> std::io::Result<Vec<LogEvent>> {
    read_dir_recent(dir, None)
}

/// Like [`read_dir`], reading at most the last `max_bytes` of each file (`logs -n 100` need not
/// parse a year of history).
pub fn read_dir_recent(dir: &Path, max_bytes: Option<u64>) -> std::io::Result<Vec<LogEvent>> {
    let mut names: Vec<String> = std::fs::read_dir(dir)?
        .filter_map(Result::ok)
        .filter_map(|e| e.file_name().to_str().map(str::to_owned))
        .filter(|n| is_claude_log(n))
        .collect();
    names.sort_by(|a, b| per_server_first(a, b));
    let mut seen = std::collections::HashSet::new();
    let mut all = Vec::new();
    for name in names {
        // One unreadable file (permissions, locked on Windows) does not hide the others.
        let Ok(events) = read_file_tail(&dir.join(&name), max_bytes) else {
            continue;
        };
        all.extend(events.into_iter().filter(|e| seen.insert(dedupe_key(e))));
    }
    // Stable: records of one file with the same stamp keep their order.
    all.sort_by_key(|e| e.ts_ms);
    Ok(all)
}
