//! `docs/errors.md`, generated from the catalog. A test fails when the committed file differs;
//! `UPDATE_DOCS=1 cargo test -p ecs-exec-doctor-checks catalog` rewrites it.

use std::fmt::Write;

use super::{ENTRIES, Entry, Kind};

/// The path of the generated page, relative to the repository root.
pub const PATH: &str = "docs/errors.md";

/// The whole page.
pub fn errors_page() -> String {
    let mut out = String::new();
    out.push_str(
        "<!-- generated from checks/src/catalog/entries.rs by `UPDATE_DOCS=1 cargo test -p ecs-exec-doctor-checks catalog`; do not edit -->\n\
         # ECS Exec errors\n\n\
         Every error message `aws ecs execute-command` is known to end with, what it means, its causes \
         (most likely first), the check that confirms each cause, and the fix. \
         `ecs-exec-doctor explain` finds these in a pasted message or a whole terminal log, and \
         `ecs-exec-doctor check CLUSTER TASK --error \"MESSAGE\"` puts the checks linked to the message \
         first and says which of them explain it. When no signature matches a text about ECS, \
         Systems Manager, sessions or exec, `explain` ranks every entry below by relevance to it \
         (BM25 over the entry's messages, causes, fixes and linked checks, with API names, ARNs and \
         snake or kebab case split into words and a few synonyms) and shows the closest with the \
         words they share and a confidence; only a text with nothing about those is \
         \"unrecognised\" (exit 1). An error code every AWS API shares (`AccessDeniedException`, \
         `ClientException`) counts only in a text about exec, or asked about on its own: a \
         RegisterTaskDefinition or ssm:SendCommand failure is not an ExecuteCommand one.\n\n\
         Beside the messages, `explain` reads what people paste whole and runs the checks those \
         facts feed: `describe-tasks`, `describe-task-definition` and `describe-services` output, \
         the original checker's report, `aws iam simulate-principal-policy` output (judged like \
         the live caller and task-role checks: an SCP in `OrganizationsDecisionDetail`, a \
         permissions boundary, the matched statements, and a decision that depends on \
         `MissingContextValues` the doctor cannot know is a warning, not a red) and IAM policy \
         documents (bare, or as `get-role-policy` and `get-policy-version` print them: each exec \
         action evaluated, and a statement that hangs on a key a checker or a context-less \
         simulation does not pass, such as `aws:MultiFactorAuthPresent`, `aws:SourceIp`, \
         `aws:SourceVpce`, `aws:RequestedRegion` or `aws:PrincipalTag/*`, named as the likely cause \
         of a false \"denied\").\n\n\
         Phases: P0 local tools, P1 the ExecuteCommand API call, P2 the session handshake, P3 the agent \
         starting the command, P4 an open session, P5 session logging.\n\n\
         | ID | Error | Phase | Shows in | Checks |\n| --- | --- | --- | --- | --- |\n",
    );
    for e in ENTRIES {
        let checks: Vec<String> = e
            .checks()
            .iter()
            .map(|c| format!("[{0}](checks/{0}.md)", c.meta.code))
            .collect();
        let _ = writeln!(
            out,
            "| [{id}](#{anchor}) | {name}: {title} | {phase} | {surface} | {checks} |",
            id = e.id,
            anchor = anchor(e),
            name = e.name,
            title = cell(e.title),
            phase = e.phase.as_str(),
            surface = e.surface.title(),
            checks = if checks.is_empty() {
                "none (see the entry)".to_string()
            } else {
                checks.join(", ")
            },
        );
    }
    for e in ENTRIES {
        out.push('\n');
        entry(&mut out, e);
    }
    clues(&mut out);
    out
}

/// The evidence `explain` reads in the rest of a paste, and what it moves.
fn clues(out: &mut String) {
    use super::evidence::Target;
    out.push_str(
        "\n## What moves a cause up or down\n\n\
         The causes above are in the order they are most often the answer. For a pasted text, \
         `explain` ranks them for that paste: each clue below found anywhere in the text moves up \
         the causes it speaks for and down those it speaks against (ties keep the order above), \
         and the output says which words moved each cause.\n\n\
         | Clue | The paste shows | For | Against | Matched by (any of) |\n| --- | --- | --- | --- | --- |\n",
    );
    let targets = |ts: &[Target]| -> String {
        ts.iter()
            .map(|t| match t {
                Target::Check(code) => format!("[{code}](checks/{code}.md)"),
                Target::Cause(phrase) => format!("causes with \"{phrase}\""),
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    for c in super::clues::CLUES {
        let patterns: Vec<String> = c
            .patterns
            .iter()
            .map(|p| format!("`{}`", cell(&p.join(" … "))))
            .collect();
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} |",
            c.id,
            cell(c.shows),
            targets(c.supports),
            targets(c.against),
            patterns.join(", ")
        );
    }
}

fn anchor(e: &Entry) -> String {
    format!("{}-{}", e.id, e.name).to_ascii_lowercase()
}

fn cell(text: &str) -> String {
    text.replace('|', "\\|")
}

fn entry(out: &mut String, e: &Entry) {
    let _ = writeln!(out, "## {} {}\n", e.id, e.name);
    let kind = match e.kind {
        Kind::Error => "",
        Kind::Informational => " (informational: expected behaviour, not a misconfiguration)",
        Kind::Benign => " (benign: not an error)",
    };
    let _ = writeln!(out, "{}{kind}.\n", capitalise(e.title));
    let _ = writeln!(out, "{}", fenced(e.message));
    let phase = match e.phase_note {
        Some(note) => format!("{} {}, {note}", e.phase.as_str(), e.phase.title()),
        None => format!("{} {}", e.phase.as_str(), e.phase.title()),
    };
    let code = e
        .code
        .map(|c| format!("; error code `{c}`"))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "Phase: {phase}. Shows in: {}{code}.\n",
        e.surface.title()
    );
    let _ = writeln!(out, "**What it means.** {}.\n", capitalise(e.meaning));
    let _ = writeln!(out, "**Causes, most likely first:**\n");
    for (i, c) in e.causes.iter().enumerate() {
        let marker = format!("{}. ", i + 1);
        let indent = " ".repeat(marker.len());
        let _ = writeln!(out, "{marker}{}.", capitalise(c.cause));
        if !c.checks.is_empty() {
            let links: Vec<String> = c
                .checks
                .iter()
                .map(|k| format!("[{0}](checks/{0}.md) {1}", k.meta.code, k.meta.name))
                .collect();
            let _ = writeln!(out, "{indent}- Confirmed by: {}.", links.join(", "));
        }
        if let Some(confirm) = c.confirm {
            let label = if c.checks.is_empty() {
                "How to confirm (no API shows this)"
            } else {
                "Also look at"
            };
            let _ = writeln!(out, "{indent}- {label}: {confirm}.");
        }
        let _ = writeln!(out, "{indent}- Fix: {}.", c.fix);
    }
    let checks: Vec<&str> = e.checks().iter().map(|c| c.meta.code).collect();
    if !checks.is_empty() {
        let _ = writeln!(
            out,
            "\nRun the linked checks:\n\n```sh\necs-exec-doctor check CLUSTER TASK --select {} --error '{}'\n```",
            checks.join(","),
            e.key().replace('\'', "'\\''")
        );
    }
    if !e.references.is_empty() {
        let _ = writeln!(out, "\n**References:** {}", e.references.join("; "));
    }
}

/// Capitalises a sentence, but not one that starts with an identifier (`readonlyRootFilesystem`).
fn capitalise(text: &str) -> String {
    let first_word = text.split_whitespace().next().unwrap_or_default();
    if first_word.chars().any(|c| c.is_uppercase()) {
        return text.to_string();
    }
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().collect::<String>() + chars.as_str(),
        None => String::new(),
    }
}

/// A fenced `text` block whose fence is longer than any backtick run inside.
fn fenced(body: &str) -> String {
    let longest = body.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat((longest + 1).max(3));
    format!("{fence}text\n{body}\n{fence}\n")
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    #[test]
    fn errors_md_is_in_sync_with_the_catalog() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(PATH);
        let text = errors_page();
        if std::fs::read_to_string(&path).ok().as_deref() == Some(text.as_str()) {
            return;
        }
        if std::env::var_os("UPDATE_DOCS").is_some() {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, text).unwrap();
            return;
        }
        panic!("{PATH} is stale; run `UPDATE_DOCS=1 cargo test -p ecs-exec-doctor-checks catalog`");
    }

    #[test]
    fn page_has_every_entry_and_links_every_check_page() {
        let page = errors_page();
        for e in ENTRIES {
            assert!(
                page.contains(&format!("## {} {}\n", e.id, e.name)),
                "{}",
                e.id
            );
            assert!(page.contains(e.message), "{} message", e.id);
            for c in e.checks() {
                assert!(page.contains(&format!("(checks/{}.md)", c.meta.code)));
            }
        }
    }
}
