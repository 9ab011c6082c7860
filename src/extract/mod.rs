//! Competency extraction from free text: which competencies a text is about,
//! with evidence spans and the reason for each.

mod label_index;
mod occupations;
mod phrases;
mod skills;
mod spans;
mod terms;
mod tuning;

pub use label_index::{LabelIndex, LabelMatch};
pub use phrases::{PhraseHit, PhraseMatcher};
pub use tuning::{BadTuning, Tuning};

use occupations::OccupationIndex;
use skills::SkillIndex;

use crate::taxonomy::{CompetencyIdx, Taxonomy};

/// How extraction ranks, in words, for reports such as EVALUATION.md.
pub const METHOD: &str = "Exact phrase matching of ESCO preferred, alternative and hidden labels \
on lower-cased, accent-folded tokens with a plural-s stemmer; \
score 1.0 / 0.9 / 0.8 by label kind.";

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
    skills: SkillIndex,
    occupations: OccupationIndex,
    tuning: Tuning,
}

/// How many occupations skill extraction considers.
const OCCUPATIONS_FOR_SKILLS: usize = 50;

impl Extractor {
    /// Builds the extractor's indexes over the taxonomy's labels, with the tuned weights.
    pub fn new(taxonomy: &Taxonomy) -> Self {
        Self::with_tuning(taxonomy, Tuning::default())
    }

    /// Builds the extractor with other fusion weights.
    pub fn with_tuning(taxonomy: &Taxonomy, tuning: Tuning) -> Self {
        Self {
            skills: SkillIndex::new(taxonomy),
            occupations: OccupationIndex::new(taxonomy),
            tuning,
        }
    }

    /// Occupations the text names or describes, best first, at most `top_k`.
    /// The first line with content is read as a job title; the rest as a posting body.
    pub fn infer_occupations(&self, text: &str, top_k: usize) -> Vec<OccupationMatch> {
        self.occupations
            .rank(text, top_k, &self.tuning)
            .into_iter()
            .map(|o| OccupationMatch {
                occupation: o.occupation,
                score: f64::from(o.score),
                evidence: o.evidence,
                reason: o.reason,
            })
            .collect()
    }

    /// Ranked competencies of the text, best first.
    pub fn extract(&self, text: &str, options: &ExtractOptions) -> Vec<Extraction> {
        let occupations = self
            .occupations
            .rank(text, OCCUPATIONS_FOR_SKILLS, &self.tuning);
        self.skills
            .rank(text, &occupations, &self.tuning)
            .into_iter()
            .map(|s| Extraction {
                competency: s.competency,
                score: f64::from(s.score),
                evidence: s.evidence,
                reason: s.reason,
            })
            .filter(|e| e.score >= options.min_score && !e.evidence.is_empty())
            .take(options.top_k)
            .collect()
    }
}
