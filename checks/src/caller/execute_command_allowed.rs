crate::declare_check! {
    /// ## What it checks
    /// That the identity running the doctor may call `ecs:ExecuteCommand` on **both** the cluster
    /// and the task. It asks `iam:SimulatePrincipalPolicy` with the context ECS supplies at call
    /// time (`ecs:cluster`, `ecs:task`, `ecs:container-name`, the task's and cluster's tags as
    /// `aws:ResourceTag/*` and `ecs:ResourceTag/*`) and every request carries
    /// (`aws:RequestedRegion`, `aws:PrincipalArn`, `aws:PrincipalAccount`,
    /// `aws:SecureTransport`, and for an assumed role its tags as `aws:PrincipalTag/*`), so
    /// `Condition` blocks are evaluated rather than ignored. A grant with a condition on
    /// `aws:CurrentTime` or `aws:EpochTime` is simulated now and at other times (30, 7 and 1
    /// days ago, 1 hour to 30 days ahead): a closed window is an error naming the key and when
    /// it was open, an open one says when it closes (a warning within a day). An assumed-role session
    /// is resolved to its role, path included. When the decision depends on a key no API shows
    /// the doctor, it is not a verdict: a denial the simulator ties to `aws:MultiFactorAuthPresent`
    /// is simulated again with an MFA session and, if that allows it, reported as a warning
    /// ("denied unless the session has MFA") naming the statement; a decision that depends on
    /// `aws:SourceIp`, `aws:SourceVpce`, `aws:CalledVia` or principal and request tags is a
    /// warning naming the key. A deny that holds with every value stays an error. The doctor
    /// never assumes MFA from the credential source: the SDK's credential chain does not say
    /// whether a session was signed in with MFA (a profile's `mfa_serial`, an SSO session whose
    /// MFA depends on IAM Identity Center's settings, `GetSessionToken` credentials in the
    /// environment all look alike), so a denial that depends on MFA is simulated both ways.
    ///
    /// ## Why it matters
    /// ECS authorises `ExecuteCommand` against the cluster and the task resource; a policy that
    /// names only one of them fails with `AccessDeniedException ... is not authorized to perform:
    /// ecs:ExecuteCommand`.
    ///
    /// ## How to fix
    /// Allow `ecs:ExecuteCommand` on `arn:…:cluster/CLUSTER` and `arn:…:task/CLUSTER/*`. When the
    /// simulator reports an SCP or a permissions boundary, the fix is there, not in the
    /// identity policy. Conditions on `ecs:container-name` need `--container`. For "deny
    /// unless MFA", call `execute-command` from an MFA session.
    ///
    /// ## References
    /// - <https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs-exec.html> (IAM policies to limit access)
    /// - amazon-ecs-exec-checker#44, #68, #70 (conditions, MFA and SCPs shown wrongly by the original)
    pub static CHECK = {
        code: "CR001",
        name: "caller-execute-command",
        category: Caller,
        severity: Error,
        scope: Live,
        level: Task,
        summary: "The caller may call ecs:ExecuteCommand on the cluster and the task",
        needs: [Caller, CallerPermissions, Task, Cluster],
        evaluate: evaluate,
    };
}

use crate::facts::{Facts, Unavailable};
use crate::fixes::{allow_policy, put_policy_command};
use crate::outcome::{Fix, Verdict};
use crate::simulation::{Judgement, judge};

pub const ACTION: &str = "ecs:ExecuteCommand";

fn evaluate(f: &Facts<'_>) -> Result<Verdict, Unavailable> {
    let caller = f.caller()?;
    if let Some(verdict) = crate::simulation::unsimulatable_caller(caller) {
        return Ok(verdict);
    }
    let task = f.task()?;
    let cluster = f.cluster()?;
    let sim = f.caller_permissions()?;
    let resources = [cluster.arn.clone(), task.arn.clone()];
    let principal = caller
        .principal_arn
        .clone()
        .unwrap_or_else(|| caller.arn.clone());
    let task_pattern = format!("{}/*", cluster.arn.replace(":cluster/", ":task/"));
    let policy = allow_policy(&[ACTION], &[cluster.arn.clone(), task_pattern]);
    let fix = Fix::new(format!(
        "allow {ACTION} on the cluster and its tasks for `{principal}`"
    ))
    .policy(principal.clone(), policy.clone())
    .command(put_policy_command(&principal, "ecs-exec", &policy));
    let fix = match &f.target().container {
        Some(_) => fix,
        None => fix.note("if the policy has a condition on ecs:container-name, pass --container"),
    };
    Ok(match judge(sim, ACTION, &resources, &principal) {
        Judgement::Allowed(evidence) => Verdict::pass(evidence),
        Judgement::Problems(findings) => Verdict::Findings(
            findings
                .into_iter()
                .map(|f| {
                    if f.fix.is_some() {
                        f
                    } else {
                        f.fix(fix.clone())
                    }
                })
                .collect(),
        ),
        Judgement::NotSimulated(why) => return Err(Unavailable::new(why)),
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
        let cluster = d.cluster.value().unwrap().arn.clone();
        set_decision(
            &mut d.subjects[0].caller_permissions,
            ACTION,
            &cluster,
            Decision::ImplicitDeny,
        );
        assert_finding(&CHECK, &d, Severity::Error, "cluster");
        set_decision(
            &mut d.subjects[0].caller_permissions,
            ACTION,
            &cluster,
            Decision::ExplicitDeny,
        );
        assert_finding(&CHECK, &d, Severity::Error, "explicitly denied");
        d.caller.value_mut().kind = crate::model::CallerKind::Root;
        assert_pass(&CHECK, &d);
        d.caller = fact_failed_denied("sts:GetCallerIdentity");
        assert_unknown(&CHECK, &d);
    }
}
