//! Open Badges 3.0 achievement definitions to microcredentials.
//!
//! A file is a JSON document (an array of nodes or one node) or JSON Lines.
//! Each node is an `Achievement`, or an `OpenBadgeCredential` /
//! `AchievementCredential` whose `credentialSubject.achievement` is read.
//! Parsing is all-or-report: every rejected record comes with its position
//! and reason.
//!
//! Mapping: the last segment of the achievement `id` (a URN as it is) is the
//! id; `achievementType` must be one of the Open Badges 3.0 terms or an
//! `ext:` extension; `name`, `description`; `criteria.narrative` lines become
//! learning outcomes; `alignment[].targetUrl` are the competencies (aligned
//! by the provider) and `targetFramework` the frameworks; `creditsAvailable`;
//! `inLanguage`; the provider is the `creator` profile's name.
//!
//! Open Badges has no price, duration or delivery mode, which every
//! catalogue credential needs. They are read from the extension properties
//! `skillmatch:cost` (`{"amount": 49, "currency": "EUR"}`), `skillmatch:hours`
//! and `skillmatch:deliveryMode` (`online`, `in_person` or `blended`); a
//! record without them is rejected rather than given invented values.

use serde_json::Value;

use super::ParsedCredentials;
use super::linked_data::{Outcomes, each, id_from_iri, records, text};
use crate::domain::{
    AlignmentSource, CredentialKind, Credits, DeliveryMode, Microcredential, Money,
    TaughtCompetency,
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

/// Parses Open Badges 3.0 achievements. A repeated id is rejected on its later records.
pub fn parse_credentials_openbadges(text: &str) -> ParsedCredentials {
    let (records, rejected) = records(text);
    let mut outcomes = Outcomes::new(rejected);
    for record in &records {
        outcomes.push(record, "id", achievement(&record.node).and_then(credential));
    }
    outcomes.finish()
}

fn has_type(node: &Value, wanted: &str) -> bool {
    each(node.get("type")).any(|t| t.as_str() == Some(wanted))
}

/// The achievement a node defines or a credential awards.
fn achievement(node: &Value) -> Result<&Value, String> {
    if has_type(node, "Achievement") {
        return Ok(node);
    }
    if has_type(node, "OpenBadgeCredential") || has_type(node, "AchievementCredential") {
        return node
            .get("credentialSubject")
            .and_then(|subject| subject.get("achievement"))
            .ok_or_else(|| "the credential has no credentialSubject.achievement".to_owned());
    }
    Err("not an Open Badges 3.0 Achievement or OpenBadgeCredential".to_owned())
}

fn credential(node: &Value) -> Result<Microcredential, String> {
    let id = id_from_iri(
        node.get("id")
            .and_then(Value::as_str)
            .ok_or("needs an id")?,
    )?;
    if let Some(kind) = node.get("achievementType") {
        let kind = kind.as_str().ok_or("achievementType must be a string")?;
        if !ACHIEVEMENT_TYPES.contains(&kind) && !kind.starts_with("ext:") {
            return Err(format!(
                "unknown achievementType {kind:?} (use an Open Badges 3.0 term or ext:...)"
            ));
        }
    }
    let title = text(node.get("name")).ok_or("needs a name")?;
    let mut competencies: Vec<TaughtCompetency> = Vec::new();
    let mut frameworks: Vec<String> = Vec::new();
    for (index, alignment) in each(node.get("alignment")).enumerate() {
        let uri = alignment
            .get("targetUrl")
            .and_then(Value::as_str)
            .ok_or_else(|| format!("alignment[{index}] needs a targetUrl"))?;
        if !competencies.iter().any(|c| c.uri == uri) {
            competencies.push(TaughtCompetency {
                uri: uri.to_owned(),
                proficiency: None,
                assessed: false,
                source: AlignmentSource::Provider,
                resolved_from: None,
            });
        }
        if let Some(framework) =
            text(alignment.get("targetFramework")).filter(|f| !frameworks.contains(f))
        {
            frameworks.push(framework);
        }
    }
    let credits = match node.get("creditsAvailable") {
        None => None,
        Some(value) => Some(Credits {
            value: value
                .as_f64()
                .filter(|v| v.is_finite() && *v >= 0.0)
                .ok_or("creditsAvailable must be a number >= 0")?,
            system: "credits".into(),
        }),
    };
    let credential = Microcredential {
        title,
        provider: creator_name(node.get("creator")),
        description: text(node.get("description")).unwrap_or_default(),
        learning_outcomes: outcomes(node),
        competencies,
        kind: CredentialKind::Credential,
        hours: Some(node.get("skillmatch:hours").and_then(Value::as_f64).ok_or(
            "needs the extension property skillmatch:hours (Open Badges has no duration)",
        )?),
        min_hours: None,
        cost: Some(cost(node.get("skillmatch:cost"))?),
        cost_profiles: Vec::new(),
        delivery_mode: Some(delivery_mode(node.get("skillmatch:deliveryMode"))?),
        language: Some(text(node.get("inLanguage")).ok_or("needs inLanguage")?),
        assessed: false,
        accredited_by: Vec::new(),
        frameworks,
        part_of: Vec::new(),
        has_part: Vec::new(),
        prerequisites: Vec::new(),
        eqf_level: None,
        credits,
        validity_months: None,
        url: None,
        id,
    };
    credential.validate().map_err(|error| error.to_string())?;
    Ok(credential)
}

/// The creator profile's name, or its IRI.
fn creator_name(creator: Option<&Value>) -> String {
    match creator {
        Some(Value::String(iri)) => iri.clone(),
        Some(profile) => text(profile.get("name"))
            .or_else(|| text(profile.get("id")))
            .unwrap_or_default(),
        None => String::new(),
    }
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

fn cost(value: Option<&Value>) -> Result<Money, String> {
    let missing = "needs the extension property skillmatch:cost {\"amount\", \"currency\"} (Open Badges has no price)";
    let value = value.ok_or(missing)?;
    let amount = value.get("amount").and_then(Value::as_f64).ok_or(missing)?;
    let currency = value
        .get("currency")
        .and_then(Value::as_str)
        .ok_or(missing)?;
    Money::new(amount, currency).map_err(|error| format!("skillmatch:cost: {error}"))
}

fn delivery_mode(value: Option<&Value>) -> Result<DeliveryMode, String> {
    match value.and_then(Value::as_str) {
        Some("online") => Ok(DeliveryMode::Online),
        Some("in_person") => Ok(DeliveryMode::InPerson),
        Some("blended") => Ok(DeliveryMode::Blended),
        _ => Err(
            "needs the extension property skillmatch:deliveryMode: online, in_person or blended"
                .to_owned(),
        ),
    }
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
    fn reports_every_bad_record_with_its_position() {
        let parsed = parse_credentials_openbadges(MALFORMED);
        assert_eq!(parsed.credentials.len(), 1);
        let expected = [
            (2, "unknown achievementType \"Nanodegree\""),
            (3, "skillmatch:cost"),
            (4, "alignment[0] needs a targetUrl"),
            (5, "not an Open Badges 3.0 Achievement"),
            (6, "duplicate id good"),
            (7, "needs a name"),
            (8, "skillmatch:deliveryMode"),
        ];
        crate::catalog::jsonl::assert_rejected(&parsed, &expected);
    }
}
