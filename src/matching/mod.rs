//! Job -> credential matching: which credentials teach the job's competencies,
//! how directly, and how relevant their text is, with an explanation per result.

mod credential_score;
#[cfg(any(test, feature = "oracles"))]
mod exhaustive;
mod indexed;

use std::sync::Arc;

#[cfg(any(test, feature = "oracles"))]
pub use exhaustive::match_credentials_exhaustive;
pub use indexed::match_credentials;

use crate::catalog::{CredentialFilter, QualityMarkers};
use crate::domain::{AlignmentSource, JobPosting, Microcredential};
use crate::needs::{Covered, JobNeed};

/// Share of the score that comes from competency coverage; the rest is text relevance.
pub const COVERAGE_WEIGHT: f64 = 0.7;
/// Share of the score that comes from the cosine of the job's and the
/// credential's text embeddings; the coverage/text blend keeps the rest.
pub const VECTOR_WEIGHT: f64 = 0.1;
/// Largest soft quality boost (assessed + accredited + stackable).
pub const MAX_QUALITY_BOOST: f64 = 1.1;
/// How many BM25 hits are considered beside the coverage candidates.
pub const TEXT_CANDIDATES: usize = 100;

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
    /// Cosine of the job's and the credential's text embeddings, clamped to [0, 1].
    pub vector: f64,
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
    boost_for(QualityMarkers::of(credential))
}

/// [`quality_boost`] from the markers alone.
pub fn boost_for(markers: QualityMarkers) -> f64 {
    let mut boost = 1.0;
    if markers.assessed {
        boost += 0.04;
    }
    if markers.accredited {
        boost += 0.04;
    }
    if markers.stackable {
        boost += 0.02;
    }
    boost
}

/// The score of a credential from its parts: coverage and text blended
/// (text alone when the job has no needs), blended in turn with the vector
/// similarity, times the quality boost, scaled into [0, 1]. Both matching
/// paths score through this one function.
pub fn blended_score(components: &ScoreComponents, has_needs: bool) -> f64 {
    let lexical = if has_needs {
        COVERAGE_WEIGHT * components.coverage + (1.0 - COVERAGE_WEIGHT) * components.text
    } else {
        components.text
    };
    let base = (1.0 - VECTOR_WEIGHT) * lexical + VECTOR_WEIGHT * components.vector;
    (base * components.quality_boost / MAX_QUALITY_BOOST).clamp(0.0, 1.0)
}

/// BM25 normalised by the best hit of the query, in [0, 1].
fn normalised_text(bm25: f32, best_bm25: f32) -> f64 {
    if best_bm25 > 0.0 {
        f64::from(bm25 / best_bm25)
    } else {
        0.0
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
