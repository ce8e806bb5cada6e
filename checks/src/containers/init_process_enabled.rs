crate::declare_check! {
    /// ## What it checks
    /// That targeted Linux containers set `linuxParameters.initProcessEnabled: true`. A
    /// recommendation.
    ///
    /// ## Why it matters
    /// Without an init process, zombie child processes of the SSM agent are never reaped, and a
    /// leftover agent process can stop a new one from starting (`address in use` on its IPC
    /// socket, agent `STOPPED`).
    ///
    /// ## How to fix
    /// Set `"linuxParameters": { "initProcessEnabled": true }` on the container.
    ///
    /// ## References
    /// - amazon-ecs-exec-checker#16; aws/amazon-ssm-agent#361
    pub static CHECK = {
        code: "TD002",
        name: "init-process-enabled",
        category: Containers,
        severity: Info,
        scope: LiveAndLint,
        level: Task,
        summary: "Containers run an init process (recommended for the exec agent)",
        needs: [TaskDefinition],
        evaluate: evaluate,
    };
}

use serde_json::json;

use super::{pointer, targeted};
use crate::facts::{Facts, Unavailable};
use crate::fixes::NEW_REVISION;
use crate::model::Value;
use crate::outcome::{Finding, Fix, Verdict};

fn evaluate(f: &Facts<'_>) -> Result<Verdict, Unavailable> {
    let td = f.task_definition()?;
    if td.is_windows() {
        return Ok(Verdict::not_applicable(
            "Windows containers have no linuxParameters",
        ));
    }
    let mut findings = Vec::new();
    for (i, c) in targeted(f, td)? {
        if matches!(
            c.init_process_enabled,
            Some(Value::Known(true)) | Some(Value::Unresolved { .. })
        ) {
            continue;
        }
        findings.push(
            Finding::info(format!(
                "container `{}` does not set initProcessEnabled",
                c.name
            ))
            .subject(c.name.clone())
            .pointer(pointer(i, "linuxParameters/initProcessEnabled"))
            .fix(
                Fix::new(format!("run an init process in `{}`", c.name))
                    .task_definition(
                        Some(&c.name),
                        "linuxParameters.initProcessEnabled",
                        json!(true),
                    )
                    .note(NEW_REVISION),
            ),
        );
    }
    Ok(Verdict::from_findings(
        findings,
        vec!["targeted containers run an init process".into()],
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
        d.subjects[0].task_definition.value_mut().containers[0].init_process_enabled = None;
        assert_finding(&CHECK, &d, Severity::Info, "initProcessEnabled");
        d.subjects[0].task_definition.value_mut().os_family =
            Some("WINDOWS_SERVER_2022_CORE".into());
        assert_not_applicable(&CHECK, &d);
    }
}
