//! Gap analyses and upskilling plans between protobuf and the domain.

use super::{
    competency_ref, credential_to_pb, delivery_modes_from_pb, importance_to_pb, job_from_pb,
};
use crate::domain::{JobPosting, Money, ValidationError, Violations};
use crate::matching::CoverageKind;
use crate::pb;
use crate::planning::{
    CompletedStack, GapAnalysis, GapEntry, GapQuery, Method, Plan, PlanConstraints, PlanStep,
    UncoveredReason,
};
use crate::taxonomy::Taxonomy;

fn job_required(job: Option<pb::JobPosting>, violations: &mut Violations) -> Option<JobPosting> {
    match job {
        Some(job) => violations.take(job_from_pb(job, "job."), ""),
        None => {
            violations.add("job", "is required");
            None
        }
    }
}

impl TryFrom<pb::AnalyzeGapRequest> for GapQuery {
    type Error = ValidationError;

    fn try_from(request: pb::AnalyzeGapRequest) -> Result<Self, Self::Error> {
        let pb::AnalyzeGapRequest {
            held_competency_uris,
            job,
        } = request;
        let mut violations = Violations::default();
        let job = job_required(job, &mut violations);
        let Some(job) = job else {
            return Err(violations.finish(()).expect_err("the job failed"));
        };
        let query = Self {
            held: held_competency_uris,
            job,
        };
        violations.take(query.validate(), "");
        violations.finish(query)
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

/// A PlanUpskilling request as a gap query and constraints.
pub fn plan_request_from_pb(
    request: pb::PlanUpskillingRequest,
) -> Result<(GapQuery, PlanConstraints), ValidationError> {
    let pb::PlanUpskillingRequest {
        held_competency_uris,
        job,
        constraints,
    } = request;
    let mut violations = Violations::default();
    let job = job_required(job, &mut violations);
    let constraints = violations.take(constraints_from_pb(constraints, "constraints."), "");
    let (Some(job), Some(constraints)) = (job, constraints) else {
        return Err(violations.finish(()).expect_err("a part failed"));
    };
    let query = GapQuery {
        held: held_competency_uris,
        job,
    };
    violations.take(query.validate(), "");
    violations.finish((query, constraints))
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
        cost: Some(money_to_pb(step.cost)),
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
        note: plan.method.guarantee().to_owned(),
        stacks: plan.stacks.iter().map(stack_to_pb).collect(),
        gap: Some(gap_to_pb(taxonomy, &plan.gap)),
    }
}
