//! Splitting a byte stream into lines that survive anything a log file holds.
//!
//! Invalid UTF-8 becomes U+FFFD, a trailing `\r` (Windows) is dropped, and a line longer than
//! the limit keeps its first `max` bytes and is flagged truncated, so one 200 MB line never
//! costs more than `max` bytes of memory. Never: allocate past `max` for a single line.

/// Default limit for one line: Claude logs whole JSON-RPC results on one line.
pub const MAX_LINE: usize = 1024 * 1024;

/// A line as read: its text and whether bytes past the limit were dropped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub text: String,
    pub truncated: bool,
}

/// Incremental splitter: feed chunks, get complete lines; the partial last line is kept.
#[derive(Debug)]
pub struct LineSplitter {
    buf: Vec<u8>,
    truncated: bool,
    max: usize,
}

impl LineSplitter {
    pub fn new(max: usize) -> Self {
        LineSplitter {
            buf: Vec::new(),
            truncated: false,
            max,
        }
    }

    /// Appends `chunk`, returning every line it completed.
    pub fn push(&mut self, chunk: &[u8]) -> Vec<Line> {
        let mut out = Vec::new();
        let mut rest = chunk;
        while let Some(nl) = rest.iter().position(|b| *b == b'\n') {
            self.append(&rest[..nl]);
            out.push(self.take());
            rest = &rest[nl + 1..];
        }
        self.append(rest);
        out
    }

    /// The last line when the stream ended without a newline.
    pub fn finish(&mut self) -> Option<Line> {
        (!self.buf.is_empty() || self.truncated).then(|| self.take())
    }

    /// True while a partial line is buffered.
    pub fn has_partial(&self) -> bool {
        !self.buf.is_empty() || self.truncated
    }

    fn append(&mut self, bytes: &[u8]) {
        let room = self.max.saturating_sub(self.buf.len());
        if bytes.len() > room {
            self.truncated = true;
        }
        self.buf.extend_from_slice(&bytes[..bytes.len().min(room)]);
    }

    fn take(&mut self) -> Line {
        if self.buf.last() == Some(&b'\r') {
            self.buf.pop();
        }
        let text = String::from_utf8_lossy(&self.buf).into_owned();
        let line = Line {
            text,
            truncated: self.truncated,
        };
        self.buf.clear();
        self.truncated = false;
        line
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_split_across_chunks_are_joined() {
        let mut s = LineSplitter::new(MAX_LINE);
        assert!(s.push(b"hel").is_empty());
        let lines = s.push(b"lo\r\nwor");
        assert_eq!(lines[0].text, "hello");
        assert_eq!(s.finish().map(|l| l.text), Some("wor".to_owned()));
    }

    #[test]
    fn invalid_utf8_becomes_replacement_characters() {
        let mut s = LineSplitter::new(MAX_LINE);
        let lines = s.push(b"caf\xe9 \xff\n");
        assert_eq!(lines[0].text, "caf\u{fffd} \u{fffd}");
    }

    #[test]
    fn huge_line_is_cut_at_the_limit_and_flagged() {
        let mut s = LineSplitter::new(10);
        let big = vec![b'x'; 1000];
        assert!(s.push(&big).is_empty());
        let lines = s.push(b"yy\nnext\n");
        assert_eq!(lines[0].text.len(), 10);
        assert!(lines[0].truncated);
        assert_eq!(lines[1].text, "next");
        assert!(!lines[1].truncated);
    }
}
