//! What a report says about the error given with `check --error`: the shape only, built by
//! `crate::catalog::relate`; kept below the catalog so the report holds it without depending
//! on the catalog.

use serde::{Deserialize, Serialize};

use crate::outcome::Status;

/// Where in building a session an error appears.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Phase {
    /// The AWS CLI and the session-manager-plugin on the user's machine.
    P0,
    /// The `ecs:ExecuteCommand` API call.
    P1,
    /// The plugin's websocket handshake with Session Manager (and KMS when configured).
    P2,
    /// The agent inside the container starting the command.
    P3,
    /// An open session.
    P4,
    /// Session logging (the transcript upload).
    P5,
}

impl Phase {
    pub fn title(self) -> &'static str {
        match self {
            Phase::P0 => "local tools",
            Phase::P1 => "ExecuteCommand API call",
            Phase::P2 => "session handshake",
            Phase::P3 => "agent starting the command",
            Phase::P4 => "open session",
            Phase::P5 => "session logging",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Phase::P0 => "P0",
            Phase::P1 => "P1",
            Phase::P2 => "P2",
            Phase::P3 => "P3",
            Phase::P4 => "P4",
            Phase::P5 => "P5",
        }
    }
}

/// What the report says about the error given with `--error`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorContext {
    /// The error as given, on one line (shortened when long), with secrets masked and terminal
    /// escape sequences dropped.
    pub error: String,
    /// The error is the one `check --probe` met, not one the user gave.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub from_probe: bool,
    pub verdict: ErrorVerdict,
    /// One plain line saying what the diagnosis makes of the error.
    pub statement: String,
    /// The catalog entries found in the error, most telling first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub matched: Vec<MatchedEntry>,
    /// The check codes linked to the matched entries, in rank order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub linked: Vec<String>,
    /// Failing linked results, in rank order: the likely causes of this error.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub explained_by: Vec<Explanation>,
    /// Linked checks that could not be evaluated.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unknown: Vec<String>,
    /// Linked checks that were not selected in this run.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_run: Vec<String>,
    /// When no linked check fails: the causes no check can confirm, with how to confirm them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub remaining: Vec<Remaining>,
    /// When the error matches no entry: the closest entries.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub closest: Vec<EntryRef>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorVerdict {
    /// At least one linked check fails.
    Explained,
    /// Every linked check passes or does not apply.
    NotExplained,
    /// No linked check fails, but some could not be evaluated or were not run.
    Inconclusive,
    /// The matched entries have no check that could confirm a cause.
    NoLinkedChecks,
    /// The text matches no entry.
    Unrecognised,
}

impl ErrorVerdict {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorVerdict::Explained => "explained",
            ErrorVerdict::NotExplained => "not_explained",
            ErrorVerdict::Inconclusive => "inconclusive",
            ErrorVerdict::NoLinkedChecks => "no_linked_checks",
            ErrorVerdict::Unrecognised => "unrecognised",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MatchedEntry {
    pub id: String,
    pub name: String,
    pub title: String,
    pub phase: Phase,
    pub meaning: String,
    /// The part of the error that matched.
    pub excerpt: String,
}

/// A failing check that explains the error.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Explanation {
    pub code: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task: Option<String>,
    pub status: Status,
    pub message: String,
    /// The entry and the cause (1-based rank) this result confirms.
    pub entry: String,
    pub rank: usize,
    pub cause: String,
}

/// A cause no check confirmed, with how to confirm it by hand.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Remaining {
    pub entry: String,
    pub cause: String,
    pub confirm: String,
    pub fix: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EntryRef {
    pub id: String,
    pub name: String,
    pub title: String,
}
