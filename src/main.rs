//! `ecs-exec-doctor`: parse arguments, run one command, map the outcome to an exit code.
//! Reports go to stdout; errors go to stderr as one line; a closed pipe ends quietly.

mod aws;
mod cli;
mod commands;
mod error;
mod local_tools;
mod render;
mod style;

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

use crate::error::exit;

fn main() -> ExitCode {
    let args = shorthand(std::env::args_os().collect());
    let cli = match cli::Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() {
                exit::ERROR
            } else {
                exit::OK
            };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let color = style::use_color(cli.color);
    match commands::run(cli.command, color) {
        Ok(output) => {
            let mut stdout = std::io::stdout().lock();
            match stdout
                .write_all(output.text.as_bytes())
                .and_then(|_| stdout.flush())
            {
                Ok(()) => ExitCode::from(output.code),
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::from(exit::OK),
                Err(e) => {
                    eprintln!("ecs-exec-doctor: error: cannot write the report: {e}");
                    ExitCode::from(exit::ERROR)
                }
            }
        }
        Err(e) => {
            eprintln!("ecs-exec-doctor: error: {e}");
            ExitCode::from(exit::ERROR)
        }
    }
}

/// `ecs-exec-doctor CLUSTER TASK ...` means `ecs-exec-doctor check CLUSTER TASK ...`, the
/// drop-in form of `check-ecs-exec.sh`.
fn shorthand(mut args: Vec<std::ffi::OsString>) -> Vec<std::ffi::OsString> {
    let Some(first) = args.get(1).and_then(|a| a.to_str()) else {
        return args;
    };
    let is_meta = matches!(first, "-h" | "--help" | "-V" | "--version");
    if !is_meta && !cli::SUBCOMMANDS.contains(&first) && !first.starts_with("--color") {
        args.insert(1, "check".into());
    }
    args
}
