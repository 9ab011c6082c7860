//! Scoring one candidate against a job's needs: per need the best evidence,
//! valued as coverage factor x strength x recency x expiry x proficiency;
//! the score is the weight-averaged value over the needs.

use super::{CandidateProfile, Evidence};
use crate::domain::{Date, JobPosting, Proficiency};
use crate::needs::{CoverageKind, JobNeed};
use crate::taxonomy::{Relation, Taxonomy};

/// Evidence up to this many years old counts fully.
const FRESH_YEARS: f64 = 2.0;
/// At this age and beyond evidence counts [`OLDEST_FACTOR`].
const STALE_YEARS: f64 = 10.0;
/// Recency factor of the oldest evidence.
const OLDEST_FACTOR: f64 = 0.5;
/// Recency factor of undated evidence.
pub const UNDATED_FACTOR: f64 = 0.8;
/// Factor of an expired credential.
pub const EXPIRED_FACTOR: f64 = 0.5;
/// Factor of a proficiency below the job's minimum.
pub const BELOW_PROFICIENCY_FACTOR: f64 = 0.6;

/// How well a need is evidenced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NeedStatus {
    /// Exactly or by a narrower competency, unexpired, proficiency met.
    Matched,
    /// Broader or related only, expired, or below the minimum proficiency.
    Partial,
    /// Not evidenced.
    Missing,
}

/// The evidence chosen for a need, with every factor of its value.
#[derive(Debug, Clone, PartialEq)]
pub struct ChosenEvidence {
    /// The evidence.
    pub evidence: Evidence,
    /// How it relates to the need.
    pub coverage: CoverageKind,
    /// Recency factor.
    pub recency: f64,
    /// Expiry factor.
    pub expiry: f64,
    /// Whether the credential has expired.
    pub expired: bool,
    /// Proficiency factor.
    pub proficiency: f64,
    /// Product of the factors.
    pub value: f64,
}

/// One need of the job and how the candidate covers it.
#[derive(Debug, Clone, PartialEq)]
pub struct NeedAssessment {
    /// Index into the job's needs.
    pub need: usize,
    /// Matched, partial or missing.
    pub status: NeedStatus,
    /// The best evidence, if any.
    pub best: Option<ChosenEvidence>,
}

impl NeedAssessment {
    /// Value in [0, 1].
    pub fn value(&self) -> f64 {
        self.best.as_ref().map_or(0.0, |b| b.value)
    }
}

/// A candidate's score and its parts.
#[derive(Debug, Clone, PartialEq)]
pub struct Assessment {
    /// Score in [0, 1].
    pub score: f64,
    /// One entry per need, in the needs' order.
    pub needs: Vec<NeedAssessment>,
}

/// Recency factor of evidence dated `dated`, judged on `as_of`.
pub fn recency(dated: Option<Date>, as_of: Date) -> f64 {
    let Some(dated) = dated else {
        return UNDATED_FACTOR;
    };
    let years = dated.years_until(as_of);
    if years <= FRESH_YEARS {
        1.0
    } else if years >= STALE_YEARS {
        OLDEST_FACTOR
    } else {
        1.0 - (1.0 - OLDEST_FACTOR) * (years - FRESH_YEARS) / (STALE_YEARS - FRESH_YEARS)
    }
}

fn coverage_of(taxonomy: &Taxonomy, evidence: &Evidence, need: &JobNeed) -> Option<CoverageKind> {
    if evidence.uri == need.uri {
        return Some(CoverageKind::Exact);
    }
    let relation = taxonomy.relation(evidence.idx?, need.idx?)?;
    Some(match relation {
        Relation::Same => CoverageKind::Exact,
        Relation::Narrower => CoverageKind::Narrower,
        Relation::Broader => CoverageKind::Broader,
        Relation::Related => CoverageKind::Related,
    })
}

fn value_of(
    taxonomy: &Taxonomy,
    evidence: &Evidence,
    need: &JobNeed,
    min_proficiency: Option<Proficiency>,
    as_of: Date,
) -> Option<ChosenEvidence> {
    let coverage = coverage_of(taxonomy, evidence, need)?;
    let recency = recency(evidence.dated, as_of);
    let expired = evidence.expires.is_some_and(|expires| expires < as_of);
    let expiry = if expired { EXPIRED_FACTOR } else { 1.0 };
    let below = matches!(
        (evidence.proficiency, min_proficiency),
        (Some(held), Some(needed)) if held < needed
    );
    let proficiency = if below { BELOW_PROFICIENCY_FACTOR } else { 1.0 };
    Some(ChosenEvidence {
        value: coverage.factor() * evidence.kind.strength() * recency * expiry * proficiency,
        evidence: evidence.clone(),
        coverage,
        recency,
        expiry,
        expired,
        proficiency,
    })
}

/// The job's minimum proficiency per need (explicit needs only).
pub fn min_proficiencies(job: &JobPosting, needs: &[JobNeed]) -> Vec<Option<Proficiency>> {
    needs
        .iter()
        .map(|need| {
            job.competencies
                .iter()
                .find(|required| required.uri == need.uri)
                .and_then(|required| required.min_proficiency)
        })
        .collect()
}

/// Scores one candidate. Deterministic, and blind to everything but evidence.
pub fn assess(
    taxonomy: &Taxonomy,
    needs: &[JobNeed],
    min_proficiency: &[Option<Proficiency>],
    profile: &CandidateProfile,
    as_of: Date,
) -> Assessment {
    let total_weight: f64 = needs.iter().map(|n| n.weight).sum();
    let mut weighted = 0.0;
    let assessed = needs
        .iter()
        .enumerate()
        .map(|(position, need)| {
            let best = profile
                .evidence
                .iter()
                .filter_map(|e| value_of(taxonomy, e, need, min_proficiency[position], as_of))
                .max_by(|a, b| a.value.total_cmp(&b.value));
            let status = match &best {
                None => NeedStatus::Missing,
                Some(chosen)
                    if matches!(
                        chosen.coverage,
                        CoverageKind::Exact | CoverageKind::Narrower
                    ) && !chosen.expired
                        && chosen.proficiency >= 1.0 =>
                {
                    NeedStatus::Matched
                }
                Some(_) => NeedStatus::Partial,
            };
            let assessment = NeedAssessment {
                need: position,
                status,
                best,
            };
            weighted += need.weight * assessment.value();
            assessment
        })
        .collect();
    let score = if total_weight > 0.0 {
        (weighted / total_weight).clamp(0.0, 1.0)
    } else {
        0.0
    };
    Assessment {
        score,
        needs: assessed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recency_is_full_when_fresh_and_halves_when_stale() {
        let as_of = Date::parse("2026-01-01").unwrap();
        assert_eq!(recency(Date::parse("2025-01-01").ok(), as_of), 1.0);
        assert_eq!(recency(Date::parse("2010-01-01").ok(), as_of), 0.5);
        assert_eq!(recency(None, as_of), UNDATED_FACTOR);
        let six = recency(Date::parse("2020-01-01").ok(), as_of);
        assert!((six - 0.75).abs() < 0.01, "{six}");
    }
}
