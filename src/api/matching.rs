//! MatchService.

use tonic::{Request, Response, Status};

use super::Workers;
use super::convert::credential::alignment_source_to_pb;
use super::convert::match_request::MatchRequest;
use super::convert::{competency_ref, credential_to_pb, importance_to_pb};
use super::paging::PageTokens;
use crate::auth::{Role, require};
use crate::matching::{CredentialMatch, MatchOutcome, MatchQuery};
use crate::needs::{CoverageKind, JobNeed, NeedSource};
use crate::pb;
use crate::pb::match_service_server::MatchService;
use crate::taxonomy::Taxonomy;

/// MatchService over an engine.
#[derive(Debug, Clone)]
pub struct MatchApi {
    workers: Workers,
}

impl MatchApi {
    /// Serves this engine.
    pub fn new(workers: Workers) -> Self {
        Self { workers }
    }
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
    let unknown = found.credential.unknown_markers();
    let coverage = coverage_sentence(taxonomy, needs, found);
    if unknown.is_empty() {
        coverage
    } else {
        format!("{coverage} Unknown: {}.", unknown.join(", "))
    }
}

fn coverage_sentence(taxonomy: &Taxonomy, needs: &[JobNeed], found: &CredentialMatch) -> String {
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
            vector: found.components.vector,
        }),
        summary: summary(taxonomy, needs, found),
    }
}

fn outcome_to_pb(
    taxonomy: &Taxonomy,
    outcome: &MatchOutcome,
    request: &MatchRequest,
) -> pb::MatchCredentialsResponse {
    let explain = request.explain;
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
        next_page_token: request.next_page_token(outcome.more),
    }
}

#[tonic::async_trait]
impl MatchService for MatchApi {
    #[tracing::instrument(skip(self, request))]
    async fn match_credentials(
        &self,
        request: Request<pb::MatchCredentialsRequest>,
    ) -> Result<Response<pb::MatchCredentialsResponse>, Status> {
        let caller = require(&request, Role::Read)?;
        let request = MatchRequest::parse(
            request.into_inner(),
            PageTokens::new(self.workers.engine().page_token_key()),
            caller.tenant(),
        )?;
        let (job, filter) = (request.job.clone(), request.filter.clone());
        let (top_k, offset) = (request.page_size, request.offset);
        let outcome = self
            .workers
            .compute(move |engine| {
                let job = engine.resolve_job(caller.tenant(), job)?;
                engine.match_credentials(&MatchQuery {
                    job,
                    filter,
                    top_k,
                    offset,
                })
            })
            .await?;
        Ok(Response::new(outcome_to_pb(
            self.workers.engine().taxonomy(),
            &outcome,
            &request,
        )))
    }

    #[tracing::instrument(skip(self, request))]
    async fn analyze_gap(
        &self,
        request: Request<pb::AnalyzeGapRequest>,
    ) -> Result<Response<pb::AnalyzeGapResponse>, Status> {
        super::planning::analyze_gap(&self.workers, request)
            .await
            .map(Response::new)
    }

    #[tracing::instrument(skip(self, request))]
    async fn plan_upskilling(
        &self,
        request: Request<pb::PlanUpskillingRequest>,
    ) -> Result<Response<pb::PlanUpskillingResponse>, Status> {
        super::planning::plan_upskilling(&self.workers, request)
            .await
            .map(Response::new)
    }

    #[tracing::instrument(skip(self, request))]
    async fn rank_candidates(
        &self,
        request: Request<pb::RankCandidatesRequest>,
    ) -> Result<Response<pb::RankCandidatesResponse>, Status> {
        super::ranking::rank_candidates(&self.workers, request).await
    }

    type StreamRankCandidatesStream = super::ranking_stream::RankingStream;

    #[tracing::instrument(skip(self, request))]
    async fn stream_rank_candidates(
        &self,
        request: Request<pb::StreamRankCandidatesRequest>,
    ) -> Result<Response<Self::StreamRankCandidatesStream>, Status> {
        super::ranking_stream::stream_rank_candidates(&self.workers, request).await
    }

    #[tracing::instrument(skip(self, request))]
    async fn match_jobs(
        &self,
        request: Request<pb::MatchJobsRequest>,
    ) -> Result<Response<pb::MatchJobsResponse>, Status> {
        super::ranking::match_jobs(&self.workers, request).await
    }
}
