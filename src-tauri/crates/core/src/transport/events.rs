//! Reading a `text/event-stream` body: SSE events with a size limit, and a clear line between a
//! stream that ended and a connection that broke.
//!
//! No event is held past [`MAX_MESSAGE_BYTES`]: the rest of a larger one is read and dropped as it
//! arrives, and only the JSON-RPC `id` it carried is kept, so the request it answered can be told
//! why no reply comes. A body that fails to read, or that ends in the middle of an event, is a
//! broken connection, not the end of the stream.

use std::collections::VecDeque;
use std::pin::Pin;

use bytes::Bytes;
use futures_util::{Stream, StreamExt};

use super::MAX_MESSAGE_BYTES;

/// Longest `event:`, `id:` or `retry:` value kept; a longer one makes the event too large.
const MAX_FIELD_BYTES: usize = 4096;
/// The UTF-8 byte order mark, which may open a stream.
const BOM: &[u8] = b"\xEF\xBB\xBF";
/// Longest JSON-RPC id kept from an event too large to deliver.
const MAX_ID_BYTES: usize = 1024;

/// One SSE event block (fields are per block; nothing is inherited from earlier blocks).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Event {
    pub event: Option<String>,
    /// The `data` lines joined with `\n`; `None` when the block had no `data` line.
    pub data: Option<Vec<u8>>,
    pub id: Option<String>,
    pub retry: Option<u64>,
}

impl Event {
    /// Whether it carries a server message (`event: message` or no event type).
    pub fn is_message(&self) -> bool {
        matches!(self.event.as_deref(), None | Some("") | Some("message"))
    }
}

/// What an event stream yields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Item {
    Event(Event),
    /// An event larger than [`MAX_MESSAGE_BYTES`], dropped; `rpc_id` is the id text of the
    /// JSON-RPC message it carried, when one could be read.
    TooLarge {
        rpc_id: Option<String>,
    },
}

/// Why an event stream stopped before its clean end: the connection broke.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Broken(pub String);

type Body = Pin<Box<dyn Stream<Item = reqwest::Result<Bytes>> + Send>>;

/// Events from one HTTP response body.
pub(crate) struct EventReader {
    body: Body,
    parser: Parser,
    done: bool,
}

impl EventReader {
    pub fn new(resp: reqwest::Response) -> EventReader {
        EventReader::from_stream(Box::pin(resp.bytes_stream()))
    }

    fn from_stream(body: Body) -> EventReader {
        EventReader {
            body,
            parser: Parser::default(),
            done: false,
        }
    }

    /// The next event; `Ok(None)` when the stream ended cleanly (between events).
    pub async fn next(&mut self) -> Result<Option<Item>, Broken> {
        loop {
            if let Some(item) = self.parser.ready.pop_front() {
                return Ok(Some(item));
            }
            if self.done {
                return Ok(None);
            }
            match self.body.next().await {
                Some(Ok(chunk)) => self.parser.feed(&chunk),
                Some(Err(e)) => {
                    self.done = true;
                    self.parser = Parser::default();
                    return Err(Broken(format!(
                        "the connection broke in the middle of the stream ({})",
                        cause_of(&e)
                    )));
                }
                None => {
                    self.done = true;
                    let mid_event = self.parser.mid_event();
                    self.parser = Parser::default();
                    if mid_event {
                        return Err(Broken(
                            "the connection closed in the middle of an event".into(),
                        ));
                    }
                }
            }
        }
    }
}

/// The innermost cause of a body error, e.g. "connection reset by peer".
fn cause_of(err: &reqwest::Error) -> String {
    let mut last = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(s) = source {
        last = s.to_string();
        source = s.source();
    }
    last
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Data,
    Event,
    Id,
    Retry,
    Ignored,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Line {
    /// Reading the field name (kept in `name`).
    Name,
    /// After the colon: one space may follow.
    AfterColon(Field),
    Value(Field),
    Comment,
}

/// An incremental SSE parser (the WHATWG rules: CR, LF or CRLF line ends; `data`, `event`, `id`,
/// `retry`; comments; unknown fields ignored) that never holds more than the limit.
struct Parser {
    line: Line,
    name: Vec<u8>,
    value: Vec<u8>,
    data: Vec<u8>,
    has_data: bool,
    event: Option<String>,
    id: Option<String>,
    retry: Option<u64>,
    /// Fields seen since the last dispatch.
    in_event: bool,
    /// Skipping an event past the limit, looking for its JSON-RPC id.
    oversized: Option<IdScan>,
    after_cr: bool,
    at_start: bool,
    /// Bytes of a byte order mark read so far at the start of the stream.
    bom_seen: usize,
    ready: VecDeque<Item>,
}

impl Default for Parser {
    fn default() -> Parser {
        Parser {
            line: Line::Name,
            name: Vec::new(),
            value: Vec::new(),
            data: Vec::new(),
            has_data: false,
            event: None,
            id: None,
            retry: None,
            in_event: false,
            oversized: None,
            after_cr: false,
            at_start: true,
            bom_seen: 0,
            ready: VecDeque::new(),
        }
    }
}

impl Parser {
    fn feed(&mut self, mut bytes: &[u8]) {
        if self.at_start {
            // A UTF-8 byte order mark may open the stream, even cut across chunks.
            let mut matched = self.bom_seen;
            while matched < BOM.len() && bytes.first() == Some(&BOM[matched]) {
                matched += 1;
                bytes = &bytes[1..];
            }
            if matched < BOM.len() && bytes.is_empty() {
                self.bom_seen = matched; // all of it so far could be the mark: wait for more
                return;
            }
            self.at_start = false;
            self.bom_seen = 0;
            if matched < BOM.len() {
                // Not a mark after all: what looked like one is the stream's first bytes.
                self.feed_lines(&BOM[..matched]);
            }
        }
        self.feed_lines(bytes);
    }

    fn feed_lines(&mut self, mut bytes: &[u8]) {
        while !bytes.is_empty() {
            if self.after_cr {
                self.after_cr = false;
                if bytes[0] == b'\n' {
                    bytes = &bytes[1..];
                    continue;
                }
            }
            match memchr::memchr2(b'\r', b'\n', bytes) {
                Some(end) => {
                    self.line_bytes(&bytes[..end]);
                    self.end_line();
                    self.after_cr = bytes[end] == b'\r';
                    bytes = &bytes[end + 1..];
                }
                None => {
                    self.line_bytes(bytes);
                    bytes = &[];
                }
            }
        }
    }

    /// Whether the body stopped inside an event: a partial line or fields not yet dispatched.
    fn mid_event(&self) -> bool {
        self.in_event || self.line != Line::Name || !self.name.is_empty() || self.bom_seen > 0
    }

    fn line_bytes(&mut self, mut seg: &[u8]) {
        while !seg.is_empty() {
            match self.line {
                Line::Name => {
                    if self.name.is_empty() && seg[0] == b':' {
                        self.line = Line::Comment;
                        return;
                    }
                    let (part, rest) = match memchr::memchr(b':', seg) {
                        Some(i) => (&seg[..i], Some(&seg[i + 1..])),
                        None => (seg, None),
                    };
                    // Eight bytes tell the names we know from any other.
                    let room = 8usize.saturating_sub(self.name.len());
                    self.name.extend_from_slice(&part[..part.len().min(room)]);
                    match rest {
                        Some(rest) => {
                            self.line = Line::AfterColon(field_of(&self.name));
                            seg = rest;
                        }
                        None => return,
                    }
                }
                Line::AfterColon(field) => {
                    if seg[0] == b' ' {
                        seg = &seg[1..];
                    }
                    self.line = Line::Value(field);
                }
                Line::Value(field) => {
                    self.value_bytes(field, seg);
                    return;
                }
                Line::Comment => return,
            }
        }
    }

    fn value_bytes(&mut self, field: Field, seg: &[u8]) {
        match field {
            Field::Data => {
                if let Some(scan) = &mut self.oversized {
                    scan.feed(seg);
                } else if self.data.len() + seg.len() > MAX_MESSAGE_BYTES {
                    let mut scan = IdScan::default();
                    scan.feed(&self.data);
                    scan.feed(seg);
                    self.oversized = Some(scan);
                    self.data = Vec::new();
                } else {
                    self.data.extend_from_slice(seg);
                }
            }
            Field::Event | Field::Id | Field::Retry => {
                if self.value.len() + seg.len() > MAX_FIELD_BYTES {
                    self.value = Vec::new();
                    if self.oversized.is_none() {
                        self.oversized = Some(IdScan::default());
                        self.data = Vec::new();
                    }
                } else if self.oversized.is_none() {
                    self.value.extend_from_slice(seg);
                }
            }
            Field::Ignored => {}
        }
    }

    fn end_line(&mut self) {
        let field = match self.line {
            Line::Comment => None,
            Line::Name if self.name.is_empty() => {
                self.dispatch();
                return;
            }
            // A line without a colon is a field with an empty value.
            Line::Name => Some(field_of(&self.name)),
            Line::AfterColon(f) | Line::Value(f) => Some(f),
        };
        self.line = Line::Name;
        self.name.clear();
        let Some(field) = field else { return };
        self.in_event = true;
        let value = std::mem::take(&mut self.value);
        match field {
            Field::Data => {
                self.has_data = true;
                match &mut self.oversized {
                    Some(scan) => scan.feed(b"\n"),
                    // Empty data lines add a byte each: counted against the limit too, or a
                    // stream of `data:` lines with no blank line would grow it without end.
                    None if self.data.len() + 1 > MAX_MESSAGE_BYTES => {
                        let mut scan = IdScan::default();
                        scan.feed(&self.data);
                        self.oversized = Some(scan);
                        self.data = Vec::new();
                    }
                    None => self.data.push(b'\n'),
                }
            }
            Field::Event => self.event = Some(String::from_utf8_lossy(&value).into_owned()),
            Field::Id if !value.contains(&0) => {
                self.id = Some(String::from_utf8_lossy(&value).into_owned());
            }
            Field::Retry if !value.is_empty() && value.iter().all(u8::is_ascii_digit) => {
                self.retry = std::str::from_utf8(&value)
                    .ok()
                    .and_then(|v| v.parse().ok());
            }
            Field::Id | Field::Retry | Field::Ignored => {}
        }
    }

    fn dispatch(&mut self) {
        if !self.in_event {
            return;
        }
        self.in_event = false;
        let mut data = std::mem::take(&mut self.data);
        let has_data = std::mem::replace(&mut self.has_data, false);
        let event = self.event.take();
        let id = self.id.take();
        let retry = self.retry.take();
        if let Some(scan) = self.oversized.take() {
            self.ready.push_back(Item::TooLarge {
                rpc_id: scan.found(),
            });
            return;
        }
        if has_data {
            data.pop(); // the `\n` after the last data line
        }
        self.ready.push_back(Item::Event(Event {
            event,
            data: has_data.then_some(data),
            id,
            retry,
        }));
    }
}

fn field_of(name: &[u8]) -> Field {
    match name {
        b"data" => Field::Data,
        b"event" => Field::Event,
        b"id" => Field::Id,
        b"retry" => Field::Retry,
        _ => Field::Ignored,
    }
}

/// Finds the top-level `"id"` of a JSON object read piece by piece, keeping nothing else.
#[derive(Default)]
struct IdScan {
    depth: u32,
    in_string: bool,
    escaped: bool,
    /// At depth 1: the next string is a key.
    expect_key: bool,
    key: Vec<u8>,
    key_is_id: bool,
    /// Reading the value of the top-level `"id"`.
    capturing: bool,
    value: Vec<u8>,
    found: Option<Vec<u8>>,
    overflow: bool,
}

impl IdScan {
    fn feed(&mut self, bytes: &[u8]) {
        let mut i = 0;
        while i < bytes.len() {
            if self.in_string {
                // Skip quickly to the next quote or backslash.
                let rest = &bytes[i..];
                let stop = if self.escaped {
                    0
                } else {
                    memchr::memchr2(b'"', b'\\', rest).unwrap_or(rest.len())
                };
                self.record(&rest[..stop]);
                i += stop;
                if i >= bytes.len() {
                    return;
                }
                let b = bytes[i];
                self.record(&[b]);
                if self.escaped {
                    self.escaped = false;
                } else if b == b'\\' {
                    self.escaped = true;
                } else {
                    self.in_string = false;
                    if self.depth == 1 && self.expect_key {
                        self.expect_key = false;
                        self.key_is_id = self.key == b"id";
                    }
                }
                i += 1;
                continue;
            }
            let b = bytes[i];
            match b {
                b'"' => {
                    self.in_string = true;
                    if self.depth == 1 && self.expect_key {
                        self.key.clear();
                    } else {
                        self.record(&[b]);
                    }
                }
                b'{' | b'[' => {
                    self.depth += 1;
                    if self.depth == 1 {
                        self.expect_key = b == b'{';
                    } else {
                        self.record(&[b]);
                    }
                }
                b'}' | b']' => {
                    if self.depth == 1 {
                        self.finish_value();
                    } else {
                        self.record(&[b]);
                    }
                    self.depth = self.depth.saturating_sub(1);
                }
                b':' if self.depth == 1 => {
                    self.capturing = self.key_is_id && self.found.is_none();
                    self.value.clear();
                    self.overflow = false;
                }
                b',' if self.depth == 1 => {
                    self.finish_value();
                    self.expect_key = true;
                }
                _ => self.record(&[b]),
            }
            i += 1;
        }
    }

    /// Keeps bytes of the `"id"` value being read, or of a key at depth 1.
    fn record(&mut self, bytes: &[u8]) {
        if self.depth == 1 && self.expect_key && self.in_string {
            // A closing quote is not part of the key; three bytes tell whether it is "id".
            let part: &[u8] = if bytes == b"\"" && !self.escaped {
                &[]
            } else {
                bytes
            };
            let room = 3usize.saturating_sub(self.key.len());
            self.key.extend_from_slice(&part[..part.len().min(room)]);
        } else if self.capturing && self.depth >= 1 {
            if self.value.len() + bytes.len() > MAX_ID_BYTES {
                self.overflow = true;
            } else {
                self.value.extend_from_slice(bytes);
            }
        }
    }

    fn finish_value(&mut self) {
        if self.capturing {
            self.capturing = false;
            if !self.overflow {
                self.found = Some(std::mem::take(&mut self.value));
            }
        }
        self.key_is_id = false;
    }

    /// The id's JSON text as a reply would carry it, e.g. `7` or `"abc"`.
    fn found(self) -> Option<String> {
        let raw = self.found?;
        let text = String::from_utf8(raw).ok()?;
        let text = text.trim();
        (!text.is_empty()).then(|| text.to_owned())
    }
}

#[cfg(test)]
#[path = "events_props.rs"]
mod props;

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(chunks: &[&[u8]]) -> Vec<Item> {
        let mut p = Parser::default();
        for c in chunks {
            p.feed(c);
        }
        p.ready.into_iter().collect()
    }

    fn event(data: Option<&str>, id: Option<&str>) -> Item {
        Item::Event(Event {
            event: None,
            data: data.map(|d| d.as_bytes().to_vec()),
            id: id.map(str::to_owned),
            retry: None,
        })
    }

    #[test]
    fn events_parse_across_chunks_and_line_ends() {
        let items = parse(&[
            b"id: 1\r",
            b"\ndata: {\"a\":\r\ndata: 1}\r\n\r",
            b"\n: c\n\n",
        ]);
        assert_eq!(items, vec![event(Some("{\"a\":\n1}"), Some("1"))]);
        let items = parse(&[b"event: endpoint\ndata:/m?s=1\n\nretry: 1500\nid: 7\ndata\n\n"]);
        assert_eq!(
            items,
            vec![
                Item::Event(Event {
                    event: Some("endpoint".into()),
                    data: Some(b"/m?s=1".to_vec()),
                    id: None,
                    retry: None,
                }),
                Item::Event(Event {
                    event: None,
                    data: Some(Vec::new()),
                    id: Some("7".into()),
                    retry: Some(1500),
                }),
            ]
        );
    }

    #[test]
    fn the_id_of_a_json_rpc_message_is_found_wherever_it_is() {
        let scan = |text: &str, split: usize| {
            let mut s = IdScan::default();
            s.feed(&text.as_bytes()[..split]);
            s.feed(&text.as_bytes()[split..]);
            s.found()
        };
        let first = r#"{"jsonrpc":"2.0","id":"a\"b","result":{"id":9,"x":[1,{"id":3}]}}"#;
        let last =
            r#"{"result":{"content":[{"id":5,"text":"\"id\":4"}]},"jsonrpc":"2.0","id": 12 }"#;
        for split in 0..first.len() {
            assert_eq!(scan(first, split).as_deref(), Some(r#""a\"b""#), "{split}");
        }
        for split in 0..last.len() {
            assert_eq!(scan(last, split).as_deref(), Some("12"), "{split}");
        }
        assert_eq!(scan(r#"{"method":"x"}"#, 3), None);
    }

    #[test]
    fn an_event_past_the_limit_is_dropped_with_its_id() {
        let mut p = Parser::default();
        p.feed(b"data: {\"jsonrpc\":\"2.0\",\"id\":42,\"result\":\"");
        let chunk = vec![b'x'; 1024 * 1024];
        for _ in 0..65 {
            p.feed(&chunk);
        }
        assert!(p.data.capacity() <= MAX_MESSAGE_BYTES, "held the event");
        p.feed(b"\"}\n\ndata: {\"jsonrpc\":\"2.0\",\"id\":43,\"result\":{}}\n\n");
        let items: Vec<Item> = p.ready.into_iter().collect();
        assert_eq!(
            items,
            vec![
                Item::TooLarge {
                    rpc_id: Some("42".into())
                },
                event(Some(r#"{"jsonrpc":"2.0","id":43,"result":{}}"#), None),
            ]
        );
    }

    /// Each `data` line without a value adds a line break to the event's data: a stream of them
    /// with no blank line (a broken or hostile server) is held to the limit as any other.
    #[test]
    fn empty_data_lines_are_held_to_the_limit_too() {
        let mut p = Parser::default();
        let chunk = b"data\n".repeat(1024 * 1024);
        for _ in 0..11 {
            p.feed(&chunk);
        }
        assert!(
            p.data.len() <= MAX_MESSAGE_BYTES,
            "held {} bytes of empty data lines",
            p.data.len()
        );
        p.feed(b"\ndata: {\"jsonrpc\":\"2.0\",\"id\":43,\"result\":{}}\n\n");
        let items: Vec<Item> = p.ready.into_iter().collect();
        assert_eq!(
            items,
            vec![
                Item::TooLarge { rpc_id: None },
                event(Some(r#"{"jsonrpc":"2.0","id":43,"result":{}}"#), None),
            ]
        );
    }

    #[tokio::test]
    async fn a_stream_that_stops_mid_event_is_a_broken_connection() {
        let body = |parts: Vec<&'static [u8]>| {
            let items: Vec<reqwest::Result<Bytes>> = parts
                .into_iter()
                .map(|p| Ok(Bytes::from_static(p)))
                .collect();
            EventReader::from_stream(Box::pin(futures_util::stream::iter(items)))
        };
        let mut clean = body(vec![b"data: 1\n\n"]);
        assert!(matches!(clean.next().await, Ok(Some(Item::Event(_)))));
        assert_eq!(clean.next().await, Ok(None));
        let mut cut = body(vec![b"data: 1\n\ndata: {\"jsonrpc\""]);
        assert!(matches!(cut.next().await, Ok(Some(Item::Event(_)))));
        assert!(cut.next().await.is_err());
        let mut cut = body(vec![b"id: 3\n"]);
        assert!(cut.next().await.is_err());
    }
}
