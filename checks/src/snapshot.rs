//! The recording format of `check --record` / `--replay`: every fetched fact and every fetch
//! error of one run, versioned. Replaying a snapshot evaluates exactly the facts the live run
//! evaluated, so it gives the identical report with no AWS access. Environment variable and
//! secret values are never part of it (the fact model has no field for them).

use serde::{Deserialize, Serialize};

use crate::facts::Diagnosis;

/// Bumped when a snapshot written by an older doctor can no longer be read.
pub const SNAPSHOT_VERSION: u32 = 1;

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
        if version != u64::from(SNAPSHOT_VERSION) {
            return Err(format!(
                "recording format {version} is not supported by this version (reads {SNAPSHOT_VERSION})"
            ));
        }
        serde_json::from_value(value).map_err(|e| format!("malformed recording ({e})"))
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("snapshots serialise") + "\n"
    }
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
