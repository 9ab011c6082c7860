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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Microcredential {
    /// Client-chosen id.
    pub id: CredentialId,
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
    /// Notional learning hours.
    pub hours: f64,
    /// Cost to the learner.
    pub cost: Money,
    /// Delivery mode.
    pub delivery_mode: DeliveryMode,
    /// Language of instruction (BCP 47).
    pub language: String,
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

    /// The primary language subtag, lower-cased (`en` for `en-GB`).
    pub fn primary_language(&self) -> String {
        primary_language(&self.language)
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
    /// Checks the invariants serde cannot express: non-empty title and
    /// language, finite non-negative hours, EQF level range, unique competencies,
    /// no self-references.
    pub fn validate(&self) -> Result<(), ValidationError> {
        let mut violations = Violations::default();
        violations.check(!self.title.trim().is_empty(), "title", "must not be empty");
        self.check_sizes(&mut violations);
        violations.check_amount("hours", self.hours);
        violations.check(
            is_language_tag(&self.language),
            "language",
            "must be a BCP 47 language tag such as en or de-AT",
        );
        violations.check_amount("cost.amount", self.cost.amount);
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
        violations.check_chars("language", &self.language, MAX_NAME_CHARS);
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
