//! The data channel's binary message (docs/probe-protocol.md §2): a 120-byte big-endian
//! header (type, schema version, time, sequence number, flags, message id, SHA-256 digest,
//! payload type, length) and the payload. Pure: no I/O, no clock, no randomness.

use aws_lc_rs::digest;

/// Where the payload length sits; also the value of the header-length field.
pub const HEADER_LENGTH: u32 = 116;
const TYPE_WIDTH: usize = 32;
/// Bytes before the payload.
const PREFIX: usize = HEADER_LENGTH as usize + 4;

pub const INPUT_STREAM: &str = "input_stream_data";
pub const OUTPUT_STREAM: &str = "output_stream_data";
pub const ACKNOWLEDGE: &str = "acknowledge";
pub const CHANNEL_CLOSED: &str = "channel_closed";

/// The payload types ECS Exec uses.
pub mod payload {
    pub const OUTPUT: u32 = 1;
    pub const HANDSHAKE_REQUEST: u32 = 5;
    pub const HANDSHAKE_RESPONSE: u32 = 6;
    pub const HANDSHAKE_COMPLETE: u32 = 7;
    pub const ENC_CHALLENGE_REQUEST: u32 = 8;
    pub const ENC_CHALLENGE_RESPONSE: u32 = 9;
    pub const STDERR: u32 = 11;
}

/// SYN on the first stream message; an acknowledgement carries SYN|FIN.
#[cfg(test)]
pub const FLAG_SYN: u64 = 1;
pub const FLAGS_ACK: u64 = 3;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub message_type: String,
    pub schema_version: u32,
    pub created_millis: u64,
    pub sequence_number: i64,
    pub flags: u64,
    /// Canonical order (as printed), not the wire's swapped halves.
    pub message_id: [u8; 16],
    pub payload_type: u32,
    pub payload: Vec<u8>,
}

/// Why a frame is not a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodeError {
    TooShort(usize),
    BadHeaderLength(u32),
    BadPayloadLength { declared: u32, present: usize },
    DigestMismatch,
}

impl std::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DecodeError::TooShort(n) => write!(f, "a {n}-byte frame is shorter than a header"),
            DecodeError::BadHeaderLength(n) => write!(f, "header length {n} is impossible"),
            DecodeError::BadPayloadLength { declared, present } => write!(
                f,
                "the payload length says {declared} bytes but {present} follow"
            ),
            DecodeError::DigestMismatch => write!(f, "the payload does not match its digest"),
        }
    }
}

impl Message {
    pub fn new(
        message_type: &str,
        sequence_number: i64,
        flags: u64,
        payload_type: u32,
        payload: Vec<u8>,
        message_id: [u8; 16],
        created_millis: u64,
    ) -> Self {
        Self {
            message_type: message_type.to_string(),
            schema_version: 1,
            created_millis,
            sequence_number,
            flags,
            message_id,
            payload_type,
            payload,
        }
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(PREFIX + self.payload.len());
        out.extend_from_slice(&HEADER_LENGTH.to_be_bytes());
        let mut kind = [b' '; TYPE_WIDTH];
        let name = self.message_type.as_bytes();
        let n = name.len().min(TYPE_WIDTH);
        kind[..n].copy_from_slice(&name[..n]);
        out.extend_from_slice(&kind);
        out.extend_from_slice(&self.schema_version.to_be_bytes());
        out.extend_from_slice(&self.created_millis.to_be_bytes());
        out.extend_from_slice(&self.sequence_number.to_be_bytes());
        out.extend_from_slice(&self.flags.to_be_bytes());
        out.extend_from_slice(&swap_halves(&self.message_id));
        out.extend_from_slice(digest::digest(&digest::SHA256, &self.payload).as_ref());
        out.extend_from_slice(&self.payload_type.to_be_bytes());
        out.extend_from_slice(&(self.payload.len() as u32).to_be_bytes());
        out.extend_from_slice(&self.payload);
        out
    }

    /// Reads a frame. Control messages (`start_publication`, `pause_publication`) may have
    /// incomplete headers: only their type is read.
    pub fn decode(frame: &[u8]) -> Result<Message, DecodeError> {
        if frame.len() < 4 + TYPE_WIDTH {
            return Err(DecodeError::TooShort(frame.len()));
        }
        let message_type = String::from_utf8_lossy(&frame[4..4 + TYPE_WIDTH])
            .trim_matches(|c| c == ' ' || c == '\0')
            .to_string();
        if matches!(
            message_type.as_str(),
            "start_publication" | "pause_publication"
        ) {
            return Ok(Message::new(&message_type, 0, 0, 0, Vec::new(), [0; 16], 0));
        }
        let header_length = u32_at(frame, 0);
        let start = header_length as usize + 4;
        if !(112..=4096).contains(&header_length) {
            return Err(DecodeError::BadHeaderLength(header_length));
        }
        if frame.len() < start {
            return Err(DecodeError::TooShort(frame.len()));
        }
        let declared = u32_at(frame, header_length as usize);
        let present = frame.len() - start;
        if declared as usize != present {
            return Err(DecodeError::BadPayloadLength { declared, present });
        }
        let payload = frame[start..].to_vec();
        let digest_bytes = &frame[80..112];
        if !payload.is_empty() && digest::digest(&digest::SHA256, &payload).as_ref() != digest_bytes
        {
            return Err(DecodeError::DigestMismatch);
        }
        let mut wire_id = [0u8; 16];
        wire_id.copy_from_slice(&frame[64..80]);
        Ok(Message {
            message_type,
            schema_version: u32_at(frame, 36),
            created_millis: u64_at(frame, 40),
            sequence_number: u64_at(frame, 48) as i64,
            flags: u64_at(frame, 56),
            message_id: swap_halves(&wire_id),
            payload_type: if header_length >= 112 {
                u32_at(frame, 112)
            } else {
                0
            },
            payload,
        })
    }

    /// The acknowledgement of this message (its JSON payload, §4).
    pub fn acknowledgement(&self, message_id: [u8; 16], created_millis: u64) -> Message {
        let body = serde_json::json!({
            "AcknowledgedMessageType": self.message_type,
            "AcknowledgedMessageId": uuid_string(&self.message_id),
            "AcknowledgedMessageSequenceNumber": self.sequence_number,
            "IsSequentialMessage": true,
        });
        Message::new(
            ACKNOWLEDGE,
            0,
            FLAGS_ACK,
            0,
            body.to_string().into_bytes(),
            message_id,
            created_millis,
        )
    }
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes(b[at..at + 4].try_into().expect("4 bytes"))
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    u64::from_be_bytes(b[at..at + 8].try_into().expect("8 bytes"))
}

/// The wire keeps a UUID's least significant half first.
fn swap_halves(id: &[u8; 16]) -> [u8; 16] {
    let mut out = [0u8; 16];
    out[..8].copy_from_slice(&id[8..]);
    out[8..].copy_from_slice(&id[..8]);
    out
}

/// A version-4 UUID from 16 random bytes.
pub fn uuid_v4(mut bytes: [u8; 16]) -> [u8; 16] {
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    bytes
}

/// `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`, lowercase.
pub fn uuid_string(id: &[u8; 16]) -> String {
    let hex: String = id.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: [u8; 16] = [
        0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x46, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee,
        0xff,
    ];

    fn sample() -> Message {
        Message::new(
            OUTPUT_STREAM,
            7,
            FLAG_SYN,
            payload::OUTPUT,
            b"hello\r\n".to_vec(),
            ID,
            1_700_000_000_123,
        )
    }

    #[test]
    fn the_header_is_laid_out_as_the_plugin_lays_it_out() {
        let frame = sample().encode();
        assert_eq!(frame.len(), 120 + 7);
        assert_eq!(&frame[0..4], &116u32.to_be_bytes());
        assert_eq!(&frame[4..22], b"output_stream_data");
        assert!(frame[22..36].iter().all(|b| *b == b' '));
        assert_eq!(&frame[36..40], &1u32.to_be_bytes());
        assert_eq!(&frame[40..48], &1_700_000_000_123u64.to_be_bytes());
        assert_eq!(&frame[48..56], &7i64.to_be_bytes());
        assert_eq!(&frame[56..64], &1u64.to_be_bytes());
        // The least significant half of the UUID first.
        assert_eq!(&frame[64..72], &ID[8..]);
        assert_eq!(&frame[72..80], &ID[..8]);
        // SHA-256("hello\r\n")
        let digest = digest::digest(&digest::SHA256, b"hello\r\n");
        assert_eq!(&frame[80..112], digest.as_ref());
        assert_eq!(&frame[112..116], &1u32.to_be_bytes());
        assert_eq!(&frame[116..120], &7u32.to_be_bytes());
        assert_eq!(&frame[120..], b"hello\r\n");
    }

    #[test]
    fn a_message_survives_the_round_trip() {
        let m = sample();
        assert_eq!(Message::decode(&m.encode()), Ok(m));
        let empty = Message::new(ACKNOWLEDGE, 0, FLAGS_ACK, 0, vec![], ID, 1);
        assert_eq!(Message::decode(&empty.encode()), Ok(empty));
    }

    #[test]
    fn broken_frames_are_errors_not_panics() {
        let frame = sample().encode();
        assert_eq!(
            Message::decode(&frame[..10]),
            Err(DecodeError::TooShort(10))
        );
        assert!(matches!(
            Message::decode(&frame[..frame.len() - 1]),
            Err(DecodeError::BadPayloadLength { .. })
        ));
        let mut tampered = frame.clone();
        *tampered.last_mut().unwrap() ^= 1;
        assert_eq!(Message::decode(&tampered), Err(DecodeError::DigestMismatch));
        let mut bad_length = frame.clone();
        bad_length[0..4].copy_from_slice(&u32::MAX.to_be_bytes());
        assert!(Message::decode(&bad_length).is_err());
        for n in 0..frame.len() {
            let _ = Message::decode(&frame[..n]);
        }
    }

    #[test]
    fn control_messages_are_read_by_type_alone() {
        let mut frame = vec![0u8; 4];
        let mut kind = [b' '; 32];
        kind[..17].copy_from_slice(b"start_publication");
        frame.extend_from_slice(&kind);
        assert_eq!(
            Message::decode(&frame).unwrap().message_type,
            "start_publication"
        );
    }

    #[test]
    fn acknowledgements_quote_the_message() {
        let ack = sample().acknowledgement([1; 16], 5);
        assert_eq!(ack.message_type, ACKNOWLEDGE);
        assert_eq!(ack.flags, 3);
        assert_eq!(ack.sequence_number, 0);
        let body: serde_json::Value = serde_json::from_slice(&ack.payload).unwrap();
        assert_eq!(body["AcknowledgedMessageType"], "output_stream_data");
        assert_eq!(
            body["AcknowledgedMessageId"],
            "00112233-4455-4677-8899-aabbccddeeff"
        );
        assert_eq!(body["AcknowledgedMessageSequenceNumber"], 7);
        assert_eq!(body["IsSequentialMessage"], true);
        // The member order the plugin uses.
        let text = String::from_utf8(ack.payload).unwrap();
        assert!(text.starts_with("{\"AcknowledgedMessageType\""), "{text}");
    }

    #[test]
    fn uuids_are_version_4_and_printed_canonically() {
        let id = uuid_v4([0xff; 16]);
        assert_eq!(uuid_string(&id), "ffffffff-ffff-4fff-bfff-ffffffffffff");
    }
}
