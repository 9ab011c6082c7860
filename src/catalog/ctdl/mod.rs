//! Credential Engine's CTDL JSON-LD (`ceterms:` terms) to catalogue entries.
//!
//! A file is a JSON-LD document (`@graph`, an array, or one node) or JSON
//! Lines. Nodes typed as a `ceterms:` credential class are imported as
//! credentials, `LearningOpportunityProfile` (and `LearningOpportunity`,
//! `Course`, `LearningProgram`) as learning opportunities,
//! `AssessmentProfile` (and `Assessment`) as assessments; organisations and
//! profiles in the graph only resolve references. Parsing is lenient and
//! reported: what a record does not publish is unknown, never invented, and
//! every record gets a [`RecordReport`] saying, field by field, what was
//! read, resolved, unknown or ignored. A record is rejected only when it is
//! unusable: not JSON, no `ceterms:` type, a type that is none of the above,
//! no name, no id.
//!
//! Mapping (see the README for the whole table): `ceterms:ctid` (else the
//! last segment of `@id`) is the id; `name`, `description`,
//! `subjectWebpage`; the provider is the name of the first `ownedBy` (else
//! `offeredBy`) organisation, or its IRI when the file does not describe it;
//! every `estimatedCost` profile is kept, and the cost is their sum when all
//! are priced in one known currency (currency names such as "US Dollar" are
//! mapped to ISO 4217); `estimatedDuration` uses `exactDuration`, else the
//! `minimumDuration`–`maximumDuration` range (hours is its upper bound);
//! `learningDeliveryType` / `deliveryType` `OnlineOnly`, `InPerson`,
//! `BlendedDelivery` (online and in person together count as blended);
//! assessments, `assessmentDeliveryType` and a required `targetAssessment`
//! mark it assessed; `accreditedBy` and `approvedBy` names; `hasPart` /
//! `isPartOf`; each `requires` condition profile's `targetCredential`,
//! `targetAssessment` and `targetLearningOpportunity` are prerequisites
//! (except its own parts); `targetCompetency`, `teaches` and `assesses`
//! alignments with a `targetNode` URI are competencies, those with only a
//! `targetNodeName` (and `subject` names) are named competencies, resolved
//! through the competency extractor at import; `occupationType` codes are
//! reported and resolved to O*NET occupations at import; `inLanguage`
//! (tags, or language names such as "English"), else the language of the
//! name's language map; `creditHourValue` / `creditUnitValue` are credits.

use std::collections::HashMap;

use serde_json::Value;

mod markers;
mod requirements;
#[cfg(test)]
mod tests;

use super::ParsedCredentials;
use super::linked_data::{Outcomes, Record, each, id_from_iri, records, references, text};
use super::report::{FieldOutcome, NamedCompetency, PublishedOccupation, RecordReport};
use crate::domain::{CredentialId, CredentialKind, Credits, Microcredential, TaughtCompetency};
use markers::{delivery_mode, language, number};

/// `ceterms:` credential classes, imported as credentials.
const CREDENTIAL_TYPES: [&str; 26] = [
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
];

/// `ceterms:` classes of courses and programmes.
const LEARNING_TYPES: [&str; 4] = [
    "LearningOpportunityProfile",
    "LearningOpportunity",
    "Course",
    "LearningProgram",
];

/// `ceterms:` classes of exams.
const ASSESSMENT_TYPES: [&str; 2] = ["AssessmentProfile", "Assessment"];

/// Graph nodes that other nodes reference; read, never imported or rejected.
const SUPPORTING_TYPES: [&str; 10] = [
    "CredentialOrganization",
    "QACredentialOrganization",
    "Organization",
    "ConditionProfile",
    "CostProfile",
    "CostManifest",
    "ConditionManifest",
    "DurationProfile",
    "CredentialAlignmentObject",
    "Competency",
];

/// Terms the reader maps (the others are reported as ignored).
const MAPPED_TERMS: [&str; 30] = [
    "@context",
    "@id",
    "@type",
    "ceterms:ctid",
    "ceterms:name",
    "ceterms:description",
    "ceterms:subjectWebpage",
    "ceterms:ownedBy",
    "ceterms:offeredBy",
    "ceterms:estimatedCost",
    "ceterms:commonCosts",
    "ceterms:estimatedDuration",
    "ceterms:learningDeliveryType",
    "ceterms:deliveryType",
    "ceterms:assessmentDeliveryType",
    "ceterms:inLanguage",
    "ceterms:accreditedBy",
    "ceterms:approvedBy",
    "ceterms:hasPart",
    "ceterms:isPartOf",
    "ceterms:requires",
    "ceterms:teaches",
    "ceterms:assesses",
    "ceterms:subject",
    "ceterms:occupationType",
    "ceterms:creditHourValue",
    "ceterms:creditHourType",
    "ceterms:creditUnitValue",
    "ceterms:creditUnitTypeDescription",
    "ceterms:creditUnitType",
];

/// Parses CTDL JSON-LD. A repeated id is rejected on its later records.
pub fn parse_credentials_ctdl(text: &str) -> ParsedCredentials {
    let (records, rejected) = records(text);
    let graph = Graph::new(&records);
    let mut outcomes = Outcomes::new(rejected);
    for record in &records {
        let source_id = record
            .node
            .get("@id")
            .and_then(Value::as_str)
            .map(str::to_owned);
        let mut report = RecordReport::new(record.position, source_id);
        let outcome = match class_of(&record.node) {
            Some(class) if SUPPORTING_TYPES.contains(&class) => continue,
            Some(class) => match kind_of(class) {
                Some(kind) => graph.credential(&record.node, class, kind, &mut report),
                None => Err(format!(
                    "ceterms:{class} is not a credential, learning opportunity or assessment"
                )),
            },
            None => Err("no ceterms: @type: not a CTDL record".to_owned()),
        };
        outcomes.push(record, report, outcome);
    }
    outcomes.finish()
}

/// The local name of a node's `ceterms:` type.
fn class_of(node: &Value) -> Option<&str> {
    each(node.get("@type"))
        .filter_map(Value::as_str)
        .find_map(|t| t.strip_prefix("ceterms:"))
}

/// The kind of entry a `ceterms:` class is, if it is one we import.
fn kind_of(class: &str) -> Option<CredentialKind> {
    if CREDENTIAL_TYPES.contains(&class) {
        Some(CredentialKind::Credential)
    } else if LEARNING_TYPES.contains(&class) {
        Some(CredentialKind::LearningOpportunity)
    } else if ASSESSMENT_TYPES.contains(&class) {
        Some(CredentialKind::Assessment)
    } else {
        None
    }
}

/// What a record's alignments and `requires` condition profiles give.
#[derive(Default)]
struct Requirements {
    competencies: Vec<TaughtCompetency>,
    named: Vec<NamedCompetency>,
    frameworks: Vec<String>,
    prerequisites: Vec<CredentialId>,
    requires_assessment: bool,
    credits: Option<Credits>,
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

    /// Inline objects as they are; `@id` strings (or `{"@id"}` objects
    /// without content) resolved in the graph.
    fn nodes(&self, value: Option<&'a Value>) -> Vec<&'a Value> {
        each(value)
            .filter_map(|item| match item {
                Value::String(iri) => self.by_id.get(iri.as_str()).copied(),
                Value::Object(map) if map.len() == 1 && map.contains_key("@id") => map
                    .get("@id")
                    .and_then(Value::as_str)
                    .and_then(|iri| self.by_id.get(iri).copied()),
                Value::Object(_) => Some(item),
                _ => None,
            })
            .collect()
    }

    /// Names of referenced organisations, and whether each was named (not
    /// only an IRI).
    fn names(&self, value: Option<&'a Value>) -> Vec<(String, bool)> {
        each(value)
            .filter_map(|item| {
                let iri = match item {
                    Value::String(iri) => Some(iri.as_str()),
                    Value::Object(map) => map.get("@id").and_then(Value::as_str),
                    _ => None,
                };
                let node = match iri {
                    Some(iri) => self.by_id.get(iri).copied(),
                    None => Some(item),
                };
                node.and_then(|n| text(n.get("ceterms:name")))
                    .map(|name| (name, true))
                    .or_else(|| iri.map(|iri| (iri.to_owned(), false)))
            })
            .collect()
    }

    fn credential(
        &self,
        node: &'a Value,
        class: &str,
        kind: CredentialKind,
        report: &mut RecordReport,
    ) -> Result<Microcredential, String> {
        let title = text(node.get("ceterms:name"))
            .ok_or("no ceterms:name: a record without a name is unusable")?;
        let id = self.id(node, report)?;
        report.field("kind", FieldOutcome::Read, format!("ceterms:{class}"));
        report.field("title", FieldOutcome::Read, "ceterms:name");
        let provider = self.provider(node, report);
        let description = text(node.get("ceterms:description"));
        match &description {
            Some(_) => report.field("description", FieldOutcome::Read, "ceterms:description"),
            None => report.field("description", FieldOutcome::Unknown, "not published"),
        }
        let has_part = self.ids(node.get("ceterms:hasPart"), "has_part", report)?;
        let part_of = self.ids(node.get("ceterms:isPartOf"), "part_of", report)?;
        let requirements = self.requirements(node, &has_part, report)?;
        let (hours, min_hours) = self.hours(node, report);
        let (cost, cost_profiles) = self.cost(node, report);
        let delivery_mode = delivery_mode(node, report);
        let language = language(node, report);
        let mut accredited_by: Vec<String> = self
            .names(node.get("ceterms:accreditedBy"))
            .into_iter()
            .chain(self.names(node.get("ceterms:approvedBy")))
            .map(|(name, _)| name)
            .collect();
        accredited_by.dedup();
        let assessed = kind == CredentialKind::Assessment
            || each(node.get("ceterms:assessmentDeliveryType"))
                .next()
                .is_some()
            || requirements.requires_assessment;
        report.field(
            "assessed",
            FieldOutcome::Read,
            if assessed {
                "an assessment, an assessment delivery type or a required assessment"
            } else {
                "no assessment published"
            },
        );
        let url = text(node.get("ceterms:subjectWebpage"));
        if url.is_none() {
            report.field("url", FieldOutcome::Unknown, "no ceterms:subjectWebpage");
        }
        let credits = self.credits(node).or(requirements.credits);
        self.occupations(node, report);
        report.named_competencies = requirements.named;
        for (key, _) in node.as_object().into_iter().flatten() {
            if !MAPPED_TERMS.contains(&key.as_str()) {
                report.field(
                    key,
                    FieldOutcome::Ignored,
                    "not mapped to a skillmatch field",
                );
            }
        }
        let credential = Microcredential {
            id,
            kind,
            title,
            provider,
            description: description.unwrap_or_default(),
            learning_outcomes: Vec::new(),
            competencies: requirements.competencies,
            hours,
            min_hours,
            cost,
            cost_profiles,
            delivery_mode,
            language,
            assessed,
            accredited_by,
            frameworks: requirements.frameworks,
            part_of,
            has_part,
            prerequisites: requirements.prerequisites,
            eqf_level: None,
            credits,
            validity_months: None,
            url,
            published_type: Some(format!("ceterms:{class}")),
            occupations: Vec::new(),
        };
        credential.validate().map_err(|error| error.to_string())?;
        Ok(credential)
    }

    fn id(&self, node: &Value, report: &mut RecordReport) -> Result<CredentialId, String> {
        let (source, raw) = match node.get("ceterms:ctid").and_then(Value::as_str) {
            Some(ctid) => ("ceterms:ctid", ctid),
            None => (
                "@id",
                node.get("@id")
                    .and_then(Value::as_str)
                    .ok_or("needs ceterms:ctid or @id")?,
            ),
        };
        let (id, derived) = id_from_iri(raw)?;
        if derived {
            report.field(
                "id",
                FieldOutcome::Resolved,
                format!("derived from {source} {raw:?}"),
            );
        } else {
            report.field("id", FieldOutcome::Read, source);
        }
        Ok(id)
    }

    fn provider(&self, node: &'a Value, report: &mut RecordReport) -> String {
        let found = self
            .names(node.get("ceterms:ownedBy"))
            .into_iter()
            .chain(self.names(node.get("ceterms:offeredBy")))
            .next();
        match found {
            Some((name, true)) => {
                report.field("provider", FieldOutcome::Read, "ownedBy / offeredBy name");
                name
            }
            Some((iri, false)) => {
                report.field(
                    "provider",
                    FieldOutcome::Resolved,
                    "the organisation's IRI: the file does not describe it",
                );
                iri
            }
            None => {
                report.field("provider", FieldOutcome::Unknown, "no ownedBy or offeredBy");
                String::new()
            }
        }
    }

    /// Credential ids of referenced records.
    fn ids(
        &self,
        value: Option<&Value>,
        field: &str,
        report: &mut RecordReport,
    ) -> Result<Vec<CredentialId>, String> {
        let mut found = Vec::new();
        for iri in references(value) {
            let (id, _) = id_from_iri(&iri)?;
            if !found.contains(&id) {
                found.push(id);
            }
        }
        if !found.is_empty() {
            report.field(
                field,
                FieldOutcome::Read,
                format!("{} linked record(s)", found.len()),
            );
        }
        Ok(found)
    }

    /// Credits from `creditHourValue` or `creditUnitValue`.
    fn credits(&self, node: &Value) -> Option<Credits> {
        let (value, system) = if let Some(value) = node.get("ceterms:creditHourValue") {
            (value, text(node.get("ceterms:creditHourType")))
        } else {
            (
                node.get("ceterms:creditUnitValue")?,
                text(node.get("ceterms:creditUnitTypeDescription")).or_else(|| {
                    node.get("ceterms:creditUnitType")
                        .and_then(|t| text(t.get("ceterms:targetNodeName")))
                }),
            )
        };
        let value = number(value).filter(|v| v.is_finite() && *v >= 0.0)?;
        Some(Credits {
            value,
            system: system.unwrap_or_else(|| "credits".to_owned()),
        })
    }

    /// `occupationType` codes, into the report (resolved at import).
    fn occupations(&self, node: &'a Value, report: &mut RecordReport) {
        for alignment in self.nodes(node.get("ceterms:occupationType")) {
            let Some(code) = text(alignment.get("ceterms:codedNotation")) else {
                continue;
            };
            report.occupations.push(PublishedOccupation {
                code,
                name: text(alignment.get("ceterms:targetNodeName")),
                framework: text(alignment.get("ceterms:frameworkName"))
                    .or_else(|| text(alignment.get("ceterms:framework"))),
                resolved_uri: None,
            });
        }
    }
}
