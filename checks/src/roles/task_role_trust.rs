crate::declare_check! {
    /// ## What it checks
    /// That the role the exec agent uses can really be assumed: its trust policy
    /// (`iam:GetRole`) must allow `ecs-tasks.amazonaws.com` to call `sts:AssumeRole` (for the
    /// EC2 instance-role fallback, `ec2.amazonaws.com`), and any `aws:SourceAccount` or
    /// `aws:SourceArn` condition on that statement must match the task's account and its
    /// cluster (evaluated with the task's ARN, then its cluster's). An explicit `Deny` for the
    /// service wins over any `Allow`. A role that does not exist is IR001's finding.
    ///
    /// ## Why it matters
    /// ECS gets the task's credentials by assuming the task role as `ecs-tasks.amazonaws.com`.
    /// When the trust policy does not allow it (a role copied from an EC2 or Lambda role, a
    /// confused-deputy condition with the wrong account), the task has no credentials: the exec
    /// agent cannot register with Session Manager (`TargetNotConnectedException`), and every
    /// permission check on the role still looks fine, because the simulator does not read
    /// trust policies.
    ///
    /// ## How to fix
    /// Update the role's trust policy to allow the service, for example
    /// `aws iam update-assume-role-policy --role-name ROLE --policy-document
    /// '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}]}'`,
    /// keeping conditions that name your own account (`aws:SourceAccount`) and region
    /// (`aws:SourceArn` `arn:aws:ecs:REGION:ACCOUNT:*`). Then start new tasks.
    ///
    /// ## References
    /// - Amazon ECS developer guide, "Task IAM role" (trust relationship and confused deputy
    ///   conditions)
    pub static CHECK = {
        code: "IR005",
        name: "task-role-trust",
        category: Roles,
        severity: Error,
        scope: Live,
        level: Task,
        summary: "The task role's trust policy lets ECS assume it for this task",
        needs: [Task, TaskDefinition, InstanceRole, TaskRole],
        evaluate: evaluate,
    };
}

use std::collections::BTreeMap;

use crate::facts::{Facts, Unavailable};
use crate::outcome::{Finding, Fix, Verdict};
use crate::policy::{self, PolicyDecision, Principal, Request};
use crate::task_role::TaskRole;

fn evaluate(f: &Facts<'_>) -> Result<Verdict, Unavailable> {
    let task = f.task()?;
    let role = crate::task_role::for_check(f)?;
    let Some(role_arn) = role.arn() else {
        return Ok(Verdict::not_applicable("the task has no role (see IR001)"));
    };
    let Some(known) = f.task_role()? else {
        return Ok(Verdict::not_applicable("the task has no role (see IR001)"));
    };
    if let Some(deleted) = super::deleted_role(f) {
        return Ok(deleted);
    }
    let Some(trust) = &known.trust_policy else {
        return Err(Unavailable::new(format!(
            "iam:GetRole returned no readable trust policy for `{role_arn}`"
        )));
    };
    let service = match role {
        TaskRole::InstanceProfile(_) => "ec2.amazonaws.com",
        _ => "ecs-tasks.amazonaws.com",
    };
    let account = crate::arn::Arn::parse(&task.arn)
        .map(|a| a.account)
        .unwrap_or_default();
    let decide = |source_arn: &str| {
        let mut context = BTreeMap::new();
        context.insert("aws:SourceAccount".to_string(), account.clone());
        if !source_arn.is_empty() {
            context.insert("aws:SourceArn".to_string(), source_arn.to_string());
        }
        policy::evaluate(
            trust,
            &Request {
                principal: Principal::Service(service),
                action: "sts:AssumeRole",
                resource: role_arn,
                context: &context,
            },
        )
    };
    let source = match role {
        TaskRole::InstanceProfile(_) => String::new(),
        _ => task.arn.clone(),
    };
    let mut decision = decide(&source);
    let mut via_cluster = false;
    if !matches!(decision, PolicyDecision::Allowed(_))
        && !task.cluster_arn.is_empty()
        && !source.is_empty()
    {
        let with_cluster = decide(&task.cluster_arn);
        if matches!(with_cluster, PolicyDecision::Allowed(_)) {
            decision = with_cluster;
            via_cluster = true;
        }
    }
    let name = crate::arn::role_name(role_arn);
    let fix = Fix::new(format!("let {service} assume `{name}`"))
        .command(format!(
            "aws iam update-assume-role-policy --role-name {name} --policy-document '{}'",
            trust_document(service, &account, f)
        ))
        .note("keep any other statements the trust policy needs, then start new tasks so they get credentials");
    let finding = |severity_error: bool, message: String| {
        let finding = if severity_error {
            Finding::error(message)
        } else {
            Finding::warning(message)
        };
        finding.subject(role_arn.to_string()).fix(fix.clone())
    };
    Ok(match decision {
        PolicyDecision::Allowed(statement) => {
            let mut evidence = vec![format!(
                "the trust policy of `{role_arn}` allows {service} to sts:AssumeRole ({})",
                statement.describe()
            )];
            if via_cluster {
                evidence.push("its aws:SourceArn condition matches the cluster's ARN".into());
            }
            Verdict::Pass { evidence }
        }
        PolicyDecision::Denied(statement) => Verdict::Findings(vec![finding(
            true,
            format!(
                "the trust policy of `{role_arn}` denies {service} sts:AssumeRole ({}); the task gets no credentials",
                statement.describe()
            ),
        )]),
        PolicyDecision::Conditional { statement, keys, deny } => Verdict::Findings(vec![finding(
            deny,
            format!(
                "the trust policy of `{role_arn}` {} {service} sts:AssumeRole only under conditions on {} that the doctor cannot evaluate ({})",
                if deny { "may deny" } else { "allows" },
                keys.join(", "),
                statement.describe()
            ),
        )
        .evidence(format!("evaluated with aws:SourceAccount={account} and aws:SourceArn={}", if source.is_empty() { "(none)" } else { source.as_str() }))]),
        PolicyDecision::NotAllowed => {
            let trusted = trusted_services(trust);
            let mut finding = finding(
                true,
                format!(
                    "the trust policy of `{role_arn}` does not let {service} assume it; the task gets no credentials and the exec agent cannot connect"
                ),
            );
            if !trusted.is_empty() {
                finding = finding.evidence(format!("it trusts {}", trusted.join(", ")));
            }
            if policy::statements(trust).iter().any(|(_, effect)| effect == "Allow") {
                finding = finding.evidence(format!(
                    "evaluated with aws:SourceAccount={account} and aws:SourceArn={} (then the cluster's ARN)",
                    if source.is_empty() { "(none)" } else { source.as_str() }
                ));
            }
            Verdict::Findings(vec![finding])
        }
    })
}

/// The trust policy to put in place, scoped to the task's account and region.
fn trust_document(service: &str, account: &str, f: &Facts<'_>) -> String {
    let region = &f.target().region;
    let partition = if f.target().partition.is_empty() {
        "aws"
    } else {
        f.target().partition.as_str()
    };
    let condition = if service == "ecs-tasks.amazonaws.com" && !account.is_empty() {
        format!(
            r#","Condition":{{"ArnLike":{{"aws:SourceArn":"arn:{partition}:ecs:{region}:{account}:*"}},"StringEquals":{{"aws:SourceAccount":"{account}"}}}}"#
        )
    } else {
        String::new()
    };
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"Service":"{service}"}},"Action":"sts:AssumeRole"{condition}}}]}}"#
    )
}

/// The service principals the trust policy names (for the evidence).
fn trusted_services(trust: &serde_json::Value) -> Vec<String> {
    let mut out = Vec::new();
    let statements = match trust.get("Statement") {
        Some(serde_json::Value::Array(list)) => list.iter().collect(),
        Some(one) => vec![one],
        None => vec![],
    };
    for s in statements {
        match s.pointer("/Principal/Service") {
            Some(serde_json::Value::String(v)) => out.push(v.clone()),
            Some(serde_json::Value::Array(list)) => {
                out.extend(list.iter().filter_map(|v| v.as_str().map(str::to_string)))
            }
            _ => {}
        }
        if let Some(serde_json::Value::String(v)) = s.pointer("/Principal/AWS") {
            out.push(v.clone());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;
    use serde_json::json;

    fn trust(d: &mut crate::facts::Diagnosis, doc: serde_json::Value) {
        d.subjects[0].task_role.value_mut().trust_policy = Some(doc);
    }

    #[test]
    fn verdicts() {
        let mut d = diagnosis();
        assert_pass(&CHECK, &d);
        trust(
            &mut d,
            json!({"Statement": {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}}),
        );
        assert_finding(
            &CHECK,
            &d,
            Severity::Error,
            "does not let ecs-tasks.amazonaws.com assume it",
        );
        trust(
            &mut d,
            json!({"Statement": [{"Effect": "Allow", "Principal": {"Service": ["ecs-tasks.amazonaws.com"]}, "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"aws:SourceAccount": "999999999999"}}}]}),
        );
        assert_finding(&CHECK, &d, Severity::Error, "does not let");
        trust(
            &mut d,
            json!({"Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole",
            "Condition": {"ArnLike": {"aws:SourceArn": format!("arn:aws:ecs:{REGION}:{ACCOUNT}:*")}, "StringEquals": {"aws:SourceAccount": ACCOUNT}}}]}),
        );
        assert_pass(&CHECK, &d);
        trust(
            &mut d,
            json!({"Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole",
            "Condition": {"ArnEquals": {"aws:SourceArn": cluster_arn()}}}]}),
        );
        assert_pass(&CHECK, &d);
        trust(
            &mut d,
            json!({"Statement": [
            {"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"},
            {"Effect": "Deny", "Principal": "*", "Action": "sts:AssumeRole"}]}),
        );
        assert_finding(&CHECK, &d, Severity::Error, "denies");
        d.subjects[0].task_role.value_mut().exists = false;
        assert_not_applicable(&CHECK, &d);
        d.subjects[0].task_role = fact_failed_denied("iam:GetRole");
        assert_unknown(&CHECK, &d);
    }

    #[test]
    fn the_instance_role_must_trust_ec2() {
        let mut d = ec2_diagnosis();
        d.subjects[0].task_definition.value_mut().task_role_arn = None;
        d.subjects[0].task_role = crate::facts::Fact::ok(crate::model::Role {
            arn: format!("arn:aws:iam::{ACCOUNT}:role/ecs-instance"),
            exists: true,
            trust_policy: Some(
                json!({"Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}),
            ),
            tags: Default::default(),
        });
        assert_pass(&CHECK, &d);
    }
}
