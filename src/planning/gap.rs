//! Gap analysis: which of a job's needs the held competencies meet, partly
//! meet, or miss, each with the held competency that evidences it.

use crate::matching::{CoverageKind, JobNeed, best_of, relate};
use crate::taxonomy::Taxonomy;

/// How a held competency meets a need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldEvidence {
    /// The held competency's URI.
    pub uri: String,
    /// How it relates to the need.
    pub relation: CoverageKind,
}

/// One need and what meets it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GapEntry {
    /// Index into [`GapAnalysis::needs`].
    pub need: usize,
    /// The most direct held competency relating to it; `None` for missing needs.
    pub held: Option<HeldEvidence>,
}

/// The gap between held competencies and a job.
///
/// Semantics: a need is *matched* when the same competency or a narrower one
/// is held (a specialisation evidences the general competency), *partial*
/// when only a broader or a related one is held, and *missing*
/// otherwise. Every need is in exactly one list, in the job's order.
#[derive(Debug, Clone, PartialEq)]
pub struct GapAnalysis {
    /// What the job needs (explicit, then extracted).
    pub needs: Vec<JobNeed>,
    /// Met needs.
    pub matched: Vec<GapEntry>,
    /// Partly met needs.
    pub partial: Vec<GapEntry>,
    /// Unmet needs.
    pub missing: Vec<GapEntry>,
}

impl GapAnalysis {
    /// The missing needs themselves.
    pub fn missing_needs(&self) -> Vec<JobNeed> {
        self.missing
            .iter()
            .map(|entry| self.needs[entry.need].clone())
            .collect()
    }
}

/// Splits `needs` by what the `held` competency URIs evidence.
pub fn analyze_gap(taxonomy: &Taxonomy, needs: Vec<JobNeed>, held: &[String]) -> GapAnalysis {
    let mut matched = Vec::new();
    let mut partial = Vec::new();
    let mut missing = Vec::new();
    for (position, need) in needs.iter().enumerate() {
        let best = best_of(
            held.iter()
                .filter_map(|uri| Some((relate(taxonomy, uri, need)?, uri))),
        );
        let entry = |held: Option<HeldEvidence>| GapEntry {
            need: position,
            held,
        };
        match best {
            Some((relation, uri)) => {
                let evidence = Some(HeldEvidence {
                    uri: uri.clone(),
                    relation,
                });
                match relation {
                    CoverageKind::Exact | CoverageKind::Narrower => matched.push(entry(evidence)),
                    CoverageKind::Broader | CoverageKind::Related => partial.push(entry(evidence)),
                }
            }
            None => missing.push(entry(None)),
        }
    }
    GapAnalysis {
        needs,
        matched,
        partial,
        missing,
    }
}
