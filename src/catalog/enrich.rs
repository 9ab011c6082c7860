//! Competencies inferred from a credential's own text. Providers align some
//! competencies explicitly; the description and learning outcomes often name
//! more. Those are added with source `Extracted`, so explanations can say
//! "inferred from the outcomes" rather than "aligned by the provider".

use crate::domain::{AlignmentSource, Microcredential, TaughtCompetency};
use crate::extract::{ExtractOptions, Extractor, Reason, TextKind};
use crate::taxonomy::Taxonomy;

/// At most this many competencies are inferred per credential.
pub const MAX_INFERRED: usize = 10;
/// How many extractions are examined for whole-label evidence.
const EXAMINED: usize = 50;

/// Only competencies the text names by a whole label (preferred, alternative
/// or hidden) count: a credential teaches what its outcomes say, not what an
/// occupation it resembles usually needs. A credential's alignments feed
/// every match, so precision matters more than recall here.
fn named_by_label(reason: Reason) -> bool {
    matches!(
        reason,
        Reason::PreferredLabel | Reason::AltLabel | Reason::HiddenLabel
    )
}

/// The text competencies are inferred from: description, then outcomes.
fn credential_text(credential: &Microcredential) -> String {
    std::iter::once(credential.description.as_str())
        .chain(credential.learning_outcomes.iter().map(String::as_str))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Adds the competencies the credential's text names and its provider did not
/// align, marked as extracted. Earlier extracted alignments are recomputed, so
/// re-upserting a credential never accumulates stale inferences; those
/// resolved from a published name (`resolved_from`) are kept.
pub fn add_extracted_competencies(
    taxonomy: &Taxonomy,
    extractor: &Extractor,
    credential: &mut Microcredential,
) {
    credential.competencies.retain(|taught| {
        taught.source == AlignmentSource::Provider || taught.resolved_from.is_some()
    });
    let options = ExtractOptions {
        top_k: EXAMINED,
        min_score: 0.0,
        // A credential teaches what it names, not a job's every competency.
        kind: TextKind::Sentence,
    };
    let named = extractor
        .extract(&credential_text(credential), &options)
        .into_iter()
        .filter(|extraction| named_by_label(extraction.reason))
        .take(MAX_INFERRED);
    for extraction in named {
        let uri = &taxonomy.get(extraction.competency).uri;
        if credential.competencies.iter().any(|t| &t.uri == uri) {
            continue;
        }
        credential.competencies.push(TaughtCompetency {
            uri: uri.clone(),
            proficiency: None,
            assessed: false,
            source: AlignmentSource::Extracted,
            resolved_from: None,
        });
    }
}
