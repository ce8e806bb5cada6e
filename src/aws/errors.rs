//! SDK errors → [`FactError`]s. Classified by the error code AWS returns (typed variants
//! differ per operation; the codes are shared), then by the transport failure kind.

use aws_sdk_ecs::config::http::HttpResponse;
use aws_sdk_ecs::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use ecs_exec_doctor_checks::facts::{FactError, FactErrorKind};

/// Classifies a failed call to `action` (an IAM action such as `ecs:DescribeTasks`).
pub fn classify<E>(action: &str, err: &SdkError<E, HttpResponse>) -> FactError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    match err {
        SdkError::TimeoutError(_) => FactError::new(
            FactErrorKind::Timeout,
            action,
            "no answer within the timeout",
        ),
        SdkError::DispatchFailure(d) => {
            let kind = if d.is_timeout() {
                FactErrorKind::Timeout
            } else {
                FactErrorKind::Network
            };
            FactError::new(kind, action, transport(err))
        }
        SdkError::ConstructionFailure(_) => {
            FactError::new(FactErrorKind::Credentials, action, brief(err))
        }
        SdkError::ServiceError(service) => {
            let code = err.code().map(str::to_string);
            let message = err
                .message()
                .map(str::to_string)
                .unwrap_or_else(|| brief(err));
            let status = service.raw().status().as_u16();
            let kind = match code.as_deref() {
                Some(c) => kind_of_code(c),
                // An emulator answers actions it lacks with a bare HTTP 500/501.
                None if status == 500 || status == 501 => FactErrorKind::NotImplemented,
                None => FactErrorKind::Service,
            };
            let message = match (kind, &code) {
                (FactErrorKind::NotImplemented, None) => {
                    format!("HTTP {status} without an AWS error code")
                }
                (_, Some(c)) => format!("{c}: {message}"),
                _ => message,
            };
            FactError::new(kind, action, message).with_code(code)
        }
        _ => FactError::new(FactErrorKind::Service, action, brief(err)),
    }
}

/// AWS error codes by meaning (codes are shared across services and protocols).
pub fn kind_of_code(code: &str) -> FactErrorKind {
    match code {
        "AccessDenied"
        | "AccessDeniedException"
        | "UnauthorizedOperation"
        | "UnauthorizedAccess"
        | "AuthorizationError"
        | "Forbidden" => FactErrorKind::AccessDenied,
        "ExpiredToken"
        | "ExpiredTokenException"
        | "InvalidClientTokenId"
        | "UnrecognizedClientException"
        | "SignatureDoesNotMatch"
        | "InvalidSignatureException"
        | "AuthFailure"
        | "MissingAuthenticationToken"
        | "IncompleteSignature"
        | "InvalidAccessKeyId" => FactErrorKind::Credentials,
        "Throttling"
        | "ThrottlingException"
        | "RequestLimitExceeded"
        | "TooManyRequestsException"
        | "RequestThrottled" => FactErrorKind::Throttled,
        "NotFoundException"
        | "NoSuchEntity"
        | "ClusterNotFoundException"
        | "ServiceNotFoundException"
        | "InvalidSubnetID.NotFound"
        | "InvalidInstanceID.NotFound"
        | "InvalidVpcID.NotFound" => FactErrorKind::NotFound,
        "NotImplemented" => FactErrorKind::NotImplemented,
        _ => FactErrorKind::Service,
    }
}

/// The error chain on one line, without the trailing debug dump that `DisplayErrorContext`
/// appends.
pub fn brief(err: &dyn std::error::Error) -> String {
    let full = DisplayErrorContext(err).to_string();
    let cut = full
        .match_indices(" (")
        .find(|(i, _)| {
            full[i + 2..].starts_with(|c: char| c.is_ascii_uppercase()) && full.ends_with(')')
        })
        .map(|(i, _)| i)
        .unwrap_or(full.len());
    full[..cut].split_whitespace().collect::<Vec<_>>().join(" ")
}

/// What went wrong on the way to AWS, in words a person can act on: connection refused, DNS
/// failure, TLS failure, timeout, reset; else the error chain on one line.
pub fn transport(err: &(dyn std::error::Error + 'static)) -> String {
    let mut chain: Vec<&(dyn std::error::Error + 'static)> = Vec::new();
    let mut next = Some(err);
    while let Some(e) = next {
        chain.push(e);
        next = e.source();
    }
    for e in &chain {
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            use std::io::ErrorKind as K;
            match io.kind() {
                K::ConnectionRefused => return "connection refused (nothing listens there)".into(),
                K::TimedOut => return "the connection timed out".into(),
                K::ConnectionReset | K::ConnectionAborted => {
                    return "the connection was reset (a proxy or firewall?)".into();
                }
                _ => {}
            }
        }
    }
    let text: String = chain
        .iter()
        .map(|e| e.to_string().to_ascii_lowercase())
        .collect::<Vec<_>>()
        .join(": ");
    if text.contains("dns error")
        || text.contains("failed to lookup address")
        || text.contains("name or service not known")
        || text.contains("nodename nor servname")
        || text.contains("no such host")
    {
        return "DNS lookup failed (the host name does not resolve)".into();
    }
    if text.contains("certificate") || text.contains("tls") || text.contains("handshake") {
        return format!(
            "TLS failed ({}): the endpoint may not speak TLS (then use http://), or a proxy intercepts TLS with a certificate this machine does not trust",
            chain.last().map(|e| e.to_string()).unwrap_or_default()
        );
    }
    if text.contains("connection refused") {
        return "connection refused (nothing listens there)".into();
    }
    brief(err)
}
