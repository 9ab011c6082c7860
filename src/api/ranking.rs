//! RankCandidates and MatchJobs of MatchService: conversions and handlers,
//! called from `MatchApi`.

use std::sync::Arc;

use tonic::{Request, Response, Status};

use super::blocking;
use super::convert::{competency_ref, importance_to_pb, job_from_pb, job_to_pb, optional_date};
use super::paging::PageSize;
use crate::auth::{Role, require};
use crate::domain::{Date, RecordId, ValidationError, Violations};
use crate::engine::{Engine, JobSource, RankQuery};
use crate::matching::{CoverageKind, JobNeed, NeedSource};
use crate::pb;
use crate::ranking::{Assessment, ChosenEvidence, EvidenceKind, NeedAssessment, NeedStatus};
use crate::taxonomy::Taxonomy;

const DEFAULT_TOP_K: usize = 10;
const MAX_TOP_K: usize = 1000;

fn as_of(raw: &str) -> Result<Date, ValidationError> {
    Ok(optional_date(raw, "as_of")?.unwrap_or_else(Date::today))
}

fn rank_query_from_pb(
    request: pb::RankCandidatesRequest,
) -> Result<(RankQuery, bool), ValidationError> {
    let pb::RankCandidatesRequest {
        job_id,
        job,
        candidate_ids,
        top_k,
        explain,
        anonymize,
        as_of: raw_as_of,
    } = request;
    let mut violations = Violations::default();
    let job = match (job_id.is_empty(), job) {
        (false, None) => violations
            .take(RecordId::parse(&job_id), "job_")
            .map(JobSource::Stored),
        (true, Some(job)) => violations
            .take(job_from_pb(job, "job."), "")
            .map(JobSource::Inline),
        (false, Some(_)) => {
            violations.add("job", "give either job_id or job, not both");
            None
        }
        (true, None) => {
            violations.add("job_id", "job_id or job is required");
            None
        }
    };
    let mut seen = std::collections::HashSet::new();
    let candidate_ids: Vec<RecordId> = candidate_ids
        .iter()
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
        .collect();
    let top_k = violations.take(
        PageSize::new(top_k, DEFAULT_TOP_K, MAX_TOP_K, "top_k").map(PageSize::get),
        "",
    );
    let as_of = violations.take(as_of(&raw_as_of), "");
    let (Some(job), Some(top_k), Some(as_of)) = (job, top_k, as_of) else {
        return Err(violations.finish(()).expect_err("a part failed"));
    };
    violations.finish((
        RankQuery {
            job,
            candidate_ids,
            top_k,
            as_of,
            with_names: !anonymize,
        },
        explain,
    ))
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

/// RankCandidates.
pub async fn rank_candidates(
    engine: &Arc<Engine>,
    request: Request<pb::RankCandidatesRequest>,
) -> Result<Response<pb::RankCandidatesResponse>, Status> {
    let caller = require(&request, Role::Read)?;
    let (query, explain) = rank_query_from_pb(request.into_inner())?;
    let outcome = blocking(engine, move |engine| {
        engine.rank_candidates(caller.tenant(), &query)
    })
    .await?;
    let taxonomy = engine.taxonomy();
    Ok(Response::new(pb::RankCandidatesResponse {
        rankings: outcome
            .ranked
            .iter()
            .zip(&outcome.names)
            .map(|(ranked, name)| pb::CandidateRanking {
                candidate_id: ranked.profile.id.to_string(),
                display_name: name.clone().unwrap_or_default(),
                score: ranked.assessment.score,
                explanation: explain
                    .then(|| explanation(taxonomy, &outcome.needs, &ranked.assessment)),
            })
            .collect(),
    }))
}

/// MatchJobs.
pub async fn match_jobs(
    engine: &Arc<Engine>,
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
    let fits = blocking(engine, move |engine| {
        engine.match_jobs(caller.tenant(), &id, top_k, min_score, as_of)
    })
    .await?;
    let taxonomy = engine.taxonomy();
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
