//! Microcredentials between protobuf and the domain.

use crate::domain::limits::MAX_FILTER_VALUES;
use crate::domain::{
    AlignmentSource, CredentialId, CredentialKind, Credits, Currency, DeliveryMode,
    Microcredential, Money, Proficiency, PublishedCost, TaughtCompetency, ValidationError,
    Violations,
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
    violations.check_count(
        &format!("{prefix}delivery_modes"),
        modes.len(),
        MAX_FILTER_VALUES,
    );
    modes
        .into_iter()
        .take(MAX_FILTER_VALUES)
        .enumerate()
        .filter_map(|(index, mode)| {
            violations.take(
                delivery_mode_from_pb(mode, &format!("{prefix}delivery_modes[{index}]")),
                "",
            )
        })
        .collect()
}

fn delivery_mode_to_pb(mode: Option<DeliveryMode>) -> pb::DeliveryMode {
    match mode {
        None => pb::DeliveryMode::Unspecified,
        Some(DeliveryMode::Online) => pb::DeliveryMode::Online,
        Some(DeliveryMode::InPerson) => pb::DeliveryMode::InPerson,
        Some(DeliveryMode::Blended) => pb::DeliveryMode::Blended,
    }
}

/// A credential's delivery mode; UNSPECIFIED is unknown (`None`).
fn known_delivery_mode_from_pb(
    value: i32,
    field: &str,
) -> Result<Option<DeliveryMode>, ValidationError> {
    if value == pb::DeliveryMode::Unspecified as i32 {
        return Ok(None);
    }
    delivery_mode_from_pb(value, field).map(Some)
}

/// Most allowed kinds a filter may list (there are three).
pub const MAX_FILTER_KINDS: usize = 3;
/// Most cost profiles a credential may carry.
pub const MAX_COST_PROFILES: usize = 16;
/// Longest cost profile label, in characters.
pub const MAX_COST_LABEL_CHARS: usize = 200;
/// Longest published type, in characters.
pub const MAX_PUBLISHED_TYPE_CHARS: usize = 100;
/// Most occupation URIs a credential may carry.
pub const MAX_OCCUPATION_URIS: usize = 32;
/// Longest occupation URI, in characters.
pub const MAX_OCCUPATION_URI_CHARS: usize = 512;

/// A credential's occupation URIs, within their limits.
fn occupation_uris_from_pb(uris: Vec<String>, violations: &mut Violations) -> Vec<String> {
    violations.check(
        uris.len() <= MAX_OCCUPATION_URIS,
        "occupation_uris",
        "must hold at most 32 URIs",
    );
    for (index, uri) in uris.iter().enumerate() {
        let length = uri.chars().count();
        if length == 0 || length > MAX_OCCUPATION_URI_CHARS {
            violations.add(
                format!("occupation_uris[{index}]"),
                "must be 1 to 512 characters",
            );
        }
    }
    uris
}

/// A kind from its wire value; UNSPECIFIED is `None`.
fn kind_from_pb(value: i32, field: &str) -> Result<Option<CredentialKind>, ValidationError> {
    match pb::CredentialKind::try_from(value) {
        Ok(pb::CredentialKind::Unspecified) => Ok(None),
        Ok(pb::CredentialKind::Credential) => Ok(Some(CredentialKind::Credential)),
        Ok(pb::CredentialKind::LearningOpportunity) => {
            Ok(Some(CredentialKind::LearningOpportunity))
        }
        Ok(pb::CredentialKind::Assessment) => Ok(Some(CredentialKind::Assessment)),
        Err(_) => Err(ValidationError::field(
            field,
            "is not a known credential kind",
        )),
    }
}

/// A kind as its wire value.
pub fn kind_to_pb(kind: CredentialKind) -> pb::CredentialKind {
    match kind {
        CredentialKind::Credential => pb::CredentialKind::Credential,
        CredentialKind::LearningOpportunity => pb::CredentialKind::LearningOpportunity,
        CredentialKind::Assessment => pb::CredentialKind::Assessment,
    }
}

/// A filter's allowed kinds: at most [`MAX_FILTER_KINDS`], each a set kind;
/// bad values are recorded under `{prefix}kinds[i]`.
pub fn kinds_from_pb(
    kinds: Vec<i32>,
    prefix: &str,
    violations: &mut Violations,
) -> Vec<CredentialKind> {
    violations.check(
        kinds.len() <= MAX_FILTER_KINDS,
        &format!("{prefix}kinds"),
        "must list at most 3 kinds",
    );
    kinds
        .into_iter()
        .enumerate()
        .filter_map(|(index, kind)| {
            let field = format!("{prefix}kinds[{index}]");
            match kind_from_pb(kind, &field) {
                Ok(Some(kind)) => Some(kind),
                Ok(None) => {
                    violations.add(field, "must not be CREDENTIAL_KIND_UNSPECIFIED");
                    None
                }
                Err(error) => {
                    violations.extend(error, "");
                    None
                }
            }
        })
        .collect()
}

fn cost_profiles_from_pb(
    profiles: Vec<pb::CostProfile>,
    violations: &mut Violations,
) -> Vec<PublishedCost> {
    violations.check(
        profiles.len() <= MAX_COST_PROFILES,
        "cost_profiles",
        "must hold at most 16 profiles",
    );
    profiles
        .into_iter()
        .enumerate()
        .map(
            |(
                index,
                pb::CostProfile {
                    amount,
                    currency,
                    label,
                },
            )| {
                if label.chars().count() > MAX_COST_LABEL_CHARS {
                    violations.add(
                        format!("cost_profiles[{index}].label"),
                        "must be at most 200 characters",
                    );
                }
                let currency = if currency.is_empty() {
                    None
                } else {
                    violations.take(
                        Currency::parse(&currency),
                        &format!("cost_profiles[{index}]."),
                    )
                };
                PublishedCost {
                    amount,
                    currency,
                    label: Some(label).filter(|l| !l.is_empty()),
                }
            },
        )
        .collect()
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
            // The violation names the entry itself (`part_of[2]`), not an `id` in it.
            let entry = format!("{field}[{index}]");
            violations.take(
                CredentialId::parse(id)
                    .map_err(|error| ValidationError::field(entry, describe(&error))),
                "",
            )
        })
        .collect()
}

/// The description of an error's first violation.
fn describe(error: &ValidationError) -> String {
    error
        .violations()
        .first()
        .map(|violation| violation.description.clone())
        .unwrap_or_default()
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
        resolved_from: _,
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
        resolved_from: None,
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
            kind,
            min_hours,
            cost_profiles,
            published_type,
            occupation_uris,
        } = message;
        let mut violations = Violations::default();
        let id = violations.take(CredentialId::parse(&id), "");
        let cost = cost.and_then(|pb::Money { amount, currency }| {
            violations.take(Money::new(amount, &currency), "cost.")
        });
        let delivery_mode = violations
            .take(
                known_delivery_mode_from_pb(delivery_mode, "delivery_mode"),
                "",
            )
            .flatten();
        let kind = violations
            .take(kind_from_pb(kind, "kind"), "")
            .flatten()
            .unwrap_or_default();
        let cost_profiles = cost_profiles_from_pb(cost_profiles, &mut violations);
        violations.check(
            published_type.chars().count() <= MAX_PUBLISHED_TYPE_CHARS,
            "published_type",
            "must be at most 100 characters",
        );
        let occupations = occupation_uris_from_pb(occupation_uris, &mut violations);
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
        let id_ok = id.is_some();
        // An invalid id does not hide the record's other violations: the
        // limits are checked on the rest of it under a stand-in id.
        let credential = Self {
            id: id.unwrap_or_else(|| CredentialId::parse("invalid").expect("a valid id")),
            kind,
            min_hours,
            cost_profiles,
            published_type: Some(published_type).filter(|t| !t.is_empty()),
            occupations,
            title,
            provider,
            description,
            learning_outcomes,
            competencies,
            hours,
            cost,
            delivery_mode,
            language: Some(language).filter(|l| !l.is_empty()),
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
        if !id_ok {
            return Err(violations.finish(()).expect_err("the id failed"));
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
                resolved_from: taught.resolved_from.as_ref().map(|published| {
                    pb::PublishedCompetency {
                        name: published.name.clone(),
                        framework: published.framework.clone().unwrap_or_default(),
                        score: published.score,
                    }
                }),
            })
            .collect(),
        hours: credential.hours,
        cost: credential.cost.map(|cost| pb::Money {
            amount: cost.amount,
            currency: cost.currency.to_string(),
        }),
        delivery_mode: delivery_mode_to_pb(credential.delivery_mode).into(),
        language: credential.language.clone().unwrap_or_default(),
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
        kind: kind_to_pb(credential.kind).into(),
        min_hours: credential.min_hours,
        cost_profiles: credential
            .cost_profiles
            .iter()
            .map(|profile| pb::CostProfile {
                amount: profile.amount,
                currency: profile.currency.map(|c| c.to_string()).unwrap_or_default(),
                label: profile.label.clone().unwrap_or_default(),
            })
            .collect(),
        published_type: credential.published_type.clone().unwrap_or_default(),
        occupation_uris: credential.occupations.clone(),
    }
}
