//! Text in terminal columns: widths as a terminal shows them (a CJK character takes two columns,
//! a combining mark none), so tables stay aligned whatever the server names are.

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// `text` with its control characters written out (`\n`, `\u{1b}`): a server name or argument
/// from a config file may hold any character, and printed as it is, an escape sequence would
/// restyle the terminal and a newline break the table.
pub fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if c.is_control() {
            out.extend(c.escape_debug());
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Columns `text` takes in a terminal.
pub fn width(text: &str) -> usize {
    text.width()
}

/// `text` followed by spaces up to `columns` (as it is when already wider).
pub fn pad(text: &str, columns: usize) -> String {
    let mut out = text.to_owned();
    out.extend(std::iter::repeat_n(
        ' ',
        columns.saturating_sub(width(text)),
    ));
    out
}

/// `text` cut to at most `columns` columns, ending in `…` when cut.
pub fn clip(text: &str, columns: usize) -> String {
    if width(text) <= columns {
        return text.to_owned();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w + 1 > columns {
            break;
        }
        used += w;
        out.push(c);
    }
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_written_out_and_nothing_else_changes() {
        assert_eq!(printable("evil\u{1b}[31mRED"), "evil\\u{1b}[31mRED");
        assert_eq!(printable("nl\nname\t"), "nl\\nname\\t");
        assert_eq!(printable("日本語 ok \"q\""), "日本語 ok \"q\"");
    }

    #[test]
    fn wide_characters_take_two_columns() {
        assert_eq!(width("日本語"), 6);
        assert_eq!(pad("日本語", 8), "日本語  ");
        assert_eq!(pad("abc", 5), "abc  ");
        assert_eq!(pad("toolong", 3), "toolong");
        assert_eq!(clip("日本語サーバー", 7), "日本語…");
        assert_eq!(clip("short", 7), "short");
        assert_eq!(width(&clip("日本語サーバー", 8)), 7, "never past the limit");
    }
}
