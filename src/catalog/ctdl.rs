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

use super::ParsedCredentials;
use super::linked_data::{
    Outcomes, Record, duration_hours, each, id_from_iri, language_map_tag, records, references,
    text,
};
use super::report::{FieldOutcome, NamedCompetency, PublishedOccupation, RecordReport};
use crate::domain::{
    AlignmentSource, CredentialId, CredentialKind, Credits, Currency, DeliveryMode,
    Microcredential, Money, PublishedCost, TaughtCompetency, read_language,
};

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

    /// Competencies, frameworks, prerequisites and credits of the
    /// record's alignments and `requires` condition profiles.
    fn requirements(
        &self,
        node: &'a Value,
        parts: &[CredentialId],
        report: &mut RecordReport,
    ) -> Result<Requirements, String> {
        let mut found = Requirements::default();
        let conditions = self.nodes(node.get("ceterms:requires"));
        for condition in &conditions {
            for alignment in self.nodes(condition.get("ceterms:targetCompetency")) {
                found.align(alignment, true);
            }
            for key in [
                "ceterms:targetCredential",
                "ceterms:targetAssessment",
                "ceterms:targetLearningOpportunity",
            ] {
                let targets = references(condition.get(key));
                if key == "ceterms:targetAssessment" && !targets.is_empty() {
                    found.requires_assessment = true;
                }
                for iri in targets {
                    let (required, _) = id_from_iri(&iri)?;
                    if !parts.contains(&required) && !found.prerequisites.contains(&required) {
                        found.prerequisites.push(required);
                    }
                }
            }
            if found.credits.is_none() {
                found.credits = self.credits(condition);
            }
        }
        if !found.prerequisites.is_empty() {
            report.field(
                "prerequisites",
                FieldOutcome::Read,
                format!(
                    "{} required record(s) (targetCredential, targetAssessment, targetLearningOpportunity)",
                    found.prerequisites.len()
                ),
            );
        }
        for (key, assessed) in [("ceterms:teaches", false), ("ceterms:assesses", true)] {
            for alignment in self.nodes(node.get(key)) {
                found.align(alignment, assessed);
            }
        }
        for subject in self.nodes(node.get("ceterms:subject")) {
            if let Some(name) = text(subject.get("ceterms:targetNodeName")) {
                found.name(name, Some("ceterms:subject".to_owned()), false, None);
            }
        }
        let aligned = found.competencies.len();
        let named = found
            .named
            .iter()
            .filter(|n| n.published_uri.is_none())
            .count();
        match (aligned, named) {
            (0, 0) => report.field(
                "competencies",
                FieldOutcome::Unknown,
                "none published (the description may still name some)",
            ),
            (_, 0) => report.field(
                "competencies",
                FieldOutcome::Read,
                format!("{aligned} aligned by URI"),
            ),
            _ => report.field(
                "competencies",
                FieldOutcome::Resolved,
                format!(
                    "{aligned} aligned by URI, {named} named only (resolved through the competency extractor)"
                ),
            ),
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

    /// Every priced `estimatedCost` profile, and their sum when they share
    /// one known currency.
    fn cost(
        &self,
        node: &'a Value,
        report: &mut RecordReport,
    ) -> (Option<Money>, Vec<PublishedCost>) {
        let mut profiles = Vec::new();
        let mut notes = Vec::new();
        for profile in self.nodes(node.get("ceterms:estimatedCost")) {
            let Some(amount) = profile.get("ceterms:price").and_then(number) else {
                continue;
            };
            if !(amount.is_finite() && amount >= 0.0) {
                notes.push(format!("price {amount} is not a finite number >= 0"));
                continue;
            }
            let published = text(profile.get("ceterms:currency"));
            let currency = published.as_deref().and_then(Currency::from_published);
            match (&published, currency) {
                (Some(name), Some(code)) if name != code.as_str() => {
                    notes.push(format!("currency {name:?} read as {code}"));
                }
                (Some(name), None) => notes.push(format!("currency {name:?} not recognised")),
                (None, _) => notes.push(format!("price {amount} has no currency")),
                _ => {}
            }
            let audience: Vec<String> = self
                .nodes(profile.get("ceterms:audienceType"))
                .into_iter()
                .filter_map(|a| text(a.get("ceterms:targetNodeName")))
                .collect();
            let label = [
                text(profile.get("ceterms:name")),
                (!audience.is_empty()).then(|| format!("audience: {}", audience.join(", "))),
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join("; ");
            profiles.push(PublishedCost {
                amount,
                currency,
                label: Some(label.chars().take(200).collect()).filter(|l: &String| !l.is_empty()),
            });
        }
        let common = references(node.get("ceterms:commonCosts")).len();
        let currencies: Vec<Option<Currency>> = profiles.iter().map(|p| p.currency).collect();
        let total = match currencies.first() {
            Some(Some(first)) if currencies.iter().all(|c| *c == Some(*first)) => Some(Money {
                amount: profiles.iter().map(|p| p.amount).sum(),
                currency: *first,
            }),
            _ => None,
        };
        let (outcome, detail) = match (&total, profiles.len()) {
            (Some(money), 1) => (FieldOutcome::Read, format!("one cost profile: {money}")),
            (Some(money), count) => (
                FieldOutcome::Read,
                format!(
                    "the sum of {count} cost profiles, {money} (an upper bound when they are alternatives)"
                ),
            ),
            (None, 0) if common > 0 => (
                FieldOutcome::Unknown,
                "published only as commonCosts references, not in this file".to_owned(),
            ),
            (None, 0) => (FieldOutcome::Unknown, "no priced estimatedCost".to_owned()),
            (None, count) => (
                FieldOutcome::Unknown,
                format!("{count} cost profile(s) kept, but not in one known currency"),
            ),
        };
        let outcome = if outcome == FieldOutcome::Read && !notes.is_empty() {
            FieldOutcome::Resolved
        } else {
            outcome
        };
        notes.dedup();
        let detail = if notes.is_empty() {
            detail
        } else {
            format!("{detail}; {}", notes.join("; "))
        };
        report.field("cost", outcome, detail);
        (total, profiles)
    }

    /// Hours and the lower bound of a range, from the first duration
    /// profile that gives an exact duration, else a range.
    fn hours(&self, node: &'a Value, report: &mut RecordReport) -> (Option<f64>, Option<f64>) {
        let profiles = self.nodes(node.get("ceterms:estimatedDuration"));
        let read = |profile: &Value, key: &str| -> Option<Result<f64, String>> {
            let raw = profile.get(key).and_then(Value::as_str)?;
            Some(duration_hours(raw).map_err(|reason| format!("{key}: {reason}")))
        };
        let mut problems = Vec::new();
        for profile in &profiles {
            match read(profile, "ceterms:exactDuration") {
                Some(Ok(hours)) => {
                    report.field(
                        "hours",
                        FieldOutcome::Read,
                        format!("exactDuration, {hours} hours"),
                    );
                    return (Some(hours), None);
                }
                Some(Err(problem)) => problems.push(problem),
                None => {}
            }
            let min = read(profile, "ceterms:minimumDuration");
            let max = read(profile, "ceterms:maximumDuration");
            match (min, max) {
                (Some(Ok(min)), Some(Ok(max))) if min <= max => {
                    report.field(
                        "hours",
                        FieldOutcome::Read,
                        format!("a range, {min} to {max} hours (filters and plans use {max})"),
                    );
                    return (Some(max), Some(min));
                }
                (_, Some(Ok(max))) => {
                    report.field(
                        "hours",
                        FieldOutcome::Read,
                        format!("at most {max} hours (maximumDuration)"),
                    );
                    return (Some(max), None);
                }
                (min, max) => {
                    for side in [min, max].into_iter().flatten() {
                        match side {
                            Ok(hours) => problems
                                .push(format!("only a minimum of {hours} hours: no upper bound")),
                            Err(problem) => problems.push(problem),
                        }
                    }
                }
            }
        }
        let detail = if !problems.is_empty() {
            problems.join("; ")
        } else if profiles
            .iter()
            .any(|p| text(p.get("ceterms:description")).is_some())
        {
            "given only as text in the duration profile".to_owned()
        } else {
            "no estimatedDuration".to_owned()
        };
        report.field("hours", FieldOutcome::Unknown, detail);
        (None, None)
    }
}

impl Requirements {
    /// An alignment: a competency when it names a `targetNode` URI, a named
    /// competency when it has only a `targetNodeName`.
    fn align(&mut self, alignment: &Value, assessed: bool) {
        let framework = alignment
            .get("ceterms:framework")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .or_else(|| text(alignment.get("ceterms:frameworkName")));
        match alignment.get("ceterms:targetNode").and_then(Value::as_str) {
            Some(uri) => {
                if !self.competencies.iter().any(|c| c.uri == uri) {
                    self.competencies.push(TaughtCompetency {
                        uri: uri.to_owned(),
                        proficiency: None,
                        assessed,
                        source: AlignmentSource::Provider,
                        resolved_from: None,
                    });
                }
                if let Some(name) = text(alignment.get("ceterms:targetNodeName")) {
                    self.name(name, framework.clone(), assessed, Some(uri));
                }
                if let Some(framework) = framework.filter(|f| !self.frameworks.contains(f)) {
                    self.frameworks.push(framework);
                }
            }
            None => {
                if let Some(name) = text(alignment.get("ceterms:targetNodeName")) {
                    self.name(name, framework, assessed, None);
                }
            }
        }
    }

    fn name(&mut self, name: String, framework: Option<String>, assessed: bool, uri: Option<&str>) {
        if !self.named.iter().any(|n| n.name == name) {
            self.named.push(NamedCompetency {
                name,
                framework,
                assessed,
                published_uri: uri.map(str::to_owned),
                resolved: None,
            });
        }
    }
}

/// A number, or a string holding one.
fn number(value: &Value) -> Option<f64> {
    value
        .as_f64()
        .or_else(|| value.as_str().and_then(|s| s.trim().parse().ok()))
}

fn delivery_mode(node: &Value, report: &mut RecordReport) -> Option<DeliveryMode> {
    let (mut online, mut in_person, mut blended) = (false, false, false);
    let mut others = Vec::new();
    for key in ["ceterms:learningDeliveryType", "ceterms:deliveryType"] {
        for item in each(node.get(key)) {
            let term = item
                .get("ceterms:targetNode")
                .and_then(Value::as_str)
                .or_else(|| item.as_str())
                .unwrap_or_default();
            match term.rsplit([':', '/']).next().unwrap_or_default() {
                "OnlineOnly" => online = true,
                "InPerson" => in_person = true,
                "BlendedDelivery" => blended = true,
                other => others.push(other.to_owned()),
            }
        }
    }
    let mode = match (online, in_person, blended) {
        (_, _, true) | (true, true, _) => Some(DeliveryMode::Blended),
        (true, false, false) => Some(DeliveryMode::Online),
        (false, true, false) => Some(DeliveryMode::InPerson),
        (false, false, false) => None,
    };
    match mode {
        Some(mode) if online && in_person && !blended => report.field(
            "delivery_mode",
            FieldOutcome::Resolved,
            format!("online and in person both offered, read as {mode:?}"),
        ),
        Some(mode) => report.field("delivery_mode", FieldOutcome::Read, format!("{mode:?}")),
        None if others.is_empty() => report.field(
            "delivery_mode",
            FieldOutcome::Unknown,
            "no learningDeliveryType or deliveryType",
        ),
        None => report.field(
            "delivery_mode",
            FieldOutcome::Unknown,
            format!("unrecognised delivery type(s): {}", others.join(", ")),
        ),
    }
    mode
}

/// The first usable `inLanguage` value (a tag, or a language name), else
/// the language of the name's language map.
fn language(node: &Value, report: &mut RecordReport) -> Option<String> {
    let published: Vec<String> = each(node.get("ceterms:inLanguage"))
        .filter_map(|v| text(Some(v)))
        .collect();
    let mut tags: Vec<String> = Vec::new();
    let mut named = Vec::new();
    let mut unknown = Vec::new();
    for raw in &published {
        match read_language(raw) {
            Some(read) => {
                if raw != read.tag() {
                    named.push(format!("{raw:?} read as {}", read.tag()));
                }
                if !tags.iter().any(|t| t == read.tag()) {
                    tags.push(read.tag().to_owned());
                }
            }
            None => unknown.push(raw.clone()),
        }
    }
    let from_map =
        || language_map_tag(node.get("ceterms:name")).filter(|t| read_language(t).is_some());
    let (language, outcome, mut detail) = match tags.first() {
        Some(tag) if named.is_empty() => (
            Some(tag.clone()),
            FieldOutcome::Read,
            format!("inLanguage {tag}"),
        ),
        Some(tag) => (Some(tag.clone()), FieldOutcome::Resolved, named.join(", ")),
        None => match from_map() {
            Some(tag) => (
                Some(tag.clone()),
                FieldOutcome::Resolved,
                format!("the language of the name's language map, {tag}"),
            ),
            None => (None, FieldOutcome::Unknown, "no inLanguage".to_owned()),
        },
    };
    if published.len() > tags.len() + unknown.len() {
        detail.push_str("; duplicates removed");
    }
    if tags.len() > 1 {
        detail.push_str(&format!("; also published: {}", tags[1..].join(", ")));
    }
    if !unknown.is_empty() {
        detail.push_str(&format!("; not a language: {}", unknown.join(", ")));
    }
    report.field("language", outcome, detail);
    language
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::report::RecordStatus;

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
    fn reads_leniently_and_rejects_only_unusable_records() {
        let parsed = parse_credentials_ctdl(MALFORMED);
        let expected = [(6, "not valid JSON"), (7, "duplicate id ce-good")];
        crate::catalog::jsonl::assert_rejected(&parsed, &expected);
        let ids: Vec<&str> = parsed.credentials.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "ce-good",
                "ce-course",
                "ce-no-cost",
                "ce-bad-currency",
                "ce-bad-duration",
                "ce-no-delivery"
            ]
        );
        let by_id = |id: &str| {
            parsed
                .credentials
                .iter()
                .find(|c| c.id.as_str() == id)
                .unwrap()
        };
        let report = |id: &str| {
            parsed
                .reports
                .iter()
                .find(|r| r.id.as_deref() == Some(id) && r.status != RecordStatus::Rejected)
                .unwrap()
        };
        assert_eq!(by_id("ce-course").kind, CredentialKind::LearningOpportunity);
        assert_eq!(by_id("ce-course").cost, None);
        assert_eq!(by_id("ce-no-cost").cost, None, "unknown, not free");
        assert_eq!(
            report("ce-no-cost").outcome("cost"),
            Some(FieldOutcome::Unknown)
        );
        let usd = by_id("ce-bad-currency").cost.unwrap();
        assert_eq!((usd.amount, usd.currency.as_str()), (1000.0, "USD"));
        assert_eq!(
            report("ce-bad-currency").outcome("cost"),
            Some(FieldOutcome::Resolved)
        );
        assert_eq!(by_id("ce-bad-duration").hours, None);
        assert_eq!(
            report("ce-bad-duration").outcome("hours"),
            Some(FieldOutcome::Unknown)
        );
        assert_eq!(by_id("ce-no-delivery").delivery_mode, None);
        assert_eq!(report("ce-good").status, RecordStatus::ImportedWithWarnings);
        assert_eq!(parsed.reports.len(), 8, "one report per record");
        assert_eq!(parsed.reports[5].status, RecordStatus::Rejected);
    }

    #[test]
    fn ranges_named_competencies_languages_and_several_costs() {
        let record = serde_json::json!({
            "@id": "https://example.org/resources/ce-exam?v=2",
            "@type": "ceterms:AssessmentProfile",
            "ceterms:name": "Data Exam",
            "ceterms:inLanguage": ["English", "English"],
            "ceterms:estimatedDuration": [{"ceterms:minimumDuration": "PT2H", "ceterms:maximumDuration": "P1D"}],
            "ceterms:estimatedCost": [
                {"ceterms:price": 35, "ceterms:currency": "US Dollar", "ceterms:audienceType": [{"ceterms:targetNodeName": "Citizen"}]},
                {"ceterms:price": 40.0, "ceterms:currency": "USD"}
            ],
            "ceterms:assesses": [
                {"ceterms:targetNodeName": "use SQL", "ceterms:frameworkName": "Exam blueprint"},
                {"ceterms:targetNode": "http://data.europa.eu/esco/skill/x"}
            ],
            "ceterms:occupationType": [{"ceterms:codedNotation": "15-1121.00", "ceterms:frameworkName": "Standard Occupational Classification"}],
            "ceterms:naics": ["51"]
        });
        let parsed = parse_credentials_ctdl(&record.to_string());
        assert!(parsed.rejected.is_empty(), "{:?}", parsed.rejected);
        let exam = &parsed.credentials[0];
        let report = &parsed.reports[0];
        assert_eq!(exam.id.as_str(), "ce-exam.v-2");
        assert_eq!(report.outcome("id"), Some(FieldOutcome::Resolved));
        assert_eq!(exam.kind, CredentialKind::Assessment);
        assert!(exam.assessed);
        assert_eq!((exam.min_hours, exam.hours), (Some(2.0), Some(8.0)));
        assert_eq!(exam.language.as_deref(), Some("en"));
        assert_eq!(report.outcome("language"), Some(FieldOutcome::Resolved));
        assert_eq!(exam.cost_profiles.len(), 2);
        assert_eq!(
            exam.cost_profiles[0].label.as_deref(),
            Some("audience: Citizen")
        );
        assert_eq!(exam.cost.map(|c| c.amount), Some(75.0));
        assert_eq!(exam.competencies.len(), 1);
        assert!(exam.competencies[0].assessed);
        assert_eq!(report.named_competencies.len(), 1);
        assert_eq!(report.named_competencies[0].name, "use SQL");
        assert_eq!(
            report.named_competencies[0].framework.as_deref(),
            Some("Exam blueprint")
        );
        assert_eq!(report.occupations[0].code, "15-1121.00");
        assert_eq!(report.outcome("ceterms:naics"), Some(FieldOutcome::Ignored));
        assert_eq!(
            exam.published_type.as_deref(),
            Some("ceterms:AssessmentProfile")
        );
    }

    #[test]
    fn a_cost_without_currency_is_kept_but_unknown() {
        let record = serde_json::json!({
            "@id": "ce-course", "@type": "ceterms:LearningOpportunityProfile", "ceterms:name": "Course",
            "ceterms:estimatedCost": [{"ceterms:price": 200.0}, {"ceterms:price": 300.0}]
        });
        let parsed = parse_credentials_ctdl(&record.to_string());
        let course = &parsed.credentials[0];
        assert_eq!(course.cost, None);
        assert_eq!(course.cost_profiles.len(), 2);
        assert_eq!(course.cost_profiles[1].currency, None);
        for unusable in [
            serde_json::json!({"@id": "ce-x", "@type": "ceterms:Course"}),
            serde_json::json!({"@id": "ce-x", "@type": "ceterms:CredentialOrganization2", "ceterms:name": "X"}),
            serde_json::json!({"@id": "ce-x", "ceterms:name": "X"}),
        ] {
            let parsed = parse_credentials_ctdl(&unusable.to_string());
            assert_eq!(parsed.rejected.len(), 1, "{unusable}");
            assert_eq!(parsed.reports[0].status, RecordStatus::Rejected);
        }
    }
}
