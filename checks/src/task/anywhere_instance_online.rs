crate::declare_check! {
    /// ## What it checks
    /// For an ECS Anywhere task (launch type `EXTERNAL`), that its managed instance (`mi-…`)
    /// is registered with Systems Manager and `Online` there
    /// (`ssm:DescribeInstanceInformation`): the instance's SSM agent reaches Systems Manager,
    /// which the exec agent in the container needs too. It names the instance's SSM agent
    /// version and activation role. What no AWS API shows is the on-premises network between
    /// the container and `ssmmessages.REGION.amazonaws.com` (proxies, firewalls, DNS):
    /// `check --probe` verifies it.
    ///
    /// ## Why it matters
    /// An instance whose SSM agent lost its connection (`ConnectionLost`) or was deregistered
    /// (an expired or deleted activation) still shows its tasks RUNNING in ECS, but
    /// `execute-command` fails with `TargetNotConnectedException`.
    ///
    /// ## How to fix
    /// On the instance: `sudo systemctl restart amazon-ssm-agent` and check its outbound HTTPS
    /// to `ssm`, `ssmmessages` and `ec2messages` in the region; a deregistered instance must
    /// be registered again with a new activation (`aws ssm create-activation`, then the ECS
    /// Anywhere install script with the activation's id and code).
    ///
    /// ## References
    /// - Amazon ECS developer guide, "External instances (Amazon ECS Anywhere)" and
    ///   "Updating the AWS Systems Manager Agent and Amazon ECS container agent on an external
    ///   instance"
    pub static CHECK = {
        code: "TK006",
        name: "anywhere-instance-online",
        category: Task,
        severity: Error,
        scope: Live,
        level: Task,
        summary: "An ECS Anywhere task's managed instance is Online in Systems Manager",
        needs: [Task, ContainerInstance],
        evaluate: evaluate,
    };
}

use crate::facts::{Facts, Unavailable};
use crate::outcome::{Finding, Fix, Verdict};

fn evaluate(f: &Facts<'_>) -> Result<Verdict, Unavailable> {
    let task = f.task()?;
    if !task.is_external() {
        return Ok(Verdict::not_applicable(
            "the task is not an ECS Anywhere (EXTERNAL) task",
        ));
    }
    let Some(ci) = f.container_instance()? else {
        return Err(Unavailable::new(
            "DescribeTasks named no container instance for the ECS Anywhere task",
        ));
    };
    let instance = ci.ec2_instance_id.as_deref().unwrap_or(&ci.arn);
    if let Some(e) = &ci.managed_error {
        return Err(Unavailable::from_error(
            &format!("Systems Manager status of `{instance}`"),
            e,
        ));
    }
    let Some(m) = &ci.managed else {
        return Err(Unavailable::new(format!(
            "`{instance}` is not a managed (mi-) instance, so its Systems Manager status is unknown"
        )));
    };
    let region = &f.target().region;
    let restart = Fix::new(format!("bring the SSM agent on `{instance}` back online"))
        .command("sudo systemctl restart amazon-ssm-agent   # on the instance")
        .note(format!(
            "the instance needs outbound HTTPS to ssm.{region}.amazonaws.com, ssmmessages.{region}.amazonaws.com and ec2messages.{region}.amazonaws.com; its agent log is /var/log/amazon/ssm/amazon-ssm-agent.log"
        ));
    if !m.registered {
        return Ok(Verdict::Findings(vec![
            Finding::error(format!(
                "managed instance `{instance}` is not registered with Systems Manager (deregistered, or its activation was deleted): no session can reach the task"
            ))
            .subject(instance.to_string())
            .fix(
                Fix::new(format!("register `{instance}` with Systems Manager again"))
                    .command(format!(
                        "aws ssm create-activation --iam-role ecsAnywhereRole --region {region}   # then run the ECS Anywhere install script with its id and code"
                    )),
            ),
        ]));
    }
    let status = m.ping_status.as_deref().unwrap_or("unknown");
    let details = [
        m.agent_version.as_ref().map(|v| format!("SSM agent {v}")),
        m.iam_role.as_ref().map(|r| format!("activation role {r}")),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(", ");
    if status.eq_ignore_ascii_case("Online") {
        return Ok(Verdict::pass(format!(
            "managed instance `{instance}` is Online in Systems Manager ({details}); its on-premises path to ssmmessages is not visible to AWS APIs"
        )));
    }
    let since = match (m.last_ping, f.now()) {
        (Some(t), Some(now)) if now > t => format!(", last seen {} min ago", (now - t) / 60),
        _ => String::new(),
    };
    Ok(Verdict::Findings(vec![
        Finding::error(format!(
            "managed instance `{instance}` is {status} in Systems Manager{since}: its SSM agent does not reach Systems Manager, so exec cannot either"
        ))
        .subject(instance.to_string())
        .evidence(details)
        .fix(restart),
    ]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ManagedInstance;
    use crate::testing::*;

    fn anywhere(d: &mut crate::facts::Diagnosis, managed: Option<ManagedInstance>) {
        let s = &mut d.subjects[0];
        s.task.value_mut().launch_type = Some("EXTERNAL".into());
        let ci = s.container_instance.value_mut();
        ci.ec2_instance_id = Some("mi-0123456789abcdef0".into());
        ci.managed = managed;
    }

    #[test]
    fn verdicts() {
        let mut d = ec2_diagnosis();
        assert_not_applicable(&CHECK, &d);
        let online = ManagedInstance {
            registered: true,
            ping_status: Some("Online".into()),
            agent_version: Some("3.3.1142.0".into()),
            last_ping: None,
            iam_role: Some("ecsAnywhereRole".into()),
        };
        anywhere(&mut d, Some(online.clone()));
        assert_pass(&CHECK, &d);
        anywhere(
            &mut d,
            Some(ManagedInstance {
                ping_status: Some("ConnectionLost".into()),
                ..online
            }),
        );
        assert_finding(&CHECK, &d, Severity::Error, "is ConnectionLost");
        anywhere(&mut d, Some(ManagedInstance::default()));
        assert_finding(&CHECK, &d, Severity::Error, "not registered");
        anywhere(&mut d, None);
        d.subjects[0].container_instance.value_mut().managed_error =
            Some(crate::facts::FactError::new(
                crate::facts::FactErrorKind::AccessDenied,
                "ssm:DescribeInstanceInformation",
                "denied",
            ));
        assert_unknown(&CHECK, &d);
    }
}
