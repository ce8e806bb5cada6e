//! What `check --probe` verified: one real ECS Exec session per probed task, stage by stage
//! (the API call, the WebSocket, the data channel, the agent's handshake, KMS encryption,
//! the command, the clean-up). Recorded with the facts and replayed as recorded; never holds
//! the session's token or stream URL.

use serde::{Deserialize, Serialize};

use crate::outcome::Status;

/// The stages of a session, in the order they happen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// `ecs:ExecuteCommand`: the real authorization decision and the agent's control channel.
    Api,
    /// The WebSocket to the session's stream URL (DNS, proxy, TLS from this machine).
    Connect,
    /// The open-data-channel message with the session token, and the agent's first answer.
    Open,
    /// The agent's handshake (with a KMS key: the requested encryption and the session type).
    Handshake,
    /// KMS encryption: `kms:GenerateDataKey` with this machine's credentials, the agent's
    /// `kms:Decrypt` with the task role, and the encryption challenge.
    Encryption,
    /// The command ran in the container and the session ended (`channel_closed`).
    Command,
    /// `ssm:TerminateSession`.
    Close,
}

impl Stage {
    /// The data channel's stages, between the API call and the clean-up.
    pub const CHANNEL: [Stage; 5] = [
        Stage::Connect,
        Stage::Open,
        Stage::Handshake,
        Stage::Encryption,
        Stage::Command,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Stage::Api => "ExecuteCommand API",
            Stage::Connect => "WebSocket to ssmmessages",
            Stage::Open => "data channel opened",
            Stage::Handshake => "agent handshake",
            Stage::Encryption => "KMS encryption",
            Stage::Command => "command in the container",
            Stage::Close => "session closed",
        }
    }

    /// What the read-only APIs cannot show about this stage, and how to look at it.
    pub fn blind_spots(self) -> &'static str {
        match self {
            Stage::Api => {
                "the API's decision includes SCPs, permission boundaries and conditions (MFA, source IP, tags) the IAM simulator may not see: `aws sts get-caller-identity` shows who asked, and CloudTrail's ExecuteCommand event shows the denying policy type"
            }
            Stage::Connect => {
                "this machine's own path to ssmmessages: DNS, an HTTPS proxy (HTTPS_PROXY), TLS inspection or a firewall in front of it; `curl -v https://ssmmessages.REGION.amazonaws.com` shows which"
            }
            Stage::Open | Stage::Handshake | Stage::Command => {
                "the agent's side inside the task: a DNS server that does not forward to the VPC resolver, firewall domain rules or a proxy in the task's network, TLS inspection, an agent that crashed; the agent's log (/var/log/amazon/ssm/amazon-ssm-agent.log in the container, or the ECS agent's on EC2) says which"
            }
            Stage::Encryption => {
                "the key policy's conditions and grants as KMS evaluates them for this machine (GenerateDataKey) and for the task role (Decrypt); CloudTrail's kms events show the refusal"
            }
            Stage::Close => {
                "whether the session is still open: `aws ssm describe-sessions --state Active` lists it"
            }
        }
    }
}

/// One stage's verified outcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProbeStage {
    pub stage: Stage,
    /// `pass`, `error`, `unknown` (not reached: an earlier stage failed or time ran out) or
    /// `not_applicable` (no KMS key: no encryption stage).
    pub status: Status,
    /// Wall time of the stage.
    pub millis: u64,
    pub detail: String,
    /// The error code AWS answered (`TargetNotConnectedException`) or the agent's own error
    /// text, verbatim.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl ProbeStage {
    /// What the read-only APIs cannot show about this failure: by stage, except that an API
    /// refusal for want of the agent's control channel (`TargetNotConnectedException`,
    /// `InvalidParameterException`) is about the task's side, not the caller's.
    pub fn blind_spots(&self) -> &'static str {
        match (self.stage, self.error.as_deref()) {
            (Stage::Api, Some("TargetNotConnectedException")) => Stage::Command.blind_spots(),
            (Stage::Api, Some("InvalidParameterException")) => {
                "whether the exec agent is starting or has crashed inside the container: managedAgents in describe-tasks shows its last status and reason, and the agent's log (/var/log/amazon/ssm/ in the container) says why"
            }
            (stage, _) => stage.blind_spots(),
        }
    }
}

/// Every data-channel stage from `from` on that `stages` lacks, marked not reached.
pub fn mark_unreached(stages: &mut Vec<ProbeStage>, from: Stage) {
    for stage in Stage::CHANNEL {
        if stage >= from && !stages.iter().any(|s| s.stage == stage) {
            stages.push(ProbeStage {
                stage,
                status: Status::Unknown,
                millis: 0,
                detail: "not reached".into(),
                error: None,
            });
        }
    }
}

/// One probed task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Probe {
    /// The task id.
    pub task: String,
    pub container: String,
    pub command: String,
    /// When the session was requested (RFC 3339, UTC).
    pub started_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_id: Option<String>,
    /// Whether no session is left open: TerminateSession answered, or none was opened.
    pub closed: bool,
    /// When closing failed: the command that closes the session.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub close_command: Option<String>,
    pub stages: Vec<ProbeStage>,
    /// What the command printed (at most [`MAX_OUTPUT`] bytes, escaped when shown).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<String>,
}

/// The most of the command's output a probe keeps.
pub const MAX_OUTPUT: usize = 4096;

impl Probe {
    /// Every stage up to the command passed: exec verifiably works on this task.
    pub fn verified(&self) -> bool {
        self.stages
            .iter()
            .filter(|s| s.stage != Stage::Close)
            .all(|s| matches!(s.status, Status::Pass | Status::NotApplicable))
            && self
                .stages
                .iter()
                .any(|s| s.stage == Stage::Command && s.status == Status::Pass)
    }

    /// The first stage that did not pass (the close excepted).
    pub fn failed_stage(&self) -> Option<&ProbeStage> {
        self.stages.iter().find(|s| {
            s.stage != Stage::Close && !matches!(s.status, Status::Pass | Status::NotApplicable)
        })
    }

    /// The failure as a user would paste it, for the catalog to rank its causes.
    pub fn failure_text(&self) -> Option<String> {
        let stage = self.failed_stage()?;
        Some(match &stage.error {
            Some(error) if !stage.detail.contains(error.as_str()) => {
                format!("{error}: {}", stage.detail)
            }
            _ => stage.detail.clone(),
        })
    }

    /// `verified at 12:04: `true` ran in container `app` of task 9fdd…, session closed`.
    pub fn headline(&self) -> String {
        let closed = if self.closed {
            "session closed"
        } else {
            "the session could NOT be closed"
        };
        if self.verified() {
            return format!(
                "verified at {}: `{}` ran in container `{}` of task {}, {closed}",
                self.time(),
                self.command,
                self.container,
                self.task
            );
        }
        match self.failed_stage() {
            Some(s) => format!(
                "failed at {} ({}), probed at {} on container `{}` of task {}, {closed}",
                s.stage.title(),
                s.error.as_deref().unwrap_or("see below"),
                self.time(),
                self.container,
                self.task
            ),
            None => format!("not verified (task {}), {closed}", self.task),
        }
    }

    fn time(&self) -> &str {
        // 2026-12-07T12:04:05Z → 12:04:05
        self.started_at
            .get(11..19)
            .unwrap_or(self.started_at.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stage(stage: Stage, status: Status) -> ProbeStage {
        ProbeStage {
            stage,
            status,
            millis: 1,
            detail: format!("{stage:?}"),
            error: None,
        }
    }

    fn probe(stages: Vec<ProbeStage>) -> Probe {
        Probe {
            task: "9fdd".into(),
            container: "app".into(),
            command: "true".into(),
            started_at: "2026-12-07T12:04:05Z".into(),
            session_id: Some("ecs-execute-command-abc".into()),
            closed: true,
            close_command: None,
            stages,
            output: None,
        }
    }

    #[test]
    fn verified_only_when_the_command_ran() {
        let ok = probe(vec![
            stage(Stage::Api, Status::Pass),
            stage(Stage::Connect, Status::Pass),
            stage(Stage::Open, Status::Pass),
            stage(Stage::Encryption, Status::NotApplicable),
            stage(Stage::Command, Status::Pass),
            stage(Stage::Close, Status::Error),
        ]);
        assert!(ok.verified());
        assert!(
            ok.headline()
                .starts_with("verified at 12:04:05: `true` ran in container `app`")
        );
        let mut failed = probe(vec![
            stage(Stage::Api, Status::Error),
            stage(Stage::Connect, Status::Unknown),
            stage(Stage::Close, Status::NotApplicable),
        ]);
        failed.stages[0].error = Some("TargetNotConnectedException".into());
        failed.stages[0].detail = "the agent has no control channel".into();
        assert!(!failed.verified());
        assert_eq!(failed.failed_stage().unwrap().stage, Stage::Api);
        assert_eq!(
            failed.failure_text().unwrap(),
            "TargetNotConnectedException: the agent has no control channel"
        );
        assert!(
            failed
                .headline()
                .contains("failed at ExecuteCommand API (TargetNotConnectedException)")
        );
        assert!(!probe(vec![stage(Stage::Api, Status::Pass)]).verified());
    }

    #[test]
    fn an_api_refusal_for_want_of_the_agent_points_at_the_task_not_the_caller() {
        let mut s = stage(Stage::Api, Status::Error);
        s.error = Some("AccessDeniedException".into());
        assert!(s.blind_spots().contains("SCPs"));
        s.error = Some("TargetNotConnectedException".into());
        assert!(
            s.blind_spots().contains("agent's log"),
            "{}",
            s.blind_spots()
        );
        s.error = Some("InvalidParameterException".into());
        assert!(s.blind_spots().contains("managedAgents"));
        assert!(
            stage(Stage::Connect, Status::Error)
                .blind_spots()
                .contains("HTTPS_PROXY")
        );
    }
}
