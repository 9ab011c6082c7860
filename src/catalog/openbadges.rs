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

use super::ParsedCredentials;
use super::linked_data::{Outcomes, Record, each, id_from_iri, records, text};
use super::report::{FieldOutcome, NamedCompetency, RecordReport};
use crate::domain::{
    AlignmentSource, CredentialId, CredentialKind, Credits, DeliveryMode, Microcredential, Money,
    TaughtCompetency, read_language,
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

/// The creator profile's name (or IRI), else the credential issuer's.
fn provider(node: &Value, issuer: Option<&Value>, report: &mut RecordReport) -> String {
    for (source, profile) in [("creator", node.get("creator")), ("issuer", issuer)] {
        match profile {
            Some(Value::String(iri)) => {
                report.field(
                    "provider",
                    FieldOutcome::Resolved,
                    format!("only the {source}'s IRI"),
                );
                return iri.clone();
            }
            Some(profile) => {
                if let Some(name) = text(profile.get("name")) {
                    report.field(
                        "provider",
                        FieldOutcome::Read,
                        format!("the {source}'s name"),
                    );
                    return name;
                }
                if let Some(iri) = text(profile.get("id")) {
                    report.field(
                        "provider",
                        FieldOutcome::Resolved,
                        format!("only the {source}'s IRI"),
                    );
                    return iri;
                }
            }
            None => {}
        }
    }
    report.field("provider", FieldOutcome::Unknown, "no creator or issuer");
    String::new()
}

/// The criteria narrative's non-empty lines, without Markdown list markers.
fn outcomes(node: &Value) -> Vec<String> {
    node.get("criteria")
        .and_then(|criteria| text(criteria.get("narrative")))
        .map(|narrative| {
            narrative
                .lines()
                .map(|line| line.trim().trim_start_matches(['-', '*', '•']).trim())
                .filter(|line| !line.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

fn cost(value: Option<&Value>, report: &mut RecordReport) -> Option<Money> {
    let Some(value) = value else {
        report.field(
            "cost",
            FieldOutcome::Unknown,
            "Open Badges publishes no price",
        );
        return None;
    };
    let amount = value.get("amount").and_then(Value::as_f64);
    let currency = value.get("currency").and_then(Value::as_str);
    match (amount, currency) {
        (Some(amount), Some(currency)) => match Money::new(amount, currency) {
            Ok(money) => {
                report.field("cost", FieldOutcome::Read, "skillmatch:cost");
                Some(money)
            }
            Err(error) => {
                report.field(
                    "cost",
                    FieldOutcome::Unknown,
                    format!("skillmatch:cost: {error}"),
                );
                None
            }
        },
        _ => {
            report.field(
                "cost",
                FieldOutcome::Unknown,
                "skillmatch:cost needs amount and currency",
            );
            None
        }
    }
}

fn delivery_mode(value: Option<&Value>, report: &mut RecordReport) -> Option<DeliveryMode> {
    let mode = match value.and_then(Value::as_str) {
        Some("online") => Some(DeliveryMode::Online),
        Some("in_person") => Some(DeliveryMode::InPerson),
        Some("blended") => Some(DeliveryMode::Blended),
        _ => None,
    };
    match (mode, value) {
        (Some(_), _) => report.field(
            "delivery_mode",
            FieldOutcome::Read,
            "skillmatch:deliveryMode",
        ),
        (None, None) => report.field(
            "delivery_mode",
            FieldOutcome::Unknown,
            "Open Badges publishes no delivery mode",
        ),
        (None, Some(other)) => report.field(
            "delivery_mode",
            FieldOutcome::Unknown,
            format!("skillmatch:deliveryMode {other} is not online, in_person or blended"),
        ),
    }
    mode
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = include_str!("../../tests/fixtures/openbadges/achievements.json");
    const MALFORMED: &str = include_str!("../../tests/fixtures/openbadges/malformed.jsonl");

    #[test]
    fn maps_achievements_and_achievements_inside_credentials() {
        let parsed = parse_credentials_openbadges(GOOD);
        assert!(parsed.rejected.is_empty(), "{:?}", parsed.rejected);
        assert_eq!(parsed.credentials.len(), 2);

        let cleaning = &parsed.credentials[0];
        assert_eq!(cleaning.id.as_str(), "data-cleaning");
        assert_eq!(cleaning.title, "Data Cleaning with Spreadsheets");
        assert_eq!(cleaning.provider, "Northbridge Digital Academy");
        assert_eq!(
            cleaning.learning_outcomes,
            [
                "Learners must:",
                "remove duplicates from a sales export",
                "document every cleaning step"
            ]
        );
        assert_eq!(cleaning.competencies.len(), 2);
        assert_eq!(cleaning.competencies[0].source, AlignmentSource::Provider);
        assert_eq!(cleaning.frameworks, ["ESCO"]);
        assert_eq!(cleaning.credits.as_ref().map(|c| c.value), Some(2.0));
        assert_eq!(
            cleaning.cost.map(|c| (c.amount, c.currency.to_string())),
            Some((79.0, "GBP".to_owned()))
        );
        assert_eq!(cleaning.hours, Some(12.0));
        assert_eq!(cleaning.delivery_mode, Some(DeliveryMode::Online));

        let first_aid = &parsed.credentials[1];
        assert_eq!(
            first_aid.id.as_str(),
            "urn:uuid:2a0a4f5e-8d0c-4bde-9b8e-0a7c1d3f5e21"
        );
        assert_eq!(
            first_aid.provider,
            "https://badges.example.org/issuers/harbour"
        );
        assert_eq!(first_aid.language.as_deref(), Some("en-GB"));
        assert_eq!(first_aid.delivery_mode, Some(DeliveryMode::InPerson));
    }

    #[test]
    fn reads_leniently_and_rejects_only_unusable_records() {
        let parsed = parse_credentials_openbadges(MALFORMED);
        let expected = [
            (5, "not an Open Badges 3.0 Achievement"),
            (6, "duplicate id good"),
            (7, "no name"),
        ];
        crate::catalog::jsonl::assert_rejected(&parsed, &expected);
        let ids: Vec<&str> = parsed.credentials.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(
            ids,
            ["good", "odd-type", "no-price", "no-target", "bad-language"]
        );
        let odd = &parsed.credentials[1];
        assert_eq!(odd.published_type.as_deref(), Some("Nanodegree"));
        assert_eq!(
            parsed.reports[1].outcome("kind"),
            Some(FieldOutcome::Resolved)
        );
        assert_eq!(
            parsed.credentials[2].cost, None,
            "no price: unknown, not free"
        );
        let no_target = &parsed.reports[3];
        assert_eq!(no_target.named_competencies[0].name, "SQL");
        assert_eq!(no_target.named_competencies[0].published_uri, None);
        let bad_language = &parsed.credentials[4];
        assert_eq!(
            bad_language.language.as_deref(),
            Some("en"),
            "a language name"
        );
        assert_eq!(
            bad_language.delivery_mode, None,
            "video is not a delivery mode"
        );
        assert_eq!(parsed.reports.len(), 8);
    }

    #[test]
    fn reads_vc_1_1_credentials_without_achievement_ids_and_clr_wrappers() {
        let plugfest = serde_json::json!({
            "@context": ["https://www.w3.org/2018/credentials/v1", "https://example.org/plugfest-1-context.json"],
            "type": ["VerifiableCredential", "OpenBadgeCredential"],
            "issuer": {"type": "Profile", "id": "did:key:z6Mk", "name": "Jobs for the Future (JFF)"},
            "issuanceDate": "2022-05-01T00:00:00Z",
            "credentialSubject": {"type": "AchievementSubject", "achievement": {
                "type": "Achievement", "name": "Plugfest badge", "achievementType": "Module"
            }}
        });
        let parsed = parse_credentials_openbadges(&plugfest.to_string());
        assert!(parsed.rejected.is_empty(), "{:?}", parsed.rejected);
        let badge = &parsed.credentials[0];
        assert!(badge.id.as_str().starts_with("ob-"), "{}", badge.id);
        let again = parse_credentials_openbadges(&plugfest.to_string());
        assert_eq!(
            again.credentials[0].id, badge.id,
            "derived ids are deterministic"
        );
        assert_eq!(badge.provider, "Jobs for the Future (JFF)");
        assert_eq!(
            (badge.hours, badge.cost, badge.delivery_mode),
            (None, None, None)
        );
        assert!(
            parsed.reports[0].fields[0]
                .detail
                .starts_with("Verifiable Credentials 1.1"),
            "{:?}",
            parsed.reports[0].fields[0]
        );

        let clr = serde_json::json!({
            "type": ["VerifiableCredential", "ClrCredential"],
            "issuer": {"id": "https://uni.example/issuer", "name": "Example University"},
            "credentialSubject": {
                "verifiableCredential": [
                    {"type": ["VerifiableCredential", "AchievementCredential"],
                     "issuer": {"id": "https://uni.example/issuer", "name": "Example University"},
                     "credentialSubject": {"achievement": {"id": "https://uni.example/a/one?v=1", "type": ["Achievement"], "name": "One"}}},
                    {"type": ["VerifiableCredential", "OpenBadgeCredential"],
                     "credentialSubject": {"achievement": {"id": "https://uni.example/a/two", "type": ["Achievement"], "name": "Two"}}}
                ],
                "achievement": [
                    {"id": "https://uni.example/a/two", "type": ["Achievement"], "name": "Two"},
                    {"id": "https://uni.example/a/three", "type": ["Achievement"], "name": "Three"}
                ]
            }
        });
        let parsed = parse_credentials_openbadges(&clr.to_string());
        let ids: Vec<&str> = parsed.credentials.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, ["one.v-1", "two", "three"]);
        assert_eq!(parsed.credentials[0].provider, "Example University");
    }
}
