//! `ecs-exec-doctor explain`: what an ECS Exec error message means, its causes ranked, the
//! checks that confirm each (with the command to run them) and the fixes; or, for a check code
//! or name, what the check does and which errors it explains.

use std::io::Read;
use std::path::PathBuf;

use clap::{Args, ValueEnum};
use ecs_exec_doctor_checks::catalog::{self, matcher};
use ecs_exec_doctor_checks::registry;

use super::Output;
use crate::error::{DoctorError, Result, exit};
use crate::render;
use crate::render::explain::{Explanation, TextExplanation};

#[derive(Debug, Args)]
#[command(after_help = "\
Exit codes:
  0  a known error was recognised, pasted JSON (describe-tasks, a task definition) was checked,
     the text is about ECS Exec and the closest known problems are shown, or the code exists
  1  nothing about ECS, Systems Manager sessions or exec in the text, and no known signature
  2  bad usage: no input, an unreadable file, input over 1 MiB, an unknown check code

Put `--` before text that starts with a dash: explain -- '----------ERROR-------'")]
pub struct ExplainArgs {
    /// The error text (quote it), a check code or name (`TK003`, `exec-agent-running`), a
    /// catalog id (`E01`), or `-` to read the text from stdin (a whole terminal paste or log).
    #[arg(value_name = "TEXT|CODE")]
    pub input: Vec<String>,
    /// Read the error text from this file (`-` for stdin).
    #[arg(long, value_name = "PATH", conflicts_with = "input")]
    pub file: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ExplainFormat::Text)]
    pub format: ExplainFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExplainFormat {
    Text,
    Json,
    Markdown,
}

pub fn run(args: ExplainArgs, color: bool) -> Result<Output> {
    let (text, from_argument) = input(&args)?;
    if text.trim().is_empty() {
        crate::fail!(
            "nothing to explain: pass the error text, a check code, `-` to read stdin, or --file PATH"
        );
    }
    let explanation = render::explain::sanitized(explain(&text, from_argument)?);
    let code = match &explanation {
        Explanation::Text(t) if !t.answered() => exit::FINDINGS,
        _ => exit::OK,
    };
    let text = match args.format {
        ExplainFormat::Text => render::explain::text(&explanation, color),
        ExplainFormat::Json => render::explain::json(&explanation),
        ExplainFormat::Markdown => render::markdown::explain(&explanation),
    };
    Ok(Output { text, code })
}

/// The most `explain` reads, from any source. The longest real paste in the test corpus is
/// about 1.2 KB and a describe-tasks of 100 tasks a few hundred KB; matching a 50 MB paste
/// took 25 s, so anything larger is refused rather than read.
pub const MAX_INPUT: usize = 1024 * 1024;

/// The text to explain, and whether it came from the command line (where a single word may
/// be a check code).
fn input(args: &ExplainArgs) -> Result<(String, bool)> {
    let stdin = || capped(std::io::stdin().lock(), "the text on stdin", "stdin");
    if let Some(path) = &args.file {
        if path.as_os_str() == "-" {
            return Ok((stdin()?, false));
        }
        let shown = path.display().to_string();
        let file = std::fs::File::open(path)
            .map_err(|e| DoctorError::new(format!("cannot read {shown}: {e}")))?;
        return Ok((capped(file, &shown, &shown)?, false));
    }
    match args.input.as_slice() {
        [] => crate::fail!(
            "nothing to explain: pass the error text, a check code, `-` to read stdin, or --file PATH"
        ),
        [dash] if dash == "-" => Ok((stdin()?, false)),
        words => {
            let len = words.iter().map(String::len).sum::<usize>() + words.len() - 1;
            if len > MAX_INPUT {
                return Err(too_long("the text given as arguments"));
            }
            Ok((words.join(" "), true))
        }
    }
}

/// Reads at most [`MAX_INPUT`] bytes (one more to know it is over), never the whole input.
fn capped(reader: impl Read, what: &str, source: &str) -> Result<String> {
    let mut bytes = Vec::new();
    reader
        .take(MAX_INPUT as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| DoctorError::new(format!("cannot read {source}: {e}")))?;
    if bytes.len() > MAX_INPUT {
        return Err(too_long(what));
    }
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

fn too_long(what: &str) -> DoctorError {
    DoctorError::new(format!(
        "{what} is over the {} MiB explain reads: pass only the error message and the lines around it",
        MAX_INPUT >> 20
    ))
}

fn explain(text: &str, from_argument: bool) -> Result<Explanation> {
    let word = text.trim();
    let single = from_argument && !word.contains(char::is_whitespace);
    if single {
        if let Some(check) = registry::find(word) {
            return Ok(Explanation::Check(check));
        }
        if let Some(entry) = catalog::find(word) {
            return Ok(Explanation::Entry {
                entry,
                command: render::explain::command(entry, &matcher::TargetHint::default()),
            });
        }
        if looks_like_a_code(word) {
            let mut near = registry::closest(word, 3);
            if near.is_empty() {
                // `TK999`: the codes of the same group.
                let letters: String = word.chars().take_while(char::is_ascii_alphabetic).collect();
                near = registry::CHECKS
                    .iter()
                    .map(|c| c.meta.code)
                    .filter(|c| letters.len() == 2 && c[..2].eq_ignore_ascii_case(&letters))
                    .take(5)
                    .map(str::to_string)
                    .collect();
            }
            near.extend(
                catalog::closest(word, 2)
                    .into_iter()
                    .map(|e| e.id.to_string()),
            );
            let hint = if near.is_empty() {
                String::new()
            } else {
                format!(" (did you mean {}?)", near.join(", "))
            };
            crate::fail!(
                "unknown code `{word}`{hint}; `ecs-exec-doctor checks` lists the checks, E01 to E{:02} are the known errors",
                catalog::ENTRIES.len()
            );
        }
    }
    let matches = catalog::find_all(text);
    let has_other_text = matcher::has_text_besides_benign(text, &matches);
    // What is left once benign lines (the plugin's "installed successfully") are set aside:
    // they are printed before every attempt and say nothing about the failure.
    let telling = catalog::retrieval::without_benign_lines(text);
    let mut t = TextExplanation {
        closest: Vec::new(),
        about_exec: catalog::retrieval::about_exec(&telling),
        similar_checks: Vec::new(),
        cli_error: matcher::cli_error(text),
        hint: matcher::target_hint(text),
        has_other_text,
        matches,
        clues: catalog::evidence::clues_in(text),
        pasted: catalog::pasted::check_pasted(text),
    };
    if !t.recognised() {
        t.closest = catalog::retrieval::retrieve(&telling, 3);
        if t.closest.is_empty() {
            // A misspelt name, or a text with no ECS Exec words: by name and rare words.
            t.closest = catalog::closest(text, 3)
                .into_iter()
                .map(|entry| catalog::retrieval::Hit {
                    entry,
                    score: 0.0,
                    matched: Vec::new(),
                    confidence: catalog::retrieval::Confidence::Low,
                })
                .collect();
        }
        if single {
            t.similar_checks = registry::closest(word, 3);
        }
    }
    Ok(Explanation::Text(t))
}

/// `TK003`, `tk3`, `E07`: two letters and digits, or `E` and digits.
fn looks_like_a_code(word: &str) -> bool {
    let letters = word.chars().take_while(char::is_ascii_alphabetic).count();
    let digits = word[letters..].chars().all(|c| c.is_ascii_digit()) && word.len() > letters;
    digits && (letters == 2 || (letters == 1 && word.starts_with(['E', 'e'])))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_shapes() {
        assert!(looks_like_a_code("TK999"));
        assert!(looks_like_a_code("e77"));
        assert!(!looks_like_a_code("TargetNotConnectedException"));
        assert!(!looks_like_a_code("E"));
        assert!(!looks_like_a_code("ABC12"));
    }
}
