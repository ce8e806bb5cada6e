//! The catalog of ECS Exec failures: every error message users actually see (from the AWS CLI,
//! the session-manager-plugin, an SDK, inside the session, or in the agent's log), what it
//! means, its causes ranked by how often they are the answer, the check that confirms each
//! cause, and the fix.
//!
//! Entries refer to checks by their registered `static`, so a wrong reference does not compile.
//! Causes that no AWS API can show (a missing shell in the image, timing, a service-side issue)
//! say instead how to confirm them by hand.
//!
//! [`matcher`] finds every entry in a pasted text, [`relate`] ties a matched error to the results
//! of a diagnosis (`check --error`), and [`docs`] renders `docs/errors.md`.

use serde::{Deserialize, Serialize};

use crate::check::Check;

mod checker_output;
mod clues;
pub mod docs;
mod entries;
pub mod evidence;
pub mod matcher;
pub mod pasted;
mod pasted_iam;
#[cfg(test)]
mod pastes;
pub mod relate;
pub mod retrieval;
#[cfg(test)]
mod rules;
pub mod secrets;
#[cfg(test)]
mod wordings;

pub use entries::ENTRIES;
pub use matcher::{Match, closest, find_all};
pub use relate::{ErrorContext, apply_error, relate};

pub use crate::report::error_context::Phase;

/// Who prints the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Surface {
    /// The `ExecuteCommand` API response, as printed by the AWS CLI or an SDK.
    Api,
    /// The AWS CLI itself.
    Cli,
    /// The session-manager-plugin.
    Plugin,
    /// Inside the session, after `Starting session with SessionId`.
    Session,
    /// The SSM agent's log inside the container (or on the EC2 host).
    AgentLog,
    /// `aws ecs describe-tasks` output.
    TaskState,
    /// A diagnostic tool (the original checker, or this doctor).
    Tool,
}

impl Surface {
    pub fn title(self) -> &'static str {
        match self {
            Surface::Api => "the ExecuteCommand API response (AWS CLI or SDK)",
            Surface::Cli => "the AWS CLI",
            Surface::Plugin => "the session-manager-plugin",
            Surface::Session => "inside the session",
            Surface::AgentLog => "the SSM agent log in the container",
            Surface::TaskState => "describe-tasks output",
            Surface::Tool => "a diagnostic tool",
        }
    }
}

/// How an entry ranks against others found in the same text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A failure.
    Error,
    /// Expected behaviour that looks like a failure (the idle timeout).
    Informational,
    /// Noise printed before every attempt; never outranks anything.
    Benign,
}

/// How much a pattern says about its entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Strength {
    /// Shared by several entries (`InvalidParameterException`); counts only when nothing more
    /// specific is near it.
    Generic,
    /// A distinctive phrase that is usually this error.
    Phrase,
    /// The exact message, or an error code only this entry has.
    Exact,
    /// An inner error more specific than the envelope it appears in (an expired SSO token inside
    /// a KMS handshake failure).
    Inner,
}

/// Text that recognises an entry: every fragment must appear, near each other. Matching ignores
/// case, whitespace (so terminal wrapping does not matter), and the kind of apostrophe.
#[derive(Debug)]
pub struct Pattern {
    pub strength: Strength,
    pub all: &'static [&'static str],
}

/// One cause of an error, with how to confirm it and the fix.
#[derive(Debug)]
pub struct Cause {
    /// Lowercase, no trailing period.
    pub cause: &'static str,
    /// The checks that confirm this cause, most telling first.
    pub checks: &'static [&'static Check],
    /// How to confirm it by hand, for what no API shows.
    pub confirm: Option<&'static str>,
    pub fix: &'static str,
}

/// One failure signature.
#[derive(Debug)]
pub struct Entry {
    /// Stable identifier (`E01`), never reused.
    pub id: &'static str,
    /// Unique name (`TargetNotConnectedException`).
    pub name: &'static str,
    /// The AWS error code, when the failure has one.
    pub code: Option<&'static str>,
    /// One line, lowercase, no trailing period.
    pub title: &'static str,
    pub phase: Phase,
    /// Precision on the phase (`printed after the API call succeeded`).
    pub phase_note: Option<&'static str>,
    pub surface: Surface,
    pub kind: Kind,
    /// The text users see, exactly (one real example).
    pub message: &'static str,
    pub patterns: &'static [Pattern],
    /// What it means, in plain words.
    pub meaning: &'static str,
    /// Most likely first.
    pub causes: &'static [Cause],
    pub references: &'static [&'static str],
}

impl Entry {
    /// A short text that is recognised as this entry, for `--error` in suggested commands.
    pub fn key(&self) -> &'static str {
        self.patterns[0].all[0]
    }

    /// Every linked check, in rank order, once.
    pub fn checks(&self) -> Vec<&'static Check> {
        let mut out: Vec<&'static Check> = Vec::new();
        for cause in self.causes {
            for check in cause.checks {
                if !out.iter().any(|c| c.meta.code == check.meta.code) {
                    out.push(check);
                }
            }
        }
        out
    }

    /// The causes no check can confirm (or that need a manual look besides a check).
    pub fn manual_causes(&self) -> impl Iterator<Item = &'static Cause> {
        self.causes.iter().filter(|c| c.confirm.is_some())
    }
}

/// The entry with this id (`E01`, `e1`) or name, case-insensitive.
pub fn find(id_or_name: &str) -> Option<&'static Entry> {
    let key = id_or_name.trim();
    let by_number = key
        .strip_prefix(['E', 'e'])
        .and_then(|n| n.parse::<u32>().ok())
        .filter(|_| key.len() <= 4);
    ENTRIES.iter().copied().find(|e| {
        e.name.eq_ignore_ascii_case(key)
            || e.id.eq_ignore_ascii_case(key)
            || by_number.is_some_and(|n| e.id[1..].parse::<u32>().ok() == Some(n))
    })
}

/// The entries that link `code` (a check code), with the rank of the first cause that does.
pub fn entries_for(code: &str) -> Vec<(&'static Entry, usize)> {
    ENTRIES
        .iter()
        .copied()
        .filter_map(|e| {
            e.causes
                .iter()
                .position(|c| c.checks.iter().any(|k| k.meta.code == code))
                .map(|i| (e, i + 1))
        })
        .collect()
}

/// A serialisable view of an entry (for `explain --format json`).
#[derive(Debug, Clone, Serialize)]
pub struct EntryView {
    pub id: &'static str,
    pub name: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<&'static str>,
    pub title: &'static str,
    pub phase: Phase,
    pub phase_title: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phase_note: Option<&'static str>,
    pub shows_in: Surface,
    pub kind: Kind,
    pub message: &'static str,
    pub meaning: &'static str,
    pub causes: Vec<CauseView>,
    pub checks: Vec<&'static str>,
    pub references: &'static [&'static str],
}

#[derive(Debug, Clone, Serialize)]
pub struct CauseView {
    /// 1-based position in the order shown: the catalog's, or for a pasted text the order
    /// ranked for that text.
    pub rank: usize,
    /// 1-based position in the catalog (how often it is the answer in general).
    pub catalog_rank: usize,
    pub cause: &'static str,
    pub checks: Vec<CheckRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confirm: Option<&'static str>,
    pub fix: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct CheckRef {
    pub code: &'static str,
    pub name: &'static str,
}

impl From<&'static Entry> for EntryView {
    fn from(e: &'static Entry) -> Self {
        EntryView {
            id: e.id,
            name: e.name,
            code: e.code,
            title: e.title,
            phase: e.phase,
            phase_title: e.phase.title(),
            phase_note: e.phase_note,
            shows_in: e.surface,
            kind: e.kind,
            message: e.message,
            meaning: e.meaning,
            causes: e
                .causes
                .iter()
                .enumerate()
                .map(|(i, c)| CauseView {
                    rank: i + 1,
                    catalog_rank: i + 1,
                    cause: c.cause,
                    checks: c
                        .checks
                        .iter()
                        .map(|k| CheckRef {
                            code: k.meta.code,
                            name: k.meta.name,
                        })
                        .collect(),
                    confirm: c.confirm,
                    fix: c.fix,
                })
                .collect(),
            checks: e.checks().iter().map(|c| c.meta.code).collect(),
            references: e.references,
        }
    }
}

/// Declares a catalog entry. Checks are named by their module under the crate root
/// (`task::exec_enabled` for `crate::task::exec_enabled::CHECK`).
macro_rules! declare_error {
    (
        $ident:ident = {
            id: $id:literal,
            name: $name:literal,
            $(code: $code:literal,)?
            title: $title:literal,
            phase: $phase:ident $(($phase_note:literal))?,
            shows_in: $surface:ident,
            $(kind: $kind:ident,)?
            message: $message:literal,
            patterns: [$($strength:ident $pattern:tt),+ $(,)?],
            meaning: $meaning:literal,
            causes: [$({
                cause: $cause:literal,
                $(checks: [$($($seg:ident)::+),+ $(,)?],)?
                $(confirm: $confirm:literal,)?
                fix: $fix:literal $(,)?
            }),+ $(,)?],
            references: [$($reference:expr),* $(,)?] $(,)?
        };
    ) => {
        pub static $ident: $crate::catalog::Entry = $crate::catalog::Entry {
            id: $id,
            name: $name,
            code: declare_error!(@opt $($code)?),
            title: $title,
            phase: $crate::catalog::Phase::$phase,
            phase_note: declare_error!(@opt $($phase_note)?),
            surface: $crate::catalog::Surface::$surface,
            kind: declare_error!(@kind $($kind)?),
            message: $message,
            patterns: &[$($crate::catalog::Pattern {
                strength: $crate::catalog::Strength::$strength,
                all: declare_error!(@pattern $pattern),
            }),+],
            meaning: $meaning,
            causes: &[$($crate::catalog::Cause {
                cause: $cause,
                checks: &[$($(&$crate::$($seg)::+::CHECK),+)?],
                confirm: declare_error!(@opt $($confirm)?),
                fix: $fix,
            }),+],
            references: &[$($reference),*],
        };
    };
    (@opt) => { None };
    (@opt $value:literal) => { Some($value) };
    (@kind) => { $crate::catalog::Kind::Error };
    (@kind $kind:ident) => { $crate::catalog::Kind::$kind };
    (@pattern [$($fragment:literal),+ $(,)?]) => { &[$($fragment),+] };
    (@pattern $fragment:literal) => { &[$fragment] };
}
use declare_error;

#[cfg(test)]
mod tests {
    use super::*;

    /// Lowercase start (an acronym or identifier such as `ECS` may start it), no trailing
    /// period.
    fn style_ok(text: &str) -> bool {
        let first_word = text.split_whitespace().next().unwrap_or_default();
        let lowercase_start = !first_word.starts_with(char::is_uppercase)
            || first_word.chars().skip(1).any(char::is_uppercase);
        lowercase_start && !text.ends_with('.') && text == text.trim()
    }

    #[test]
    fn ids_are_sequential_unique_and_at_least_thirty() {
        assert!(ENTRIES.len() >= 30, "{} entries", ENTRIES.len());
        let mut names = std::collections::BTreeSet::new();
        for (i, e) in ENTRIES.iter().enumerate() {
            assert_eq!(
                e.id,
                format!("E{:02}", i + 1),
                "entries must be in id order"
            );
            assert!(
                names.insert(e.name.to_ascii_lowercase()),
                "duplicate {}",
                e.name
            );
            assert!(
                e.name.chars().all(|c| c.is_ascii_alphanumeric()),
                "{}: names are identifiers",
                e.name
            );
        }
    }

    #[test]
    fn entries_are_complete_and_follow_the_message_style() {
        for e in ENTRIES {
            assert!(!e.patterns.is_empty() && !e.causes.is_empty(), "{}", e.id);
            assert!(style_ok(e.title), "{} title: {:?}", e.id, e.title);
            assert!(style_ok(e.meaning), "{} meaning: {:?}", e.id, e.meaning);
            // A failure needs a pattern specific on its own; an informational line (the
            // session's normal end) may be generic: it counts only when no failure is near.
            assert!(
                e.kind != Kind::Error
                    || e.patterns
                        .iter()
                        .any(|p| p.strength >= Strength::Phrase && p.all.len() == 1),
                "{} needs a pattern that is specific on its own",
                e.id
            );
            for (i, c) in e.causes.iter().enumerate() {
                assert!(
                    !c.checks.is_empty() || c.confirm.is_some(),
                    "{} cause {} has neither a check nor a way to confirm it",
                    e.id,
                    i + 1
                );
                assert!(style_ok(c.cause), "{} cause {}: {:?}", e.id, i + 1, c.cause);
                assert!(style_ok(c.fix), "{} fix {}: {:?}", e.id, i + 1, c.fix);
                if let Some(confirm) = c.confirm {
                    assert!(style_ok(confirm), "{} confirm {}: {confirm:?}", e.id, i + 1);
                }
                for check in c.checks {
                    assert!(
                        crate::registry::find(check.meta.code).is_some(),
                        "{} links {}, which is not registered",
                        e.id,
                        check.meta.code
                    );
                }
            }
        }
    }

    #[test]
    fn every_entry_recognises_its_own_message_and_key() {
        for e in ENTRIES {
            for text in [e.message, e.key()] {
                let found = find_all(text);
                assert!(
                    found.first().is_some_and(|m| m.entry.id == e.id),
                    "{}: {text:?} gave {:?}",
                    e.id,
                    found.iter().map(|m| m.entry.id).collect::<Vec<_>>()
                );
            }
        }
    }

    #[test]
    fn lookups() {
        assert_eq!(find("E01").unwrap().name, "TargetNotConnectedException");
        assert_eq!(find("e1").unwrap().id, "E01");
        assert_eq!(find("targetnotconnectedexception").unwrap().id, "E01");
        assert!(find("E99").is_none());
        assert!(find("E0001").is_none());
        let for_tk002: Vec<_> = entries_for("TK002").iter().map(|(e, _)| e.id).collect();
        assert!(for_tk002.contains(&"E02"), "{for_tk002:?}");
        let e01 = find("E01").unwrap();
        assert_eq!(e01.checks()[0].meta.code, "IR001");
    }

    #[test]
    fn every_check_is_linked_from_an_entry() {
        for c in crate::registry::CHECKS {
            assert!(
                !entries_for(c.meta.code).is_empty(),
                "{} is linked from no catalog entry",
                c.meta.code
            );
        }
    }
}
