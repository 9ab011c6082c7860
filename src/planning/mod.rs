//! Gap analysis and upskilling plans: what a job needs that the held
//! competencies do not evidence, and the set of catalogue credentials that
//! closes that gap best within a budget, in the order to take them.

mod bits;
mod build;
mod constraints;
mod gap;
mod problem;
mod solve;
mod upskilling_plan;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod upskilling_plan_tests;

pub use bits::Bits;
pub use constraints::PlanConstraints;
pub use gap::{GapAnalysis, GapEntry, HeldCompetency, HeldEvidence, analyze_gap};
pub use problem::{EPSILON, Item, Problem, Selection, Stack, Value};
pub use solve::{EXACT_LIMIT, Method, PARTIAL_ENUMERATION_LIMIT, exact, greedy, solve};
pub use upskilling_plan::{
    CompletedStack, CoveredTarget, Plan, PlanStep, UncoveredReason, UncoveredTarget,
};

use crate::catalog::Catalog;
use crate::domain::{JobPosting, ValidationError, Violations};
use crate::extract::Extractor;
use crate::needs::job_needs;
use crate::taxonomy::Taxonomy;

/// Most held competencies one request may carry.
pub const MAX_HELD: usize = 10_000;

/// A gap source: the competencies held and the job.
#[derive(Debug, Clone)]
pub struct GapQuery {
    /// The held competencies.
    pub held: Vec<HeldCompetency>,
    /// The job.
    pub job: JobPosting,
}

impl GapQuery {
    /// Checks that the job says something and the held URIs are non-empty.
    pub fn validate(&self) -> Result<(), ValidationError> {
        let mut violations = Violations::default();
        violations.take(self.job.validate(), "job.");
        violations.check(
            self.held.len() <= MAX_HELD,
            "held_competency_uris",
            &format!("at most {MAX_HELD} per request"),
        );
        for (index, held) in self.held.iter().enumerate() {
            if held.uri.trim().is_empty() {
                violations.add(
                    format!("held_competency_uris[{index}]"),
                    "must not be empty",
                );
            }
        }
        violations.finish(())
    }

    /// The gap of this query.
    pub fn analyze(
        &self,
        taxonomy: &Taxonomy,
        extractor: &Extractor,
    ) -> Result<GapAnalysis, ValidationError> {
        self.validate()?;
        let needs = job_needs(taxonomy, extractor, &self.job);
        Ok(analyze_gap(taxonomy, needs, &self.held))
    }
}

/// Plans the credentials that close the gap of `query` under `constraints`.
pub fn plan_upskilling(
    taxonomy: &Taxonomy,
    extractor: &Extractor,
    catalog: &Catalog,
    query: &GapQuery,
    constraints: &PlanConstraints,
) -> Result<Plan, ValidationError> {
    let mut violations = Violations::default();
    violations.take(query.validate(), "");
    violations.take(constraints.validate(), "constraints.");
    violations.finish(())?;
    let gap = query.analyze(taxonomy, extractor)?;
    Ok(plan_for_gap(taxonomy, catalog, gap, constraints))
}

/// Plans the credentials that close a gap already analysed, under
/// `constraints` (validated by the caller): the part of [`plan_upskilling`]
/// after the gap, for callers that know the job's needs already (ranking
/// plans one job for many candidates).
pub fn plan_for_gap(
    taxonomy: &Taxonomy,
    catalog: &Catalog,
    gap: GapAnalysis,
    constraints: &PlanConstraints,
) -> Plan {
    let targets = gap.missing_needs();
    let built = build::build(taxonomy, catalog, &targets, constraints);
    let (selection, method) = solve(&built.problem);
    upskilling_plan::assemble(gap, &targets, &built, &selection, method, constraints)
}
