//! The session-logging family of the fetch plan: the log group and bucket a
//! `logging=OVERRIDE` cluster sends transcripts to, read side by side once the cluster is known.

use ecs_exec_doctor_checks::FactKind;
use ecs_exec_doctor_checks::facts::{Fact, FactError};
use ecs_exec_doctor_checks::model::*;

use super::{Fetcher, input};

impl Fetcher {
    pub(super) async fn log_destinations(&self, cluster: &Fact<Cluster>) -> Fact<LogDestinations> {
        if !self.need(FactKind::LogDestinations) {
            return Fact::NotFetched;
        }
        let cluster = match input(cluster, "logs:DescribeLogGroups", "cluster") {
            Ok(value) => value,
            Err(missing) => return missing,
        };
        let c = &cluster.exec_config;
        if c.logging != "OVERRIDE" || (c.cloud_watch_log_group.is_none() && c.s3_bucket.is_none()) {
            return Fact::absent("the cluster does not override the session log destination");
        }
        let group = async {
            let Some(name) = &c.cloud_watch_log_group else {
                return Ok(None);
            };
            let request = self
                .clients
                .logs
                .describe_log_groups()
                .log_group_name_prefix(name)
                .send();
            let out = self.call("logs:DescribeLogGroups", request).await?;
            let found = out
                .log_groups()
                .iter()
                .find(|g| g.log_group_name() == Some(name.as_str()));
            Ok::<_, FactError>(Some(LogGroup {
                name: name.clone(),
                exists: found.is_some(),
                kms_key_id: found.and_then(|g| g.kms_key_id()).map(str::to_string),
            }))
        };
        let bucket = async {
            let Some(name) = &c.s3_bucket else {
                return Ok(None);
            };
            let request = self.clients.s3.get_bucket_encryption().bucket(name).send();
            let answer = |exists: bool, encrypted: bool, algorithm: Option<String>| {
                Ok(Some(BucketEncryption {
                    name: name.clone(),
                    exists,
                    encrypted,
                    algorithm,
                }))
            };
            match self.call("s3:GetEncryptionConfiguration", request).await {
                Ok(out) => {
                    let algorithm = out
                        .server_side_encryption_configuration()
                        .and_then(|c| c.rules().first())
                        .and_then(|r| r.apply_server_side_encryption_by_default())
                        .map(|d| d.sse_algorithm().as_str().to_string());
                    answer(true, algorithm.is_some(), algorithm)
                }
                Err(e)
                    if e.code.as_deref()
                        == Some("ServerSideEncryptionConfigurationNotFoundError") =>
                {
                    answer(true, false, None)
                }
                Err(e) if e.code.as_deref() == Some("NoSuchBucket") => answer(false, false, None),
                Err(e) => Err(e),
            }
        };
        let (group, bucket) = tokio::join!(group, bucket);
        let (log_group, log_group_error) = match group {
            Ok(g) => (g, None),
            Err(e) => (None, Some(e)),
        };
        let (bucket, bucket_error) = match bucket {
            Ok(b) => (b, None),
            Err(e) => (None, Some(e)),
        };
        Fact::ok(LogDestinations {
            log_group,
            log_group_error,
            bucket,
            bucket_error,
        })
    }
}
