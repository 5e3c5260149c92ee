//! A config file saved as UTF-16. Windows PowerShell 5 writes UTF-16 with `>` and `Out-File`
//! (`echo '{…}' > claude_desktop_config.json`), and Notepad does when "Unicode" is chosen;
//! Claude Desktop reads the file as UTF-8 and gives up on it, starting none of its servers. MCP
//! Tray tells such a file apart from one that is merely not UTF-8, to say so in those words and
//! to convert it ([`crate::config::ConfigFile::convert_to_utf8`]).

/// The byte-order marks of UTF-16, little- and big-endian.
const LE_BOM: [u8; 2] = [0xFF, 0xFE];
const BE_BOM: [u8; 2] = [0xFE, 0xFF];

/// Whether `bytes` read as UTF-16: a UTF-16 byte-order mark, or (without one) text whose first
/// characters are ASCII written as UTF-16, a zero byte beside each (`{` then `\0`). A UTF-8 file,
/// JSON or not, has no zero byte there.
pub fn is_utf16(bytes: &[u8]) -> bool {
    order(bytes).is_some()
}

/// The text of `bytes` when they are UTF-16 ([`is_utf16`]) holding only whole characters,
/// without its byte-order mark.
pub fn utf16_text(bytes: &[u8]) -> Option<String> {
    let (little, body) = order(bytes)?;
    if body.len() % 2 != 0 {
        return None;
    }
    let units = body.chunks_exact(2).map(|pair| {
        let pair = [pair[0], pair[1]];
        if little {
            u16::from_le_bytes(pair)
        } else {
            u16::from_be_bytes(pair)
        }
    });
    char::decode_utf16(units)
        .collect::<Result<String, _>>()
        .ok()
}

/// Little-endian or not, and the bytes after the mark; `None` when `bytes` do not read as UTF-16.
fn order(bytes: &[u8]) -> Option<(bool, &[u8])> {
    if let Some(body) = bytes.strip_prefix(&LE_BOM) {
        return Some((true, body));
    }
    if let Some(body) = bytes.strip_prefix(&BE_BOM) {
        return Some((false, body));
    }
    // No mark: the first (up to) four characters, ASCII each with its zero byte.
    let head = &bytes[..bytes.len().min(8) & !1];
    if head.is_empty() {
        return None;
    }
    let ascii = |b: u8| b != 0 && b.is_ascii();
    let pairs = || head.chunks_exact(2);
    if pairs().all(|p| ascii(p[0]) && p[1] == 0) {
        Some((true, bytes))
    } else if pairs().all(|p| p[0] == 0 && ascii(p[1])) {
        Some((false, bytes))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn le(text: &str, bom: bool) -> Vec<u8> {
        let mut bytes = if bom { LE_BOM.to_vec() } else { Vec::new() };
        bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        bytes
    }

    fn be(text: &str, bom: bool) -> Vec<u8> {
        let mut bytes = if bom { BE_BOM.to_vec() } else { Vec::new() };
        bytes.extend(text.encode_utf16().flat_map(u16::to_be_bytes));
        bytes
    }

    const TEXT: &str =
        "{\r\n  \"mcpServers\": {\"café\": {\"command\": \"npx\", \"args\": [\"😀\"]}}\r\n}\r\n";

    #[test]
    fn utf16_with_or_without_its_mark_either_way_round_reads_back_as_the_text() {
        for bytes in [
            le(TEXT, true),
            le(TEXT, false),
            be(TEXT, true),
            be(TEXT, false),
        ] {
            assert!(is_utf16(&bytes));
            assert_eq!(utf16_text(&bytes).as_deref(), Some(TEXT));
        }
    }

    #[test]
    fn utf8_files_json_or_not_and_empty_ones_are_not_utf16() {
        for bytes in [
            TEXT.as_bytes(),
            b"\xEF\xBB\xBF{}",
            b"",
            b"{",
            b"\xff\xff broken",
            "é{}".as_bytes(),
        ] {
            assert!(!is_utf16(bytes), "{bytes:?}");
            assert_eq!(utf16_text(bytes), None);
        }
    }

    #[test]
    fn utf16_cut_in_the_middle_of_a_character_does_not_read() {
        let mut odd = le(TEXT, true);
        odd.pop();
        assert!(is_utf16(&odd), "it is UTF-16…");
        assert_eq!(utf16_text(&odd), None, "…but not whole");
        // A lone surrogate (half of an emoji).
        let mut lone = LE_BOM.to_vec();
        lone.extend([0x3D, 0xD8, b'{', 0]);
        assert_eq!(utf16_text(&lone), None);
    }
}
