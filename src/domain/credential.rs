//! Microcredentials and the quality markers people ask about.

use serde::{Deserialize, Serialize};

use super::limits::{
    MAX_CREDENTIAL_LINKS, MAX_LEARNING_OUTCOMES, MAX_NAME_CHARS, MAX_NAMES_PER_LIST,
    MAX_TAUGHT_COMPETENCIES, MAX_TEXT_CHARS, MAX_URI_CHARS,
};
use super::{CredentialId, Money, ValidationError, Violations};

/// How learning is delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryMode {
    /// Fully online.
    Online,
    /// In person only.
    InPerson,
    /// Online and in person.
    Blended,
}

/// What kind of catalogue entry a record is. CTDL publishes courses and
/// exams (`LearningOpportunityProfile`, `AssessmentProfile`) beside
/// credentials; all three can close a skills gap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum CredentialKind {
    /// A credential awarded to a learner (certificate, badge, degree, licence).
    #[default]
    Credential,
    /// A course or programme (CTDL `LearningOpportunityProfile`).
    LearningOpportunity,
    /// An exam or other assessment (CTDL `AssessmentProfile`).
    Assessment,
}

/// Proficiency on a four-step scale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Proficiency {
    /// Applies the competency with guidance.
    Basic,
    /// Applies it independently in routine situations.
    Intermediate,
    /// Applies it in complex situations.
    Advanced,
    /// Leads and teaches others.
    Expert,
}

/// Where a credential's link to a competency comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum AlignmentSource {
    /// Declared by the provider.
    #[default]
    Provider,
    /// Inferred from the credential's text.
    Extracted,
}

/// A competency a credential teaches.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaughtCompetency {
    /// Competency URI.
    pub uri: String,
    /// Level taught to, when stated.
    #[serde(default)]
    pub proficiency: Option<Proficiency>,
    /// Whether it is assessed.
    #[serde(default)]
    pub assessed: bool,
    /// Where the alignment comes from.
    #[serde(default)]
    pub source: AlignmentSource,
    /// For a competency resolved from a published name (no taxonomy URI in
    /// the record): what was published and how well it matched.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolved_from: Option<PublishedCompetency>,
}

/// A competency as a record published it, by name (CTDL `targetNodeName`,
/// an Open Badges alignment outside the taxonomy), and the score of its
/// resolution to a taxonomy competency through the extractor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublishedCompetency {
    /// The published name.
    pub name: String,
    /// The published framework (name or URL), when given.
    #[serde(default)]
    pub framework: Option<String>,
    /// Extraction score of the resolved competency, in [0, 1].
    pub score: f64,
}

/// One price a record publishes (a CTDL `CostProfile`), kept as published:
/// a currency that is not given or not recognised is `None`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublishedCost {
    /// Amount in major units.
    pub amount: f64,
    /// ISO 4217 currency, when known.
    #[serde(default)]
    pub currency: Option<super::Currency>,
    /// What the price is for (description, audience), when given.
    #[serde(default)]
    pub label: Option<String>,
}

/// Academic credits.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Credits {
    /// Number of credits.
    pub value: f64,
    /// Credit system, e.g. ECTS.
    pub system: String,
}

/// A microcredential. Constructed only through validation (the JSON Lines
/// reader or the API adapter), so every value here is well-formed.
///
/// Hours, cost, delivery mode and language are `None` when the record does
/// not publish them: unknown is a value, never replaced by a default (no 0
/// hours or 0 cost stands in for "not published"). Stored records written
/// before these could be unknown hold plain values, which read as `Some`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Microcredential {
    /// Client-chosen id.
    pub id: CredentialId,
    /// Credential, learning opportunity or assessment.
    #[serde(default)]
    pub kind: CredentialKind,
    /// Title.
    pub title: String,
    /// Provider.
    #[serde(default)]
    pub provider: String,
    /// Description.
    #[serde(default)]
    pub description: String,
    /// Learning outcomes.
    #[serde(default)]
    pub learning_outcomes: Vec<String>,
    /// Competencies taught.
    #[serde(default)]
    pub competencies: Vec<TaughtCompetency>,
    /// Notional learning hours: the exact duration, or the upper bound of a
    /// published range (the bound filters and plans use). `None`: unknown.
    #[serde(default)]
    pub hours: Option<f64>,
    /// The lower bound when the duration is published as a range.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_hours: Option<f64>,
    /// Cost to the learner: the sum of the priced cost profiles when they all
    /// share a known currency (exact when they are components, an upper bound
    /// when they are alternatives for different audiences). `None`: unknown.
    #[serde(default)]
    pub cost: Option<Money>,
    /// Every published price, as published.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cost_profiles: Vec<PublishedCost>,
    /// Delivery mode. `None`: unknown.
    #[serde(default)]
    pub delivery_mode: Option<DeliveryMode>,
    /// Language of instruction (BCP 47). `None`: unknown.
    #[serde(default)]
    pub language: Option<String>,
    /// Whether learning is assessed.
    #[serde(default)]
    pub assessed: bool,
    /// Accrediting bodies.
    #[serde(default)]
    pub accredited_by: Vec<String>,
    /// Frameworks the credential is aligned to.
    #[serde(default)]
    pub frameworks: Vec<String>,
    /// Larger credentials this stacks into.
    #[serde(default)]
    pub part_of: Vec<CredentialId>,
    /// Smaller credentials this is made of.
    #[serde(default)]
    pub has_part: Vec<CredentialId>,
    /// Credentials required first.
    #[serde(default)]
    pub prerequisites: Vec<CredentialId>,
    /// EQF level 1-8.
    #[serde(default)]
    pub eqf_level: Option<u8>,
    /// Credits awarded.
    #[serde(default)]
    pub credits: Option<Credits>,
    /// Months of validity before renewal.
    #[serde(default)]
    pub validity_months: Option<u32>,
    /// Landing page.
    #[serde(default)]
    pub url: Option<String>,
    /// The type the record was published as, when it is not one of ours:
    /// an Open Badges `achievementType` outside the enumeration ("Module"),
    /// or the CTDL class (`ceterms:BachelorDegree`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published_type: Option<String>,
    /// Taxonomy occupations the record names (CTDL `occupationType` SOC
    /// codes resolved to O*NET occupations), as URIs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub occupations: Vec<String>,
}

impl Microcredential {
    /// Whether at least one body accredits it.
    pub fn is_accredited(&self) -> bool {
        !self.accredited_by.is_empty()
    }

    /// Whether it stacks with other credentials (part of or made of others).
    pub fn is_stackable(&self) -> bool {
        !self.part_of.is_empty() || !self.has_part.is_empty()
    }

    /// The quality markers the record does not publish, in a fixed order:
    /// `cost`, `hours`, `delivery mode`, `language`. They neither raise nor
    /// lower a match score; filters and plans treat them explicitly.
    pub fn unknown_markers(&self) -> Vec<&'static str> {
        [
            ("cost", self.cost.is_none()),
            ("hours", self.hours.is_none()),
            ("delivery mode", self.delivery_mode.is_none()),
            ("language", self.language.is_none()),
        ]
        .into_iter()
        .filter_map(|(name, unknown)| unknown.then_some(name))
        .collect()
    }

    /// The primary language subtag, lower-cased (`en` for `en-GB`); `None`
    /// when the language is unknown.
    pub fn primary_language(&self) -> Option<String> {
        self.language.as_deref().map(primary_language)
    }
}

/// The primary subtag of a BCP 47 tag, lower-cased.
pub fn primary_language(tag: &str) -> String {
    tag.split(['-', '_'])
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase()
}

impl Microcredential {
    /// Checks the invariants serde cannot express: non-empty title, a
    /// well-formed language when known, finite non-negative hours and prices, EQF level range, unique competencies,
    /// no self-references.
    pub fn validate(&self) -> Result<(), ValidationError> {
        let mut violations = Violations::default();
        violations.check(!self.title.trim().is_empty(), "title", "must not be empty");
        self.check_sizes(&mut violations);
        for (field, hours) in [("hours", self.hours), ("min_hours", self.min_hours)] {
            if let Some(hours) = hours {
                violations.check_amount(field, hours);
            }
        }
        if let (Some(min), Some(max)) = (self.min_hours, self.hours) {
            violations.check(min <= max, "min_hours", "must not exceed hours");
        }
        if self.min_hours.is_some() && self.hours.is_none() {
            violations.add("min_hours", "needs hours, the upper bound of the range");
        }
        if let Some(language) = &self.language {
            violations.check(
                is_language_tag(language),
                "language",
                "must be a BCP 47 language tag such as en or de-AT",
            );
        }
        if let Some(cost) = &self.cost {
            violations.check_amount("cost.amount", cost.amount);
        }
        for (index, profile) in self.cost_profiles.iter().enumerate() {
            violations.check_amount(&format!("cost_profiles[{index}].amount"), profile.amount);
        }
        if let Some(credits) = &self.credits {
            violations.check_amount("credits.value", credits.value);
            violations.check_chars("credits.system", &credits.system, MAX_NAME_CHARS);
        }
        if let Some(level) = self.eqf_level {
            violations.check(
                (1..=8).contains(&level),
                "eqf_level",
                "must be between 1 and 8",
            );
        }
        let mut seen = std::collections::HashSet::new();
        for (index, taught) in self.competencies.iter().enumerate() {
            if taught.uri.trim().is_empty() {
                violations.add(format!("competencies[{index}].uri"), "must not be empty");
            } else if !seen.insert(taught.uri.as_str()) {
                violations.add(format!("competencies[{index}].uri"), "is listed twice");
            }
        }
        for (field, ids) in [
            ("part_of", &self.part_of),
            ("has_part", &self.has_part),
            ("prerequisites", &self.prerequisites),
        ] {
            if ids.contains(&self.id) {
                violations.add(field, "must not name the credential itself");
            }
        }
        violations.finish(())
    }
}

impl Microcredential {
    /// The documented maxima of every text and list (`domain::limits`).
    fn check_sizes(&self, violations: &mut Violations) {
        violations.check_chars("title", &self.title, MAX_NAME_CHARS);
        violations.check_chars("provider", &self.provider, MAX_NAME_CHARS);
        violations.check_chars("description", &self.description, MAX_TEXT_CHARS);
        violations.check_names(
            "learning_outcomes",
            &self.learning_outcomes,
            MAX_LEARNING_OUTCOMES,
        );
        violations.check_count(
            "competencies",
            self.competencies.len(),
            MAX_TAUGHT_COMPETENCIES,
        );
        for (index, taught) in self.competencies.iter().enumerate() {
            violations.check_chars(
                &format!("competencies[{index}].uri"),
                &taught.uri,
                MAX_URI_CHARS,
            );
        }
        if let Some(language) = &self.language {
            violations.check_chars("language", language, MAX_NAME_CHARS);
        }
        violations.check_names("accredited_by", &self.accredited_by, MAX_NAMES_PER_LIST);
        violations.check_names("frameworks", &self.frameworks, MAX_NAMES_PER_LIST);
        for (field, ids) in [
            ("part_of", &self.part_of),
            ("has_part", &self.has_part),
            ("prerequisites", &self.prerequisites),
        ] {
            violations.check_count(field, ids.len(), MAX_CREDENTIAL_LINKS);
        }
        if let Some(url) = &self.url {
            violations.check_chars("url", url, MAX_URI_CHARS);
        }
    }
}

/// A loose BCP 47 check: alphanumeric subtags of 1-8 characters separated by `-`,
/// the first alphabetic of 2-3 letters.
pub fn is_language_tag(tag: &str) -> bool {
    let mut subtags = tag.split('-');
    let primary_ok = subtags
        .next()
        .is_some_and(|p| (2..=3).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphabetic()));
    primary_ok
        && subtags
            .all(|s| (1..=8).contains(&s.len()) && s.chars().all(|c| c.is_ascii_alphanumeric()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A record as the store held it before markers could be unknown.
    const STORED_BEFORE: &str = r#"{"id":"old","title":"Old","provider":"P","description":"",
        "learning_outcomes":[],"competencies":[{"uri":"urn:c","proficiency":null,"assessed":true,"source":"provider"}],
        "hours":12.0,"cost":{"amount":89.0,"currency":"EUR"},"delivery_mode":"online","language":"en",
        "assessed":true,"accredited_by":[],"frameworks":[],"part_of":[],"has_part":[],"prerequisites":[],
        "eqf_level":null,"credits":null,"validity_months":null,"url":null}"#;

    #[test]
    fn records_stored_before_read_as_known_credentials() {
        let old: Microcredential = serde_json::from_str(STORED_BEFORE).unwrap();
        assert_eq!(old.kind, CredentialKind::Credential);
        assert_eq!(old.hours, Some(12.0));
        assert_eq!(old.cost.map(|c| c.amount), Some(89.0));
        assert_eq!(old.delivery_mode, Some(DeliveryMode::Online));
        assert_eq!(old.language.as_deref(), Some("en"));
        assert_eq!(old.min_hours, None);
        assert!(old.cost_profiles.is_empty());
        assert_eq!(old.competencies[0].resolved_from, None);
        assert!(old.validate().is_ok());
        assert!(old.unknown_markers().is_empty());
        let again: Microcredential =
            serde_json::from_str(&serde_json::to_string(&old).unwrap()).unwrap();
        assert_eq!(again, old, "round trip");
    }

    #[test]
    fn unknown_markers_are_absent_not_zero() {
        let unknown: Microcredential = serde_json::from_str(r#"{"id":"u","title":"U"}"#).unwrap();
        assert_eq!(
            unknown.unknown_markers(),
            ["cost", "hours", "delivery mode", "language"]
        );
        assert!(unknown.validate().is_ok());
        let json = serde_json::to_value(&unknown).unwrap();
        assert!(json["hours"].is_null() && json["cost"].is_null());
        let mut ranged = unknown.clone();
        ranged.min_hours = Some(2.0);
        assert!(
            ranged.validate().is_err(),
            "a lower bound needs an upper bound"
        );
        ranged.hours = Some(1.0);
        assert!(
            ranged.validate().is_err(),
            "min_hours must not exceed hours"
        );
        ranged.hours = Some(3.0);
        assert!(ranged.validate().is_ok());
    }
}
