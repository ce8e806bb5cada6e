//! The recording format of `check --record` / `--replay`: every fetched fact and every fetch
//! error of one run, versioned. Replaying a snapshot evaluates exactly the facts the live run
//! evaluated, so it gives the identical report with no AWS access. Environment variable and
//! secret values are never part of it (the fact model has no field for them).

use serde::{Deserialize, Serialize};

use crate::facts::Diagnosis;

mod shared;
pub use shared::MAX_EXPANDED;

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
    /// `check --probe`'s sessions, as they went (replayed as recorded, never probed again).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub probes: Vec<crate::report::probe::Probe>,
}

impl Snapshot {
    pub fn new(diagnosis: Diagnosis, aws_calls: u32, recorded_by: &str) -> Self {
        Self {
            snapshot_version: SNAPSHOT_VERSION,
            recorded_by: recorded_by.to_string(),
            aws_calls,
            redacted: false,
            diagnosis,
            probes: Vec::new(),
        }
    }

    /// Parses a snapshot, with a one-line error naming the problem. The text is parsed
    /// straight into the fact model (no intermediate JSON tree of the whole file), and a
    /// version-2 recording's shared facts are shared in memory too (see `shared.rs`).
    pub fn from_json(text: &str) -> Result<Self, String> {
        /// Only the version, read without keeping anything else.
        #[derive(Deserialize)]
        struct Header {
            snapshot_version: Option<serde_json::Value>,
        }
        let header: Header = serde_json::from_str(text).map_err(|e| match e.classify() {
            serde_json::error::Category::Data => {
                "not an ecs-exec-doctor recording (not a JSON object)".to_string()
            }
            _ => format!("not valid JSON ({e})"),
        })?;
        let version = header
            .snapshot_version
            .as_ref()
            .and_then(|v| v.as_u64())
            .ok_or_else(|| {
                "not an ecs-exec-doctor recording (no `snapshot_version`)".to_string()
            })?;
        if version == u64::from(SHARED_FACTS_VERSION) {
            return shared::read(text);
        }
        if version != u64::from(SNAPSHOT_VERSION) {
            return Err(format!(
                "recording format {version} is not supported by this version (reads {SNAPSHOT_VERSION} and {SHARED_FACTS_VERSION})"
            ));
        }
        serde_json::from_str(text).map_err(|e| format!("malformed recording ({e})"))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::Fact;

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
    fn rejects_references_forward_and_malformed() {
        let text = fleet(3).to_json();
        let forward = text.replacen("\"same_as_subject\": 0", "\"same_as_subject\": 2", 1);
        assert!(
            Snapshot::from_json(&forward)
                .unwrap_err()
                .contains("refers to no earlier subject")
        );
        let bad = text.replacen("\"same_as_subject\": 0", "\"same_as_subject\": -1", 1);
        let err = Snapshot::from_json(&bad).unwrap_err();
        assert!(
            err.contains("`same_as_subject` is -1, not a subject index"),
            "{err}"
        );
    }

    /// A recording of `n` subjects whose `network` is one large value in subject 0, each
    /// later subject referring to the one before it (a chain: every link stands for the whole
    /// value) or to subject 0.
    fn amplifying(n: usize, value_len: usize, chain: bool) -> String {
        let mut value: serde_json::Value = serde_json::from_str(&fleet(1).to_json()).unwrap();
        value["snapshot_version"] = SHARED_FACTS_VERSION.into();
        let subjects = value["diagnosis"]["subjects"].as_array_mut().unwrap();
        // Many tiny strings: the shape that costs the most memory per byte of JSON.
        let names = vec![""; value_len / 3];
        subjects[0]["task_definition"]["value"]["containers"][0]["environment_names"] =
            serde_json::json!(names);
        for i in 1..n {
            let to = if chain { i - 1 } else { 0 };
            subjects.push(serde_json::json!({
                "task_ref": format!("t{i}"),
                "task_definition": { "same_as_subject": to },
            }));
        }
        value.to_string()
    }

    /// References stand for what they name, transitively: a chain of references to a 1 MiB
    /// fact counts 1 MiB per link, and past [`MAX_EXPANDED`] the recording is refused with one
    /// line, not expanded.
    #[test]
    fn amplifying_recordings_are_refused() {
        for chain in [true, false] {
            let text = amplifying(80, 1 << 20, chain);
            assert!(text.len() < (1 << 20) + 20_000, "{}", text.len());
            let err = Snapshot::from_json(&text).unwrap_err();
            assert!(
                err.contains("expand to over 64 MiB, the most --replay reads"),
                "{err}"
            );
            assert!(!err.contains('\n'));
        }
        // Just under the budget, the same shape is read, and the fact is held once.
        let text = amplifying(60, 1 << 20, true);
        let snapshot = Snapshot::from_json(&text).unwrap();
        let subjects = &snapshot.diagnosis.subjects;
        assert_eq!(subjects.len(), 60);
        let (Fact::Ok { value: first }, Fact::Ok { value: last }) =
            (&subjects[0].task_definition, &subjects[59].task_definition)
        else {
            panic!("the task definition is read");
        };
        assert!(std::sync::Arc::ptr_eq(first, last), "shared, not copied");
        assert_eq!(first.containers[0].environment_names.len(), (1 << 20) / 3);
    }

    /// A large fleet as the doctor records it is far under the budget.
    #[test]
    fn a_large_fleet_is_read_with_its_facts_shared() {
        let snap = fleet(2000);
        let text = snap.to_json();
        let back = Snapshot::from_json(&text).unwrap();
        assert_eq!(back, snap);
        let expanded = serde_json::to_string(&back).unwrap().len();
        assert!(expanded * 4 < MAX_EXPANDED, "{expanded}");
        let subjects = &back.diagnosis.subjects;
        for s in &subjects[1..] {
            let (Fact::Ok { value: a }, Fact::Ok { value: b }) = (&subjects[0].network, &s.network)
            else {
                panic!("the network is read");
            };
            assert!(std::sync::Arc::ptr_eq(a, b));
        }
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
