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
            FactError::new(kind, action, brief(err))
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
