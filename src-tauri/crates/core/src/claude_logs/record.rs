//! Turning lines of one Claude log file into events.
//!
//! A record starts with a header line, `TS [server] [level] text` (the `mcp-server-NAME.log`
//! layout) or `TS [level] [server] text` (the `mcp.log` layout); in a per-server file the server
//! may be missing and is implied by the file name. The text may end with a context object:
//! `{ metadata: undefined }`, a JSON object (`{"context":"connection","stack":"…"}`), or a
//! multi-line JavaScript object that opens with ` {` at the end of the header line and closes
//! with a `}` at column 0 (sometimes `} %o`). Lines that belong to no record are the server's own
//! stderr, which Claude copies into the file raw: consecutive ones become one `server-output`
//! event (a traceback or a usage text stays whole).
//!
//! Never: drop a line. Whatever does not parse is kept as text.

use serde_json::value::RawValue;

use super::classify::Classifier;
use super::{Direction, EventKind, EventSource, Level, LogEvent};

/// Raw lines grouped into one event at most.
const RAW_GROUP_LINES: usize = 200;
/// Lines of a multi-line context object at most, before we stop waiting for its `}`.
const BLOCK_LINES: usize = 500;

/// A parsed timestamp: normalised RFC 3339 (UTC, milliseconds) and Unix milliseconds.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Stamp {
    pub text: String,
    pub ms: i64,
}

/// Parses `YYYY-MM-DD[T ]HH:MM:SS[.fff][Z|±HH:MM]` at the start of `s`; returns it and the rest.
pub fn parse_stamp(s: &str) -> Option<(Stamp, &str)> {
    let b = s.as_bytes();
    let digits = |from: usize, n: usize| -> Option<i64> {
        let part = b.get(from..from + n)?;
        part.iter().all(u8::is_ascii_digit).then(|| {
            part.iter()
                .fold(0i64, |acc, d| acc * 10 + i64::from(d - b'0'))
        })
    };
    let year = digits(0, 4)?;
    if b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') || !matches!(b.get(10), Some(b'T' | b' '))
    {
        return None;
    }
    let (month, day) = (digits(5, 2)?, digits(8, 2)?);
    if b.get(13) != Some(&b':') || b.get(16) != Some(&b':') {
        return None;
    }
    let (hour, minute, second) = (digits(11, 2)?, digits(14, 2)?, digits(17, 2)?);
    let mut i = 19;
    let mut millis = 0i64;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        let frac = &s[start..i];
        let padded: String = frac.chars().chain("000".chars()).take(3).collect();
        millis = padded.parse().ok()?;
    }
    let mut offset_min = 0i64;
    match b.get(i) {
        Some(b'Z') => i += 1,
        Some(sign @ (b'+' | b'-')) if b.get(i + 3) == Some(&b':') => {
            let total = digits(i + 1, 2)? * 60 + digits(i + 4, 2)?;
            offset_min = if *sign == b'+' { total } else { -total };
            i += 6;
        }
        _ => {}
    }
    let month = time::Month::try_from(u8::try_from(month).ok()?).ok()?;
    let date =
        time::Date::from_calendar_date(i32::try_from(year).ok()?, month, u8::try_from(day).ok()?)
            .ok()?;
    let clock = time::Time::from_hms(
        u8::try_from(hour).ok()?,
        u8::try_from(minute).ok()?,
        u8::try_from(second).ok()?,
    )
    .ok()?;
    let local_secs = date.with_time(clock).assume_utc().unix_timestamp();
    let ms = (local_secs - offset_min * 60) * 1000 + millis;
    Some((stamp_from_ms(ms), &s[i..]))
}

/// The normalised stamp of a Unix millisecond time.
pub fn stamp_from_ms(ms: i64) -> Stamp {
    let text = time::OffsetDateTime::from_unix_timestamp(ms.div_euclid(1000))
        .map(|t| {
            format!(
                "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
                t.year(),
                u8::from(t.month()),
                t.day(),
                t.hour(),
                t.minute(),
                t.second(),
                ms.rem_euclid(1000)
            )
        })
        .unwrap_or_default();
    Stamp { text, ms }
}

fn level_of(word: &str) -> Option<Level> {
    match word.to_ascii_lowercase().as_str() {
        "error" | "fatal" | "critical" => Some(Level::Error),
        "warn" | "warning" => Some(Level::Warn),
        "info" | "notice" | "log" => Some(Level::Info),
        "debug" | "trace" | "verbose" | "silly" => Some(Level::Debug),
        _ => None,
    }
}

/// `[content]` at the start of `s` (after spaces), and the rest after it.
fn bracket(s: &str) -> Option<(&str, &str)> {
    let s = s.strip_prefix(' ').unwrap_or(s);
    let inner = s.strip_prefix('[')?;
    // The first `]` followed by a space or the end: server names may contain brackets.
    let mut from = 0;
    loop {
        let at = from + inner[from..].find(']')?;
        let after = &inner[at + 1..];
        if after.is_empty() || after.starts_with(' ') {
            return Some((&inner[..at], after));
        }
        from = at + 1;
    }
}

/// A header line split into its parts.
#[derive(Debug, PartialEq, Eq)]
struct Header<'a> {
    stamp: Stamp,
    server: Option<&'a str>,
    level: Level,
    text: &'a str,
}

fn parse_header<'a>(line: &'a str, file_server: Option<&str>) -> Option<Header<'a>> {
    let per_server_file = file_server.is_some();
    let (stamp, rest) = parse_stamp(line)?;
    let written = line[..line.len() - rest.len()].trim_end();
    let claude_stamped = written.contains('T') && written.ends_with('Z');
    let (first, after_first) = bracket(rest)?;
    let second = bracket(after_first);
    let (server, level, text) = match second {
        Some((second_s, after_second)) => {
            match (level_of(first), level_of(second_s)) {
                // `[info] [info] …`: a server named like a level; the file tells the layout.
                (Some(_), Some(l2)) if per_server_file => (Some(first), l2, after_second),
                (Some(l1), Some(_)) => (Some(second_s), l1, after_second),
                (Some(l1), None) => (Some(second_s), l1, after_second),
                (None, Some(l2)) => (Some(first), l2, after_second),
                // `TS [server] [not a level] text`: a bracket that is part of the text.
                (None, None) => (Some(first), Level::Info, after_first),
            }
        }
        None => match level_of(first) {
            Some(level) => (None, level, after_first),
            None => (Some(first), Level::Info, after_first),
        },
    };
    // Claude stamps its records in UTC (`2025-03-04T10:08:20.078Z`) and names the server. In a
    // server's own file, a line stamped otherwise that does not name that server is the
    // server's output Claude copied: its own logger's line (Logback's `2025-01-06 10:12:24.548
    // [main] INFO …`, a `[ERROR] …` of its own), not Claude's record about a server `main`.
    if let Some(file) = file_server
        && !claude_stamped
        && server != Some(file)
    {
        return None;
    }
    Some(Header {
        stamp,
        server,
        level,
        text: text.strip_prefix(' ').unwrap_or(text),
    })
}

/// Splits a trailing context object off a one-line record's text.
fn split_context(text: &str) -> (&str, Option<&str>) {
    let trimmed = text.trim_end();
    // `… { metadata: undefined }` and `… { metadata: { context: 'connection', … } }`.
    if let Some(at) = trimmed.rfind(" { metadata: ")
        && trimmed.ends_with('}')
    {
        return (&trimmed[..at], Some(&trimmed[at + 1..]));
    }
    if trimmed.ends_with('}') {
        // A JSON object at the end: the rightmost ` {` from which the rest parses as one object.
        let mut end = trimmed.len();
        for _ in 0..32 {
            let Some(at) = trimmed[..end].rfind(" {") else {
                break;
            };
            let candidate = &trimmed[at + 1..];
            if serde_json::from_str::<serde::de::IgnoredAny>(candidate).is_ok() {
                return (&trimmed[..at], Some(candidate));
            }
            end = at;
        }
    }
    (trimmed, None)
}

/// A `Message from client:`/`Message from server:` line taken apart.
struct MessageLine<'a> {
    dir: Direction,
    /// The message when the line holds JSON (older builds), raw.
    raw: Option<Box<RawValue>>,
    /// What followed the message (`{ metadata: undefined }`).
    context: Option<&'a str>,
}

/// `Message from client: {…}` → the direction and, when it is JSON, the raw message.
fn split_message(text: &str) -> Option<MessageLine<'_>> {
    let (dir, rest) = if let Some(rest) = text.strip_prefix("Message from client: ") {
        (Direction::C2s, rest)
    } else if let Some(rest) = text.strip_prefix("Message from server: ") {
        (Direction::S2c, rest)
    } else {
        return None;
    };
    let mut stream = serde_json::Deserializer::from_str(rest).into_iter::<Box<RawValue>>();
    match stream.next() {
        Some(Ok(raw)) => {
            let after = rest[stream.byte_offset()..].trim();
            Some(MessageLine {
                dir,
                raw: Some(raw),
                context: (!after.is_empty()).then_some(after),
            })
        }
        // Newer builds log a summary (`method="tools/list" id=3`), not the message.
        _ => Some(MessageLine {
            dir,
            raw: None,
            context: None,
        }),
    }
}

#[derive(Debug)]
enum Pending {
    /// A record whose context object spans lines; waiting for its closing `}`.
    Block { event: LogEvent, lines: Vec<String> },
    /// Consecutive raw lines (the server's own stderr).
    Raw { event: LogEvent, lines: Vec<String> },
}

/// Parser state for one log file.
#[derive(Debug)]
pub struct FileParser {
    file: String,
    file_server: Option<String>,
    pending: Option<Pending>,
    classifier: Classifier,
    last_stamp: Stamp,
    last_server: Option<String>,
    /// Started mid-file: lines before the first record header are the tail of a record we did
    /// not see, and are skipped.
    skip_to_header: bool,
}

impl FileParser {
    /// `file` is the file name; `mcp-server-NAME.log` implies the server `NAME`.
    pub fn new(file: &str) -> Self {
        let file_server = file
            .strip_prefix("mcp-server-")
            .and_then(|s| s.strip_suffix(".log"))
            .map(str::to_owned);
        FileParser {
            file: file.to_owned(),
            file_server,
            pending: None,
            classifier: Classifier::default(),
            last_stamp: Stamp::default(),
            last_server: None,
            skip_to_header: false,
        }
    }

    /// A parser that starts somewhere in the middle of the file `file`.
    pub fn resuming(file: &str) -> Self {
        FileParser {
            skip_to_header: true,
            ..FileParser::new(file)
        }
    }

    /// True while a record is waiting for more lines.
    pub fn has_pending(&self) -> bool {
        self.pending.is_some()
    }

    /// True while the pending record is a `{ … }` block still open (its closing `}` not read
    /// yet): a record Claude may still be writing, unlike raw output, which has no end marker.
    pub fn has_open_block(&self) -> bool {
        matches!(self.pending, Some(Pending::Block { .. }))
    }

    /// Feeds one line; returns the events it completed.
    pub fn push_line(&mut self, line: &str, truncated: bool) -> Vec<LogEvent> {
        let mut out = Vec::new();
        let header = parse_header(line, self.file_server.as_deref());
        if self.skip_to_header {
            if header.is_none() {
                return out;
            }
            self.skip_to_header = false;
        }
        if let Some(header) = header {
            out.extend(self.flush());
            let server = header
                .server
                .map(str::to_owned)
                .or_else(|| self.file_server.clone());
            self.last_stamp = header.stamp.clone();
            self.last_server = server.clone();
            let mut event = self.event(EventKind::Claude, header.stamp, server, header.level);
            event.truncated = truncated;
            let text = header.text.trim_end();
            let opens_block = !text.starts_with("Message from ")
                && (text.ends_with(" {") || text == "{")
                && !truncated;
            // A Python traceback's first line with a header, the rest raw (the server's stderr,
            // as Claude copies it): one record, as the traceback is one failure.
            let opens_traceback =
                text.ends_with("Traceback (most recent call last):") && !truncated;
            if opens_block {
                event.text = text.trim_end_matches('{').trim_end().to_owned();
                self.pending = Some(Pending::Block {
                    event,
                    lines: vec!["{".to_owned()],
                });
            } else if opens_traceback {
                self.pending = Some(Pending::Raw {
                    event,
                    lines: vec![text.to_owned()],
                });
            } else {
                out.push(self.finish_record(event, text));
            }
            return out;
        }
        match &mut self.pending {
            Some(Pending::Block { lines, .. }) => {
                lines.push(line.to_owned());
                let closes = line.starts_with('}');
                if closes || lines.len() >= BLOCK_LINES {
                    out.extend(self.flush());
                }
            }
            Some(Pending::Raw { lines, event }) => {
                event.truncated |= truncated;
                lines.push(line.to_owned());
                if lines.len() >= RAW_GROUP_LINES {
                    out.extend(self.flush());
                }
            }
            None => {
                if line.trim().is_empty() {
                    return out;
                }
                let server = self
                    .file_server
                    .clone()
                    .or_else(|| self.last_server.clone());
                let mut event = self.event(
                    EventKind::ServerOutput,
                    self.last_stamp.clone(),
                    server,
                    Level::Info,
                );
                event.truncated = truncated;
                self.pending = Some(Pending::Raw {
                    event,
                    lines: vec![line.to_owned()],
                });
            }
        }
        out
    }

    /// Ends the pending record, if any (end of file, or the file went quiet while following).
    pub fn flush(&mut self) -> Option<LogEvent> {
        match self.pending.take()? {
            Pending::Block { mut event, lines } => {
                event.context = Some(lines.join("\n"));
                let text = std::mem::take(&mut event.text);
                Some(self.finish_record(event, &text))
            }
            Pending::Raw {
                mut event,
                mut lines,
            } => {
                while lines.last().is_some_and(|l| l.trim().is_empty()) {
                    lines.pop();
                }
                event.text = lines.join("\n");
                event.level = if looks_like_error(&event.text) {
                    Level::Error
                } else {
                    Level::Info
                };
                self.classifier.classify(&mut event);
                Some(event)
            }
        }
    }

    fn event(
        &self,
        kind: EventKind,
        stamp: Stamp,
        server: Option<String>,
        level: Level,
    ) -> LogEvent {
        LogEvent {
            ts: stamp.text,
            ts_ms: stamp.ms,
            source: EventSource::ClaudeLog,
            file: Some(self.file.clone()),
            kind,
            server,
            level,
            text: String::new(),
            context: None,
            dir: None,
            message: None,
            code: None,
            diagnosis: None,
            truncated: false,
        }
    }

    fn finish_record(&mut self, mut event: LogEvent, text: &str) -> LogEvent {
        if let Some(MessageLine {
            dir,
            raw: message,
            context,
        }) = split_message(text)
        {
            event.dir = Some(dir);
            event.text = match (&message, text.find(": ")) {
                (Some(_), Some(at)) => text[..at].to_owned(),
                _ => text.to_owned(),
            };
            event.message = message;
            if event.context.is_none() {
                event.context = context.map(str::to_owned);
            }
        } else if event.context.is_none() {
            let (body, context) = split_context(text);
            event.text = body.to_owned();
            event.context = context.map(str::to_owned);
        } else {
            event.text = text.to_owned();
        }
        if event.context.as_deref() == Some("{ metadata: undefined }") {
            event.context = None;
        }
        self.classifier.classify(&mut event);
        event
    }
}

/// Server output that reads as an error: a traceback, an `Error:`, a panic.
fn looks_like_error(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    [
        "error",
        "traceback",
        "exception",
        "panic",
        "fatal",
        "failed",
        "enoent",
        "econnrefused",
    ]
    .iter()
    .any(|w| lower.contains(w))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamp_with_offset_is_normalised_to_utc() {
        let (stamp, rest) = parse_stamp("2025-03-04T11:08:20.5+01:00 [x]").expect("a stamp");
        assert_eq!(stamp.text, "2025-03-04T10:08:20.500Z");
        assert_eq!(rest, " [x]");
    }

    #[test]
    fn both_layouts_give_the_same_server_and_level() {
        let a = parse_header(
            "2025-01-06T10:12:24.548Z [filesystem] [error] boom",
            Some("filesystem"),
        );
        let b = parse_header("2025-01-06T10:12:24.548Z [error] [filesystem] boom", None);
        assert_eq!(a, b);
        let a = a.map(|h| (h.server, h.level, h.text));
        assert_eq!(a, Some((Some("filesystem"), Level::Error, "boom")));
    }

    #[test]
    fn server_names_with_spaces_and_parentheses_are_kept_whole() {
        let h = parse_header(
            "2026-03-10T15:19:49.827Z [Hello World (Ref)] [info] hi",
            Some("Hello World (Ref)"),
        );
        assert_eq!(h.and_then(|h| h.server), Some("Hello World (Ref)"));
    }

    #[test]
    fn json_context_is_split_from_the_text() {
        let (text, ctx) =
            split_context(r#"spawn uvx ENOENT {"context":"connection","stack":"Error: x {y}"}"#);
        assert_eq!(text, "spawn uvx ENOENT");
        assert_eq!(
            ctx,
            Some(r#"{"context":"connection","stack":"Error: x {y}"}"#)
        );
    }

    #[test]
    fn message_lines_keep_the_raw_json_bytes() {
        let got = split_message(
            r#"Message from client: {"method":"ping", "id":1} { metadata: undefined }"#,
        );
        let MessageLine {
            dir,
            raw,
            context: ctx,
        } = got.expect("a message line");
        assert_eq!(dir, Direction::C2s);
        assert_eq!(
            raw.map(|r| r.get().to_owned()),
            Some(r#"{"method":"ping", "id":1}"#.to_owned())
        );
        assert_eq!(ctx, Some("{ metadata: undefined }"));
    }
}
