//! One module per subcommand. Each returns the text to print and the exit code, or a
//! [`DoctorError`](crate::error::DoctorError) (exit 2).

pub mod check;
pub mod checks_list;
pub mod explain;
pub mod lint;
pub mod permissions;

use ecs_exec_doctor_checks::registry;
use ecs_exec_doctor_checks::runner::Selection;

use crate::cli::{Command, SelectionArgs};
use crate::error::{DoctorError, Result};

/// What a command produced.
pub struct Output {
    pub text: String,
    pub code: u8,
}

pub fn run(command: Command, color: bool) -> Result<Output> {
    match command {
        Command::Check(args) => check::run(args, color),
        Command::Lint(args) => lint::run(args, color),
        Command::Explain(args) => explain::run(args, color),
        Command::Checks(args) => checks_list::run(args),
        Command::Permissions(args) => permissions::run(args),
        Command::Completions(args) => Ok(completions(args.shell)),
    }
}

/// The completion script for `shell`, from the command-line definition itself.
fn completions(shell: clap_complete::Shell) -> Output {
    use clap::CommandFactory;
    let mut script = Vec::new();
    clap_complete::generate(
        shell,
        &mut crate::cli::Cli::command(),
        "ecs-exec-doctor",
        &mut script,
    );
    let mut text = String::from_utf8_lossy(&script).into_owned();
    if shell == clap_complete::Shell::Bash {
        text = bash_names_agree(&text);
    }
    Output { text, code: 0 }
}

/// clap_complete's bash script names the subcommands' `case` arms after the binary with each
/// `-` read as a subcommand separator (`ecs__subcmd__exec__subcmd__doctor__subcmd__check`),
/// but walks the words into `ecs__exec__doctor__subcmd__check`: nothing after the subcommand
/// completes. One spelling for both.
fn bash_names_agree(script: &str) -> String {
    script.replace("ecs__subcmd__exec__subcmd__doctor", "ecs__exec__doctor")
}

/// Resolves `--select` / `--ignore` selectors to codes (exit 2 on an unknown one, with the
/// closest names).
pub fn selection(args: &SelectionArgs) -> Result<Selection> {
    let selection = Selection {
        select: resolve_selectors(&args.select)?,
        ignore: resolve_selectors(&args.ignore)?,
        ..Default::default()
    };
    if selection.checks().is_empty() {
        crate::fail!(
            "--select/--ignore leave no check to run: select at least one (`ecs-exec-doctor checks` lists them)"
        );
    }
    Ok(selection)
}

/// Codes for `--select` / `--ignore` items (codes, names, prefixes); blank items are skipped.
pub fn resolve_selectors(items: &[String]) -> Result<Vec<&'static str>> {
    let mut out = Vec::new();
    for item in items.iter().filter(|s| !s.trim().is_empty()) {
        out.extend(registry::resolve(item).map_err(DoctorError::new)?);
    }
    Ok(out)
}
