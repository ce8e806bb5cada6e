crate::declare_check! {
    /// ## What it checks
    /// That no targeted container sets `readonlyRootFilesystem: true`. When the container mounts
    /// writable volumes at the paths the SSM agent writes to (`/var/lib/amazon`,
    /// `/var/log/amazon` and `/managed-agents`), the finding is a warning about an unsupported
    /// workaround rather than an error.
    ///
    /// ## Why it matters
    /// The exec agent creates directories and files in the container's filesystem; with a
    /// read-only root it cannot start, and exec fails with `TargetNotConnectedException`. Security
    /// rules (checkov CKV_AWS_336, AWS Config `ecs-containers-readonly-access`, Security Hub
    /// ECS.5) ask for the opposite setting, so choose per container.
    ///
    /// ## How to fix
    /// Set `readonlyRootFilesystem` to `false` on the container you exec into. Or (not supported
    /// by AWS, works for some) keep it and mount writable volumes at `/var/lib/amazon`,
    /// `/var/log/amazon` and `/managed-agents`.
    ///
    /// ## Example
    /// ```json
    /// { "name": "app", "readonlyRootFilesystem": false }
    /// ```
    ///
    /// ## References
    /// - aws/containers-roadmap#1359; amazon-ecs-exec-checker#21, #71
    pub static CHECK = {
        code: "TD001",
        name: "readonly-root-filesystem",
        category: Containers,
        severity: Error,
        scope: LiveAndLint,
        level: Task,
        summary: "Containers you exec into do not have a read-only root filesystem",
        needs: [TaskDefinition],
        evaluate: evaluate,
    };
}

use serde_json::json;

use super::{pointer, targeted};
use crate::facts::{Facts, Unavailable};
use crate::fixes::NEW_REVISION;
use crate::model::{ContainerDefinition, Value};
use crate::outcome::{Finding, Fix, Verdict};

/// Where the agent writes; a writable mount at (or above) each makes the workaround complete.
pub const AGENT_PATHS: [&str; 3] = ["/var/lib/amazon", "/var/log/amazon", "/managed-agents"];

fn evaluate(f: &Facts<'_>) -> Result<Verdict, Unavailable> {
    let td = f.task_definition()?;
    let mut findings = Vec::new();
    let mut evidence = Vec::new();
    for (i, c) in targeted(f, td)? {
        match &c.readonly_root_filesystem {
            Some(Value::Known(true)) => {}
            Some(Value::Unresolved { unresolved }) => {
                evidence.push(format!(
                    "`{}`: readonlyRootFilesystem is `{unresolved}`, resolved at deploy time",
                    c.name
                ));
                continue;
            }
            _ => continue,
        }
        let fix = Fix::new(format!("make the root filesystem of `{}` writable", c.name))
            .task_definition(Some(&c.name), "readonlyRootFilesystem", json!(false))
            .note(NEW_REVISION);
        if covers_agent_paths(c) {
            findings.push(
                Finding::warning(format!(
                    "container `{}` has a read-only root filesystem with writable mounts at the agent's paths: an unsupported workaround",
                    c.name
                ))
                .subject(c.name.clone())
                .pointer(pointer(i, "readonlyRootFilesystem"))
                .evidence("AWS does not support ECS Exec with a read-only root filesystem; this works for some agent versions")
                .fix(fix),
            );
        } else {
            findings.push(
                Finding::error(format!(
                    "container `{}` has readonlyRootFilesystem=true; the exec agent cannot start",
                    c.name
                ))
                .subject(c.name.clone())
                .pointer(pointer(i, "readonlyRootFilesystem"))
                .fix(fix.note(format!(
                    "or, unsupported: keep it read-only and mount writable volumes at {}",
                    AGENT_PATHS.join(", ")
                ))),
            );
        }
    }
    // No finding, but a value known only at deploy time: not shown to be writable.
    if findings.is_empty() && !evidence.is_empty() {
        return Err(Unavailable::new(evidence.join("; ")));
    }
    if evidence.is_empty() {
        evidence.push("no targeted container has a read-only root filesystem".into());
    }
    Ok(Verdict::from_findings(findings, evidence))
}

fn covers_agent_paths(c: &ContainerDefinition) -> bool {
    AGENT_PATHS.iter().all(|path| {
        c.mount_points.iter().any(|m| {
            let mp = m.container_path.trim_end_matches('/');
            !m.read_only && (mp == *path || path.starts_with(&format!("{mp}/")))
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::MountPoint;
    use crate::testing::*;

    #[test]
    fn verdicts() {
        let mut d = diagnosis();
        assert_pass(&CHECK, &d);
        let c = &mut d.subjects[0].task_definition.value_mut().containers[0];
        c.readonly_root_filesystem = Some(Value::Known(true));
        assert_finding(&CHECK, &d, Severity::Error, "readonlyRootFilesystem=true");
        let c = &mut d.subjects[0].task_definition.value_mut().containers[0];
        for p in AGENT_PATHS {
            c.mount_points.push(MountPoint {
                container_path: p.into(),
                source_volume: Some("v".into()),
                read_only: false,
            });
        }
        assert_finding(&CHECK, &d, Severity::Warning, "unsupported workaround");
        let c = &mut d.subjects[0].task_definition.value_mut().containers[0];
        c.mount_points[0].read_only = true;
        assert_finding(&CHECK, &d, Severity::Error, "readonlyRootFilesystem=true");
        let c = &mut d.subjects[0].task_definition.value_mut().containers[0];
        c.readonly_root_filesystem = Some(Value::Unresolved {
            unresolved: "Ref ReadOnly".into(),
        });
        // Known only at deploy time: not shown to be writable.
        assert_unknown(&CHECK, &d);
    }
}
