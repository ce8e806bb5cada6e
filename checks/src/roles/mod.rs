//! The role the exec agent uses: present, and allowed what ECS Exec needs.

pub(crate) mod input_policies;
pub mod managed;
pub mod task_role_exec_logging;
pub mod task_role_kms_decrypt;
pub mod task_role_present;
pub mod task_role_ssmmessages;
pub mod task_role_trust;

use crate::facts::{Facts, Unavailable};
use crate::model::Simulation;
use crate::outcome::{Fix, Verdict};
use crate::simulation::{Judgement, judge};
use crate::task_role::TaskRole;

/// Judges `actions` on `resources` for the task's role; N/A without a role.
pub(crate) fn judge_role(
    f: &Facts<'_>,
    actions: &[(&str, Vec<String>)],
    fix: impl Fn(&str) -> Fix,
) -> Result<Verdict, Unavailable> {
    let role = crate::task_role::for_check(f)?;
    let Some(role_arn) = role.arn().map(str::to_string) else {
        return Ok(Verdict::not_applicable("the task has no role (see IR001)"));
    };
    if let Some(deleted) = deleted_role(f) {
        return Ok(deleted);
    }
    let Some(sim): Option<&Simulation> = f.task_role_permissions()? else {
        return Ok(Verdict::not_applicable("the task has no role (see IR001)"));
    };
    let mut findings = Vec::new();
    let mut evidence = Vec::new();
    let mut allowed = Vec::new();
    for (action, resources) in actions {
        match judge(sim, action, resources, &role_arn) {
            Judgement::Allowed(_) => allowed.push(format!("{action} on {}", resources.join(", "))),
            Judgement::Problems(fs) => findings.extend(fs),
            Judgement::NotSimulated(why) => return Err(Unavailable::new(why)),
        }
    }
    if !allowed.is_empty() {
        evidence.insert(0, format!("`{role_arn}` is allowed {}", allowed.join("; ")));
    }
    if let TaskRole::InstanceProfile(_) = role {
        evidence.push(
            "the task has no task role; the agent falls back to the EC2 instance role".into(),
        );
    }
    if findings.is_empty() {
        return Ok(Verdict::Pass { evidence });
    }
    let fix = fix(&role_arn);
    Ok(Verdict::Findings(
        findings
            .into_iter()
            .map(|x| {
                // An explicit deny carries its own fix: an Allow cannot override it.
                if x.fix.is_some() {
                    x
                } else {
                    x.fix(fix.clone())
                }
            })
            .collect(),
    ))
}

/// Not applicable, pointing at IR001, when IAM says the role does not exist.
pub(crate) fn deleted_role(f: &Facts<'_>) -> Option<Verdict> {
    let role = f.subject.task_role.value()?;
    (!role.exists).then(|| {
        Verdict::not_applicable(format!(
            "the role `{}` does not exist (see IR001)",
            role.arn
        ))
    })
}
