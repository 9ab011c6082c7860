//! A job compiled for scanning many candidates: for every competency key,
//! which of the job's needs it covers and how, so scoring a candidate is one
//! table lookup per piece of evidence.

use crate::domain::{Date, JobPosting, Proficiency};
use crate::needs::{CoverageKind, JobNeed, coverage_links};
use crate::taxonomy::{CompetencyIdx, Taxonomy};

/// Key of a competency in compact evidence: its taxonomy index, or an
/// interned number above the taxonomy for URIs the taxonomy does not hold.
pub type CompetencyKey = u32;

/// What one competency key covers: `(need position, coverage kind)` pairs.
pub type Covers = Vec<(u16, CoverageKind)>;

/// The job as the scanner sees it.
#[derive(Debug, Clone)]
pub struct JobPlan {
    /// Weight of each need.
    pub weights: Vec<f64>,
    /// Sum of the weights.
    pub total_weight: f64,
    /// Minimum proficiency of each need.
    pub min_proficiency: Vec<Option<Proficiency>>,
    /// Coverage by taxonomy index (dense).
    pub known: Vec<Covers>,
    /// Needs whose URI the taxonomy does not hold, by URI.
    pub unknown: Vec<(String, u16)>,
    /// Date recency and expiry are judged on.
    pub as_of: Date,
}

fn offer(table: &mut [Covers], key: CompetencyIdx, need: u16, kind: CoverageKind) {
    let slot = &mut table[key.0 as usize];
    match slot.iter_mut().find(|(n, _)| *n == need) {
        Some((_, existing)) if existing.factor() >= kind.factor() => {}
        Some((_, existing)) => *existing = kind,
        None => slot.push((need, kind)),
    }
}

impl JobPlan {
    /// Compiles a job's needs. Coverage follows [`Taxonomy::relation`]:
    /// evidence of the need itself is exact, of a child narrower, of a parent
    /// broader, of a related competency related (see
    /// [`coverage_links`]); the best wins.
    pub fn new(taxonomy: &Taxonomy, job: &JobPosting, needs: &[JobNeed], as_of: Date) -> Self {
        let mut known: Vec<Covers> = vec![Vec::new(); taxonomy.len()];
        let mut unknown = Vec::new();
        for (position, need) in needs.iter().enumerate() {
            let position = u16::try_from(position).unwrap_or(u16::MAX);
            let Some(idx) = need.idx else {
                unknown.push((need.uri.clone(), position));
                continue;
            };
            for (other, kind) in coverage_links(taxonomy, idx) {
                offer(&mut known, other, position, kind);
            }
        }
        let weights: Vec<f64> = needs.iter().map(|n| n.weight).collect();
        Self {
            total_weight: weights.iter().sum(),
            weights,
            min_proficiency: super::min_proficiencies(job, needs),
            known,
            unknown,
            as_of,
        }
    }
}
