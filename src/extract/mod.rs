//! Competency extraction from free text: which competencies a text is about,
//! with evidence spans and the reason for each.

mod phrases;

pub use phrases::{PhraseHit, PhraseMatcher};

use crate::taxonomy::{CompetencyIdx, Taxonomy};

/// Default number of competencies returned.
pub const DEFAULT_TOP_K: usize = 20;
/// Default minimum score.
pub const DEFAULT_MIN_SCORE: f64 = 0.3;

/// Why a competency was extracted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Reason {
    /// The text contains its preferred label.
    PreferredLabel,
    /// The text contains one of its alternative labels.
    AltLabel,
    /// The text contains one of its hidden labels (a variant spelling).
    HiddenLabel,
    /// The text is semantically close to the concept (vector similarity).
    Semantic,
    /// Inferred from an occupation the text names or describes.
    Occupation,
    /// A broader concept of one evidenced in the text.
    Broader,
    /// A narrower concept of one evidenced in the text.
    Narrower,
    /// Related to a concept evidenced in the text.
    Related,
}

/// A piece of the input that evidences a competency, in character offsets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    /// Offset of the first character (counted in Unicode scalar values).
    pub start: usize,
    /// Offset just past the last character.
    pub end: usize,
    /// The text of the span.
    pub text: String,
}

/// One extracted competency.
#[derive(Debug, Clone, PartialEq)]
pub struct Extraction {
    /// The competency.
    pub competency: CompetencyIdx,
    /// Confidence in [0, 1].
    pub score: f64,
    /// Where the text evidences it.
    pub evidence: Vec<Span>,
    /// The strongest reason.
    pub reason: Reason,
}

/// Extraction parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ExtractOptions {
    /// Maximum results.
    pub top_k: usize,
    /// Minimum score.
    pub min_score: f64,
}

impl Default for ExtractOptions {
    fn default() -> Self {
        Self {
            top_k: DEFAULT_TOP_K,
            min_score: DEFAULT_MIN_SCORE,
        }
    }
}

/// One occupation inferred from a text.
#[derive(Debug, Clone, PartialEq)]
pub struct OccupationMatch {
    /// Index into [`Taxonomy::occupations`].
    pub occupation: usize,
    /// Confidence in [0, 1].
    pub score: f64,
    /// Where the text evidences it.
    pub evidence: Vec<Span>,
    /// The strongest reason.
    pub reason: Reason,
}

/// Extracts competencies and occupations of one taxonomy from text.
#[derive(Debug)]
pub struct Extractor {
    competency_phrases: PhraseMatcher,
    occupation_phrases: PhraseMatcher,
}

impl Extractor {
    /// Builds the extractor's indexes over the taxonomy's labels.
    pub fn new(taxonomy: &Taxonomy) -> Self {
        Self {
            competency_phrases: PhraseMatcher::for_competencies(taxonomy),
            occupation_phrases: PhraseMatcher::for_occupations(taxonomy),
        }
    }

    /// Occupations the text names, best first, at most `top_k`.
    pub fn infer_occupations(&self, text: &str, top_k: usize) -> Vec<OccupationMatch> {
        let mut found: Vec<OccupationMatch> = self
            .occupation_phrases
            .find(text)
            .into_iter()
            .map(|hit| OccupationMatch {
                occupation: hit.concept as usize,
                score: hit.score,
                evidence: hit.evidence,
                reason: hit.reason,
            })
            .collect();
        found.sort_by(|a, b| {
            b.score
                .total_cmp(&a.score)
                .then(a.occupation.cmp(&b.occupation))
        });
        found.truncate(top_k);
        found
    }

    /// Ranked competencies of the text, best first.
    pub fn extract(&self, text: &str, options: &ExtractOptions) -> Vec<Extraction> {
        let mut found: Vec<Extraction> = self
            .competency_phrases
            .find(text)
            .into_iter()
            .map(|hit| Extraction {
                competency: CompetencyIdx(hit.concept),
                score: hit.score,
                evidence: hit.evidence,
                reason: hit.reason,
            })
            .collect();
        found.retain(|e| e.score >= options.min_score);
        found.sort_by(|a, b| {
            b.score
                .total_cmp(&a.score)
                .then(b.evidence.len().cmp(&a.evidence.len()))
                .then(a.competency.cmp(&b.competency))
        });
        found.truncate(options.top_k);
        found
    }
}
