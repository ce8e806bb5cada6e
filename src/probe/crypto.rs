//! Session encryption with the cluster's KMS key (docs/probe-protocol.md §6): the 64-byte
//! data key from `kms:GenerateDataKey` is two AES-256-GCM keys, the first half the agent's
//! (the client decrypts with it), the second the client's (it encrypts with it). A sealed
//! payload is `nonce (12) ++ ciphertext ++ tag (16)`, with no associated data.

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};

pub const DATA_KEY_BYTES: i32 = 64;
const TAG_LEN: usize = 16;

pub struct SessionKeys {
    decrypt: LessSafeKey,
    encrypt: LessSafeKey,
}

impl std::fmt::Debug for SessionKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionKeys(..)")
    }
}

impl SessionKeys {
    /// The client's keys from the plaintext data key (`None` unless it is 64 bytes).
    pub fn client(data_key: &[u8]) -> Option<Self> {
        if data_key.len() != DATA_KEY_BYTES as usize {
            return None;
        }
        let key = |bytes: &[u8]| {
            UnboundKey::new(&AES_256_GCM, bytes)
                .ok()
                .map(LessSafeKey::new)
        };
        Some(Self {
            decrypt: key(&data_key[..32])?,
            encrypt: key(&data_key[32..])?,
        })
    }

    /// The agent's keys (the halves the other way round), for tests.
    #[cfg(test)]
    pub fn agent(data_key: &[u8]) -> Option<Self> {
        let mut swapped = data_key[32..].to_vec();
        swapped.extend_from_slice(&data_key[..32]);
        Self::client(&swapped)
    }

    pub fn open(&self, sealed: &[u8]) -> Option<Vec<u8>> {
        if sealed.len() < NONCE_LEN + TAG_LEN {
            return None;
        }
        let (nonce, rest) = sealed.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).ok()?;
        let mut buffer = rest.to_vec();
        let plain = self
            .decrypt
            .open_in_place(nonce, Aad::empty(), &mut buffer)
            .ok()?;
        Some(plain.to_vec())
    }

    pub fn seal(&self, plain: &[u8]) -> Option<Vec<u8>> {
        let mut nonce = [0u8; NONCE_LEN];
        aws_lc_rs::rand::fill(&mut nonce).ok()?;
        let mut buffer = plain.to_vec();
        self.encrypt
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::empty(),
                &mut buffer,
            )
            .ok()?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&buffer);
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> Vec<u8> {
        (0..64u8).collect()
    }

    #[test]
    fn what_one_side_seals_only_the_other_opens() {
        let client = SessionKeys::client(&key()).unwrap();
        let agent = SessionKeys::agent(&key()).unwrap();
        let sealed = agent.seal(b"output").unwrap();
        assert_eq!(sealed.len(), 12 + 6 + 16);
        assert_eq!(client.open(&sealed).unwrap(), b"output");
        assert!(
            agent.open(&sealed).is_none(),
            "the agent cannot open its own"
        );
        let back = client.seal(b"challenge").unwrap();
        assert_eq!(agent.open(&back).unwrap(), b"challenge");
        assert!(client.open(&back).is_none());
    }

    #[test]
    fn short_or_tampered_input_is_refused() {
        let client = SessionKeys::client(&key()).unwrap();
        let agent = SessionKeys::agent(&key()).unwrap();
        assert!(client.open(&[0; 27]).is_none());
        let mut sealed = agent.seal(b"x").unwrap();
        sealed[13] ^= 1;
        assert!(client.open(&sealed).is_none());
        assert!(SessionKeys::client(&[0; 32]).is_none());
    }
}
