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
            Error::NotFound { .. } => Status::not_found(error.to_string()),
            Error::FailedPrecondition(message) => Status::failed_precondition(message),
            Error::Internal(message) => {
                tracing::error!(%message, "internal error");
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

fn invalid_argument(error: &ValidationError) -> Status {
    let mut details = ErrorDetails::new();
    for violation in error.violations() {
        details.add_bad_request_violation(violation.field.clone(), violation.description.clone());
    }
    Status::with_error_details(Code::InvalidArgument, error.to_string(), details)
}
