//! The gRPC interceptor: `authorization: Bearer KEY` -> [`Caller`] in the
//! request's extensions. Role checks happen per RPC with [`Caller::may`].

use std::sync::Arc;

use tonic::service::Interceptor;
use tonic::{Request, Status};

use super::{Caller, DEFAULT_TENANT, KeyRing, Role, TenantId};

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
    pub fn authenticate(&self, metadata: &tonic::metadata::MetadataMap) -> Result<Caller, Status> {
        match self {
            Self::Open => Ok(Caller {
                tenant: TenantId::new(DEFAULT_TENANT),
                role: Role::Admin,
            }),
            Self::Keys(ring) => {
                let header = metadata
                    .get("authorization")
                    .ok_or_else(|| Status::unauthenticated("missing authorization metadata"))?;
                let key = header
                    .to_str()
                    .ok()
                    .and_then(|value| value.strip_prefix("Bearer "))
                    .map(str::trim)
                    .filter(|key| !key.is_empty())
                    .ok_or_else(|| {
                        Status::unauthenticated("authorization must be `Bearer <API key>`")
                    })?;
                ring.caller(key)
                    .ok_or_else(|| Status::unauthenticated("unknown API key"))
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
        let caller = self.authenticator.authenticate(request.metadata())?;
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
        .ok_or_else(|| Status::unauthenticated("request was not authenticated"))?;
    if caller.may(needed) {
        Ok(caller)
    } else {
        Err(Status::permission_denied(format!(
            "the {} role may not do this; it needs {}",
            caller.role().as_str(),
            needed.as_str()
        )))
    }
}
