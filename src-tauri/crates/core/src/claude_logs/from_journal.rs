//! Our journals' events (what the shims report about connections: `connected`, a 401, a
//! refused connection…) as [`LogEvent`]s, so they merge into the same time-ordered view as
//! Claude's logs. Only `event` lines: JSON-RPC traffic belongs to `mcp-tray traffic`.
//!
//! Never: write or rotate a journal (the shims own them), or invent a diagnosis for a code that
//! is not one of the stable failure codes.

use std::collections::{HashMap, HashSet, hash_map};
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use super::record::parse_stamp;
use super::{EventKind, EventSource, Level, LogEvent, StartAt};
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
    // A session one of MCP Tray's checks ran (a probe, doctor, a Test) says so first.
    let shown = match entry.check {
        true => format!("[test] {text}"),
        false => text.clone(),
    };
    let diagnosis = entry.code.as_deref().and_then(|code| {
        let fix = fix_for(code, &text)?;
        let severity = if level == Level::Error {
            Severity::Error
        } else {
            Severity::Warning
        };
        Some(
            Diagnosis::new(code, severity, shown.clone())
                .server(&entry.server)
                .detail(format!(
                    "Reported by MCP Tray's shim (pid {}, session {}){}.",
                    entry.pid,
                    entry.session,
                    if entry.check {
                        ", in a test MCP Tray ran, not in Claude Desktop"
                    } else {
                        ""
                    }
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
        // An event with no diagnosis says what happened by its code (`started: …`), unless its
        // sentence says it already (`connected to https://…`, `server stopped (exit code 0)`).
        text: match &entry.code {
            Some(code) if diagnosis.is_none() && !says(&text, code) => match entry.check {
                true => format!("[test] {code}: {text}"),
                false => format!("{code}: {text}"),
            },
            _ => shown,
        },
        context: None,
        dir: None,
        message: None,
        code: entry.code.clone(),
        diagnosis,
        truncated: entry.truncated,
    })
}

/// Whether `text` says `code` in words already (`connected` in "connected to …", `session-closed`
/// in "the session closed").
fn says(text: &str, code: &str) -> bool {
    let words = code.replace('-', " ");
    text.to_ascii_lowercase().contains(&words)
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
    start: StartAt,
}

impl std::fmt::Debug for JournalEventTail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JournalEventTail")
            .field("dir", &self.dir)
            .field("start", &self.start)
            .finish()
    }
}

impl JournalEventTail {
    /// `from_start`: whether journals existing now are read from their beginning (else only what
    /// is written from now on).
    pub fn new(dir: impl Into<PathBuf>, from_start: bool) -> Self {
        let start = if from_start {
            StartAt::Beginning
        } else {
            StartAt::End
        };
        JournalEventTail::starting(dir, start)
    }

    /// Where reading starts in the journals that exist at the first poll, as for Claude's logs
    /// ([`super::LogTail`]): their beginning, their end, or the last bytes of each (from the first
    /// whole line there), so that a view opened after a restart shows what happened lately. The
    /// last bytes of a journal that rotated lately go on into its rotated files: the events the
    /// Servers view cites from there are shown too. Journals that appear later are read whole:
    /// everything in them is new.
    pub fn starting(dir: impl Into<PathBuf>, start: StartAt) -> Self {
        JournalEventTail {
            dir: dir.into(),
            tails: HashMap::new(),
            reported: Reported::default(),
            first: true,
            start,
        }
    }

    /// The events appended since the last poll.
    pub fn poll(&mut self) -> Vec<LogEvent> {
        let mut out = Vec::new();
        for file in journal::journal_files(&self.dir).unwrap_or_default() {
            let start = if self.first {
                self.start
            } else {
                StartAt::Beginning
            };
            let first = self.first;
            let (tail, before) = match self.tails.entry(file) {
                hash_map::Entry::Occupied(tail) => (tail.into_mut(), Vec::new()),
                hash_map::Entry::Vacant(place) => {
                    let (tail, before) = open_tail(place.key(), start, first);
                    (place.insert(tail), before)
                }
            };
            let entries = before.into_iter().chain(tail.poll().unwrap_or_default());
            for entry in entries {
                out.extend(self.reported.event(&entry));
            }
        }
        self.first = false;
        out.sort_by_key(|e| e.ts_ms);
        out
    }
}

/// A tail of the journal `file` starting where `start` says, and the lines before that start:
/// for [`StartAt::Recent`], those of the window (in the rotated files too, when the live one is
/// short); for [`StartAt::Beginning`] at the `first` poll, those of its rotated files, whole,
/// oldest first (a journal found later has none to read: everything in it is new).
fn open_tail(file: &Path, start: StartAt, first: bool) -> (journal::Tail, Vec<Entry>) {
    let bytes = match start {
        StartAt::Beginning if first => {
            let tail = journal::Tail::open(file, true);
            let rotated = journal::rotated_files(file)
                .iter()
                .rev()
                .filter_map(|older| std::fs::read(older).ok())
                .flat_map(|bytes| {
                    bytes
                        .split(|&b| b == b'\n')
                        .filter_map(|line| serde_json::from_slice::<Entry>(line).ok())
                        .collect::<Vec<_>>()
                })
                .collect();
            return (tail, rotated);
        }
        StartAt::Beginning => return (journal::Tail::open(file, true), Vec::new()),
        StartAt::End => return (journal::Tail::open(file, false), Vec::new()),
        StartAt::Recent(bytes) => bytes,
    };
    // The tail starts at the end of the file, and the window up to that end is read here. A shim
    // may append meanwhile: the length is taken on both sides of the tail's opening, and taken
    // again until it did not change, so that the window ends exactly where the tail starts
    // (nothing read twice, nothing skipped).
    const TRIES: usize = 5;
    let len = |file: &Path| std::fs::metadata(file).map(|m| m.len()).ok();
    for attempt in 1..=TRIES {
        let before = len(file);
        let tail = journal::Tail::open(file, false);
        let after = len(file);
        match (before, after) {
            (Some(end), Some(now)) if end == now || attempt == TRIES => {
                return (tail, read_window(file, end, bytes));
            }
            // Gone meanwhile: the tail reads the file anew if it comes back.
            (None, _) | (_, None) => return (tail, Vec::new()),
            _ => {}
        }
    }
    unreachable!("the last try returns")
}

/// The journal lines among the last `bytes` of the journal whose live file is `file`, oldest
/// first: read back from `end` in the live file and, when that holds fewer (a journal that just
/// rotated), on into its rotated files (`.1`, `.2`, …) until `bytes` are read in all, each from
/// its first whole line there. None when the live file cannot be read. A line cut where a read
/// starts, and one that does not parse, are skipped.
fn read_window(file: &Path, end: u64, bytes: u64) -> Vec<Entry> {
    let Ok(live) = File::open(file) else {
        return Vec::new();
    };
    let Ok((newest, read)) = read_end(&live, end, bytes) else {
        return Vec::new();
    };
    // Newest first while the budget lasts, then parsed oldest first.
    let mut chunks = vec![newest];
    let mut budget = bytes.saturating_sub(read);
    for older in journal::rotated_files(file) {
        if budget == 0 {
            break;
        }
        // A rotation since the live file was opened made it `.1`: its lines are read already.
        if is_file_at(&live, &older) {
            continue;
        }
        // A file rotated away meanwhile is skipped: the ones after it still count.
        let Ok(rotated) = File::open(&older) else {
            continue;
        };
        let len = rotated.metadata().map(|m| m.len()).unwrap_or(0);
        if let Ok((chunk, read)) = read_end(&rotated, len, budget) {
            budget = budget.saturating_sub(read);
            chunks.push(chunk);
        }
    }
    chunks
        .iter()
        .rev()
        .flat_map(|chunk| chunk.split(|&b| b == b'\n'))
        .filter_map(|line| serde_json::from_slice::<Entry>(line).ok())
        .collect()
}

/// The bytes among the last `bytes` before `end` in `file`, from the first whole line there, and
/// how many bytes were read.
fn read_end(mut file: &File, end: u64, bytes: u64) -> std::io::Result<(Vec<u8>, u64)> {
    let from = end.saturating_sub(bytes);
    let mut buf = Vec::new();
    file.seek(SeekFrom::Start(from))?;
    let read = file.take(end - from).read_to_end(&mut buf)? as u64;
    if from > 0 {
        // The line the window starts in is cut: whole lines begin after its newline.
        let whole = memchr::memchr(b'\n', &buf).map_or(buf.len(), |nl| nl + 1);
        buf.drain(..whole);
    }
    Ok((buf, read))
}

/// Whether `path` names the file `file` was opened as (a rotation renamed it there). Where that
/// cannot be told, it is not: a rotation in the very moment the view opens could then show a few
/// lines twice, and nothing goes missing.
#[cfg(unix)]
fn is_file_at(file: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), std::fs::metadata(path)) {
        (Ok(a), Ok(b)) => a.ino() == b.ino() && a.dev() == b.dev(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn is_file_at(_file: &File, _path: &Path) -> bool {
    false
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
    fn an_event_is_named_by_its_code_only_when_its_sentence_does_not_say_it() {
        let text = |code: &str, said: &str| {
            let line = format!(
                r#"{{"ts":"2026-12-05T10:00:00.000Z","server":"s","session":"a","pid":1,"dir":"event","kind":"event","code":"{code}","level":"info","text":"{said}"}}"#
            );
            journal_event(&entry(&line)).expect("an event").text
        };
        assert_eq!(
            text("connected", "connected to https://x/mcp"),
            "connected to https://x/mcp"
        );
        assert_eq!(
            text("stopped", "server stopped (exit code 0)"),
            "server stopped (exit code 0)"
        );
        assert_eq!(
            text("started", "/bin/srv (pid 3)"),
            "started: /bin/srv (pid 3)"
        );
        assert_eq!(
            text("session-closed", "session ended"),
            "session-closed: session ended"
        );
        assert_eq!(
            text("session-closed", "the session closed"),
            "the session closed"
        );
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

    #[test]
    fn a_checks_events_say_they_come_from_a_test() {
        let line = |check: bool, code: &str| {
            entry(&format!(
                r#"{{"ts":"2026-12-05T14:00:00.000Z","server":"gh","session":"s","pid":4,"check":{check},"dir":"event","kind":"event","code":"{code}","level":"error","text":"nothing listens"}}"#
            ))
        };
        let tested = journal_event(&line(true, codes::CONNECTION_REFUSED)).expect("an event");
        assert_eq!(tested.text, "[test] nothing listens");
        let d = tested.diagnosis.expect("a diagnosis");
        assert_eq!(d.summary, tested.text, "said once, not twice");
        assert!(d.detail.contains("in a test MCP Tray ran"), "{}", d.detail);
        let news = journal_event(&line(true, "connected")).expect("an event");
        assert_eq!(news.text, "[test] connected: nothing listens");
        let claudes = journal_event(&line(false, codes::CONNECTION_REFUSED)).expect("an event");
        assert_eq!(claudes.text, "nothing listens");
    }

    /// `count` info events (`connected: event NN`) journaled for `server` in `dir`.
    fn journal_numbered(dir: &Path, server: &str, numbers: std::ops::Range<usize>) {
        let j =
            journal::Journal::open(server, journal::JournalConfig::in_dir(dir)).expect("journal");
        for i in numbers {
            j.event(journal::Level::Info, "connected", format!("event {i:02}"));
        }
        j.close(std::time::Duration::from_secs(2));
    }

    fn texts(events: &[LogEvent]) -> Vec<&str> {
        events.iter().map(|e| e.text.as_str()).collect()
    }

    #[test]
    fn a_recent_start_reads_the_end_of_each_journal_from_a_whole_line_then_what_is_added() {
        let dir = tempfile::tempdir().expect("tempdir");
        journal_numbered(dir.path(), "remote", 0..20);
        let files = journal::journal_files(dir.path()).expect("files");
        let [file] = &files[..] else {
            panic!("one journal: {files:?}");
        };
        let text = std::fs::read_to_string(file).expect("journal text");
        // A window that starts inside the line of event 14: that line is cut, 15 is the first.
        let line_14 = text[..text.find("event 14").expect("event 14")]
            .rfind('\n')
            .map_or(0, |nl| nl + 1);
        let bytes = (text.len() - line_14 - 5) as u64;

        let mut tail = JournalEventTail::starting(dir.path(), StartAt::Recent(bytes));
        let first = tail.poll();
        assert_eq!(
            texts(&first),
            (15..20)
                .map(|i| format!("connected: event {i:02}"))
                .collect::<Vec<_>>(),
        );
        // What is journaled next follows, once, and nothing before it again.
        journal_numbered(dir.path(), "remote", 20..21);
        assert_eq!(texts(&tail.poll()), ["connected: event 20"]);
        assert!(tail.poll().is_empty());

        // A window larger than the journal: all of it. From the end: nothing until more comes.
        let all = JournalEventTail::starting(dir.path(), StartAt::Recent(1 << 20)).poll();
        assert_eq!(all.len(), 21);
        let mut from_end = JournalEventTail::starting(dir.path(), StartAt::End);
        assert!(from_end.poll().is_empty());
        journal_numbered(dir.path(), "remote", 21..22);
        assert_eq!(texts(&from_end.poll()), ["connected: event 21"]);
    }

    #[test]
    fn a_recent_start_reads_on_into_the_rotated_files_when_the_live_one_holds_less() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut config = journal::JournalConfig::in_dir(dir.path());
        // About six lines a file: 40 events leave the last 24 or so in `.3`…`.1` and the live file.
        config.max_bytes = 1000;
        config.keep = 3;
        let j = journal::Journal::open("remote", config).expect("journal");
        for i in 0..40 {
            j.event(journal::Level::Info, "connected", format!("event {i:02}"));
        }
        j.close(std::time::Duration::from_secs(2));
        let live = journal::journal_path(dir.path(), "remote");
        let kept: Vec<String> = journal::read_journal(&live, 3)
            .expect("journal")
            .iter()
            .filter_map(journal_event)
            .map(|e| e.text)
            .collect();
        assert!(kept.len() < 40 && kept.len() > 12, "rotated: {kept:?}");

        // A window larger than all the files: every kept line, oldest first, each once.
        let mut tail = JournalEventTail::starting(dir.path(), StartAt::Recent(1 << 20));
        assert_eq!(texts(&tail.poll()), kept);
        assert!(tail.poll().is_empty());

        // A window a little larger than the live file: the live file and the last two lines of
        // `.1` (the line the window starts in is cut), not the older ones.
        let live_len = std::fs::metadata(&live).expect("live").len();
        let one = std::fs::read_to_string(dir.path().join("remote.1.jsonl")).expect(".1");
        let last_two: usize = one.lines().rev().take(2).map(|l| l.len() + 1).sum();
        let live_lines = std::fs::read_to_string(&live)
            .expect("live")
            .lines()
            .count();
        let mut tail =
            JournalEventTail::starting(dir.path(), StartAt::Recent(live_len + last_two as u64 + 5));
        assert_eq!(texts(&tail.poll()), kept[kept.len() - live_lines - 2..]);
        // What is journaled next follows, once.
        journal_numbered(dir.path(), "remote", 40..41);
        assert_eq!(texts(&tail.poll()), ["connected: event 40"]);
        assert!(tail.poll().is_empty());
    }

    #[test]
    fn a_start_from_the_beginning_reads_the_rotated_files_first_then_the_live_one() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut config = journal::JournalConfig::in_dir(dir.path());
        config.max_bytes = 1000;
        config.keep = 3;
        let j = journal::Journal::open("remote", config).expect("journal");
        for i in 0..40 {
            j.event(journal::Level::Info, "connected", format!("event {i:02}"));
        }
        j.close(std::time::Duration::from_secs(2));
        let live = journal::journal_path(dir.path(), "remote");
        assert!(!journal::rotated_files(&live).is_empty(), "it rotated");
        let kept: Vec<String> = journal::read_journal(&live, 3)
            .expect("journal")
            .iter()
            .filter_map(journal_event)
            .map(|e| e.text)
            .collect();
        let live_lines = std::fs::read_to_string(&live)
            .expect("live")
            .lines()
            .count();
        assert!(kept.len() > live_lines, "{kept:?}");
        let mut tail = JournalEventTail::new(dir.path(), true);
        assert_eq!(texts(&tail.poll()), kept);
        journal_numbered(dir.path(), "remote", 40..41);
        assert_eq!(texts(&tail.poll()), ["connected: event 40"]);
        assert!(tail.poll().is_empty());
    }

    #[test]
    fn a_journal_that_appears_after_a_recent_start_is_read_whole() {
        let dir = tempfile::tempdir().expect("tempdir");
        journal_numbered(dir.path(), "old", 0..3);
        let mut tail = JournalEventTail::starting(dir.path(), StartAt::Recent(1));
        assert!(tail.poll().is_empty(), "one byte holds no whole line");
        journal_numbered(dir.path(), "new", 0..3);
        let events = tail.poll();
        assert_eq!(events.len(), 3, "{events:?}");
        assert!(
            events.iter().all(|e| e.server.as_deref() == Some("new")),
            "{events:?}"
        );
    }
}
