//! Ranking an entry's causes for one paste: the rest of the text (describe-tasks JSON, the
//! launch type, a wrapper tool, the original checker's lines, timings) is evidence for some
//! causes and against others. Each [`Clue`] is a named, deterministic rule; a cause moves up by
//! the clues for it and down by the clues against it, ties keep the catalog's order, and every
//! move says which words of the paste made it. No scores are hidden: the rank is the count of
//! clues for minus the count against.

use serde::Serialize;

use super::matcher::{Normalized, excerpt, near_each_other, one_line};
use super::secrets::Secrets;
use super::{Cause, Entry};

/// What a clue points at: the causes a check confirms, or causes by their wording.
#[derive(Debug, Clone, Copy)]
pub enum Target {
    /// Every cause that links this check code.
    Check(&'static str),
    /// Every cause whose text contains this (lowercase) phrase.
    Cause(&'static str),
}

/// One piece of evidence a paste can hold.
#[derive(Debug)]
pub struct Clue {
    /// Stable name (`exec-flag-false`), in JSON.
    pub id: &'static str,
    /// What it shows, completing "the paste shows …" (`the task's enableExecuteCommand is false`).
    pub shows: &'static str,
    /// Any of these; each is fragments that must all appear near each other, matched like
    /// catalog patterns (case, whitespace, wrapping and colour codes ignored).
    pub patterns: &'static [&'static [&'static str]],
    /// An occurrence directly followed by one of these does not count (the checker's
    /// `AWS_ACCESS_KEY_ID: not defined`).
    pub except: &'static [&'static str],
    pub supports: &'static [Target],
    pub against: &'static [Target],
}

/// A clue found in a text.
#[derive(Debug, Clone, Serialize)]
pub struct Seen {
    pub clue: &'static str,
    pub shows: &'static str,
    /// The words of the paste that matched, on one line, with secrets masked.
    pub excerpt: String,
    #[serde(skip)]
    pub(crate) rule: &'static Clue,
}

/// One cause of an entry as ranked for a paste.
#[derive(Debug, Clone, Serialize)]
pub struct RankedCause {
    /// 1-based rank for this paste.
    pub rank: usize,
    /// 1-based rank in the catalog (how often it is the answer in general).
    pub catalog_rank: usize,
    pub cause: &'static str,
    /// Clues that moved it up.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub because: Vec<Seen>,
    /// Clues that moved it down.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub against: Vec<Seen>,
    #[serde(skip)]
    pub source: &'static Cause,
}

impl RankedCause {
    /// `ranked first because the paste shows the task's enableExecuteCommand is false
    /// (`"enableExecuteCommand": false`)`, or `None` when no clue moved it.
    pub fn reason(&self) -> Option<String> {
        let place = match self.rank {
            1 => "first".to_string(),
            n => ordinal(n),
        };
        let list = |seen: &[Seen]| {
            seen.iter()
                .map(|s| format!("{} (`{}`)", s.shows, s.excerpt))
                .collect::<Vec<_>>()
                .join("; ")
        };
        match (self.because.is_empty(), self.against.is_empty()) {
            (true, true) => None,
            (false, true) => Some(format!(
                "ranked {place} because the paste shows {}",
                list(&self.because)
            )),
            (true, false) => Some(format!(
                "ranked {place}, down from {}, because the paste shows {}",
                ordinal(self.catalog_rank),
                list(&self.against)
            )),
            (false, false) => Some(format!(
                "ranked {place}: for it, the paste shows {}; against it, {}",
                list(&self.because),
                list(&self.against)
            )),
        }
    }
}

fn ordinal(n: usize) -> String {
    let suffix = match (n % 10, n % 100) {
        (1, 11) | (2, 12) | (3, 13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

/// Every clue in `text`, each once (with its first occurrence).
pub fn clues_in(text: &str) -> Vec<Seen> {
    let norm = Normalized::new(text);
    let secrets = Secrets::find(text);
    let mut seen = Vec::new();
    for clue in super::clues::CLUES {
        if let Some((start, end)) = clue
            .patterns
            .iter()
            .find_map(|p| first_match(&norm, p, clue.except))
        {
            let (from, to) = norm.original(start, end);
            seen.push(Seen {
                clue: clue.id,
                shows: clue.shows,
                excerpt: short_excerpt(text, &secrets, from, to),
                rule: clue,
            });
        }
    }
    seen
}

/// The matched words alone when short, else the excerpt around them.
fn short_excerpt(text: &str, secrets: &Secrets, from: usize, to: usize) -> String {
    let words = one_line(&secrets.apply(text, from, to));
    if words.chars().count() <= 80 {
        words
    } else {
        excerpt(
            text,
            secrets,
            from,
            from + text[from..].chars().next().map_or(0, char::len_utf8),
        )
        .chars()
        .take(120)
        .collect()
    }
}

fn first_match(norm: &Normalized, fragments: &[&str], except: &[&str]) -> Option<(usize, usize)> {
    let mut found: Vec<Vec<(usize, usize)>> = fragments.iter().map(|f| norm.find(f)).collect();
    let excepted: Vec<String> = except.iter().map(|e| Normalized::new(e).text).collect();
    found[0].retain(|&(_, end)| {
        !excepted
            .iter()
            .any(|e| norm.text[end..].starts_with(e.as_str()))
    });
    near_each_other(&found).first().copied()
}

fn hits(target: &Target, cause: &Cause) -> bool {
    match target {
        Target::Check(code) => cause.checks.iter().any(|c| c.meta.code == *code),
        Target::Cause(phrase) => cause.cause.contains(phrase),
    }
}

/// The causes of `entry` ranked for a paste with these clues: by clues for minus clues
/// against, ties in catalog order.
pub fn rank(entry: &'static Entry, seen: &[Seen]) -> Vec<RankedCause> {
    let mut ranked: Vec<RankedCause> = entry
        .causes
        .iter()
        .enumerate()
        .map(|(i, cause)| {
            let pick = |side: fn(&Clue) -> &'static [Target]| -> Vec<Seen> {
                seen.iter()
                    .filter(|s| side(s.rule).iter().any(|t| hits(t, cause)))
                    .cloned()
                    .collect()
            };
            RankedCause {
                rank: 0,
                catalog_rank: i + 1,
                cause: cause.cause,
                because: pick(|c| c.supports),
                against: pick(|c| c.against),
                source: cause,
            }
        })
        .collect();
    let score = |r: &RankedCause| r.because.len() as i64 - r.against.len() as i64;
    ranked.sort_by(|a, b| {
        score(b)
            .cmp(&score(a))
            .then(a.catalog_rank.cmp(&b.catalog_rank))
    });
    for (i, r) in ranked.iter_mut().enumerate() {
        r.rank = i + 1;
    }
    ranked
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{ENTRIES, find};

    #[test]
    fn every_clue_targets_some_cause_and_has_patterns() {
        let mut ids = std::collections::BTreeSet::new();
        for clue in super::super::clues::CLUES {
            assert!(ids.insert(clue.id), "duplicate clue {}", clue.id);
            assert!(!clue.patterns.is_empty(), "{}", clue.id);
            assert!(!clue.shows.ends_with('.'), "{}", clue.id);
            for t in clue.supports.iter().chain(clue.against) {
                assert!(
                    ENTRIES.iter().any(|e| e.causes.iter().any(|c| hits(t, c))),
                    "clue {} targets no cause: {t:?}",
                    clue.id
                );
            }
        }
    }

    #[test]
    fn no_clue_keeps_the_catalog_order() {
        let e01 = find("E01").unwrap();
        let ranked = rank(e01, &clues_in("TargetNotConnectedException"));
        assert!(
            ranked
                .iter()
                .enumerate()
                .all(|(i, r)| r.catalog_rank == i + 1)
        );
        assert!(ranked.iter().all(|r| r.reason().is_none()));
    }

    #[test]
    fn a_clue_moves_its_cause_first_and_says_why() {
        let e01 = find("E01").unwrap();
        let paste = "An error occurred (TargetNotConnectedException) ...\n\"readonlyRootFilesystem\": true,";
        let ranked = rank(e01, &clues_in(paste));
        assert!(
            ranked[0].cause.contains("readonlyRootFilesystem"),
            "{ranked:?}"
        );
        let reason = ranked[0].reason().unwrap();
        assert!(
            reason.starts_with("ranked first because the paste shows"),
            "{reason}"
        );
        assert!(
            reason.contains("`\"readonlyRootFilesystem\": true`"),
            "{reason}"
        );
        assert_eq!(ordinal(2), "2nd");
        assert_eq!(ordinal(11), "11th");
        assert_eq!(ordinal(23), "23rd");
    }
}
