//! TaxonomyService.

use std::sync::Arc;

use tonic::{Request, Response, Status};

use super::blocking;
use super::convert::competency_to_pb;
use super::paging::{PageSize, decode_token, encode_token};
use crate::domain::ValidationError;
use crate::engine::Engine;
use crate::error::Error;
use crate::pb;
use crate::pb::taxonomy_service_server::TaxonomyService;

const DEFAULT_PAGE: usize = 20;
const MAX_PAGE: usize = 100;

/// TaxonomyService over an engine.
#[derive(Debug, Clone)]
pub struct TaxonomyApi {
    engine: Arc<Engine>,
}

impl TaxonomyApi {
    /// Serves this engine.
    pub fn new(engine: Arc<Engine>) -> Self {
        Self { engine }
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
        if uri.trim().is_empty() {
            return Err(ValidationError::field("uri", "must not be empty").into());
        }
        let taxonomy = self.engine.taxonomy();
        let idx = taxonomy.idx(&uri).ok_or(Error::NotFound {
            kind: "competency",
            id: uri,
        })?;
        Ok(Response::new(pb::GetCompetencyResponse {
            competency: Some(competency_to_pb(taxonomy, idx)),
        }))
    }

    #[tracing::instrument(skip(self, request))]
    async fn search_competencies(
        &self,
        request: Request<pb::SearchCompetenciesRequest>,
    ) -> Result<Response<pb::SearchCompetenciesResponse>, Status> {
        let pb::SearchCompetenciesRequest {
            query,
            page_size,
            page_token,
        } = request.into_inner();
        let page_size = PageSize::new(page_size, DEFAULT_PAGE, MAX_PAGE, "page_size")?.get();
        let token_kind = format!("search:{query}");
        let offset: usize = match decode_token(&token_kind, &page_token)? {
            None => 0,
            Some(cursor) => cursor.parse().map_err(|_| {
                ValidationError::field("page_token", "is not a token this list returned")
            })?,
        };
        let limit = offset + page_size + 1;
        let hits = blocking(&self.engine, move |engine| {
            engine.search_competencies(&query, limit)
        })
        .await?;
        let taxonomy = self.engine.taxonomy();
        let page: Vec<_> = hits.iter().skip(offset).take(page_size).collect();
        let next_page_token = if hits.len() > offset + page_size {
            encode_token(&token_kind, &(offset + page_size).to_string())
        } else {
            String::new()
        };
        Ok(Response::new(pb::SearchCompetenciesResponse {
            competencies: page
                .iter()
                .map(|hit| competency_to_pb(taxonomy, hit.competency))
                .collect(),
            next_page_token,
            hits: page
                .iter()
                .map(|hit| pb::CompetencySearchHit {
                    competency: Some(competency_to_pb(taxonomy, hit.competency)),
                    score: hit.score,
                    matched_label: hit.matched_label.clone(),
                })
                .collect(),
        }))
    }
}
