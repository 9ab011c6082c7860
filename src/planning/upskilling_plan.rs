//! The upskilling plan: the chosen credentials in the order to take them,
//! what they cover, what stays uncovered and why, totals and stacks.

use std::collections::BTreeSet;
use std::sync::Arc;

use super::bits::Bits;
use super::build::Built;
use super::constraints::PlanConstraints;
use super::gap::GapAnalysis;
use super::problem::Selection;
use super::solve::Method;
use crate::domain::{CredentialId, Microcredential, Money};
use crate::needs::JobNeed;

/// One credential of a plan.
#[derive(Debug, Clone)]
pub struct PlanStep {
    /// The credential.
    pub credential: Arc<Microcredential>,
    /// URIs of the missing competencies it covers.
    pub covers: Vec<String>,
    /// Its price in the plan's currency; `None` when not published.
    pub cost: Option<Money>,
    /// Its notional learning hours; `None` when not published.
    pub hours: Option<f64>,
    /// Whether another credential of the plan requires it, directly or transitively.
    pub added_as_prerequisite: bool,
    /// Plan credentials that list it as a prerequisite.
    pub required_by: Vec<CredentialId>,
}

/// A missing competency the plan covers.
#[derive(Debug, Clone)]
pub struct CoveredTarget {
    /// The competency as the job needs it.
    pub need: JobNeed,
    /// The first credential in plan order that covers it.
    pub credential: CredentialId,
}

/// Why a missing competency stays uncovered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UncoveredReason {
    /// No catalogue credential teaches it (exactly or through a narrower competency).
    NotInCatalogue,
    /// Only credentials that fail the quality requirements (or whose
    /// prerequisites do, or whose price cannot be converted) teach it.
    ExcludedByConstraints,
    /// Eligible credentials teach it, but not within the budget alongside a better plan.
    OverBudget,
}

/// A missing competency the plan leaves uncovered.
#[derive(Debug, Clone)]
pub struct UncoveredTarget {
    /// The competency as the job needs it.
    pub need: JobNeed,
    /// Why.
    pub reason: UncoveredReason,
}

/// A larger credential the plan completes.
#[derive(Debug, Clone)]
pub struct CompletedStack {
    /// The larger credential.
    pub credential: Arc<Microcredential>,
    /// Whether the plan takes all its parts rather than the credential itself.
    pub by_parts: bool,
    /// Total price of its parts in the plan's currency, when every part has one.
    pub parts_cost: Option<f64>,
    /// Its own price in the plan's currency, when convertible.
    pub bundle_cost: Option<f64>,
    /// One sentence for a human.
    pub note: String,
}

/// An upskilling plan for a gap.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The gap the plan targets (its missing needs).
    pub gap: GapAnalysis,
    /// Credentials in the order to take them, prerequisites first.
    pub steps: Vec<PlanStep>,
    /// Missing competencies covered.
    pub covered: Vec<CoveredTarget>,
    /// Missing competencies not covered.
    pub uncovered: Vec<UncoveredTarget>,
    /// Total of the known prices in the plan's currency; a lower bound
    /// when `unknown_cost` is not empty.
    pub total_cost: Money,
    /// Total of the known notional hours; a lower bound when
    /// `unknown_hours` is not empty.
    pub total_hours: f64,
    /// Plan credentials whose price is unknown.
    pub unknown_cost: Vec<CredentialId>,
    /// Plan credentials whose hours are unknown.
    pub unknown_hours: Vec<CredentialId>,
    /// How the plan was found.
    pub method: Method,
    /// Larger credentials completed.
    pub stacks: Vec<CompletedStack>,
}

impl Plan {
    /// What the totals leave out: one sentence per kind of unknown, empty
    /// when every price and duration of the plan is known.
    pub fn unknowns_note(&self) -> String {
        let list = |ids: &[CredentialId]| {
            ids.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mut sentences = Vec::new();
        if !self.unknown_cost.is_empty() {
            sentences.push(format!(
                "The cost of {} is unknown, so the total cost is a lower bound.",
                list(&self.unknown_cost)
            ));
        }
        if !self.unknown_hours.is_empty() {
            sentences.push(format!(
                "The hours of {} are unknown, so the total hours are a lower bound.",
                list(&self.unknown_hours)
            ));
        }
        sentences.join(" ")
    }
}

/// Puts a selection into plan order and reports on it.
pub fn assemble(
    gap: GapAnalysis,
    targets: &[JobNeed],
    built: &Built,
    selection: &Selection,
    method: Method,
    constraints: &PlanConstraints,
) -> Plan {
    let currency = constraints.currency();
    let problem = &built.problem;
    let order = take_order(built, &selection.plan);
    let steps: Vec<PlanStep> = order
        .iter()
        .map(|&item| {
            let credential = built.credentials[item].clone();
            let required_by = order
                .iter()
                .map(|&other| &built.credentials[other])
                .filter(|other| other.prerequisites.contains(&credential.id))
                .map(|other| other.id.clone())
                .collect();
            PlanStep {
                covers: problem.items[item]
                    .covers
                    .iter()
                    .map(|t| targets[t].uri.clone())
                    .collect(),
                cost: (!problem.items[item].unknown_cost).then_some(Money {
                    amount: problem.items[item].cost,
                    currency,
                }),
                hours: credential.hours,
                added_as_prerequisite: order
                    .iter()
                    .any(|&other| other != item && problem.items[other].closure.contains(&item)),
                required_by,
                credential,
            }
        })
        .collect();
    let covered_bits = problem.covered_by(selection.plan.iter());
    let covered = covered_bits
        .iter()
        .filter_map(|target| {
            let first = order
                .iter()
                .find(|&&item| problem.items[item].covers.contains(target))?;
            Some(CoveredTarget {
                need: targets[target].clone(),
                credential: built.credentials[*first].id.clone(),
            })
        })
        .collect();
    let uncovered = (0..targets.len())
        .filter(|target| !covered_bits.contains(*target))
        .map(|target| UncoveredTarget {
            need: targets[target].clone(),
            reason: if !built.taught_anywhere.contains(target) {
                UncoveredReason::NotInCatalogue
            } else if !built.taught_by_eligible.contains(target) {
                UncoveredReason::ExcludedByConstraints
            } else {
                UncoveredReason::OverBudget
            },
        })
        .collect();
    let unknown = |missing: fn(&PlanStep) -> bool| {
        steps
            .iter()
            .filter(|step| missing(step))
            .map(|step| step.credential.id.clone())
            .collect()
    };
    Plan {
        gap,
        covered,
        uncovered,
        total_cost: Money {
            amount: selection.value.cost,
            currency,
        },
        total_hours: steps.iter().filter_map(|s| s.hours).sum(),
        unknown_cost: unknown(|step| step.cost.is_none()),
        unknown_hours: unknown(|step| step.hours.is_none()),
        steps,
        method,
        stacks: completed_stacks(built, &selection.plan, constraints),
    }
}

/// Plan items in topological order of prerequisites; among credentials ready
/// at the same time, by id.
fn take_order(built: &Built, plan: &Bits) -> Vec<usize> {
    let items: Vec<usize> = plan.iter().collect();
    let mut done = Bits::new(built.credentials.len());
    let mut order = Vec::with_capacity(items.len());
    while order.len() < items.len() {
        let ready: BTreeSet<(&CredentialId, usize)> = items
            .iter()
            .filter(|&&item| !done.contains(item))
            .filter(|&&item| {
                let closure = &built.problem.items[item].closure;
                closure
                    .iter()
                    .all(|&other| other == item || done.contains(other))
            })
            .map(|&item| (&built.credentials[item].id, item))
            .collect();
        let Some(&(_, next)) = ready.first() else {
            // A prerequisite cycle cannot be eligible; take the rest by id.
            order.extend(items.iter().filter(|&&item| !done.contains(item)));
            break;
        };
        done.insert(next);
        order.push(next);
    }
    order
}

fn completed_stacks(
    built: &Built,
    plan: &Bits,
    constraints: &PlanConstraints,
) -> Vec<CompletedStack> {
    built
        .problem
        .stacks
        .iter()
        .zip(&built.stacks)
        .filter(|(stack, _)| stack.completed_by(plan))
        .map(|(stack, info)| {
            let by_parts = !stack.bundle.is_some_and(|bundle| plan.contains(bundle));
            let parts_cost: Option<f64> = info
                .parts
                .iter()
                .map(|part| part.cost.and_then(|cost| constraints.price(&cost)))
                .sum();
            let bundle_cost = info
                .credential
                .cost
                .and_then(|cost| constraints.price(&cost));
            let currency = constraints.currency();
            let title = &info.credential.title;
            let note = match (by_parts, parts_cost, bundle_cost) {
                (true, _, Some(bundle)) => format!(
                    "Completes {title} by taking all of its parts; the bundle itself costs {bundle:.2} {currency}."
                ),
                (true, _, None) => format!("Completes {title} by taking all of its parts."),
                (false, Some(parts), _) => format!(
                    "Takes {title} as one credential rather than its parts, which cost {parts:.2} {currency} together."
                ),
                (false, None, _) => format!("Takes {title}, which bundles its parts."),
            };
            CompletedStack {
                credential: info.credential.clone(),
                by_parts,
                parts_cost,
                bundle_cost,
                note,
            }
        })
        .collect()
}
