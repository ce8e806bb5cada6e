crate::declare_check! {
    /// ## What it checks
    /// That the task role (or the EC2 instance role it falls back to) is allowed the four actions
    /// the exec agent calls: `ssmmessages:CreateControlChannel`, `CreateDataChannel`,
    /// `OpenControlChannel` and `OpenDataChannel`, simulated with `iam:SimulatePrincipalPolicy`
    /// with the context the agent's requests carry (`aws:RequestedRegion` of the task,
    /// `aws:PrincipalArn` and `aws:PrincipalAccount` of the role, `aws:SecureTransport`), so a
    /// permissions policy or boundary limited to the company's regions is judged in the task's
    /// region. Keys a policy uses that the task's own facts settle are simulated again with
    /// them: `aws:SourceVpce` and `aws:SourceVpc` from the VPC endpoint on the agent's path to
    /// each service (absent when the path goes out by the public name), `aws:PrincipalTag/*`
    /// from the role's tags (`iam:GetRole`). A grant with a condition on `aws:CurrentTime` or
    /// `aws:EpochTime` is simulated now and at other times, so a closed window is an error
    /// that says when it was open and an open one says when it closes (a warning within a
    /// day). A decision that still depends on a key no API shows (`aws:SourceIp`, a custom DNS
    /// server in front of the endpoint) is a warning naming the key, not an error. The agent's
    /// ssmmessages, KMS, Logs and S3 calls carry no `ecs:*` key.
    ///
    /// In `lint`, when the task role is defined in the same input (a CloudFormation or CDK
    /// template, a Terraform module), its policies are evaluated there: inline policies,
    /// policies attached to it in the input, and the AWS managed policies the doctor bundles
    /// (`AmazonSSMManagedInstanceCore`, `AdministratorAccess`, `PowerUserAccess` grant the
    /// actions; see `roles::managed`). A Deny wins, then an Allow; nothing allowing is an
    /// error at the role's line. A role defined elsewhere (an ARN, a parameter, a variable,
    /// an import), or one that also has policies the input does not show, is unknown, never
    /// a pass or an error.
    ///
    /// ## Why it matters
    /// This is the most common cause of `TargetNotConnectedException` after exec not being
    /// enabled; the permissions often end up on the execution role instead.
    ///
    /// ## How to fix
    /// Attach the policy below to the **task** role, then start new tasks (running tasks keep
    /// their credentials' view only until they refresh, and a new task is the reliable way):
    /// ```json
    /// {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": [
    ///   "ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel",
    ///   "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel"], "Resource": "*"}]}
    /// ```
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs-exec.html> (IAM permissions)
    pub static CHECK = {
        code: "IR002",
        name: "task-role-ssmmessages",
        category: Roles,
        severity: Error,
        scope: LiveAndLint,
        level: Task,
        summary: "The task role allows the four ssmmessages actions the exec agent needs",
        needs: [Task, TaskDefinition, InstanceRole, TaskRolePermissions],
        evaluate: evaluate,
    };
}

use crate::facts::{Facts, Mode, Unavailable};
use crate::fixes::{SSMMESSAGES_ACTIONS, allow_policy, put_policy_command};
use crate::outcome::{Fix, Verdict};

fn evaluate(f: &Facts<'_>) -> Result<Verdict, Unavailable> {
    if f.mode == Mode::Offline {
        return super::input_policies::judge(f, &SSMMESSAGES_ACTIONS, "*", |role| {
            Fix::new(format!("allow the ssmmessages actions on `{role}`"))
                .policy(role, allow_policy(&SSMMESSAGES_ACTIONS, &["*".to_string()]))
                .note("the task role, not the execution role: the exec agent uses the task role")
        });
    }
    let actions: Vec<(&str, Vec<String>)> = SSMMESSAGES_ACTIONS
        .iter()
        .map(|a| (*a, vec!["*".to_string()]))
        .collect();
    super::judge_role(f, &actions, |role| {
        let policy = allow_policy(&SSMMESSAGES_ACTIONS, &["*".to_string()]);
        Fix::new(format!("allow the ssmmessages actions on `{role}`"))
            .policy(role, policy.clone())
            .command(put_policy_command(role, "ecs-exec-ssmmessages", &policy))
            .note("then start new tasks so the agent reconnects with the new permissions")
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Decision;
    use crate::testing::*;

    #[test]
    fn verdicts() {
        let mut d = diagnosis();
        assert_pass(&CHECK, &d);
        set_decision(
            &mut d.subjects[0].task_role_permissions,
            "ssmmessages:OpenDataChannel",
            "*",
            Decision::ImplicitDeny,
        );
        assert_finding(&CHECK, &d, Severity::Error, "ssmmessages:OpenDataChannel");
        d.subjects[0].task_role_permissions = fact_failed_denied("iam:SimulatePrincipalPolicy");
        let r = run(&CHECK, &d);
        assert_eq!(r.status, crate::report::Status::Unknown);
        assert_eq!(
            r.missing_action.as_deref(),
            Some("iam:SimulatePrincipalPolicy")
        );
    }
}
