//! IAM simulations with the context the real request carries, end to end against the
//! emulator's simulator: a red only where AWS would refuse the request.

use ecs_exec_doctor_checks::Severity;
use ecs_exec_doctor_checks::report::{Report, Status};
use serde_json::{Value, json};

use crate::emulator_support::*;

fn put_role_policy(emu: &Emulator, role: &str, name: &str, statements: Vec<Value>) {
    let document = json!({"Version": "2012-10-17", "Statement": statements}).to_string();
    emu.block_on(
        emu.aws
            .iam
            .put_role_policy()
            .role_name(role)
            .policy_name(name)
            .policy_document(document)
            .send(),
    )
    .or_die("PutRolePolicy");
}

/// A world whose caller is the assumed role `{cluster}-doctor`, allowed nothing about exec
/// until a test gives its role a policy.
fn assumed_role_caller(emu: &Emulator, cluster: &str) -> World {
    emu.world(Spec {
        caller: Caller::AssumedRole,
        caller_actions: vec!["ecs:DescribeTasks".into()],
        ..Spec::healthy(cluster)
    })
}

/// A healthy world whose agent role is allowed nothing about exec until a test gives it a
/// policy.
fn role_without_exec_permissions(emu: &Emulator, cluster: &str) -> World {
    emu.world(Spec {
        task_role: Some(TaskRole {
            ssmmessages: false,
            kms_decrypt: false,
        }),
        ..Spec::healthy(cluster)
    })
}

fn severities(report: &Report, code: &str) -> Vec<Severity> {
    result(report, code)
        .findings
        .iter()
        .map(|f| f.severity)
        .collect()
}

/// An assumed-role caller (its role is `{cluster}-doctor`) under the common "deny everything
/// unless MFA" policy: denied only without MFA, a warning that says so, not an error; with an
/// unconditional deny beside it, still an error.
#[test]
fn deny_unless_mfa_is_a_warning_naming_mfa_not_a_red() {
    let Some(emu) = Emulator::start() else { return };
    let world = emu.world(Spec::rich("mfa"));
    put_role_policy(
        &emu,
        "mfa-doctor",
        "RequireMFA",
        vec![json!({
            "Sid": "DenyAllExceptListedIfNoMFA",
            "Effect": "Deny",
            "NotAction": ["iam:ListMFADevices", "sts:GetSessionToken"],
            "Resource": "*",
            "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}
        })],
    );
    let run = emu.diagnose(&world);
    let report = run.report();
    assert_status(&report, "CR001", Status::Warning);
    let cr001 = result(&report, "CR001");
    assert!(
        cr001.findings[0]
            .message
            .contains("aws:MultiFactorAuthPresent=true")
            && cr001.findings[0].message.contains("MFA"),
        "{cr001:#?}"
    );
    assert!(
        cr001.findings[0]
            .evidence
            .iter()
            .any(|e| e.contains("RequireMFA")),
        "the statement is named: {cr001:#?}"
    );
    assert!(!severities(&report, "CR001").contains(&Severity::Error));

    // The same, plus a deny that holds whatever the session: an error, MFA or not.
    put_role_policy(
        &emu,
        "mfa-doctor",
        "NoExec",
        vec![json!({"Effect": "Deny", "Action": "ecs:ExecuteCommand", "Resource": "*"})],
    );
    let run = emu.diagnose(&world);
    run.assert_code(1);
    let report = run.report();
    assert!(
        severities(&report, "CR001").contains(&Severity::Error),
        "{:#?}",
        result(&report, "CR001")
    );
}

/// A source-IP guard: the doctor cannot know the caller's address, so it is a warning naming
/// the key, never an error.
#[test]
fn an_ip_guard_is_a_warning_naming_the_key() {
    let Some(emu) = Emulator::start() else { return };
    let world = emu.world(Spec::rich("ipguard"));
    put_role_policy(
        &emu,
        "ipguard-doctor",
        "OfficeOnly",
        vec![json!({
            "Effect": "Deny",
            "Action": "*",
            "Resource": "*",
            "Condition": {"NotIpAddress": {"aws:SourceIp": ["203.0.113.0/24"]}}
        })],
    );
    let report = emu.diagnose(&world).report();
    let cr001 = result(&report, "CR001");
    assert_eq!(cr001.status, Status::Warning, "{cr001:#?}");
    assert!(
        cr001.findings[0].message.contains("aws:SourceIp"),
        "{cr001:#?}"
    );
}

/// A task role allowed ssmmessages only in some regions: inside the task's region it passes
/// (the simulation carries aws:RequestedRegion), outside it is a red.
#[test]
fn a_region_limited_task_role_is_judged_in_the_tasks_region() {
    let Some(emu) = Emulator::start() else { return };
    let region_limited = |cluster: &str, region: &str| {
        let world = role_without_exec_permissions(&emu, cluster);
        put_role_policy(
            &emu,
            world.task_role_name.as_deref().unwrap(),
            "InOurRegions",
            vec![json!({
                "Effect": "Allow",
                "Action": "ssmmessages:*",
                "Resource": "*",
                "Condition": {"StringEquals": {"aws:RequestedRegion": [region]}}
            })],
        );
        emu.diagnose(&world).report()
    };
    let inside = region_limited("regionin", REGION);
    assert_status(&inside, "IR002", Status::Pass);
    let outside = region_limited("regionout", "eu-west-1");
    assert_status(&outside, "IR002", Status::Error);
}

/// A time-boxed grant, judged at the time of the run: open for a month, a pass that says it
/// is time-boxed; closing within hours, a warning; closed three days ago, an error naming
/// the key and when it was open.
#[test]
fn a_time_boxed_grant_is_judged_at_the_current_time() {
    let Some(emu) = Emulator::start() else { return };
    let windowed = |cluster: &str, hours: i64| {
        let world = assumed_role_caller(&emu, cluster);
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("clock")
            .as_secs() as i64;
        let until = aws_smithy_types::DateTime::from_secs(now + hours * 3600)
            .fmt(aws_smithy_types::date_time::Format::DateTime)
            .expect("date");
        put_role_policy(
            &emu,
            &format!("{cluster}-doctor"),
            "BreakGlass",
            vec![json!({
                "Effect": "Allow",
                "Action": ["ecs:ExecuteCommand", "ssm:StartSession"],
                "Resource": "*",
                "Condition": {"DateLessThan": {"aws:CurrentTime": until}}
            })],
        );
        emu.diagnose(&world).report()
    };
    let open = windowed("windowopen", 24 * 365);
    let cr001 = result(&open, "CR001");
    assert_eq!(cr001.status, Status::Pass, "{cr001:#?}");
    assert!(
        format!("{cr001:?}").contains("time-boxed grant (a condition on aws:CurrentTime)"),
        "an open window says it is time-boxed: {cr001:#?}"
    );
    let closing = windowed("windowsoon", 6);
    let cr001 = result(&closing, "CR001");
    assert_eq!(cr001.status, Status::Warning, "{cr001:#?}");
    assert!(
        cr001.findings[0].message.contains("closes within a day"),
        "{cr001:#?}"
    );
    let closed = windowed("windowshut", -72);
    let cr001 = result(&closed, "CR001");
    assert_eq!(cr001.status, Status::Error, "{cr001:#?}");
    assert!(
        cr001.findings[0].message.contains("aws:CurrentTime")
            && cr001.findings[0].message.contains("has closed"),
        "the red names the key and says the window closed: {cr001:#?}"
    );
}

/// The agent's role allowed ssmmessages only through the VPC's endpoint (`aws:SourceVpce`):
/// the endpoint on the task's path is the value, so the right endpoint passes and another
/// endpoint's id is a red that names the key and the value it was simulated with.
#[test]
fn the_endpoint_on_the_tasks_path_decides_a_source_vpce_condition() {
    let Some(emu) = Emulator::start() else { return };
    let guarded = |cluster: &str, endpoint: Option<&str>| {
        let world = role_without_exec_permissions(&emu, cluster);
        let ours = ssmmessages_endpoint(&emu, &world.vpc);
        put_role_policy(
            &emu,
            world.task_role_name.as_deref().unwrap(),
            "OnlyThroughOurEndpoint",
            vec![json!({
                "Effect": "Allow",
                "Action": "ssmmessages:*",
                "Resource": "*",
                "Condition": {"StringEquals": {"aws:SourceVpce": endpoint.unwrap_or(&ours)}}
            })],
        );
        (emu.diagnose(&world).report(), ours)
    };
    let (through, _) = guarded("vpceours", None);
    assert_status(&through, "IR002", Status::Pass);
    let (elsewhere, ours) = guarded("vpceother", Some("vpce-0123456789abcdef0"));
    let ir002 = result(&elsewhere, "IR002");
    assert_eq!(ir002.status, Status::Error, "{ir002:#?}");
    assert!(
        ir002.findings.iter().any(|f| f
            .evidence
            .iter()
            .any(|e| e.contains(&format!("aws:SourceVpce={ours}")))),
        "the red names the key and the endpoint it was simulated with: {ir002:#?}"
    );
}

/// The ssmmessages endpoint of `vpc`.
fn ssmmessages_endpoint(emu: &Emulator, vpc: &str) -> String {
    let out = emu
        .block_on(
            emu.aws
                .ec2
                .describe_vpc_endpoints()
                .filters(
                    aws_sdk_ec2::types::Filter::builder()
                        .name("vpc-id")
                        .values(vpc)
                        .build(),
                )
                .send(),
        )
        .or_die("DescribeVpcEndpoints");
    out.vpc_endpoints()
        .iter()
        .find(|e| {
            e.service_name()
                .is_some_and(|n| n.ends_with(".ssmmessages"))
        })
        .and_then(|e| e.vpc_endpoint_id())
        .expect("the world has an ssmmessages endpoint")
        .to_string()
}

/// Tags `role` with `team`.
fn tag_role(emu: &Emulator, role: &str, team: &str) {
    emu.block_on(
        emu.aws
            .iam
            .tag_role()
            .role_name(role)
            .tags(
                aws_sdk_iam::types::Tag::builder()
                    .key("team")
                    .value(team)
                    .build()
                    .expect("tag"),
            )
            .send(),
    )
    .or_die("TagRole");
}

/// Tags `role` with `team` and allows it `action` only for the payments team (by
/// `aws:PrincipalTag/team`).
fn only_for_payments(emu: &Emulator, role: &str, team: &str, action: &str) {
    tag_role(emu, role, team);
    put_role_policy(
        emu,
        role,
        "TeamOnly",
        vec![json!({
            "Effect": "Allow",
            "Action": action,
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:PrincipalTag/team": "payments"}}
        })],
    );
}

/// Attribute-based access on the agent's role: ssmmessages allowed only for the team the
/// role is tagged with. The role's tags settle `aws:PrincipalTag/team`: the right team
/// passes, another team is a red naming the tag.
#[test]
fn the_task_roles_tags_decide_tag_based_access() {
    let Some(emu) = Emulator::start() else { return };
    let tagged = |cluster: &str, team: &str| {
        let world = role_without_exec_permissions(&emu, cluster);
        only_for_payments(
            &emu,
            world.task_role_name.as_deref().unwrap(),
            team,
            "ssmmessages:*",
        );
        emu.diagnose(&world).report()
    };
    let same = tagged("taskabac", "payments");
    assert_status(&same, "IR002", Status::Pass);
    let other = tagged("taskabacweb", "web");
    let ir002 = result(&other, "IR002");
    assert_eq!(ir002.status, Status::Error, "{ir002:#?}");
    assert!(
        format!("{ir002:?}").contains("aws:PrincipalTag/team=web (the role's tag)"),
        "{ir002:#?}"
    );
}

/// Attribute-based access: the caller's role is allowed exec only for its team, by a
/// condition on `aws:PrincipalTag/team`. The role's tags go into the simulation as its
/// sessions carry them: the matching team passes, another team is a red.
#[test]
fn principal_tags_of_the_callers_role_decide_tag_based_access() {
    let Some(emu) = Emulator::start() else { return };
    let tagged = |cluster: &str, team: &str| {
        let world = assumed_role_caller(&emu, cluster);
        only_for_payments(
            &emu,
            &format!("{cluster}-doctor"),
            team,
            "ecs:ExecuteCommand",
        );
        emu.diagnose(&world).report()
    };
    let same = tagged("abacsame", "payments");
    assert_status(&same, "CR001", Status::Pass);
    let other = tagged("abacother", "web");
    assert_status(&other, "CR001", Status::Error);
}

/// A task role whose permissions boundary allows only the company's regions: judged in the
/// task's region (the simulation carries aws:RequestedRegion), a pass inside, and outside a
/// red that names the boundary.
#[test]
fn a_region_limited_permissions_boundary_is_judged_in_the_tasks_region() {
    let Some(emu) = Emulator::start() else { return };
    let bounded = |cluster: &str, region: &str| {
        let world = emu.world(Spec::healthy(cluster));
        let document = json!({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow",
            "Action": "*",
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:RequestedRegion": [region]}}
        }]})
        .to_string();
        let policy = emu
            .block_on(
                emu.aws
                    .iam
                    .create_policy()
                    .policy_name(format!("{cluster}-regions"))
                    .policy_document(document)
                    .send(),
            )
            .or_die("CreatePolicy");
        let arn = policy
            .policy()
            .and_then(|p| p.arn())
            .expect("policy ARN")
            .to_string();
        emu.block_on(
            emu.aws
                .iam
                .put_role_permissions_boundary()
                .role_name(world.task_role_name.as_deref().unwrap())
                .permissions_boundary(arn)
                .send(),
        )
        .or_die("PutRolePermissionsBoundary");
        emu.diagnose(&world).report()
    };
    let inside = bounded("boundin", REGION);
    assert_status(&inside, "IR002", Status::Pass);
    let outside = bounded("boundout", "eu-west-1");
    let ir002 = result(&outside, "IR002");
    assert_eq!(ir002.status, Status::Error, "{ir002:#?}");
    assert!(
        ir002.message.contains("permissions boundary")
            || ir002
                .findings
                .iter()
                .any(|f| f.message.contains("permissions boundary")),
        "{ir002:#?}"
    );
}
