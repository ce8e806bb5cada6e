//! The accounts of a scan (`check --all-clusters --accounts`/`--organization`): who the
//! caller is, the organization's active accounts, and a role assumed in each other account.

use aws_sdk_sts::config::Credentials;
use ecs_exec_doctor_checks::facts::FactError;

use super::Fetcher;

/// The session name the doctor's assumed-role sessions carry (visible in CloudTrail).
pub const SESSION_NAME: &str = "ecs-exec-doctor";

impl Fetcher {
    /// The caller's account (`sts:GetCallerIdentity`).
    pub async fn caller_account(&self) -> Result<String, FactError> {
        let out = self
            .call(
                "sts:GetCallerIdentity",
                self.clients.sts.get_caller_identity().send(),
            )
            .await?;
        Ok(out.account().unwrap_or_default().to_string())
    }

    /// The organization's ACTIVE accounts (`organizations:ListAccounts`, every page).
    pub async fn organization_accounts(&self) -> Result<Vec<String>, FactError> {
        let mut accounts = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let request = self
                .clients
                .organizations
                .list_accounts()
                .set_next_token(token.take())
                .send();
            let out = self.call("organizations:ListAccounts", request).await?;
            accounts.extend(
                out.accounts()
                    .iter()
                    .filter(|a| {
                        a.state().is_none_or(|s| s.as_str() == "ACTIVE")
                            && a.status().is_none_or(|s| s.as_str() == "ACTIVE")
                    })
                    .filter_map(|a| a.id().map(str::to_string)),
            );
            match out.next_token() {
                Some(next) if !next.is_empty() => token = Some(next.to_string()),
                _ => return Ok(accounts),
            }
        }
    }

    /// Temporary credentials of `role_arn` (`sts:AssumeRole`), with the caller's session
    /// as source.
    pub async fn assume_role(
        &self,
        role_arn: &str,
        external_id: Option<&str>,
    ) -> Result<Credentials, FactError> {
        let request = self
            .clients
            .sts
            .assume_role()
            .role_arn(role_arn)
            .role_session_name(SESSION_NAME)
            .set_external_id(external_id.map(str::to_string))
            .send();
        let out = self.call("sts:AssumeRole", request).await?;
        let c = out.credentials().ok_or_else(|| {
            FactError::new(
                ecs_exec_doctor_checks::FactErrorKind::Service,
                "sts:AssumeRole",
                "the answer had no credentials",
            )
        })?;
        let expiry = std::time::SystemTime::try_from(*c.expiration()).ok();
        Ok(Credentials::new(
            c.access_key_id(),
            c.secret_access_key(),
            Some(c.session_token().to_string()),
            expiry,
            "ecs-exec-doctor-assume-role",
        ))
    }
}
