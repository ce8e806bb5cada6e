//! A finding's source excerpt: its line, secrets masked, cut around the finding, with the
//! caret's place in it. The text and the caret are computed together, in characters, so that
//! masking (which changes lengths) and cutting (which drops the start of a one-line plan) can
//! never leave the caret pointing elsewhere than at the finding's token; [`Excerpt::shown`]
//! is the terminal's view of it, kept here so that it is unit-tested and fuzzed with the rest.

use std::borrow::Cow;
use std::ops::Range;

use unicode_width::UnicodeWidthChar;

use super::mask;

/// How many characters an excerpt keeps on each side of the finding's column.
const EXCERPT_SIDE: usize = 120;

/// The excerpt of a finding's line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Excerpt {
    /// The line with secrets masked ([`mask`]): whole when short, else about 240 characters
    /// around the column with `…` where it was cut.
    pub text: String,
    /// The finding's column in `text`, in characters from 0: on the token the finding is
    /// about, on the `***` that replaced it, or just past the end when the column is.
    pub caret: usize,
}

/// An excerpt as a terminal shows it: control characters escaped, cut to a width around the
/// caret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shown {
    /// The text, `...` where cut, without trailing blanks.
    pub line: String,
    /// What goes before the `^` under it: blanks as wide as the characters before the caret
    /// (a tab for a tab, so that the terminal expands both alike).
    pub pad: String,
}

impl Excerpt {
    /// The excerpt of `line` for a finding at `column` (1-based, characters); `secrets` are
    /// the line's [`mask::spans`], found over the whole line once (a value's key can be
    /// megabytes before the column in a one-line plan). `ascii` says the line is all ASCII, so
    /// that the column is found without walking a multi-megabyte line.
    pub fn of(line: &str, secrets: &[Range<usize>], column: u32, ascii: bool) -> Excerpt {
        let column = usize::try_from(column.max(1) - 1).unwrap_or(usize::MAX);
        let at = if ascii {
            line.floor_char_boundary(column.min(line.len()))
        } else {
            line.char_indices()
                .nth(column)
                .map_or(line.len(), |(i, _)| i)
        };
        let short = line.len() <= 8 * EXCERPT_SIDE && line.chars().count() <= 2 * EXCERPT_SIDE;
        let (from, to) = if short {
            (0, line.len())
        } else {
            (
                walk(line, secrets, at, Direction::Back),
                walk(line, secrets, at, Direction::Forward),
            )
        };
        let (masked, mapper) = mask::apply(&line[from..to], &clip(secrets, from, to));
        let at = mapper.map(at - from);
        let cut_front = from > 0;
        let cut_back = to < line.len();
        let ellipsis = |cut: bool| if cut { "…" } else { "" };
        Excerpt {
            caret: usize::from(cut_front) + masked[..at].chars().count(),
            text: format!("{}{masked}{}", ellipsis(cut_front), ellipsis(cut_back)),
        }
    }

    /// The excerpt as a terminal shows it, at most `width` characters (plus `...` markers)
    /// around the caret.
    pub fn shown(&self, width: usize) -> Shown {
        let width = width.max(1);
        // The characters as printed, and where the caret's character starts among them.
        let mut chars: Vec<char> = Vec::with_capacity(self.text.len());
        let mut caret = None;
        for (n, c) in self.text.chars().enumerate() {
            if n == self.caret {
                caret = Some(chars.len());
            }
            if is_unsafe(c) {
                chars.extend(c.escape_unicode());
            } else {
                chars.push(c);
            }
        }
        let caret = caret.unwrap_or(chars.len());
        let (start, end) = if chars.len() > width {
            let start = caret.saturating_sub(width / 2).min(chars.len() - width);
            (start, start + width)
        } else {
            (0, chars.len())
        };
        let prefix = if start > 0 { "..." } else { "" };
        let suffix = if end < chars.len() { "..." } else { "" };
        let text: String = chars[start..end].iter().collect();
        let pad = prefix
            .chars()
            .map(|_| ' ')
            .chain(chars[start..caret.clamp(start, end)].iter().flat_map(|c| {
                let (fill, n) = if *c == '\t' {
                    ('\t', 1)
                } else {
                    (' ', c.width().unwrap_or(0))
                };
                std::iter::repeat_n(fill, n)
            }))
            .collect();
        // Trailing blanks of the line are dropped; before a `...` they stay, the caret may be
        // on one.
        let text = if suffix.is_empty() {
            text.trim_end()
        } else {
            &text
        };
        Shown {
            line: format!("{prefix}{text}{suffix}"),
            pad,
        }
    }
}

enum Direction {
    Back,
    Forward,
}

/// Where in `line` an excerpt starts (going back from `at`) or ends (going forward) to show
/// [`EXCERPT_SIDE`] characters on that side once masked: a masked span counts as its mask.
fn walk(line: &str, secrets: &[Range<usize>], at: usize, direction: Direction) -> usize {
    let mut pos = at;
    let mut shown = 0;
    match direction {
        Direction::Back => {
            let mut k = secrets.partition_point(|s| s.end <= at);
            if let Some(s) = secrets.get(k).filter(|s| s.start < at) {
                pos = s.start; // the caret is on this span's mask
            }
            while shown < EXCERPT_SIDE && pos > 0 {
                match k.checked_sub(1).map(|p| &secrets[p]) {
                    Some(s) if s.end == pos => {
                        pos = s.start;
                        k -= 1;
                        shown += mask::MASK.len();
                    }
                    _ => {
                        pos -= line[..pos].chars().next_back().map_or(1, char::len_utf8);
                        shown += 1;
                    }
                }
            }
        }
        Direction::Forward => {
            let mut k = secrets.partition_point(|s| s.end <= at);
            while shown < EXCERPT_SIDE && pos < line.len() {
                match secrets.get(k) {
                    Some(s) if s.start <= pos => {
                        pos = s.end;
                        k += 1;
                        shown += mask::MASK.len();
                    }
                    _ => {
                        pos += line[pos..].chars().next().map_or(1, char::len_utf8);
                        shown += 1;
                    }
                }
            }
        }
    }
    pos
}

/// The parts of `spans` (sorted, disjoint) within `from..to`, relative to `from`.
fn clip(spans: &[Range<usize>], from: usize, to: usize) -> Vec<Range<usize>> {
    let first = spans.partition_point(|s| s.end <= from);
    spans[first..]
        .iter()
        .take_while(|s| s.start < to)
        .map(|s| s.start.max(from) - from..s.end.min(to) - from)
        .collect()
}

/// A character a terminal would interpret rather than show (escape sequences, carriage
/// returns, backspaces, C1 controls). A tab is harmless.
fn is_unsafe(c: char) -> bool {
    c.is_control() && c != '\t'
}

/// Text from AWS, a recording or a linted file, made safe for a terminal: control characters
/// are shown as `\u{..}` instead of being interpreted. A tab is kept.
pub fn safe(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_unsafe(c) {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
#[path = "excerpt_tests.rs"]
mod tests;
