//! Any line and column through masking, excerpting and the terminal view (`lint`'s text
//! format): never a panic, the caret inside the excerpt, and under the finding's character
//! whenever nothing before it was masked, escaped or wide.
//!
//! Input: 2 bytes of column (little-endian; the top bit of a third byte makes it huge), 1 byte
//! of terminal width, then the line.
#![no_main]

use ecs_exec_doctor_checks::lint::Excerpt;
use ecs_exec_doctor_checks::lint::mask;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let [c0, c1, flags, rest @ ..] = data else {
        return;
    };
    let Ok(line) = std::str::from_utf8(rest) else {
        return;
    };
    let column = if flags & 0x80 != 0 {
        u32::MAX - u32::from(*c0)
    } else {
        u32::from(u16::from_le_bytes([*c0, *c1]))
    };
    let width = usize::from(flags & 0x7f);
    let spans = mask::spans(line);
    for pair in spans.windows(2) {
        assert!(pair[0].end < pair[1].start, "spans overlap: {spans:?}");
    }
    for s in &spans {
        assert!(s.start < s.end && line.is_char_boundary(s.start) && line.is_char_boundary(s.end));
    }
    let e = Excerpt::of(line, &spans, column, false);
    if line.is_ascii() {
        assert_eq!(Excerpt::of(line, &spans, column, true), e, "ascii and char columns differ");
    }
    let chars = e.text.chars().count();
    assert!(e.caret <= chars, "caret {} past {chars} characters", e.caret);
    // Whole when short, else about 120 characters (a mask counting as 3) each side.
    assert!(
        chars <= 2 * 123 + 2 || e.text == mask::mask(line),
        "excerpt of {chars} characters"
    );
    let shown = e.shown(width);
    // With nothing masked, escaped, tabbed or wide before it, the caret is under the column's
    // character (unless that character is trailing blank, trimmed from the shown line).
    let col = usize::try_from(column.max(1) - 1).unwrap_or(usize::MAX);
    let plain = |c: char| c.is_ascii_graphic() || c == ' ';
    if spans.is_empty() && line.chars().all(plain) && col < line.len() {
        let expected = line.as_bytes()[col] as char;
        let under = shown.line.chars().nth(shown.pad.len());
        if !line[col..].trim_end().is_empty() {
            assert_eq!(under, Some(expected), "{shown:?} at column {column} of {line:?}");
        }
    }
});
