//! Microcredentials between protobuf and the domain.

use crate::domain::{
    AlignmentSource, CredentialId, Credits, DeliveryMode, Microcredential, Money, Proficiency,
    TaughtCompetency, ValidationError, Violations,
};
use crate::pb;
use crate::taxonomy::Taxonomy;

/// A delivery mode from its wire value; UNSPECIFIED and unknown values are errors.
pub fn delivery_mode_from_pb(value: i32, field: &str) -> Result<DeliveryMode, ValidationError> {
    match pb::DeliveryMode::try_from(value) {
        Ok(pb::DeliveryMode::Online) => Ok(DeliveryMode::Online),
        Ok(pb::DeliveryMode::InPerson) => Ok(DeliveryMode::InPerson),
        Ok(pb::DeliveryMode::Blended) => Ok(DeliveryMode::Blended),
        _ => Err(ValidationError::field(
            field,
            "must be DELIVERY_MODE_ONLINE, DELIVERY_MODE_IN_PERSON or DELIVERY_MODE_BLENDED",
        )),
    }
}

/// A list of delivery modes; each bad value is recorded under
/// `{prefix}delivery_modes[i]`.
pub fn delivery_modes_from_pb(
    modes: Vec<i32>,
    prefix: &str,
    violations: &mut Violations,
) -> Vec<DeliveryMode> {
    modes
        .into_iter()
        .enumerate()
        .filter_map(|(index, mode)| {
            violations.take(
                delivery_mode_from_pb(mode, &format!("{prefix}delivery_modes[{index}]")),
                "",
            )
        })
        .collect()
}

fn delivery_mode_to_pb(mode: DeliveryMode) -> pb::DeliveryMode {
    match mode {
        DeliveryMode::Online => pb::DeliveryMode::Online,
        DeliveryMode::InPerson => pb::DeliveryMode::InPerson,
        DeliveryMode::Blended => pb::DeliveryMode::Blended,
    }
}

/// A proficiency from its wire value; UNSPECIFIED is `None`.
pub fn proficiency_from_pb(
    value: i32,
    field: &str,
) -> Result<Option<Proficiency>, ValidationError> {
    match pb::Proficiency::try_from(value) {
        Ok(pb::Proficiency::Unspecified) => Ok(None),
        Ok(pb::Proficiency::Basic) => Ok(Some(Proficiency::Basic)),
        Ok(pb::Proficiency::Intermediate) => Ok(Some(Proficiency::Intermediate)),
        Ok(pb::Proficiency::Advanced) => Ok(Some(Proficiency::Advanced)),
        Ok(pb::Proficiency::Expert) => Ok(Some(Proficiency::Expert)),
        Err(_) => Err(ValidationError::field(field, "is not a known proficiency")),
    }
}

/// A proficiency as its wire value.
pub fn proficiency_to_pb(level: Option<Proficiency>) -> pb::Proficiency {
    match level {
        None => pb::Proficiency::Unspecified,
        Some(Proficiency::Basic) => pb::Proficiency::Basic,
        Some(Proficiency::Intermediate) => pb::Proficiency::Intermediate,
        Some(Proficiency::Advanced) => pb::Proficiency::Advanced,
        Some(Proficiency::Expert) => pb::Proficiency::Expert,
    }
}

/// An alignment source as its wire value.
pub fn alignment_source_to_pb(source: AlignmentSource) -> pb::AlignmentSource {
    match source {
        AlignmentSource::Provider => pb::AlignmentSource::Provider,
        AlignmentSource::Extracted => pb::AlignmentSource::Extracted,
    }
}

fn alignment_source_from_pb(value: i32, field: &str) -> Result<AlignmentSource, ValidationError> {
    match pb::AlignmentSource::try_from(value) {
        Ok(pb::AlignmentSource::Unspecified | pb::AlignmentSource::Provider) => {
            Ok(AlignmentSource::Provider)
        }
        Ok(pb::AlignmentSource::Extracted) => Ok(AlignmentSource::Extracted),
        Err(_) => Err(ValidationError::field(
            field,
            "is not a known alignment source",
        )),
    }
}

fn ids(raw: Vec<String>, field: &str, violations: &mut Violations) -> Vec<CredentialId> {
    raw.iter()
        .enumerate()
        .filter_map(|(index, id)| {
            violations.take(CredentialId::parse(id), &format!("{field}[{index}]."))
        })
        .collect()
}

fn taught_from_pb(
    taught: pb::TaughtCompetency,
    prefix: &str,
    violations: &mut Violations,
) -> TaughtCompetency {
    let pb::TaughtCompetency {
        uri,
        preferred_label: _,
        proficiency,
        assessed,
        source,
    } = taught;
    TaughtCompetency {
        uri,
        proficiency: violations
            .take(proficiency_from_pb(proficiency, "proficiency"), prefix)
            .flatten(),
        assessed,
        source: violations
            .take(alignment_source_from_pb(source, "source"), prefix)
            .unwrap_or_default(),
    }
}

impl TryFrom<pb::Microcredential> for Microcredential {
    type Error = ValidationError;

    fn try_from(message: pb::Microcredential) -> Result<Self, Self::Error> {
        let pb::Microcredential {
            id,
            title,
            provider,
            description,
            learning_outcomes,
            competencies,
            hours,
            cost,
            delivery_mode,
            language,
            assessed,
            accredited_by,
            frameworks,
            part_of,
            has_part,
            prerequisites,
            eqf_level,
            credits,
            validity_months,
            url,
        } = message;
        let mut violations = Violations::default();
        let id = violations.take(CredentialId::parse(&id), "");
        let cost = match cost {
            Some(pb::Money { amount, currency }) => {
                violations.take(Money::new(amount, &currency), "cost.")
            }
            None => {
                violations.add("cost", "is required (use amount 0 for free credentials)");
                None
            }
        };
        let delivery_mode =
            violations.take(delivery_mode_from_pb(delivery_mode, "delivery_mode"), "");
        let competencies = competencies
            .into_iter()
            .enumerate()
            .map(|(index, taught)| {
                taught_from_pb(taught, &format!("competencies[{index}]."), &mut violations)
            })
            .collect();
        let part_of = ids(part_of, "part_of", &mut violations);
        let has_part = ids(has_part, "has_part", &mut violations);
        let prerequisites = ids(prerequisites, "prerequisites", &mut violations);
        let eqf_level = eqf_level.map(|level| u8::try_from(level).unwrap_or(u8::MAX));
        let (Some(id), Some(cost), Some(delivery_mode)) = (id, cost, delivery_mode) else {
            return Err(violations.finish(()).expect_err("a required field failed"));
        };
        let credential = Self {
            id,
            title,
            provider,
            description,
            learning_outcomes,
            competencies,
            hours,
            cost,
            delivery_mode,
            language,
            assessed,
            accredited_by,
            frameworks,
            part_of,
            has_part,
            prerequisites,
            eqf_level,
            credits: credits.map(|c| Credits {
                value: c.value,
                system: c.system,
            }),
            validity_months,
            url: Some(url).filter(|u| !u.is_empty()),
        };
        if let Err(error) = credential.validate() {
            violations.extend(error, "");
        }
        violations.finish(credential)
    }
}

/// A credential as protobuf, with competency labels filled in.
pub fn credential_to_pb(taxonomy: &Taxonomy, credential: &Microcredential) -> pb::Microcredential {
    let strings = |ids: &[CredentialId]| ids.iter().map(ToString::to_string).collect();
    pb::Microcredential {
        id: credential.id.to_string(),
        title: credential.title.clone(),
        provider: credential.provider.clone(),
        description: credential.description.clone(),
        learning_outcomes: credential.learning_outcomes.clone(),
        competencies: credential
            .competencies
            .iter()
            .map(|taught| pb::TaughtCompetency {
                uri: taught.uri.clone(),
                preferred_label: taxonomy.label(&taught.uri).to_owned(),
                proficiency: proficiency_to_pb(taught.proficiency).into(),
                assessed: taught.assessed,
                source: alignment_source_to_pb(taught.source).into(),
            })
            .collect(),
        hours: credential.hours,
        cost: Some(pb::Money {
            amount: credential.cost.amount,
            currency: credential.cost.currency.to_string(),
        }),
        delivery_mode: delivery_mode_to_pb(credential.delivery_mode).into(),
        language: credential.language.clone(),
        assessed: credential.assessed,
        accredited_by: credential.accredited_by.clone(),
        frameworks: credential.frameworks.clone(),
        part_of: strings(&credential.part_of),
        has_part: strings(&credential.has_part),
        prerequisites: strings(&credential.prerequisites),
        eqf_level: credential.eqf_level.map(u32::from),
        credits: credential.credits.as_ref().map(|c| pb::Credits {
            value: c.value,
            system: c.system.clone(),
        }),
        validity_months: credential.validity_months,
        url: credential.url.clone().unwrap_or_default(),
    }
}
