//! Source excerpts end to end: one-line (minified) inputs render in every format without a
//! panic, the text format's caret sits under the finding's token at any column, and secrets on
//! a finding's line appear in no format.

use std::path::Path;

use serde_json::Value;

use super::{FORMATS, lint_in, root};

/// `fixture` minified to one line, written to `dir/name`.
fn minified(fixture: &str, dir: &Path, name: &str) {
    let text = std::fs::read_to_string(root().join(fixture)).unwrap();
    let value: Value = serde_json::from_str(&text).unwrap();
    let one_line = serde_json::to_string(&value).unwrap();
    assert!(!one_line.contains('\n'));
    std::fs::write(dir.join(name), one_line).unwrap();
}

/// Checks every finding block of a text report: `path:line:col: ...`, a blank gutter, the
/// excerpt line, and the caret line whose `^` is under the character at `col` of the source
/// line (or under the `***` that masks it). Returns how many carets were checked.
fn carets_align(report: &str, dir: &Path) -> usize {
    let lines: Vec<&str> = report.lines().collect();
    let mut checked = 0;
    for (i, header) in lines.iter().enumerate() {
        let mut parts = header.splitn(4, ':');
        let (Some(path), Some(line), Some(col), Some(rest)) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            continue;
        };
        let (Ok(line), Ok(col)) = (line.parse::<usize>(), col.parse::<usize>()) else {
            continue;
        };
        if !rest.starts_with(" error ")
            && !rest.starts_with(" warning ")
            && !rest.starts_with(" info ")
        {
            continue;
        }
        let source = std::fs::read_to_string(dir.join(path)).unwrap();
        let source_line = source.lines().nth(line - 1).unwrap();
        let number = line.to_string();
        let shown = lines[i + 2]
            .strip_prefix(&format!("{number} | "))
            .unwrap_or_else(|| panic!("no excerpt after {header}:\n{report}"));
        let caret_line = lines[i + 3];
        let gutter = " ".repeat(number.len() + 1);
        let pad = caret_line
            .strip_prefix(&format!("{gutter}| "))
            .and_then(|l| l.strip_suffix('^'))
            .unwrap_or_else(|| panic!("no caret after {header}:\n{report}"));
        assert!(pad.chars().all(|c| c == ' '), "{caret_line}");
        let under: String = shown.chars().skip(pad.len()).take(6).collect();
        let expected: String = source_line
            .chars()
            .skip(col - 1)
            .take(under.chars().count())
            .collect();
        assert!(
            under == expected || under.starts_with("***") || under.starts_with("\"***"),
            "{header}: the caret is under {under:?}, the source has {expected:?} there:\n{shown}\n{caret_line}"
        );
        checked += 1;
    }
    checked
}

/// A finding past column 300 of a one-line plan (every `terraform show -json`) used to panic
/// the text renderer (exit 101); a minified task definition and template render too.
#[test]
fn one_line_inputs_render_in_every_format_with_carets_on_their_tokens() {
    let dir = tempfile::tempdir().unwrap();
    minified(
        "fixtures/lint/terraform/plan-fail.json",
        dir.path(),
        "plan.json",
    );
    minified(
        "fixtures/lint/taskdef/register-fail.json",
        dir.path(),
        "taskdef.json",
    );
    minified(
        "fixtures/lint/cloudformation/fail.json",
        dir.path(),
        "template.json",
    );
    for file in ["plan.json", "taskdef.json", "template.json"] {
        let (stdout, stderr, code) =
            lint_in(dir.path(), &[file, "--no-config", "--format", "json"]);
        assert_eq!(code, 1, "{file}: {stderr}");
        let report: Value = serde_json::from_str(&stdout).unwrap();
        let columns: Vec<u64> = report["files"][0]["units"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|u| u["checks"].as_array().unwrap())
            .flat_map(|c| c["findings"].as_array().cloned().unwrap_or_default())
            .map(|f| f["column"].as_u64().unwrap())
            .collect();
        assert!(!columns.is_empty(), "{file}: no findings");
        if file == "plan.json" {
            assert!(columns.iter().any(|c| *c > 300), "{file}: {columns:?}");
        }
        for format in FORMATS {
            let (stdout, stderr, code) =
                lint_in(dir.path(), &[file, "--no-config", "--format", format]);
            assert_eq!(code, 1, "{file} as {format}: {stderr}");
            assert!(!stdout.trim().is_empty(), "{file} as {format}: no output");
            if format == "text" {
                let checked = carets_align(&stdout, dir.path());
                assert_eq!(
                    checked,
                    columns.len(),
                    "{file}: every finding has a caret\n{stdout}"
                );
            }
        }
    }
}

/// Secrets on a finding's line (a `templatefile` variable, a password flag in a command, a
/// token by its shape) appear in no format; the names next to them still do.
#[test]
fn secrets_on_a_findings_line_appear_in_no_format() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("main.tf"),
        r#"provider "aws" {
  region = "us-east-1"
}

resource "aws_ecs_task_definition" "app" {
  family                = "app"
  container_definitions = templatefile("${path.module}/app.json.tpl", { aws_secret_access_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", db_password = "hunter2-db-secret" })
}

resource "aws_ecs_task_definition" "worker" {
  family                = "worker"
  container_definitions = jsonencode([{ name = "worker", image = "nginx", readonlyRootFilesystem = true, command = ["worker", "--password", "hunter3-cli-secret", "--token=tok3n-cli-secret"], environment = [{ name = "GITHUB_TOKEN", value = "ghp_abcdefghijklmnopqrstuvwxyz0123456789" }] }])
}
"#,
    )
    .unwrap();
    std::fs::write(
        dir.path().join("app.json.tpl"),
        r#"[{"name": "app", "image": "nginx", "readonlyRootFilesystem": true, "environment": [{"name": "AWS_SECRET_ACCESS_KEY", "value": "${aws_secret_access_key}"}], "command": ["app", "--password", "${db_password}"]}]"#,
    )
    .unwrap();
    let secrets = [
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "hunter2-db-secret",
        "hunter3-cli-secret",
        "tok3n-cli-secret",
        "ghp_abcdefghijklmnopqrstuvwxyz0123456789",
    ];
    for format in FORMATS {
        let (stdout, stderr, code) =
            lint_in(dir.path(), &["main.tf", "--no-config", "--format", format]);
        assert_eq!(code, 1, "{format}: {stderr}\n{stdout}");
        assert!(stdout.contains("TD001"), "{format}: {stdout}");
        for secret in secrets {
            assert!(
                !stdout.contains(secret) && !stderr.contains(secret),
                "{format} prints {secret}:\n{stdout}"
            );
        }
        if format == "text" {
            // The excerpts are there, names kept.
            for name in ["aws_secret_access_key = \"***", "\"--password\", \"***\""] {
                assert!(stdout.contains(name), "{name}:\n{stdout}");
            }
        }
    }
}
