//! Scoring and explaining one credential for a job: its coverage of the
//! needs, its text-side components and the blended score. Both matching
//! paths call it.

use std::sync::Arc;

use super::{CredentialMatch, ScoreComponents, blended_score, quality_boost};
use crate::domain::Microcredential;
use crate::needs::{CoverageMap, JobNeed};

/// The text-side score components of one credential: normalised BM25 and
/// the vector similarity.
#[derive(Debug, Clone, Copy)]
pub(super) struct Lexical {
    pub text: f64,
    pub vector: f64,
}

/// Scores and explains one credential.
pub(super) fn score_one(
    coverage: &CoverageMap,
    needs: &[JobNeed],
    credential: Arc<Microcredential>,
    lexical: Lexical,
) -> CredentialMatch {
    let (covered, not_covered) = coverage.cover(needs, &credential);
    let components = ScoreComponents {
        // Shares of needs that are all covered sum to 1 up to rounding.
        coverage: covered.iter().map(|c| c.contribution).sum::<f64>().min(1.0),
        text: lexical.text,
        vector: lexical.vector,
        quality_boost: quality_boost(&credential),
    };
    CredentialMatch {
        score: blended_score(&components, !needs.is_empty()),
        components,
        covered,
        not_covered,
        credential,
    }
}
