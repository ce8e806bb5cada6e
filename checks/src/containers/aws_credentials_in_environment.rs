crate::declare_check! {
    /// ## What it checks
    /// That no targeted container defines AWS credential variables (`AWS_ACCESS_KEY_ID`,
    /// `AWS_SECRET_ACCESS_KEY`, `AWS_ACCESS_KEY`, `AWS_SECRET_KEY`, `AWS_SESSION_TOKEN`,
    /// `AWS_PROFILE`, `AWS_SHARED_CREDENTIALS_FILE`) through `environment` or `secrets`, and
    /// notes `environmentFiles` (information: their contents are not visible to the doctor, so
    /// an env file alone is no evidence of credentials). Only variable names are read; values
    /// never leave AWS.
    ///
    /// ## Why it matters
    /// The exec agent inside the container picks those credentials up instead of the task role.
    /// They rarely allow `ssmmessages:*`, so the agent cannot connect: `TargetNotConnectedException`.
    ///
    /// ## How to fix
    /// Remove the variables (the application can use the task role), or rename them.
    ///
    /// ## References
    /// - amazon-ecs-exec-checker#49; aws/copilot-cli#3408; aws/amazon-ssm-agent#435
    pub static CHECK = {
        code: "TD003",
        name: "aws-credentials-in-environment",
        category: Containers,
        severity: Warning,
        scope: LiveAndLint,
        level: Task,
        summary: "Containers do not pass AWS credentials in environment, secrets or environment files",
        needs: [TaskDefinition],
        evaluate: evaluate,
    };
}

use super::{pointer, targeted};
use crate::facts::{Facts, Unavailable};
use crate::fixes::NEW_REVISION;
use crate::outcome::{Finding, Fix, Verdict};

pub const CREDENTIAL_NAMES: [&str; 7] = [
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_ACCESS_KEY",
    "AWS_SECRET_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_PROFILE",
    "AWS_SHARED_CREDENTIALS_FILE",
];

fn is_credential(name: &str) -> bool {
    CREDENTIAL_NAMES
        .iter()
        .any(|c| c.eq_ignore_ascii_case(name.trim()))
}

fn evaluate(f: &Facts<'_>) -> Result<Verdict, Unavailable> {
    let td = f.task_definition()?;
    let mut findings = Vec::new();
    let mut unresolved = Vec::new();
    for (i, c) in targeted(f, td)? {
        if let Some(u) = &c.environment_unresolved {
            unresolved.push(format!(
                "`{}`: its environment is `{u}`, known only at deploy time",
                c.name
            ));
        }
        for (source, names) in [
            ("environment", &c.environment_names),
            ("secrets", &c.secret_names),
        ] {
            let bad: Vec<&str> = names
                .iter()
                .map(String::as_str)
                .filter(|n| is_credential(n))
                .collect();
            if bad.is_empty() {
                continue;
            }
            let index = names.iter().position(|n| is_credential(n)).unwrap_or(0);
            findings.push(
                Finding::warning(format!(
                    "container `{}` sets {} in `{source}`; the exec agent will use them instead of the task role",
                    c.name,
                    bad.join(", ")
                ))
                .subject(c.name.clone())
                .pointer(pointer(i, &format!("{source}/{index}")))
                .fix(Fix::new(format!("remove {} from `{source}` of `{}`", bad.join(", "), c.name)).note(NEW_REVISION)),
            );
        }
        if !c.environment_files.is_empty() {
            findings.push(
                // Their content is not visible to any API the doctor reads, nor in a file:
                // information, never a warning that every env file would raise.
                Finding::info(format!(
                    "container `{}` loads environmentFiles, which the doctor cannot read; make sure they set no AWS credential variables",
                    c.name
                ))
                .subject(c.name.clone())
                .pointer(pointer(i, "environmentFiles"))
                .evidence(format!("environmentFiles: {}", c.environment_files.join(", ")))
                .fix(Fix::new(format!(
                    "check the files for {} and remove them",
                    CREDENTIAL_NAMES[..2].join(", ")
                ))),
            );
        }
    }
    // Nothing found in what is known, but not all of it is: not shown to be free of them.
    if findings.is_empty() && !unresolved.is_empty() {
        return Err(Unavailable::new(unresolved.join("; ")));
    }
    Ok(Verdict::from_findings(
        findings,
        vec!["no AWS credential variables in targeted containers".into()],
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    #[test]
    fn verdicts() {
        let mut d = diagnosis();
        assert_pass(&CHECK, &d);
        d.subjects[0].task_definition.value_mut().containers[0]
            .secret_names
            .push("aws_secret_access_key".into());
        assert_finding(&CHECK, &d, Severity::Warning, "in `secrets`");
        let mut d = diagnosis();
        d.subjects[0].task_definition.value_mut().containers[0]
            .environment_files
            .push("arn:aws:s3:::b/app.env".into());
        assert_finding(&CHECK, &d, Severity::Info, "environmentFiles");
    }
}
