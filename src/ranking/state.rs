//! What the in-memory candidate index holds: the index works on it, the
//! snapshot writes and reads it.

use std::collections::HashMap;

use super::plan::CompetencyKey;
use super::tenant::TenantPostings;

/// Every tenant's postings and the keys of URIs the taxonomy does not hold.
#[derive(Debug, Default)]
pub(super) struct State {
    pub(super) tenants: HashMap<String, TenantPostings>,
    /// Keys of URIs the taxonomy does not hold, above the taxonomy's indices.
    pub(super) unknown_uris: HashMap<String, CompetencyKey>,
}
