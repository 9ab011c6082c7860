//! Finding the plan: exact branch and bound for small candidate sets, a
//! greedy approximation with a stated guarantee beyond.

use std::cmp::Ordering;

use super::bits::Bits;
use super::problem::{EPSILON, Problem, Selection, Value};

/// Largest number of candidates searched exactly (2^20 subsets at worst).
pub const EXACT_LIMIT: usize = 20;
/// Largest number of candidates for which the greedy starts from every set of
/// at most three candidates (about 10^4 seeds).
pub const PARTIAL_ENUMERATION_LIMIT: usize = 40;

/// How a plan was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// Branch and bound over every subset of candidates: optimal.
    Exact,
    /// Greedy completion of every feasible seed of at most three candidates.
    GreedyPartialEnumeration,
    /// The better of the greedy from the empty plan and the best single candidate.
    Greedy,
}

impl Method {
    /// Whether plans found this way are proven optimal.
    pub fn is_optimal(self) -> bool {
        self == Self::Exact
    }

    /// The guarantee, in words.
    pub fn guarantee(self) -> &'static str {
        match self {
            Self::Exact => "exact: every subset of the candidate credentials was considered",
            Self::GreedyPartialEnumeration => {
                "greedy with partial enumeration: for a money budget alone and credentials \
                 without shared prerequisites the covered weight is at least (1 - 1/e) = 63.2 % \
                 of the optimum (Khuller, Moss and Naor 1999); with prerequisites or an hours \
                 budget no bound is claimed"
            }
            Self::Greedy => {
                "greedy or best single credential: for a money budget alone and credentials \
                 without shared prerequisites the covered weight is at least (1 - 1/e) / 2 = \
                 31.6 % of the optimum; with prerequisites or an hours budget no bound is claimed"
            }
        }
    }
}

/// Finds a plan: exact with at most [`EXACT_LIMIT`] candidates, otherwise greedy.
///
/// The greedy solves budgeted maximum coverage (Khuller, Moss and Naor, "The
/// budgeted maximum coverage problem", Information Processing Letters 70,
/// 1999): it adds, while some candidate fits the budget and covers a new
/// target, the one with the most newly covered weight per unit of added cost
/// (added hours when only hours are limited; cost and hours each relative to
/// their budget when both are). With at most [`PARTIAL_ENUMERATION_LIMIT`]
/// candidates it is started from every feasible set of at most three
/// candidates and the best completion is kept: when each credential has an
/// additive cost (no prerequisites shared between candidates) and money is
/// the only budget, that plan covers at least (1 - 1/e) ≈ 0.632 of the
/// optimal weight. Beyond, the better of the greedy from the empty plan and
/// the best single candidate is kept, which covers at least (1 - 1/e)/2 ≈
/// 0.316 of the optimal weight under the same assumptions. Prerequisites make
/// costs overlap and an hours budget adds a second constraint; neither bound
/// is claimed then, and no greedy plan is reported optimal.
pub fn solve(problem: &Problem) -> (Selection, Method) {
    let count = problem.candidates.len();
    if count <= EXACT_LIMIT {
        (exact(problem), Method::Exact)
    } else if count <= PARTIAL_ENUMERATION_LIMIT {
        (greedy(problem, 3), Method::GreedyPartialEnumeration)
    } else {
        (greedy(problem, 1), Method::Greedy)
    }
}

/// The optimal plan, by depth-first branch and bound over the candidates.
pub fn exact(problem: &Problem) -> Selection {
    let mut order = problem.candidates.clone();
    order.sort_by(|&a, &b| density(problem, b).total_cmp(&density(problem, a)));
    let targets = problem.target_weights.len();
    let mut reachable_from = vec![Bits::new(targets); order.len() + 1];
    for depth in (0..order.len()).rev() {
        let mut reachable = reachable_from[depth + 1].clone();
        for &item in &problem.items[order[depth]].closure {
            reachable.union_with(&problem.items[item].covers);
        }
        reachable_from[depth] = reachable;
    }
    let mut search = BranchAndBound {
        problem,
        order,
        reachable_from,
        best: problem.empty_selection(),
    };
    let empty = Bits::new(problem.items.len());
    search.visit(0, &mut Vec::new(), &empty, 0.0, 0.0);
    search.best
}

/// Covered weight per unit of closure cost, for ordering the search.
fn density(problem: &Problem, candidate: usize) -> f64 {
    let closure = &problem.items[candidate].closure;
    let mut covers = Bits::new(problem.target_weights.len());
    let mut cost = 0.0;
    for &item in closure {
        covers.union_with(&problem.items[item].covers);
        cost += problem.items[item].cost;
    }
    problem.weight_of(&covers) / (cost + 1.0)
}

struct BranchAndBound<'a> {
    problem: &'a Problem,
    order: Vec<usize>,
    reachable_from: Vec<Bits>,
    best: Selection,
}

impl BranchAndBound<'_> {
    fn visit(&mut self, depth: usize, chosen: &mut Vec<usize>, plan: &Bits, cost: f64, hours: f64) {
        if depth == self.order.len() || self.cannot_improve(depth, plan, cost, hours) {
            return;
        }
        let candidate = self.order[depth];
        if let Some((extended, added_cost, added_hours)) = self.problem.extend(plan, candidate) {
            let (cost, hours) = (cost + added_cost, hours + added_hours);
            if self.problem.fits(cost, hours) {
                chosen.push(candidate);
                let value = self.problem.value_of(&extended);
                if value.compare(&self.best.value) == Ordering::Greater {
                    self.best = Selection {
                        chosen: chosen.clone(),
                        plan: extended.clone(),
                        value,
                    };
                }
                self.visit(depth + 1, chosen, &extended, cost, hours);
                chosen.pop();
            }
        }
        self.visit(depth + 1, chosen, plan, cost, hours);
    }

    /// Whether every plan extending this one with candidates from `depth` on
    /// is worse than the best: it cannot cover more, and at equal weight it
    /// already costs more (or as much with more hours). Ties are explored.
    fn cannot_improve(&self, depth: usize, plan: &Bits, cost: f64, hours: f64) -> bool {
        let mut reachable = self.problem.covered_by(plan.iter());
        reachable.union_with(&self.reachable_from[depth]);
        let bound = self.problem.weight_of(&reachable);
        let best = &self.best.value;
        if bound < best.weight - EPSILON {
            return true;
        }
        // Extending a plan never removes an unknown, so at equal weight a plan
        // with more unknowns than the best cannot win, and with as many it
        // is compared on cost and hours as usual.
        let unknown = self.problem.unknowns(plan.iter());
        bound <= best.weight + EPSILON
            && (unknown > best.unknown
                || (unknown == best.unknown
                    && (cost > best.cost + EPSILON
                        || (cost >= best.cost - EPSILON && hours > best.hours + EPSILON))))
    }
}

/// The greedy plan, started from every feasible set of at most `seed_size`
/// candidates when `seed_size` is 3 or more; otherwise the better of the
/// greedy from the empty plan and the best single candidate.
pub fn greedy(problem: &Problem, seed_size: usize) -> Selection {
    let lone = alone_in_closure(problem);
    let mut best = complete(
        problem,
        &lone,
        Vec::new(),
        Bits::new(problem.items.len()),
        0.0,
        0.0,
    );
    let candidates = &problem.candidates;
    if seed_size >= 3 {
        for seed in seeds_up_to_three(candidates.len()) {
            let chosen: Vec<usize> = seed.iter().map(|&s| candidates[s]).collect();
            if let Some((plan, cost, hours)) = seed_plan(problem, &chosen) {
                keep_better(
                    &mut best,
                    complete(problem, &lone, chosen, plan, cost, hours),
                );
            }
        }
    } else {
        for &candidate in candidates {
            // The plan of a single candidate is its closure; one covering
            // less weight than the best cannot be better, so its full value
            // is not worked out.
            if single_candidate_is_lighter(problem, candidate, &best.value) {
                continue;
            }
            if let Some((plan, _, _)) = seed_plan(problem, &[candidate]) {
                let value = problem.value_of(&plan);
                keep_better(
                    &mut best,
                    Selection {
                        chosen: vec![candidate],
                        plan,
                        value,
                    },
                );
            }
        }
    }
    best
}

/// Replaces `best` by `selection` when it is better.
fn keep_better(best: &mut Selection, selection: Selection) {
    if selection.value.compare(&best.value) == Ordering::Greater {
        *best = selection;
    }
}

/// Whether the plan of `candidate` alone (its closure) covers less weight
/// than `best`, by the first comparison of [`Value::compare`].
fn single_candidate_is_lighter(problem: &Problem, candidate: usize, best: &Value) -> bool {
    let closure = &problem.items[candidate].closure;
    let weight = problem.weight_of(&problem.covered_by(closure.iter().copied()));
    weight < best.weight && (weight - best.weight).abs() > EPSILON
}

/// Every set of one, two or three positions below `count`.
fn seeds_up_to_three(count: usize) -> impl Iterator<Item = Vec<usize>> {
    (0..count).flat_map(move |a| {
        std::iter::once(vec![a]).chain((a + 1..count).flat_map(move |b| {
            std::iter::once(vec![a, b]).chain((b + 1..count).map(move |c| vec![a, b, c]))
        }))
    })
}

/// The plan of a seed, with its cost and hours; `None` when over budget.
fn seed_plan(problem: &Problem, chosen: &[usize]) -> Option<(Bits, f64, f64)> {
    let mut plan = Bits::new(problem.items.len());
    let (mut cost, mut hours) = (0.0, 0.0);
    for &candidate in chosen {
        let (extended, added_cost, added_hours) = problem.extend(&plan, candidate)?;
        plan = extended;
        cost += added_cost;
        hours += added_hours;
    }
    problem.fits(cost, hours).then_some((plan, cost, hours))
}

/// For each item, whether its closure is the item alone (no prerequisites).
fn alone_in_closure(problem: &Problem) -> Vec<bool> {
    problem
        .items
        .iter()
        .enumerate()
        .map(|(index, item)| item.closure == [index])
        .collect()
}

/// What adding one candidate to a plan brings: the items it adds (`None`
/// when that is the candidate alone), their cost and hours, and the target
/// weight newly covered. `None` when it adds no item.
type Addition = (Option<Vec<usize>>, f64, f64, f64);

/// [`Addition`] of `candidate`. A candidate whose closure is itself alone
/// (no prerequisites) is priced from its item directly, with the same
/// arithmetic as the general case, without building a set of all items.
fn addition(
    problem: &Problem,
    lone: &[bool],
    plan: &Bits,
    covered: &Bits,
    candidate: usize,
) -> Option<Addition> {
    let item = &problem.items[candidate];
    if lone[candidate] {
        if plan.contains(candidate) {
            return None;
        }
        let gain = problem.weight_beyond(&item.covers, covered);
        return Some((None, 0.0 + item.cost, 0.0 + item.hours, gain));
    }
    let added = problem.added_by(plan, candidate);
    if added.is_empty() {
        return None;
    }
    let (added_cost, added_hours) = problem.spend(added.iter().copied());
    let gain = problem.weight_beyond(&problem.covered_by(added.iter().copied()), covered);
    Some((Some(added), added_cost, added_hours, gain))
}

/// Adds, while one fits and covers something new, the candidate with the most
/// newly covered weight per unit of added resource.
fn complete(
    problem: &Problem,
    lone: &[bool],
    mut chosen: Vec<usize>,
    mut plan: Bits,
    mut cost: f64,
    mut hours: f64,
) -> Selection {
    let monotone = Monotone::of(problem);
    let mut open = problem.candidates.clone();
    loop {
        let covered = problem.covered_by(plan.iter());
        let mut pick: Option<Pick> = None;
        let mut still_open = Vec::with_capacity(open.len());
        for &candidate in &open {
            // A candidate that adds nothing never will again (the plan only
            // grows); it leaves the open list, as do those `monotone` rules out.
            let Some((added, added_cost, added_hours, gain)) =
                addition(problem, lone, &plan, &covered, candidate)
            else {
                continue;
            };
            if !problem.fits(cost + added_cost, hours + added_hours) {
                if !(lone[candidate] && monotone.spending_grows) {
                    still_open.push(candidate);
                }
                continue;
            }
            if gain <= EPSILON {
                if !monotone.gains_shrink {
                    still_open.push(candidate);
                }
                continue;
            }
            still_open.push(candidate);
            let spent = resource(problem, added_cost, added_hours);
            let ratio = if spent <= 0.0 {
                f64::INFINITY
            } else {
                gain / spent
            };
            // An addition bringing items of unknown cost or hours comes after
            // every one that does not: its zero is not a price.
            let unknown = match &added {
                Some(added) => problem.unknowns(added.iter().copied()),
                None => usize::from(
                    problem.items[candidate].unknown_cost || problem.items[candidate].unknown_hours,
                ),
            };
            let better = pick.as_ref().is_none_or(|best| {
                unknown < best.unknown
                    || (unknown == best.unknown
                        && (ratio > best.ratio * (1.0 + EPSILON)
                            || (ratio >= best.ratio * (1.0 - EPSILON)
                                && gain > best.gain + EPSILON)))
            });
            if better {
                pick = Some(Pick {
                    unknown,
                    ratio,
                    gain,
                    candidate,
                    added,
                    added_cost,
                    added_hours,
                });
            }
        }
        open = still_open;
        let Some(Pick {
            candidate,
            added,
            added_cost,
            added_hours,
            ..
        }) = pick
        else {
            break;
        };
        chosen.push(candidate);
        match added {
            Some(added) => plan.insert_all(added),
            None => plan.insert(candidate),
        }
        cost += added_cost;
        hours += added_hours;
    }
    let value = problem.value_of(&plan);
    Selection {
        chosen,
        plan,
        value,
    }
}

/// What only moves one way while the greedy completes a plan, so that a
/// candidate ruled out in one round stays ruled out.
struct Monotone {
    /// Every target weight is at least 0: newly covered weight only
    /// shrinks as the plan grows, so a gain at most [`EPSILON`] stays so.
    gains_shrink: bool,
    /// Every cost and hours are at least 0: the plan's spending only grows,
    /// so a candidate without prerequisites that does not fit never will.
    spending_grows: bool,
}

impl Monotone {
    fn of(problem: &Problem) -> Self {
        Self {
            gains_shrink: problem.target_weights.iter().all(|weight| *weight >= 0.0),
            spending_grows: problem
                .items
                .iter()
                .all(|item| item.cost >= 0.0 && item.hours >= 0.0),
        }
    }
}

/// The greedy's best addition so far.
struct Pick {
    /// Items of unknown cost or hours it adds (fewer is better, first).
    unknown: usize,
    /// Newly covered weight per unit of resource.
    ratio: f64,
    /// Newly covered weight.
    gain: f64,
    /// The candidate.
    candidate: usize,
    /// The items it adds, when more than itself.
    added: Option<Vec<usize>>,
    /// Their cost.
    added_cost: f64,
    /// Their hours.
    added_hours: f64,
}

/// What adding a candidate spends, for the greedy ratio.
fn resource(problem: &Problem, cost: f64, hours: f64) -> f64 {
    match (problem.max_cost, problem.max_hours) {
        (Some(max_cost), Some(max_hours)) => {
            let share = |spent: f64, max: f64| if max > 0.0 { spent / max } else { spent };
            share(cost, max_cost) + share(hours, max_hours)
        }
        (None, Some(_)) => hours,
        _ => cost,
    }
}
