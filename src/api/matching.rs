//! MatchService.

use std::sync::Arc;

use tonic::{Request, Response, Status};

use super::blocking;
use super::convert::credential::alignment_source_to_pb;
use super::convert::{
    competency_ref, credential_to_pb, filter_from_pb, importance_to_pb, job_from_pb,
};
use crate::domain::{ValidationError, Violations};
use crate::engine::Engine;
use crate::matching::{
    CoverageKind, CredentialMatch, JobNeed, MatchOutcome, MatchQuery, NeedSource,
};
use crate::pb;
use crate::pb::match_service_server::MatchService;
use crate::taxonomy::Taxonomy;

const DEFAULT_TOP_K: usize = 10;
const MAX_TOP_K: usize = 100;

/// MatchService over an engine.
#[derive(Debug, Clone)]
pub struct MatchApi {
    engine: Arc<Engine>,
}

impl MatchApi {
    /// Serves this engine.
    pub fn new(engine: Arc<Engine>) -> Self {
        Self { engine }
    }
}

fn top_k(requested: i32) -> Result<usize, ValidationError> {
    super::paging::PageSize::new(requested, DEFAULT_TOP_K, MAX_TOP_K, "top_k").map(|p| p.get())
}

fn query_from_pb(
    request: pb::MatchCredentialsRequest,
) -> Result<(MatchQuery, bool), ValidationError> {
    let pb::MatchCredentialsRequest {
        job,
        filter,
        top_k: requested,
        explain,
    } = request;
    let mut violations = Violations::default();
    let job = match job {
        Some(job) => violations.take(job_from_pb(job, "job."), ""),
        None => {
            violations.add("job", "is required");
            None
        }
    };
    let filter = violations.take(filter_from_pb(filter, "filter."), "");
    let top_k = violations.take(top_k(requested), "");
    let (Some(job), Some(filter), Some(top_k)) = (job, filter, top_k) else {
        return Err(violations.finish(()).expect_err("a part failed"));
    };
    violations.finish((MatchQuery { job, filter, top_k }, explain))
}

fn coverage_kind_to_pb(kind: CoverageKind) -> pb::CoverageKind {
    match kind {
        CoverageKind::Exact => pb::CoverageKind::Exact,
        CoverageKind::Narrower => pb::CoverageKind::Narrower,
        CoverageKind::Broader => pb::CoverageKind::Broader,
        CoverageKind::Related => pb::CoverageKind::Related,
    }
}

fn need_to_pb(taxonomy: &Taxonomy, need: &JobNeed) -> pb::JobCompetency {
    let (source, evidence) = match &need.source {
        NeedSource::Explicit => (pb::RequirementSource::Explicit, String::new()),
        NeedSource::Extracted { evidence } => (pb::RequirementSource::Extracted, evidence.clone()),
    };
    pb::JobCompetency {
        competency: Some(competency_ref(taxonomy, &need.uri)),
        importance: importance_to_pb(need.importance).into(),
        source: source.into(),
        weight: need.weight,
        evidence,
    }
}

fn summary(taxonomy: &Taxonomy, needs: &[JobNeed], found: &CredentialMatch) -> String {
    let labels: Vec<&str> = found
        .covered
        .iter()
        .map(|c| taxonomy.label(&needs[c.need].uri))
        .collect();
    if labels.is_empty() {
        format!(
            "Teaches none of the job's {} competencies; ranked on text relevance.",
            needs.len()
        )
    } else {
        format!(
            "Teaches {} of the job's {} competencies: {}.",
            labels.len(),
            needs.len(),
            labels.join(", ")
        )
    }
}

fn explanation(
    taxonomy: &Taxonomy,
    needs: &[JobNeed],
    found: &CredentialMatch,
) -> pb::MatchExplanation {
    pb::MatchExplanation {
        covered: found
            .covered
            .iter()
            .map(|c| pb::CoveredCompetency {
                job_competency: Some(competency_ref(taxonomy, &needs[c.need].uri)),
                taught_competency: Some(competency_ref(taxonomy, &c.taught_uri)),
                kind: coverage_kind_to_pb(c.kind).into(),
                source: alignment_source_to_pb(c.source).into(),
                assessed: c.assessed,
                contribution: c.contribution,
            })
            .collect(),
        not_covered: found
            .not_covered
            .iter()
            .map(|&n| competency_ref(taxonomy, &needs[n].uri))
            .collect(),
        components: Some(pb::ScoreComponents {
            coverage: found.components.coverage,
            text: found.components.text,
            quality_boost: found.components.quality_boost,
        }),
        summary: summary(taxonomy, needs, found),
    }
}

fn outcome_to_pb(
    taxonomy: &Taxonomy,
    outcome: &MatchOutcome,
    explain: bool,
) -> pb::MatchCredentialsResponse {
    pb::MatchCredentialsResponse {
        matches: outcome
            .matches
            .iter()
            .map(|found| pb::CredentialMatch {
                credential: Some(credential_to_pb(taxonomy, &found.credential)),
                score: found.score,
                explanation: explain.then(|| explanation(taxonomy, &outcome.needs, found)),
            })
            .collect(),
        job_competencies: outcome
            .needs
            .iter()
            .map(|n| need_to_pb(taxonomy, n))
            .collect(),
    }
}

#[tonic::async_trait]
impl MatchService for MatchApi {
    #[tracing::instrument(skip(self, request))]
    async fn match_credentials(
        &self,
        request: Request<pb::MatchCredentialsRequest>,
    ) -> Result<Response<pb::MatchCredentialsResponse>, Status> {
        let (query, explain) = query_from_pb(request.into_inner())?;
        let outcome =
            blocking(&self.engine, move |engine| engine.match_credentials(&query)).await?;
        Ok(Response::new(outcome_to_pb(
            self.engine.taxonomy(),
            &outcome,
            explain,
        )))
    }

    #[tracing::instrument(skip(self, request))]
    async fn analyze_gap(
        &self,
        request: Request<pb::AnalyzeGapRequest>,
    ) -> Result<Response<pb::AnalyzeGapResponse>, Status> {
        super::planning::analyze_gap(&self.engine, request.into_inner())
            .await
            .map(Response::new)
    }

    #[tracing::instrument(skip(self, request))]
    async fn plan_upskilling(
        &self,
        request: Request<pb::PlanUpskillingRequest>,
    ) -> Result<Response<pb::PlanUpskillingResponse>, Status> {
        super::planning::plan_upskilling(&self.engine, request.into_inner())
            .await
            .map(Response::new)
    }

    #[tracing::instrument(skip(self, request))]
    async fn rank_candidates(
        &self,
        request: Request<pb::RankCandidatesRequest>,
    ) -> Result<Response<pb::RankCandidatesResponse>, Status> {
        super::ranking::rank_candidates(&self.engine, request).await
    }

    type StreamRankCandidatesStream = super::ranking_stream::RankingStream;

    #[tracing::instrument(skip(self, request))]
    async fn stream_rank_candidates(
        &self,
        request: Request<pb::StreamRankCandidatesRequest>,
    ) -> Result<Response<Self::StreamRankCandidatesStream>, Status> {
        super::ranking_stream::stream_rank_candidates(&self.engine, request).await
    }

    #[tracing::instrument(skip(self, request))]
    async fn match_jobs(
        &self,
        request: Request<pb::MatchJobsRequest>,
    ) -> Result<Response<pb::MatchJobsResponse>, Status> {
        super::ranking::match_jobs(&self.engine, request).await
    }
}
