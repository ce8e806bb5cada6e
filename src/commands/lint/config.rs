//! `ecs-exec-doctor.toml`: found upward from the working directory (stopping at the
//! filesystem root or at a directory holding `.git`), or named with `--config`. Unknown keys,
//! unknown check codes and suppressions without a reason are errors (exit 2) that name the file
//! and line.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use ecs_exec_doctor_checks::Severity;
use ecs_exec_doctor_checks::lint::source::LineIndex;
use ecs_exec_doctor_checks::registry;
use serde::Deserialize;
use toml::Spanned;

use super::glob::Glob;
use crate::error::{DoctorError, Result};

pub const FILE_NAME: &str = "ecs-exec-doctor.toml";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct Raw {
    #[serde(default)]
    select: Vec<Spanned<String>>,
    #[serde(default)]
    ignore: Vec<Spanned<String>>,
    #[serde(default)]
    severity: BTreeMap<Spanned<String>, Spanned<String>>,
    fail_on: Option<Spanned<String>>,
    #[serde(default)]
    include: Vec<Spanned<String>>,
    #[serde(default)]
    exclude: Vec<Spanned<String>>,
    #[serde(default)]
    suppress: Vec<Spanned<RawSuppress>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSuppress {
    path: Spanned<String>,
    code: Spanned<String>,
    reason: Option<Spanned<String>>,
}

/// A `[[suppress]]` entry: findings of `codes` in files matching `path` are suppressed.
#[derive(Debug, Clone)]
pub struct Suppress {
    pub path: Glob,
    pub codes: Vec<&'static str>,
    pub reason: String,
}

/// The configuration, resolved.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// The file it came from.
    pub file: Option<PathBuf>,
    pub select: Vec<&'static str>,
    pub ignore: Vec<&'static str>,
    pub severity: BTreeMap<&'static str, Severity>,
    pub fail_on: Option<Severity>,
    pub include: Vec<Glob>,
    pub exclude: Vec<Glob>,
    pub suppress: Vec<Suppress>,
}

/// `ecs-exec-doctor.toml` in `start` or the nearest ancestor, not above a `.git` directory.
pub fn discover(start: &Path) -> Option<PathBuf> {
    for dir in start.ancestors() {
        let candidate = dir.join(FILE_NAME);
        if candidate.is_file() {
            return Some(candidate);
        }
        if dir.join(".git").exists() {
            return None;
        }
    }
    None
}

/// A config file is a few suppressions and settings; anything larger is not one.
const MAX_CONFIG: u64 = 1024 * 1024;

pub fn load(path: &Path) -> Result<Config> {
    use std::io::Read;
    let cannot = |e: &dyn std::fmt::Display| {
        DoctorError::new(format!(
            "cannot read config {}: {e}; fix the path or pass --no-config",
            path.display()
        ))
    };
    // Checked before opening: opening a FIFO would wait for a writer.
    if !std::fs::metadata(path).map_err(|e| cannot(&e))?.is_file() {
        return Err(cannot(&"not a regular file"));
    }
    let file = std::fs::File::open(path).map_err(|e| cannot(&e))?;
    let mut bytes = Vec::new();
    file.take(MAX_CONFIG + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| cannot(&e))?;
    if bytes.len() as u64 > MAX_CONFIG {
        return Err(cannot(&"over the 1 MiB a config file may hold"));
    }
    let text = String::from_utf8(bytes).map_err(|_| cannot(&"not UTF-8 text"))?;
    parse(&text, &path.display().to_string()).map(|mut c| {
        c.file = Some(path.to_path_buf());
        c
    })
}

pub fn parse(text: &str, name: &str) -> Result<Config> {
    let index = LineIndex::new(text);
    let at = |span: std::ops::Range<usize>, message: &str| {
        let pos = index.pos(text, span.start);
        DoctorError::new(format!("{name}:{}:{}: {message}", pos.line, pos.column))
    };
    let raw: Raw = toml::from_str(text).map_err(|e| {
        let message = e.message().trim().to_string();
        match e.span() {
            Some(span) => at(span, &message),
            None => DoctorError::new(format!("{name}: {message}")),
        }
    })?;
    let codes = |items: &[Spanned<String>]| -> Result<Vec<&'static str>> {
        let mut out = Vec::new();
        for item in items {
            out.extend(registry::resolve(item.get_ref()).map_err(|e| at(item.span(), &e))?);
        }
        Ok(out)
    };
    let severity_of = |s: &Spanned<String>| -> Result<Severity> {
        match s.get_ref().as_str() {
            "error" => Ok(Severity::Error),
            "warning" => Ok(Severity::Warning),
            "info" => Ok(Severity::Info),
            other => Err(at(
                s.span(),
                &format!("unknown severity `{other}`; use \"error\", \"warning\" or \"info\""),
            )),
        }
    };
    let globs = |items: &[Spanned<String>]| -> Result<Vec<Glob>> {
        items
            .iter()
            .map(|g| Glob::new(g.get_ref()).map_err(|e| at(g.span(), &e)))
            .collect()
    };
    let mut config = Config {
        select: codes(&raw.select)?,
        ignore: codes(&raw.ignore)?,
        fail_on: raw.fail_on.as_ref().map(severity_of).transpose()?,
        include: globs(&raw.include)?,
        exclude: globs(&raw.exclude)?,
        ..Default::default()
    };
    for (code, level) in &raw.severity {
        let level = severity_of(level)?;
        for c in codes(std::slice::from_ref(code))? {
            config.severity.insert(c, level);
        }
    }
    for entry in &raw.suppress {
        let s = entry.get_ref();
        let reason = s
            .reason
            .as_ref()
            .map(|r| r.get_ref().trim().to_string())
            .unwrap_or_default();
        if reason.is_empty() {
            return Err(at(
                entry.span(),
                &format!(
                    "the suppression of `{}` has no reason; add `reason = \"...\"`",
                    s.code.get_ref()
                ),
            ));
        }
        config.suppress.push(Suppress {
            path: Glob::new(s.path.get_ref()).map_err(|e| at(s.path.span(), &e))?,
            codes: codes(std::slice::from_ref(&s.code))?,
            reason,
        });
    }
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_full_config() {
        let c = parse(
            r#"
select = ["TD", "service-exec-enabled"]
ignore = ["TD006"]
fail-on = "warning"
exclude = ["legacy/**"]

[severity]
TD002 = "warning"

[[suppress]]
path = "taskdefs/batch-*.json"
code = "IR001"
reason = "batch jobs are never exec'd into"
"#,
            "t.toml",
        )
        .unwrap();
        assert!(c.select.contains(&"TD001") && c.select.contains(&"SV001"));
        assert_eq!(c.ignore, vec!["TD006"]);
        assert_eq!(c.fail_on, Some(Severity::Warning));
        assert_eq!(c.severity.get("TD002"), Some(&Severity::Warning));
        assert!(c.suppress[0].path.matches("taskdefs/batch-1.json"));
        assert!(c.exclude[0].matches("legacy/a/b.json"));
    }

    #[test]
    fn errors_name_the_line() {
        for (text, expected) in [
            (
                "select = [\"TD001\"]\nselekt = []\n",
                "t.toml:2:1: unknown field `selekt`",
            ),
            (
                "ignore = [\"TD999\"]\n",
                "t.toml:1:11: unknown check `TD999`",
            ),
            (
                "[severity]\nTD001 = \"fatal\"\n",
                "t.toml:2:9: unknown severity `fatal`",
            ),
            (
                "[[suppress]]\npath = \"a.json\"\ncode = \"TD001\"\n",
                "t.toml:1:1: the suppression of `TD001` has no reason",
            ),
            (
                "[[suppress]]\npath = \"a\"\ncode = \"TD001\"\nreason = \"x\"\nwhy = 1\n",
                "t.toml:5:1: unknown field `why`",
            ),
        ] {
            let e = parse(text, "t.toml").unwrap_err().message;
            assert!(e.starts_with(expected), "{e}");
        }
    }

    #[test]
    fn discovery_stops_at_git() {
        let dir = tempfile::tempdir().unwrap();
        let repo = dir.path().join("repo");
        let sub = repo.join("a/b");
        std::fs::create_dir_all(&sub).unwrap();
        std::fs::write(dir.path().join(FILE_NAME), "").unwrap();
        assert_eq!(discover(&sub), Some(dir.path().join(FILE_NAME)));
        std::fs::create_dir(repo.join(".git")).unwrap();
        assert_eq!(discover(&sub), None);
        std::fs::write(repo.join("a").join(FILE_NAME), "").unwrap();
        assert_eq!(discover(&sub), Some(repo.join("a").join(FILE_NAME)));
    }
}
