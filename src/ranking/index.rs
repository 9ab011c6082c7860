//! The seam for scale-out: where candidates are found and scored. Ranking
//! hands a [`CandidateIndex`] a compiled [`JobPlan`] and gets the best ids
//! back, never knowing the backend. The embedded [`MemoryCandidateIndex`]
//! keeps posting lists per tenant (competency key -> candidates with
//! evidence of it), scores only the candidates that share a job's
//! competencies, and is saved to a snapshot file so a restart need not
//! rebuild it from the store.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::Path;
use std::sync::{PoisonError, RwLock};

use super::CandidateProfile;
use super::compact::CompactProfile;
use super::plan::{CompetencyKey, JobPlan};
use super::postings::Query;
use super::snapshot::{self, SnapshotError};
use super::state::State;
use super::tenant::TenantPostings;
use crate::auth::TenantId;
use crate::domain::{CredentialId, RecordId};
use crate::needs::CoverageKind;

/// Which of a tenant's candidates a ranking covers.
#[derive(Debug, Clone, Copy)]
pub enum Pool<'a> {
    /// Every candidate with any evidence for the job; those that score 0
    /// are left out.
    WithEvidence,
    /// Exactly the listed candidates that exist, zero scores included.
    Listed(&'a [RecordId]),
}

/// Candidate evidence by tenant.
pub trait CandidateIndex: Send + Sync + std::fmt::Debug {
    /// Adds or replaces a candidate of a tenant.
    fn put(&self, tenant: &TenantId, profile: &CandidateProfile);
    /// Removes a candidate of a tenant, leaving nothing of them behind.
    fn remove(&self, tenant: &TenantId, id: &RecordId);
    /// Whether the tenant has this candidate.
    fn contains(&self, tenant: &TenantId, id: &RecordId) -> bool;
    /// The best `limit` candidates of the pool for a plan, best first, equal
    /// scores in id order; candidates scoring zero only in a
    /// [`Pool::Listed`] pool.
    fn top(
        &self,
        tenant: &TenantId,
        plan: &JobPlan,
        pool: Pool<'_>,
        limit: usize,
    ) -> Vec<(RecordId, f64)>;
    /// Number of the tenant's candidates.
    fn count(&self, tenant: &TenantId) -> usize;
    /// Every candidate, as `(tenant, id)`, whose profile lists any of these
    /// credentials (see [`CandidateProfile::credentials`]), each once, in
    /// order: those whose evidence changes when the catalogue changes them.
    fn holders(&self, credentials: &[CredentialId]) -> Vec<(String, RecordId)>;
    /// Writes the index to `path`, atomically, with `stamp` (what the index
    /// reflects), so that a restart can load it instead of rebuilding it;
    /// whether the backend keeps such a file at all.
    fn save_snapshot(&self, path: &Path, stamp: &[u8]) -> Result<bool, SnapshotError> {
        let _ = (path, stamp);
        Ok(false)
    }
}

/// In-memory index: posting lists per tenant, scored block by block in
/// parallel, saved to and loaded from a snapshot file.
#[derive(Debug)]
pub struct MemoryCandidateIndex {
    taxonomy_len: u32,
    state: RwLock<State>,
}

impl MemoryCandidateIndex {
    /// An empty index for a taxonomy of `taxonomy_len` competencies.
    pub fn new(taxonomy_len: usize) -> Self {
        Self {
            taxonomy_len: u32::try_from(taxonomy_len).expect("fewer than 2^32 competencies"),
            state: RwLock::default(),
        }
    }

    /// Loads a snapshot written by [`CandidateIndex::save_snapshot`] when it
    /// carries `stamp` and the same taxonomy size; `None` when the file is
    /// missing, behind (another stamp) or unreadable.
    pub fn load_snapshot(
        path: &Path,
        stamp: &[u8],
        taxonomy_len: usize,
    ) -> Result<Option<Self>, SnapshotError> {
        let len = u32::try_from(taxonomy_len).expect("fewer than 2^32 competencies");
        Ok(snapshot::read(path, stamp, len)?.map(|state| Self {
            taxonomy_len: len,
            state: RwLock::new(state),
        }))
    }
}

/// The plan as the posting scan sees it: every key that covers a need.
pub(super) fn query<'a>(
    plan: &'a JobPlan,
    unknown_uris: &HashMap<String, CompetencyKey>,
) -> Query<'a> {
    let mut keys: Vec<(CompetencyKey, Vec<(u16, CoverageKind)>)> = plan
        .known
        .iter()
        .enumerate()
        .filter(|(_, covers)| !covers.is_empty())
        .map(|(key, covers)| (u32::try_from(key).unwrap_or(u32::MAX), covers.clone()))
        .collect();
    for (uri, need) in &plan.unknown {
        let Some(&key) = unknown_uris.get(uri) else {
            continue;
        };
        match keys.iter_mut().find(|(k, _)| *k == key) {
            Some((_, covers)) => covers.push((*need, CoverageKind::Exact)),
            None => keys.push((key, vec![(*need, CoverageKind::Exact)])),
        }
    }
    Query::new(
        keys,
        &plan.weights,
        plan.total_weight,
        &plan.min_proficiency,
        plan.as_of,
    )
}

impl CandidateIndex for MemoryCandidateIndex {
    fn put(&self, tenant: &TenantId, profile: &CandidateProfile) {
        let mut state = self.state.write().unwrap_or_else(PoisonError::into_inner);
        let held: Vec<_> = profile
            .credentials
            .iter()
            .map(|id| state.credential_code(id))
            .collect();
        let base = self.taxonomy_len;
        let State {
            tenants,
            unknown_uris,
            ..
        } = &mut *state;
        let compact = CompactProfile::new(profile, |uri| {
            let next = base + u32::try_from(unknown_uris.len()).unwrap_or(u32::MAX - base);
            *unknown_uris.entry(uri.to_owned()).or_insert(next)
        });
        tenants
            .entry(tenant.as_str().to_owned())
            .or_default()
            .put(&compact, &held);
    }

    fn holders(&self, credentials: &[CredentialId]) -> Vec<(String, RecordId)> {
        let state = self.state.read().unwrap_or_else(PoisonError::into_inner);
        let codes: HashSet<_> = credentials
            .iter()
            .filter_map(|id| state.credentials.get(id).copied())
            .collect();
        let mut found = BTreeSet::new();
        for (name, tenant) in &state.tenants {
            found.extend(
                tenant
                    .holders_of_any(&codes)
                    .map(|id| (name.clone(), id.clone())),
            );
        }
        found.into_iter().collect()
    }

    fn remove(&self, tenant: &TenantId, id: &RecordId) {
        let mut state = self.state.write().unwrap_or_else(PoisonError::into_inner);
        if let Some(index) = state.tenants.get_mut(tenant.as_str()) {
            index.remove(id);
            if index.is_empty() {
                state.tenants.remove(tenant.as_str());
            }
        }
    }

    fn contains(&self, tenant: &TenantId, id: &RecordId) -> bool {
        let state = self.state.read().unwrap_or_else(PoisonError::into_inner);
        state
            .tenants
            .get(tenant.as_str())
            .is_some_and(|index| index.ordinal(id).is_some())
    }

    fn top(
        &self,
        tenant: &TenantId,
        plan: &JobPlan,
        pool: Pool<'_>,
        limit: usize,
    ) -> Vec<(RecordId, f64)> {
        let state = self.state.read().unwrap_or_else(PoisonError::into_inner);
        let Some(index) = state.tenants.get(tenant.as_str()) else {
            return Vec::new();
        };
        let query = query(plan, &state.unknown_uris);
        match pool {
            Pool::WithEvidence => index.top(&query, limit),
            Pool::Listed(ids) => index.top_of(&query, ids, limit),
        }
    }

    fn count(&self, tenant: &TenantId) -> usize {
        let state = self.state.read().unwrap_or_else(PoisonError::into_inner);
        state
            .tenants
            .get(tenant.as_str())
            .map_or(0, TenantPostings::len)
    }

    fn save_snapshot(&self, path: &Path, stamp: &[u8]) -> Result<bool, SnapshotError> {
        // Writes wait only while the index is copied into the file's pages,
        // not while they are synced to disk.
        let unsynced = {
            let state = self.state.read().unwrap_or_else(PoisonError::into_inner);
            snapshot::write_unsynced(path, stamp, self.taxonomy_len, &state)?
        };
        snapshot::finish(unsynced)?;
        Ok(true)
    }
}
