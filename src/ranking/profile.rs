//! A candidate's evidence: every competency their credentials, declarations
//! and CV evidence, with the kind, dates and proficiency of each. This is all
//! ranking reads; names and raw CV text stay in the store.

use crate::catalog::Catalog;
use crate::domain::{Candidate, CredentialId, Date, Microcredential, Proficiency, RecordId};
use crate::extract::{ExtractOptions, Extractor, TextKind};
use crate::taxonomy::{CompetencyIdx, Taxonomy};

/// Kind of evidence, strongest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EvidenceKind {
    /// A verified credential that teaches the competency.
    VerifiedCredential,
    /// An unverified credential that assesses it.
    AssessedCredential,
    /// An unverified, unassessed credential that teaches it.
    Credential,
    /// Declared by the candidate.
    Declared,
    /// Extracted from the CV text.
    CvText,
}

impl EvidenceKind {
    /// Strength: 1.0, 0.8, 0.7, 0.6, 0.4.
    pub fn strength(self) -> f64 {
        match self {
            Self::VerifiedCredential => 1.0,
            Self::AssessedCredential => 0.8,
            Self::Credential => 0.7,
            Self::Declared => 0.6,
            Self::CvText => 0.4,
        }
    }
}

/// One piece of evidence for one competency.
#[derive(Debug, Clone, PartialEq)]
pub struct Evidence {
    /// Competency URI.
    pub uri: String,
    /// Its index when the taxonomy has it.
    pub idx: Option<CompetencyIdx>,
    /// Kind.
    pub kind: EvidenceKind,
    /// What evidences it: credential title or id, `declared`, or the CV span.
    pub source: String,
    /// Last used (declared) or issued (credential).
    pub dated: Option<Date>,
    /// Expiry of the evidencing credential.
    pub expires: Option<Date>,
    /// Proficiency, when the source states one.
    pub proficiency: Option<Proficiency>,
}

/// The evidence of one candidate.
#[derive(Debug, Clone, PartialEq)]
pub struct CandidateProfile {
    /// Candidate id.
    pub id: RecordId,
    /// Every piece of evidence.
    pub evidence: Vec<Evidence>,
    /// Ids of the catalogue credentials the candidate holds, whether the
    /// catalogue has them now or not: the evidence of each follows the
    /// catalogue, so the index re-derives it when one of them changes.
    pub credentials: Vec<CredentialId>,
}

impl CandidateProfile {
    /// URIs of every evidenced competency (with repeats).
    pub fn uris(&self) -> impl Iterator<Item = &str> {
        self.evidence.iter().map(|e| e.uri.as_str())
    }
}

/// What holding a catalogue credential evidences: each competency it
/// teaches, whether it is assessed, and the proficiency taught to.
fn taught_evidence(
    credential: &Microcredential,
) -> impl Iterator<Item = (&str, bool, Option<Proficiency>)> {
    credential.competencies.iter().map(|taught| {
        (
            taught.uri.as_str(),
            credential.assessed || taught.assessed,
            taught.proficiency,
        )
    })
}

/// Whether holding `old` and holding `new` evidence the same: when they do,
/// replacing one by the other in the catalogue changes no candidate's
/// evidence.
pub fn same_evidence(old: &Microcredential, new: &Microcredential) -> bool {
    taught_evidence(old).eq(taught_evidence(new))
}

/// Builds a candidate's evidence from their record, the catalogue (for the
/// competencies catalogue credentials teach) and the extractor (for free-form
/// credential titles).
pub fn build_profile(
    taxonomy: &Taxonomy,
    extractor: &Extractor,
    catalog: &Catalog,
    candidate: &Candidate,
) -> CandidateProfile {
    let mut evidence = Vec::new();
    for held in &candidate.credentials {
        let from_catalog = held
            .credential_id
            .as_ref()
            .and_then(|id| catalog.get(id).ok());
        let source = match (&held.credential_id, held.title.is_empty()) {
            (_, false) => held.title.clone(),
            (Some(id), true) => id.to_string(),
            (None, true) => String::new(),
        };
        let kind = |assessed: bool| match (held.verified, assessed) {
            (true, _) => EvidenceKind::VerifiedCredential,
            (false, true) => EvidenceKind::AssessedCredential,
            (false, false) => EvidenceKind::Credential,
        };
        let mut push = |uri: String, assessed: bool, proficiency: Option<Proficiency>| {
            evidence.push(Evidence {
                idx: taxonomy.idx(&uri),
                uri,
                kind: kind(assessed),
                source: source.clone(),
                dated: held.issued,
                expires: held.expires,
                proficiency,
            });
        };
        if let Some(credential) = from_catalog {
            for (uri, assessed, proficiency) in taught_evidence(&credential) {
                push(uri.to_owned(), assessed, proficiency);
            }
        } else {
            let text = format!("{} {}", held.title, held.issuer);
            // A credential's title, never a job title.
            let options = ExtractOptions {
                kind: TextKind::Sentence,
                ..ExtractOptions::default()
            };
            for found in extractor.extract(&text, &options) {
                push(taxonomy.get(found.competency).uri.clone(), false, None);
            }
        }
    }
    for declared in &candidate.competencies {
        evidence.push(Evidence {
            uri: declared.uri.clone(),
            idx: taxonomy.idx(&declared.uri),
            kind: EvidenceKind::Declared,
            source: "declared".to_owned(),
            dated: declared.last_used,
            expires: None,
            proficiency: declared.proficiency,
        });
    }
    for found in &candidate.cv_competencies {
        evidence.push(Evidence {
            uri: found.uri.clone(),
            idx: taxonomy.idx(&found.uri),
            kind: EvidenceKind::CvText,
            source: found
                .evidence
                .first()
                .map(|span| span.text.clone())
                .unwrap_or_default(),
            dated: None,
            expires: None,
            proficiency: None,
        });
    }
    CandidateProfile {
        id: candidate.id.clone(),
        evidence,
        credentials: held_credential_ids(candidate),
    }
}

/// The catalogue ids a candidate's credentials name, each once, sorted.
fn held_credential_ids(candidate: &Candidate) -> Vec<CredentialId> {
    let mut ids: Vec<CredentialId> = candidate
        .credentials
        .iter()
        .filter_map(|held| held.credential_id.clone())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}
