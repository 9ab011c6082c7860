//! RankCandidates and MatchJobs of MatchService: conversions and handlers,
//! called from `MatchApi`.

use std::ops::Range;
use std::sync::Arc;

use tonic::{Request, Response, Status};

use super::Workers;
use super::convert::gap_plan::{constraints_from_pb, plan_to_pb};
use super::convert::match_request::job_source_from_pb;
use super::convert::{competency_ref, importance_to_pb, job_to_pb, optional_date};
use super::paging::PageSize;
use crate::auth::{Caller, Role, require};
use crate::domain::{Date, RecordId, ValidationError, Violations};
use crate::engine::{RankQuery, RankedBatch, Ranking};
use crate::needs::{CoverageKind, JobNeed, NeedSource};
use crate::pb;
use crate::planning::PlanConstraints;
use crate::ranking::{Assessment, ChosenEvidence, EvidenceKind, NeedAssessment, NeedStatus};
use crate::taxonomy::Taxonomy;

const DEFAULT_TOP_K: usize = 10;
const MAX_TOP_K: usize = 1000;
/// Most explained (or planned) candidates in one response or stream batch:
/// an explanation with a plan can take tens of kilobytes, and a response must
/// stay well within the message limit.
pub(super) const MAX_EXPLAINED: usize = 100;
/// Most ids in `candidate_ids`.
const MAX_CANDIDATE_IDS: usize = 1000;

fn as_of(raw: &str) -> Result<Date, ValidationError> {
    Ok(optional_date(raw, "as_of")?.unwrap_or_else(Date::today))
}

/// The fields RankCandidates and StreamRankCandidates share.
pub(super) struct RankFields {
    pub(super) job_id: String,
    pub(super) job: Option<pb::JobPosting>,
    pub(super) candidate_ids: Vec<String>,
    pub(super) explain: bool,
    pub(super) anonymize: bool,
    pub(super) as_of: String,
    pub(super) plan: Option<pb::PlanConstraints>,
}

/// A ranking request in domain terms, and how to present it.
pub(super) struct RankRequest {
    query: RankQuery,
    plan: Option<PlanConstraints>,
    pub(super) explain: bool,
}

fn candidate_ids(raw_ids: &[String], violations: &mut Violations) -> Vec<RecordId> {
    violations.check_count("candidate_ids", raw_ids.len(), MAX_CANDIDATE_IDS);
    let mut seen = std::collections::HashSet::new();
    raw_ids
        .iter()
        .take(MAX_CANDIDATE_IDS)
        .enumerate()
        .filter_map(|(index, raw)| {
            let field = format!("candidate_ids[{index}]");
            if !seen.insert(raw.as_str()) {
                violations.add(field, "repeats an earlier id");
                return None;
            }
            violations.take(
                RecordId::parse(raw)
                    .map_err(|e| ValidationError::field("", e.violations()[0].description.clone())),
                &field,
            )
        })
        .collect()
}

/// Converts the shared fields; `top_k` is already checked by the caller.
pub(super) fn rank_request(
    fields: RankFields,
    top_k: Result<usize, ValidationError>,
    mut violations: Violations,
) -> Result<RankRequest, ValidationError> {
    let RankFields {
        job_id,
        job,
        candidate_ids: raw_ids,
        explain,
        anonymize,
        as_of: raw_as_of,
        plan,
    } = fields;
    let job = job_source_from_pb(&job_id, job, &mut violations);
    let candidate_ids = candidate_ids(&raw_ids, &mut violations);
    let top_k = violations.take(top_k, "");
    let as_of = violations.take(as_of(&raw_as_of), "");
    let plan = match plan {
        Some(plan) => violations
            .take(constraints_from_pb(Some(plan), "plan."), "")
            .map(Some),
        None => Some(None),
    };
    let (Some(job), Some(top_k), Some(as_of), Some(plan)) = (job, top_k, as_of, plan) else {
        return Err(violations.finish(()).expect_err("a part failed"));
    };
    violations.finish(RankRequest {
        query: RankQuery {
            job,
            candidate_ids,
            top_k,
            as_of,
            with_names: !anonymize,
        },
        plan,
        explain,
    })
}

fn rank_request_from_pb(
    request: pb::RankCandidatesRequest,
) -> Result<RankRequest, ValidationError> {
    let pb::RankCandidatesRequest {
        job_id,
        job,
        candidate_ids,
        top_k,
        explain,
        anonymize,
        as_of,
        plan,
    } = request;
    let fields = RankFields {
        job_id,
        job,
        candidate_ids,
        explain,
        anonymize,
        as_of,
        plan,
    };
    let explained = fields.explain || fields.plan.is_some();
    let top_k = match PageSize::new(top_k, DEFAULT_TOP_K, MAX_TOP_K, "top_k").map(PageSize::get) {
        Ok(top_k) if explained && top_k > MAX_EXPLAINED => Err(ValidationError::field(
            "top_k",
            format!("must be at most {MAX_EXPLAINED} with explain or plan"),
        )),
        other => other,
    };
    rank_request(fields, top_k, Violations::default())
}

fn coverage_to_pb(kind: CoverageKind) -> pb::EvidenceCoverage {
    match kind {
        CoverageKind::Exact => pb::EvidenceCoverage::Exact,
        CoverageKind::Narrower => pb::EvidenceCoverage::Narrower,
        CoverageKind::Broader => pb::EvidenceCoverage::Broader,
        CoverageKind::Related => pb::EvidenceCoverage::Related,
    }
}

fn kind_to_pb(kind: EvidenceKind) -> pb::EvidenceKind {
    match kind {
        EvidenceKind::VerifiedCredential => pb::EvidenceKind::VerifiedCredential,
        EvidenceKind::AssessedCredential => pb::EvidenceKind::AssessedCredential,
        EvidenceKind::Credential => pb::EvidenceKind::Credential,
        EvidenceKind::Declared => pb::EvidenceKind::Declared,
        EvidenceKind::CvText => pb::EvidenceKind::CvText,
    }
}

fn status_to_pb(status: NeedStatus) -> pb::MatchStatus {
    match status {
        NeedStatus::Matched => pb::MatchStatus::Matched,
        NeedStatus::Partial => pb::MatchStatus::Partial,
        NeedStatus::Missing => pb::MatchStatus::Missing,
    }
}

fn evidence_to_pb(taxonomy: &Taxonomy, chosen: &ChosenEvidence) -> pb::CompetencyEvidence {
    pb::CompetencyEvidence {
        competency: Some(competency_ref(taxonomy, &chosen.evidence.uri)),
        coverage: coverage_to_pb(chosen.coverage).into(),
        kind: kind_to_pb(chosen.evidence.kind).into(),
        source: chosen.evidence.source.clone(),
        dated_on: chosen
            .evidence
            .dated
            .map(|d| d.to_string())
            .unwrap_or_default(),
        expired: chosen.expired,
        strength: chosen.evidence.kind.strength(),
        recency: chosen.recency,
        expiry: chosen.expiry,
        proficiency: chosen.proficiency,
    }
}

fn assessment_to_pb(
    taxonomy: &Taxonomy,
    needs: &[JobNeed],
    need: &NeedAssessment,
) -> pb::CompetencyAssessment {
    let job_need = &needs[need.need];
    pb::CompetencyAssessment {
        job_competency: Some(competency_ref(taxonomy, &job_need.uri)),
        importance: importance_to_pb(job_need.importance).into(),
        weight: job_need.weight,
        status: status_to_pb(need.status).into(),
        value: need.value(),
        evidence: need.best.as_ref().map(|b| evidence_to_pb(taxonomy, b)),
        requirement_evidence: match &job_need.source {
            NeedSource::Explicit => String::new(),
            NeedSource::Extracted { evidence } => evidence.clone(),
        },
    }
}

fn labels<'a>(
    taxonomy: &'a Taxonomy,
    needs: &'a [JobNeed],
    assessment: &'a Assessment,
    status: NeedStatus,
) -> impl Iterator<Item = &'a str> {
    assessment
        .needs
        .iter()
        .filter(move |n| n.status == status)
        .map(move |n| taxonomy.label(&needs[n.need].uri))
}

fn explanation(
    taxonomy: &Taxonomy,
    needs: &[JobNeed],
    assessment: &Assessment,
) -> pb::CandidateExplanation {
    let matched: Vec<&str> = labels(taxonomy, needs, assessment, NeedStatus::Matched).collect();
    let partial: Vec<&str> = labels(taxonomy, needs, assessment, NeedStatus::Partial).collect();
    let missing: Vec<&str> = labels(taxonomy, needs, assessment, NeedStatus::Missing).collect();
    let list = |items: &[&str]| {
        if items.is_empty() {
            "none".to_owned()
        } else {
            items.join(", ")
        }
    };
    pb::CandidateExplanation {
        competencies: assessment
            .needs
            .iter()
            .map(|n| assessment_to_pb(taxonomy, needs, n))
            .collect(),
        summary: format!(
            "Evidences {} of the job's {} competencies; matched: {}; partial: {}; missing: {}.",
            matched.len() + partial.len(),
            needs.len(),
            list(&matched),
            list(&partial),
            list(&missing)
        ),
    }
}

fn refs(
    taxonomy: &Taxonomy,
    needs: &[JobNeed],
    assessment: &Assessment,
    status: NeedStatus,
) -> Vec<pb::CompetencyRef> {
    assessment
        .needs
        .iter()
        .filter(|n| n.status == status)
        .map(|n| competency_ref(taxonomy, &needs[n.need].uri))
        .collect()
}

/// The rankings of one explained batch, as protobuf.
fn rankings_to_pb(
    taxonomy: &Taxonomy,
    ranking: &Ranking,
    batch: &RankedBatch,
    explain: bool,
) -> Vec<pb::CandidateRanking> {
    batch
        .ranked
        .iter()
        .enumerate()
        .map(|(position, ranked)| pb::CandidateRanking {
            candidate_id: ranked.profile.id.to_string(),
            display_name: batch.names[position].clone().unwrap_or_default(),
            score: ranked.assessment.score,
            explanation: explain.then(|| explanation(taxonomy, &ranking.needs, &ranked.assessment)),
            plan: batch
                .plans
                .get(position)
                .map(|plan| plan_to_pb(taxonomy, plan)),
        })
        .collect()
}

/// Scores the pool and fixes the order, on the blocking pool.
pub(super) async fn start(
    workers: &Workers,
    caller: Caller,
    request: &RankRequest,
) -> Result<Arc<Ranking>, Status> {
    let query = request.query.clone();
    let plan = request.plan.clone();
    workers
        .compute(move |engine| {
            engine
                .start_ranking(caller.tenant(), &query, plan)
                .map(Arc::new)
        })
        .await
}

/// Explains `range` of the ranking as protobuf, on the blocking pool.
pub(super) async fn explain_batch(
    workers: &Workers,
    ranking: &Arc<Ranking>,
    range: Range<usize>,
    explain: bool,
) -> Result<Vec<pb::CandidateRanking>, Status> {
    let ranking = ranking.clone();
    workers
        .compute(move |engine| {
            let batch = engine.explain_ranked(&ranking, range)?;
            Ok(rankings_to_pb(engine.taxonomy(), &ranking, &batch, explain))
        })
        .await
}

/// RankCandidates.
pub async fn rank_candidates(
    workers: &Workers,
    request: Request<pb::RankCandidatesRequest>,
) -> Result<Response<pb::RankCandidatesResponse>, Status> {
    let caller = require(&request, Role::Read)?;
    let request = rank_request_from_pb(request.into_inner())?;
    let ranking = start(workers, caller, &request).await?;
    let rankings = explain_batch(workers, &ranking, 0..ranking.len(), request.explain).await?;
    Ok(Response::new(pb::RankCandidatesResponse { rankings }))
}

/// MatchJobs.
pub async fn match_jobs(
    workers: &Workers,
    request: Request<pb::MatchJobsRequest>,
) -> Result<Response<pb::MatchJobsResponse>, Status> {
    let caller = require(&request, Role::Read)?;
    let pb::MatchJobsRequest {
        candidate_id,
        top_k,
        min_score,
        as_of: raw_as_of,
    } = request.into_inner();
    let mut violations = Violations::default();
    let id = violations.take(RecordId::parse(&candidate_id), "candidate_");
    let top_k = violations.take(
        PageSize::new(top_k, DEFAULT_TOP_K, MAX_TOP_K, "top_k").map(PageSize::get),
        "",
    );
    violations.check(
        (0.0..=1.0).contains(&min_score),
        "min_score",
        "must be between 0 and 1",
    );
    let as_of = violations.take(as_of(&raw_as_of), "");
    let (Some(id), Some(top_k), Some(as_of)) = (id, top_k, as_of) else {
        return Err(violations.finish(()).expect_err("a part failed").into());
    };
    violations.finish(())?;
    let fits = workers
        .compute(move |engine| engine.match_jobs(caller.tenant(), &id, top_k, min_score, as_of))
        .await?;
    let taxonomy = workers.engine().taxonomy();
    Ok(Response::new(pb::MatchJobsResponse {
        matches: fits
            .iter()
            .map(|fit| pb::JobMatch {
                job: Some(job_to_pb(&fit.job)),
                score: fit.assessment.score,
                matched: refs(taxonomy, &fit.needs, &fit.assessment, NeedStatus::Matched),
                partial: refs(taxonomy, &fit.needs, &fit.assessment, NeedStatus::Partial),
                missing: refs(taxonomy, &fit.needs, &fit.assessment, NeedStatus::Missing),
                explanation: Some(explanation(taxonomy, &fit.needs, &fit.assessment)),
            })
            .collect(),
    }))
}
