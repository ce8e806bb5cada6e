//! Whether an interface endpoint admits the task: its security groups allow TCP 443 from the
//! task's address or groups, and its policy does not refuse the exec agent's role the
//! service's actions (the ssmmessages ones for NW005; KMS, CloudWatch Logs or S3 ones for
//! NW002). One judgement, read by the checks and by the drawn path, so they never disagree.

use std::collections::BTreeMap;

use super::path::{SSMMESSAGES, Service};
use super::rules::{self, Net4, Peer, Reach};
use crate::facts::{Facts, Unavailable};
use crate::model::VpcEndpoint;
use crate::outcome::{Finding, Fix, Verdict};
use crate::policy::{self, PolicyDecision, Principal, Request};

/// NW005's verdict on the ssmmessages endpoint `ep`.
pub fn admits(f: &Facts<'_>, ep: &VpcEndpoint) -> Result<Verdict, Unavailable> {
    admits_for(f, ep, SSMMESSAGES)
}

/// The verdict on endpoint `ep` of `service`.
pub fn admits_for(
    f: &Facts<'_>,
    ep: &VpcEndpoint,
    service: Service,
) -> Result<Verdict, Unavailable> {
    let region = &f.target().region;
    let interface = f.interface()?;
    let firewall = f.firewall()?;
    let mut findings = Vec::new();
    let mut evidence = Vec::new();
    let source = Peer {
        nets: interface
            .private_ip
            .as_deref()
            .and_then(Net4::parse)
            .into_iter()
            .collect(),
        groups: interface.security_groups.clone(),
    };
    let task_sg = interface
        .security_groups
        .first()
        .cloned()
        .unwrap_or_else(|| "TASK_SG".into());
    let endpoint_sg = ep
        .security_groups
        .first()
        .cloned()
        .unwrap_or_else(|| "ENDPOINT_SG".into());
    let fix = Fix::new(format!("allow HTTPS from the task into endpoint `{}`", ep.id)).command(format!(
        "aws ec2 authorize-security-group-ingress --group-id {endpoint_sg} --protocol tcp --port 443 --source-group {task_sg} --region {region}"
    ));
    match rules::sg_ingress(&ep.security_groups, &firewall.security_groups, 443, &source, &firewall.prefix_lists) {
        Reach::Allowed { by } => evidence.push(format!("endpoint `{}` admits TCP 443 from the task: {by}", ep.id)),
        Reach::Partial { by, missing } => findings.push(
            Finding::warning(format!("the security groups of endpoint `{}` admit TCP 443 from only part of the task's addresses", ep.id))
                .subject(endpoint_sg.clone())
                .evidence(by)
                .evidence(format!("not covered: {missing}"))
                .fix(fix.clone()),
        ),
        Reach::Blocked { by } => findings.push(
            Finding::error(format!(
                "the security groups of endpoint `{}` do not admit TCP 443 from the task ({}): the agent's connection is dropped",
                ep.id,
                interface.private_ip.as_deref().unwrap_or(&interface.id)
            ))
            .subject(endpoint_sg.clone())
            .evidence(by)
            .fix(fix.clone()),
        ),
        Reach::Unknown { why } => return Err(Unavailable::new(why)),
    }
    if let Some(document) = &ep.policy {
        let role = crate::task_role::for_check(f)?;
        if let Some(role_arn) = role.arn() {
            let account = crate::arn::Arn::parse(role_arn)
                .map(|a| a.account)
                .unwrap_or_default();
            let mut context = BTreeMap::new();
            context.insert("aws:PrincipalArn".to_string(), role_arn.to_string());
            context.insert("aws:PrincipalAccount".to_string(), account.clone());
            for action in service.actions {
                let decision = policy::evaluate(
                    document,
                    &Request {
                        principal: Principal::Aws {
                            arn: role_arn,
                            account: &account,
                        },
                        action,
                        resource: "*",
                        context: &context,
                    },
                );
                let policy_fix = Fix::new(format!("let `{role_arn}` use {} through endpoint `{}`", service.name, ep.id))
                    .command(format!("aws ec2 modify-vpc-endpoint --vpc-endpoint-id {} --reset-policy --region {region}", ep.id))
                    .note(format!("or add an Allow for {}:* with the task role as principal to the endpoint policy, and narrow any Deny that matches it", service.name));
                match decision {
                    PolicyDecision::Allowed(_) => continue,
                    PolicyDecision::Denied(statement) => findings.push(
                        Finding::error(format!("the policy of endpoint `{}` denies {action} to `{role_arn}` ({})", ep.id, statement.describe()))
                            .subject(ep.id.clone())
                            .fix(policy_fix),
                    ),
                    PolicyDecision::NotAllowed => findings.push(
                        Finding::error(format!("the policy of endpoint `{}` does not allow {action} for `{role_arn}`", ep.id))
                            .subject(ep.id.clone())
                            .fix(policy_fix),
                    ),
                    PolicyDecision::Conditional { statement, keys, .. } => findings.push(
                        Finding::warning(format!(
                            "the policy of endpoint `{}` decides {action} for `{role_arn}` on conditions the doctor cannot evaluate ({}: {})",
                            ep.id,
                            statement.describe(),
                            keys.join(", ")
                        ))
                        .subject(ep.id.clone()),
                    ),
                }
                break;
            }
            if findings
                .iter()
                .all(|f| f.subject.as_deref() != Some(ep.id.as_str()))
            {
                evidence.push(format!(
                    "the policy of endpoint `{}` allows the {} actions for `{role_arn}`",
                    ep.id, service.name
                ));
            }
        }
    } else {
        evidence.push(format!(
            "endpoint `{}` has the default full-access policy",
            ep.id
        ));
    }
    Ok(Verdict::from_findings(findings, evidence))
}
