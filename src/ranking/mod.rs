//! Candidate ranking and job matching: the evidence each candidate has for
//! each of a job's competencies, valued by kind, recency and expiry, and
//! explained competency by competency.

mod compact;
mod index;
mod ordinals;
mod plan;
mod postings;
mod profile;
#[cfg(any(test, feature = "oracles"))]
mod scan;
mod score;
mod snapshot;
mod state;
mod tenant;
#[cfg(test)]
mod tests;
mod topk;

pub use compact::{CompactEvidence, CompactProfile};
pub use index::{CandidateIndex, MemoryCandidateIndex, Pool};
pub use plan::{CompetencyKey, JobPlan};
pub use profile::{CandidateProfile, Evidence, EvidenceKind, build_profile, same_evidence};
#[cfg(any(test, feature = "oracles"))]
pub use scan::ScanCandidateIndex;
pub use score::{
    Assessment, BELOW_PROFICIENCY_FACTOR, ChosenEvidence, EXPIRED_FACTOR, NeedAssessment,
    NeedStatus, UNDATED_FACTOR, assess, min_proficiencies, recency,
};
pub use snapshot::{
    SnapshotError, read_stamp as read_snapshot_stamp, temporary_path as snapshot_temporary_path,
};

/// One ranked candidate, explained from their full record.
#[derive(Debug, Clone)]
pub struct RankedCandidate {
    /// The candidate's evidence (and id).
    pub profile: CandidateProfile,
    /// Score and explanation.
    pub assessment: Assessment,
}

/// Orders ranked candidates best first, equal scores in id order.
pub fn sort_ranked(ranked: &mut [RankedCandidate]) {
    ranked.sort_by(best_first);
}

/// Best first, equal scores in id order: the order of every ranking.
pub fn best_first(a: &RankedCandidate, b: &RankedCandidate) -> std::cmp::Ordering {
    b.assessment
        .score
        .total_cmp(&a.assessment.score)
        .then_with(|| a.profile.id.cmp(&b.profile.id))
}
