//! `lint`'s judgement of a service's security groups as the input defines them (NW003): red
//! only when no egress rule of any of them allows TCP 443 anywhere, which no network path can
//! make up for; where the allowed traffic goes is `check`'s to follow.

use crate::facts::{Fact, Facts, Unavailable};
use crate::outcome::{Finding, Fix, Verdict};

pub(crate) fn judge(f: &Facts<'_>) -> Result<Verdict, Unavailable> {
    let Some(service) = f.service()? else {
        return Ok(Verdict::not_applicable("not a service"));
    };
    let groups = match &f.subject.service_security_groups {
        Fact::Ok { value } => value,
        Fact::Absent { reason } => return Ok(Verdict::not_applicable(reason.clone())),
        _ => {
            return Err(Unavailable::new(
                "the service's security groups are defined outside this input (ids, variables, another stack or module) or not named; `ecs-exec-doctor check` follows the task's network path",
            ));
        }
    };
    let allowing: Vec<String> = groups
        .groups
        .iter()
        .flat_map(|g| g.egress.iter())
        .filter(|r| r.allows_https())
        .map(|r| {
            format!(
                "{} allows {} to {}",
                r.source,
                protocol_words(r),
                r.to.join(", ")
            )
        })
        .collect();
    let names: Vec<&str> = groups.groups.iter().map(|g| g.name.as_str()).collect();
    if !allowing.is_empty() {
        return Ok(Verdict::Pass {
            evidence: vec![format!(
                "{}; `ecs-exec-doctor check` verifies that it reaches ssmmessages",
                allowing.join("; ")
            )],
        });
    }
    let unread: Vec<String> = groups
        .groups
        .iter()
        .flat_map(|g| g.unread.iter().cloned())
        .collect();
    if !unread.is_empty() {
        return Err(Unavailable::new(format!(
            "no egress rule of {} in this input allows TCP 443, and the input does not show {}",
            names.join(", "),
            unread.join(", ")
        )));
    }
    let rules: Vec<String> = groups
        .groups
        .iter()
        .flat_map(|g| g.egress.iter())
        .map(|r| format!("{}: {} to {}", r.source, protocol_words(r), r.to.join(", ")))
        .collect();
    let mut finding = Finding::error(format!(
        "security groups {} of service `{}` allow no outbound TCP 443: the exec agent cannot connect to Session Manager",
        names.join(", "),
        service.name
    ))
    .pointer("/networkConfiguration/awsvpcConfiguration/securityGroups");
    finding = if rules.is_empty() {
        finding.evidence("they have no egress rule at all (Terraform removes the default allow-all rule of an aws_security_group that declares no egress)")
    } else {
        rules.into_iter().fold(finding, Finding::evidence)
    };
    Ok(Verdict::Findings(vec![finding.fix(
        Fix::new(format!("allow outbound HTTPS from {}", names.first().copied().unwrap_or("the group")))
            .note("add an egress rule for TCP 443 to 0.0.0.0/0, or to the ssmmessages endpoint's security group (Terraform: egress { protocol = \"tcp\", from_port = 443, to_port = 443, cidr_blocks = [\"0.0.0.0/0\"] }; CloudFormation: SecurityGroupEgress: [{IpProtocol: tcp, FromPort: 443, ToPort: 443, CidrIp: 0.0.0.0/0}])"),
    )]))
}

fn protocol_words(r: &crate::model::InputRule) -> String {
    match (r.protocol.as_str(), r.from_port, r.to_port) {
        ("-1" | "all", _, _) => "all traffic".into(),
        (p, Some(a), Some(b)) if a == b => format!("{p} {a}"),
        (p, Some(a), Some(b)) => format!("{p} {a}-{b}"),
        (p, _, _) => p.to_string(),
    }
}
