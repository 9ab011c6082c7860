//! Credential Engine's CTDL JSON-LD (`ceterms:` terms) to microcredentials.
//!
//! A file is a JSON-LD document (`@graph`, an array, or one node) or JSON
//! Lines. Nodes typed as a `ceterms:` credential class are imported;
//! organisations and profiles in the graph only resolve references; any other
//! node is rejected. Parsing is all-or-report, like the JSON Lines reader:
//! every rejected record comes with its position and reason.
//!
//! Mapping: `ceterms:ctid` (else the last segment of `@id`) is the id;
//! `name`, `description`, `subjectWebpage`; the provider is the name of the
//! first `ownedBy` (else `offeredBy`) organisation; `estimatedCost` prices
//! are summed (one currency); `estimatedDuration` uses `exactDuration`, else
//! `maximumDuration`, else `minimumDuration` (see [`duration_hours`] for the
//! conversion to hours); `learningDeliveryType` `OnlineOnly`, `InPerson`,
//! `BlendedDelivery` (online and in person together are blended);
//! `assessmentDeliveryType` marks it assessed; `accreditedBy` and
//! `approvedBy` names; `hasPart` / `isPartOf`; each `requires` condition
//! profile's `targetCompetency` nodes are competencies the credential
//! assesses and its `targetCredential` ids are prerequisites (except its own
//! parts); `inLanguage`, else the language of the name.

use std::collections::HashMap;

use serde_json::Value;

use super::ParsedCredentials;
use super::linked_data::{
    Outcomes, Record, duration_hours, each, id_from_iri, language_map_tag, records, references,
    text,
};
use crate::domain::{
    AlignmentSource, CredentialId, CredentialKind, DeliveryMode, Microcredential, Money,
    TaughtCompetency,
};

/// `ceterms:` credential classes imported as microcredentials.
const CREDENTIAL_TYPES: [&str; 27] = [
    "Credential",
    "MicroCredential",
    "Certificate",
    "CertificateOfCompletion",
    "Certification",
    "Badge",
    "DigitalBadge",
    "OpenBadge",
    "Diploma",
    "Degree",
    "AssociateDegree",
    "BachelorDegree",
    "MasterDegree",
    "DoctoralDegree",
    "ProfessionalDoctorate",
    "ResearchDoctorate",
    "ApprenticeshipCertificate",
    "JourneymanCertificate",
    "MasterCertificate",
    "ProficiencyCertificate",
    "QualityAssuranceCredential",
    "License",
    "GeneralEducationDevelopment",
    "SecondarySchoolDiploma",
    "BasicTechnicalCertificate",
    "AcademicCertificate",
    "LearningProgram",
];

/// Graph nodes that other nodes reference; read, never imported or rejected.
const SUPPORTING_TYPES: [&str; 8] = [
    "CredentialOrganization",
    "QACredentialOrganization",
    "Organization",
    "ConditionProfile",
    "CostProfile",
    "DurationProfile",
    "CredentialAlignmentObject",
    "Competency",
];

/// Parses CTDL JSON-LD. A repeated id is rejected on its later records.
pub fn parse_credentials_ctdl(text: &str) -> ParsedCredentials {
    let (records, rejected) = records(text);
    let graph = Graph::new(&records);
    let mut outcomes = Outcomes::new(rejected);
    for record in &records {
        let outcome = match class_of(&record.node) {
            Some(class) if CREDENTIAL_TYPES.contains(&class) => graph.credential(&record.node),
            Some(class) if SUPPORTING_TYPES.contains(&class) => continue,
            Some(class) => Err(format!("unsupported type ceterms:{class}")),
            None => Err("no ceterms: @type".to_owned()),
        };
        outcomes.push(record, "@id", outcome);
    }
    outcomes.finish()
}

/// The local name of a node's `ceterms:` type.
fn class_of(node: &Value) -> Option<&str> {
    each(node.get("@type"))
        .filter_map(Value::as_str)
        .find_map(|t| t.strip_prefix("ceterms:"))
}

/// What a credential's `requires` condition profiles ask for.
struct Requirements {
    competencies: Vec<TaughtCompetency>,
    frameworks: Vec<String>,
    prerequisites: Vec<CredentialId>,
}

/// Nodes of the document by `@id`, to resolve references.
struct Graph<'a> {
    by_id: HashMap<&'a str, &'a Value>,
}

impl<'a> Graph<'a> {
    fn new(records: &'a [Record]) -> Self {
        let by_id = records
            .iter()
            .filter_map(|r| Some((r.node.get("@id")?.as_str()?, &r.node)))
            .collect();
        Self { by_id }
    }

    /// Inline objects as they are; `@id` strings resolved in the graph.
    fn nodes(&self, value: Option<&'a Value>) -> Vec<&'a Value> {
        each(value)
            .filter_map(|item| match item {
                Value::String(iri) => self.by_id.get(iri.as_str()).copied(),
                Value::Object(_) => Some(item),
                _ => None,
            })
            .collect()
    }

    /// Names of referenced organisations (the IRI when the graph has no name).
    fn names(&self, value: Option<&'a Value>) -> Vec<String> {
        each(value)
            .filter_map(|item| {
                let node = match item {
                    Value::String(iri) => self.by_id.get(iri.as_str()).copied(),
                    other => Some(other),
                };
                node.and_then(|n| text(n.get("ceterms:name")))
                    .or_else(|| item.as_str().map(str::to_owned))
                    .or_else(|| references(Some(item)).into_iter().next())
            })
            .collect()
    }

    fn credential(&self, node: &'a Value) -> Result<Microcredential, String> {
        let id = match node.get("ceterms:ctid").and_then(Value::as_str) {
            Some(ctid) => id_from_iri(ctid)?,
            None => id_from_iri(
                node.get("@id")
                    .and_then(Value::as_str)
                    .ok_or("needs ceterms:ctid or @id")?,
            )?,
        };
        let title = text(node.get("ceterms:name")).ok_or("needs ceterms:name")?;
        let has_part = ids(node.get("ceterms:hasPart"))?;
        let Requirements {
            competencies,
            frameworks,
            prerequisites,
        } = self.requirements(node, &has_part)?;
        let language = each(node.get("ceterms:inLanguage"))
            .find_map(Value::as_str)
            .map(str::to_owned)
            .or_else(|| language_map_tag(node.get("ceterms:name")))
            .ok_or("needs ceterms:inLanguage")?;
        let mut accredited_by = self.names(node.get("ceterms:accreditedBy"));
        accredited_by.extend(self.names(node.get("ceterms:approvedBy")));
        let credential = Microcredential {
            title,
            provider: self
                .names(node.get("ceterms:ownedBy"))
                .into_iter()
                .chain(self.names(node.get("ceterms:offeredBy")))
                .next()
                .unwrap_or_default(),
            description: text(node.get("ceterms:description")).unwrap_or_default(),
            learning_outcomes: Vec::new(),
            competencies,
            kind: CredentialKind::Credential,
            hours: Some(self.hours(node)?),
            min_hours: None,
            cost: Some(self.cost(node)?),
            cost_profiles: Vec::new(),
            delivery_mode: Some(delivery_mode(node)?),
            language: Some(language),
            assessed: each(node.get("ceterms:assessmentDeliveryType"))
                .next()
                .is_some(),
            accredited_by,
            frameworks,
            part_of: ids(node.get("ceterms:isPartOf"))?,
            has_part,
            prerequisites,
            eqf_level: None,
            credits: None,
            validity_months: None,
            url: text(node.get("ceterms:subjectWebpage")),
            id,
        };
        credential.validate().map_err(|error| error.to_string())?;
        Ok(credential)
    }

    /// Competencies (with their frameworks) and prerequisite credentials of
    /// the `requires` condition profiles.
    fn requirements(
        &self,
        node: &'a Value,
        parts: &[CredentialId],
    ) -> Result<Requirements, String> {
        let mut competencies: Vec<TaughtCompetency> = Vec::new();
        let mut frameworks: Vec<String> = Vec::new();
        let mut prerequisites = Vec::new();
        for condition in self.nodes(node.get("ceterms:requires")) {
            for alignment in self.nodes(condition.get("ceterms:targetCompetency")) {
                let uri = alignment
                    .get("ceterms:targetNode")
                    .and_then(Value::as_str)
                    .ok_or("a ceterms:targetCompetency needs a ceterms:targetNode URI")?;
                if !competencies.iter().any(|c| c.uri == uri) {
                    competencies.push(TaughtCompetency {
                        uri: uri.to_owned(),
                        proficiency: None,
                        assessed: true,
                        source: AlignmentSource::Provider,
                        resolved_from: None,
                    });
                }
                let framework = alignment
                    .get("ceterms:framework")
                    .and_then(Value::as_str)
                    .map(str::to_owned)
                    .or_else(|| text(alignment.get("ceterms:frameworkName")));
                if let Some(framework) = framework.filter(|f| !frameworks.contains(f)) {
                    frameworks.push(framework);
                }
            }
            for required in ids(condition.get("ceterms:targetCredential"))? {
                if !parts.contains(&required) && !prerequisites.contains(&required) {
                    prerequisites.push(required);
                }
            }
        }
        Ok(Requirements {
            competencies,
            frameworks,
            prerequisites,
        })
    }

    fn cost(&self, node: &'a Value) -> Result<Money, String> {
        let mut total: Option<Money> = None;
        for profile in self.nodes(node.get("ceterms:estimatedCost")) {
            let Some(price) = profile.get("ceterms:price").and_then(number) else {
                continue;
            };
            let currency = profile
                .get("ceterms:currency")
                .and_then(Value::as_str)
                .ok_or("a priced ceterms:estimatedCost needs ceterms:currency")?;
            let money = Money::new(price, currency).map_err(|_| {
                format!(
                    "ceterms:currency {currency:?} / price {price} is not a valid ISO 4217 amount"
                )
            })?;
            total = Some(match total {
                None => money,
                Some(sum) if sum.currency == money.currency => Money {
                    amount: sum.amount + money.amount,
                    currency: sum.currency,
                },
                Some(_) => return Err("ceterms:estimatedCost mixes currencies".to_owned()),
            });
        }
        total.ok_or_else(|| {
            "needs ceterms:estimatedCost with a ceterms:price (0 when free)".to_owned()
        })
    }

    fn hours(&self, node: &'a Value) -> Result<f64, String> {
        let profiles = self.nodes(node.get("ceterms:estimatedDuration"));
        for key in [
            "ceterms:exactDuration",
            "ceterms:maximumDuration",
            "ceterms:minimumDuration",
        ] {
            if let Some(raw) = profiles
                .iter()
                .find_map(|p| p.get(key).and_then(Value::as_str))
            {
                return duration_hours(raw).map_err(|reason| format!("{key}: {reason}"));
            }
        }
        Err("needs ceterms:estimatedDuration with an exact, maximum or minimum duration".to_owned())
    }
}

/// Credential ids of referenced credentials.
fn ids(value: Option<&Value>) -> Result<Vec<CredentialId>, String> {
    references(value)
        .iter()
        .map(|iri| id_from_iri(iri))
        .collect()
}

/// A number, or a string holding one.
fn number(value: &Value) -> Option<f64> {
    value
        .as_f64()
        .or_else(|| value.as_str().and_then(|s| s.trim().parse().ok()))
}

fn delivery_mode(node: &Value) -> Result<DeliveryMode, String> {
    let (mut online, mut in_person, mut blended) = (false, false, false);
    for item in each(node.get("ceterms:learningDeliveryType")) {
        let term = item
            .get("ceterms:targetNode")
            .and_then(Value::as_str)
            .or_else(|| item.as_str())
            .unwrap_or_default();
        match term.rsplit([':', '/']).next().unwrap_or_default() {
            "OnlineOnly" => online = true,
            "InPerson" => in_person = true,
            "BlendedDelivery" => blended = true,
            _ => {}
        }
    }
    match (online, in_person, blended) {
        (_, _, true) | (true, true, _) => Ok(DeliveryMode::Blended),
        (true, false, false) => Ok(DeliveryMode::Online),
        (false, true, false) => Ok(DeliveryMode::InPerson),
        (false, false, false) => Err(
            "needs ceterms:learningDeliveryType deliveryType:OnlineOnly, InPerson or BlendedDelivery"
                .to_owned(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = include_str!("../../tests/fixtures/ctdl/credentials.json");
    const MALFORMED: &str = include_str!("../../tests/fixtures/ctdl/malformed.jsonl");

    #[test]
    fn maps_a_graph_of_credentials_and_organisations() {
        let parsed = parse_credentials_ctdl(GOOD);
        assert!(parsed.rejected.is_empty(), "{:?}", parsed.rejected);
        let ids: Vec<&str> = parsed.credentials.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(
            ids,
            ["ce-sql-basics", "ce-dashboards", "ce-data-certificate"]
        );

        let sql = &parsed.credentials[0];
        assert_eq!(sql.title, "SQL Basics");
        assert_eq!(sql.provider, "Northbridge Digital Academy");
        assert_eq!(sql.accredited_by, ["Digital Skills Quality Board"]);
        assert_eq!(
            sql.cost.map(|c| (c.amount, c.currency.to_string())),
            Some((249.0, "EUR".to_owned()))
        );
        assert_eq!(sql.hours, Some(24.0));
        assert_eq!(sql.delivery_mode, Some(DeliveryMode::Online));
        assert!(sql.assessed);
        assert_eq!(sql.language.as_deref(), Some("en"));
        assert_eq!(sql.competencies.len(), 1);
        assert!(
            sql.competencies[0]
                .uri
                .ends_with("598de5b0-5b58-4ea7-8058-a4bc4d18c742")
        );
        assert!(sql.competencies[0].assessed);
        assert_eq!(sql.frameworks, ["http://data.europa.eu/esco/skill"]);
        assert_eq!(sql.part_of[0].as_str(), "ce-data-certificate");
        assert_eq!(
            sql.url.as_deref(),
            Some("https://example.org/courses/sql-basics")
        );

        let dashboards = &parsed.credentials[1];
        assert_eq!(dashboards.provider, "Datenwerk Akademie");
        assert_eq!(
            dashboards.language.as_deref(),
            Some("de"),
            "from the name's language map"
        );
        assert_eq!(dashboards.cost.map(|c| c.amount), Some(199.5));
        assert_eq!(dashboards.hours, Some(20.0), "the maximum duration");
        assert_eq!(dashboards.delivery_mode, Some(DeliveryMode::InPerson));
        assert_eq!(dashboards.prerequisites[0].as_str(), "ce-sql-basics");
        assert!(!dashboards.assessed);

        let certificate = &parsed.credentials[2];
        assert_eq!(
            certificate.cost.map(|c| c.amount),
            Some(600.0),
            "priced profiles are summed"
        );
        assert_eq!(certificate.hours, Some(120.0), "three full-time weeks");
        assert_eq!(certificate.delivery_mode, Some(DeliveryMode::Blended));
        assert_eq!(certificate.has_part.len(), 2);
        assert!(
            certificate.prerequisites.is_empty(),
            "required parts are parts, not prerequisites"
        );
        assert_eq!(certificate.accredited_by, ["Digital Skills Quality Board"]);
    }

    #[test]
    fn reports_every_bad_record_with_its_position() {
        let parsed = parse_credentials_ctdl(MALFORMED);
        assert_eq!(parsed.credentials.len(), 1);
        let expected = [
            (2, "unsupported type ceterms:Course"),
            (3, "ceterms:estimatedCost"),
            (4, "US Dollar"),
            (5, "10 weeks"),
            (6, "not valid JSON"),
            (7, "duplicate id ce-good"),
            (8, "learningDeliveryType"),
        ];
        crate::catalog::jsonl::assert_rejected(&parsed, &expected);
    }
}
