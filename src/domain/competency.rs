//! Competencies (skills, knowledge, attitudes) of a taxonomy.

use serde::{Deserialize, Serialize};

/// The taxonomy and release a concept comes from.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TaxonomyVersion {
    /// Short id: `esco`, `onet`, `skillmatch-sample`, ...
    pub id: String,
    /// Release, e.g. `v1.1.1`.
    pub version: String,
}

impl TaxonomyVersion {
    /// The embedded sample taxonomy shipped in `index/`.
    pub fn sample() -> Self {
        Self {
            id: "skillmatch-sample".into(),
            version: "2026.11".into(),
        }
    }
}

impl std::str::FromStr for TaxonomyVersion {
    type Err = String;

    /// `ID=VERSION`, e.g. `esco=v1.1.1`.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let (id, version) = text
            .split_once('=')
            .filter(|(id, version)| !id.is_empty() && !version.is_empty())
            .ok_or_else(|| format!("expected ID=VERSION, got {text:?}"))?;
        Ok(Self {
            id: id.to_owned(),
            version: version.to_owned(),
        })
    }
}

/// Skill, knowledge or attitude.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum CompetencyKind {
    /// A skill or competence.
    #[default]
    Skill,
    /// A body of knowledge.
    Knowledge,
    /// An attitude or value.
    Attitude,
}

/// A competency as stored in a taxonomy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Competency {
    /// Stable URI.
    pub uri: String,
    /// Preferred label.
    pub preferred_label: String,
    /// Alternative labels.
    #[serde(default)]
    pub alt_labels: Vec<String>,
    /// Hidden labels (search variants, never displayed).
    #[serde(default)]
    pub hidden_labels: Vec<String>,
    /// Description.
    #[serde(default)]
    pub description: String,
    /// Skill, knowledge or attitude.
    #[serde(default)]
    pub kind: CompetencyKind,
    /// ESCO reuse level, when known.
    #[serde(default)]
    pub reuse_level: Option<String>,
    /// Broader competencies.
    #[serde(default)]
    pub broader: Vec<String>,
    /// Related competencies.
    #[serde(default)]
    pub related: Vec<String>,
    /// Collections (digital, green, transversal, ...).
    #[serde(default)]
    pub collections: Vec<String>,
}

impl Competency {
    /// A skill with only a URI and a preferred label (tests).
    #[cfg(test)]
    pub fn skill(uri: &str, label: &str) -> Self {
        Self {
            uri: uri.into(),
            preferred_label: label.into(),
            alt_labels: Vec::new(),
            hidden_labels: Vec::new(),
            description: String::new(),
            kind: CompetencyKind::Skill,
            reuse_level: None,
            broader: Vec::new(),
            related: Vec::new(),
            collections: Vec::new(),
        }
    }

    /// Every label a text may use for this competency: preferred, alternative, hidden.
    pub fn all_labels(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.preferred_label.as_str())
            .chain(self.alt_labels.iter().map(String::as_str))
            .chain(self.hidden_labels.iter().map(String::as_str))
    }
}
