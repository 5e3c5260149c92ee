//! The repair of a config file whose Windows paths were typed with single backslashes
//! (`"command": "C:\Program Files\nodejs\node.exe"`). A backslash in a JSON string starts an
//! escape and `\P` is none JSON knows, so the file does not parse and Claude Desktop starts none of
//! its servers. [`double_backslashes`] writes twice each single backslash of the strings that hold
//! such an escape; [`repaired`] takes the result only when it parses, and
//! [`ConfigFile::double_backslashes`](super::ConfigFile::double_backslashes) writes it, undoably.
//!
//! What it must never do: change a string JSON reads as it is (its `\n` is meant), or any byte
//! outside the strings it mends.

use std::path::Path;

use super::{ConfigDocument, ConfigError};

/// The bytes of a file that does not parse because a string holds an escape JSON does not know,
/// with the backslashes of such strings written twice ([`double_backslashes`]), and the document
/// they parse to. A byte-order mark stays (removing it is a repair of its own). Refused when the
/// file reads already, holds no such string, or would still not parse (said where, in the file as
/// it is).
pub(crate) fn repaired(
    path: &Path,
    bytes: &[u8],
) -> Result<(Vec<u8>, ConfigDocument), ConfigError> {
    let shown = path.display();
    let before = match ConfigDocument::parse(path, bytes, true) {
        Ok(_) => {
            return Err(ConfigError::Invalid(format!(
                "{shown} reads as JSON already: no backslash in it needs writing twice"
            )));
        }
        Err(ConfigError::Parse {
            line,
            column,
            message,
            ..
        }) => format!("line {line}, column {column}: {message}"),
        Err(other) => return Err(other),
    };
    // It was read as text up to where it breaks: it is UTF-8.
    let text = std::str::from_utf8(bytes)
        .map_err(|_| ConfigError::Invalid(format!("{shown} is not UTF-8; save it as UTF-8")))?;
    let doubled = double_backslashes(text).ok_or_else(|| {
        ConfigError::Invalid(format!(
            "{shown} is not valid JSON ({before}), and no string in it holds a backslash JSON \
             cannot read; fix it in an editor"
        ))
    })?;
    match ConfigDocument::parse(path, doubled.as_bytes(), true) {
        Ok(doc) => Ok((doubled.into_bytes(), doc)),
        Err(ConfigError::Parse {
            line,
            column,
            message,
            ..
        }) => {
            let column = column_before(text, &doubled, line, column);
            Err(ConfigError::Invalid(format!(
                "{shown} with the backslashes written twice would still not be valid JSON \
                 (line {line}, column {column}: {message}); fix it in an editor"
            )))
        }
        Err(other) => Err(other),
    }
}

/// `text` with every single backslash written twice in each string that holds an escape JSON does
/// not know (a backslash before a character other than `"\/bfnrtu`, or `\u` without four hex
/// digits); a pair already written twice stays a pair. A string that holds no such escape stays as
/// it is, and so does every byte between strings. `None` when no string holds one.
pub fn double_backslashes(text: &str) -> Option<String> {
    let mut doubled = one_pass(text)?;
    // A path that ends in a backslash (`"C:\Tools\"`) reads as an escaped quote, so its string
    // seemed to run on to the next quote. Written twice, that backslash is the path's and the quote
    // ends the string where it was meant to: the strings after it are read again. Each pass makes
    // at least one run of backslashes of odd length even, and none odd, so this ends.
    for _ in 0..text.len() {
        match one_pass(&doubled) {
            Some(again) => doubled = again,
            None => break,
        }
    }
    Some(doubled)
}

/// One reading of `text` string by string ([`double_backslashes`]); `None` when it changes nothing.
fn one_pass(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = String::new();
    // How much of `text` is in `out` already.
    let mut copied = 0;
    let mut at = 0;
    while at < bytes.len() {
        if bytes[at] != b'"' {
            at += 1;
            continue;
        }
        let start = at + 1;
        let end = string_end(bytes, start);
        // `"` and `\` are ASCII, so `start` and `end` fall between characters.
        let content = &text[start..end];
        if has_unknown_escape(content.as_bytes()) {
            out.push_str(&text[copied..start]);
            push_doubled(&mut out, content);
            copied = end;
        }
        at = end + 1;
    }
    if copied == 0 {
        return None;
    }
    out.push_str(&text[copied..]);
    Some(out)
}

/// Where the string whose text starts at `start` ends: at its closing quote (a quote after a
/// backslash is the string's own), or at the end of its line when it has none there: a string of a
/// config file never spans lines, and reading on would take what follows for a string.
fn string_end(bytes: &[u8], start: usize) -> usize {
    let mut at = start;
    while let Some(&b) = bytes.get(at) {
        match b {
            b'"' | b'\n' => return at,
            b'\\' if bytes.get(at + 1).is_some_and(|&next| next != b'\n') => at += 2,
            _ => at += 1,
        }
    }
    bytes.len()
}

/// Whether the text of a string holds a backslash that starts no escape JSON knows: one before a
/// character other than `"\/bfnrtu`, or `\u` without four hex digits after it.
fn has_unknown_escape(content: &[u8]) -> bool {
    let mut at = 0;
    while at < content.len() {
        if content[at] != b'\\' {
            at += 1;
            continue;
        }
        match content.get(at + 1) {
            Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => at += 2,
            Some(b'u')
                if content
                    .get(at + 2..at + 6)
                    .is_some_and(|hex| hex.iter().all(u8::is_ascii_hexdigit)) =>
            {
                at += 6;
            }
            _ => return true,
        }
    }
    false
}

/// Pushes the text of a string with each single backslash written twice; a pair stays a pair,
/// except a pair that opens the string: in a string typed with single backslashes, that is a
/// network path's `\\server` (`\\nas\mcp\server.js`), written twice too (kept a pair, it would
/// read as `\nas\…`, a folder at the root of the current drive).
fn push_doubled(out: &mut String, content: &str) {
    let bytes = content.as_bytes();
    let mut from = 0;
    let mut at = 0;
    if bytes.starts_with(b"\\\\") && bytes.get(2).is_some_and(|b| *b != b'\\') {
        out.push_str("\\\\\\\\");
        at = 2;
        from = 2;
    }
    while at < bytes.len() {
        if bytes[at] != b'\\' {
            at += 1;
            continue;
        }
        out.push_str(&content[from..at]);
        out.push_str("\\\\");
        at += if bytes.get(at + 1) == Some(&b'\\') {
            2
        } else {
            1
        };
        from = at;
    }
    out.push_str(&content[from..]);
}

/// The column in `before` of what stands at `line`, `column` (1-based, in characters) in `after`,
/// which is `before` with backslashes added and the same lines.
fn column_before(before: &str, after: &str, line: usize, column: usize) -> usize {
    let n = line.saturating_sub(1);
    let (Some(before), Some(after)) = (before.split('\n').nth(n), after.split('\n').nth(n)) else {
        return column;
    };
    let mut left = before.chars().peekable();
    let mut at = 1;
    for c in after.chars().take(column.saturating_sub(1)) {
        // An added backslash has no counterpart in `before`.
        if left.peek() == Some(&c) {
            left.next();
            at += 1;
        }
    }
    at
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `double_backslashes` of a file holding `strings` as the values of an array, one a line.
    fn doubled(strings: &[&str]) -> Option<String> {
        double_backslashes(&file(strings))
    }

    fn file(strings: &[&str]) -> String {
        let items: Vec<String> = strings.iter().map(|s| format!("    \"{s}\"")).collect();
        format!("{{\n  \"a\": [\n{}\n  ]\n}}\n", items.join(",\n"))
    }

    #[test]
    fn windows_paths_get_each_single_backslash_written_twice() {
        let text = "{\r\n\t\"mcpServers\": {\r\n\t\t\"node\": {\r\n\t\t\t\"command\": \"C:\\Program Files\\nodejs\\node.exe\",\r\n\t\t\t\"args\": [\"C:\\Users\\me\\server.js\"]\r\n\t\t}\r\n\t}\r\n}";
        let want = "{\r\n\t\"mcpServers\": {\r\n\t\t\"node\": {\r\n\t\t\t\"command\": \"C:\\\\Program Files\\\\nodejs\\\\node.exe\",\r\n\t\t\t\"args\": [\"C:\\\\Users\\\\me\\\\server.js\"]\r\n\t\t}\r\n\t}\r\n}";
        assert_eq!(double_backslashes(text).as_deref(), Some(want));
        let read: serde_json::Value = serde_json::from_str(want).unwrap();
        assert_eq!(
            read["mcpServers"]["node"]["command"],
            "C:\\Program Files\\nodejs\\node.exe"
        );
        assert_eq!(
            read["mcpServers"]["node"]["args"][0],
            "C:\\Users\\me\\server.js"
        );
    }

    #[test]
    fn a_valid_escape_in_a_string_with_an_invalid_one_is_written_twice_too() {
        // `\n` of `new` and `\t` of `tools` are escapes JSON knows, but `\U` and `\x` are not:
        // the string is a path, and each of its backslashes is one.
        assert_eq!(
            doubled(&["C:\\Users\\new\\x.js", "D:\\tools\\x.exe"]),
            Some(file(&[
                "C:\\\\Users\\\\new\\\\x.js",
                "D:\\\\tools\\\\x.exe"
            ]))
        );
        // A path of escapes JSON knows only is a string of tabs and a backspace to JSON: it
        // reads, so nothing says it was meant otherwise.
        assert_eq!(doubled(&["D:\\tools\\bin\\t.exe"]), None);
    }

    #[test]
    fn a_pair_written_twice_already_stays_a_pair() {
        assert_eq!(
            doubled(&["C:\\\\Users\\me", "\\\\\\U", "x\\\\server\\share\\x"]),
            Some(file(&[
                "C:\\\\Users\\\\me",
                "\\\\\\\\U",
                "x\\\\server\\\\share\\\\x"
            ]))
        );
    }

    #[test]
    fn a_network_path_typed_with_single_backslashes_keeps_its_two_leading_ones() {
        // `\\nas\mcp\server.js` as typed: JSON would read `\nas\…` from a pair kept a pair.
        assert_eq!(
            doubled(&["\\\\nas\\mcp\\server.js"]),
            Some(file(&["\\\\\\\\nas\\\\mcp\\\\server.js"]))
        );
    }

    #[test]
    fn u_is_an_escape_only_with_four_hex_digits_after_it() {
        // `\users`: no hex digits; `\u12`: two; `\u00e9` and `\uABCD` are escapes.
        assert_eq!(
            doubled(&["C:\\users\\me", "x\\u12"]),
            Some(file(&["C:\\\\users\\\\me", "x\\\\u12"]))
        );
        assert_eq!(doubled(&["caf\\u00e9", "\\uABCD\\uabcd"]), None);
        // Beside an escape JSON does not know, it is a path's backslash like the others.
        assert_eq!(
            doubled(&["C:\\u0041\\x"]),
            Some(file(&["C:\\\\u0041\\\\x"]))
        );
    }

    #[test]
    fn strings_with_valid_escapes_only_are_left_as_they_are() {
        let valid = "line\\nnext\\t\\\"quoted\\\" \\/ \\\\ \\b\\f\\r \\u00e9";
        assert_eq!(doubled(&[valid]), None);
        assert_eq!(
            doubled(&[valid, "C:\\Temp", valid]),
            Some(file(&[valid, "C:\\\\Temp", valid]))
        );
    }

    #[test]
    fn keys_and_every_byte_between_strings_stay() {
        // A key can hold one too; spacing, CRLF, a missing final newline and order all stay.
        let text = "{ \"mcpServers\" :{\r\n\"C:\\x\":{ \"command\":\"a\\b\" , \"env\" : {\"P\":\"\\q\"}}}}";
        let want = "{ \"mcpServers\" :{\r\n\"C:\\\\x\":{ \"command\":\"a\\b\" , \"env\" : {\"P\":\"\\\\q\"}}}}";
        assert_eq!(double_backslashes(text).as_deref(), Some(want));
        let multibyte = "{\"a\": \"C:\\Users\\Zoë\\ü.js\", \"é\": \"😀\"}";
        assert_eq!(
            double_backslashes(multibyte).as_deref(),
            Some("{\"a\": \"C:\\\\Users\\\\Zoë\\\\ü.js\", \"é\": \"😀\"}")
        );
    }

    #[test]
    fn a_path_ending_in_a_backslash_ends_its_string_where_it_was_meant_to() {
        // `\"` reads as an escaped quote, so the string seems to run on; written twice, the
        // backslash is the path's and the quote ends the string.
        let text = "{\n  \"command\": \"C:\\Tools\\\",\n  \"args\": [\"C:\\Users\\me\\Desktop\\\", \"C:\\Users\\me\\Downloads\\\"]\n}\n";
        let want = "{\n  \"command\": \"C:\\\\Tools\\\\\",\n  \"args\": [\"C:\\\\Users\\\\me\\\\Desktop\\\\\", \"C:\\\\Users\\\\me\\\\Downloads\\\\\"]\n}\n";
        assert_eq!(double_backslashes(text).as_deref(), Some(want));
        let read: serde_json::Value = serde_json::from_str(want).unwrap();
        assert_eq!(read["args"][1], "C:\\Users\\me\\Downloads\\");
    }

    #[test]
    fn text_without_strings_or_backslashes_is_left_alone() {
        for text in ["", "{}", "{\"a\": 1}", "\"", "{\"a\": \"b"] {
            assert_eq!(double_backslashes(text), None, "{text:?}");
        }
    }

    fn path() -> &'static Path {
        Path::new("c.json")
    }

    #[test]
    fn the_repair_parses_and_keeps_a_byte_order_mark() {
        let text = "\u{feff}{\"mcpServers\": {\"a\": {\"command\": \"C:\\x.exe\"}}}";
        let (bytes, doc) = repaired(path(), text.as_bytes()).unwrap();
        assert_eq!(
            String::from_utf8(bytes).unwrap(),
            "\u{feff}{\"mcpServers\": {\"a\": {\"command\": \"C:\\\\x.exe\"}}}"
        );
        assert_eq!(doc.servers[0].command.as_deref(), Some("C:\\x.exe"));
    }

    #[test]
    fn a_repair_that_would_still_not_parse_is_refused_saying_where_in_the_file_as_it_is() {
        // A trailing comma after the path: column 31 in the file (33 once doubled).
        let text = "{\"mcpServers\": {\"a\": [\"C:\\x\\y\",]}}";
        let err = repaired(path(), text.as_bytes())
            .expect_err("not JSON")
            .to_string();
        assert!(
            err.contains("with the backslashes written twice would still not be valid JSON (line 1, column 31: trailing comma"),
            "{err}"
        );
    }

    #[test]
    fn a_file_that_reads_or_fails_first_at_something_else_is_refused() {
        let reads = repaired(path(), b"{\"a\": \"C:\\\\x\"}").expect_err("JSON");
        assert!(
            reads.to_string().contains("reads as JSON already"),
            "{reads}"
        );
        // Broken before the path: said where, as one that would still not parse.
        let comma = repaired(path(), b"{\"a\": 1,, \"b\": \"C:\\x\"}").expect_err("comma");
        assert!(
            comma.to_string().contains(
                "with the backslashes written twice would still not be valid JSON (line 1, column 9: two commas"
            ),
            "{comma}"
        );
        // No backslash at all: not this repair's.
        let plain = repaired(path(), b"{\"a\": 1,, \"b\": 2}").expect_err("comma");
        assert!(
            plain
                .to_string()
                .contains("is not valid JSON (line 1, column 9: two commas"),
            "{plain}"
        );
    }
}
