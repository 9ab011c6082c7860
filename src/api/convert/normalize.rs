//! NormalizeCompetencies requests to a validated query.

use crate::api::paging::PageSize;
use crate::domain::{ValidationError, Violations};
use crate::extract::{ExtractOptions, TextKind};
use crate::pb;

/// Most strings one request may normalise.
pub const MAX_NORMALIZE_SKILLS: usize = 1_000;
/// Longest string, in characters.
pub const MAX_SKILL_CHARS: usize = 200;
/// Competencies per string when the request leaves `top_k` unset.
pub const DEFAULT_NORMALIZE_TOP_K: usize = 3;
/// Most competencies per string.
pub const MAX_NORMALIZE_TOP_K: usize = 10;
/// Least score when the request leaves `min_score` unset.
pub const DEFAULT_NORMALIZE_MIN_SCORE: f64 = 0.05;
/// Most taxonomy ids one request may name.
pub const MAX_NORMALIZE_TAXONOMY_IDS: usize = 16;
/// Longest taxonomy id, in characters.
pub const MAX_TAXONOMY_ID_CHARS: usize = 64;

/// A validated NormalizeCompetencies request.
#[derive(Debug, Clone, PartialEq)]
pub struct NormalizeQuery {
    /// The raw strings, in request order.
    pub skills: Vec<String>,
    /// Result count and threshold, per string.
    pub options: ExtractOptions,
    /// Taxonomy ids to keep; empty keeps all.
    pub taxonomy_ids: Vec<String>,
}

impl TryFrom<pb::NormalizeCompetenciesRequest> for NormalizeQuery {
    type Error = ValidationError;

    fn try_from(request: pb::NormalizeCompetenciesRequest) -> Result<Self, Self::Error> {
        let pb::NormalizeCompetenciesRequest {
            skills,
            top_k,
            min_score,
            taxonomy_ids,
        } = request;
        let mut violations = Violations::default();
        if skills.is_empty() {
            violations.add("skills", "must hold at least one string");
        } else if skills.len() > MAX_NORMALIZE_SKILLS {
            violations.add(
                "skills",
                format!("must hold at most {MAX_NORMALIZE_SKILLS} strings; split larger batches"),
            );
        } else {
            check_strings(&mut violations, "skills", &skills, MAX_SKILL_CHARS);
        }
        if taxonomy_ids.len() > MAX_NORMALIZE_TAXONOMY_IDS {
            violations.add(
                "taxonomy_ids",
                format!("must hold at most {MAX_NORMALIZE_TAXONOMY_IDS} ids"),
            );
        } else {
            check_strings(
                &mut violations,
                "taxonomy_ids",
                &taxonomy_ids,
                MAX_TAXONOMY_ID_CHARS,
            );
        }
        let top_k = violations.take(
            PageSize::new(top_k, DEFAULT_NORMALIZE_TOP_K, MAX_NORMALIZE_TOP_K, "top_k"),
            "",
        );
        let min_score = min_score.unwrap_or(DEFAULT_NORMALIZE_MIN_SCORE);
        violations.check(
            (0.0..=1.0).contains(&min_score),
            "min_score",
            "must be between 0 and 1",
        );
        let options = ExtractOptions {
            top_k: top_k.map_or(DEFAULT_NORMALIZE_TOP_K, PageSize::get),
            min_score,
            // Competency names, never job titles.
            kind: TextKind::Sentence,
        };
        violations.finish(Self {
            skills,
            options,
            taxonomy_ids,
        })
    }
}

/// Every string non-blank and at most `max_chars` characters.
fn check_strings(violations: &mut Violations, field: &str, values: &[String], max_chars: usize) {
    for (index, value) in values.iter().enumerate() {
        if value.trim().is_empty() {
            violations.add(format!("{field}[{index}]"), "must not be blank");
        } else if value.chars().nth(max_chars).is_some() {
            violations.add(
                format!("{field}[{index}]"),
                format!("must be at most {max_chars} characters"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(skills: Vec<String>) -> pb::NormalizeCompetenciesRequest {
        pb::NormalizeCompetenciesRequest {
            skills,
            ..Default::default()
        }
    }

    fn fields(error: &ValidationError) -> Vec<&str> {
        error
            .violations()
            .iter()
            .map(|v| v.field.as_str())
            .collect()
    }

    #[test]
    fn limits_hold_at_the_maximum_and_fail_one_past() {
        let at = vec!["x".repeat(MAX_SKILL_CHARS); MAX_NORMALIZE_SKILLS];
        let query = NormalizeQuery::try_from(request(at)).unwrap();
        assert_eq!(query.skills.len(), MAX_NORMALIZE_SKILLS);
        assert_eq!(query.options.top_k, DEFAULT_NORMALIZE_TOP_K);

        let too_many = vec!["SQL".to_owned(); MAX_NORMALIZE_SKILLS + 1];
        let error = NormalizeQuery::try_from(request(too_many)).unwrap_err();
        assert_eq!(fields(&error), ["skills"]);

        let too_long = vec!["SQL".to_owned(), "é".repeat(MAX_SKILL_CHARS + 1)];
        let error = NormalizeQuery::try_from(request(too_long)).unwrap_err();
        assert_eq!(fields(&error), ["skills[1]"]);

        let ids = vec!["esco".to_owned(); MAX_NORMALIZE_TAXONOMY_IDS + 1];
        let error = NormalizeQuery::try_from(pb::NormalizeCompetenciesRequest {
            taxonomy_ids: ids,
            ..request(vec!["SQL".into()])
        })
        .unwrap_err();
        assert_eq!(fields(&error), ["taxonomy_ids"]);
        let long_id = vec!["e".repeat(MAX_TAXONOMY_ID_CHARS + 1)];
        let error = NormalizeQuery::try_from(pb::NormalizeCompetenciesRequest {
            taxonomy_ids: long_id,
            ..request(vec!["SQL".into()])
        })
        .unwrap_err();
        assert_eq!(fields(&error), ["taxonomy_ids[0]"]);
    }

    #[test]
    fn bad_values_are_each_named() {
        let error = NormalizeQuery::try_from(pb::NormalizeCompetenciesRequest {
            skills: vec!["SQL".into(), "  ".into()],
            top_k: -1,
            min_score: Some(1.5),
            taxonomy_ids: vec![String::new()],
        })
        .unwrap_err();
        assert_eq!(
            fields(&error),
            ["skills[1]", "taxonomy_ids[0]", "top_k", "min_score"]
        );
        let error = NormalizeQuery::try_from(request(Vec::new())).unwrap_err();
        assert_eq!(fields(&error), ["skills"]);
        let clamped = NormalizeQuery::try_from(pb::NormalizeCompetenciesRequest {
            top_k: 1_000,
            ..request(vec!["SQL".into()])
        })
        .unwrap();
        assert_eq!(clamped.options.top_k, MAX_NORMALIZE_TOP_K);
    }
}
