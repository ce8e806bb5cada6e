//! The live path: AWS configuration from the standard chain (environment, profiles, SSO,
//! assume-role with MFA, container and instance metadata), the official SDK clients, and the
//! fetch plan in [`fetch`].

pub mod convert;
pub mod errors;
pub mod fetch;
pub mod scan;
pub mod target;

use std::collections::BTreeSet;
use std::time::Duration;

use aws_config::BehaviorVersion;
use aws_config::timeout::TimeoutConfig;
use ecs_exec_doctor_checks::FactKind;
use ecs_exec_doctor_checks::facts::{Diagnosis, Fact, FactError, FactErrorKind};
use ecs_exec_doctor_checks::model::Target;

use crate::cli::AwsArgs;
use crate::error::{DoctorError, Result};

/// Fetches the facts `needs` for `request`; returns them and the number of AWS calls made.
/// With `show_progress`, a scan that takes over a second shows a spinner on a terminal's
/// stderr.
pub fn diagnose(
    request: target::Request,
    aws: &AwsArgs,
    needs: &[FactKind],
    show_progress: bool,
) -> Result<(Diagnosis, u32)> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| DoctorError::new(format!("cannot start the async runtime: {e}")))?;
    // --timeout bounds the whole run: credential resolution, every call, attempt and retry.
    let limit = Duration::from_secs(aws.timeout.max(1));
    let progress = std::sync::Arc::new(fetch::Progress::default());
    let spinner = crate::progress::Spinner::start(progress.clone(), show_progress);
    // Calls still unanswered at the deadline fail as timeouts and the report keeps what was
    // read (their checks UNKNOWN); the outer bound, a little later, only catches what happens
    // before the first call (credential resolution).
    let outcome = runtime.block_on(async {
        let deadline = tokio::time::Instant::now() + limit;
        tokio::time::timeout(
            limit + Duration::from_secs(2),
            diagnose_async(request, aws, needs, progress, deadline),
        )
        .await
    });
    spinner.finish();
    outcome.unwrap_or_else(|_| {
            Err(DoctorError::new(format!(
                "AWS did not answer within --timeout {}s; check the network and proxy settings, or raise --timeout",
                aws.timeout
            )))
        })
}

async fn diagnose_async(
    request: target::Request,
    aws: &AwsArgs,
    needs: &[FactKind],
    progress: std::sync::Arc<fetch::Progress>,
    deadline: tokio::time::Instant,
) -> Result<(Diagnosis, u32)> {
    let needs: BTreeSet<FactKind> = needs.iter().copied().collect();
    let local = {
        let wanted = needs.contains(&FactKind::Local);
        async move {
            if !wanted {
                return Fact::NotFetched;
            }
            match tokio::task::spawn_blocking(crate::local_tools::probe).await {
                Ok(tools) => Fact::ok(tools),
                Err(e) => Fact::failed(FactError::new(
                    FactErrorKind::Service,
                    "local",
                    format!("probe failed: {e}"),
                )),
            }
        }
    };
    let aws_needed = needs.iter().any(|k| *k != FactKind::Local);
    let sdk = load_config(request.region.as_deref(), aws).await;
    let region = sdk
        .region()
        .map(|r| r.to_string())
        .or(request.region.clone());
    if region.is_none() && aws.profile.is_some() {
        // An undefined profile also has no region: say which of the two is wrong.
        check_credentials(&sdk, aws).await?;
    }
    let region = region.ok_or_else(|| {
        DoctorError::new(
            "no AWS region: pass --region, set AWS_REGION, or give the task or cluster as an ARN",
        )
    })?;
    if !target::plausible_region(&region) {
        crate::fail!(
            "`{region}` does not look like an AWS region (for example us-east-1): check --region, AWS_REGION and the profile"
        );
    }
    if aws_needed {
        check_credentials(&sdk, aws).await?;
    }
    let partition = request
        .partition
        .clone()
        .unwrap_or_else(|| target::partition_of(&region).to_string());
    let target = Target {
        region,
        partition,
        cluster: request.cluster.clone(),
        task: request.task.clone(),
        service: request.service.clone(),
        container: request.container.clone(),
        all: request.all,
        family: request.family.clone(),
        started_by: request.started_by.clone(),
    };
    let clients = clients(&sdk, aws.endpoint_url.as_deref());
    let mut fetcher = fetch::Fetcher::new(clients, target, needs, request.max_tasks, progress);
    fetcher.deadline = Some((deadline, aws.timeout));
    let diagnosis = fetcher.gather(local).await;
    stop_on_unusable_credentials(&diagnosis, aws.endpoint_url.as_deref())?;
    Ok((diagnosis, fetcher.calls()))
}

/// Now, in seconds since the epoch.
pub fn now_epoch() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Now, as RFC 3339 in UTC (`2026-12-07T12:04:05Z`).
pub fn now_rfc3339() -> String {
    rfc3339(now_epoch())
}

/// `epoch` seconds as RFC 3339 in UTC.
pub fn rfc3339(epoch: i64) -> String {
    aws_smithy_types::DateTime::from_secs(epoch)
        .fmt(aws_smithy_types::date_time::Format::DateTime)
        .unwrap_or_default()
}

/// Attempts per call (the SDK's default is 3, which loses facts at 20–30 % throttling).
const MAX_ATTEMPTS: u32 = 5;

/// The SDK configuration from the standard chain, with the doctor's timeouts and retries.
pub async fn load_config(region: Option<&str>, aws: &AwsArgs) -> aws_config::SdkConfig {
    let timeout = Duration::from_secs(aws.timeout.max(1));
    let mut loader = aws_config::defaults(BehaviorVersion::latest()).timeout_config(
        TimeoutConfig::builder()
            .operation_timeout(timeout)
            // up to three attempts fit in the operation timeout, however long it is
            .operation_attempt_timeout((timeout / 3).max(Duration::from_secs(1)))
            .build(),
    );
    // Throttling is the common failure of a large scan (IAM's simulator most of all): the
    // SDK's adaptive mode paces the client and makes up to 5 attempts, backing off at most
    // 2 s, all inside the operation timeout above (a fact is lost at 30 % throttling 0.2 %
    // of the time instead of 2.7 %; an unreachable endpoint still fails in seconds). A user's
    // own AWS_RETRY_MODE / AWS_MAX_ATTEMPTS win.
    if std::env::var_os("AWS_RETRY_MODE").is_none()
        && std::env::var_os("AWS_MAX_ATTEMPTS").is_none()
    {
        loader = loader.retry_config(
            aws_config::retry::RetryConfig::adaptive()
                .with_max_attempts(MAX_ATTEMPTS)
                .with_max_backoff(Duration::from_secs(2)),
        );
    }
    if let Some(profile) = &aws.profile {
        // As with the AWS CLI, `--profile` wins over AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY
        // in the environment: the profile's own provider (static keys, SSO, assume-role,
        // credential_process) replaces the default chain, whose first link is the environment.
        loader = loader.profile_name(profile).credentials_provider(
            aws_config::profile::ProfileFileCredentialsProvider::builder()
                .profile_name(profile)
                .build(),
        );
    }
    if let Some(region) = region {
        loader = loader.region(aws_config::Region::new(region.to_string()));
    }
    loader.load().await
}

/// Resolves credentials once up front, so a missing or broken credential setup is one clear
/// error instead of every check turning UNKNOWN.
async fn check_credentials(sdk: &aws_config::SdkConfig, aws: &AwsArgs) -> Result<()> {
    use aws_sdk_ecs::config::ProvideCredentials;
    let Some(provider) = sdk.credentials_provider() else {
        crate::fail!("no AWS credentials provider is configured");
    };
    if let Err(e) = provider.provide_credentials().await {
        let profile = aws
            .profile
            .as_deref()
            .map(|p| format!(" --profile {p}"))
            .unwrap_or_default();
        // The SDK has no typed variant for an undefined profile; its message names it.
        let text = format!("{}", aws_sdk_ecs::error::DisplayErrorContext(&e));
        // A profile whose `source_profile` is missing: name that one, not the profile asked.
        let asked = aws
            .profile
            .clone()
            .or_else(|| std::env::var("AWS_PROFILE").ok().filter(|p| !p.is_empty()));
        if let (Some(asked), Some(source)) = (&asked, missing_source_profile(&text))
            && &source != asked
        {
            crate::fail!(
                "profile `{asked}` takes its credentials from source_profile `{source}`, which is not defined in the AWS config or credentials file: define `{source}` or fix source_profile"
            );
        }
        if let Some(name) = &aws.profile
            && (text.contains("was not defined")
                || text.contains("could not find")
                || text.contains("not found"))
            && text.contains(name.as_str())
        {
            crate::fail!(
                "profile `{name}` is not defined in the AWS config or credentials file: check --profile (`aws configure list-profiles` lists them)"
            );
        }
        // AWS_PROFILE naming a profile no file defines: the chain moves on and fails last on
        // instance metadata, which would hide the typo.
        if aws.profile.is_none()
            && std::env::var_os("AWS_ACCESS_KEY_ID").is_none()
            && let Some(name) = std::env::var("AWS_PROFILE").ok().filter(|p| !p.is_empty())
            && !profile_defined(&name)
        {
            crate::fail!(
                "profile `{name}` (from AWS_PROFILE) is not defined in the AWS config or credentials file: check AWS_PROFILE (`aws configure list-profiles` lists them)"
            );
        }
        let looked = if aws.profile.is_some() {
            "looked in that profile of ~/.aws/config and ~/.aws/credentials"
        } else {
            "looked in the environment, AWS_PROFILE's or the default profile of ~/.aws/config and ~/.aws/credentials, SSO, web identity, and container and instance metadata"
        };
        crate::fail!(
            "no usable AWS credentials ({looked}: {}); run `aws configure{profile}` or `aws sso login{profile}`, or set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY",
            errors::brief(&e)
        );
    }
    Ok(())
}

/// The profile a `source_profile` names but no file defines, as the SDK's message says it
/// (`could not find source profile NAME referenced from …`).
fn missing_source_profile(text: &str) -> Option<String> {
    let rest = text.split("could not find source profile ").nth(1)?;
    let name = rest.split_whitespace().next()?;
    Some(name.trim_matches(['`', '\'', '"']).to_string())
}

/// Whether `name` has a section in the shared config file (`[profile NAME]`, or `[default]`)
/// or the credentials file (`[NAME]`), where the AWS CLI and the SDK look for them.
fn profile_defined(name: &str) -> bool {
    let home = std::env::var_os("HOME").map(std::path::PathBuf::from);
    let file = |var: &str, default: &str| {
        std::env::var_os(var)
            .map(std::path::PathBuf::from)
            .or_else(|| home.as_ref().map(|h| h.join(".aws").join(default)))
    };
    let sections = |path: Option<std::path::PathBuf>| -> Vec<String> {
        let Some(text) = path.and_then(|p| std::fs::read_to_string(p).ok()) else {
            return Vec::new();
        };
        text.lines()
            .filter_map(|l| l.trim().strip_prefix('[')?.strip_suffix(']').map(str::trim))
            .map(str::to_string)
            .collect()
    };
    let in_config = sections(file("AWS_CONFIG_FILE", "config")).iter().any(|s| {
        s.strip_prefix("profile")
            .map(str::trim)
            .is_some_and(|p| p == name)
            || (s == "default" && name == "default")
    });
    in_config
        || sections(file("AWS_SHARED_CREDENTIALS_FILE", "credentials"))
            .iter()
            .any(|s| s == name)
}

/// Credentials AWS rejects (expired, invalid) or an unreachable endpoint make every fact
/// fail: that is the doctor failing, not the task.
fn stop_on_unusable_credentials(d: &Diagnosis, endpoint: Option<&str>) -> Result<()> {
    let errors: Vec<&FactError> = [d.caller.error(), d.cluster.error()]
        .into_iter()
        .flatten()
        .chain(d.subjects.iter().filter_map(|s| s.task.error()))
        .collect();
    if let Some(e) = errors.iter().find(|e| e.kind == FactErrorKind::Credentials) {
        crate::fail!(
            "AWS rejected the credentials ({}): refresh them (for SSO: `aws sso login`)",
            e.message
        );
    }
    let any_ok = d.caller.value().is_some()
        || d.cluster.value().is_some()
        || d.subjects.iter().any(|s| s.task.value().is_some());
    if !any_ok
        && let Some(e) = errors
            .iter()
            .find(|e| matches!(e.kind, FactErrorKind::Network | FactErrorKind::Timeout))
    {
        crate::fail!(
            "cannot reach {}: {}; check the network, proxy settings, --region and --endpoint-url",
            endpoint_of(&e.action, &d.target.region, endpoint),
            e.message
        );
    }
    // Every first call refused the same way (an SCP or permissions boundary denying
    // everything, throttling, an endpoint that answers every call with one error): one
    // message instead of a report of identical UNKNOWNs.
    let own: Vec<&&FactError> = errors
        .iter()
        .filter(|e| e.kind != FactErrorKind::Dependency)
        .collect();
    if !any_ok
        && d.caller.error().is_some()
        && d.cluster.error().is_some()
        && let Some(first) = own.first()
        && own.iter().all(|e| e.kind == first.kind)
        && first.kind != FactErrorKind::NotFound
    {
        let what = match first.kind {
            FactErrorKind::AccessDenied => {
                "the credentials may not call them: check which account and role they are (`aws sts get-caller-identity`) and grant what `ecs-exec-doctor permissions` prints"
            }
            FactErrorKind::Throttled => "AWS throttled them: retry in a minute",
            FactErrorKind::NotImplemented => {
                "the endpoint does not implement them: check --endpoint-url"
            }
            _ => "check --region, --profile and --endpoint-url",
        };
        crate::fail!(
            "every AWS call failed the same way ({}: {}); {what}",
            first.action,
            first.message
        );
    }
    Ok(())
}

/// The endpoint a call to `action` (`ecs:DescribeTasks`) goes to.
fn endpoint_of(action: &str, region: &str, endpoint: Option<&str>) -> String {
    if let Some(url) = endpoint {
        return url.to_string();
    }
    let service = action.split(':').next().unwrap_or("ecs");
    let suffix = if region.starts_with("cn-") {
        "amazonaws.com.cn"
    } else {
        "amazonaws.com"
    };
    match service {
        // IAM is global: one endpoint per partition.
        "iam" if region.starts_with("cn-") => "https://iam.cn-north-1.amazonaws.com.cn".into(),
        "iam" if region.starts_with("us-gov-") => "https://iam.us-gov.amazonaws.com".into(),
        "iam" => "https://iam.amazonaws.com".into(),
        _ => format!("https://{service}.{region}.{suffix}"),
    }
}

/// The service clients of the run (the fetch's and the probe's), each with `endpoint` when
/// given.
pub fn clients(sdk: &aws_config::SdkConfig, endpoint: Option<&str>) -> fetch::Clients {
    // A programmatic endpoint applies to these service clients only, not to the STS/SSO
    // calls of the credential providers.
    macro_rules! client {
        ($krate:ident) => {{
            let mut b = $krate::config::Builder::from(sdk);
            if let Some(url) = endpoint {
                b = b.endpoint_url(url);
            }
            $krate::Client::from_conf(b.build())
        }};
    }
    fetch::Clients {
        ecs: client!(aws_sdk_ecs),
        iam: client!(aws_sdk_iam),
        ec2: client!(aws_sdk_ec2),
        kms: client!(aws_sdk_kms),
        sts: client!(aws_sdk_sts),
        logs: client!(aws_sdk_cloudwatchlogs),
        ssm: client!(aws_sdk_ssm),
        organizations: client!(aws_sdk_organizations),
        // An endpoint override (an emulator, a proxy) has no per-bucket host names.
        s3: {
            let mut b = aws_sdk_s3::config::Builder::from(sdk);
            if let Some(url) = endpoint {
                b = b.endpoint_url(url).force_path_style(true);
            }
            aws_sdk_s3::Client::from_conf(b.build())
        },
    }
}
