//! How well a credential covers a job's needs, through exact, narrower,
//! broader and related competencies.

use std::collections::BTreeSet;

use super::JobNeed;
use crate::domain::{AlignmentSource, Microcredential};
use crate::taxonomy::{Relation, Taxonomy};

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
    let (a, b) = (taxonomy.idx(uri)?, need.idx?);
    Some(CoverageKind::from_relation(taxonomy.relation(a, b)?))
}

/// The most direct of several relations (highest factor; the first on ties).
pub fn best_of<T>(related: impl Iterator<Item = (CoverageKind, T)>) -> Option<(CoverageKind, T)> {
    related.fold(None, |best, (kind, item)| match best {
        Some((best_kind, _)) if best_kind.factor() >= kind.factor() => best,
        _ => Some((kind, item)),
    })
}

/// URIs of every competency that could cover one of the needs.
pub fn neighbourhood(taxonomy: &Taxonomy, needs: &[JobNeed]) -> BTreeSet<String> {
    let mut uris = BTreeSet::new();
    for need in needs {
        uris.insert(need.uri.clone());
        let Some(idx) = need.idx else { continue };
        let parents = taxonomy.broader(idx);
        let linked = parents
            .iter()
            .chain(taxonomy.narrower(idx))
            .chain(taxonomy.related(idx))
            .chain(parents.iter().flat_map(|p| taxonomy.narrower(*p)));
        uris.extend(linked.map(|other| taxonomy.get(*other).uri.clone()));
    }
    uris
}

/// The needs a credential covers (best kind per need) and those it does not.
pub fn cover(
    taxonomy: &Taxonomy,
    needs: &[JobNeed],
    credential: &Microcredential,
) -> (Vec<Covered>, Vec<usize>) {
    let total_weight: f64 = needs.iter().map(|n| n.weight).sum();
    let mut covered = Vec::new();
    let mut not_covered = Vec::new();
    for (position, need) in needs.iter().enumerate() {
        let best = best_of(
            credential
                .competencies
                .iter()
                .filter_map(|taught| Some((relate(taxonomy, &taught.uri, need)?, taught))),
        );
        match best {
            Some((kind, taught)) if total_weight > 0.0 => covered.push(Covered {
                need: position,
                taught_uri: taught.uri.clone(),
                kind,
                source: taught.source,
                assessed: taught.assessed,
                contribution: need.weight / total_weight * kind.factor(),
            }),
            _ => not_covered.push(position),
        }
    }
    (covered, not_covered)
}
