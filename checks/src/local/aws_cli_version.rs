crate::declare_check! {
    /// ## What it checks
    /// That the AWS CLI is on `PATH` and new enough for `aws ecs execute-command`: v1 at least
    /// 1.19.28, v2 at least 2.1.30. The version is read from the installation itself (install
    /// path or package metadata) rather than by starting the CLI, which takes over half a second.
    ///
    /// ## Why it matters
    /// Older CLIs do not know `execute-command` (`aws: error: argument operation: Invalid choice`)
    /// or do not pass the session parameters the session-manager-plugin needs. AWS recommends v2.
    ///
    /// ## How to fix
    /// Install or upgrade AWS CLI v2:
    /// <https://docs.aws.amazon.com/cli/latest/userguide/getting-started-install.html>.
    ///
    /// ## References
    /// - ECS Exec prerequisites: <https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs-exec.html>
    pub static CHECK = {
        code: "LC001",
        name: "aws-cli-version",
        category: Local,
        severity: Error,
        scope: Live,
        level: Run,
        summary: "The AWS CLI is installed and supports execute-command (v1 >= 1.19.28, v2 >= 2.1.30)",
        needs: [Local],
        evaluate: evaluate,
    };
}

use crate::facts::{Facts, Unavailable};
use crate::outcome::{Finding, Fix, Verdict};
use crate::version::DottedVersion;

const INSTALL: &str =
    "https://docs.aws.amazon.com/cli/latest/userguide/getting-started-install.html";

fn evaluate(f: &Facts<'_>) -> Result<Verdict, Unavailable> {
    let cli = &f.local()?.aws_cli;
    if !cli.found {
        return Ok(Verdict::Findings(vec![
            Finding::error("the AWS CLI (`aws`) is not on PATH")
                .fix(Fix::new("install AWS CLI v2").note(INSTALL)),
        ]));
    }
    let path = cli.path.clone().unwrap_or_else(|| "aws".into());
    let Some(version) = cli.version.as_deref().and_then(DottedVersion::parse) else {
        let why = cli
            .problem
            .clone()
            .unwrap_or_else(|| "no version found".into());
        return Ok(Verdict::Findings(vec![
            Finding::warning(format!(
                "found `{path}` but could not read its version ({why})"
            ))
            .fix(Fix::new(
                "make sure it is AWS CLI v2 >= 2.1.30 (`aws --version`)",
            )),
        ]));
    };
    let (min, label) = match version.major() {
        1 => ("1.19.28", "v1"),
        _ => ("2.1.30", "v2"),
    };
    if !version.at_least(min) {
        return Ok(Verdict::Findings(vec![
            Finding::error(format!(
                "AWS CLI {version} at `{path}` is too old for execute-command (needs {label} >= {min})"
            ))
            .fix(Fix::new("upgrade to the latest AWS CLI v2").note(INSTALL)),
        ]));
    }
    let how = cli
        .version_source
        .as_deref()
        .map(|s| format!(", read from {s}"))
        .unwrap_or_default();
    if version.major() == 1 {
        return Ok(Verdict::Findings(vec![
            Finding::info(format!(
                "AWS CLI {version} (v1) works, but v2 is recommended"
            ))
            .evidence(format!("`{path}`{how}"))
            .fix(Fix::new("install AWS CLI v2").note(INSTALL)),
        ]));
    }
    Ok(Verdict::pass(format!("AWS CLI {version} at `{path}`{how}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    #[test]
    fn verdicts() {
        let mut d = diagnosis();
        assert_pass(&CHECK, &d);
        set_cli(&mut d, Some("1.18.0"));
        assert_finding(&CHECK, &d, Severity::Error, "too old");
        set_cli(&mut d, Some("1.32.0"));
        assert_finding(&CHECK, &d, Severity::Info, "v2 is recommended");
        set_cli(&mut d, Some("2.1.29"));
        assert_finding(&CHECK, &d, Severity::Error, "needs v2 >= 2.1.30");
        set_cli(&mut d, None);
        assert_finding(&CHECK, &d, Severity::Warning, "could not read its version");
        d.local.value_mut().aws_cli.found = false;
        assert_finding(&CHECK, &d, Severity::Error, "not on PATH");
        d.local = fact_failed_denied("none");
        assert_unknown(&CHECK, &d);
    }

    fn set_cli(d: &mut crate::facts::Diagnosis, v: Option<&str>) {
        d.local.value_mut().aws_cli.version = v.map(str::to_string);
    }
}
