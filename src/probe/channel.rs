//! Stage 2 of a probe: the session's data channel, spoken as the session-manager-plugin
//! speaks it (docs/probe-protocol.md): the WebSocket to the stream URL, the open message with
//! the token, the agent's handshake (with KMS encryption when the cluster has a key), the
//! command's output, acknowledgements, until the service says `channel_closed`.

use std::collections::BTreeMap;
use std::time::Instant;

use ecs_exec_doctor_checks::Status;
use ecs_exec_doctor_checks::report::probe::{MAX_OUTPUT, ProbeStage, Stage, mark_unreached};
use futures::{SinkExt, StreamExt};
use tokio::time::Duration;
use tokio_tungstenite::tungstenite::Message as Frame;

use super::crypto::{DATA_KEY_BYTES, SessionKeys};
use super::wire::{self, Message, payload};

/// The only environment variable the tests use to reach the emulated agent: it replaces the
/// scheme and authority of the stream URL (`ws://127.0.0.1:PORT`), keeping path and query.
pub const TEST_STREAM_ENDPOINT: &str = "ECS_EXEC_DOCTOR_TEST_STREAM_ENDPOINT";

/// The banner the agent puts before an error in `channel_closed`'s output.
const ERROR_BANNER: &str = "----------ERROR-------";
/// The most agent messages kept while an earlier one is missing.
const MAX_EARLY: usize = 256;
/// How often unacknowledged input is sent again.
const RESEND_AFTER: Duration = Duration::from_millis(1000);

/// What stage 2 needs to know of the session (the token and URL never leave this module's
/// caller and are never printed).
pub struct Session<'a> {
    pub session_id: &'a str,
    pub stream_url: &'a str,
    pub token: &'a str,
    /// `ecs:<cluster>_<task id>_<runtime id>`: the encryption context's target.
    pub target_id: String,
    pub kms: Option<&'a aws_sdk_kms::Client>,
}

/// The stream URL to connect to: the real one (which must be `wss://`), or, under the tests'
/// [`TEST_STREAM_ENDPOINT`], its scheme and authority with the real path and query.
pub fn connect_url(stream_url: &str) -> Result<String, String> {
    let endpoint = std::env::var(TEST_STREAM_ENDPOINT).ok();
    connect_url_with(stream_url, endpoint.as_deref().filter(|e| !e.is_empty()))
}

fn connect_url_with(stream_url: &str, endpoint: Option<&str>) -> Result<String, String> {
    let rest = stream_url
        .strip_prefix("wss://")
        .ok_or_else(|| "the stream URL ExecuteCommand returned is not wss://".to_string())?;
    Ok(match endpoint {
        // Path and query byte for byte: the query holds raw `+`, `/` and `=`.
        Some(endpoint) => {
            let path = rest.find('/').map_or("/", |i| &rest[i..]);
            format!("{}{path}", endpoint.trim_end_matches('/'))
        }
        None => stream_url.to_string(),
    })
}

/// The stages from Connect to Command, each timed, the first failure ending the walk; and
/// what the command printed.
pub struct Outcome {
    pub stages: Vec<ProbeStage>,
    pub output: Option<String>,
}

struct Recorder {
    stages: Vec<ProbeStage>,
    started: Instant,
}

impl Recorder {
    fn done(
        &mut self,
        stage: Stage,
        status: Status,
        detail: impl Into<String>,
        error: Option<String>,
    ) {
        let now = Instant::now();
        self.stages.push(ProbeStage {
            stage,
            status,
            millis: now.duration_since(self.started).as_millis() as u64,
            detail: detail.into(),
            error,
        });
        self.started = now;
    }

    fn has(&self, stage: Stage) -> bool {
        self.stages.iter().any(|s| s.stage == stage)
    }

    /// Closes every stage not reached: the ones after a failure are `unknown`.
    fn finish(mut self, output: Option<String>) -> Outcome {
        mark_unreached(&mut self.stages, Stage::Connect);
        self.stages.sort_by_key(|s| s.stage);
        Outcome {
            stages: self.stages,
            output,
        }
    }
}

fn random_id() -> [u8; 16] {
    let mut bytes = [0u8; 16];
    let _ = aws_lc_rs::rand::fill(&mut bytes);
    wire::uuid_v4(bytes)
}

fn now_millis() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(1)
}

/// Runs the data channel until the session ends, fails, or `deadline` passes.
pub async fn run(session: &Session<'_>, deadline: tokio::time::Instant) -> Outcome {
    let mut rec = Recorder {
        stages: Vec::new(),
        started: Instant::now(),
    };
    let url = match connect_url(session.stream_url) {
        Ok(u) => u,
        Err(e) => {
            rec.done(Stage::Connect, Status::Error, e, None);
            return rec.finish(None);
        }
    };
    let connected =
        tokio::time::timeout_at(deadline, tokio_tungstenite::connect_async(url.as_str())).await;
    let mut ws = match connected {
        Err(_) => {
            rec.done(Stage::Connect, Status::Error, "no WebSocket to ssmmessages before the timeout: this machine's network, proxy or firewall holds it", Some("timeout".into()));
            return rec.finish(None);
        }
        Ok(Err(e)) => {
            rec.done(
                Stage::Connect,
                Status::Error,
                format!(
                    "cannot open the WebSocket to ssmmessages: {}",
                    connect_error(&e)
                ),
                Some(connect_error(&e)),
            );
            return rec.finish(None);
        }
        Ok(Ok((ws, _))) => ws,
    };
    rec.done(
        Stage::Connect,
        Status::Pass,
        if url.starts_with("wss://") {
            "WebSocket to ssmmessages open (TLS)"
        } else {
            "WebSocket open (the tests' emulated agent, without TLS)"
        },
        None,
    );

    let open = serde_json::json!({
        "MessageSchemaVersion": "1.0",
        "RequestId": wire::uuid_string(&random_id()),
        "TokenValue": session.token,
        "ClientId": wire::uuid_string(&random_id()),
        "ClientVersion": env!("CARGO_PKG_VERSION"),
    });
    if let Err(e) = ws.send(Frame::text(open.to_string())).await {
        rec.done(
            Stage::Open,
            Status::Error,
            format!("cannot send the open-data-channel message: {e}"),
            None,
        );
        return rec.finish(None);
    }

    let mut state = Channel::default();
    let mut resend = tokio::time::interval(RESEND_AFTER);
    resend.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let next = tokio::select! {
            frame = tokio::time::timeout_at(deadline, ws.next()) => frame,
            _ = resend.tick() => {
                for m in state.pending.values() {
                    let _ = ws.send(Frame::binary(m.encode())).await;
                }
                continue;
            }
        };
        let frame = match next {
            Err(_) => {
                let (stage, what) = state.waiting_for(&rec);
                rec.done(
                    stage,
                    Status::Error,
                    format!("the agent did not answer before the timeout ({what})"),
                    Some("timeout".into()),
                );
                break;
            }
            Ok(None) => {
                let (stage, what) = state.waiting_for(&rec);
                rec.done(
                    stage,
                    Status::Error,
                    format!(
                        "the connection ended without a close frame or channel_closed ({what})"
                    ),
                    Some("connection dropped".into()),
                );
                break;
            }
            Ok(Some(Err(e))) => {
                let (stage, what) = state.waiting_for(&rec);
                rec.done(
                    stage,
                    Status::Error,
                    format!("the connection failed: {e} ({what})"),
                    Some("connection dropped".into()),
                );
                break;
            }
            Ok(Some(Ok(frame))) => frame,
        };
        match frame {
            Frame::Binary(bytes) => {
                let message = match Message::decode(&bytes) {
                    Ok(m) => m,
                    // A frame the protocol does not allow: skip it (the agent resends).
                    Err(_) => continue,
                };
                match state.receive(message, session, &mut rec).await {
                    Step::Continue(replies) => {
                        for reply in replies {
                            if ws.send(Frame::binary(reply.encode())).await.is_err() {
                                break;
                            }
                        }
                    }
                    Step::Ended(replies) => {
                        for reply in replies {
                            let _ = ws.send(Frame::binary(reply.encode())).await;
                        }
                        break;
                    }
                }
            }
            Frame::Close(frame) => {
                let said = frame
                    .map(|f| format!("close code {}: {}", u16::from(f.code), f.reason))
                    .unwrap_or_else(|| "a close frame without a reason".into());
                if !rec.has(Stage::Open) {
                    rec.done(
                        Stage::Open,
                        Status::Error,
                        format!("the service refused the data channel ({said})"),
                        Some(said),
                    );
                } else {
                    let (stage, what) = state.waiting_for(&rec);
                    rec.done(stage, Status::Error, format!("the service closed the channel before the session ended ({said}; {what})"), Some(said));
                }
                break;
            }
            _ => {}
        }
    }
    // The agent's first message was not a handshake request: no handshake was coming.
    if rec
        .stages
        .iter()
        .any(|s| s.stage == Stage::Open && s.status == Status::Pass)
    {
        state.close_handshake_stages(&mut rec);
    }
    let _ = ws.close(None).await;
    let output =
        (!state.output.is_empty()).then(|| String::from_utf8_lossy(&state.output).into_owned());
    rec.finish(output)
}

fn connect_error(e: &tokio_tungstenite::tungstenite::Error) -> String {
    use tokio_tungstenite::tungstenite::Error;
    match e {
        Error::Http(response) => format!("HTTP {}", response.status()),
        other => other.to_string(),
    }
}

enum Step {
    Continue(Vec<Message>),
    Ended(Vec<Message>),
}

#[derive(Default)]
struct Channel {
    /// The agent's next stream sequence number.
    expected: i64,
    /// Agent messages that came ahead of their turn.
    early: BTreeMap<i64, Message>,
    /// The client's next stream sequence number.
    next_input: i64,
    /// Client messages not acknowledged yet, by sequence number.
    pending: BTreeMap<i64, Message>,
    keys: Option<SessionKeys>,
    handshake_requested: bool,
    output: Vec<u8>,
}

impl Channel {
    /// The stage the session is in and what it waits for.
    fn waiting_for(&self, rec: &Recorder) -> (Stage, &'static str) {
        if !rec.has(Stage::Open) {
            (Stage::Open, "waiting for the agent's first message")
        } else if self.handshake_requested && !rec.has(Stage::Handshake) {
            (Stage::Handshake, "during the agent's handshake")
        } else {
            (Stage::Command, "waiting for the command to end")
        }
    }

    fn input(&mut self, payload_type: u32, payload: Vec<u8>) -> Message {
        let m = Message::new(
            wire::INPUT_STREAM,
            self.next_input,
            0,
            payload_type,
            payload,
            random_id(),
            now_millis(),
        );
        self.pending.insert(self.next_input, m.clone());
        self.next_input += 1;
        m
    }

    async fn receive(&mut self, m: Message, session: &Session<'_>, rec: &mut Recorder) -> Step {
        match m.message_type.as_str() {
            wire::ACKNOWLEDGE => {
                if let Ok(ack) = serde_json::from_slice::<serde_json::Value>(&m.payload)
                    && let Some(seq) = ack["AcknowledgedMessageSequenceNumber"].as_i64()
                {
                    self.pending.remove(&seq);
                }
                Step::Continue(vec![])
            }
            wire::CHANNEL_CLOSED => {
                self.first_message(rec);
                let text = serde_json::from_slice::<serde_json::Value>(&m.payload)
                    .ok()
                    .and_then(|v| v["Output"].as_str().map(str::to_string))
                    .unwrap_or_default();
                match text.find(ERROR_BANNER) {
                    Some(i) => {
                        let error = text[i + ERROR_BANNER.len()..].trim().to_string();
                        let stage = if error.contains("handshake")
                            || error.contains("encryption challenge")
                            || error.contains("KMS")
                            || error.contains("data key")
                        {
                            if self.keys.is_some() || self.handshake_requested {
                                Stage::Encryption
                            } else {
                                Stage::Handshake
                            }
                        } else {
                            Stage::Command
                        };
                        if stage == Stage::Command {
                            self.close_handshake_stages(rec);
                        }
                        if stage == Stage::Encryption && !rec.has(Stage::Handshake) {
                            rec.done(
                                Stage::Handshake,
                                Status::Pass,
                                "the agent asked for KMS encryption",
                                None,
                            );
                        }
                        rec.done(
                            stage,
                            Status::Error,
                            format!("the agent ended the session: {error}"),
                            Some(error),
                        );
                    }
                    None => {
                        self.close_handshake_stages(rec);
                        rec.done(
                            Stage::Command,
                            Status::Pass,
                            "the command ran and the session ended (channel_closed)",
                            None,
                        );
                    }
                }
                Step::Ended(vec![])
            }
            wire::OUTPUT_STREAM => {
                let ack = m.acknowledgement(random_id(), now_millis());
                let mut replies = vec![ack];
                if m.sequence_number < self.expected {
                    return Step::Continue(replies);
                }
                if m.sequence_number > self.expected {
                    // Bounded: past that, a message is dropped unacknowledged, so the agent
                    // sends it again.
                    if self.early.len() >= MAX_EARLY {
                        return Step::Continue(vec![]);
                    }
                    self.early.insert(m.sequence_number, m);
                    return Step::Continue(replies);
                }
                let mut current = Some(m);
                while let Some(m) = current {
                    self.expected += 1;
                    match self.process(m, session, rec).await {
                        Ok(more) => replies.extend(more),
                        Err(()) => return Step::Ended(replies),
                    }
                    current = self.early.remove(&self.expected);
                }
                Step::Continue(replies)
            }
            _ => Step::Continue(vec![]),
        }
    }

    fn first_message(&mut self, rec: &mut Recorder) {
        if !rec.has(Stage::Open) {
            rec.done(
                Stage::Open,
                Status::Pass,
                "the agent answered on the data channel",
                None,
            );
        }
    }

    /// Without a KMS key the agent skips the handshake: both stages do not apply.
    fn close_handshake_stages(&mut self, rec: &mut Recorder) {
        if !self.handshake_requested {
            if !rec.has(Stage::Handshake) {
                rec.done(
                    Stage::Handshake,
                    Status::NotApplicable,
                    "no handshake: the cluster has no exec KMS key",
                    None,
                );
            }
            if !rec.has(Stage::Encryption) {
                rec.done(
                    Stage::Encryption,
                    Status::NotApplicable,
                    "the session is not encrypted with a KMS key",
                    None,
                );
            }
        }
    }

    /// One agent stream message in order; `Err` when the session cannot go on.
    async fn process(
        &mut self,
        m: Message,
        session: &Session<'_>,
        rec: &mut Recorder,
    ) -> Result<Vec<Message>, ()> {
        self.first_message(rec);
        match m.payload_type {
            payload::HANDSHAKE_REQUEST => {
                self.handshake_requested = true;
                let request: serde_json::Value =
                    serde_json::from_slice(&m.payload).unwrap_or_default();
                Ok(vec![self.handshake_response(&request, session, rec).await])
            }
            payload::ENC_CHALLENGE_REQUEST => {
                let challenge: serde_json::Value =
                    serde_json::from_slice(&m.payload).unwrap_or_default();
                let sealed = challenge["Challenge"]
                    .as_str()
                    .and_then(|c| aws_smithy_types::base64::decode(c).ok());
                let answer = match (&self.keys, sealed) {
                    (Some(keys), Some(sealed)) => {
                        keys.open(&sealed).and_then(|plain| keys.seal(&plain))
                    }
                    _ => None,
                };
                let Some(answer) = answer else {
                    rec.done(Stage::Encryption, Status::Error, "the agent's encryption challenge could not be decrypted with the session's data key", Some("encryption challenge".into()));
                    return Err(());
                };
                let body =
                    serde_json::json!({ "Challenge": aws_smithy_types::base64::encode(answer) });
                Ok(vec![self.input(
                    payload::ENC_CHALLENGE_RESPONSE,
                    body.to_string().into_bytes(),
                )])
            }
            payload::HANDSHAKE_COMPLETE => {
                let complete: serde_json::Value =
                    serde_json::from_slice(&m.payload).unwrap_or_default();
                let message = complete["CustomerMessage"]
                    .as_str()
                    .unwrap_or("")
                    .to_string();
                let took = complete["HandshakeTimeToComplete"]
                    .as_u64()
                    .map(|ns| format!(" in {} ms", ns / 1_000_000))
                    .unwrap_or_default();
                rec.done(
                    Stage::Handshake,
                    Status::Pass,
                    format!("handshake complete{took}"),
                    None,
                );
                if self.keys.is_some() {
                    rec.done(
                        Stage::Encryption,
                        Status::Pass,
                        if message.is_empty() {
                            "the session is encrypted with the cluster's KMS key".to_string()
                        } else {
                            message
                        },
                        None,
                    );
                }
                Ok(vec![])
            }
            payload::OUTPUT | payload::STDERR => {
                let plain = match &self.keys {
                    Some(keys) => keys.open(&m.payload),
                    None => Some(m.payload.clone()),
                };
                let Some(plain) = plain else {
                    rec.done(
                        Stage::Encryption,
                        Status::Error,
                        "the agent's output could not be decrypted with the session's data key",
                        Some("decryption".into()),
                    );
                    return Err(());
                };
                let room = MAX_OUTPUT.saturating_sub(self.output.len());
                self.output
                    .extend_from_slice(&plain[..plain.len().min(room)]);
                Ok(vec![])
            }
            _ => Ok(vec![]),
        }
    }

    /// The answer to the agent's HandshakeRequest: the session type accepted, and for
    /// KMSEncryption a data key generated with this machine's credentials.
    async fn handshake_response(
        &mut self,
        request: &serde_json::Value,
        session: &Session<'_>,
        rec: &mut Recorder,
    ) -> Message {
        let mut processed = Vec::new();
        let mut errors = Vec::new();
        for action in request["RequestedClientActions"]
            .as_array()
            .into_iter()
            .flatten()
        {
            let kind = action["ActionType"].as_str().unwrap_or("");
            match kind {
                "SessionType" => processed.push(serde_json::json!({"ActionType": "SessionType", "ActionStatus": 1, "ActionResult": null, "Error": ""})),
                "KMSEncryption" => {
                    let key = action["ActionParameters"]["KMSKeyId"].as_str().unwrap_or("");
                    let challenge = action["ActionParameters"]["Challenge"].as_str().filter(|c| !c.is_empty());
                    match self.data_key(key, challenge, session).await {
                        Ok(blob) => {
                            let mut result = serde_json::json!({"KMSCipherTextKey": blob, "KMSCipherTextHash": null});
                            if challenge.is_some() {
                                result["ChallengeAcknowledgement"] = true.into();
                            }
                            processed.push(serde_json::json!({"ActionType": "KMSEncryption", "ActionStatus": 1, "ActionResult": result, "Error": ""}));
                        }
                        Err(e) => {
                            let text = format!("Failed to process action KMSEncryption: Error calling KMS GenerateDataKey API: {e}");
                            rec.done(Stage::Handshake, Status::Pass, "the agent asked for KMS encryption", None);
                            rec.done(Stage::Encryption, Status::Error, format!("kms:GenerateDataKey on `{key}` with this machine's credentials failed: {e}"), Some(e));
                            processed.push(serde_json::json!({"ActionType": "KMSEncryption", "ActionStatus": 2, "ActionResult": null, "Error": text}));
                            errors.push(text);
                        }
                    }
                }
                other => processed.push(serde_json::json!({"ActionType": other, "ActionStatus": 3, "ActionResult": null, "Error": format!("{other} is not supported by this client")})),
            }
        }
        let body = serde_json::json!({
            "ClientVersion": env!("CARGO_PKG_VERSION"),
            "ProcessedClientActions": processed,
            "Errors": if errors.is_empty() { serde_json::Value::Null } else { errors.into() },
        });
        self.input(payload::HANDSHAKE_RESPONSE, body.to_string().into_bytes())
    }

    async fn data_key(
        &mut self,
        key: &str,
        challenge: Option<&str>,
        session: &Session<'_>,
    ) -> Result<String, String> {
        let kms = session.kms.ok_or_else(|| "no KMS client".to_string())?;
        let mut call = kms
            .generate_data_key()
            .key_id(key)
            .number_of_bytes(DATA_KEY_BYTES)
            .encryption_context("aws:ssm:SessionId", session.session_id)
            .encryption_context("aws:ssm:TargetId", &session.target_id);
        if let Some(c) = challenge {
            call = call.encryption_context("aws:ssm:RandomChallenge", c);
        }
        let answer = call
            .send()
            .await
            .map_err(|e| crate::aws::errors::brief(&e))?;
        let plain = answer.plaintext().map(|b| b.as_ref()).unwrap_or_default();
        self.keys = Some(
            SessionKeys::client(plain)
                .ok_or_else(|| format!("KMS returned a {}-byte data key, not 64", plain.len()))?,
        );
        let blob = answer
            .ciphertext_blob()
            .map(|b| b.as_ref())
            .unwrap_or_default();
        Ok(aws_smithy_types::base64::encode(blob))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_wss_url_is_used_and_the_test_override_keeps_path_and_query() {
        assert!(connect_url_with("https://example.com/x", None).is_err());
        assert!(connect_url_with("ws://example.com/x", Some("ws://127.0.0.1:1")).is_err());
        let real = "wss://ssmmessages.us-east-1.amazonaws.com/v1/data-channel/ecs-execute-command-abc?role=publish_subscribe&cell-number=AAEAAQ+/=";
        assert_eq!(connect_url_with(real, None).unwrap(), real);
        assert_eq!(
            connect_url_with(real, Some("ws://127.0.0.1:4000/")).unwrap(),
            "ws://127.0.0.1:4000/v1/data-channel/ecs-execute-command-abc?role=publish_subscribe&cell-number=AAEAAQ+/="
        );
    }
}
