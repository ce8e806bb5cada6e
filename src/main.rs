//! `ecs-exec-doctor`: parse arguments, run one command, map the outcome to an exit code.
//! Reports go to stdout; errors go to stderr as one line, printed by [`error::print`] with
//! control characters escaped; a closed pipe ends quietly.

mod aws;
mod cli;
mod commands;
mod error;
mod local_tools;
mod probe;
mod progress;
mod render;
mod style;

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

use crate::error::exit;

fn main() -> ExitCode {
    let args = match shorthand(std::env::args_os().collect()) {
        Ok(args) => args,
        Err(message) => {
            error::print(message);
            return ExitCode::from(exit::ERROR);
        }
    };
    // clap quotes an offending argument in its usage errors, and on a terminal writes it raw.
    let hostile = args
        .iter()
        .any(|a| a.to_string_lossy().chars().any(char::is_control));
    let cli = match cli::Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() {
                exit::ERROR
            } else {
                exit::OK
            };
            // As clap prints it (with its colours), unless an argument holds a control
            // character: then as plain text (clap drops escape sequences from that), escaped.
            if hostile && e.use_stderr() {
                eprint!("{}", error::safe_lines(&e.to_string()));
            } else {
                let _ = e.print();
            }
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
                    error::print(format_args!("cannot write the report: {e}"));
                    ExitCode::from(exit::ERROR)
                }
            }
        }
        Err(e) => {
            error::print(e);
            ExitCode::from(exit::ERROR)
        }
    }
}

/// `ecs-exec-doctor CLUSTER TASK ...` means `ecs-exec-doctor check CLUSTER TASK ...`, the
/// drop-in form of `check-ecs-exec.sh`. A first word a typo away from a subcommand (`lnit`,
/// `chekc`) is not taken as a cluster name: it is a usage error that names the subcommand.
fn shorthand(mut args: Vec<std::ffi::OsString>) -> Result<Vec<std::ffi::OsString>, String> {
    // Global flags may come first: `ecs-exec-doctor --color never CLUSTER TASK`.
    let mut at = 1;
    while let Some(word) = args.get(at).and_then(|a| a.to_str()) {
        match word {
            "--color" => at += 2,
            _ if word.starts_with("--color=") => at += 1,
            _ => break,
        }
    }
    let Some(first) = args.get(at).and_then(|a| a.to_str()) else {
        return Ok(args);
    };
    let is_meta = matches!(first, "-h" | "--help" | "-V" | "--version");
    if is_meta || cli::SUBCOMMANDS.contains(&first) {
        return Ok(args);
    }
    // `--verison` is not a check flag mistyped: read as `check --verison` it would be
    // matched against check's flags (`--regions`).
    if let Some(meant) = mistyped_meta_flag(first) {
        return Err(format!("unknown option `{first}`; did you mean `{meant}`?"));
    }
    if let Some(meant) = mistyped_subcommand(first) {
        return Err(format!(
            "unknown command `{first}`; did you mean `{meant}`? (for a cluster named `{first}`, run `ecs-exec-doctor check {first} TASK`)"
        ));
    }
    args.insert(at, "check".into());
    Ok(args)
}

/// `--version` or `--help` when `word` is a flag a typo away from one of them.
fn mistyped_meta_flag(word: &str) -> Option<&'static str> {
    let name = word.strip_prefix("--")?;
    ["version", "help"]
        .into_iter()
        .find(|m| strsim::damerau_levenshtein(&name.to_ascii_lowercase(), m) <= 2)
        .filter(|m| *m != name)
        .map(|m| {
            if m == "version" {
                "--version"
            } else {
                "--help"
            }
        })
}

/// The subcommand `word` is most likely a typo of: at most two edits (a swap of neighbours
/// counts as one) and fewer than half its letters. Cluster names and ARNs are never that
/// close to a subcommand by accident, and `check CLUSTER` always works.
fn mistyped_subcommand(word: &str) -> Option<&'static str> {
    if word.starts_with('-') || word.contains([':', '/']) || word.len() < 3 {
        return None;
    }
    let lower = word.to_ascii_lowercase();
    cli::SUBCOMMANDS
        .iter()
        .filter(|s| **s != "help") // `hello` is a cluster name more often than a typo
        .map(|s| (strsim::damerau_levenshtein(&lower, s), *s))
        .filter(|(d, _)| *d <= 2 && *d * 2 < word.len())
        .min()
        .map(|(_, s)| s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typos_of_subcommands_are_caught_and_cluster_names_are_not() {
        for (typo, meant) in [
            ("lnit", "lint"),
            ("chekc", "check"),
            ("explian", "explain"),
            ("chcks", "checks"),
            ("permisions", "permissions"),
            ("LINT", "lint"),
        ] {
            assert_eq!(mistyped_subcommand(typo), Some(meant), "{typo}");
        }
        for cluster in [
            "prod",
            "default",
            "web-cluster",
            "staging",
            "arn:aws:ecs:us-east-1:123456789012:cluster/lint",
            "ab",
            "checkout",
            "linter-ci",
            "hello",
        ] {
            assert_eq!(mistyped_subcommand(cluster), None, "{cluster}");
        }
        let args = |v: &[&str]| v.iter().map(std::ffi::OsString::from).collect::<Vec<_>>();
        assert_eq!(
            shorthand(args(&["d", "prod", "abc"])).unwrap(),
            args(&["d", "check", "prod", "abc"])
        );
        assert!(
            shorthand(args(&["d", "lnit", "x.json"]))
                .unwrap_err()
                .contains("did you mean `lint`?")
        );
        // Global flags before the drop-in form.
        assert_eq!(
            shorthand(args(&["d", "--color", "never", "prod", "abc"])).unwrap(),
            args(&["d", "--color", "never", "check", "prod", "abc"])
        );
        assert_eq!(
            shorthand(args(&["d", "--color=always", "prod", "abc"])).unwrap(),
            args(&["d", "--color=always", "check", "prod", "abc"])
        );
        assert_eq!(
            shorthand(args(&["d", "--color", "never", "lint", "x"])).unwrap(),
            args(&["d", "--color", "never", "lint", "x"])
        );
        // A typo of --version is one, not a check flag.
        assert!(
            shorthand(args(&["d", "--verison"]))
                .unwrap_err()
                .contains("did you mean `--version`?")
        );
        assert!(
            shorthand(args(&["d", "--hlep"]))
                .unwrap_err()
                .contains("did you mean `--help`?")
        );
        assert_eq!(
            shorthand(args(&["d", "--region", "us-east-1", "prod", "abc"])).unwrap(),
            args(&["d", "check", "--region", "us-east-1", "prod", "abc"])
        );
    }

    /// The man pages in docs/man/ (one for the tool, one per subcommand) are generated from
    /// the command-line definition.
    #[test]
    fn man_pages_are_in_sync() {
        use clap::CommandFactory;
        let version = env!("CARGO_PKG_VERSION");
        // Built, so that the global flags (`--color`) reach the subcommands' pages.
        let mut root = cli::Cli::command()
            .version(version)
            // `help` has no page of its own: no link to one.
            .disable_help_subcommand(true);
        root.build();
        let mut pages = vec![("ecs-exec-doctor".to_string(), root.clone())];
        for sub in root.get_subcommands() {
            let name = format!("ecs-exec-doctor-{}", sub.get_name());
            let usage = format!("ecs-exec-doctor {}", sub.get_name());
            pages.push((
                name.clone(),
                sub.clone()
                    // The page's name; the synopsis shows the command as typed. (clap names
                    // are &'static str: its `string` feature is off.)
                    .name(&*Box::leak(name.into_boxed_str()))
                    .bin_name(usage),
            ));
        }
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/man");
        let update = std::env::var_os("UPDATE_DOCS").is_some();
        let mut stale = Vec::new();
        for (name, command) in pages {
            let mut page = Vec::new();
            // Subcommands have no -V of their own: the version is in the footer.
            clap_mangen::Man::new(command)
                .source(format!("ecs-exec-doctor {version}"))
                .render(&mut page)
                .expect("renders");
            let text = String::from_utf8_lossy(&page);
            if name != "ecs-exec-doctor" {
                let typed = name.replacen("ecs-exec-doctor-", "ecs\\-exec\\-doctor ", 1);
                assert!(
                    text.contains(&format!("\\fB{typed}\\fR")),
                    "{name}: synopsis"
                );
                assert!(!text.contains("\\-\\-version"), "{name}: no -V of its own");
                assert!(text.contains("\\-\\-color"), "{name}: the global --color");
            } else {
                assert!(!text.contains("help(1)"), "no link to a missing page");
            }
            let path = dir.join(format!("{name}.1"));
            if update {
                std::fs::create_dir_all(&dir).expect("docs/man");
                std::fs::write(&path, &page).expect("write the man page");
            }
            if std::fs::read(&path).unwrap_or_default() != page {
                stale.push(name);
            }
        }
        assert!(
            stale.is_empty(),
            "man pages are stale: {stale:?}; run `UPDATE_DOCS=1 cargo test --bin ecs-exec-doctor man_pages`"
        );
    }
}
