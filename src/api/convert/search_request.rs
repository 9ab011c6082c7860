//! SearchCompetencies requests to a validated query with its filter.

use super::ConceptView;
use crate::api::paging::{MAX_PAGE_TOKEN_CHARS, PageSize};
use crate::domain::limits::{MAX_FILTER_VALUE_CHARS, MAX_FILTER_VALUES, MAX_QUERY_CHARS};
use crate::domain::{CompetencyKind, ValidationError, Violations};
use crate::pb;
use crate::taxonomy::CompetencyFilter;

/// Results per page when the request leaves `page_size` unset.
pub const DEFAULT_SEARCH_PAGE: usize = 20;
/// Most results per page.
pub const MAX_SEARCH_PAGE: usize = 100;

/// A validated SearchCompetencies request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchQuery {
    /// The query text.
    pub query: String,
    /// Results per page.
    pub page_size: usize,
    /// Token of the page to return; empty for the first.
    pub page_token: String,
    /// Which competencies may be returned.
    pub filter: CompetencyFilter,
    /// How much of each competency to return.
    pub view: ConceptView,
}

impl TryFrom<pb::SearchCompetenciesRequest> for SearchQuery {
    type Error = ValidationError;

    fn try_from(request: pb::SearchCompetenciesRequest) -> Result<Self, Self::Error> {
        let pb::SearchCompetenciesRequest {
            query,
            page_size,
            page_token,
            types,
            reuse_levels,
            collections,
            taxonomy_ids,
            view,
        } = request;
        let mut violations = Violations::default();
        violations.check(!query.trim().is_empty(), "query", "must not be empty");
        violations.check_chars("query", &query, MAX_QUERY_CHARS);
        // Opened later (it is bound to the query); bounded here with the rest.
        violations.check_chars("page_token", &page_token, MAX_PAGE_TOKEN_CHARS);
        violations.check_count("types", types.len(), MAX_FILTER_VALUES);
        let page_size = violations.take(
            PageSize::new(page_size, DEFAULT_SEARCH_PAGE, MAX_SEARCH_PAGE, "page_size"),
            "",
        );
        let mut kinds = Vec::with_capacity(types.len());
        for (index, value) in types.into_iter().enumerate().take(MAX_FILTER_VALUES) {
            match pb::CompetencyType::try_from(value) {
                Ok(pb::CompetencyType::Skill) => kinds.push(CompetencyKind::Skill),
                Ok(pb::CompetencyType::Knowledge) => kinds.push(CompetencyKind::Knowledge),
                Ok(pb::CompetencyType::Attitude) => kinds.push(CompetencyKind::Attitude),
                Ok(pb::CompetencyType::Unspecified) | Err(_) => violations.add(
                    format!("types[{index}]"),
                    "must be a competency type other than UNSPECIFIED",
                ),
            }
        }
        for (field, values) in [
            ("reuse_levels", &reuse_levels),
            ("collections", &collections),
            ("taxonomy_ids", &taxonomy_ids),
        ] {
            violations.check_count(field, values.len(), MAX_FILTER_VALUES);
            for (index, value) in values.iter().enumerate().take(MAX_FILTER_VALUES) {
                if value.trim().is_empty() {
                    violations.add(format!("{field}[{index}]"), "must not be empty");
                }
                violations.check_chars(&format!("{field}[{index}]"), value, MAX_FILTER_VALUE_CHARS);
            }
        }
        let view = violations.take(ConceptView::from_pb(view, "view"), "");
        violations.finish(Self {
            view: view.unwrap_or_default(),
            query,
            page_size: page_size.map_or(DEFAULT_SEARCH_PAGE, PageSize::get),
            page_token,
            filter: CompetencyFilter {
                kinds,
                reuse_levels,
                collections,
                taxonomy_ids,
            },
        })
    }
}
