//! Candidates to and from protobuf.

use super::credential::{proficiency_from_pb, proficiency_to_pb};
use crate::domain::{
    Candidate, CredentialId, Date, DeclaredCompetency, HeldCredential, RecordId, ValidationError,
    Violations,
};
use crate::pb;
use crate::taxonomy::Taxonomy;

/// An optional `YYYY-MM-DD` date; empty means absent.
pub fn optional_date(raw: &str, field: &str) -> Result<Option<Date>, ValidationError> {
    if raw.is_empty() {
        return Ok(None);
    }
    Date::parse(raw)
        .map(Some)
        .map_err(|_| ValidationError::field(field, "must be a date YYYY-MM-DD (10 characters)"))
}

fn date_to_pb(date: Option<Date>) -> String {
    date.map(|d| d.to_string()).unwrap_or_default()
}

fn held_from_pb(
    held: pb::HeldCredential,
    violations: &mut Violations,
    prefix: &str,
) -> HeldCredential {
    let pb::HeldCredential {
        credential_id,
        title,
        issuer,
        issued_on,
        expires_on,
        verified,
    } = held;
    let credential_id = if credential_id.is_empty() {
        None
    } else {
        violations.take(
            CredentialId::parse(&credential_id).map_err(|error| {
                let reason = error
                    .violations()
                    .first()
                    .map(|violation| violation.description.as_str())
                    .unwrap_or("is not valid");
                ValidationError::field(
                    "credential_id",
                    format!("is not a valid credential id: {reason}"),
                )
            }),
            prefix,
        )
    };
    HeldCredential {
        credential_id,
        title,
        issuer,
        issued: violations
            .take(optional_date(&issued_on, "issued_on"), prefix)
            .flatten(),
        expires: violations
            .take(optional_date(&expires_on, "expires_on"), prefix)
            .flatten(),
        verified,
    }
}

fn declared_from_pb(
    declared: pb::DeclaredCompetency,
    violations: &mut Violations,
    prefix: &str,
) -> DeclaredCompetency {
    let pb::DeclaredCompetency {
        uri,
        last_used_on,
        proficiency,
    } = declared;
    DeclaredCompetency {
        uri,
        last_used: violations
            .take(optional_date(&last_used_on, "last_used_on"), prefix)
            .flatten(),
        proficiency: violations
            .take(proficiency_from_pb(proficiency, "proficiency"), prefix)
            .flatten(),
    }
}

/// A candidate from protobuf; `cv_competencies` is output only and ignored.
pub fn candidate_from_pb(candidate: pb::Candidate) -> Result<Candidate, ValidationError> {
    let pb::Candidate {
        id,
        display_name,
        credentials,
        competencies,
        cv_text,
        cv_competencies: _,
    } = candidate;
    let mut violations = Violations::default();
    let id = violations.take(RecordId::parse(&id), "");
    let credentials = credentials
        .into_iter()
        .enumerate()
        .map(|(index, held)| held_from_pb(held, &mut violations, &format!("credentials[{index}].")))
        .collect();
    let competencies = competencies
        .into_iter()
        .enumerate()
        .map(|(index, declared)| {
            declared_from_pb(
                declared,
                &mut violations,
                &format!("competencies[{index}]."),
            )
        })
        .collect();
    let id_ok = id.is_some();
    // An invalid id does not hide the record's other violations: the limits
    // are checked on the rest of it under a stand-in id all the same.
    let candidate = Candidate {
        id: id.unwrap_or_else(|| RecordId::parse("invalid").expect("a valid id")),
        display_name: (!display_name.trim().is_empty()).then_some(display_name),
        credentials,
        competencies,
        cv_text,
        cv_competencies: Vec::new(),
    };
    violations.take(candidate.validate(), "");
    if !id_ok {
        return Err(violations.finish(()).expect_err("the id failed"));
    }
    violations.finish(candidate)
}

/// A candidate as protobuf.
pub fn candidate_to_pb(taxonomy: &Taxonomy, candidate: &Candidate) -> pb::Candidate {
    pb::Candidate {
        id: candidate.id.to_string(),
        display_name: candidate.display_name.clone().unwrap_or_default(),
        credentials: candidate
            .credentials
            .iter()
            .map(|held| pb::HeldCredential {
                credential_id: held
                    .credential_id
                    .as_ref()
                    .map(ToString::to_string)
                    .unwrap_or_default(),
                title: held.title.clone(),
                issuer: held.issuer.clone(),
                issued_on: date_to_pb(held.issued),
                expires_on: date_to_pb(held.expires),
                verified: held.verified,
            })
            .collect(),
        competencies: candidate
            .competencies
            .iter()
            .map(|declared| pb::DeclaredCompetency {
                uri: declared.uri.clone(),
                last_used_on: date_to_pb(declared.last_used),
                proficiency: proficiency_to_pb(declared.proficiency).into(),
            })
            .collect(),
        cv_text: candidate.cv_text.clone(),
        cv_competencies: candidate
            .cv_competencies
            .iter()
            .map(|found| pb::CvCompetency {
                uri: found.uri.clone(),
                preferred_label: taxonomy.label(&found.uri).to_owned(),
                score: found.score,
                evidence: found
                    .evidence
                    .iter()
                    .map(|span| pb::TextSpan {
                        start: i32::try_from(span.start).unwrap_or(i32::MAX),
                        end: i32::try_from(span.end).unwrap_or(i32::MAX),
                        text: span.text.clone(),
                    })
                    .collect(),
            })
            .collect(),
    }
}
