//! The plan search problem, free of catalogue types so it can be checked
//! against brute force: items (credentials) with a cost, hours, the targets
//! they cover and the items they bring along (themselves and their
//! prerequisites, transitively); candidates among them; stacks; budgets.

use std::cmp::Ordering;

use super::bits::Bits;

/// Tolerance for comparing sums of weights, prices and hours.
pub const EPSILON: f64 = 1e-6;

/// One credential as the search sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    /// Price in the plan's currency; 0 when unknown (see `unknown_cost`).
    pub cost: f64,
    /// Notional learning hours; 0 when unknown (see `unknown_hours`).
    pub hours: f64,
    /// Whether the price is unknown: the item is then never taken as free,
    /// a plan holding it is worse than any covering as much without, and
    /// it is only an item when the plan has no cost budget.
    pub unknown_cost: bool,
    /// Whether the hours are unknown, likewise.
    pub unknown_hours: bool,
    /// Targets (missing competencies) it covers.
    pub covers: Bits,
    /// Items taking it brings into the plan, in increasing position: itself
    /// and its prerequisites, transitively (most credentials have none, so
    /// a list rather than a set over every item).
    pub closure: Vec<usize>,
}

/// A larger credential that a plan completes by taking it, or by taking all of its parts.
#[derive(Debug, Clone, PartialEq)]
pub struct Stack {
    /// The larger credential, when it is an item.
    pub bundle: Option<usize>,
    /// Its parts, when every part is an item.
    pub parts: Option<Bits>,
}

impl Stack {
    /// Whether a plan holding `plan` completes this stack.
    pub fn completed_by(&self, plan: &Bits) -> bool {
        self.bundle.is_some_and(|bundle| plan.contains(bundle))
            || self
                .parts
                .as_ref()
                .is_some_and(|parts| parts.is_subset(plan))
    }
}

/// A plan search instance.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    /// Weight of each target.
    pub target_weights: Vec<f64>,
    /// Every credential a plan may hold: candidates and their prerequisites.
    pub items: Vec<Item>,
    /// The items a plan may choose; the others enter only as prerequisites.
    pub candidates: Vec<usize>,
    /// Stacks, for the tie-break.
    pub stacks: Vec<Stack>,
    /// Most the plan may cost.
    pub max_cost: Option<f64>,
    /// Most hours the plan may take.
    pub max_hours: Option<f64>,
}

/// How good a plan is, in objective order.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Value {
    /// Covered target weight (maximised).
    pub weight: f64,
    /// Items whose cost or hours are unknown (minimised before cost: an
    /// unknown price is not a low one).
    pub unknown: usize,
    /// Total cost (minimised).
    pub cost: f64,
    /// Total hours (minimised).
    pub hours: f64,
    /// Stacks completed (maximised).
    pub stacks: usize,
    /// Credentials in the plan (minimised).
    pub size: usize,
}

impl Value {
    /// Compares in objective order; `Greater` is better. Sums within [`EPSILON`] are equal.
    pub fn compare(&self, other: &Self) -> Ordering {
        let close = |a: f64, b: f64| {
            if (a - b).abs() <= EPSILON {
                Ordering::Equal
            } else {
                a.total_cmp(&b)
            }
        };
        close(self.weight, other.weight)
            .then_with(|| other.unknown.cmp(&self.unknown))
            .then_with(|| close(other.cost, self.cost))
            .then_with(|| close(other.hours, self.hours))
            .then_with(|| self.stacks.cmp(&other.stacks))
            .then_with(|| other.size.cmp(&self.size))
    }
}

/// A feasible plan.
#[derive(Debug, Clone, PartialEq)]
pub struct Selection {
    /// The candidates chosen, as item indices, in the order they were chosen.
    pub chosen: Vec<usize>,
    /// Every item of the plan (the chosen ones and their prerequisites).
    pub plan: Bits,
    /// Its value.
    pub value: Value,
}

impl Problem {
    /// An empty plan.
    pub fn empty_selection(&self) -> Selection {
        let plan = Bits::new(self.items.len());
        Selection {
            chosen: Vec::new(),
            value: self.value_of(&plan),
            plan,
        }
    }

    /// The targets a set of items (a plan, or a closure) covers.
    pub fn covered_by(&self, items: impl IntoIterator<Item = usize>) -> Bits {
        let mut covered = Bits::new(self.target_weights.len());
        for item in items {
            covered.union_with(&self.items[item].covers);
        }
        covered
    }

    /// Total weight of a set of targets.
    pub fn weight_of(&self, targets: &Bits) -> f64 {
        targets.iter().map(|t| self.target_weights[t]).sum()
    }

    /// Total weight of the targets of `targets` not in `covered`, without
    /// building that set (the same sum as [`Problem::weight_of`] of it).
    pub fn weight_beyond(&self, targets: &Bits, covered: &Bits) -> f64 {
        targets
            .iter_minus(covered)
            .map(|t| self.target_weights[t])
            .sum()
    }

    /// The value of a plan (a set of items).
    pub fn value_of(&self, plan: &Bits) -> Value {
        Value {
            weight: self.weight_of(&self.covered_by(plan.iter())),
            unknown: self.unknowns(plan.iter()),
            cost: plan.iter().map(|i| self.items[i].cost).sum(),
            hours: plan.iter().map(|i| self.items[i].hours).sum(),
            stacks: self.stacks.iter().filter(|s| s.completed_by(plan)).count(),
            size: plan.len(),
        }
    }

    /// How many items of a set have an unknown cost or unknown hours.
    pub fn unknowns(&self, items: impl IntoIterator<Item = usize>) -> usize {
        items
            .into_iter()
            .filter(|&i| self.items[i].unknown_cost || self.items[i].unknown_hours)
            .count()
    }

    /// Whether cost and hours are within the budgets.
    pub fn fits(&self, cost: f64, hours: f64) -> bool {
        self.max_cost.is_none_or(|max| cost <= max + EPSILON)
            && self.max_hours.is_none_or(|max| hours <= max + EPSILON)
    }

    /// Total cost and hours of a set of items, summed in the order given.
    pub fn spend(&self, items: impl IntoIterator<Item = usize>) -> (f64, f64) {
        items.into_iter().fold((0.0, 0.0), |(cost, hours), i| {
            (cost + self.items[i].cost, hours + self.items[i].hours)
        })
    }

    /// The plan with `candidate` added to `plan`, with the added cost and
    /// hours; `None` when it adds nothing.
    pub fn extend(&self, plan: &Bits, candidate: usize) -> Option<(Bits, f64, f64)> {
        let added = self.added_by(plan, candidate);
        if added.is_empty() {
            return None;
        }
        let (cost, hours) = self.spend(added.iter().copied());
        let mut extended = plan.clone();
        extended.insert_all(added);
        Some((extended, cost, hours))
    }

    /// The items of `candidate`'s closure not yet in `plan`, in increasing position.
    pub fn added_by(&self, plan: &Bits, candidate: usize) -> Vec<usize> {
        self.items[candidate]
            .closure
            .iter()
            .copied()
            .filter(|&item| !plan.contains(item))
            .collect()
    }
}
