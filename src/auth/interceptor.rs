//! The gRPC interceptor: `authorization: Bearer KEY` -> [`Caller`] in the
//! request's extensions. Role checks happen per RPC with [`Caller::may`].

use std::sync::Arc;

use tonic::service::Interceptor;
use tonic::{Request, Status};

use super::{Caller, DEFAULT_TENANT, KeyRing, Role, TenantId};

/// Why a call was refused; `api::status` maps it to UNAUTHENTICATED or
/// PERMISSION_DENIED.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// No `authorization` metadata.
    #[error("missing authorization metadata")]
    MissingKey,
    /// The metadata is not `Bearer <key>`.
    #[error("authorization must be `Bearer <API key>`")]
    Malformed,
    /// More than one `authorization` value: which one counts would be a guess.
    #[error("authorization metadata must be sent once, not several times")]
    Repeated,
    /// No such key.
    #[error("unknown API key")]
    UnknownKey,
    /// The request never passed the interceptor (a wiring defect).
    #[error("request was not authenticated")]
    NotAuthenticated,
    /// The caller's role is too low.
    #[error("the {held} role may not do this; it needs {needed}")]
    Forbidden {
        /// The caller's role.
        held: &'static str,
        /// The role needed.
        needed: &'static str,
    },
}

/// How a server authenticates calls.
#[derive(Debug, Clone)]
pub enum Authenticator {
    /// No keys: every call acts for the default tenant with the admin role.
    Open,
    /// Calls must carry a key of the ring.
    Keys(KeyRing),
}

impl Authenticator {
    /// The caller of a request with these metadata, or UNAUTHENTICATED.
    pub fn authenticate(
        &self,
        metadata: &tonic::metadata::MetadataMap,
    ) -> Result<Caller, AuthError> {
        match self {
            Self::Open => Ok(Caller {
                tenant: TenantId::new(DEFAULT_TENANT),
                role: Role::Admin,
            }),
            Self::Keys(ring) => {
                let mut values = metadata.get_all("authorization").iter();
                let header = values.next().ok_or(AuthError::MissingKey)?;
                if values.next().is_some() {
                    return Err(AuthError::Repeated);
                }
                let key = header
                    .to_str()
                    .ok()
                    .and_then(|value| value.strip_prefix("Bearer "))
                    .map(str::trim)
                    .filter(|key| !key.is_empty())
                    .ok_or(AuthError::Malformed)?;
                ring.caller(key).ok_or(AuthError::UnknownKey)
            }
        }
    }
}

/// Interceptor that authenticates every call of the service it wraps.
#[derive(Debug, Clone)]
pub struct AuthInterceptor {
    authenticator: Arc<Authenticator>,
}

impl AuthInterceptor {
    /// Authenticates with `authenticator`.
    pub fn new(authenticator: Arc<Authenticator>) -> Self {
        Self { authenticator }
    }
}

impl Interceptor for AuthInterceptor {
    fn call(&mut self, mut request: Request<()>) -> Result<Request<()>, Status> {
        let caller = self
            .authenticator
            .authenticate(request.metadata())
            .map_err(Status::from)?;
        request.extensions_mut().insert(caller);
        Ok(request)
    }
}

/// The caller of a request, checked to hold at least `needed`:
/// UNAUTHENTICATED when no interceptor ran, PERMISSION_DENIED when the role is too low.
pub fn require<T>(request: &Request<T>, needed: Role) -> Result<Caller, Status> {
    let caller = request
        .extensions()
        .get::<Caller>()
        .cloned()
        .ok_or(AuthError::NotAuthenticated)?;
    if caller.may(needed) {
        Ok(caller)
    } else {
        Err(AuthError::Forbidden {
            held: caller.role().as_str(),
            needed: needed.as_str(),
        }
        .into())
    }
}
