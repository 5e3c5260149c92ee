//! The incremental SSE parser against a plain reading of the WHATWG rules, on generated streams
//! cut into random chunks: whatever the cuts, the events are the same as reading the whole stream
//! at once, line by line.

use proptest::prelude::*;

use super::{Event, Item, Parser};

/// The rules read over the whole stream at once, with this parser's own choices: fields belong
/// to one block (nothing carried to the next event), a block with fields but no `data` line is
/// still an event (its `data` is `None`), and an overflowing `retry` clears it.
fn reference(mut input: &[u8]) -> Vec<Item> {
    if let Some(rest) = input.strip_prefix(b"\xEF\xBB\xBF".as_slice()) {
        input = rest;
    }
    let mut out = Vec::new();
    let mut block = Event::default();
    let mut data = Vec::new();
    let mut has_data = false;
    let mut in_event = false;
    // Lines end at CRLF, CR or LF; what follows the last line end is not a line yet.
    let mut lines = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < input.len() {
        match input[i] {
            b'\r' => {
                lines.push(&input[start..i]);
                i += if input.get(i + 1) == Some(&b'\n') {
                    2
                } else {
                    1
                };
                start = i;
            }
            b'\n' => {
                lines.push(&input[start..i]);
                i += 1;
                start = i;
            }
            _ => i += 1,
        }
    }
    for line in lines {
        if line.is_empty() {
            if in_event {
                if has_data {
                    data.pop();
                }
                block.data = has_data.then(|| std::mem::take(&mut data));
                out.push(Item::Event(std::mem::take(&mut block)));
            }
            data.clear();
            has_data = false;
            in_event = false;
            continue;
        }
        if line[0] == b':' {
            continue;
        }
        let (name, value) = match line.iter().position(|&b| b == b':') {
            Some(colon) => {
                let value = &line[colon + 1..];
                (&line[..colon], value.strip_prefix(b" ").unwrap_or(value))
            }
            None => (line, &b""[..]),
        };
        in_event = true;
        match name {
            b"data" => {
                data.extend_from_slice(value);
                data.push(b'\n');
                has_data = true;
            }
            b"event" => block.event = Some(String::from_utf8_lossy(value).into_owned()),
            b"id" if !value.contains(&0) => {
                block.id = Some(String::from_utf8_lossy(value).into_owned());
            }
            b"retry" if !value.is_empty() && value.iter().all(u8::is_ascii_digit) => {
                block.retry = std::str::from_utf8(value).unwrap().parse().ok();
            }
            _ => {}
        }
    }
    out
}

fn piece() -> impl Strategy<Value = &'static [u8]> {
    prop::sample::select(vec![
        &b"data"[..],
        b"event",
        b"id",
        b"retry",
        b"dat",
        b"datax",
        b"unknownfield",
        b":",
        b" ",
        b"  ",
        b"\r",
        b"\n",
        b"\r\n",
        b"\n\n",
        b"x",
        b"{\"id\":1}",
        "é".as_bytes(),
        b"\xff",
        b"\0",
        b"0",
        b"1500",
        b"99999999999999999999999",
        b"\xEF\xBB\xBF",
    ])
}

fn stream() -> impl Strategy<Value = Vec<u8>> {
    (
        any::<bool>(),
        prop::collection::vec(piece(), 0..60),
        any::<bool>(),
    )
        .prop_map(|(bom, pieces, ended)| {
            let mut s = Vec::new();
            if bom {
                s.extend_from_slice(b"\xEF\xBB\xBF");
            }
            for p in pieces {
                s.extend_from_slice(p);
            }
            if ended {
                s.extend_from_slice(b"\n\n");
            }
            s
        })
}

fn parse_in_chunks(input: &[u8], cuts: &[usize]) -> Vec<Item> {
    let mut cuts: Vec<usize> = cuts.iter().map(|c| c % (input.len() + 1)).collect();
    cuts.sort_unstable();
    let mut parser = Parser::default();
    let mut from = 0;
    for cut in cuts.into_iter().chain([input.len()]) {
        parser.feed(&input[from..cut]);
        from = cut;
    }
    parser.ready.into_iter().collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4000))]

    #[test]
    fn chunked_parsing_reads_the_stream_as_the_rules_do(
        input in stream(),
        cuts in prop::collection::vec(any::<usize>(), 0..12),
    ) {
        prop_assert_eq!(parse_in_chunks(&input, &cuts), reference(&input));
    }
}

#[test]
fn a_byte_order_mark_cut_across_chunks_is_still_skipped() {
    let input = b"\xEF\xBB\xBFdata: 1\n\n";
    for first in 0..=3 {
        assert_eq!(
            parse_in_chunks(input, &[first]),
            reference(input),
            "cut after {first} bytes"
        );
    }
}
