//! The recording format of `check --record` / `--replay`: every fetched fact and every fetch
//! error of one run, versioned. Replaying a snapshot evaluates exactly the facts the live run
//! evaluated, so it gives the identical report with no AWS access. Environment variable and
//! secret values are never part of it (the fact model has no field for them).

use serde::{Deserialize, Serialize};

use crate::facts::Diagnosis;

/// Bumped when a snapshot written by an older doctor can no longer be read.
pub const SNAPSHOT_VERSION: u32 = 1;
/// The version of a recording in which facts shared by several subjects (a fleet's task
/// definition, service, network, roles and simulations) are stored once: later subjects say
/// `{"same_as_subject": N}` instead of repeating subject N's value. Written only when a
/// recording shares something, so single-task recordings stay readable by older doctors.
pub const SHARED_FACTS_VERSION: u32 = 2;
/// Subject fields that are never shared: what makes each subject its own.
const OWN_FIELDS: [&str; 2] = ["task_ref", "task"];
const SAME_AS: &str = "same_as_subject";
/// The most a recording's shared facts may add when expanded (a 1,000-task fleet adds a few
/// MiB).
const MAX_EXPANDED: usize = 256 << 20;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    /// Always [`SNAPSHOT_VERSION`] when written by this version.
    pub snapshot_version: u32,
    /// The doctor version that recorded it.
    pub recorded_by: String,
    /// AWS API calls the live run made.
    pub aws_calls: u32,
    /// `true` when account ids, resource names, IPs and tag values were replaced by
    /// placeholders.
    #[serde(default)]
    pub redacted: bool,
    pub diagnosis: Diagnosis,
}

impl Snapshot {
    pub fn new(diagnosis: Diagnosis, aws_calls: u32, recorded_by: &str) -> Self {
        Self {
            snapshot_version: SNAPSHOT_VERSION,
            recorded_by: recorded_by.to_string(),
            aws_calls,
            redacted: false,
            diagnosis,
        }
    }

    /// Parses a snapshot, with a one-line error naming the problem.
    pub fn from_json(text: &str) -> Result<Self, String> {
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| format!("not valid JSON ({e})"))?;
        let version = value
            .get("snapshot_version")
            .and_then(|v| v.as_u64())
            .ok_or_else(|| {
                "not an ecs-exec-doctor recording (no `snapshot_version`)".to_string()
            })?;
        let mut value = value;
        if version == u64::from(SHARED_FACTS_VERSION) {
            expand_shared(&mut value)?;
        } else if version != u64::from(SNAPSHOT_VERSION) {
            return Err(format!(
                "recording format {version} is not supported by this version (reads {SNAPSHOT_VERSION} and {SHARED_FACTS_VERSION})"
            ));
        }
        let mut snapshot: Snapshot =
            serde_json::from_value(value).map_err(|e| format!("malformed recording ({e})"))?;
        snapshot.snapshot_version = SNAPSHOT_VERSION;
        Ok(snapshot)
    }

    /// The recording as pretty JSON, each fact shared by several subjects stored once.
    pub fn to_json(&self) -> String {
        let mut value = serde_json::to_value(self).expect("snapshots serialise");
        if share_facts(&mut value) {
            value["snapshot_version"] = SHARED_FACTS_VERSION.into();
        }
        serde_json::to_string_pretty(&value).expect("snapshots serialise") + "\n"
    }
}

fn subjects_mut(value: &mut serde_json::Value) -> Option<&mut Vec<serde_json::Value>> {
    value
        .get_mut("diagnosis")?
        .get_mut("subjects")?
        .as_array_mut()
}

/// Replaces every subject fact equal to an earlier subject's by a reference to the first
/// subject that has it; `true` when anything was shared.
fn share_facts(value: &mut serde_json::Value) -> bool {
    use std::collections::HashMap;
    let Some(subjects) = subjects_mut(value) else {
        return false;
    };
    let mut first: HashMap<(String, String), usize> = HashMap::new();
    let mut shared = false;
    for (i, subject) in subjects.iter_mut().enumerate() {
        let Some(fields) = subject.as_object_mut() else {
            continue;
        };
        for (name, fact) in fields.iter_mut() {
            if OWN_FIELDS.contains(&name.as_str()) {
                continue;
            }
            let key = (name.clone(), fact.to_string());
            match first.get(&key) {
                Some(&n) => {
                    *fact = serde_json::json!({ SAME_AS: n });
                    shared = true;
                }
                None => {
                    first.insert(key, i);
                }
            }
        }
    }
    shared
}

/// Undoes [`share_facts`]: each reference becomes a copy of the fact it names, which must be
/// an earlier subject's.
fn expand_shared(value: &mut serde_json::Value) -> Result<(), String> {
    let Some(subjects) = subjects_mut(value) else {
        return Ok(());
    };
    let mut sizes: std::collections::HashMap<(usize, String), usize> = Default::default();
    let mut expanded = 0usize;
    for i in 0..subjects.len() {
        let names: Vec<String> = match subjects[i].as_object() {
            Some(fields) => fields.keys().cloned().collect(),
            None => continue,
        };
        for name in names {
            let Some(n) = subjects[i][&name].get(SAME_AS).map(|n| n.as_u64()) else {
                continue;
            };
            let n = n.map(|n| n as usize).filter(|&n| n < i).ok_or_else(|| {
                format!("malformed recording (subject {i}: `{name}` refers to no earlier subject)")
            })?;
            let fact = subjects[n][&name].clone();
            // Memory stays bounded: references cannot multiply one large fact without limit.
            expanded += *sizes
                .entry((n, name.clone()))
                .or_insert_with(|| fact.to_string().len());
            if expanded > MAX_EXPANDED {
                return Err(format!(
                    "malformed recording (its shared facts expand beyond {} MiB)",
                    MAX_EXPANDED >> 20
                ));
            }
            subjects[i][&name] = fact;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        let snap = Snapshot::new(crate::testing::diagnosis(), 11, "0.1.0");
        let back = Snapshot::from_json(&snap.to_json()).unwrap();
        assert_eq!(snap, back);
    }

    fn fleet(n: usize) -> Snapshot {
        let mut d = crate::testing::diagnosis();
        let first = d.subjects[0].clone();
        for i in 1..n {
            let mut s = first.clone();
            s.task_ref = format!("task-{i}");
            d.subjects.push(s);
        }
        Snapshot::new(d, 11, "0.1.0")
    }

    #[test]
    fn shared_facts_are_stored_once() {
        let snap = fleet(50);
        let text = snap.to_json();
        let single = Snapshot::new(crate::testing::diagnosis(), 11, "0.1.0").to_json();
        assert!(text.contains("\"snapshot_version\": 2"), "{}", &text[..200]);
        assert!(single.contains("\"snapshot_version\": 1"));
        // Every later subject keeps only its own task; the rest refers to subject 0.
        let written: serde_json::Value = serde_json::from_str(&text).unwrap();
        for subject in written["diagnosis"]["subjects"]
            .as_array()
            .unwrap()
            .iter()
            .skip(1)
        {
            for (name, fact) in subject.as_object().unwrap() {
                if !OWN_FIELDS.contains(&name.as_str()) {
                    assert_eq!(fact, &serde_json::json!({ "same_as_subject": 0 }), "{name}");
                }
            }
        }
        let unshared = serde_json::to_string_pretty(&snap).unwrap();
        assert!(
            text.len() * 3 < unshared.len(),
            "{} vs {}",
            text.len(),
            unshared.len()
        );
        assert_eq!(Snapshot::from_json(&text).unwrap(), snap);
    }

    #[test]
    fn rejects_references_forward_and_oversized() {
        let text = fleet(3).to_json();
        let forward = text.replacen("\"same_as_subject\": 0", "\"same_as_subject\": 2", 1);
        assert!(
            Snapshot::from_json(&forward)
                .unwrap_err()
                .contains("refers to no earlier subject")
        );
        // A large fact referred to by many subjects is refused, not expanded without bound.
        let mut value: serde_json::Value = serde_json::from_str(&text).unwrap();
        let subjects = value["diagnosis"]["subjects"].as_array_mut().unwrap();
        subjects[0]["network"] =
            serde_json::json!({ "status": "absent", "reason": "x".repeat(1 << 20) });
        let reference = serde_json::json!({ "task_ref": "t", "network": { "same_as_subject": 0 } });
        subjects.extend(std::iter::repeat_n(reference, 300));
        let err = Snapshot::from_json(&value.to_string()).unwrap_err();
        assert!(err.contains("expand beyond 256 MiB"), "{err}");
    }

    #[test]
    fn rejects_other_files() {
        assert!(
            Snapshot::from_json("{")
                .unwrap_err()
                .contains("not valid JSON")
        );
        assert!(
            Snapshot::from_json("{}")
                .unwrap_err()
                .contains("not an ecs-exec-doctor recording")
        );
        assert!(
            Snapshot::from_json(r#"{"snapshot_version": 99}"#)
                .unwrap_err()
                .contains("not supported")
        );
    }
}
