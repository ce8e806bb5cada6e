//! Reading a recording for `--replay`, and escaping a diagnosis for printing fact by fact, so
//! that the facts a fleet's tasks share stay shared (used for live diagnoses too).

use std::any::Any;
use std::collections::HashMap;
use std::sync::Arc;

use ecs_exec_doctor_checks::facts::{Diagnosis, Fact, Subject};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::{DoctorError, Result};
use crate::render;

/// Recordings larger than this are refused before they are read: one of a 1,000-task fleet
/// is a few MiB. It is also the most a recording may stand for with its shared facts expanded.
pub const MAX_RECORDING: u64 = ecs_exec_doctor_checks::snapshot::MAX_EXPANDED as u64;

pub fn read_recording(path: &std::path::Path) -> Result<String> {
    use std::io::Read;
    let shown = path.display();
    let file = std::fs::File::open(path)
        .map_err(|e| DoctorError::new(format!("cannot read recording {shown}: {e}")))?;
    let mut bytes = Vec::new();
    file.take(MAX_RECORDING + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| DoctorError::new(format!("cannot read recording {shown}: {e}")))?;
    if bytes.len() as u64 > MAX_RECORDING {
        crate::fail!(
            "recording {shown} is over the {} MiB limit; it is not a recording the doctor wrote",
            MAX_RECORDING / (1024 * 1024)
        );
    }
    String::from_utf8(bytes).map_err(|_| {
        DoctorError::new(format!(
            "recording {shown} is not UTF-8 text; it is not a recording the doctor wrote"
        ))
    })
}

/// [`render::sanitized`] for a whole diagnosis. Escaping it as one JSON tree would build every
/// shared fact once per task (for a recording, as much as its references stand for); here each
/// distinct fact is escaped once and the result shared again.
pub fn sanitized(d: Diagnosis) -> Diagnosis {
    // Destructured in full: a new field is a compile error here, not a fact left unescaped.
    let Diagnosis {
        target,
        observed_at,
        local,
        caller,
        cluster,
        kms_key,
        kms_key_policy,
        log_destinations,
        subjects,
        tasks_left_out,
    } = d;
    let mut seen = Seen::default();
    Diagnosis {
        target: render::sanitized(target),
        observed_at,
        local: seen.fact(local),
        caller: seen.fact(caller),
        cluster: seen.fact(cluster),
        kms_key: seen.fact(kms_key),
        kms_key_policy: seen.fact(kms_key_policy),
        log_destinations: seen.fact(log_destinations),
        subjects: subjects.into_iter().map(|s| seen.subject(s)).collect(),
        tasks_left_out,
    }
}

/// The facts escaped so far, by the address of their value.
#[derive(Default)]
struct Seen {
    /// `(original, escaped)`: the original is kept so that its address is not reused.
    done: HashMap<usize, Box<dyn Any>>,
}

impl Seen {
    fn subject(&mut self, s: Subject) -> Subject {
        let Subject {
            task_ref,
            task,
            service,
            task_definition,
            container_instance,
            instance_role,
            network,
            interface,
            firewall,
            caller_permissions,
            task_role_permissions,
            task_role,
            task_role_policies,
            service_security_groups,
        } = s;
        Subject {
            task_ref: render::safe(&task_ref).into_owned(),
            task: self.fact(task),
            service: self.fact(service),
            task_definition: self.fact(task_definition),
            container_instance: self.fact(container_instance),
            instance_role: self.fact(instance_role),
            network: self.fact(network),
            interface: self.fact(interface),
            firewall: self.fact(firewall),
            caller_permissions: self.fact(caller_permissions),
            task_role_permissions: self.fact(task_role_permissions),
            task_role: self.fact(task_role),
            task_role_policies: self.fact(task_role_policies),
            service_security_groups: self.fact(service_security_groups),
        }
    }

    fn fact<T: Serialize + DeserializeOwned + 'static>(&mut self, fact: Fact<T>) -> Fact<T> {
        let Fact::Ok { value } = fact else {
            // An absence or an error: a short text of its own.
            return render::sanitized(fact);
        };
        let key = Arc::as_ptr(&value) as usize;
        if let Some((_, escaped)) = self
            .done
            .get(&key)
            .and_then(|d| d.downcast_ref::<(Arc<T>, Arc<T>)>())
        {
            return Fact::Ok {
                value: escaped.clone(),
            };
        }
        let escaped = render::sanitized_copy(&*value).map_or_else(|| value.clone(), Arc::new);
        self.done.insert(key, Box::new((value, escaped.clone())));
        Fact::Ok { value: escaped }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Three tasks sharing a task definition whose family holds a clear-screen sequence: each
    /// sees it escaped, as escaping the whole diagnosis at once would, and still shares one
    /// escaped value.
    #[test]
    fn shared_facts_are_escaped_once_and_stay_shared() {
        let mut d = ecs_exec_doctor_checks::testing::diagnosis();
        d.subjects[0].task_definition.value_mut().family = "web\u{1b}[2J".into();
        d.subjects[0].task_ref = "t\u{7}".into();
        for _ in 0..2 {
            let s = d.subjects[0].clone();
            d.subjects.push(s);
        }
        let escaped = sanitized(d.clone());
        assert_eq!(escaped, render::sanitized(d));
        let values: Vec<&Arc<_>> = escaped
            .subjects
            .iter()
            .map(|s| match &s.task_definition {
                Fact::Ok { value } => value,
                _ => panic!("the task definition is there"),
            })
            .collect();
        assert_eq!(values[0].family, "web\\u{1b}[2J");
        assert_eq!(escaped.subjects[2].task_ref, "t\\u{7}");
        assert!(Arc::ptr_eq(values[0], values[2]));
    }
}
