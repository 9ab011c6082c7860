//! What the in-memory candidate index holds: the index works on it, the
//! snapshot writes and reads it.

use std::collections::HashMap;

use super::plan::CompetencyKey;
use super::tenant::TenantPostings;
use crate::domain::CredentialId;

/// A held credential's id as the index stores it: its place in
/// [`State::credentials`].
pub type CredentialCode = u32;

/// Every tenant's postings and the keys of URIs the taxonomy does not hold.
#[derive(Debug, Default)]
pub(super) struct State {
    pub(super) tenants: HashMap<String, TenantPostings>,
    /// Keys of URIs the taxonomy does not hold, above the taxonomy's indices.
    pub(super) unknown_uris: HashMap<String, CompetencyKey>,
    /// Code of every credential id a candidate held since the index was
    /// built, numbered from 0 in the order first seen.
    pub(super) credentials: HashMap<CredentialId, CredentialCode>,
}

impl State {
    /// The code of a credential id, numbered now if it has none.
    pub(super) fn credential_code(&mut self, id: &CredentialId) -> CredentialCode {
        let next = CredentialCode::try_from(self.credentials.len()).expect("fewer than 2^32 ids");
        *self.credentials.entry(id.clone()).or_insert(next)
    }
}
