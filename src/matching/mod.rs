//! Job -> credential matching: which credentials teach the job's competencies,
//! how directly, and how relevant their text is, with an explanation per result.

mod coverage;
mod job_needs;

use std::collections::BTreeMap;
use std::sync::Arc;

pub use coverage::{CoverageKind, CoverageMap, Covered, best_of, coverage_links, relate};
pub use job_needs::{JobNeed, NeedSource, job_needs};

use crate::catalog::{Catalog, CatalogError, CredentialFilter};
use crate::domain::{AlignmentSource, JobPosting, Microcredential};
use crate::extract::Extractor;
use crate::taxonomy::Taxonomy;

/// Share of the score that comes from competency coverage; the rest is text relevance.
pub const COVERAGE_WEIGHT: f64 = 0.7;
/// Largest soft quality boost (assessed + accredited + stackable).
pub const MAX_QUALITY_BOOST: f64 = 1.1;
/// How many BM25 hits are considered beside the coverage candidates.
const TEXT_CANDIDATES: usize = 100;

/// A credential-matching request in domain terms.
#[derive(Debug, Clone)]
pub struct MatchQuery {
    /// The job.
    pub job: JobPosting,
    /// Hard filter.
    pub filter: CredentialFilter,
    /// Number of results (the page size).
    pub top_k: usize,
    /// Results skipped before the page: the page holds ranks `offset + 1 ..= offset + top_k`.
    pub offset: usize,
}

/// The parts of a score.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScoreComponents {
    /// Weighted share of the job's needs covered, in [0, 1].
    pub coverage: f64,
    /// BM25 normalised by the best hit of the query, in [0, 1].
    pub text: f64,
    /// Soft boost in [1, 1.1].
    pub quality_boost: f64,
}

/// One ranked credential and why.
#[derive(Debug, Clone)]
pub struct CredentialMatch {
    /// The credential.
    pub credential: Arc<Microcredential>,
    /// Score in [0, 1].
    pub score: f64,
    /// Score parts.
    pub components: ScoreComponents,
    /// Job needs it covers.
    pub covered: Vec<Covered>,
    /// Indices into the job needs it does not cover.
    pub not_covered: Vec<usize>,
}

/// The result of a match.
#[derive(Debug, Clone)]
pub struct MatchOutcome {
    /// What the job was taken to need.
    pub needs: Vec<JobNeed>,
    /// The page of results, best first.
    pub matches: Vec<CredentialMatch>,
    /// Whether results follow the page.
    pub more: bool,
}

/// Soft boost for quality markers: assessed +4 %, accredited +4 %, stackable +2 %.
pub fn quality_boost(credential: &Microcredential) -> f64 {
    let mut boost = 1.0;
    if credential.assessed {
        boost += 0.04;
    }
    if credential.is_accredited() {
        boost += 0.04;
    }
    if credential.is_stackable() {
        boost += 0.02;
    }
    boost
}

/// Ranks the catalogue's credentials for a job.
pub fn match_credentials(
    taxonomy: &Taxonomy,
    extractor: &Extractor,
    catalog: &Catalog,
    query: &MatchQuery,
) -> Result<MatchOutcome, CatalogError> {
    let needs = job_needs(taxonomy, extractor, &query.job);
    let coverage = CoverageMap::new(taxonomy, &needs);
    let mut candidates: BTreeMap<String, (Arc<Microcredential>, f32)> = catalog
        .teaching_any(coverage.uris())
        .into_iter()
        .map(|c| (c.id.to_string(), (c, 0.0)))
        .collect();
    let text = query.job.text();
    for (credential, bm25) in catalog.text_search(&text, TEXT_CANDIDATES)? {
        candidates
            .entry(credential.id.to_string())
            .or_insert((credential, 0.0))
            .1 = bm25;
    }
    let best_bm25 = candidates
        .values()
        .map(|(_, bm25)| *bm25)
        .fold(0.0f32, f32::max);
    let mut matches: Vec<CredentialMatch> = candidates
        .into_values()
        .filter(|(credential, _)| query.filter.accepts(credential))
        .map(|(credential, bm25)| {
            let text_score = if best_bm25 > 0.0 {
                f64::from(bm25 / best_bm25)
            } else {
                0.0
            };
            score_one(&coverage, &needs, credential, text_score)
        })
        .filter(|m| m.score > 0.0)
        .collect();
    matches.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then_with(|| a.credential.id.cmp(&b.credential.id))
    });
    let end = query.offset.saturating_add(query.top_k);
    let more = matches.len() > end;
    matches.truncate(end);
    matches.drain(..query.offset.min(matches.len()));
    Ok(MatchOutcome {
        needs,
        matches,
        more,
    })
}

fn score_one(
    coverage: &CoverageMap,
    needs: &[JobNeed],
    credential: Arc<Microcredential>,
    text_score: f64,
) -> CredentialMatch {
    let (covered, not_covered) = coverage.cover(needs, &credential);
    let coverage_score: f64 = covered.iter().map(|c| c.contribution).sum();
    let boost = quality_boost(&credential);
    let base = if needs.is_empty() {
        text_score
    } else {
        COVERAGE_WEIGHT * coverage_score + (1.0 - COVERAGE_WEIGHT) * text_score
    };
    CredentialMatch {
        score: (base * boost / MAX_QUALITY_BOOST).clamp(0.0, 1.0),
        components: ScoreComponents {
            coverage: coverage_score,
            text: text_score,
            quality_boost: boost,
        },
        covered,
        not_covered,
        credential,
    }
}

/// Where a taught competency's alignment came from, for explanations.
pub fn alignment_source(credential: &Microcredential, uri: &str) -> AlignmentSource {
    credential
        .competencies
        .iter()
        .find(|t| t.uri == uri)
        .map_or(AlignmentSource::Provider, |t| t.source)
}
