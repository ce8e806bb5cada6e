use super::{Excerpt, safe};
use crate::lint::mask::spans;

fn of(line: &str, column: u32, ascii: bool) -> Excerpt {
    Excerpt::of(line, &spans(line), column, ascii)
}

/// The excerpt's text from the caret on.
fn at_caret(e: &Excerpt) -> String {
    e.text.chars().skip(e.caret).collect()
}

/// 1-based column (characters) of `token` in `line`.
fn column_of(line: &str, token: &str) -> u32 {
    line[..line.find(token).unwrap()].chars().count() as u32 + 1
}

/// The shown line from the caret on (for lines of one-column characters without tabs).
fn under_caret(shown: &super::Shown) -> String {
    shown.line.chars().skip(shown.pad.chars().count()).collect()
}

/// Both ways of finding the column agree; returns the excerpt.
fn excerpt(line: &str, column: u32) -> Excerpt {
    let e = of(line, column, false);
    if line.is_ascii() {
        assert_eq!(of(line, column, true), e);
    }
    e
}

#[test]
fn the_caret_is_on_the_token_after_masked_values_and_multibyte_characters() {
    let line = r#"  {"näme": "ü—é", "value": "a-long-secret-value", "password": "p", "readonlyRootFilesystem": true}"#;
    let e = excerpt(line, column_of(line, "\"readonlyRoot"));
    assert!(!e.text.contains("a-long-secret"), "{e:?}");
    assert!(
        at_caret(&e).starts_with("\"readonlyRootFilesystem\": true"),
        "{e:?}"
    );
    // A short line is kept whole.
    assert!(
        e.text.starts_with("  {\"näme\"") && e.text.ends_with('}'),
        "{e:?}"
    );
    // A column inside a masked value points at the mask.
    let e = excerpt(line, column_of(line, "long-secret"));
    assert!(at_caret(&e).starts_with("***\", \"password\""), "{e:?}");
}

#[test]
fn tabs_are_kept_and_padded_with_tabs() {
    let line = "\t\t\"readonlyRootFilesystem\": true,";
    let e = excerpt(line, 3);
    assert_eq!((e.text.as_str(), e.caret), (line, 2));
    let shown = e.shown(100);
    assert_eq!(shown.pad, "\t\t");
    assert_eq!(shown.line, line);
}

#[test]
fn columns_beyond_the_line_point_just_past_its_end() {
    for ascii in [true, false] {
        let e = of("{\"a\": 1", 400, ascii);
        assert_eq!((e.text.as_str(), e.caret), ("{\"a\": 1", 7));
        assert_eq!(e.shown(100).pad, " ".repeat(7));
        let e = of("ab", u32::MAX, ascii);
        assert_eq!(e.caret, 2);
        let e = of("ab", 0, ascii);
        assert_eq!(e.caret, 0);
    }
    let e = of("", 5, true);
    assert_eq!((e.text.as_str(), e.caret), ("", 0));
}

#[test]
fn a_long_line_is_cut_around_the_column_with_its_secrets_masked() {
    for filler in ["x", "é"] {
        let value = format!(
            "{{\"name\":\"AWS_ACCESS_KEY_ID\",\"value\":\"{}\"}}",
            "v".repeat(900)
        );
        let long = format!(
            "{}{value},\"readonlyRootFilesystem\":true,{}",
            filler.repeat(10_000),
            "y".repeat(10_000)
        );
        let e = excerpt(&long, column_of(&long, "\"readonlyRoot"));
        assert!(e.text.chars().count() <= 2 * 120 + 2, "{}", e.text.len());
        assert!(e.text.starts_with('…') && e.text.ends_with('…'), "{e:?}");
        assert!(
            at_caret(&e).starts_with("\"readonlyRootFilesystem\":true"),
            "{e:?}"
        );
        assert!(!e.text.contains("vvv"), "{e:?}");
        // The context before the column is as long as usual, the mask counted as 3.
        assert!(
            e.text.contains(&format!(
                "{}{{\"name\":\"AWS_ACCESS_KEY_ID\",\"value\":\"***\"}}",
                filler.repeat(60)
            )),
            "{e:?}"
        );
        // On the terminal, cut again to the width, the caret still under the token.
        let shown = e.shown(100);
        assert!(shown.line.starts_with("...") && shown.line.ends_with("..."));
        assert!(
            under_caret(&shown).starts_with("\"readonlyRoo"),
            "{shown:?}"
        );
    }
}

#[test]
fn findings_past_column_300_of_a_minified_plan() {
    let plan = format!(
        r#"{{"format_version":"1.2","planned_values":{{"root_module":{{"resources":[{{"address":"aws_ecs_task_definition.t","values":{{"family":"{}","container_definitions":"[{{\"name\":\"app\",\"environment\":[{{\"name\":\"TOKEN\",\"value\":\"s3cr3t\"}}],\"readonlyRootFilesystem\":true}}]"}}}}]}}}}}}"#,
        "f".repeat(400)
    );
    let col = column_of(&plan, "\\\"readonlyRoot");
    assert!(col > 300);
    let e = excerpt(&plan, col);
    assert!(
        at_caret(&e).starts_with("\\\"readonlyRootFilesystem\\\":true"),
        "{e:?}"
    );
    assert!(!e.text.contains("s3cr3t"), "{e:?}");
    let shown = e.shown(100);
    assert!(
        shown.line[shown.pad.len()..].starts_with("\\\"readonlyRoot"),
        "{shown:?}"
    );
}

#[test]
fn a_value_longer_than_the_lookback_never_shows_its_tail() {
    // The key lies before the masking window: the window's head is never shown.
    let long = format!(
        "{{\"password\":\"{}\",\"readonlyRootFilesystem\":true}}",
        "s".repeat(6000)
    );
    let e = excerpt(&long, column_of(&long, "\"readonlyRoot"));
    assert!(!e.text.contains("sss"), "{e:?}");
    assert!(at_caret(&e).starts_with("\"readonlyRoot"), "{e:?}");
}

#[test]
fn control_characters_are_escaped_and_the_caret_follows() {
    let e = excerpt("\u{1b}[31m\"image\": 1", 6);
    assert_eq!(e.caret, 5);
    let shown = e.shown(100);
    assert_eq!(shown.line, "\\u{1b}[31m\"image\": 1");
    assert_eq!(&shown.line[shown.pad.len()..], "\"image\": 1");
    assert_eq!(safe("a\u{1b}b\tc"), "a\\u{1b}b\tc");
    assert!(matches!(safe("plain"), std::borrow::Cow::Borrowed(_)));
}

#[test]
fn wide_characters_take_two_columns_of_padding() {
    let e = excerpt("名前: x", 5);
    assert_eq!(e.caret, 4);
    assert_eq!(e.shown(100).pad, " ".repeat(6));
}

#[test]
fn the_terminal_window_keeps_the_caret_in_view() {
    let line = "a".repeat(300) + "HERE" + &"b".repeat(10);
    let e = excerpt(&line, 301);
    let shown = e.shown(100);
    assert!(
        shown.line.starts_with("...") && !shown.line.ends_with("..."),
        "{shown:?}"
    );
    assert_eq!(&shown.line[shown.pad.len()..shown.pad.len() + 4], "HERE");
    let e = excerpt(&line, 3);
    let shown = e.shown(100);
    assert!(!shown.line.starts_with("...") && shown.line.ends_with("..."));
    assert_eq!(shown.pad, "  ");
    // A zero width still shows the caret's character.
    let shown = e.shown(0);
    assert_eq!(shown.line, "...a...");
    // A blank under the caret is kept when the window is cut after it (found by fuzzing).
    let shown = excerpt("  },", 2).shown(1);
    assert_eq!(
        (shown.line.as_str(), shown.pad.as_str()),
        ("... ...", "   ")
    );
}
