//! Our journals' events (what the shims report about connections: `connected`, a 401, a
//! refused connection…) as [`LogEvent`]s, so they merge into the same time-ordered view as
//! Claude's logs. Only `event` lines: JSON-RPC traffic belongs to `mcp-tray traffic`.
//!
//! Never: write or rotate a journal (the shims own them), or invent a diagnosis for a code that
//! is not one of the stable failure codes.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use super::record::parse_stamp;
use super::{EventKind, EventSource, Level, LogEvent};
use crate::diagnose::{Diagnosis, Severity, fix_for};
use crate::journal::{self, Entry};

/// The log-view event of one journal line; None for traffic lines.
pub fn journal_event(entry: &Entry) -> Option<LogEvent> {
    if entry.dir != "event" {
        return None;
    }
    let (stamp, _) = parse_stamp(&entry.ts)?;
    let level = match entry.level.as_deref() {
        Some("error") => Level::Error,
        Some("warn") => Level::Warn,
        Some("debug") => Level::Debug,
        _ => Level::Info,
    };
    let text = entry.text.clone().unwrap_or_default();
    let diagnosis = entry.code.as_deref().and_then(|code| {
        let fix = fix_for(code, &text)?;
        let severity = if level == Level::Error {
            Severity::Error
        } else {
            Severity::Warning
        };
        Some(
            Diagnosis::new(code, severity, text.clone())
                .server(&entry.server)
                .detail(format!(
                    "Reported by MCP Tray's shim (pid {}, session {}).",
                    entry.pid, entry.session
                ))
                .fix(fix),
        )
    });
    Some(LogEvent {
        ts: stamp.text,
        ts_ms: stamp.ms,
        source: EventSource::Journal,
        file: None,
        kind: EventKind::Journal,
        server: Some(entry.server.clone()),
        level,
        text: match &entry.code {
            Some(code) if diagnosis.is_none() => format!("{code}: {text}"),
            _ => text,
        },
        context: None,
        dir: None,
        message: None,
        diagnosis,
        truncated: entry.truncated,
    })
}

/// A shim retrying a refused connection reports it each time: one diagnosis per shim session,
/// code and severity is enough; the repeats stay, as plain events.
#[derive(Debug, Default)]
struct Reported(HashSet<(String, String, String)>);

impl Reported {
    fn event(&mut self, entry: &Entry) -> Option<LogEvent> {
        let mut event = journal_event(entry)?;
        if let Some(d) = &event.diagnosis {
            // The final error after retries is reported even when its warnings were.
            let key = (
                entry.server.clone(),
                entry.session.clone(),
                format!("{}/{:?}", d.code, d.severity),
            );
            if !self.0.insert(key) {
                event.diagnosis = None;
            }
        }
        Some(event)
    }
}

/// Every event of every journal in `dir` (with up to `keep` rotated files each), time-ordered.
pub fn read_journal_events(dir: &Path, keep: usize) -> Vec<LogEvent> {
    let mut reported = Reported::default();
    let mut out: Vec<LogEvent> = journal::journal_files(dir)
        .unwrap_or_default()
        .iter()
        .filter_map(|file| journal::read_journal(file, keep).ok())
        .flatten()
        .filter_map(|entry| reported.event(&entry))
        .collect();
    out.sort_by_key(|e| e.ts_ms);
    out
}

/// Follows every journal in a folder, picking up journals that appear later.
pub struct JournalEventTail {
    dir: PathBuf,
    /// By live file: a journal written before names were hashed holds more than one server's.
    tails: HashMap<PathBuf, journal::Tail>,
    reported: Reported,
    first: bool,
    from_start: bool,
}

impl std::fmt::Debug for JournalEventTail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JournalEventTail")
            .field("dir", &self.dir)
            .finish()
    }
}

impl JournalEventTail {
    /// `from_start`: whether journals existing now are read from their beginning.
    pub fn new(dir: impl Into<PathBuf>, from_start: bool) -> Self {
        JournalEventTail {
            dir: dir.into(),
            tails: HashMap::new(),
            reported: Reported::default(),
            first: true,
            from_start,
        }
    }

    /// The events appended since the last poll.
    pub fn poll(&mut self) -> Vec<LogEvent> {
        let mut out = Vec::new();
        for file in journal::journal_files(&self.dir).unwrap_or_default() {
            let from_start = !self.first || self.from_start;
            let tail = self
                .tails
                .entry(file.clone())
                .or_insert_with(|| journal::Tail::open(file, from_start));
            for entry in tail.poll().unwrap_or_default() {
                out.extend(self.reported.event(&entry));
            }
        }
        self.first = false;
        out.sort_by_key(|e| e.ts_ms);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::codes;

    fn entry(json: &str) -> Entry {
        serde_json::from_str(json).expect("a journal line")
    }

    #[test]
    fn failure_events_carry_a_diagnosis_and_traffic_is_left_out() {
        let e = journal_event(&entry(
            r#"{"ts":"2026-11-24T08:00:00.123Z","server":"linear","session":"s1","pid":42,"dir":"event","kind":"event","code":"auth-required","level":"error","text":"the server answered 401: sign in"}"#,
        ))
        .expect("an event");
        assert_eq!(e.source, EventSource::Journal);
        assert_eq!(e.ts, "2026-11-24T08:00:00.123Z");
        assert_eq!(e.level, Level::Error);
        let d = e.diagnosis.expect("a diagnosis");
        assert_eq!(
            (d.code.as_str(), d.server.as_deref()),
            (codes::AUTH_REQUIRED, Some("linear"))
        );

        let info = journal_event(&entry(
            r#"{"ts":"2026-11-24T08:00:01.000Z","server":"linear","dir":"event","kind":"event","code":"connected","level":"info","text":"via Streamable HTTP"}"#,
        ))
        .expect("an event");
        assert!(info.diagnosis.is_none());
        assert_eq!(info.text, "connected: via Streamable HTTP");

        let traffic = entry(
            r#"{"ts":"2026-11-24T08:00:02.000Z","server":"linear","dir":"c2s","kind":"request","method":"ping","id":1,"msg":{"jsonrpc":"2.0","id":1,"method":"ping"}}"#,
        );
        assert!(journal_event(&traffic).is_none());
    }

    #[test]
    fn journal_events_written_by_a_shim_are_read_back_in_order() {
        let dir = tempfile::tempdir().expect("tempdir");
        let j = journal::Journal::open("remote", journal::JournalConfig::in_dir(dir.path()))
            .expect("journal");
        j.event(journal::Level::Info, "connected", "via Streamable HTTP");
        j.event(
            journal::Level::Error,
            codes::CONNECTION_REFUSED,
            "nothing listens on 127.0.0.1:9",
        );
        j.event(
            journal::Level::Error,
            codes::CONNECTION_REFUSED,
            "still nothing on 127.0.0.1:9",
        );
        j.close(std::time::Duration::from_secs(2));
        let events = read_journal_events(dir.path(), 3);
        assert_eq!(events.len(), 3, "{events:?}");
        assert_eq!(
            events[1].diagnosis.as_ref().map(|d| d.code.as_str()),
            Some(codes::CONNECTION_REFUSED)
        );
        assert!(
            events[2].diagnosis.is_none(),
            "one diagnosis per session and code"
        );
        let mut tail = JournalEventTail::new(dir.path(), true);
        let polled = tail.poll();
        assert_eq!(polled.len(), 3);
        assert_eq!(polled.iter().filter(|e| e.diagnosis.is_some()).count(), 1);
        assert!(tail.poll().is_empty());
    }
}
