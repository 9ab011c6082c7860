//! Authentication and tenancy: API keys (stored only as SHA-256 digests) map
//! to a tenant and a role. Only this module mints a [`TenantId`] or a
//! [`Caller`], so every tenant a record is filed under came from a verified key
//! (or from the single default tenant of an unauthenticated server).

mod interceptor;
mod keys;
mod ring;
mod stamp;

use std::fmt;

pub use interceptor::{AuthError, AuthInterceptor, Authenticator, require};
pub use keys::{
    KEY_ID_DIGITS, KeyEntry, KeyFileError, KeyInfo, append_key, append_key_expiring, generate_key,
    list_keys, revoke_key, usage_path,
};
pub use ring::{KeyRing, RECHECK};
pub use stamp::Timestamp;

/// Tenant of an unauthenticated server.
pub const DEFAULT_TENANT: &str = "default";

/// A tenant: the owner of candidate and job records. Minted only by `auth`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TenantId(String);

impl TenantId {
    /// The tenant as a string (used as the first part of store keys).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    fn new(raw: &str) -> Self {
        Self(raw.to_owned())
    }

    /// A tenant read back from the keys of stored records, which only
    /// minted tenants ever wrote.
    pub(crate) fn stored(raw: &str) -> Self {
        Self::new(raw)
    }

    /// A tenant for unit tests elsewhere in the crate.
    #[cfg(test)]
    pub(crate) fn for_test(raw: &str) -> Self {
        Self::new(raw)
    }
}

impl fmt::Display for TenantId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What a key may do; each role includes the ones before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Read the tenant's records, the catalogue and the taxonomy; rank and match.
    Read,
    /// Also create, replace and delete the tenant's candidates and jobs.
    Write,
    /// Also change the shared credential catalogue.
    Admin,
}

impl Role {
    /// Parses `read`, `write` or `admin`.
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "read" => Some(Self::Read),
            "write" => Some(Self::Write),
            "admin" => Some(Self::Admin),
            _ => None,
        }
    }

    /// The role's name as written in the key file.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Read => "read",
            Self::Write => "write",
            Self::Admin => "admin",
        }
    }
}

/// The authenticated caller of one request, put in the request's extensions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    tenant: TenantId,
    role: Role,
}

impl Caller {
    /// The caller's tenant.
    pub fn tenant(&self) -> &TenantId {
        &self.tenant
    }

    /// The caller's role.
    pub fn role(&self) -> Role {
        self.role
    }

    /// Whether the caller's role includes `needed`.
    pub fn may(&self, needed: Role) -> bool {
        self.role >= needed
    }
}
