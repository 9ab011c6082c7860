//! TaxonomyService.

use std::sync::Arc;

use rayon::prelude::*;

use tonic::{Request, Response, Status};

use super::blocking;
use super::convert::{
    ExtractQuery, InferQuery, NormalizeQuery, SearchQuery, competency_to_pb, extraction_to_pb,
    occupation_match_to_pb, occupation_to_pb, taxonomy_version_to_pb,
};
use super::documents::read_document;
use super::paging::{decode_token, encode_token};
use crate::domain::ValidationError;
use crate::engine::Engine;
use crate::error::Error;
use crate::pb;
use crate::pb::taxonomy_service_server::TaxonomyService;

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
        let query = SearchQuery::try_from(request.into_inner())?;
        let token_kind = query.token_kind();
        let page_size = query.page_size;
        let offset: usize = match decode_token(&token_kind, &query.page_token)? {
            None => 0,
            Some(cursor) => cursor.parse().map_err(|_| {
                ValidationError::field("page_token", "is not a token this list returned")
            })?,
        };
        let limit = offset + page_size + 1;
        let hits = blocking(&self.engine, move |engine| {
            engine.search_competencies_filtered(&query.query, &query.filter, limit)
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
                request.text = read_document(&self.engine, document, "document").await?;
                true
            }
        };
        let query = ExtractQuery::try_from(request)?;
        let response = blocking(&self.engine, move |engine| {
            let taxonomy = engine.taxonomy();
            let found = engine.extract_from(&query.text, &query.options, &query.taxonomy_ids);
            Ok(pb::ExtractCompetenciesResponse {
                competencies: found
                    .iter()
                    .map(|extraction| extraction_to_pb(taxonomy, extraction))
                    .collect(),
                taxonomy_version: Some(taxonomy_version_to_pb(taxonomy.primary_version())),
                text: if from_document {
                    query.text
                } else {
                    String::new()
                },
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
        let response = blocking(&self.engine, move |engine| {
            let taxonomy = engine.taxonomy();
            let found =
                engine.infer_occupations_from(&query.text, query.top_k, &query.taxonomy_ids);
            Ok(pb::InferOccupationsResponse {
                occupations: found
                    .iter()
                    .map(|occupation| occupation_match_to_pb(taxonomy, occupation))
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
        if uri.trim().is_empty() {
            return Err(ValidationError::field("uri", "must not be empty").into());
        }
        let taxonomy = self.engine.taxonomy();
        let index = taxonomy.occupation_index(&uri).ok_or(Error::NotFound {
            kind: "occupation",
            id: uri,
        })?;
        Ok(Response::new(pb::GetOccupationResponse {
            occupation: Some(occupation_to_pb(taxonomy, index)),
        }))
    }

    #[tracing::instrument(skip(self, request))]
    async fn normalize_competencies(
        &self,
        request: Request<pb::NormalizeCompetenciesRequest>,
    ) -> Result<Response<pb::NormalizeCompetenciesResponse>, Status> {
        let query = NormalizeQuery::try_from(request.into_inner())?;
        let response = blocking(&self.engine, move |engine| {
            let taxonomy = engine.taxonomy();
            let skills = query
                .skills
                .into_par_iter()
                .map(|raw| {
                    let found = engine.extract_from(&raw, &query.options, &query.taxonomy_ids);
                    pb::NormalizedSkill {
                        competencies: found
                            .iter()
                            .map(|extraction| extraction_to_pb(taxonomy, extraction))
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
