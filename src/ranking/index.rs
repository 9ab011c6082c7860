//! The seam for scale-out: where candidate evidence is looked up. Ranking
//! asks a [`CandidateIndex`] for pools and never knows the backend; the
//! embedded [`MemoryCandidateIndex`] is rebuilt from the store at start-up.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, RwLock};

use super::CandidateProfile;
use crate::auth::TenantId;
use crate::domain::RecordId;

/// Candidate evidence by tenant.
pub trait CandidateIndex: Send + Sync + std::fmt::Debug {
    /// Adds or replaces a candidate of a tenant.
    fn put(&self, tenant: &str, profile: CandidateProfile);
    /// Removes a candidate of a tenant, leaving nothing of them behind.
    fn remove(&self, tenant: &TenantId, id: &RecordId);
    /// The tenant's candidates with evidence for any of `uris`.
    fn with_any(&self, tenant: &TenantId, uris: &BTreeSet<String>) -> Vec<Arc<CandidateProfile>>;
    /// The tenant's candidates among `ids` (unknown ids are skipped).
    fn by_ids(&self, tenant: &TenantId, ids: &[RecordId]) -> Vec<Arc<CandidateProfile>>;
    /// Number of the tenant's candidates.
    fn count(&self, tenant: &TenantId) -> usize;
}

#[derive(Debug, Default)]
struct TenantIndex {
    profiles: BTreeMap<RecordId, Arc<CandidateProfile>>,
    postings: HashMap<String, BTreeSet<RecordId>>,
}

impl TenantIndex {
    fn remove(&mut self, id: &RecordId) {
        if let Some(old) = self.profiles.remove(id) {
            for uri in old.uris() {
                if let Some(ids) = self.postings.get_mut(uri) {
                    ids.remove(id);
                    if ids.is_empty() {
                        self.postings.remove(uri);
                    }
                }
            }
        }
    }
}

/// In-memory index: profiles and a posting list per competency URI, per tenant.
#[derive(Debug, Default)]
pub struct MemoryCandidateIndex {
    tenants: RwLock<HashMap<String, TenantIndex>>,
}

impl MemoryCandidateIndex {
    fn read(&self) -> std::sync::RwLockReadGuard<'_, HashMap<String, TenantIndex>> {
        self.tenants
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, HashMap<String, TenantIndex>> {
        self.tenants
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl CandidateIndex for MemoryCandidateIndex {
    fn put(&self, tenant: &str, profile: CandidateProfile) {
        let mut tenants = self.write();
        let index = tenants.entry(tenant.to_owned()).or_default();
        index.remove(&profile.id);
        for uri in profile.uris() {
            index
                .postings
                .entry(uri.to_owned())
                .or_default()
                .insert(profile.id.clone());
        }
        index.profiles.insert(profile.id.clone(), Arc::new(profile));
    }

    fn remove(&self, tenant: &TenantId, id: &RecordId) {
        let mut tenants = self.write();
        if let Some(index) = tenants.get_mut(tenant.as_str()) {
            index.remove(id);
            if index.profiles.is_empty() {
                tenants.remove(tenant.as_str());
            }
        }
    }

    fn with_any(&self, tenant: &TenantId, uris: &BTreeSet<String>) -> Vec<Arc<CandidateProfile>> {
        let tenants = self.read();
        let Some(index) = tenants.get(tenant.as_str()) else {
            return Vec::new();
        };
        let ids: BTreeSet<&RecordId> = uris
            .iter()
            .filter_map(|uri| index.postings.get(uri))
            .flatten()
            .collect();
        ids.into_iter()
            .filter_map(|id| index.profiles.get(id).cloned())
            .collect()
    }

    fn by_ids(&self, tenant: &TenantId, ids: &[RecordId]) -> Vec<Arc<CandidateProfile>> {
        let tenants = self.read();
        let Some(index) = tenants.get(tenant.as_str()) else {
            return Vec::new();
        };
        ids.iter()
            .filter_map(|id| index.profiles.get(id).cloned())
            .collect()
    }

    fn count(&self, tenant: &TenantId) -> usize {
        self.read()
            .get(tenant.as_str())
            .map_or(0, |index| index.profiles.len())
    }
}
