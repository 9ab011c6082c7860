//! Gap analyses and upskilling plans between protobuf and the domain.

use super::match_request::job_source_from_pb;
use super::{competency_ref, credential_to_pb, delivery_modes_from_pb, importance_to_pb};
use crate::domain::limits::MAX_URI_CHARS;
use crate::domain::{Money, RecordId, ValidationError, Violations};
use crate::engine::{GapSource, HeldSource};
use crate::needs::CoverageKind;
use crate::pb;
use crate::planning::{
    CompletedStack, GapAnalysis, GapEntry, MAX_HELD, Method, Plan, PlanConstraints, PlanStep,
    UncoveredReason,
};
use crate::taxonomy::Taxonomy;

/// Held URIs or a stored candidate's id, not both; violations name the field.
fn held_source_from_pb(
    uris: Vec<String>,
    candidate_id: &str,
    violations: &mut Violations,
) -> Option<HeldSource> {
    if candidate_id.is_empty() {
        violations.check(
            uris.len() <= MAX_HELD,
            "held_competency_uris",
            &format!("at most {MAX_HELD} per request"),
        );
        for (index, uri) in uris.iter().enumerate().take(MAX_HELD) {
            let field = format!("held_competency_uris[{index}]");
            if uri.trim().is_empty() {
                violations.add(field, "must not be empty");
            } else {
                violations.check_chars(&field, uri, MAX_URI_CHARS);
            }
        }
        return Some(HeldSource::Uris(uris));
    }
    if !uris.is_empty() {
        violations.add(
            "candidate_id",
            "give either candidate_id or held_competency_uris, not both",
        );
        return None;
    }
    violations
        .take(RecordId::parse(candidate_id), "candidate_")
        .map(HeldSource::Candidate)
}

/// The parts of a gap request, checked; `None` when a violation was recorded.
fn gap_source_from_pb(
    uris: Vec<String>,
    candidate_id: &str,
    job_id: &str,
    job: Option<pb::JobPosting>,
    violations: &mut Violations,
) -> Option<GapSource> {
    let held = held_source_from_pb(uris, candidate_id, violations);
    let job = job_source_from_pb(job_id, job, violations);
    Some(GapSource {
        held: held?,
        job: job?,
    })
}

impl TryFrom<pb::AnalyzeGapRequest> for GapSource {
    type Error = ValidationError;

    fn try_from(request: pb::AnalyzeGapRequest) -> Result<Self, Self::Error> {
        let pb::AnalyzeGapRequest {
            held_competency_uris,
            job,
            candidate_id,
            job_id,
        } = request;
        let mut violations = Violations::default();
        let source = gap_source_from_pb(
            held_competency_uris,
            &candidate_id,
            &job_id,
            job,
            &mut violations,
        );
        match source {
            Some(source) => violations.finish(source),
            None => Err(violations.finish(()).expect_err("a part failed")),
        }
    }
}

/// Plan constraints; `None` has no limits. `prefix` is their field path.
pub fn constraints_from_pb(
    constraints: Option<pb::PlanConstraints>,
    prefix: &str,
) -> Result<PlanConstraints, ValidationError> {
    let Some(pb::PlanConstraints {
        max_total_cost,
        max_total_hours,
        delivery_modes,
        require_assessed,
        require_accredited,
    }) = constraints
    else {
        return Ok(PlanConstraints::default());
    };
    let mut violations = Violations::default();
    let max_total_cost = max_total_cost.and_then(|pb::Money { amount, currency }| {
        violations.take(
            Money::new(amount, &currency),
            &format!("{prefix}max_total_cost."),
        )
    });
    let delivery_modes = delivery_modes_from_pb(delivery_modes, prefix, &mut violations);
    let constraints = PlanConstraints {
        max_total_cost,
        max_total_hours,
        delivery_modes,
        require_assessed,
        require_accredited,
    };
    violations.take(constraints.validate(), prefix);
    violations.finish(constraints)
}

/// A PlanUpskilling request as a gap source and constraints.
pub fn plan_request_from_pb(
    request: pb::PlanUpskillingRequest,
) -> Result<(GapSource, PlanConstraints), ValidationError> {
    let pb::PlanUpskillingRequest {
        held_competency_uris,
        job,
        constraints,
        candidate_id,
        job_id,
    } = request;
    let mut violations = Violations::default();
    let source = gap_source_from_pb(
        held_competency_uris,
        &candidate_id,
        &job_id,
        job,
        &mut violations,
    );
    let constraints = violations.take(constraints_from_pb(constraints, "constraints."), "");
    let (Some(source), Some(constraints)) = (source, constraints) else {
        return Err(violations.finish(()).expect_err("a part failed"));
    };
    violations.finish((source, constraints))
}

fn held_relation_to_pb(kind: CoverageKind) -> pb::HeldRelation {
    match kind {
        CoverageKind::Exact => pb::HeldRelation::Exact,
        CoverageKind::Narrower => pb::HeldRelation::Narrower,
        CoverageKind::Broader => pb::HeldRelation::Broader,
        CoverageKind::Related => pb::HeldRelation::Related,
    }
}

fn gap_item_to_pb(taxonomy: &Taxonomy, gap: &GapAnalysis, entry: &GapEntry) -> pb::GapItem {
    let need = &gap.needs[entry.need];
    pb::GapItem {
        competency: Some(competency_ref(taxonomy, &need.uri)),
        importance: importance_to_pb(need.importance).into(),
        weight: need.weight,
        held_competency: entry
            .held
            .as_ref()
            .map(|held| competency_ref(taxonomy, &held.uri)),
        relation: entry
            .held
            .as_ref()
            .map_or(pb::HeldRelation::Unspecified, |held| {
                held_relation_to_pb(held.relation)
            })
            .into(),
        held_evidence: entry
            .held
            .as_ref()
            .map(|held| held.evidence.clone())
            .unwrap_or_default(),
    }
}

/// A gap analysis as protobuf.
pub fn gap_to_pb(taxonomy: &Taxonomy, gap: &GapAnalysis) -> pb::AnalyzeGapResponse {
    let items = |entries: &[GapEntry]| {
        entries
            .iter()
            .map(|entry| gap_item_to_pb(taxonomy, gap, entry))
            .collect()
    };
    pb::AnalyzeGapResponse {
        matched: items(&gap.matched),
        partial: items(&gap.partial),
        missing: items(&gap.missing),
    }
}

fn money_to_pb(money: Money) -> pb::Money {
    pb::Money {
        amount: money.amount,
        currency: money.currency.to_string(),
    }
}

fn step_to_pb(taxonomy: &Taxonomy, step: &PlanStep) -> pb::PlannedCredential {
    pb::PlannedCredential {
        credential: Some(credential_to_pb(taxonomy, &step.credential)),
        covers: step
            .covers
            .iter()
            .map(|uri| competency_ref(taxonomy, uri))
            .collect(),
        cost: step.cost.map(money_to_pb),
        hours: step.hours,
        added_as_prerequisite: step.added_as_prerequisite,
        required_by: step.required_by.iter().map(ToString::to_string).collect(),
    }
}

fn stack_to_pb(stack: &CompletedStack) -> pb::CompletedStack {
    pb::CompletedStack {
        credential_id: stack.credential.id.to_string(),
        title: stack.credential.title.clone(),
        by_parts: stack.by_parts,
        parts_cost: stack.parts_cost.unwrap_or(0.0),
        bundle_cost: stack.bundle_cost.unwrap_or(0.0),
        note: stack.note.clone(),
    }
}

fn method_to_pb(method: Method) -> pb::PlanMethod {
    match method {
        Method::Exact => pb::PlanMethod::Exact,
        Method::GreedyPartialEnumeration => pb::PlanMethod::GreedyPartialEnumeration,
        Method::Greedy => pb::PlanMethod::Greedy,
    }
}

fn reason_to_pb(reason: UncoveredReason) -> pb::UncoveredReason {
    match reason {
        UncoveredReason::NotInCatalogue => pb::UncoveredReason::NotInCatalogue,
        UncoveredReason::ExcludedByConstraints => pb::UncoveredReason::ExcludedByConstraints,
        UncoveredReason::OverBudget => pb::UncoveredReason::OverBudget,
    }
}

/// A plan as protobuf.
pub fn plan_to_pb(taxonomy: &Taxonomy, plan: &Plan) -> pb::PlanUpskillingResponse {
    pb::PlanUpskillingResponse {
        credentials: plan
            .steps
            .iter()
            .map(|step| step_to_pb(taxonomy, step))
            .collect(),
        covered: plan
            .covered
            .iter()
            .map(|covered| pb::CoveredGap {
                competency: Some(competency_ref(taxonomy, &covered.need.uri)),
                importance: importance_to_pb(covered.need.importance).into(),
                credential_id: covered.credential.to_string(),
            })
            .collect(),
        uncovered: plan
            .uncovered
            .iter()
            .map(|uncovered| pb::UncoveredGap {
                competency: Some(competency_ref(taxonomy, &uncovered.need.uri)),
                importance: importance_to_pb(uncovered.need.importance).into(),
                reason: reason_to_pb(uncovered.reason).into(),
            })
            .collect(),
        total_cost: Some(money_to_pb(plan.total_cost)),
        total_hours: plan.total_hours,
        optimal: plan.method.is_optimal(),
        method: method_to_pb(plan.method).into(),
        note: [plan.method.guarantee().to_owned(), plan.unknowns_note()]
            .into_iter()
            .filter(|sentence| !sentence.is_empty())
            .collect::<Vec<_>>()
            .join(" "),
        stacks: plan.stacks.iter().map(stack_to_pb).collect(),
        gap: Some(gap_to_pb(taxonomy, &plan.gap)),
        unknown_cost_credential_ids: plan.unknown_cost.iter().map(ToString::to_string).collect(),
        unknown_hours_credential_ids: plan.unknown_hours.iter().map(ToString::to_string).collect(),
    }
}
