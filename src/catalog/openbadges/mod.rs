//! Open Badges 3.0 achievement definitions to catalogue entries.
//!
//! A file is a JSON document (an array of nodes or one node) or JSON Lines.
//! Each node is an `Achievement`; an `OpenBadgeCredential` /
//! `AchievementCredential`, whose `credentialSubject.achievement` is read;
//! or a CLR 2.0 `ClrCredential`, unpacked into the credentials (and bare
//! achievements) its `credentialSubject` holds, one entry each. VC 1.1
//! (`issuanceDate`), VC 2.0 and the draft Open Badges contexts (plugfest
//! contexts, the unversioned `ob/v3p0/context.json`) are all read; the
//! context is reported. Parsing is lenient and reported like the CTDL
//! reader: a record is rejected only without a name or when it is not an
//! achievement of any kind.
//!
//! Mapping: the achievement `id` gives the id (see `linked_data::id_from_iri`;
//! an achievement without one gets `ob-` and a hash of its issuer and name);
//! `achievementType` is kept as published, also outside the enumeration
//! ("Module"), and `Assessment` makes it an assessment; `name`,
//! `description`; `criteria.narrative` lines become learning outcomes;
//! `alignment[]` with a `targetUrl` are competencies aligned by the
//! provider, their `targetName` is resolved through the competency
//! extractor at import when the URL is not a taxonomy URI, and an alignment
//! with only a `targetName` is a named competency; `targetFramework` are the
//! frameworks; `creditsAvailable`; `inLanguage` (tags or language names);
//! the provider is the `creator` profile's name, else the credential
//! issuer's.
//!
//! Open Badges has no price, duration or delivery mode. They are unknown
//! unless the extension properties `skillmatch:cost` (`{"amount": 49,
//! "currency": "EUR"}`), `skillmatch:hours` and `skillmatch:deliveryMode`
//! (`online`, `in_person` or `blended`) give them.

use serde_json::Value;

mod markers;
#[cfg(test)]
mod tests;

use markers::{cost, delivery_mode, outcomes, provider};

use super::ParsedCredentials;
use super::linked_data::{Outcomes, Record, each, id_from_iri, records, text};
use super::report::{FieldOutcome, NamedCompetency, RecordReport};
use crate::domain::{
    AlignmentSource, CredentialId, CredentialKind, Credits, Microcredential, TaughtCompetency,
    read_language,
};

/// The `achievementType` terms of Open Badges 3.0.
const ACHIEVEMENT_TYPES: [&str; 31] = [
    "Achievement",
    "ApprenticeshipCertificate",
    "Assessment",
    "Assignment",
    "AssociateDegree",
    "Award",
    "Badge",
    "BachelorDegree",
    "Certificate",
    "CertificateOfCompletion",
    "Certification",
    "CommunityService",
    "Competency",
    "Course",
    "CoCurricular",
    "Degree",
    "Diploma",
    "DoctoralDegree",
    "Fieldwork",
    "GeneralEducationDevelopment",
    "JourneymanCertificate",
    "LearningProgram",
    "License",
    "Membership",
    "ProfessionalDoctorate",
    "QualityAssuranceCredential",
    "MasterCertificate",
    "MasterDegree",
    "MicroCredential",
    "ResearchDoctorate",
    "SecondarySchoolDiploma",
];

/// Properties of an achievement the reader maps (the others are reported
/// as ignored).
const MAPPED: [&str; 15] = [
    "id",
    "type",
    "@context",
    "name",
    "description",
    "achievementType",
    "criteria",
    "alignment",
    "creditsAvailable",
    "inLanguage",
    "creator",
    "image",
    "skillmatch:cost",
    "skillmatch:hours",
    "skillmatch:deliveryMode",
];

/// Parses Open Badges 3.0 achievements. A repeated id is rejected on its later records.
pub fn parse_credentials_openbadges(text: &str) -> ParsedCredentials {
    let (records, rejected) = records(text);
    let mut outcomes = Outcomes::new(rejected);
    for record in &records {
        let mut found = Vec::new();
        match achievements(&record.node, None, &mut found) {
            Ok(()) if !found.is_empty() => {
                for (achievement, wrapper) in found {
                    let mut report =
                        RecordReport::new(record.position, source_id(achievement, wrapper));
                    let outcome = credential(achievement, wrapper, &mut report);
                    outcomes.push(record, report, outcome);
                }
            }
            Ok(()) => reject(
                &mut outcomes,
                record,
                "the credential holds no achievement".into(),
            ),
            Err(reason) => reject(&mut outcomes, record, reason),
        }
    }
    outcomes.finish()
}

fn reject(outcomes: &mut Outcomes, record: &Record, reason: String) {
    let id = record
        .node
        .get("id")
        .and_then(Value::as_str)
        .map(str::to_owned);
    outcomes.push(record, RecordReport::new(record.position, id), Err(reason));
}

/// The published id of an achievement, else of the credential awarding it.
fn source_id(achievement: &Value, wrapper: Option<&Value>) -> Option<String> {
    achievement
        .get("id")
        .or_else(|| wrapper.and_then(|w| w.get("id")))
        .and_then(Value::as_str)
        .map(str::to_owned)
}

fn has_type(node: &Value, wanted: &str) -> bool {
    each(node.get("type"))
        .chain(each(node.get("@type")))
        .any(|t| t.as_str() == Some(wanted))
}

/// The achievements a node defines or awards, each with the credential that
/// awards it (for its issuer and context), appended to `found`.
fn achievements<'a>(
    node: &'a Value,
    wrapper: Option<&'a Value>,
    found: &mut Vec<(&'a Value, Option<&'a Value>)>,
) -> Result<(), String> {
    if has_type(node, "Achievement") {
        found.push((node, wrapper));
        return Ok(());
    }
    let subject = node.get("credentialSubject");
    if has_type(node, "ClrCredential") {
        let subject = subject.ok_or("the CLR credential has no credentialSubject")?;
        let before = found.len();
        for inner in each(subject.get("verifiableCredential")) {
            achievements(inner, Some(inner), found)?;
        }
        for bare in each(subject.get("achievement")) {
            let id = bare.get("id").and_then(Value::as_str);
            let awarded = found[before..]
                .iter()
                .any(|(a, _)| id.is_some() && a.get("id").and_then(Value::as_str) == id);
            if !awarded {
                found.push((bare, Some(node)));
            }
        }
        return Ok(());
    }
    if has_type(node, "OpenBadgeCredential")
        || has_type(node, "AchievementCredential")
        || has_type(node, "VerifiableCredential")
    {
        let awarded = subject
            .and_then(|subject| subject.get("achievement"))
            .ok_or("the credential has no credentialSubject.achievement")?;
        for achievement in each(Some(awarded)) {
            found.push((achievement, Some(wrapper.unwrap_or(node))));
        }
        return Ok(());
    }
    Err("not an Open Badges 3.0 Achievement, OpenBadgeCredential, AchievementCredential or CLR 2.0 ClrCredential".to_owned())
}

/// The contexts a credential declares, in words.
fn context_of(node: &Value) -> Option<String> {
    let contexts: Vec<&str> = each(node.get("@context"))
        .filter_map(Value::as_str)
        .collect();
    if contexts.is_empty() {
        return None;
    }
    let vc = if contexts.iter().any(|c| c.contains("2018/credentials/v1")) {
        "Verifiable Credentials 1.1"
    } else if contexts.iter().any(|c| c.contains("ns/credentials/v2")) {
        "Verifiable Credentials 2.0"
    } else {
        "no Verifiable Credentials context"
    };
    let ob = contexts
        .iter()
        .find(|c| c.contains("/ob/v3p0/") || c.contains("plugfest") || c.contains("clr/v2p0"))
        .map_or("no Open Badges context", |c| {
            if c.contains("context-3.") {
                "Open Badges 3.0"
            } else {
                "a draft Open Badges 3.0 context"
            }
        });
    Some(format!("{vc}, {ob}"))
}

fn credential(
    node: &Value,
    wrapper: Option<&Value>,
    report: &mut RecordReport,
) -> Result<Microcredential, String> {
    let title = text(node.get("name"))
        .or_else(|| wrapper.and_then(|w| text(w.get("name"))))
        .ok_or("no name: a record without a name is unusable")?;
    if let Some(context) = wrapper.and_then(context_of).or_else(|| context_of(node)) {
        report.field("@context", FieldOutcome::Read, context);
    }
    let issuer = wrapper.and_then(|w| w.get("issuer"));
    let id = match node.get("id").and_then(Value::as_str) {
        Some(raw) => {
            let (id, derived) = id_from_iri(raw)?;
            if derived {
                report.field(
                    "id",
                    FieldOutcome::Resolved,
                    format!("derived from {raw:?}"),
                );
            } else {
                report.field("id", FieldOutcome::Read, "the achievement id");
            }
            id
        }
        None => {
            let issuer_key = issuer
                .and_then(|i| {
                    i.get("id")
                        .and_then(Value::as_str)
                        .map(str::to_owned)
                        .or_else(|| text(Some(i)))
                })
                .unwrap_or_default();
            let hash = blake3::hash(format!("{issuer_key}\n{title}").as_bytes()).to_hex();
            report.field(
                "id",
                FieldOutcome::Resolved,
                "the achievement has no id: derived from its issuer and name",
            );
            CredentialId::parse(&format!("ob-{}", &hash[..24])).map_err(|e| e.to_string())?
        }
    };
    let published_type = match node.get("achievementType") {
        None => {
            report.field(
                "kind",
                FieldOutcome::Read,
                "no achievementType: a credential",
            );
            None
        }
        Some(value) => match value.as_str() {
            Some(kind) if ACHIEVEMENT_TYPES.contains(&kind) || kind.starts_with("ext:") => {
                report.field(
                    "kind",
                    FieldOutcome::Read,
                    format!("achievementType {kind}"),
                );
                Some(kind.to_owned())
            }
            Some(kind) => {
                report.field(
                    "kind",
                    FieldOutcome::Resolved,
                    format!("achievementType {kind:?} is outside the Open Badges 3.0 enumeration; kept as published"),
                );
                Some(kind.to_owned())
            }
            None => {
                report.field(
                    "kind",
                    FieldOutcome::Ignored,
                    "achievementType is not a string",
                );
                None
            }
        },
    };
    let kind = if published_type.as_deref() == Some("Assessment") {
        CredentialKind::Assessment
    } else {
        CredentialKind::Credential
    };
    report.field("title", FieldOutcome::Read, "name");
    let mut competencies: Vec<TaughtCompetency> = Vec::new();
    let mut frameworks: Vec<String> = Vec::new();
    for (index, alignment) in each(node.get("alignment")).enumerate() {
        let url = alignment.get("targetUrl").and_then(Value::as_str);
        let name = text(alignment.get("targetName"));
        let framework = text(alignment.get("targetFramework"));
        if let Some(uri) = url {
            if !competencies.iter().any(|c| c.uri == uri) {
                competencies.push(TaughtCompetency {
                    uri: uri.to_owned(),
                    proficiency: None,
                    assessed: false,
                    source: AlignmentSource::Provider,
                    resolved_from: None,
                });
            }
        }
        match (&name, url) {
            (Some(name), _) => {
                if !report.named_competencies.iter().any(|n| &n.name == name) {
                    report.named_competencies.push(NamedCompetency {
                        name: name.clone(),
                        framework: framework.clone(),
                        assessed: false,
                        published_uri: url.map(str::to_owned),
                        resolved: None,
                    });
                }
            }
            (None, None) => report.field(
                &format!("alignment[{index}]"),
                FieldOutcome::Ignored,
                "neither targetUrl nor targetName",
            ),
            (None, Some(_)) => {}
        }
        if let Some(framework) = framework.filter(|f| !frameworks.contains(f)) {
            frameworks.push(framework);
        }
    }
    if competencies.is_empty() && report.named_competencies.is_empty() {
        report.field(
            "competencies",
            FieldOutcome::Unknown,
            "no alignment (the description may still name some)",
        );
    } else {
        report.field(
            "competencies",
            FieldOutcome::Read,
            format!(
                "{} aligned by URL, {} by name",
                competencies.len(),
                report.named_competencies.len()
            ),
        );
    }
    let credits = match node.get("creditsAvailable") {
        None => None,
        Some(value) => match value.as_f64().filter(|v| v.is_finite() && *v >= 0.0) {
            Some(value) => {
                report.field("credits", FieldOutcome::Read, "creditsAvailable");
                Some(Credits {
                    value,
                    system: "credits".into(),
                })
            }
            None => {
                report.field(
                    "credits",
                    FieldOutcome::Ignored,
                    "creditsAvailable is not a number >= 0",
                );
                None
            }
        },
    };
    let provider = provider(node, issuer, report);
    let description = text(node.get("description"));
    if description.is_none() {
        report.field("description", FieldOutcome::Unknown, "not published");
    }
    let language = match text(node.get("inLanguage"))
        .or_else(|| wrapper.and_then(|w| text(w.get("inLanguage"))))
    {
        None => {
            report.field("language", FieldOutcome::Unknown, "no inLanguage");
            None
        }
        Some(raw) => match read_language(&raw) {
            Some(read) if read.tag() == raw => {
                report.field("language", FieldOutcome::Read, format!("inLanguage {raw}"));
                Some(raw)
            }
            Some(read) => {
                report.field(
                    "language",
                    FieldOutcome::Resolved,
                    format!("{raw:?} read as {}", read.tag()),
                );
                Some(read.tag().to_owned())
            }
            None => {
                report.field(
                    "language",
                    FieldOutcome::Unknown,
                    format!("{raw:?} is not a language"),
                );
                None
            }
        },
    };
    let hours = match node.get("skillmatch:hours") {
        None => {
            report.field(
                "hours",
                FieldOutcome::Unknown,
                "Open Badges publishes no duration",
            );
            None
        }
        Some(value) => match value.as_f64().filter(|h| h.is_finite() && *h >= 0.0) {
            Some(hours) => {
                report.field("hours", FieldOutcome::Read, "skillmatch:hours");
                Some(hours)
            }
            None => {
                report.field(
                    "hours",
                    FieldOutcome::Unknown,
                    "skillmatch:hours is not a number >= 0",
                );
                None
            }
        },
    };
    let cost = cost(node.get("skillmatch:cost"), report);
    let delivery_mode = delivery_mode(node.get("skillmatch:deliveryMode"), report);
    report.field(
        "url",
        FieldOutcome::Unknown,
        "Open Badges has no landing page property",
    );
    for (key, _) in node.as_object().into_iter().flatten() {
        if !MAPPED.contains(&key.as_str()) {
            report.field(
                key,
                FieldOutcome::Ignored,
                "not mapped to a skillmatch field",
            );
        }
    }
    let credential = Microcredential {
        kind,
        title,
        provider,
        description: description.unwrap_or_default(),
        learning_outcomes: outcomes(node),
        competencies,
        hours,
        min_hours: None,
        cost,
        cost_profiles: Vec::new(),
        delivery_mode,
        language,
        assessed: kind == CredentialKind::Assessment,
        accredited_by: Vec::new(),
        frameworks,
        part_of: Vec::new(),
        has_part: Vec::new(),
        prerequisites: Vec::new(),
        eqf_level: None,
        credits,
        validity_months: None,
        url: None,
        published_type,
        occupations: Vec::new(),
        id,
    };
    credential.validate().map_err(|error| error.to_string())?;
    Ok(credential)
}
