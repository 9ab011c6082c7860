//! JobService: the caller's tenant's job postings.

use tonic::{Request, Response, Status};

use super::Workers;
use super::convert::{job_from_pb, job_to_pb};
use super::records_paging::{RecordList, list_records, record_id};
use crate::auth::{Role, require};
use crate::domain::{JobPosting, ValidationError};
use crate::engine::Engine;
use crate::pb;
use crate::pb::job_service_server::JobService;

/// The tenant's jobs, listed a page at a time.
const JOBS: RecordList<JobPosting> = RecordList {
    kind: "jobs",
    list: Engine::list_jobs,
};

/// JobService over an engine.
#[derive(Debug, Clone)]
pub struct JobApi {
    workers: Workers,
}

impl JobApi {
    /// Serves this engine.
    pub fn new(workers: Workers) -> Self {
        Self { workers }
    }
}

#[tonic::async_trait]
impl JobService for JobApi {
    #[tracing::instrument(skip(self, request))]
    async fn upsert_job(
        &self,
        request: Request<pb::UpsertJobRequest>,
    ) -> Result<Response<pb::UpsertJobResponse>, Status> {
        let caller = require(&request, Role::Write)?;
        let pb::UpsertJobRequest { job } = request.into_inner();
        let job = job.ok_or_else(|| ValidationError::field("job", "is required"))?;
        let job = job_from_pb(job, "job.")?;
        let stored = self
            .workers
            .store(move |engine| engine.upsert_job(caller.tenant(), job))
            .await?;
        Ok(Response::new(pb::UpsertJobResponse {
            job: Some(job_to_pb(&stored)),
        }))
    }

    #[tracing::instrument(skip(self, request))]
    async fn get_job(
        &self,
        request: Request<pb::GetJobRequest>,
    ) -> Result<Response<pb::GetJobResponse>, Status> {
        let caller = require(&request, Role::Read)?;
        let id = record_id(&request.into_inner().id, "id")?;
        let job = self
            .workers
            .store(move |engine| engine.job(caller.tenant(), &id))
            .await?;
        Ok(Response::new(pb::GetJobResponse {
            job: Some(job_to_pb(&job)),
        }))
    }

    #[tracing::instrument(skip(self, request))]
    async fn list_jobs(
        &self,
        request: Request<pb::ListJobsRequest>,
    ) -> Result<Response<pb::ListJobsResponse>, Status> {
        let caller = require(&request, Role::Read)?;
        let pb::ListJobsRequest {
            page_size,
            page_token,
        } = request.into_inner();
        let page = list_records(
            &self.workers,
            &JOBS,
            caller.tenant(),
            page_size,
            &page_token,
            job_to_pb,
            |j| j.id.as_str(),
        )
        .await?;
        Ok(Response::new(pb::ListJobsResponse {
            jobs: page.items,
            next_page_token: page.next_page_token,
        }))
    }

    #[tracing::instrument(skip(self, request))]
    async fn delete_job(
        &self,
        request: Request<pb::DeleteJobRequest>,
    ) -> Result<Response<pb::DeleteJobResponse>, Status> {
        let caller = require(&request, Role::Write)?;
        let id = record_id(&request.into_inner().id, "id")?;
        self.workers
            .store(move |engine| engine.delete_job(caller.tenant(), &id))
            .await?;
        Ok(Response::new(pb::DeleteJobResponse {}))
    }
}
