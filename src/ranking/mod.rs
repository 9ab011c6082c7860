//! Candidate ranking and job matching: the evidence each candidate has for
//! each of a job's competencies, valued by kind, recency and expiry, and
//! explained competency by competency.

mod index;
mod profile;
mod score;

use std::sync::Arc;

use rayon::prelude::*;

pub use index::{CandidateIndex, MemoryCandidateIndex};
pub use profile::{CandidateProfile, Evidence, EvidenceKind, build_profile};
pub use score::{
    Assessment, BELOW_PROFICIENCY_FACTOR, ChosenEvidence, EXPIRED_FACTOR, NeedAssessment,
    NeedStatus, UNDATED_FACTOR, assess, min_proficiencies, recency,
};

use crate::domain::{Date, JobPosting};
use crate::matching::JobNeed;
use crate::taxonomy::Taxonomy;

/// One ranked candidate.
#[derive(Debug, Clone)]
pub struct RankedCandidate {
    /// The candidate's evidence (and id).
    pub profile: Arc<CandidateProfile>,
    /// Score and explanation.
    pub assessment: Assessment,
}

/// Scores a pool in parallel and keeps the best `top_k`, best first, equal
/// scores in id order. Candidates scoring 0 are kept only when `keep_zero`.
pub fn rank(
    taxonomy: &Taxonomy,
    job: &JobPosting,
    needs: &[JobNeed],
    pool: Vec<Arc<CandidateProfile>>,
    top_k: usize,
    keep_zero: bool,
    as_of: Date,
) -> Vec<RankedCandidate> {
    let minimums = min_proficiencies(job, needs);
    let mut ranked: Vec<RankedCandidate> = pool
        .into_par_iter()
        .map(|profile| RankedCandidate {
            assessment: assess(taxonomy, needs, &minimums, &profile, as_of),
            profile,
        })
        .filter(|ranked| keep_zero || ranked.assessment.score > 0.0)
        .collect();
    ranked.sort_by(|a, b| {
        b.assessment
            .score
            .total_cmp(&a.assessment.score)
            .then_with(|| a.profile.id.cmp(&b.profile.id))
    });
    ranked.truncate(top_k);
    ranked
}
