//! Second passes over a simulation, each only for the results whose first answer named a
//! context key the doctor can supply:
//!
//! - **time**: the first simulation goes without `aws:CurrentTime`/`aws:EpochTime`, so the
//!   simulator names them when a policy uses them; those results are simulated again now and
//!   at seven other times (30, 7 and 1 days ago; 1 hour, 1 day, 7 and 30 days ahead), in one
//!   round of calls, so an open window says when it closes and a closed one when it was open.
//!   Without a time condition this costs nothing;
//! - **the task's own facts** (the agent's role): `aws:SourceVpce`/`aws:SourceVpc` from the
//!   endpoint on the agent's path and `aws:PrincipalTag/*` from the role's tags;
//! - **plausible values** (the caller): an MFA session.

use std::collections::{BTreeMap, BTreeSet};

use ecs_exec_doctor_checks::facts::FactError;
use ecs_exec_doctor_checks::model::*;
use ecs_exec_doctor_checks::simulation::context;
use futures::future::join_all;

use super::Fetcher;

/// The time keys a first simulation leaves out.
const TIME_KEYS: [&str; 2] = ["aws:CurrentTime", "aws:EpochTime"];
/// When the time matters, the other times simulated (hours from now).
const TIME_OFFSETS: [i64; 7] = [-720, -168, -24, 1, 24, 168, 720];

/// Whether `key` is one of `keys`, as IAM compares keys (without case).
fn among(key: &str, keys: &[&str]) -> bool {
    keys.iter().any(|k| k.eq_ignore_ascii_case(key))
}

/// `context` with the time keys set to `epoch` seconds.
fn at_time(context: &BTreeMap<String, String>, epoch: i64) -> BTreeMap<String, String> {
    let mut c = context.clone();
    c.insert("aws:CurrentTime".into(), crate::aws::rfc3339(epoch));
    c.insert("aws:EpochTime".into(), epoch.to_string());
    c
}

/// Takes `from`'s decision into `into`, and its missing keys but `settled`.
fn adopt(into: &mut SimResult, from: &SimResult, settled: &[&str]) {
    into.decision = from.decision;
    into.matched_statements = from.matched_statements.clone();
    into.allowed_by_organizations = from.allowed_by_organizations;
    into.allowed_by_boundary = from.allowed_by_boundary;
    into.missing_context = from
        .missing_context
        .iter()
        .filter(|k| !among(k, settled))
        .cloned()
        .collect();
}

impl Fetcher {
    /// `targets` (action, resource) simulated for `principal` with `context`: one call for
    /// the actions on `*`, one for those on named resources.
    pub(super) async fn resimulate(
        &self,
        principal: &str,
        context: &BTreeMap<String, String>,
        targets: &[(String, String)],
    ) -> Result<Vec<SimResult>, FactError> {
        let entries = entries(context);
        let call = |on_star: bool| {
            let wanted: Vec<&(String, String)> = targets
                .iter()
                .filter(|(_, r)| (r == "*") == on_star)
                .collect();
            let actions: BTreeSet<String> = wanted.iter().map(|(a, _)| a.clone()).collect();
            let resources: BTreeSet<String> = wanted.iter().map(|(_, r)| r.clone()).collect();
            let request = self
                .clients
                .iam
                .simulate_principal_policy()
                .policy_source_arn(principal)
                .set_action_names(Some(actions.into_iter().collect()))
                .set_resource_arns((!on_star).then(|| resources.into_iter().collect()))
                .set_context_entries(Some(entries.clone()));
            async move {
                if wanted.is_empty() {
                    return Ok(Vec::new());
                }
                let out = self.simulate(request).await?;
                Ok::<_, FactError>(
                    out.into_iter()
                        .filter(|r| {
                            wanted
                                .iter()
                                .any(|(a, x)| *a == r.action && *x == r.resource)
                        })
                        .collect::<Vec<_>>(),
                )
            }
        };
        let (star, named) = tokio::join!(call(true), call(false));
        let mut results = star?;
        results.extend(named?);
        Ok(results)
    }

    /// The results whose decision depends on the time, simulated now and at the other
    /// times; `context` is the first simulation's (without time keys). The others were
    /// decided without the time and keep their answer. Returns the context with the time.
    pub(super) async fn settle_time(
        &self,
        principal: &str,
        context: &BTreeMap<String, String>,
        results: &mut [SimResult],
    ) -> BTreeMap<String, String> {
        let now = crate::aws::now_epoch();
        let with_now = at_time(context, now);
        let targets: Vec<(String, String)> = results
            .iter()
            .filter(|r| r.missing_context.iter().any(|k| among(k, &TIME_KEYS)))
            .map(|r| (r.action.clone(), r.resource.clone()))
            .collect();
        if targets.is_empty() {
            return with_now;
        }
        let offsets: Vec<i64> = std::iter::once(0).chain(TIME_OFFSETS).collect();
        let runs = join_all(offsets.iter().map(|h| {
            let context = at_time(context, now + h * 3600);
            let targets = &targets;
            async move { self.resimulate(principal, &context, targets).await }
        }))
        .await;
        // Without the answer for now, the first one stands, naming the time keys missing.
        let Some(Ok(current)) = runs.first() else {
            return with_now;
        };
        for r in results.iter_mut() {
            let keys: Vec<String> = r
                .missing_context
                .iter()
                .filter(|k| among(k, &TIME_KEYS))
                .cloned()
                .collect();
            if keys.is_empty() {
                continue;
            }
            let Some(now_result) = current
                .iter()
                .find(|o| o.action == r.action && o.resource == r.resource)
            else {
                continue;
            };
            adopt(r, now_result, &TIME_KEYS);
            let samples = offsets
                .iter()
                .zip(&runs)
                .skip(1)
                .filter_map(|(h, run)| {
                    let other = run
                        .as_ref()
                        .ok()?
                        .iter()
                        .find(|o| o.action == r.action && o.resource == r.resource)?;
                    Some(TimeSample {
                        offset_hours: *h,
                        at: crate::aws::rfc3339(now + h * 3600),
                        decision: other.decision,
                    })
                })
                .collect();
            r.time = Some(TimeWindow { keys, samples });
        }
        with_now
    }

    /// The agent role's results settled with the task's own facts (see
    /// [`context::settle`]): the keys they give values are simulated again with them, in one
    /// round of calls; the keys they show absent are dropped from the missing ones.
    pub(super) async fn settle_role_context(
        &self,
        mut sim: Simulation,
        net: Option<&Network>,
        role_tags: Option<&BTreeMap<String, String>>,
    ) -> Result<Simulation, FactError> {
        let region = self.target.region.clone();
        let settled: Vec<context::Settled> = sim
            .results
            .iter()
            .map(|r| context::settle(r, net, &region, role_tags))
            .collect();
        // One call per distinct set of values.
        let mut groups: BTreeMap<BTreeMap<String, String>, Vec<(String, String)>> = BTreeMap::new();
        for (r, s) in sim.results.iter().zip(&settled) {
            if !s.values.is_empty() {
                groups
                    .entry(s.values.clone())
                    .or_default()
                    .push((r.action.clone(), r.resource.clone()));
            }
        }
        let base = self.role_context(&sim.principal_arn);
        let principal = sim.principal_arn.clone();
        let answers = join_all(groups.into_iter().map(|(values, targets)| {
            let mut context = at_time(&base, crate::aws::now_epoch());
            context.extend(values.clone());
            let principal = principal.clone();
            async move {
                let out = self.resimulate(&principal, &context, &targets).await;
                (values, out)
            }
        }))
        .await;
        let mut by_values: BTreeMap<BTreeMap<String, String>, Vec<SimResult>> = BTreeMap::new();
        for (values, out) in answers {
            by_values.insert(values, out?);
        }
        for (r, s) in sim.results.iter_mut().zip(settled) {
            let done: Vec<&str> = s
                .values
                .keys()
                .map(String::as_str)
                .chain(s.absent.iter().map(String::as_str))
                .collect();
            if let Some(again) = by_values.get(&s.values).and_then(|out| {
                out.iter()
                    .find(|o| o.action == r.action && o.resource == r.resource)
            }) {
                adopt(r, again, &done);
                r.read_context = s.values.clone();
            } else {
                r.missing_context.retain(|k| !among(k, &done));
            }
            r.absent_context = s.absent;
        }
        Ok(sim)
    }

    /// What the agent's requests carry whatever the task: its region, its role as principal,
    /// TLS (the time is added by [`Fetcher::settle_time`] when a policy uses it).
    pub(super) fn role_context(&self, role_arn: &str) -> BTreeMap<String, String> {
        let mut context: BTreeMap<String, String> = BTreeMap::new();
        context.insert("aws:RequestedRegion".into(), self.target.region.clone());
        context.insert("aws:PrincipalArn".into(), role_arn.to_string());
        if let Some(arn) = ecs_exec_doctor_checks::arn::Arn::parse(role_arn) {
            context.insert("aws:PrincipalAccount".into(), arn.account);
        }
        context.insert("aws:SecureTransport".into(), "true".into());
        context
    }

    /// When a denial depends on context keys the doctor cannot observe but can give a
    /// plausible value (an MFA session), the same simulation once more with those values:
    /// each result then says whether that value changes the decision. One extra call, only
    /// when such a key is missing.
    pub(super) async fn with_variants(
        &self,
        principal: &str,
        results: &mut [SimResult],
        context: &BTreeMap<String, String>,
    ) {
        let mut extra: BTreeMap<String, String> = BTreeMap::new();
        for r in results.iter().filter(|r| r.decision != Decision::Allowed) {
            for key in &r.missing_context {
                if let Some(Some(value)) = unobservable_key(key) {
                    extra.insert(key.clone(), value.to_string());
                }
            }
        }
        if extra.is_empty() {
            return;
        }
        let mut varied = context.clone();
        varied.extend(extra.clone());
        let targets: Vec<(String, String)> = results
            .iter()
            .filter(|r| r.decision != Decision::Allowed)
            .map(|r| (r.action.clone(), r.resource.clone()))
            .collect();
        let Ok(again) = self.resimulate(principal, &varied, &targets).await else {
            return;
        };
        for r in results
            .iter_mut()
            .filter(|r| r.decision != Decision::Allowed)
        {
            let varied_here = extra
                .keys()
                .any(|k| r.missing_context.iter().any(|m| m.eq_ignore_ascii_case(k)));
            if !varied_here {
                continue;
            }
            if let Some(other) = again
                .iter()
                .find(|o| o.action == r.action && o.resource == r.resource)
            {
                r.variants.push(SimVariant {
                    context: extra.clone(),
                    decision: other.decision,
                    matched_statements: other.matched_statements.clone(),
                });
            }
        }
    }
}

/// The simulator's context entries, each key with the type IAM gives it.
pub(super) fn entries(context: &BTreeMap<String, String>) -> Vec<aws_sdk_iam::types::ContextEntry> {
    use aws_sdk_iam::types::{ContextEntry, ContextKeyTypeEnum};
    context
        .iter()
        .map(|(k, v)| {
            let kind = match k.to_ascii_lowercase().as_str() {
                "aws:securetransport" | "aws:multifactorauthpresent" | "aws:viaawsservice" => {
                    ContextKeyTypeEnum::Boolean
                }
                "aws:currenttime" | "aws:tokenissuetime" => ContextKeyTypeEnum::Date,
                "aws:epochtime" | "aws:multifactorauthage" => ContextKeyTypeEnum::Numeric,
                _ => ContextKeyTypeEnum::String,
            };
            ContextEntry::builder()
                .context_key_name(k)
                .context_key_values(v)
                .context_key_type(kind)
                .build()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_rfc3339_and_epoch_seconds() {
        let c = at_time(&BTreeMap::new(), 1_700_000_000);
        assert_eq!(c["aws:CurrentTime"], "2023-11-14T22:13:20Z");
        assert_eq!(c["aws:EpochTime"], "1700000000");
    }
}
