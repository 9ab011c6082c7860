//! Occupations and the competencies they require.

use serde::{Deserialize, Serialize};

/// An occupation of a taxonomy (ESCO, O*NET).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Occupation {
    /// Stable URI.
    pub uri: String,
    /// Preferred label.
    pub preferred_label: String,
    /// Alternative labels (job titles).
    #[serde(default)]
    pub alt_labels: Vec<String>,
    /// Hidden labels.
    #[serde(default)]
    pub hidden_labels: Vec<String>,
    /// Description.
    #[serde(default)]
    pub description: String,
    /// ISCO-08 unit group code, e.g. `2511`.
    #[serde(default)]
    pub isco_group: String,
    /// The taxonomy's own code, e.g. ESCO `2511.1` or O*NET-SOC `15-1252.00`.
    #[serde(default)]
    pub code: String,
    /// URIs of essential competencies.
    #[serde(default)]
    pub essential: Vec<String>,
    /// URIs of optional competencies.
    #[serde(default)]
    pub optional: Vec<String>,
    /// Rated importance of competencies in [0, 1], where the taxonomy rates
    /// them (O*NET importance 1-5 mapped linearly onto [0, 1]).
    #[serde(default)]
    pub importance: Vec<CompetencyImportance>,
    /// URIs of equivalent or overlapping occupations of other taxonomies
    /// (the ESCO<->O*NET crosswalk).
    #[serde(default)]
    pub linked: Vec<String>,
}

/// How important one competency is for an occupation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct CompetencyImportance {
    /// URI of the competency.
    pub uri: String,
    /// Importance in [0, 1], higher is more important.
    pub importance: f64,
}
