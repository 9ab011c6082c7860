//! The single mapping from engine errors to gRPC statuses.

use tonic::{Code, Status};
use tonic_types::{ErrorDetails, StatusExt};

use crate::auth::AuthError;
use crate::domain::ValidationError;
use crate::error::Error;
use crate::overload::Overload;

impl From<Error> for Status {
    fn from(error: Error) -> Self {
        match error {
            Error::Invalid(invalid) => invalid_argument(&invalid),
            Error::NotFound { kind, id } => {
                Status::not_found(format!("{kind} {} not found", echo(&id)))
            }
            Error::FailedPrecondition(message) => Status::failed_precondition(message),
            Error::DeadlineExceeded => Status::deadline_exceeded(error.to_string()),
            Error::Internal { .. } => {
                tracing::error!(error = %crate::error::Chain(&error), "internal error");
                Status::internal("internal error; see the server log")
            }
        }
    }
}

impl From<AuthError> for Status {
    fn from(error: AuthError) -> Self {
        match error {
            AuthError::Forbidden { .. } => Status::permission_denied(error.to_string()),
            AuthError::MissingKey
            | AuthError::Malformed
            | AuthError::Repeated
            | AuthError::UnknownKey
            | AuthError::NotAuthenticated => Status::unauthenticated(error.to_string()),
        }
    }
}

impl From<Overload> for Status {
    fn from(refusal: Overload) -> Self {
        let mut details = ErrorDetails::new();
        details.set_retry_info(Some(refusal.retry_after()));
        Status::with_error_details(Code::ResourceExhausted, refusal.to_string(), details)
    }
}

impl From<ValidationError> for Status {
    fn from(error: ValidationError) -> Self {
        invalid_argument(&error)
    }
}

/// Most field violations one error response carries; the rest are counted.
/// Keeps an error within the 16 KiB that clients accept for metadata.
pub const MAX_REPORTED_VIOLATIONS: usize = 20;
/// Longest echo of a client's value (an id, a field path) in an error.
const MAX_ECHO_CHARS: usize = 120;

/// A client-supplied value as an error may repeat it: cut to
/// [`MAX_ECHO_CHARS`] characters, with the cut marked.
fn echo(value: &str) -> String {
    match value.char_indices().nth(MAX_ECHO_CHARS) {
        None => value.to_owned(),
        Some((cut, _)) => format!("{}… ({} characters)", &value[..cut], value.chars().count()),
    }
}

fn invalid_argument(error: &ValidationError) -> Status {
    let violations = error.violations();
    let mut details = ErrorDetails::new();
    for violation in violations.iter().take(MAX_REPORTED_VIOLATIONS) {
        details.add_bad_request_violation(echo(&violation.field), echo(&violation.description));
    }
    let first = &violations[0];
    let message = if violations.len() > MAX_REPORTED_VIOLATIONS {
        let more = violations.len() - MAX_REPORTED_VIOLATIONS;
        details.add_bad_request_violation("", format!("and {more} more violations, not listed"));
        format!(
            "invalid request: {} violations, the first {MAX_REPORTED_VIOLATIONS} listed; {}: {}",
            violations.len(),
            echo(&first.field),
            echo(&first.description)
        )
    } else if violations.len() > 1 {
        format!(
            "invalid request: {} violations; {}: {} (all in the details)",
            violations.len(),
            echo(&first.field),
            echo(&first.description)
        )
    } else {
        format!(
            "invalid request: {}: {}",
            echo(&first.field),
            echo(&first.description)
        )
    };
    Status::with_error_details(Code::InvalidArgument, message, details)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Violations;

    #[test]
    fn errors_list_at_most_the_cap_and_cut_long_echoes() {
        let mut violations = Violations::default();
        for index in 0..500 {
            violations.add(format!("candidate_ids[{index}]"), "x".repeat(10_000));
        }
        let status = Status::from(violations.finish(()).unwrap_err());
        let details = status.get_error_details();
        let listed = details.bad_request().unwrap().field_violations.len();
        assert_eq!(listed, MAX_REPORTED_VIOLATIONS + 1);
        assert!(status.message().len() < 1_000, "{}", status.message().len());
        let bytes: usize = details
            .bad_request()
            .unwrap()
            .field_violations
            .iter()
            .map(|v| v.field.len() + v.description.len())
            .sum();
        assert!(bytes < 8 * 1024, "{bytes}");
    }
}

/// The HTTP/JSON edge's own refusals, and the HTTP status of every code.
pub(crate) mod http {
    use tonic::{Code, Status};

    /// A request body past the message limit (what gRPC answers too).
    pub(crate) fn too_large(limit: usize) -> Status {
        Status::out_of_range(format!("request body larger than {limit} bytes"))
    }

    /// A response past the message limit (what gRPC answers too).
    pub(crate) fn response_too_large(limit: usize) -> Status {
        Status::out_of_range(format!(
            "response larger than {limit} bytes; ask for a smaller page"
        ))
    }

    /// A `Content-Encoding` the edge does not decode.
    pub(crate) fn unsupported_encoding(encoding: &str) -> Status {
        Status::unimplemented(format!(
            "Content-Encoding {encoding:?} is not supported; send gzip or identity"
        ))
    }

    /// A call that ran past the server's deadline.
    pub(crate) fn deadline_exceeded() -> Status {
        Status::deadline_exceeded("the call ran past the server's request timeout")
    }

    /// A request body that could not be read.
    pub(crate) fn unreadable(error: &dyn std::fmt::Display) -> Status {
        Status::invalid_argument(format!("cannot read the request body: {error}"))
    }

    /// A POST to a path that names no RPC.
    pub(crate) fn no_such_rpc(path: &str) -> Status {
        Status::unimplemented(format!("no RPC at {path}"))
    }

    /// A body that is not `application/json`.
    pub(crate) fn unsupported_media_type() -> Status {
        Status::invalid_argument("the request body must be application/json (proto3 JSON)")
    }

    /// A failure to encode a response (a defect: every message has a JSON form).
    pub(crate) fn unencodable(error: &dyn std::fmt::Display) -> Status {
        tracing::error!(%error, "cannot encode a response as JSON");
        Status::internal("internal error; see the server log")
    }

    /// The HTTP status of a gRPC code, as the Connect protocol maps them.
    pub(crate) fn http_status(code: Code) -> u16 {
        match code {
            Code::Ok => 200,
            Code::InvalidArgument | Code::FailedPrecondition | Code::OutOfRange => 400,
            Code::Unauthenticated => 401,
            Code::PermissionDenied => 403,
            Code::NotFound => 404,
            Code::AlreadyExists | Code::Aborted => 409,
            Code::ResourceExhausted => 429,
            Code::Cancelled => 499,
            Code::Unknown | Code::Internal | Code::DataLoss => 500,
            Code::Unimplemented => 501,
            Code::Unavailable => 503,
            Code::DeadlineExceeded => 504,
        }
    }

    /// The Connect name of a gRPC code (lower snake case; `canceled` as Connect spells it).
    pub(crate) fn code_name(code: Code) -> &'static str {
        match code {
            Code::Ok => "ok",
            Code::Cancelled => "canceled",
            Code::Unknown => "unknown",
            Code::InvalidArgument => "invalid_argument",
            Code::DeadlineExceeded => "deadline_exceeded",
            Code::NotFound => "not_found",
            Code::AlreadyExists => "already_exists",
            Code::PermissionDenied => "permission_denied",
            Code::ResourceExhausted => "resource_exhausted",
            Code::FailedPrecondition => "failed_precondition",
            Code::Aborted => "aborted",
            Code::OutOfRange => "out_of_range",
            Code::Unimplemented => "unimplemented",
            Code::Internal => "internal",
            Code::Unavailable => "unavailable",
            Code::DataLoss => "data_loss",
            Code::Unauthenticated => "unauthenticated",
        }
    }
}
