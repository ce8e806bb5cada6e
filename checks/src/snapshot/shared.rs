//! Reading a recording whose subjects share facts (version 2): each stored fact is parsed
//! once, straight into the fact model, and every `{"same_as_subject": N}` that refers to it
//! holds the same `Arc`, so memory follows the size of the file, not of what the references
//! stand for.
//!
//! What the references stand for still costs time and output (each subject is evaluated and
//! reported with the facts it refers to), so it is bounded: the recording with every reference
//! replaced by what it names may be at most [`MAX_EXPANDED`] bytes of JSON. That is the size
//! `--replay` accepts for a recording that shares nothing, so sharing never lets a file make
//! the doctor do more than an unshared file could. It is counted transitively (a reference to
//! a reference counts the fact at the end of the chain) and checked at each reference, so a
//! recording built to amplify is refused as soon as it goes over, before anything is
//! evaluated.

use std::collections::HashMap;

use serde::de::{DeserializeOwned, Error as _};
use serde::{Deserialize, Deserializer, Serialize};

use super::{SAME_AS, Snapshot};
use crate::facts::{Diagnosis, Fact, Subject};
use crate::model::*;

/// The most a recording may stand for once its references are expanded: the largest file
/// `--replay` reads (a 1,000-task fleet expands to a few MiB).
pub const MAX_EXPANDED: usize = 64 * 1024 * 1024;

/// A subject field as stored: its own fact, or a reference to an earlier subject's.
enum Stored<T> {
    Same(usize),
    Own(Fact<T>),
}

impl<T> Default for Stored<T> {
    fn default() -> Self {
        Stored::Own(Fact::NotFetched)
    }
}

impl<'de, T: DeserializeOwned> Deserialize<'de> for Stored<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // One field at a time: this tree is dropped as soon as the fact is built.
        let value = serde_json::Value::deserialize(d)?;
        if let Some(n) = value.get(SAME_AS) {
            return n
                .as_u64()
                .and_then(|n| usize::try_from(n).ok())
                .map(Stored::Same)
                .ok_or_else(|| {
                    D::Error::custom(format!("`{SAME_AS}` is {n}, not a subject index"))
                });
        }
        Fact::<T>::deserialize(value)
            .map(Stored::Own)
            .map_err(D::Error::custom)
    }
}

/// [`Snapshot`] as a version-2 file holds it.
#[derive(Deserialize)]
struct StoredSnapshot {
    recorded_by: String,
    aws_calls: u32,
    #[serde(default)]
    redacted: bool,
    diagnosis: StoredDiagnosis,
    #[serde(default)]
    probes: Vec<crate::report::probe::Probe>,
}

/// [`Diagnosis`] with its subjects as stored. Only subjects share facts.
#[derive(Deserialize)]
struct StoredDiagnosis {
    target: Target,
    #[serde(default)]
    observed_at: Option<i64>,
    #[serde(default)]
    local: Fact<LocalTools>,
    #[serde(default)]
    caller: Fact<Caller>,
    #[serde(default)]
    cluster: Fact<Cluster>,
    #[serde(default)]
    kms_key: Fact<KmsKey>,
    #[serde(default)]
    kms_key_policy: Fact<KeyPolicy>,
    #[serde(default)]
    log_destinations: Fact<LogDestinations>,
    #[serde(default)]
    subjects: Vec<StoredSubject>,
    #[serde(default)]
    tasks_left_out: usize,
}

/// [`Subject`] as stored: the task is always its own (see `OWN_FIELDS`).
#[derive(Deserialize)]
struct StoredSubject {
    task_ref: String,
    #[serde(default)]
    task: Fact<Task>,
    #[serde(default)]
    service: Stored<Service>,
    #[serde(default)]
    task_definition: Stored<TaskDefinition>,
    #[serde(default)]
    container_instance: Stored<ContainerInstance>,
    #[serde(default)]
    instance_role: Stored<InstanceRole>,
    #[serde(default)]
    network: Stored<Network>,
    #[serde(default)]
    interface: Stored<Interface>,
    #[serde(default)]
    firewall: Stored<Firewall>,
    #[serde(default)]
    caller_permissions: Stored<Simulation>,
    #[serde(default)]
    task_role_permissions: Stored<Simulation>,
    #[serde(default)]
    task_role: Stored<Role>,
}

/// Reads a version-2 recording, its references resolved to shared facts.
pub(super) fn read(text: &str) -> Result<Snapshot, String> {
    let stored: StoredSnapshot =
        serde_json::from_str(text).map_err(|e| format!("malformed recording ({e})"))?;
    let StoredSnapshot {
        recorded_by,
        aws_calls,
        redacted,
        diagnosis,
        probes,
    } = stored;
    let StoredDiagnosis {
        target,
        observed_at,
        local,
        caller,
        cluster,
        kms_key,
        kms_key_policy,
        log_destinations,
        subjects: stored_subjects,
        tasks_left_out,
    } = diagnosis;
    let mut resolver = Resolver {
        expanded: text.len(),
        sizes: HashMap::new(),
    };
    let mut subjects: Vec<Subject> = Vec::with_capacity(stored_subjects.len());
    for (i, s) in stored_subjects.into_iter().enumerate() {
        let mut r = Field {
            resolver: &mut resolver,
            earlier: &subjects,
            subject: i,
        };
        let subject = Subject {
            task_ref: s.task_ref,
            task: s.task,
            service: r.resolve("service", s.service, |s| &s.service)?,
            task_definition: r
                .resolve("task_definition", s.task_definition, |s| &s.task_definition)?,
            container_instance: r.resolve("container_instance", s.container_instance, |s| {
                &s.container_instance
            })?,
            instance_role: r.resolve("instance_role", s.instance_role, |s| &s.instance_role)?,
            network: r.resolve("network", s.network, |s| &s.network)?,
            interface: r.resolve("interface", s.interface, |s| &s.interface)?,
            firewall: r.resolve("firewall", s.firewall, |s| &s.firewall)?,
            caller_permissions: r.resolve("caller_permissions", s.caller_permissions, |s| {
                &s.caller_permissions
            })?,
            task_role_permissions: r.resolve(
                "task_role_permissions",
                s.task_role_permissions,
                |s| &s.task_role_permissions,
            )?,
            task_role: r.resolve("task_role", s.task_role, |s| &s.task_role)?,
            task_role_policies: Fact::NotFetched,
            service_security_groups: Fact::NotFetched,
        };
        subjects.push(subject);
    }
    Ok(Snapshot {
        snapshot_version: super::SNAPSHOT_VERSION,
        recorded_by,
        aws_calls,
        redacted,
        diagnosis: Diagnosis {
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
        },
        probes,
    })
}

/// The expansion budget, and the expanded size of each subject field read so far.
struct Resolver {
    /// The file, plus what each reference stands for.
    expanded: usize,
    /// Compact JSON bytes of subject `i`'s field `name`, references expanded.
    sizes: HashMap<(usize, &'static str), usize>,
}

/// Resolves the fields of subject `subject` against the subjects before it.
struct Field<'a> {
    resolver: &'a mut Resolver,
    earlier: &'a [Subject],
    subject: usize,
}

impl Field<'_> {
    fn resolve<T: Serialize + Clone>(
        &mut self,
        name: &'static str,
        stored: Stored<T>,
        get: impl Fn(&Subject) -> &Fact<T>,
    ) -> Result<Fact<T>, String> {
        let i = self.subject;
        let (fact, size) = match stored {
            Stored::Own(fact) => {
                let size = json_size(&fact);
                (fact, size)
            }
            Stored::Same(n) => {
                let Some(earlier) = self.earlier.get(n).filter(|_| n < i) else {
                    return Err(format!(
                        "malformed recording (subject {i}: `{name}` refers to no earlier subject)"
                    ));
                };
                // Subject n's field is resolved already: its size includes what its own
                // reference, if any, stood for.
                let size = self.resolver.sizes[&(n, name)];
                self.resolver.expanded = self.resolver.expanded.saturating_add(size);
                if self.resolver.expanded > MAX_EXPANDED {
                    return Err(format!(
                        "its facts shared between tasks expand to over {} MiB, the most --replay reads; record fewer tasks (--max-tasks N)",
                        MAX_EXPANDED >> 20
                    ));
                }
                // The value is shared, not copied; an absence or error (a short text) is.
                (get(earlier).clone(), size)
            }
        };
        self.resolver.sizes.insert((i, name), size);
        Ok(fact)
    }
}

/// The length of `value` as compact JSON, without building the text.
fn json_size<T: Serialize>(value: &T) -> usize {
    struct Count(usize);
    impl std::io::Write for Count {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0 += buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut count = Count(0);
    // Writing to a counter cannot fail, and the fact model always serialises.
    let _ = serde_json::to_writer(&mut count, value);
    count.0
}
