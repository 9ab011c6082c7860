//! ExtractCompetencies and InferOccupations: requests to validated queries,
//! results to protobuf.

use super::{ConceptView, competency_to_pb, occupation_to_pb};
use crate::api::paging::PageSize;
use crate::domain::limits::{MAX_FILTER_VALUE_CHARS, MAX_FILTER_VALUES, MAX_TEXT_CHARS};
use crate::domain::{EvidenceSpan, ValidationError, Violations};
use crate::extract::{
    DEFAULT_MIN_SCORE, DEFAULT_TOP_K, ExtractOptions, Extraction, OccupationMatch, Reading, Reason,
    TextKind, has_body,
};
use crate::pb;
use crate::taxonomy::Taxonomy;

/// Most competencies one extraction returns.
pub const MAX_EXTRACT_TOP_K: usize = 200;
/// Occupations returned when the request leaves `top_k` unset.
pub const DEFAULT_OCCUPATIONS_TOP_K: usize = 10;
/// Most occupations one inference returns.
pub const MAX_OCCUPATIONS_TOP_K: usize = 100;

/// A validated ExtractCompetencies request.
#[derive(Debug, Clone, PartialEq)]
pub struct ExtractQuery {
    /// The text, whole.
    pub text: String,
    /// Result count and threshold.
    pub options: ExtractOptions,
    /// Taxonomy ids to keep; empty keeps all.
    pub taxonomy_ids: Vec<String>,
    /// How much of each competency to return.
    pub view: ConceptView,
}

/// A validated InferOccupations request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InferQuery {
    /// The text, whole.
    pub text: String,
    /// Most occupations to return.
    pub top_k: usize,
    /// Taxonomy ids to keep; empty keeps all.
    pub taxonomy_ids: Vec<String>,
    /// How much of each occupation to return.
    pub view: ConceptView,
}

fn check_ids(violations: &mut Violations, ids: &[String]) {
    violations.check_count("taxonomy_ids", ids.len(), MAX_FILTER_VALUES);
    for (index, id) in ids.iter().enumerate().take(MAX_FILTER_VALUES) {
        if id.trim().is_empty() {
            violations.add(format!("taxonomy_ids[{index}]"), "must not be empty");
        }
        violations.check_chars(
            &format!("taxonomy_ids[{index}]"),
            id,
            MAX_FILTER_VALUE_CHARS,
        );
    }
}

fn check_text(violations: &mut Violations, text: &str) {
    if text.trim().is_empty() {
        violations.add("text", "must not be empty");
    } else {
        violations.check_chars("text", text, MAX_TEXT_CHARS);
    }
}

/// The request's `text_kind`: a job title or a sentence must be one line of
/// `text`; a posting has a body after its first line.
fn text_kind_from_pb(
    value: i32,
    text: &str,
    from_document: bool,
) -> Result<TextKind, ValidationError> {
    let one_line = |kind: TextKind, name: &str| {
        if from_document {
            Err(ValidationError::field(
                "text_kind",
                format!("{name} needs `text`, not `document`"),
            ))
        } else if has_body(text) {
            Err(ValidationError::field(
                "text_kind",
                format!("{name} needs a one-line `text`"),
            ))
        } else {
            Ok(kind)
        }
    };
    match pb::TextKind::try_from(value) {
        Ok(pb::TextKind::Unspecified) => Ok(TextKind::Inferred),
        Ok(pb::TextKind::JobTitle) => one_line(TextKind::JobTitle, "TEXT_KIND_JOB_TITLE"),
        Ok(pb::TextKind::Sentence) => one_line(TextKind::Sentence, "TEXT_KIND_SENTENCE"),
        // The engine reads every text with a body as a posting.
        Ok(pb::TextKind::Posting) if has_body(text) => Ok(TextKind::Inferred),
        Ok(pb::TextKind::Posting) => Err(ValidationError::field(
            "text_kind",
            "TEXT_KIND_POSTING needs a title line and a body after it",
        )),
        Err(_) => Err(ValidationError::field(
            "text_kind",
            "must be TEXT_KIND_UNSPECIFIED, TEXT_KIND_JOB_TITLE, TEXT_KIND_SENTENCE or TEXT_KIND_POSTING",
        )),
    }
}

/// How the engine read a text, as the response's `read_as`.
pub fn reading_to_pb(reading: Reading) -> pb::TextKind {
    match reading {
        Reading::Posting => pb::TextKind::Posting,
        Reading::JobTitle => pb::TextKind::JobTitle,
        Reading::Sentence => pb::TextKind::Sentence,
    }
}

impl TryFrom<pb::ExtractCompetenciesRequest> for ExtractQuery {
    type Error = ValidationError;

    fn try_from(request: pb::ExtractCompetenciesRequest) -> Result<Self, Self::Error> {
        let pb::ExtractCompetenciesRequest {
            text,
            top_k,
            min_score,
            taxonomy_ids,
            view,
            document,
            text_kind,
        } = request;
        let mut violations = Violations::default();
        // A document was read into `text` by the service before (on the blocking pool).
        check_text(&mut violations, &text);
        let kind = violations.take(text_kind_from_pb(text_kind, &text, document.is_some()), "");
        check_ids(&mut violations, &taxonomy_ids);
        let top_k = violations.take(
            PageSize::new(top_k, DEFAULT_TOP_K, MAX_EXTRACT_TOP_K, "top_k"),
            "",
        );
        let min_score = min_score.unwrap_or(DEFAULT_MIN_SCORE);
        violations.check(
            (0.0..=1.0).contains(&min_score),
            "min_score",
            "must be between 0 and 1",
        );
        let options = ExtractOptions {
            top_k: top_k.map_or(DEFAULT_TOP_K, PageSize::get),
            min_score,
            kind: kind.unwrap_or_default(),
        };
        let view = violations.take(ConceptView::from_pb(view, "view"), "");
        violations.finish(Self {
            text,
            options,
            taxonomy_ids,
            view: view.unwrap_or_default(),
        })
    }
}

impl TryFrom<pb::InferOccupationsRequest> for InferQuery {
    type Error = ValidationError;

    fn try_from(request: pb::InferOccupationsRequest) -> Result<Self, Self::Error> {
        let pb::InferOccupationsRequest {
            text,
            top_k,
            taxonomy_ids,
            view,
        } = request;
        let mut violations = Violations::default();
        check_text(&mut violations, &text);
        check_ids(&mut violations, &taxonomy_ids);
        let top_k = violations.take(
            PageSize::new(
                top_k,
                DEFAULT_OCCUPATIONS_TOP_K,
                MAX_OCCUPATIONS_TOP_K,
                "top_k",
            ),
            "",
        );
        let view = violations.take(ConceptView::from_pb(view, "view"), "");
        violations.finish(Self {
            text,
            top_k: top_k.map_or(DEFAULT_OCCUPATIONS_TOP_K, PageSize::get),
            taxonomy_ids,
            view: view.unwrap_or_default(),
        })
    }
}

/// The reason as protobuf.
pub fn reason_to_pb(reason: Reason) -> pb::ExtractionReason {
    match reason {
        Reason::PreferredLabel => pb::ExtractionReason::PreferredLabel,
        Reason::AltLabel => pb::ExtractionReason::AltLabel,
        Reason::HiddenLabel => pb::ExtractionReason::HiddenLabel,
        Reason::Semantic => pb::ExtractionReason::Semantic,
        Reason::Occupation => pb::ExtractionReason::Occupation,
        Reason::Broader => pb::ExtractionReason::Broader,
        Reason::Narrower => pb::ExtractionReason::Narrower,
        Reason::Related => pb::ExtractionReason::Related,
    }
}

/// An evidence span as protobuf (offsets fit: texts are at most [`MAX_TEXT_CHARS`]).
pub fn span_to_pb(span: &EvidenceSpan) -> pb::EvidenceSpan {
    let offset = |value: usize| i32::try_from(value).unwrap_or(i32::MAX);
    pb::EvidenceSpan {
        start: offset(span.start),
        end: offset(span.end),
        text: span.text.clone(),
    }
}

/// One extracted competency as protobuf.
pub fn extraction_to_pb(
    taxonomy: &Taxonomy,
    extraction: &Extraction,
    view: ConceptView,
) -> pb::ExtractedCompetency {
    pb::ExtractedCompetency {
        competency: Some(competency_to_pb(taxonomy, extraction.competency, view)),
        score: extraction.score,
        evidence: extraction.evidence.iter().map(span_to_pb).collect(),
        reason: reason_to_pb(extraction.reason).into(),
        equivalent_uris: extraction
            .equivalents
            .iter()
            .map(|&c| taxonomy.get(c).uri.clone())
            .collect(),
    }
}

/// One inferred occupation as protobuf, with its crosswalk counterparts.
pub fn occupation_match_to_pb(
    taxonomy: &Taxonomy,
    found: &OccupationMatch,
    view: ConceptView,
) -> pb::InferredOccupation {
    pb::InferredOccupation {
        occupation: Some(occupation_to_pb(taxonomy, found.occupation, view)),
        score: found.score,
        evidence: found.evidence.iter().map(span_to_pb).collect(),
        reason: reason_to_pb(found.reason).into(),
        equivalent_uris: found
            .equivalents
            .iter()
            .map(|&o| taxonomy.occupations()[o].uri.clone())
            .collect(),
    }
}
