//! Competency extraction from free text: which competencies a text is about,
//! with evidence spans and the reason for each.

mod phrases;

pub use phrases::PhraseMatcher;

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

/// Extracts competencies of one taxonomy from text.
#[derive(Debug)]
pub struct Extractor {
    phrases: PhraseMatcher,
}

impl Extractor {
    /// Builds the extractor's indexes over the taxonomy's labels.
    pub fn new(taxonomy: &Taxonomy) -> Self {
        Self {
            phrases: PhraseMatcher::new(taxonomy),
        }
    }

    /// Ranked competencies of the text, best first.
    pub fn extract(&self, text: &str, options: &ExtractOptions) -> Vec<Extraction> {
        let mut found = self.phrases.find(text);
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
