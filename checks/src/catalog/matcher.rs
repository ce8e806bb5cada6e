//! Finds catalog entries in pasted text: one error message, or a whole terminal paste or log.
//!
//! Text and patterns are normalised the same way before comparing: lowercase, every kind of
//! whitespace removed (so line breaks from terminal wrapping, even inside a word, do not matter),
//! typographic apostrophes and quotes folded to ASCII, and terminal colour codes dropped. A
//! pattern that starts or ends with a letter or digit must start or end at a word boundary of
//! the original text, so `ClientException` does not match inside `SdkClientException`.

use super::secrets::Secrets;
use super::{ENTRIES, Entry, Kind, Strength};

/// The fragments of one pattern must lie within this many normalised bytes of each other.
const WINDOW: usize = 300;
/// A generic hit this close to a more specific hit of another entry belongs to that entry.
const NEAR: usize = 400;
/// A text this short (normalised) is a bare error code.
const BARE_CODE: usize = 40;
/// Words (normalised: lowercase, no whitespace) that make a text about ECS Exec or its
/// sessions, for generic error codes to count.
const EXEC_WORDS: [&str; 8] = [
    "executecommand",
    "execute-command",
    "startsession",
    "start-session",
    "session-manager-plugin",
    "sessionmanager",
    "ssmmessages",
    "exec",
];

/// One entry found in a text.
#[derive(Debug, Clone)]
pub struct Match {
    pub entry: &'static Entry,
    /// The strongest pattern that matched.
    pub strength: Strength,
    /// Byte range of the first occurrence in the input.
    pub start: usize,
    pub end: usize,
    /// The input around the strongest occurrence, on one line, with secrets masked and
    /// terminal escape sequences dropped.
    pub excerpt: String,
    /// How many separate times the entry appears in the input.
    pub occurrences: usize,
}

/// Every entry found in `text`: failures first, then informational entries, then benign noise;
/// within each, the strongest evidence first, then the earliest in the text.
pub fn find_all(text: &str) -> Vec<Match> {
    let norm = Normalized::new(text);
    let mut hits = Vec::new();
    for (index, entry) in ENTRIES.iter().enumerate() {
        for pattern in entry.patterns {
            let occurrences: Vec<Vec<(usize, usize)>> =
                pattern.all.iter().map(|f| norm.find(f)).collect();
            for (start, end) in near_each_other(&occurrences) {
                hits.push(Hit {
                    entry: index,
                    strength: pattern.strength,
                    start,
                    end,
                });
            }
        }
    }
    // An error code shared by every AWS API (`AccessDeniedException`, `ClientException`)
    // speaks of exec only in a text about exec: a RegisterTaskDefinition or ssm:SendCommand
    // failure is not an ExecuteCommand one. A bare code, asked about on its own, still lists
    // the entries that have it.
    if norm.text.len() > BARE_CODE && !EXEC_WORDS.iter().any(|w| norm.text.contains(w)) {
        hits.retain(|h| h.strength > Strength::Generic || ENTRIES[h.entry].kind != Kind::Error);
    }
    let specific: Vec<Hit> = hits
        .iter()
        .filter(|h| h.strength > Strength::Generic && ENTRIES[h.entry].kind == Kind::Error)
        .cloned()
        .collect();
    hits.retain(|h| {
        h.strength > Strength::Generic
            || !specific
                .iter()
                .any(|s| s.entry != h.entry && h.distance(s) <= NEAR)
    });

    let secrets = Secrets::find(text);
    let mut matches = Vec::new();
    for (index, entry) in ENTRIES.iter().enumerate() {
        let mut mine: Vec<&Hit> = hits.iter().filter(|h| h.entry == index).collect();
        if mine.is_empty() {
            continue;
        }
        mine.sort_by_key(|h| (h.start, h.end));
        let strength = mine.iter().map(|h| h.strength).max().expect("non-empty");
        let best = mine
            .iter()
            .find(|h| h.strength == strength)
            .expect("non-empty");
        let mut occurrences = 1;
        let mut cluster_end = mine[0].end;
        for h in &mine[1..] {
            if h.start > cluster_end + NEAR {
                occurrences += 1;
            }
            cluster_end = cluster_end.max(h.end);
        }
        let (start, end) = norm.original(mine[0].start, mine[0].end);
        let (best_start, best_end) = norm.original(best.start, best.end);
        matches.push(Match {
            entry,
            strength,
            start,
            end,
            excerpt: excerpt(text, &secrets, best_start, best_end),
            occurrences,
        });
    }
    matches.sort_by(|a, b| {
        (
            a.entry.kind,
            std::cmp::Reverse(a.strength),
            a.start,
            a.entry.id,
        )
            .cmp(&(
                b.entry.kind,
                std::cmp::Reverse(b.strength),
                b.start,
                b.entry.id,
            ))
    });
    matches
}

/// Where the fragments of a pattern (each fragment's occurrences, in order) all occur within
/// [`WINDOW`] of an occurrence of the first: the span of each such group, the nearest
/// occurrence of every other fragment taken.
pub(crate) fn near_each_other(occurrences: &[Vec<(usize, usize)>]) -> Vec<(usize, usize)> {
    let Some((first, others)) = occurrences.split_first() else {
        return Vec::new();
    };
    first
        .iter()
        .filter_map(|&(first_start, first_end)| {
            let (mut start, mut end) = (first_start, first_end);
            for other in others {
                let &(s, e) = other
                    .iter()
                    .filter(|(s, _)| s.abs_diff(first_start) <= WINDOW)
                    .min_by_key(|(s, _)| s.abs_diff(first_start))?;
                start = start.min(s);
                end = end.max(e);
            }
            Some((start, end))
        })
        .collect()
}

/// Whether `text` contains anything besides benign lines (such as the plugin's "installed
/// successfully" notice) and whitespace.
pub fn has_text_besides_benign(text: &str, matches: &[Match]) -> bool {
    let mut rest = String::new();
    let mut last = 0;
    let mut spans: Vec<(usize, usize)> = matches
        .iter()
        .filter(|m| m.entry.kind == Kind::Benign)
        .map(|m| line_span(text, m.start, m.end))
        .collect();
    spans.sort_unstable();
    for (s, e) in spans {
        if s >= last {
            rest.push_str(&text[last..s]);
            last = e;
        }
    }
    rest.push_str(&text[last.min(text.len())..]);
    rest.chars().any(|c| c.is_alphanumeric())
}

#[derive(Debug, Clone)]
struct Hit {
    entry: usize,
    strength: Strength,
    start: usize,
    end: usize,
}

impl Hit {
    fn distance(&self, other: &Hit) -> usize {
        if self.end <= other.start {
            other.start - self.end
        } else {
            self.start.saturating_sub(other.end)
        }
    }
}

/// Text with whitespace and formatting removed, mapped back to the original.
pub(crate) struct Normalized<'a> {
    original: &'a str,
    pub(crate) text: String,
    /// For each byte of `text`: the byte offset of the original character it came from.
    map: Vec<usize>,
    /// For each byte of `text` (and one past the end): whether whitespace or formatting was
    /// dropped just before it, which makes it a word boundary.
    gap: Vec<bool>,
}

impl<'a> Normalized<'a> {
    pub(crate) fn new(original: &'a str) -> Self {
        let mut text = String::with_capacity(original.len());
        let mut map = Vec::with_capacity(original.len());
        let mut gap = Vec::with_capacity(original.len() + 1);
        let mut pending_gap = false;
        let mut chars = original.char_indices().peekable();
        while let Some((offset, c)) = chars.next() {
            if c == '\u{1b}' {
                skip_escape(&mut chars);
                pending_gap = true;
                continue;
            }
            if c.is_whitespace() || is_invisible(c) {
                pending_gap = true;
                continue;
            }
            if c == '\\' && matches!(chars.peek(), Some((_, '"' | '\''))) {
                continue;
            }
            for lower in fold(c).to_lowercase() {
                let before = text.len();
                text.push(lower);
                for i in before..text.len() {
                    map.push(offset);
                    gap.push(pending_gap && i == before);
                }
                pending_gap = false;
            }
        }
        gap.push(true);
        Self {
            original,
            text,
            map,
            gap,
        }
    }

    /// Normalised byte ranges where `fragment` occurs at word boundaries.
    pub(crate) fn find(&self, fragment: &str) -> Vec<(usize, usize)> {
        let needle = Normalized::new(fragment).text;
        if needle.is_empty() {
            return Vec::new();
        }
        let starts_word = needle.chars().next().is_some_and(char::is_alphanumeric);
        let ends_word = needle
            .chars()
            .next_back()
            .is_some_and(char::is_alphanumeric);
        self.text
            .match_indices(&needle)
            .map(|(start, _)| (start, start + needle.len()))
            .filter(|&(start, end)| {
                let before_ok = !starts_word
                    || self.gap[start]
                    || !self.text[..start]
                        .chars()
                        .next_back()
                        .is_some_and(char::is_alphanumeric);
                let after_ok = !ends_word
                    || self.gap[end]
                    || !self.text[end..]
                        .chars()
                        .next()
                        .is_some_and(char::is_alphanumeric);
                before_ok && after_ok
            })
            .collect()
    }

    /// The original byte range of a normalised range.
    pub(crate) fn original(&self, start: usize, end: usize) -> (usize, usize) {
        let from = self.map[start];
        let last = self.map[end - 1];
        let to = last
            + self.original[last..]
                .chars()
                .next()
                .map_or(0, char::len_utf8);
        (from, to)
    }
}

fn skip_escape(chars: &mut std::iter::Peekable<std::str::CharIndices<'_>>) {
    match chars.next() {
        // CSI: parameters, then one final byte in @..~.
        Some((_, '[')) => {
            for (_, c) in chars.by_ref() {
                if ('@'..='~').contains(&c) {
                    break;
                }
            }
        }
        // OSC: up to BEL or ESC \.
        Some((_, ']')) => {
            while let Some((_, c)) = chars.next() {
                if c == '\u{7}' {
                    break;
                }
                if c == '\u{1b}' {
                    chars.next();
                    break;
                }
            }
        }
        _ => {}
    }
}

fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{200b}' | '\u{200c}' | '\u{200d}' | '\u{2060}' | '\u{feff}' | '\u{00ad}'
    ) || c.is_control()
}

/// Typographic apostrophes, quotes and dashes as ASCII.
fn fold(c: char) -> char {
    match c {
        '\u{2018}' | '\u{2019}' | '\u{201a}' | '\u{201b}' | '\u{2032}' | '\u{02bc}'
        | '\u{00b4}' | '`' => '\'',
        '\u{201c}' | '\u{201d}' | '\u{201e}' | '\u{201f}' | '\u{2033}' | '\u{00ab}'
        | '\u{00bb}' => '"',
        '\u{2010}'..='\u{2015}' | '\u{2212}' => '-',
        _ => c,
    }
}

/// The lines of `text` that hold `start..end`, as byte offsets (line break excluded).
fn line_span(text: &str, start: usize, end: usize) -> (usize, usize) {
    let from = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let to = text[end..].find('\n').map_or(text.len(), |i| end + i);
    (from, to)
}

/// The input around `start..end` on one line: the lines that hold it, at most about 300
/// characters, whitespace collapsed, the `secrets` of `text` masked (a paste is quoted back in
/// tickets and chat) and terminal escape sequences dropped (colour codes are noise, and worse
/// on a terminal).
pub(crate) fn excerpt(text: &str, secrets: &Secrets, start: usize, end: usize) -> String {
    const AROUND: usize = 120;
    let (mut from, mut to) = line_span(text, start, end);
    let mut cut_front = false;
    let mut cut_back = false;
    if start - from > AROUND {
        from = text.floor_char_boundary(start - AROUND);
        cut_front = true;
    }
    if to - end > AROUND {
        to = text.floor_char_boundary(end + AROUND);
        cut_back = true;
    }
    let body = one_line(&secrets.apply(text, from, to));
    format!(
        "{}{body}{}",
        if cut_front { "…" } else { "" },
        if cut_back { "…" } else { "" }
    )
}

/// `text` without terminal escape sequences, its whitespace collapsed to single spaces.
pub(crate) fn one_line(text: &str) -> String {
    let mut plain = String::with_capacity(text.len());
    let mut chars = text.char_indices().peekable();
    while let Some((_, c)) = chars.next() {
        if c == '\u{1b}' {
            skip_escape(&mut chars);
            plain.push(' ');
        } else {
            plain.push(c);
        }
    }
    plain.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The AWS error code and operation of the CLI's `An error occurred (CODE) when calling the
/// OPERATION operation` prefix (also as botocore prints it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CliError {
    pub code: String,
    pub operation: Option<String>,
}

pub fn cli_error(text: &str) -> Option<CliError> {
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let lower = flat.to_ascii_lowercase();
    let at = lower.find("an error occurred (")? + "an error occurred (".len();
    let close = flat[at..].find(')')? + at;
    let code = flat[at..close].trim().to_string();
    if code.is_empty() || !code.chars().all(|c| c.is_ascii_alphanumeric() || c == '.') {
        return None;
    }
    let rest = &lower[close + 1..];
    let operation = rest
        .strip_prefix(" when calling the ")
        .and_then(|r| {
            r.find(" operation")
                .map(|end| (close + 1 + " when calling the ".len(), end))
        })
        .map(|(from, len)| flat[from..from + len].to_string())
        .filter(|op| op.chars().all(|c| c.is_ascii_alphanumeric()));
    Some(CliError { code, operation })
}

/// Cluster and task named by ECS ARNs in `text`, to fill in suggested commands.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TargetHint {
    pub cluster: Option<String>,
    pub task: Option<String>,
}

pub fn target_hint(text: &str) -> TargetHint {
    let name = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '/'))
            .collect()
    };
    let mut hint = TargetHint::default();
    for (i, _) in text.match_indices(":task/") {
        let rest = name(&text[i + ":task/".len()..]);
        let parts: Vec<&str> = rest.split('/').collect();
        if let [cluster, id] = parts.as_slice()
            && crate::arn::is_plausible_task(id)
        {
            hint.cluster = Some(cluster.to_string());
            hint.task = Some(id.to_string());
            return hint;
        }
    }
    for (i, _) in text.match_indices(":cluster/") {
        let rest = name(&text[i + ":cluster/".len()..]);
        if !rest.is_empty() && !rest.contains('/') {
            hint.cluster = Some(rest);
            break;
        }
    }
    hint
}

/// The entries closest to `text` that it does not match: by shared distinctive words, and by
/// edit distance to an entry's name or error code for a misspelt one. At most `n`.
pub fn closest(text: &str, n: usize) -> Vec<&'static Entry> {
    let input = tokens(text);
    if input.is_empty() {
        return Vec::new();
    }
    let candidates: Vec<&'static Entry> = ENTRIES
        .iter()
        .copied()
        .filter(|e| e.kind != Kind::Benign)
        .collect();
    let vocab: Vec<Vec<String>> = candidates.iter().map(|e| entry_tokens(e)).collect();
    let total = candidates.len() as f64;
    let df = |t: &str| vocab.iter().filter(|v| v.iter().any(|x| x == t)).count() as f64;
    let mut scored: Vec<(f64, &'static Entry)> = candidates
        .iter()
        .zip(&vocab)
        .map(|(e, words)| {
            let mut score: f64 = input
                .iter()
                .filter(|t| words.contains(t))
                .map(|t| (1.0 + total / df(t)).ln())
                .sum();
            for t in input.iter().filter(|t| t.len() >= 6) {
                let names = [Some(e.name), e.code];
                if names.into_iter().flatten().any(|name| {
                    let name = name.to_ascii_lowercase();
                    let d = crate::registry::edit_distance(t, &name);
                    d > 0 && d <= (name.len() / 5).max(2)
                }) {
                    score += 4.0;
                }
            }
            (score, *e)
        })
        .filter(|(score, _)| *score >= 2.0)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.id.cmp(b.1.id)));
    scored.into_iter().take(n).map(|(_, e)| e).collect()
}

const STOP_WORDS: &[&str] = &[
    "the",
    "and",
    "for",
    "with",
    "when",
    "calling",
    "operation",
    "error",
    "occurred",
    "was",
    "not",
    "has",
    "have",
    "this",
    "that",
    "are",
    "from",
    "you",
    "your",
    "please",
    "try",
    "again",
    "later",
    "aws",
    "ecs",
    "arn",
    "but",
    "can",
    "could",
    "into",
    "its",
    "our",
    "out",
];

fn tokens(text: &str) -> Vec<String> {
    let mut out: Vec<String> = text
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| w.len() >= 3)
        .map(str::to_ascii_lowercase)
        .filter(|w| !STOP_WORDS.contains(&w.as_str()) && !w.chars().all(|c| c.is_ascii_digit()))
        .collect();
    out.sort();
    out.dedup();
    out
}

fn entry_tokens(e: &Entry) -> Vec<String> {
    // What users see, not our descriptions of it.
    let mut text = format!("{} {} {}", e.name, e.code.unwrap_or(""), e.message);
    for p in e.patterns {
        for f in p.all {
            text.push(' ');
            text.push_str(f);
        }
    }
    tokens(&text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(text: &str) -> Vec<&'static str> {
        find_all(text).iter().map(|m| m.entry.id).collect()
    }

    #[test]
    fn normalisation_ignores_case_whitespace_wrapping_and_apostrophes() {
        let wrapped = "the execute command agent isn\u{2019}t run\nning";
        assert_eq!(ids(wrapped), ["E02"]);
        assert_eq!(ids("THE EXECUTE  COMMAND\tagent ISN'T running"), ["E02"]);
        assert_eq!(
            ids("\u{1b}[31mTargetNotConnectedException\u{1b}[0m"),
            ["E01"]
        );
    }

    #[test]
    fn word_boundaries() {
        assert!(ids("SdkClientException: Unable to execute HTTP request").is_empty());
        assert!(ids("InternalServerException").is_empty());
        assert_eq!(ids("ClientException"), ["E08"]);
    }

    #[test]
    fn a_generic_code_yields_to_the_specific_message_next_to_it() {
        let text = "An error occurred (InvalidParameterException) when calling the ExecuteCommand operation: task length should be one of [32,36]";
        assert_eq!(ids(text), ["E05"]);
        assert_eq!(ids("InvalidParameterException"), ["E02", "E05", "E06"]);
    }

    #[test]
    fn finds_every_signature_in_a_paste_and_keeps_benign_noise_last() {
        let paste = "$ aws ecs execute-command --cluster prod --task abc --interactive --command bash\n\nThe Session Manager plugin was installed successfully. Use the AWS CLI to start a session.\n\n\nAn error occurred (TargetNotConnectedException) when calling the ExecuteCommand operation: The execute command failed due to an internal error. Try again later.\n$ aws ecs execute-command --cluster prod --task abc --interactive --command bash\n\nStarting session with SessionId: ecs-execute-command-0f0a\n\nUnable to start command: Failed to start pty: fork/exec /bin/bash: no such file or directory\n\nExiting session with sessionId: ecs-execute-command-0f0a.\n";
        let found = find_all(paste);
        assert_eq!(
            found.iter().map(|m| m.entry.id).collect::<Vec<_>>(),
            ["E01", "E23", "E12"],
            "the session's end right after a failure is not a finding of its own"
        );
        assert!(
            found[0]
                .excerpt
                .starts_with("An error occurred (TargetNotConnectedException)")
        );
        assert!(has_text_besides_benign(paste, &found));
        let only_noise = "The Session Manager plugin was installed successfully. Use the AWS CLI to start a session.\n";
        assert!(!has_text_besides_benign(only_noise, &find_all(only_noise)));
    }

    #[test]
    fn counts_repeated_occurrences() {
        let line = "An error occurred (TargetNotConnectedException) when calling the ExecuteCommand operation: The execute command failed due to an internal error. Try again later.\n";
        let text = format!("{line}{}\n{line}", "x".repeat(900));
        assert_eq!(find_all(&text)[0].occurrences, 2);
    }

    #[test]
    fn parses_the_cli_prefix() {
        let e = cli_error("An error occurred (ThrottlingException) when calling the\nExecuteCommand operation: Rate exceeded").unwrap();
        assert_eq!(e.code, "ThrottlingException");
        assert_eq!(e.operation.as_deref(), Some("ExecuteCommand"));
        assert!(cli_error("nothing here").is_none());
    }

    #[test]
    fn hints_the_target_from_arns() {
        let hint = target_hint(
            "on resource: arn:aws:ecs:us-east-1:123456789012:task/prod/0123456789abcdef0123456789abcdef because",
        );
        assert_eq!(hint.cluster.as_deref(), Some("prod"));
        assert_eq!(
            hint.task.as_deref(),
            Some("0123456789abcdef0123456789abcdef")
        );
        let hint = target_hint("arn:aws:ecs:us-east-1:123456789012:cluster/blue-green.");
        assert_eq!(hint.cluster.as_deref(), Some("blue-green"));
        assert_eq!(hint.task, None);
    }

    #[test]
    fn closest_entries_for_unknown_text() {
        let near = closest("TargetNotConectedExeption", 3);
        assert_eq!(near.first().map(|e| e.id), Some("E01"));
        let near = closest("the session handshake failed with the kms key", 3);
        assert!(
            near.iter().any(|e| e.id == "E14" || e.id == "E15"),
            "{near:?}"
        );
        assert!(closest("lorem ipsum dolor", 3).is_empty());
    }
}
