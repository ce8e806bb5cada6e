crate::declare_check! {
    /// ## What it checks
    /// For tasks on EC2 container instances, that the ECS agent is at least 1.50.2 (Linux) or
    /// 1.56.0 (Windows), and that the instance registered the `ecs.capability.execute-command`
    /// attribute (the agent does so when the managed-agent binaries are on the host).
    ///
    /// ## Why it matters
    /// Older agents and AMIs (ECS-optimized AMIs before 2021-01-20), and custom AMIs without the
    /// managed-agent binaries, cannot start the exec agent in containers.
    ///
    /// ## How to fix
    /// Update the agent (`aws ecs update-container-agent`) or move the capacity to a current
    /// ECS-optimized AMI, then replace the tasks. On an ECS Anywhere instance, update its
    /// `ecs-init` package instead.
    ///
    /// ## References
    /// - amazon-ecs-exec-checker#47; bottlerocket-os/bottlerocket#3075
    pub static CHECK = {
        code: "TK005",
        name: "ecs-agent-version",
        category: Task,
        severity: Error,
        scope: Live,
        level: Task,
        summary: "The EC2 container instance runs ECS agent >= 1.50.2 with the exec capability",
        needs: [Task, ContainerInstance],
        evaluate: evaluate,
    };
}

use crate::facts::{Facts, Unavailable};
use crate::fixes::{cluster_name, region_flag};
use crate::outcome::{Finding, Fix, Verdict};
use crate::version::DottedVersion;

fn evaluate(f: &Facts<'_>) -> Result<Verdict, Unavailable> {
    let task = f.task()?;
    if task.is_fargate() {
        return Ok(Verdict::not_applicable("the task runs on Fargate"));
    }
    let Some(ci) = f.container_instance()? else {
        return Ok(Verdict::not_applicable(
            "the task has no container instance",
        ));
    };
    let windows = ci.os_type.as_deref() == Some("windows")
        || task
            .platform_family
            .as_deref()
            .is_some_and(|p| p.to_ascii_lowercase().starts_with("windows"));
    let min = if windows { "1.56.0" } else { "1.50.2" };
    let instance = ci.ec2_instance_id.clone().unwrap_or_else(|| ci.arn.clone());
    // An ECS Anywhere instance's agent comes with the ecs-init package, which ECS cannot
    // update for it.
    let update = if task.is_external() {
        Fix::new("update the ECS agent on the external instance")
            .command("sudo yum update -y ecs-init || sudo apt-get install --only-upgrade -y ecs-init   # on the instance; then: sudo systemctl restart ecs")
            .note("then replace the tasks on that instance")
    } else {
        Fix::new("update the ECS agent, or move to a current ECS-optimized AMI")
            .command(format!(
                "aws ecs update-container-agent --cluster {} --container-instance {}{}",
                cluster_name(f),
                ci.arn,
                region_flag(f)
            ))
            .note("then replace the tasks on that instance")
    };
    let mut findings = Vec::new();
    let mut evidence = Vec::new();
    match ci
        .agent_version
        .as_deref()
        .map(|v| (v, DottedVersion::parse(v)))
    {
        Some((_, Some(v))) if v.at_least(min) => {
            evidence.push(format!("ECS agent {v} on `{instance}`"))
        }
        Some((raw, _)) => findings.push(
            Finding::error(format!(
                "container instance `{instance}` runs ECS agent {raw}; ECS Exec needs >= {min}"
            ))
            .subject(ci.arn.clone())
            .fix(update.clone()),
        ),
        None => {
            return Err(Unavailable::new(
                "the container instance did not report its agent version",
            ));
        }
    }
    if !ci.exec_capability {
        findings.push(
            Finding::error(format!(
                "container instance `{instance}` lacks the `ecs.capability.execute-command` attribute (managed-agent binaries missing from the AMI)"
            ))
            .subject(ci.arn.clone())
            .fix(update),
        );
    }
    Ok(Verdict::from_findings(findings, evidence))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    #[test]
    fn verdicts() {
        let mut d = ec2_diagnosis();
        assert_pass(&CHECK, &d);
        d.subjects[0].container_instance.value_mut().agent_version = Some("1.50.1".into());
        assert_finding(&CHECK, &d, Severity::Error, "needs >= 1.50.2");
        d.subjects[0].container_instance.value_mut().agent_version = Some("1.80.0".into());
        d.subjects[0].container_instance.value_mut().exec_capability = false;
        assert_finding(
            &CHECK,
            &d,
            Severity::Error,
            "ecs.capability.execute-command",
        );
        assert_not_applicable(&CHECK, &diagnosis());
    }
}
