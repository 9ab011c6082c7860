//! Job postings and the competencies they require.

use serde::{Deserialize, Serialize};

use super::limits::{MAX_JOB_COMPETENCIES, MAX_NAME_CHARS, MAX_TEXT_CHARS, MAX_URI_CHARS};
use super::{Proficiency, ValidationError, Violations};

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
    /// The one home of a job's rules: it says something (a title, a
    /// description or a competency), its texts and lists are within the
    /// documented maxima, and no competency is listed twice. Field paths are
    /// relative to the job.
    pub fn validate(&self) -> Result<(), ValidationError> {
        let mut violations = Violations::default();
        violations.check(
            !(self.title.trim().is_empty()
                && self.description.trim().is_empty()
                && self.competencies.is_empty()),
            "",
            "needs a title, a description or at least one competency",
        );
        violations.check_chars("title", &self.title, MAX_NAME_CHARS);
        violations.check_chars("description", &self.description, MAX_TEXT_CHARS);
        violations.check_chars("location", &self.location, MAX_NAME_CHARS);
        violations.check_count(
            "competencies",
            self.competencies.len(),
            MAX_JOB_COMPETENCIES,
        );
        let mut seen = std::collections::HashSet::new();
        for (index, required) in self
            .competencies
            .iter()
            .enumerate()
            .take(MAX_JOB_COMPETENCIES)
        {
            let field = format!("competencies[{index}].uri");
            if required.uri.trim().is_empty() {
                violations.add(field, "must not be empty");
            } else if !seen.insert(required.uri.as_str()) {
                violations.add(field, "is listed twice");
            } else {
                violations.check_chars(&field, &required.uri, MAX_URI_CHARS);
            }
        }
        violations.finish(())
    }

    /// Whether the posting is a title alone, without a description.
    pub fn is_title_only(&self) -> bool {
        !self.title.trim().is_empty() && self.description.trim().is_empty()
    }

    /// Title and description as one text, the title first.
    pub fn text(&self) -> String {
        match (self.title.is_empty(), self.description.is_empty()) {
            (false, false) => format!("{}\n{}", self.title, self.description),
            (false, true) => self.title.clone(),
            _ => self.description.clone(),
        }
    }
}
