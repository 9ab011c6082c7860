//! Job postings and the competencies they require.

use serde::{Deserialize, Serialize};

use super::Proficiency;

/// How much a job needs a competency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Importance {
    /// Required.
    #[default]
    Essential,
    /// Useful.
    Optional,
}

impl Importance {
    /// Weight in coverage scores: essential 1.0, optional 0.5.
    pub fn weight(self) -> f64 {
        match self {
            Self::Essential => 1.0,
            Self::Optional => 0.5,
        }
    }
}

/// A competency a job requires.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RequiredCompetency {
    /// Competency URI.
    pub uri: String,
    /// Essential or optional.
    pub importance: Importance,
    /// Minimum proficiency.
    pub min_proficiency: Option<Proficiency>,
}

/// A job posting: free text and/or explicit competencies.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct JobPosting {
    /// Client-chosen id; empty for inline postings.
    pub id: String,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// Explicit competencies.
    pub competencies: Vec<RequiredCompetency>,
    /// Location.
    pub location: String,
    /// Remote allowed.
    pub remote: bool,
}

impl JobPosting {
    /// Title and description as one text, the title first.
    pub fn text(&self) -> String {
        match (self.title.is_empty(), self.description.is_empty()) {
            (false, false) => format!("{}\n{}", self.title, self.description),
            (false, true) => self.title.clone(),
            _ => self.description.clone(),
        }
    }
}
