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

use std::borrow::Cow;
use std::io::Read;
use std::path::Path;

use serde::Serialize;
use serde_json::value::RawValue;

pub use follow::{Followed, LogTail, Pace, StartAt, follow, follow_with_journals};
pub use from_journal::{JournalEventTail, journal_event, read_journal_events};

use crate::diagnose::Diagnosis;
use crate::redact::{MARKER, mask_text, redact};

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
    /// The code our journals gave the event (`connected`, `auth-required`, `journal-dropped`):
    /// a failure's ([`crate::diagnose::codes::ALL`]) or news. None for Claude's records.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diagnosis: Option<Diagnosis>,
    /// The line was longer than 1 MiB and was cut.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub truncated: bool,
}

impl LogEvent {
    /// Masks what may hold a credential in an event read from Claude's log, for when secrets are
    /// hidden (the `redact` setting, which the journals and the Traffic view follow too): its
    /// JSON-RPC message is [`redact`](crate::redact::redact)ed as a journal's is, and its text,
    /// context and diagnosis are masked as free text ([`mask_text`](crate::redact::mask_text):
    /// a `Bearer` token, a `--header Authorization: …` of the command Claude ran…). An event of
    /// our journals gets the same: its text may have been written while hiding was off, or by a
    /// shim that did not mask event text yet (a server's stderr lines); masking twice changes
    /// nothing.
    pub fn hide_secrets(&mut self) {
        let mask = |text: &mut String| {
            if let Cow::Owned(masked) = mask_text(text) {
                *text = masked;
            }
        };
        if let Some(message) = &self.message
            && let Cow::Owned(masked) = redact(message.get().as_bytes())
        {
            // Masks replace whole JSON values with a string: what was JSON still is.
            let masked = String::from_utf8_lossy(&masked).into_owned();
            self.message = RawValue::from_string(masked)
                .or_else(|_| RawValue::from_string(format!("\"{MARKER}\"")))
                .ok();
        }
        mask(&mut self.text);
        if let Some(context) = &mut self.context {
            mask(context);
        }
        if let Some(d) = &mut self.diagnosis {
            d.hide_secrets();
        }
    }

    /// The event with its secrets hidden ([`LogEvent::hide_secrets`]) when `hide` is true.
    pub fn secrets_hidden(mut self, hide: bool) -> Self {
        if hide {
            self.hide_secrets();
        }
        self
    }

    /// [`LogEvent::secrets_hidden`], and the values of `known` masked wherever they stand (the
    /// credentials the config's servers are started with: a server's stderr that Claude copied
    /// into its log may print them where no name says what they are).
    pub fn secrets_hidden_with(mut self, hide: bool, known: &[String]) -> Self {
        if !hide {
            return self;
        }
        self.hide_secrets();
        if known.is_empty() {
            return self;
        }
        let mask = |text: &mut String| {
            if let Cow::Owned(masked) = crate::redact::mask_known(text.as_bytes(), known, false) {
                *text = String::from_utf8_lossy(&masked).into_owned();
            }
        };
        mask(&mut self.text);
        if let Some(context) = &mut self.context {
            mask(context);
        }
        if let Some(d) = &mut self.diagnosis {
            mask(&mut d.summary);
            mask(&mut d.detail);
            if let Some(fix) = &mut d.fix {
                mask(fix);
            }
        }
        if let Some(message) = &self.message
            && let Cow::Owned(masked) =
                crate::redact::mask_known(message.get().as_bytes(), known, false)
        {
            let masked = String::from_utf8_lossy(&masked).into_owned();
            self.message = RawValue::from_string(masked)
                .or_else(|_| RawValue::from_string(format!("\"{MARKER}\"")))
                .ok();
        }
        self
    }

    /// Whether Claude starts a server here (`Initializing server...`): what follows is another
    /// attempt, whatever the one before ended in.
    pub fn starts_session(&self) -> bool {
        self.kind == EventKind::Claude && self.text.starts_with("Initializing server")
    }

    /// An error, or anything with a diagnosis.
    pub fn is_failure(&self) -> bool {
        self.level == Level::Error || self.diagnosis.is_some()
    }

    /// The request a record was about, as its context names it, on one short line: the `context`
    /// value (`tools/list`) of a JSON context or of Claude's JavaScript one (`{ metadata: {
    /// context: 'tools/list', stack: … } }`). Records with the same words in one millisecond
    /// often differ only there. Never the stack; not `connection`, the context of every failure
    /// that is not about one request, which tells nothing apart.
    pub fn context_name(&self) -> Option<String> {
        const MAX: usize = 60;
        let context = self.context.as_deref()?;
        let name = match serde_json::from_str::<serde_json::Value>(context) {
            Ok(v) => v
                .get("context")
                .or_else(|| v.get("metadata").and_then(|m| m.get("context")))
                .and_then(|c| c.as_str())
                .map(str::to_owned),
            Err(_) => js_string_member(context, "context"),
        }?;
        let name = name.trim();
        if name.is_empty() || name == "connection" || name.contains(char::is_control) {
            return None;
        }
        let cut: String = name.chars().take(MAX).collect();
        Some(if cut.len() < name.len() {
            format!("{cut}…")
        } else {
            cut
        })
    }
}

/// The value of `key: 'text'` (or `"text"`, or a template literal) in JavaScript object notation,
/// when it is a string on one line.
fn js_string_member(object: &str, key: &str) -> Option<String> {
    let pattern = format!("{key}: ");
    let mut from = 0;
    while let Some(at) = object[from..].find(&pattern) {
        let start = from + at;
        from = start + pattern.len();
        // The key itself, not the end of a longer one (`mcpcontext: `).
        let before = object[..start].chars().next_back();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$') {
            continue;
        }
        let rest = &object[from..];
        let quote = rest.chars().next()?;
        if !matches!(quote, '\'' | '"' | '`') {
            return None;
        }
        let body = &rest[1..];
        let end = body.find(quote)?;
        let value = &body[..end];
        return (!value.contains('\n')).then(|| value.to_owned());
    }
    None
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

/// What makes two copies of one record the same record, context aside: stamp, and a hash of the
/// rest (keys of a 50 MB log must not hold a second copy of it). See [`Seen`] for the context.
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

/// The context of a record as hashes of its parts, sorted: each member of a JSON object (key and
/// value), or the whole text of any other context (Claude's newer JavaScript notation); empty
/// without one.
fn context_parts(e: &LogEvent) -> Vec<u64> {
    use std::hash::{Hash, Hasher};
    let hash = |part: &dyn Fn(&mut std::collections::hash_map::DefaultHasher)| {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        part(&mut h);
        h.finish()
    };
    let Some(context) = e.context.as_deref() else {
        return Vec::new();
    };
    let mut parts =
        match serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(context) {
            Ok(members) => members
                .iter()
                .map(|(k, v)| {
                    hash(&|h| {
                        k.hash(h);
                        v.to_string().hash(h);
                    })
                })
                .collect(),
            Err(_) => vec![hash(&|h| context.hash(h))],
        };
    parts.sort_unstable();
    parts.dedup();
    parts
}

/// The records already shown, so each shows once. Claude writes a record to `mcp.log` and to its
/// server's file, and writes some failures twice in the same millisecond, once with its context
/// and once with part of it (`spawn uvx ENOENT {"context":"connection","stack":…}`, then
/// `… {"stack":…}`). A record is a copy when stamp, server, kind, level, text and message match
/// one already shown and its context is that one's or a part of it (none at all included): the
/// first copy, the fuller one, is kept. Two records whose contexts differ otherwise are two
/// failures, not one: requests sent together time out in the same millisecond with the same text,
/// each with its own `{ metadata: { context: 'tools/list' … } }`, and each is shown.
///
/// With a bound, the oldest records are forgotten past it (a follower runs for days).
#[derive(Debug, Default)]
pub(crate) struct Seen {
    shown: std::collections::HashMap<(i64, u64), Vec<Vec<u64>>>,
    order: std::collections::VecDeque<(i64, u64)>,
    bound: Option<usize>,
}

impl Seen {
    pub(crate) fn bounded(bound: usize) -> Self {
        Seen {
            bound: Some(bound),
            ..Seen::default()
        }
    }

    /// False when `e` is a copy of a record already shown; otherwise remembers it.
    pub(crate) fn first_time(&mut self, e: &LogEvent) -> bool {
        let key = dedupe_key(e);
        let parts = context_parts(e);
        let contexts = self.shown.entry(key).or_default();
        if contexts
            .iter()
            .any(|shown| parts.iter().all(|p| shown.binary_search(p).is_ok()))
        {
            return false;
        }
        contexts.push(parts);
        if let Some(bound) = self.bound {
            self.order.push_back(key);
            if self.order.len() > bound
                && let Some(old) = self.order.pop_front()
                && let Some(contexts) = self.shown.get_mut(&old)
            {
                contexts.remove(0);
                if contexts.is_empty() {
                    self.shown.remove(&old);
                }
            }
        }
        true
    }
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
    stamp_orphans(&mut out, file.metadata().and_then(|m| m.modified()).ok());
    Ok(out)
}

/// Gives a stamp to the raw lines read before any record's (the start of a file Claude rotated,
/// or of a part read from the middle of a record): the stamp of the record after them, or, when
/// none follows, the time the file last changed. A time column is then never empty, `--json`'s
/// `ts` stays RFC 3339, and they sort where they were written, not before everything.
pub(crate) fn stamp_orphans(events: &mut [LogEvent], file_changed: Option<std::time::SystemTime>) {
    let mut next: Option<(String, i64)> = None;
    for e in events.iter_mut().rev() {
        if !e.ts.is_empty() {
            next = Some((e.ts.clone(), e.ts_ms));
            continue;
        }
        let stamp = next.clone().or_else(|| {
            let at = file_changed?;
            let ms = at.duration_since(std::time::UNIX_EPOCH).ok()?.as_millis();
            Some((crate::journal::rfc3339_ms(at), i64::try_from(ms).ok()?))
        });
        if let Some((ts, ms)) = stamp {
            e.ts = ts;
            e.ts_ms = ms;
        }
    }
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
    let mut seen = Seen::default();
    let mut all = Vec::new();
    for name in names {
        // One unreadable file (permissions, locked on Windows) does not hide the others.
        let Ok(events) = read_file_tail(&dir.join(&name), max_bytes) else {
            continue;
        };
        all.extend(events.into_iter().filter(|e| seen.first_time(e)));
    }
    // Stable: records of one file with the same stamp keep their order.
    all.sort_by_key(|e| e.ts_ms);
    Ok(all)
}
