//! Ranking a tenant's candidates for a job, in two steps that RankCandidates
//! and StreamRankCandidates share: [`Engine::start_ranking`] scores the pool
//! through the candidate index and fixes the order; [`Engine::explain_ranked`]
//! explains any stretch of that order from the full records (and plans the
//! upskilling of each candidate when asked).

use std::ops::Range;

use super::Engine;
use super::gap_source::strongest_per_competency;
use super::records::{JobSource, RankOutcome, RankQuery, not_found};
use crate::auth::TenantId;
use crate::domain::{Candidate, Date, Proficiency, RecordId};
use crate::error::Error;
use crate::needs::{JobNeed, job_needs};
use crate::planning::{Plan, PlanConstraints, analyze_gap, plan_for_gap};
use crate::ranking::{
    CandidateProfile, JobPlan, Pool, RankedCandidate, assess, best_first, min_proficiencies,
};
use crate::store::RecordKind;

/// A ranking whose order is fixed and whose candidates are explained on demand.
#[derive(Debug)]
pub struct Ranking {
    tenant: TenantId,
    /// What the job was taken to need.
    pub needs: Vec<JobNeed>,
    minimums: Vec<Option<Proficiency>>,
    order: Vec<RecordId>,
    as_of: Date,
    with_names: bool,
    plan: Option<PlanConstraints>,
}

impl Ranking {
    /// Number of ranked candidates.
    pub fn len(&self) -> usize {
        self.order.len()
    }

    /// Whether no candidate is ranked.
    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }
}

/// Explained candidates of one stretch of a ranking, best first.
#[derive(Debug, Clone, Default)]
pub struct RankedBatch {
    /// Score and explanation of each.
    pub ranked: Vec<RankedCandidate>,
    /// Display names, parallel to `ranked`; `None` when anonymised or unnamed.
    pub names: Vec<Option<String>>,
    /// Upskilling plans, parallel to `ranked`; empty unless the ranking asked for plans.
    pub plans: Vec<Plan>,
}

impl Engine {
    /// Ranks the tenant's candidates for a job and explains the winners.
    pub fn rank_candidates(
        &self,
        tenant: &TenantId,
        query: &RankQuery,
    ) -> Result<RankOutcome, Error> {
        let ranking = self.start_ranking(tenant, query, None)?;
        let batch = self.explain_ranked(&ranking, 0..ranking.len())?;
        Ok(RankOutcome {
            needs: ranking.needs,
            ranked: batch.ranked,
            names: batch.names,
        })
    }

    /// Scores the tenant's candidates (or those of `query.candidate_ids`) for
    /// the job and fixes the order of the best `query.top_k`; with `plan`,
    /// [`Engine::explain_ranked`] also plans each candidate's upskilling.
    pub fn start_ranking(
        &self,
        tenant: &TenantId,
        query: &RankQuery,
        plan: Option<PlanConstraints>,
    ) -> Result<Ranking, Error> {
        let job = match &query.job {
            JobSource::Stored(id) => self.job(tenant, id)?,
            JobSource::Inline(job) => {
                self.check_job(job)?;
                job.clone()
            }
        };
        if let Some(constraints) = &plan {
            constraints.validate().map_err(|e| e.within("plan."))?;
        }
        let needs = job_needs(&self.taxonomy, &self.extractor, &job);
        let job_plan = JobPlan::new(&self.taxonomy, &job, &needs, query.as_of);
        let pool = if query.candidate_ids.is_empty() {
            Pool::WithEvidence
        } else {
            Pool::Listed(&query.candidate_ids)
        };
        if let Some(unknown) = query
            .candidate_ids
            .iter()
            .find(|id| !self.candidates.contains(tenant, id))
        {
            return Err(not_found("candidate", unknown));
        }
        let top = self.candidates.top(tenant, &job_plan, pool, query.top_k);
        Ok(Ranking {
            tenant: tenant.clone(),
            minimums: min_proficiencies(&job, &needs),
            needs,
            order: top.into_iter().map(|(id, _)| id).collect(),
            as_of: query.as_of,
            with_names: query.with_names,
            plan,
        })
    }

    /// Explains the candidates at `range` of the ranking's order from their
    /// full records, best first. A candidate erased since the ranking started
    /// is left out.
    pub fn explain_ranked(
        &self,
        ranking: &Ranking,
        range: Range<usize>,
    ) -> Result<RankedBatch, Error> {
        let ids = ranking.order.get(range).unwrap_or_default();
        let mut explained = Vec::with_capacity(ids.len());
        for id in ids {
            crate::cancel::checkpoint()?;
            let Some(json) = self.store.get_record(
                RecordKind::Candidate,
                ranking.tenant.as_str(),
                id.as_str(),
            )?
            else {
                continue;
            };
            let candidate: Candidate = serde_json::from_slice(&json)
                .map_err(|error| Error::internal(format!("reading candidate {id}"), error))?;
            let profile = self.profile_of(&candidate);
            let assessment = assess(
                &self.taxonomy,
                &ranking.needs,
                &ranking.minimums,
                &profile,
                ranking.as_of,
            );
            let name = candidate.display_name.filter(|_| ranking.with_names);
            explained.push((
                RankedCandidate {
                    profile,
                    assessment,
                },
                name,
            ));
        }
        // The index's order already is by score; this keeps it by the
        // explained score too (the same number: see `ranking::compact`).
        explained.sort_by(|a, b| best_first(&a.0, &b.0));
        let (ranked, names): (Vec<_>, Vec<_>) = explained.into_iter().unzip();
        let plans = match &ranking.plan {
            Some(constraints) => ranked
                .iter()
                .map(|r| self.plan_for_candidate(&ranking.needs, &r.profile, constraints))
                .collect(),
            None => Vec::new(),
        };
        Ok(RankedBatch {
            ranked,
            names,
            plans,
        })
    }

    /// The plan that closes a candidate's gap for a job: PlanUpskilling with
    /// every competency the candidate evidences as held.
    fn plan_for_candidate(
        &self,
        needs: &[JobNeed],
        profile: &CandidateProfile,
        constraints: &PlanConstraints,
    ) -> Plan {
        let held = strongest_per_competency(&profile.evidence);
        let gap = analyze_gap(&self.taxonomy, needs.to_vec(), &held);
        plan_for_gap(&self.taxonomy, &self.catalog, gap, constraints)
    }
}
