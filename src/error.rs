//! The service layer's error: what went wrong, in terms a client can act on.
//! `api::status` maps it to a gRPC status in one place.

use crate::catalog::CatalogError;
use crate::domain::ValidationError;
use crate::store::StoreError;
use crate::taxonomy::TaxonomyError;

/// Errors of engine operations.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The request is malformed; the violations name the fields.
    #[error(transparent)]
    Invalid(#[from] ValidationError),
    /// A named record does not exist.
    #[error("{kind} {id} not found")]
    NotFound {
        /// Record kind, e.g. `credential`.
        kind: &'static str,
        /// The id asked for.
        id: String,
    },
    /// The system is not in a state to serve the request.
    #[error("{0}")]
    FailedPrecondition(String),
    /// The call's deadline passed (or its client left) before it finished.
    #[error("the deadline passed before the call finished; its work was stopped")]
    DeadlineExceeded,
    /// A failure on our side; details are logged, not sent.
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<CatalogError> for Error {
    fn from(error: CatalogError) -> Self {
        match error {
            CatalogError::NotFound(id) => Self::NotFound {
                kind: "credential",
                id: id.to_string(),
            },
            CatalogError::Invalid(invalid) => Self::Invalid(invalid),
            other => Self::Internal(other.to_string()),
        }
    }
}

impl From<crate::cancel::Cancelled> for Error {
    fn from(_: crate::cancel::Cancelled) -> Self {
        Self::DeadlineExceeded
    }
}

impl From<StoreError> for Error {
    fn from(error: StoreError) -> Self {
        Self::Internal(error.to_string())
    }
}

impl From<TaxonomyError> for Error {
    fn from(error: TaxonomyError) -> Self {
        Self::Internal(error.to_string())
    }
}
