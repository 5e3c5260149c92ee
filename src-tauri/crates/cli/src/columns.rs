//! Text in terminal columns: widths as a terminal shows them (a CJK character takes two columns,
//! a combining mark none), so tables stay aligned whatever the server names are.

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

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
