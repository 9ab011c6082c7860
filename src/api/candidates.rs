//! CandidateService: the caller's tenant's candidates.

use tonic::{Request, Response, Status};

use super::Workers;
use super::convert::document::DocumentInput;
use super::convert::{candidate_from_pb, candidate_to_pb};
use super::documents::read_document;
use super::records_paging::{RecordList, list_records, record_id};
use crate::auth::{Role, require};
use crate::domain::{Candidate, Violations};
use crate::engine::{Engine, MAX_CANDIDATE_BATCH};
use crate::pb;
use crate::pb::candidate_service_server::CandidateService;

/// The tenant's candidates, listed a page at a time.
const CANDIDATES: RecordList<Candidate> = RecordList {
    kind: "candidates",
    list: Engine::list_candidates,
};

/// CandidateService over an engine.
#[derive(Debug, Clone)]
pub struct CandidateApi {
    workers: Workers,
}

impl CandidateApi {
    /// Serves this engine.
    pub fn new(workers: Workers) -> Self {
        Self { workers }
    }
}

#[tonic::async_trait]
impl CandidateService for CandidateApi {
    #[tracing::instrument(skip(self, request))]
    async fn upsert_candidate(
        &self,
        request: Request<pb::UpsertCandidateRequest>,
    ) -> Result<Response<pb::UpsertCandidateResponse>, Status> {
        let caller = require(&request, Role::Write)?;
        let pb::UpsertCandidateRequest {
            candidate,
            cv_document,
        } = request.into_inner();
        let Some(mut candidate) = candidate else {
            // The document's own violations are reported with the missing candidate.
            let mut violations = Violations::default();
            violations.add("candidate", "is required");
            if let Some(document) = cv_document {
                violations.take(DocumentInput::try_from(document), "cv_document.");
            }
            return Err(violations
                .finish(())
                .expect_err("a violation was recorded")
                .into());
        };
        if let Some(document) = cv_document {
            if !candidate.cv_text.is_empty() {
                return Err(crate::domain::ValidationError::field(
                    "cv_document",
                    "give either candidate.cv_text or cv_document, not both",
                )
                .into());
            }
            candidate.cv_text = read_document(&self.workers, document, "cv_document").await?;
        }
        let candidate = candidate_from_pb(candidate).map_err(|e| e.within("candidate."))?;
        let mut stored = self
            .workers
            .store(move |engine| engine.upsert_candidates(caller.tenant(), vec![candidate]))
            .await?;
        let stored = stored
            .pop()
            .map(|c| candidate_to_pb(self.workers.engine().taxonomy(), &c));
        Ok(Response::new(pb::UpsertCandidateResponse {
            candidate: stored,
        }))
    }

    #[tracing::instrument(skip(self, request), fields(count))]
    async fn batch_upsert_candidates(
        &self,
        request: Request<pb::BatchUpsertCandidatesRequest>,
    ) -> Result<Response<pb::BatchUpsertCandidatesResponse>, Status> {
        let caller = require(&request, Role::Write)?;
        let pb::BatchUpsertCandidatesRequest { candidates } = request.into_inner();
        tracing::Span::current().record("count", candidates.len());
        let mut violations = Violations::default();
        // The count first: past it, no entry is converted.
        violations.check_count("candidates", candidates.len(), MAX_CANDIDATE_BATCH);
        let candidates: Vec<Candidate> = candidates
            .into_iter()
            .take(MAX_CANDIDATE_BATCH)
            .enumerate()
            .filter_map(|(index, message)| {
                violations.take(candidate_from_pb(message), &format!("candidates[{index}]."))
            })
            .collect();
        let candidates = violations.finish(candidates)?;
        let stored = self
            .workers
            .store(move |engine| engine.upsert_candidates(caller.tenant(), candidates))
            .await?;
        Ok(Response::new(pb::BatchUpsertCandidatesResponse {
            upserted_count: i32::try_from(stored.len()).unwrap_or(i32::MAX),
        }))
    }

    #[tracing::instrument(skip(self, request))]
    async fn get_candidate(
        &self,
        request: Request<pb::GetCandidateRequest>,
    ) -> Result<Response<pb::GetCandidateResponse>, Status> {
        let caller = require(&request, Role::Read)?;
        let id = record_id(&request.into_inner().id, "id")?;
        let candidate = self
            .workers
            .store(move |engine| engine.candidate(caller.tenant(), &id))
            .await?;
        Ok(Response::new(pb::GetCandidateResponse {
            candidate: Some(candidate_to_pb(
                self.workers.engine().taxonomy(),
                &candidate,
            )),
        }))
    }

    #[tracing::instrument(skip(self, request))]
    async fn list_candidates(
        &self,
        request: Request<pb::ListCandidatesRequest>,
    ) -> Result<Response<pb::ListCandidatesResponse>, Status> {
        let caller = require(&request, Role::Read)?;
        let pb::ListCandidatesRequest {
            page_size,
            page_token,
        } = request.into_inner();
        let page = list_records(
            &self.workers,
            &CANDIDATES,
            caller.tenant(),
            page_size,
            &page_token,
            |c| candidate_to_pb(self.workers.engine().taxonomy(), c),
            |c| c.id.as_str(),
        )
        .await?;
        Ok(Response::new(pb::ListCandidatesResponse {
            candidates: page.items,
            next_page_token: page.next_page_token,
        }))
    }

    #[tracing::instrument(skip(self, request))]
    async fn delete_candidate(
        &self,
        request: Request<pb::DeleteCandidateRequest>,
    ) -> Result<Response<pb::DeleteCandidateResponse>, Status> {
        let caller = require(&request, Role::Write)?;
        let id = record_id(&request.into_inner().id, "id")?;
        self.workers
            .store(move |engine| engine.delete_candidate(caller.tenant(), &id))
            .await?;
        Ok(Response::new(pb::DeleteCandidateResponse {}))
    }
}
