//! Where a gap analysis or an upskilling plan takes its held competencies and
//! its job from: listed in the request, or a stored candidate and a stored job
//! of the caller's tenant.

use std::collections::HashMap;

use super::{Engine, JobSource};
use crate::auth::TenantId;
use crate::domain::RecordId;
use crate::error::Error;
use crate::planning::{GapQuery, HeldCompetency};
use crate::ranking::{Evidence, EvidenceKind};

/// Whose competencies a gap is measured from.
#[derive(Debug, Clone)]
pub enum HeldSource {
    /// Competency URIs sent with the request.
    Uris(Vec<String>),
    /// A stored candidate of the tenant.
    Candidate(RecordId),
}

/// A gap request before its stored records are read.
#[derive(Debug, Clone)]
pub struct GapSource {
    /// The held competencies.
    pub held: HeldSource,
    /// The job.
    pub job: JobSource,
}

/// For people: what a piece of evidence is.
fn describe(evidence: &Evidence) -> String {
    let source = &evidence.source;
    match evidence.kind {
        EvidenceKind::VerifiedCredential => format!("verified credential {source}"),
        EvidenceKind::AssessedCredential => format!("assessed credential {source}"),
        EvidenceKind::Credential => format!("credential {source}"),
        EvidenceKind::Declared => "declared".to_owned(),
        EvidenceKind::CvText => format!("CV: \"{source}\""),
    }
}

/// One held competency per URI, evidenced by its strongest piece of evidence
/// (the first of equally strong ones), in the order the URIs first appear.
pub(super) fn strongest_per_competency(evidence: &[Evidence]) -> Vec<HeldCompetency> {
    let mut position: HashMap<&str, usize> = HashMap::new();
    let mut chosen: Vec<&Evidence> = Vec::new();
    for piece in evidence {
        match position.get(piece.uri.as_str()) {
            Some(&at) if chosen[at].kind.strength() >= piece.kind.strength() => {}
            Some(&at) => chosen[at] = piece,
            None => {
                position.insert(&piece.uri, chosen.len());
                chosen.push(piece);
            }
        }
    }
    chosen
        .into_iter()
        .map(|piece| HeldCompetency {
            uri: piece.uri.clone(),
            evidence: describe(piece),
        })
        .collect()
}

impl Engine {
    /// The competencies a stored candidate of the tenant holds: those their
    /// catalogue credentials teach, those they declared and those extracted
    /// from their CV, each once with its strongest evidence. NOT_FOUND when
    /// the tenant has no such candidate.
    pub fn held_by_candidate(
        &self,
        tenant: &TenantId,
        id: &RecordId,
    ) -> Result<Vec<HeldCompetency>, Error> {
        let candidate = self.candidate(tenant, id)?;
        let profile = self.profile_of(&candidate);
        Ok(strongest_per_competency(&profile.evidence))
    }

    /// Reads the stored records a gap request names and returns the gap query.
    pub fn resolve_gap(&self, tenant: &TenantId, source: GapSource) -> Result<GapQuery, Error> {
        let held = match source.held {
            HeldSource::Uris(uris) => {
                let mut violations = crate::domain::Violations::default();
                for (index, uri) in uris.iter().enumerate() {
                    self.taxonomy.check_competency(
                        uri,
                        &format!("held_competency_uris[{index}]"),
                        &mut violations,
                    );
                }
                violations.finish(())?;
                uris.into_iter().map(HeldCompetency::from).collect()
            }
            HeldSource::Candidate(id) => self.held_by_candidate(tenant, &id)?,
        };
        let job = self.resolve_job(tenant, source.job)?;
        Ok(GapQuery { held, job })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn piece(uri: &str, kind: EvidenceKind, source: &str) -> Evidence {
        Evidence {
            uri: uri.to_owned(),
            idx: None,
            kind,
            source: source.to_owned(),
            dated: None,
            expires: None,
            proficiency: None,
        }
    }

    #[test]
    fn each_competency_keeps_its_strongest_evidence_in_first_seen_order() {
        let held = strongest_per_competency(&[
            piece("urn:a", EvidenceKind::CvText, "wrote SQL"),
            piece("urn:b", EvidenceKind::Declared, "declared"),
            piece("urn:a", EvidenceKind::Credential, "SQL basics"),
            piece("urn:a", EvidenceKind::Declared, "declared"),
            piece("urn:b", EvidenceKind::VerifiedCredential, "Data 101"),
        ]);
        let pairs: Vec<(&str, &str)> = held
            .iter()
            .map(|h| (h.uri.as_str(), h.evidence.as_str()))
            .collect();
        assert_eq!(
            pairs,
            [
                ("urn:a", "credential SQL basics"),
                ("urn:b", "verified credential Data 101"),
            ]
        );
    }
}
