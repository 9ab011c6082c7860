//! How well a credential covers a job's needs, through exact, narrower,
//! broader and related competencies.

use std::collections::HashMap;

use super::JobNeed;
use crate::domain::{AlignmentSource, Microcredential};
use crate::taxonomy::{CompetencyIdx, Relation, Taxonomy};

/// How a taught competency relates to a needed one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CoverageKind {
    /// The same competency.
    Exact,
    /// The credential teaches a narrower one.
    Narrower,
    /// The credential teaches a broader one.
    Broader,
    /// The credential teaches a related one.
    Related,
}

impl CoverageKind {
    /// Share of the need this kind of coverage counts for.
    pub fn factor(self) -> f64 {
        match self {
            Self::Exact => 1.0,
            Self::Narrower => 0.7,
            Self::Broader => 0.5,
            Self::Related => 0.4,
        }
    }

    fn from_relation(relation: Relation) -> Self {
        match relation {
            Relation::Same => Self::Exact,
            Relation::Narrower => Self::Narrower,
            Relation::Broader => Self::Broader,
            Relation::Related => Self::Related,
        }
    }
}

/// One need a credential covers.
#[derive(Debug, Clone, PartialEq)]
pub struct Covered {
    /// Index into the job's needs.
    pub need: usize,
    /// The taught competency's URI.
    pub taught_uri: String,
    /// How it relates.
    pub kind: CoverageKind,
    /// Provider-aligned or extracted.
    pub source: AlignmentSource,
    /// Whether the credential assesses it.
    pub assessed: bool,
    /// Contribution to the coverage component: weight share x kind factor.
    pub contribution: f64,
}

/// How a competency (taught or held) relates to a need: the same URI is
/// exact, otherwise the taxonomy relation of the two; `None` when unrelated or
/// either is not in the taxonomy.
pub fn relate(taxonomy: &Taxonomy, uri: &str, need: &JobNeed) -> Option<CoverageKind> {
    if uri == need.uri {
        return Some(CoverageKind::Exact);
    }
    relate_indices(taxonomy, taxonomy.idx(uri), need)
}

/// [`relate`] for a competency already looked up: `idx` is `taxonomy.idx(uri)`
/// (for callers relating one URI to many needs).
pub fn relate_looked_up(
    taxonomy: &Taxonomy,
    uri: &str,
    idx: Option<CompetencyIdx>,
    need: &JobNeed,
) -> Option<CoverageKind> {
    if uri == need.uri {
        return Some(CoverageKind::Exact);
    }
    relate_indices(taxonomy, idx, need)
}

/// The taxonomy relation of a competency's index to a need's, as a coverage kind.
fn relate_indices(
    taxonomy: &Taxonomy,
    idx: Option<CompetencyIdx>,
    need: &JobNeed,
) -> Option<CoverageKind> {
    let (a, b) = (idx?, need.idx?);
    Some(CoverageKind::from_relation(taxonomy.relation(a, b)?))
}

/// The most direct of several relations (highest factor; the first on ties).
pub fn best_of<T>(related: impl Iterator<Item = (CoverageKind, T)>) -> Option<(CoverageKind, T)> {
    related.fold(None, |best, (kind, item)| match best {
        Some((best_kind, _)) if best_kind.factor() >= kind.factor() => best,
        _ => Some((kind, item)),
    })
}

/// Every competency whose evidence covers a needed one, and how: itself
/// (exact), its narrower ones, its broader ones, its related ones.
pub fn coverage_links(
    taxonomy: &Taxonomy,
    need: CompetencyIdx,
) -> impl Iterator<Item = (CompetencyIdx, CoverageKind)> + '_ {
    std::iter::once((need, CoverageKind::Exact))
        .chain(
            taxonomy
                .narrower(need)
                .iter()
                .map(|&c| (c, CoverageKind::Narrower)),
        )
        .chain(
            taxonomy
                .broader(need)
                .iter()
                .map(|&c| (c, CoverageKind::Broader)),
        )
        .chain(
            taxonomy
                .related(need)
                .iter()
                .map(|&c| (c, CoverageKind::Related)),
        )
}

/// For one job: every competency URI that covers one of its needs, and how.
/// Built once per query, so scoring a credential is one lookup per taught
/// competency.
#[derive(Debug, Default)]
pub struct CoverageMap {
    by_taught_uri: HashMap<String, Vec<(usize, CoverageKind)>>,
    total_weight: f64,
}

impl CoverageMap {
    /// Links each need to itself (exact), its narrower, broader and related competencies.
    pub fn new(taxonomy: &Taxonomy, needs: &[JobNeed]) -> Self {
        let mut map = Self {
            total_weight: needs.iter().map(|n| n.weight).sum(),
            ..Self::default()
        };
        for (position, need) in needs.iter().enumerate() {
            match need.idx {
                Some(idx) => {
                    for (other, kind) in coverage_links(taxonomy, idx) {
                        map.link(&taxonomy.get(other).uri, position, kind);
                    }
                }
                None => map.link(&need.uri, position, CoverageKind::Exact),
            }
        }
        map
    }

    fn link(&mut self, uri: &str, need: usize, kind: CoverageKind) {
        let links = self.by_taught_uri.entry(uri.to_owned()).or_default();
        match links.iter_mut().find(|(other, _)| *other == need) {
            Some(existing) if existing.1.factor() < kind.factor() => existing.1 = kind,
            Some(_) => {}
            None => links.push((need, kind)),
        }
    }

    /// URIs of every competency that covers some need.
    pub fn uris(&self) -> impl Iterator<Item = &str> {
        self.by_taught_uri.keys().map(String::as_str)
    }

    /// The needs a credential covers (best kind per need) and those it does not.
    pub fn cover(
        &self,
        needs: &[JobNeed],
        credential: &Microcredential,
    ) -> (Vec<Covered>, Vec<usize>) {
        let mut best: Vec<Option<Covered>> = vec![None; needs.len()];
        if self.total_weight > 0.0 {
            for taught in &credential.competencies {
                for &(need, kind) in self.by_taught_uri.get(&taught.uri).into_iter().flatten() {
                    if best[need]
                        .as_ref()
                        .is_some_and(|c| c.kind.factor() >= kind.factor())
                    {
                        continue;
                    }
                    best[need] = Some(Covered {
                        need,
                        taught_uri: taught.uri.clone(),
                        kind,
                        source: taught.source,
                        assessed: taught.assessed,
                        contribution: needs[need].weight / self.total_weight * kind.factor(),
                    });
                }
            }
        }
        let not_covered = (0..needs.len()).filter(|&n| best[n].is_none()).collect();
        (best.into_iter().flatten().collect(), not_covered)
    }
}
