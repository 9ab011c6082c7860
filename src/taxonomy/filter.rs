//! Which competencies a search may return: by type, reuse level, collection
//! and taxonomy.

use std::collections::BTreeSet;

use super::{CompetencyIdx, Taxonomy};
use crate::domain::{Competency, CompetencyKind, ValidationError, Violations};

/// The reuse levels and collections the loaded competencies have, folded to
/// lower case: what a filter may name. Computed once when the taxonomy is
/// assembled.
#[derive(Debug, Clone, Default)]
pub(crate) struct FilterValues {
    reuse_levels: BTreeSet<String>,
    collections: BTreeSet<String>,
}

fn fold(value: &str) -> String {
    value.to_ascii_lowercase()
}

impl FilterValues {
    /// The values of these competencies.
    pub(crate) fn of(competencies: &[Competency]) -> Self {
        let mut values = Self::default();
        for competency in competencies {
            values
                .reuse_levels
                .extend(competency.reuse_level.as_deref().map(fold));
            values
                .collections
                .extend(competency.collections.iter().map(|c| fold(c)));
        }
        values
    }
}

/// Restrictions on competencies; an empty list allows every value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CompetencyFilter {
    /// Allowed kinds.
    pub kinds: Vec<CompetencyKind>,
    /// Allowed reuse levels (ESCO), compared ignoring case.
    pub reuse_levels: Vec<String>,
    /// The competency must be in at least one of these collections.
    pub collections: Vec<String>,
    /// Allowed taxonomy ids (`esco`, `onet`, ...).
    pub taxonomy_ids: Vec<String>,
}

impl CompetencyFilter {
    /// Whether the filter lets everything through.
    pub fn is_empty(&self) -> bool {
        self.kinds.is_empty()
            && self.reuse_levels.is_empty()
            && self.collections.is_empty()
            && self.taxonomy_ids.is_empty()
    }

    /// Rejects values that no loaded competency has: an unknown taxonomy id,
    /// reuse level or collection would silently match nothing.
    pub fn check_known(&self, taxonomy: &Taxonomy) -> Result<(), ValidationError> {
        let mut violations = Violations::default();
        taxonomy.check_taxonomy_ids(&self.taxonomy_ids, "taxonomy_ids", &mut violations);
        let known = taxonomy.filter_values();
        for (field, values, known) in [
            ("reuse_levels", &self.reuse_levels, &known.reuse_levels),
            ("collections", &self.collections, &known.collections),
        ] {
            for (index, value) in values.iter().enumerate() {
                if !known.contains(&fold(value)) {
                    let known: Vec<&str> = known.iter().map(String::as_str).collect();
                    violations.add(
                        format!("{field}[{index}]"),
                        format!(
                            "is not a value of the loaded taxonomies ({})",
                            known.join(", ")
                        ),
                    );
                }
            }
        }
        violations.finish(())
    }

    /// Whether a competency passes.
    pub fn matches(&self, taxonomy: &Taxonomy, idx: CompetencyIdx) -> bool {
        let competency = taxonomy.get(idx);
        let allowed = |list: &[String], value: &str| {
            list.is_empty() || list.iter().any(|v| v.eq_ignore_ascii_case(value))
        };
        (self.kinds.is_empty() || self.kinds.contains(&competency.kind))
            && allowed(
                &self.reuse_levels,
                competency.reuse_level.as_deref().unwrap_or_default(),
            )
            && (self.collections.is_empty()
                || competency
                    .collections
                    .iter()
                    .any(|c| allowed(&self.collections, c)))
            && allowed(&self.taxonomy_ids, &taxonomy.version_of(idx).id)
    }
}
