//! Gap analysis: which of a job's needs the held competencies meet, partly
//! meet, or miss, each with the held competency that evidences it.

use crate::needs::{CoverageKind, JobNeed, best_of, relate};
use crate::taxonomy::Taxonomy;

/// A competency someone holds, and what evidences it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldCompetency {
    /// Competency URI.
    pub uri: String,
    /// What evidences it, for people (e.g. a credential's title); empty when
    /// the request listed the URI itself.
    pub evidence: String,
}

impl From<String> for HeldCompetency {
    fn from(uri: String) -> Self {
        Self {
            uri,
            evidence: String::new(),
        }
    }
}

impl From<&str> for HeldCompetency {
    fn from(uri: &str) -> Self {
        Self::from(uri.to_owned())
    }
}

/// How a held competency meets a need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldEvidence {
    /// The held competency's URI.
    pub uri: String,
    /// What evidences the held competency (see [`HeldCompetency::evidence`]).
    pub evidence: String,
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

/// Splits `needs` by what the `held` competencies evidence.
pub fn analyze_gap(
    taxonomy: &Taxonomy,
    needs: Vec<JobNeed>,
    held: &[HeldCompetency],
) -> GapAnalysis {
    let mut matched = Vec::new();
    let mut partial = Vec::new();
    let mut missing = Vec::new();
    for (position, need) in needs.iter().enumerate() {
        let best = best_of(
            held.iter()
                .filter_map(|h| Some((relate(taxonomy, &h.uri, need)?, h))),
        );
        let entry = |held: Option<HeldEvidence>| GapEntry {
            need: position,
            held,
        };
        match best {
            Some((relation, held)) => {
                let evidence = Some(HeldEvidence {
                    uri: held.uri.clone(),
                    evidence: held.evidence.clone(),
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
