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
    /// A failure on our side; the context and its cause chain are logged,
    /// not sent.
    #[error("internal error: {context}")]
    Internal {
        /// What was being done.
        context: String,
        /// What failed underneath.
        #[source]
        source: BoxError,
    },
}

/// Any underlying error, kept as the source of [`Error::Internal`].
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

impl Error {
    /// A failure on our side while doing `context`, caused by `source`.
    pub fn internal(context: impl Into<String>, source: impl Into<BoxError>) -> Self {
        Self::Internal {
            context: context.into(),
            source: source.into(),
        }
    }
}

/// Displays an error with its whole source chain, `outer: inner: ...`,
/// for log lines.
pub struct Chain<'a>(pub &'a (dyn std::error::Error + 'static));

impl std::fmt::Display for Chain<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)?;
        let mut source = self.0.source();
        while let Some(error) = source {
            write!(f, ": {error}")?;
            source = error.source();
        }
        Ok(())
    }
}

impl From<CatalogError> for Error {
    fn from(error: CatalogError) -> Self {
        match error {
            CatalogError::NotFound(id) => Self::NotFound {
                kind: "credential",
                id: id.to_string(),
            },
            CatalogError::Invalid(invalid) => Self::Invalid(invalid),
            other => Self::internal("catalogue", other),
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
        Self::internal("store", error)
    }
}

impl From<TaxonomyError> for Error {
    fn from(error: TaxonomyError) -> Self {
        Self::internal("taxonomy", error)
    }
}
