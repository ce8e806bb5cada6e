//! `check --wait` re-reads only what can still change: after the first poll, each poll fetches
//! the facts behind the checks that are not ready yet (and the tasks, always), and keeps the
//! rest from the previous poll. A task the previous poll did not see (a new deployment's) has
//! no facts to keep: the poll is then a full read.

use crate::facts::{Diagnosis, FactKind};

/// Copies into `fresh` every fact of `previous` of a kind not in `refetched`. `false` when a
/// subject of `fresh` is not in `previous`: the caller must read everything.
pub fn carry_over(fresh: &mut Diagnosis, previous: &Diagnosis, refetched: &[FactKind]) -> bool {
    let kept = |k: FactKind| !refetched.contains(&k);
    let mut subjects = Vec::with_capacity(fresh.subjects.len());
    for s in &fresh.subjects {
        match previous.subjects.iter().find(|p| p.task_ref == s.task_ref) {
            Some(p) => subjects.push(p),
            None => return false,
        }
    }
    macro_rules! keep {
        ($to:expr, $from:expr, $($kind:ident => $field:ident),+ $(,)?) => {
            $(if kept(FactKind::$kind) {
                $to.$field = $from.$field.clone();
            })+
        };
    }
    keep!(fresh, previous,
        Local => local,
        Caller => caller,
        Cluster => cluster,
        KmsKey => kms_key,
        KmsKeyPolicy => kms_key_policy,
        LogDestinations => log_destinations,
    );
    for (s, p) in fresh.subjects.iter_mut().zip(subjects) {
        keep!(s, p,
            Service => service,
            TaskDefinition => task_definition,
            ContainerInstance => container_instance,
            InstanceRole => instance_role,
            Network => network,
            Interface => interface,
            Firewall => firewall,
            CallerPermissions => caller_permissions,
            TaskRolePermissions => task_role_permissions,
            TaskRole => task_role,
        );
    }
    true
}

/// The facts to re-read for these failing check codes: what they need, with what those
/// facts are fetched from, and the tasks.
pub fn needed_for(codes: &[&str]) -> Vec<FactKind> {
    let mut kinds = vec![FactKind::Task];
    for code in codes {
        if let Some(check) = crate::registry::find(code) {
            kinds.extend_from_slice(check.meta.needs);
        }
    }
    FactKind::with_dependencies(&kinds)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::Fact;

    #[test]
    fn keeps_what_was_not_read_again_and_refuses_new_tasks() {
        let previous = crate::testing::diagnosis();
        let mut fresh = previous.clone();
        fresh.subjects[0].network = Fact::NotFetched;
        fresh.subjects[0].task_role_permissions = Fact::NotFetched;
        fresh.caller = Fact::NotFetched;
        let refetched = needed_for(&["TK003"]);
        assert!(refetched.contains(&FactKind::Task));
        assert!(!refetched.contains(&FactKind::Network));
        assert!(carry_over(&mut fresh, &previous, &refetched));
        assert_eq!(fresh, previous);
        // A task the previous poll did not see: read everything.
        let mut other = previous.clone();
        other.subjects[0].task_ref = "another".into();
        assert!(!carry_over(&mut other, &previous, &refetched));
        // An IAM blocker re-reads the simulations it needs.
        assert!(needed_for(&["IR002"]).contains(&FactKind::TaskRolePermissions));
    }
}
