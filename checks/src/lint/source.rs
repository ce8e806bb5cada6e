//! The raw text of one file: the guards that run before any parser (size, binary, empty,
//! nesting depth) and the byte-offset to line/column index.

use serde::{Deserialize, Serialize};

/// Files larger than this are not parsed.
pub const MAX_FILE_SIZE: usize = 20 * 1024 * 1024;

/// Deeper nesting is rejected before parsing, so no parser recurses without bound.
pub const MAX_DEPTH: usize = 128;

/// A position in a file: 1-based line and 1-based column counted in Unicode scalar values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Pos {
    pub line: u32,
    pub column: u32,
}

impl Pos {
    pub const START: Pos = Pos { line: 1, column: 1 };

    pub fn new(line: usize, column: usize) -> Self {
        Self {
            line: u32::try_from(line).unwrap_or(u32::MAX),
            column: u32::try_from(column).unwrap_or(u32::MAX),
        }
    }
}

/// Why a file was not parsed at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rejected {
    Empty,
    TooLarge(usize),
    Binary,
    NotUtf8(Pos),
}

impl Rejected {
    pub fn message(&self) -> String {
        match self {
            Rejected::Empty => "the file is empty; nothing to lint".into(),
            Rejected::TooLarge(n) => format!(
                "the file is {} MiB, over the {} MiB limit; lint a smaller file",
                n / (1024 * 1024),
                MAX_FILE_SIZE / (1024 * 1024)
            ),
            Rejected::Binary => {
                "the file is binary (it contains NUL bytes), not JSON or YAML".into()
            }
            Rejected::NotUtf8(_) => "the file is not valid UTF-8 text; save it as UTF-8".into(),
        }
    }

    pub fn pos(&self) -> Pos {
        match self {
            Rejected::NotUtf8(pos) => *pos,
            _ => Pos::START,
        }
    }
}

/// The bytes of a file as UTF-8: UTF-16 with a byte-order mark (what PowerShell's `>` and
/// `Out-File` write on Windows PowerShell) is decoded; anything else is returned as is, for
/// [`text`] to check. Undecodable UTF-16 becomes U+FFFD, which no ECS field needs.
pub fn utf8(bytes: &[u8]) -> std::borrow::Cow<'_, [u8]> {
    let (units, little): (&[u8], bool) = match bytes {
        [0xFF, 0xFE, rest @ ..] => (rest, true),
        [0xFE, 0xFF, rest @ ..] => (rest, false),
        _ => return bytes.into(),
    };
    if bytes.len() > MAX_FILE_SIZE {
        return bytes.into(); // refused as too large by `text`, without decoding
    }
    let units = units.chunks_exact(2).map(|pair| {
        if little {
            u16::from_le_bytes([pair[0], pair[1]])
        } else {
            u16::from_be_bytes([pair[0], pair[1]])
        }
    });
    let text: String = char::decode_utf16(units)
        .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect();
    text.into_bytes().into()
}

/// Checks the bytes of a file and returns its text without a byte-order mark.
pub fn text(bytes: &[u8]) -> Result<&str, Rejected> {
    if bytes.len() > MAX_FILE_SIZE {
        return Err(Rejected::TooLarge(bytes.len()));
    }
    if bytes.contains(&0) {
        return Err(Rejected::Binary);
    }
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let valid = &bytes[..e.valid_up_to()];
            let valid = std::str::from_utf8(valid).unwrap_or_default();
            return Err(Rejected::NotUtf8(
                LineIndex::new(valid).pos(valid, valid.len()),
            ));
        }
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim().is_empty() {
        return Err(Rejected::Empty);
    }
    Ok(text)
}

/// Line starts of a text, for turning byte offsets into positions.
#[derive(Debug, Clone)]
pub struct LineIndex {
    starts: Vec<usize>,
    /// All ASCII: a column is a byte count.
    ascii: bool,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(memchr_newlines(text.as_bytes()).map(|i| i + 1));
        Self {
            starts,
            ascii: text.is_ascii(),
        }
    }

    /// Whether the text is all ASCII (columns are byte offsets).
    pub fn is_ascii(&self) -> bool {
        self.ascii
    }

    /// Line `line` (1-based) of `text`, without its line ending.
    pub fn line<'t>(&self, text: &'t str, line: u32) -> Option<&'t str> {
        let i = usize::try_from(line).ok()?.checked_sub(1)?;
        let start = *self.starts.get(i)?;
        let end = self.starts.get(i + 1).map_or(text.len(), |e| e - 1);
        let l = text.get(start..end)?;
        Some(l.strip_suffix('\r').unwrap_or(l))
    }

    /// The byte offset of `pos` (1-based line, column in characters) in `text`, the inverse
    /// of [`LineIndex::pos`]; the end of a line is a column past its last character.
    pub fn offset(&self, text: &str, pos: Pos) -> Option<usize> {
        let start = *self
            .starts
            .get(usize::try_from(pos.line).ok()?.checked_sub(1)?)?;
        let col = usize::try_from(pos.column).ok()?.checked_sub(1)?;
        let line = text.get(start..)?;
        let line = &line[..line.find('\n').unwrap_or(line.len())];
        if self.ascii {
            return (col <= line.len()).then_some(start + col);
        }
        line.char_indices()
            .map(|(i, _)| i)
            .chain(std::iter::once(line.len()))
            .nth(col)
            .map(|i| start + i)
    }

    /// The position of byte `offset` of `text`.
    pub fn pos(&self, text: &str, offset: usize) -> Pos {
        let offset = offset.min(text.len());
        let line = match self.starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let start = self.starts[line];
        let prefix = &text.as_bytes()[start..offset];
        let column = if self.ascii || prefix.is_ascii() {
            prefix.len()
        } else {
            text.get(start..offset)
                .map_or(prefix.len(), |s| s.chars().count())
        };
        Pos::new(line + 1, column + 1)
    }
}

fn memchr_newlines(bytes: &[u8]) -> impl Iterator<Item = usize> + '_ {
    bytes
        .iter()
        .enumerate()
        .filter(|(_, b)| **b == b'\n')
        .map(|(i, _)| i)
}

/// Line `line` (1-based) of `text`, without its line ending.
pub fn line_text(text: &str, line: u32) -> Option<&str> {
    let line = usize::try_from(line).ok()?.checked_sub(1)?;
    text.split('\n')
        .nth(line)
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
}

/// The first place where JSON (or YAML flow) nesting exceeds [`MAX_DEPTH`], counting brackets
/// outside strings.
pub fn json_too_deep(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    if bytes[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i + 1 < bytes.len() && !(bytes[i] == b'*' && bytes[i + 1] == b'/') {
                    i += 1;
                }
                i += 1;
            }
            b'{' | b'[' => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Some(i);
                }
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offset_is_the_inverse_of_pos() {
        for text in ["a: 1\r\nbb: 2\n\nc", "né: \"é\"\n  x: 日本\n"] {
            let index = LineIndex::new(text);
            for (i, _) in text
                .char_indices()
                .chain(std::iter::once((text.len(), ' ')))
            {
                assert_eq!(
                    index.offset(text, index.pos(text, i)),
                    Some(i),
                    "{text:?} {i}"
                );
            }
            assert_eq!(index.offset(text, Pos::new(99, 1)), None);
        }
    }

    #[test]
    fn guards() {
        assert_eq!(text(b""), Err(Rejected::Empty));
        assert_eq!(text(b"  \n\t"), Err(Rejected::Empty));
        assert_eq!(text(b"{\0}"), Err(Rejected::Binary));
        assert_eq!(
            text(b"{\n  \"a\": \xff}"),
            Err(Rejected::NotUtf8(Pos::new(2, 8)))
        );
        assert_eq!(text("\u{feff}{}".as_bytes()), Ok("{}"));
        let le: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain("{\"a\": \"é\"}".encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        assert_eq!(text(&utf8(&le)), Ok("{\"a\": \"é\"}"));
        let be: Vec<u8> = [0xFE, 0xFF]
            .into_iter()
            .chain("[]".encode_utf16().flat_map(u16::to_be_bytes))
            .collect();
        assert_eq!(text(&utf8(&be)), Ok("[]"));
        assert_eq!(&*utf8(b"{}"), b"{}");
        let big = vec![b' '; MAX_FILE_SIZE + 1];
        assert!(matches!(text(&big), Err(Rejected::TooLarge(_))));
        assert!(
            Rejected::TooLarge(MAX_FILE_SIZE + 1)
                .message()
                .contains("20 MiB")
        );
    }

    #[test]
    fn positions() {
        let t = "ab\n\"é\": 1\r\nx";
        let idx = LineIndex::new(t);
        assert_eq!(idx.pos(t, 0), Pos::new(1, 1));
        assert_eq!(idx.pos(t, 3), Pos::new(2, 1));
        // after `"é"` (é is two bytes): column counts characters
        assert_eq!(idx.pos(t, 7), Pos::new(2, 4));
        assert_eq!(idx.pos(t, t.len()), Pos::new(3, 2));
        assert_eq!(line_text(t, 2), Some("\"é\": 1"));
        assert_eq!(line_text(t, 9), None);
        for n in 0..5 {
            assert_eq!(idx.line(t, n), line_text(t, n), "line {n}");
        }
    }

    #[test]
    fn depth() {
        let ok = "[".repeat(MAX_DEPTH) + &"]".repeat(MAX_DEPTH);
        assert_eq!(json_too_deep(&ok), None);
        let deep = "[".repeat(MAX_DEPTH + 1);
        assert_eq!(json_too_deep(&deep), Some(MAX_DEPTH));
        assert_eq!(json_too_deep(&format!("\"{deep}\"")), None);
        assert_eq!(json_too_deep(&format!("// {deep}\n[]")), None);
    }
}
