//! TaxonomyService.

use rayon::prelude::*;

use tonic::{Request, Response, Status};

use super::Workers;
use super::convert::{
    ConceptView, ExtractQuery, InferQuery, NormalizeQuery, SearchQuery, competency_to_pb,
    extraction_to_pb, occupation_match_to_pb, occupation_to_pb, reading_to_pb,
    taxonomy_version_to_pb,
};
use super::documents::read_document;
use super::paging::{PageTokens, TokenBinding};
use crate::auth::{Role, require};
use crate::domain::limits::MAX_URI_CHARS;
use crate::domain::{ValidationError, Violations};
use crate::error::Error;
use crate::pb;
use crate::pb::taxonomy_service_server::TaxonomyService;

/// TaxonomyService over an engine.
#[derive(Debug, Clone)]
pub struct TaxonomyApi {
    workers: Workers,
}

impl TaxonomyApi {
    /// Serves this engine.
    pub fn new(workers: Workers) -> Self {
        Self { workers }
    }

    /// INVALID_ARGUMENT unless every id names a loaded taxonomy.
    fn known_taxonomies(&self, ids: &[String]) -> Result<(), ValidationError> {
        let mut violations = Violations::default();
        self.workers
            .engine()
            .taxonomy()
            .check_taxonomy_ids(ids, "taxonomy_ids", &mut violations);
        violations.finish(())
    }
}

#[tonic::async_trait]
impl TaxonomyService for TaxonomyApi {
    #[tracing::instrument(skip(self, request))]
    async fn get_competency(
        &self,
        request: Request<pb::GetCompetencyRequest>,
    ) -> Result<Response<pb::GetCompetencyResponse>, Status> {
        let pb::GetCompetencyRequest { uri } = request.into_inner();
        check_uri(&uri)?;
        let taxonomy = self.workers.engine().taxonomy();
        let idx = taxonomy.idx(&uri).ok_or(Error::NotFound {
            kind: "competency",
            id: uri,
        })?;
        Ok(Response::new(pb::GetCompetencyResponse {
            competency: Some(competency_to_pb(taxonomy, idx, ConceptView::Full)),
        }))
    }

    #[tracing::instrument(skip(self, request))]
    async fn search_competencies(
        &self,
        request: Request<pb::SearchCompetenciesRequest>,
    ) -> Result<Response<pb::SearchCompetenciesResponse>, Status> {
        let tenant = require(&request, Role::Read)?.tenant().clone();
        let query = SearchQuery::try_from(request.into_inner())?;
        query.filter.check_known(self.workers.engine().taxonomy())?;
        let binding = TokenBinding::new("search", tenant.as_str(), &(&query.query, &query.filter));
        let tokens = PageTokens::new(self.workers.engine().page_token_key());
        let page_size = query.page_size;
        let view = query.view;
        let offset: usize = tokens
            .open_as(&binding, &query.page_token, |cursor| cursor.parse().ok())?
            .unwrap_or(0);
        let limit = offset + page_size + 1;
        let hits = self
            .workers
            .compute(move |engine| engine.search_competencies(&query.query, &query.filter, limit))
            .await?;
        let taxonomy = self.workers.engine().taxonomy();
        let page: Vec<_> = hits.iter().skip(offset).take(page_size).collect();
        let next_page_token = if hits.len() > offset + page_size {
            tokens.seal(&binding, &(offset + page_size).to_string())
        } else {
            String::new()
        };
        Ok(Response::new(pb::SearchCompetenciesResponse {
            competencies: page
                .iter()
                .map(|hit| competency_to_pb(taxonomy, hit.competency, view))
                .collect(),
            next_page_token,
            hits: page
                .iter()
                .map(|hit| pb::CompetencySearchHit {
                    competency: Some(competency_to_pb(taxonomy, hit.competency, view)),
                    score: hit.score,
                    matched_label: hit.matched_label.clone(),
                })
                .collect(),
        }))
    }

    #[tracing::instrument(skip(self, request))]
    async fn extract_competencies(
        &self,
        request: Request<pb::ExtractCompetenciesRequest>,
    ) -> Result<Response<pb::ExtractCompetenciesResponse>, Status> {
        let mut request = request.into_inner();
        let from_document = match request.document.take() {
            None => false,
            Some(_) if !request.text.is_empty() => {
                return Err(ValidationError::field(
                    "document",
                    "give either text or document, not both",
                )
                .into());
            }
            Some(document) => {
                request.text = read_document(&self.workers, document, "document").await?;
                true
            }
        };
        let query = ExtractQuery::try_from(request)?;
        self.known_taxonomies(&query.taxonomy_ids)?;
        let response = self
            .workers
            .compute(move |engine| {
                let taxonomy = engine.taxonomy();
                let extracted =
                    engine.extract_from(&query.text, &query.options, &query.taxonomy_ids);
                Ok(pb::ExtractCompetenciesResponse {
                    competencies: extracted
                        .competencies
                        .iter()
                        .map(|extraction| extraction_to_pb(taxonomy, extraction, query.view))
                        .collect(),
                    taxonomy_version: Some(taxonomy_version_to_pb(taxonomy.primary_version())),
                    text: if from_document {
                        query.text
                    } else {
                        String::new()
                    },
                    read_as: reading_to_pb(extracted.reading).into(),
                })
            })
            .await?;
        Ok(Response::new(response))
    }

    #[tracing::instrument(skip(self, request))]
    async fn infer_occupations(
        &self,
        request: Request<pb::InferOccupationsRequest>,
    ) -> Result<Response<pb::InferOccupationsResponse>, Status> {
        let query = InferQuery::try_from(request.into_inner())?;
        self.known_taxonomies(&query.taxonomy_ids)?;
        let response = self
            .workers
            .compute(move |engine| {
                let taxonomy = engine.taxonomy();
                let found =
                    engine.infer_occupations_from(&query.text, query.top_k, &query.taxonomy_ids);
                Ok(pb::InferOccupationsResponse {
                    occupations: found
                        .iter()
                        .map(|occupation| occupation_match_to_pb(taxonomy, occupation, query.view))
                        .collect(),
                })
            })
            .await?;
        Ok(Response::new(response))
    }

    #[tracing::instrument(skip(self, request))]
    async fn get_occupation(
        &self,
        request: Request<pb::GetOccupationRequest>,
    ) -> Result<Response<pb::GetOccupationResponse>, Status> {
        let pb::GetOccupationRequest { uri } = request.into_inner();
        check_uri(&uri)?;
        let taxonomy = self.workers.engine().taxonomy();
        let index = taxonomy.occupation_index(&uri).ok_or(Error::NotFound {
            kind: "occupation",
            id: uri,
        })?;
        Ok(Response::new(pb::GetOccupationResponse {
            occupation: Some(occupation_to_pb(taxonomy, index, ConceptView::Full)),
        }))
    }

    #[tracing::instrument(skip(self, request))]
    async fn normalize_competencies(
        &self,
        request: Request<pb::NormalizeCompetenciesRequest>,
    ) -> Result<Response<pb::NormalizeCompetenciesResponse>, Status> {
        let query = NormalizeQuery::try_from(request.into_inner())?;
        self.known_taxonomies(&query.taxonomy_ids)?;
        let response = self
            .workers
            .compute(move |engine| {
                let taxonomy = engine.taxonomy();
                let skills = query
                    .skills
                    .into_par_iter()
                    .map(|raw| {
                        let found = engine.extract_from(&raw, &query.options, &query.taxonomy_ids);
                        pb::NormalizedSkill {
                            competencies: found
                                .competencies
                                .iter()
                                .map(|extraction| {
                                    extraction_to_pb(taxonomy, extraction, ConceptView::Basic)
                                })
                                .collect(),
                            raw,
                        }
                    })
                    .collect();
                Ok(pb::NormalizeCompetenciesResponse {
                    skills,
                    taxonomy_version: Some(taxonomy_version_to_pb(taxonomy.primary_version())),
                })
            })
            .await?;
        Ok(Response::new(response))
    }
}

/// A concept URI to look up: non-empty and within [`MAX_URI_CHARS`].
fn check_uri(uri: &str) -> Result<(), ValidationError> {
    let mut violations = Violations::default();
    violations.check(!uri.trim().is_empty(), "uri", "must not be empty");
    violations.check_chars("uri", uri, MAX_URI_CHARS);
    violations.finish(())
}
