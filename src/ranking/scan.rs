//! The straightforward backend: compact evidence per candidate, every
//! candidate of the tenant scored in a parallel scan. It is the reference the
//! posting-list index ([`super::MemoryCandidateIndex`]) is tested and
//! benchmarked against; the engine does not use it, and it is compiled only
//! for tests and with the `oracles` feature.

use std::collections::HashMap;
use std::sync::{PoisonError, RwLock};

use rayon::prelude::*;

use super::CandidateProfile;
use super::compact::CompactProfile;
use super::index::{CandidateIndex, Pool};
use super::plan::{CompetencyKey, JobPlan};
use super::score::{BELOW_PROFICIENCY_FACTOR, EXPIRED_FACTOR, recency};
use crate::auth::TenantId;
use crate::domain::{CredentialId, Date, RecordId};

#[derive(Debug, Default)]
struct TenantIndex {
    slots: Vec<Option<CompactProfile>>,
    by_id: HashMap<RecordId, u32>,
    free: Vec<u32>,
    /// The credentials each candidate holds.
    held: HashMap<RecordId, Vec<CredentialId>>,
}

impl TenantIndex {
    fn remove(&mut self, id: &RecordId) {
        self.held.remove(id);
        if let Some(slot) = self.by_id.remove(id) {
            self.slots[slot as usize] = None;
            self.free.push(slot);
        }
    }

    fn put(&mut self, profile: CompactProfile, held: &[CredentialId]) {
        self.held.insert(profile.id.clone(), held.to_vec());
        if let Some(&slot) = self.by_id.get(&profile.id) {
            self.slots[slot as usize] = Some(profile);
            return;
        }
        let slot = match self.free.pop() {
            Some(slot) => slot,
            None => {
                self.slots.push(None);
                u32::try_from(self.slots.len() - 1).expect("fewer than 2^32 candidates")
            }
        };
        self.by_id.insert(profile.id.clone(), slot);
        self.slots[slot as usize] = Some(profile);
    }
}

#[derive(Debug, Default)]
struct State {
    tenants: HashMap<String, TenantIndex>,
    /// Keys of URIs the taxonomy does not hold, above the taxonomy's indices.
    unknown_uris: HashMap<String, CompetencyKey>,
}

/// Reference index: compact evidence per tenant, scanned in full in parallel.
#[derive(Debug)]
pub struct ScanCandidateIndex {
    taxonomy_len: u32,
    state: RwLock<State>,
}

impl ScanCandidateIndex {
    /// An empty index for a taxonomy of `taxonomy_len` competencies.
    pub fn new(taxonomy_len: usize) -> Self {
        Self {
            taxonomy_len: u32::try_from(taxonomy_len).expect("fewer than 2^32 competencies"),
            state: RwLock::default(),
        }
    }
}

fn best_first(a: &(f64, &RecordId), b: &(f64, &RecordId)) -> std::cmp::Ordering {
    b.0.total_cmp(&a.0).then_with(|| a.1.cmp(b.1))
}

impl CandidateIndex for ScanCandidateIndex {
    fn put(&self, tenant: &TenantId, profile: &CandidateProfile) {
        let mut state = self.state.write().unwrap_or_else(PoisonError::into_inner);
        let base = self.taxonomy_len;
        let State {
            tenants,
            unknown_uris,
        } = &mut *state;
        let compact = CompactProfile::new(profile, |uri| {
            let next = base + u32::try_from(unknown_uris.len()).unwrap_or(u32::MAX - base);
            *unknown_uris.entry(uri.to_owned()).or_insert(next)
        });
        tenants
            .entry(tenant.as_str().to_owned())
            .or_default()
            .put(compact, &profile.credentials);
    }

    fn holders(&self, credentials: &[CredentialId]) -> Vec<(String, RecordId)> {
        let state = self.state.read().unwrap_or_else(PoisonError::into_inner);
        let mut found: Vec<(String, RecordId)> = state
            .tenants
            .iter()
            .flat_map(|(name, index)| {
                index
                    .held
                    .iter()
                    .filter(|(_, held)| held.iter().any(|id| credentials.contains(id)))
                    .map(|(id, _)| (name.clone(), id.clone()))
            })
            .collect();
        found.sort();
        found
    }

    fn remove(&self, tenant: &TenantId, id: &RecordId) {
        let mut state = self.state.write().unwrap_or_else(PoisonError::into_inner);
        if let Some(index) = state.tenants.get_mut(tenant.as_str()) {
            index.remove(id);
            if index.by_id.is_empty() {
                state.tenants.remove(tenant.as_str());
            }
        }
    }

    fn contains(&self, tenant: &TenantId, id: &RecordId) -> bool {
        let state = self.state.read().unwrap_or_else(PoisonError::into_inner);
        state
            .tenants
            .get(tenant.as_str())
            .is_some_and(|index| index.by_id.contains_key(id))
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
        let unknown_keys: Vec<(CompetencyKey, u16)> = plan
            .unknown
            .iter()
            .filter_map(|(uri, need)| state.unknown_uris.get(uri).map(|key| (*key, *need)))
            .collect();
        let keep_zero = matches!(pool, Pool::Listed(_));
        let keep = |scored: &(f64, &RecordId)| keep_zero || scored.0 > 0.0;
        let mut scored: Vec<(f64, &RecordId)> = match pool {
            Pool::WithEvidence => index
                .slots
                .par_iter()
                .filter_map(Option::as_ref)
                .map_init(Vec::new, |best, profile| {
                    (score(plan, &unknown_keys, profile, best), &profile.id)
                })
                .filter(keep)
                .collect(),
            Pool::Listed(ids) => {
                let mut best = Vec::new();
                ids.iter()
                    .filter_map(|id| index.by_id.get(id))
                    .filter_map(|&slot| index.slots[slot as usize].as_ref())
                    .map(|profile| (score(plan, &unknown_keys, profile, &mut best), &profile.id))
                    .filter(keep)
                    .collect()
            }
        };
        if scored.len() > limit && limit > 0 {
            scored.select_nth_unstable_by(limit - 1, best_first);
        }
        scored.truncate(limit);
        scored.sort_by(best_first);
        scored
            .into_iter()
            .map(|(score, id)| (id.clone(), score))
            .collect()
    }

    fn count(&self, tenant: &TenantId) -> usize {
        let state = self.state.read().unwrap_or_else(PoisonError::into_inner);
        state
            .tenants
            .get(tenant.as_str())
            .map_or(0, |index| index.by_id.len())
    }
}

/// The score of a candidate for a plan, the same as `assess` computes from
/// the full profile; `best` is scratch space of one slot per need.
pub(super) fn score(
    plan: &JobPlan,
    unknown_keys: &[(CompetencyKey, u16)],
    profile: &CompactProfile,
    best: &mut Vec<f64>,
) -> f64 {
    if plan.total_weight <= 0.0 {
        return 0.0;
    }
    best.clear();
    best.resize(plan.weights.len(), 0.0);
    let as_of = plan.as_of;
    for evidence in profile.evidence.iter() {
        let covers = plan.known.get(evidence.key as usize);
        let extra = unknown_keys
            .iter()
            .filter(|(key, _)| *key == evidence.key)
            .map(|&(_, need)| (need, crate::needs::CoverageKind::Exact));
        let mut value_for = |need: u16, factor: f64| {
            let recency = recency(from_days_fast(evidence.dated), as_of);
            let expired = evidence
                .expires
                .is_some_and(|expires| i64::from(expires) < as_of.days());
            let expiry = if expired { EXPIRED_FACTOR } else { 1.0 };
            let below = matches!(
                (evidence.proficiency, plan.min_proficiency[need as usize]),
                (Some(held), Some(needed)) if held < needed
            );
            let proficiency = if below { BELOW_PROFICIENCY_FACTOR } else { 1.0 };
            let value = factor * evidence.kind.strength() * recency * expiry * proficiency;
            let slot = &mut best[need as usize];
            if value > *slot {
                *slot = value;
            }
        };
        for &(need, kind) in covers.into_iter().flatten() {
            value_for(need, kind.factor());
        }
        for (need, kind) in extra {
            value_for(need, kind.factor());
        }
    }
    let weighted: f64 = best.iter().zip(&plan.weights).map(|(v, w)| v * w).sum();
    (weighted / plan.total_weight).clamp(0.0, 1.0)
}

fn from_days_fast(days: Option<i32>) -> Option<Date> {
    days.map(|d| Date::from_days(i64::from(d)))
}
