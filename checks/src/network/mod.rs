//! The network path from the task to Session Manager (`ssmmessages`) and, when configured, to
//! KMS, CloudWatch Logs and S3.

pub mod endpoint_access;
pub mod endpoint_admission;
pub mod exec_dependency_endpoints;
pub(crate) mod input_groups;
pub mod network_acl;
pub mod path;
pub mod rules;
pub mod security_group_egress;
pub mod ssmmessages_endpoint;

use crate::facts::Unavailable;
use crate::model::{Network, Task, VpcEndpoint};

/// For an ECS Anywhere task (launch type `EXTERNAL`), the VPC network checks do not apply:
/// its path to Session Manager crosses a network no AWS API shows.
pub fn outside_aws(f: &crate::facts::Facts<'_>) -> Option<crate::outcome::Verdict> {
    let task = f.task().ok()?;
    task.is_external().then(|| {
        crate::outcome::Verdict::not_applicable(
            "an ECS Anywhere task runs on a managed instance outside AWS: its network path to ssmmessages (proxies, firewalls, DNS on premises) is not visible to any AWS API; the instance must reach ssmmessages.REGION.amazonaws.com on TCP 443, and `check --probe` verifies it",
        )
    })
}

/// The owner account when the task's subnet is shared from another account (RAM).
pub fn shared_from<'a>(net: &'a Network, task: &Task) -> Option<&'a str> {
    let account = crate::arn::Arn::parse(&task.arn)?.account;
    net.subnet_owner
        .as_deref()
        .filter(|owner| *owner != account)
}

/// UNKNOWN for unreadable route tables, naming the denied action when that is why.
pub fn routes_unavailable(net: &Network) -> Unavailable {
    match &net.routes_error {
        Some(error) => Unavailable::from_error("route tables", error),
        None => Unavailable::new(format!(
            "no route table of subnet `{}` is visible to this account",
            net.subnet_id
        )),
    }
}

/// `com.amazonaws.REGION.SERVICE` (or the `cn.` form in the China partition).
pub fn endpoint_for<'a>(net: &'a Network, region: &str, service: &str) -> Option<&'a VpcEndpoint> {
    let plain = format!("com.amazonaws.{region}.{service}");
    let cn = format!("cn.com.amazonaws.{region}.{service}");
    net.endpoints
        .iter()
        .find(|e| e.service_name == plain || e.service_name == cn)
}

/// Whether the VPC has any interface endpoint: the sign that it is meant to reach AWS
/// privately.
pub fn uses_interface_endpoints(net: &Network) -> bool {
    net.endpoints
        .iter()
        .any(|e| e.endpoint_type.eq_ignore_ascii_case("interface"))
}

/// The default route's target in words.
pub fn describe_route(target: &str) -> String {
    let kind = match target.split('-').next().unwrap_or("") {
        "nat" => "a NAT gateway",
        "igw" => "an internet gateway",
        "tgw" => "a transit gateway",
        "eni" => "a network interface (NAT instance or appliance)",
        "pcx" => "a VPC peering connection",
        "vgw" => "a virtual private gateway",
        "i" => "an instance",
        _ => "a gateway",
    };
    format!("{kind} (`{target}`)")
}

#[cfg(test)]
mod tests {
    use crate::testing::*;

    /// An ECS Anywhere task: every VPC network check is not applicable (it used to be
    /// UNKNOWN for want of an ENI), even with no network facts at all.
    #[test]
    fn an_ecs_anywhere_task_gets_no_vpc_verdicts() {
        let mut d = diagnosis();
        with_kms(&mut d);
        let task = d.subjects[0].task.value_mut();
        task.launch_type = Some("EXTERNAL".into());
        task.eni_id = None;
        task.subnet_id = None;
        d.subjects[0].network = crate::facts::Fact::absent("outside AWS");
        d.subjects[0].interface = crate::facts::Fact::absent("outside AWS");
        d.subjects[0].firewall = crate::facts::Fact::absent("outside AWS");
        for check in [
            &super::ssmmessages_endpoint::CHECK,
            &super::exec_dependency_endpoints::CHECK,
            &super::security_group_egress::CHECK,
            &super::network_acl::CHECK,
            &super::endpoint_access::CHECK,
        ] {
            assert_not_applicable(check, &d);
            let r = run(check, &d);
            assert!(r.message.contains("ECS Anywhere"), "{r:?}");
        }
        assert!(drawn_path(&d).is_empty());
    }
}
