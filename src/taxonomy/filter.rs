//! Which competencies a search may return: by type, reuse level, collection
//! and taxonomy.

use super::{CompetencyIdx, Taxonomy};
use crate::domain::CompetencyKind;

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
