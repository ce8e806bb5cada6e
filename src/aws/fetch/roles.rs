//! The roles-and-keys family of the fetch plan: the exec agent's role as IAM has it (does it
//! exist, whom does it trust) and the exec KMS key's policy and grants.

use ecs_exec_doctor_checks::FactKind;
use ecs_exec_doctor_checks::facts::{Fact, FactErrorKind};
use ecs_exec_doctor_checks::model::*;

use super::{Fetcher, input};

impl Fetcher {
    /// `iam:GetRole` on the role the exec agent uses. `NoSuchEntity` is an answer: the role
    /// was deleted.
    pub(super) async fn role(&self, arn: String) -> Fact<Role> {
        let name = ecs_exec_doctor_checks::arn::role_name(&arn).to_string();
        match self
            .call(
                "iam:GetRole",
                self.clients.iam.get_role().role_name(&name).send(),
            )
            .await
        {
            Ok(out) => Fact::ok(Role {
                arn,
                exists: true,
                trust_policy: out
                    .role()
                    .and_then(|r| r.assume_role_policy_document())
                    .and_then(decode_policy),
                tags: crate::aws::convert::role_tags(out.role()),
            }),
            Err(e) if e.kind == FactErrorKind::NotFound => Fact::ok(Role {
                arn,
                exists: false,
                trust_policy: None,
                tags: Default::default(),
            }),
            Err(e) => Fact::failed(e),
        }
    }

    /// `kms:GetKeyPolicy` and `kms:ListGrants` on the exec key, side by side.
    pub(super) async fn key_policy(
        &self,
        cluster: &Fact<Cluster>,
        key: &Fact<KmsKey>,
    ) -> Fact<KeyPolicy> {
        if !self.need(FactKind::KmsKeyPolicy) {
            return Fact::NotFetched;
        }
        if let Err(missing) = input(cluster, "kms:GetKeyPolicy", "cluster") {
            return missing;
        }
        let key = match key {
            Fact::Absent { reason } => return Fact::absent(reason.clone()),
            other => match input(other, "kms:GetKeyPolicy", "exec KMS key") {
                Ok(key) => key,
                Err(missing) => return missing,
            },
        };
        let kms = &self.clients.kms;
        let policy = self.call(
            "kms:GetKeyPolicy",
            kms.get_key_policy()
                .key_id(&key.arn)
                .policy_name("default")
                .send(),
        );
        let grants = self.call("kms:ListGrants", kms.list_grants().key_id(&key.arn).send());
        let (policy, grants) = tokio::join!(policy, grants);
        let policy = match policy {
            Ok(out) => out.policy().and_then(decode_policy),
            Err(e) => return Fact::failed(e),
        };
        let Some(policy) = policy else {
            return Fact::failed(ecs_exec_doctor_checks::FactError::new(
                FactErrorKind::Service,
                "kms:GetKeyPolicy",
                "the key policy is not valid JSON",
            ));
        };
        let (grants, grants_error) = match grants {
            Ok(out) => (
                out.grants()
                    .iter()
                    .map(|g| Grant {
                        grant_id: g.grant_id().map(str::to_string),
                        grantee_principal: g.grantee_principal().unwrap_or_default().to_string(),
                        operations: g
                            .operations()
                            .iter()
                            .map(|o| o.as_str().to_string())
                            .collect(),
                    })
                    .collect(),
                None,
            ),
            Err(e) => (Vec::new(), Some(e)),
        };
        Fact::ok(KeyPolicy {
            key_arn: key.arn.clone(),
            policy,
            grants,
            grants_error,
        })
    }
}

/// A policy document as IAM returns it (URL-encoded in `GetRole`) or KMS returns it (plain).
pub(super) fn decode_policy(text: &str) -> Option<serde_json::Value> {
    serde_json::from_str(text)
        .ok()
        .or_else(|| serde_json::from_str(&percent_decode(text)).ok())
}

/// Decodes `%XX` escapes (and `+` is kept: IAM encodes spaces as `%20`).
pub(super) fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Some(b) = std::str::from_utf8(&bytes[i + 1..i + 3])
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policies_are_decoded_in_both_forms() {
        let plain = r#"{"Version":"2012-10-17","Statement":[]}"#;
        let encoded = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%5D%7D";
        assert_eq!(decode_policy(plain), decode_policy(encoded));
        assert!(decode_policy(plain).is_some());
        assert_eq!(percent_decode("a%2"), "a%2");
        assert_eq!(percent_decode("%zz"), "%zz");
    }
}
