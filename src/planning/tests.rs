//! Plan search checked against brute force on random small instances, and
//! gap analysis cases on the sample taxonomy.

use rand::rngs::StdRng;
use rand::{Rng as _, SeedableRng};
use std::cmp::Ordering;

use super::*;
use crate::domain::Importance;
use crate::needs::{CoverageKind, JobNeed, NeedSource};
use crate::taxonomy::load_sample;

/// A seeded generator, so the cases are reproducible.
struct Rng(StdRng);

impl Rng {
    fn seeded(seed: u64) -> Self {
        Self(StdRng::seed_from_u64(seed))
    }

    fn below(&mut self, n: usize) -> usize {
        self.0.random_range(0..n)
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.0.random_range(0..100) < percent
    }
}

struct Shape {
    prerequisites: bool,
    hours_budget: bool,
    stacks: bool,
    /// Some items of unknown cost or hours.
    unknowns: bool,
}

/// A random instance: up to 9 items over up to 6 targets, prerequisites only
/// on earlier items (so no cycles), integer-ish prices.
fn random_problem(rng: &mut Rng, shape: &Shape) -> Problem {
    let targets = 1 + rng.below(6);
    let count = 1 + rng.below(9);
    let target_weights = (0..targets)
        .map(|_| [1.0, 0.5, 0.8][rng.below(3)])
        .collect();
    let mut requires: Vec<Vec<usize>> = Vec::new();
    let mut items: Vec<Item> = Vec::new();
    for index in 0..count {
        let mut covers = Bits::new(targets);
        for target in 0..targets {
            if rng.chance(30) {
                covers.insert(target);
            }
        }
        let direct: Vec<usize> = (0..index)
            .filter(|_| shape.prerequisites && rng.chance(20))
            .collect();
        requires.push(direct);
        let unknown_cost = shape.unknowns && rng.chance(20);
        let unknown_hours = shape.unknowns && rng.chance(10);
        items.push(Item {
            cost: if unknown_cost {
                0.0
            } else {
                (rng.below(10) * 50) as f64
            },
            hours: if unknown_hours {
                0.0
            } else {
                (1 + rng.below(40)) as f64
            },
            unknown_cost,
            unknown_hours,
            covers,
            closure: Vec::new(),
        });
    }
    for (index, item) in items.iter_mut().enumerate() {
        let mut closure = Bits::new(count);
        let mut stack = vec![index];
        while let Some(next) = stack.pop() {
            if !closure.contains(next) {
                closure.insert(next);
                stack.extend(&requires[next]);
            }
        }
        item.closure = closure.iter().collect();
    }
    let candidates = (0..count)
        .filter(|&i| !items[i].covers.is_empty() || rng.chance(10))
        .collect();
    let mut stacks = Vec::new();
    if shape.stacks && count >= 3 {
        for _ in 0..rng.below(3) {
            let mut parts = Bits::new(count);
            for _ in 0..2 + rng.below(2) {
                parts.insert(rng.below(count));
            }
            let bundle = rng.chance(50).then(|| rng.below(count));
            stacks.push(Stack {
                bundle,
                parts: Some(parts),
            });
        }
    }
    let total_cost: f64 = items.iter().map(|i| i.cost).sum();
    let total_hours: f64 = items.iter().map(|i| i.hours).sum();
    Problem {
        target_weights,
        items,
        candidates,
        stacks,
        max_cost: rng
            .chance(80)
            .then(|| (total_cost * rng.below(100) as f64 / 100.0).round()),
        max_hours: (shape.hours_budget && rng.chance(50))
            .then(|| (total_hours * rng.below(100) as f64 / 100.0).round()),
    }
}

/// The best plan over every subset of candidates.
fn brute_force(problem: &Problem) -> Value {
    let n = problem.candidates.len();
    let mut best = problem.empty_selection().value;
    for mask in 0u32..(1 << n) {
        let mut plan = Bits::new(problem.items.len());
        for (bit, &candidate) in problem.candidates.iter().enumerate() {
            if mask & (1 << bit) != 0 {
                plan.insert_all(problem.items[candidate].closure.iter().copied());
            }
        }
        let value = problem.value_of(&plan);
        if problem.fits(value.cost, value.hours) && value.compare(&best) == Ordering::Greater {
            best = value;
        }
    }
    best
}

fn assert_feasible(problem: &Problem, selection: &Selection) {
    let value = problem.value_of(&selection.plan);
    assert_eq!(value.compare(&selection.value), Ordering::Equal);
    assert!(
        problem.fits(value.cost, value.hours),
        "over budget: {value:?}"
    );
    let mut plan = Bits::new(problem.items.len());
    for &candidate in &selection.chosen {
        assert!(problem.candidates.contains(&candidate));
        plan.insert_all(problem.items[candidate].closure.iter().copied());
    }
    assert_eq!(
        plan, selection.plan,
        "the plan is the closure of the chosen"
    );
}

#[test]
fn exact_search_matches_brute_force() {
    let mut rng = Rng::seeded(0x5EED_0001);
    let shape = Shape {
        prerequisites: true,
        hours_budget: true,
        stacks: true,
        unknowns: true,
    };
    for case in 0..400 {
        let problem = random_problem(&mut rng, &shape);
        let found = exact(&problem);
        assert_feasible(&problem, &found);
        let best = brute_force(&problem);
        assert_eq!(
            found.value.compare(&best),
            Ordering::Equal,
            "case {case}: branch and bound {:?} vs brute force {best:?} on {problem:?}",
            found.value
        );
    }
}

#[test]
fn greedy_is_feasible_and_meets_its_bounds_for_a_money_budget_alone() {
    let mut rng = Rng::seeded(0x5EED_0002);
    let shape = Shape {
        prerequisites: false,
        hours_budget: false,
        stacks: false,
        unknowns: false,
    };
    let (full, half) = (1.0 - (-1.0f64).exp(), (1.0 - (-1.0f64).exp()) / 2.0);
    for case in 0..400 {
        let problem = random_problem(&mut rng, &shape);
        let best = brute_force(&problem);
        let enumerated = greedy(&problem, 3);
        let simple = greedy(&problem, 1);
        assert_feasible(&problem, &enumerated);
        assert_feasible(&problem, &simple);
        assert!(
            enumerated.value.weight >= full * best.weight - EPSILON,
            "case {case}: {:?} below (1 - 1/e) of {best:?}",
            enumerated.value
        );
        assert!(
            simple.value.weight >= half * best.weight - EPSILON,
            "case {case}: {:?} below (1 - 1/e)/2 of {best:?}",
            simple.value
        );
    }
}

#[test]
fn greedy_stays_feasible_with_prerequisites_and_hours() {
    let mut rng = Rng::seeded(0x5EED_0003);
    let shape = Shape {
        prerequisites: true,
        hours_budget: true,
        stacks: true,
        unknowns: true,
    };
    for _ in 0..300 {
        let problem = random_problem(&mut rng, &shape);
        let best = brute_force(&problem);
        for seed_size in [1, 3] {
            let found = greedy(&problem, seed_size);
            assert_feasible(&problem, &found);
            assert!(found.value.weight <= best.weight + EPSILON);
        }
    }
}

#[test]
fn solve_picks_the_method_by_candidate_count() {
    let item = |cost: f64| Item {
        cost,
        hours: 1.0,
        covers: {
            let mut b = Bits::new(1);
            b.insert(0);
            b
        },
        unknown_cost: false,
        unknown_hours: false,
        closure: Vec::new(),
    };
    let problem_of = |count: usize| {
        let mut items: Vec<Item> = (0..count).map(|i| item(10.0 + i as f64)).collect();
        for (index, item) in items.iter_mut().enumerate() {
            item.closure = vec![index];
        }
        Problem {
            target_weights: vec![1.0],
            items,
            candidates: (0..count).collect(),
            stacks: Vec::new(),
            max_cost: None,
            max_hours: None,
        }
    };
    for (count, method) in [
        (EXACT_LIMIT, Method::Exact),
        (EXACT_LIMIT + 1, Method::GreedyPartialEnumeration),
        (PARTIAL_ENUMERATION_LIMIT + 1, Method::Greedy),
    ] {
        let (selection, used) = solve(&problem_of(count));
        assert_eq!(used, method);
        assert_eq!(
            selection.chosen,
            [0],
            "the cheapest credential covers the target"
        );
    }
}

const SQL: &str = "http://data.europa.eu/esco/skill/598de5b0-5b58-4ea7-8058-a4bc4d18c742";
const QUERY_LANGUAGES: &str =
    "http://data.europa.eu/esco/skill/9cf681c7-89ec-470c-b651-7fe03786f586";
const DATA_CLEANSING: &str =
    "http://data.europa.eu/esco/skill/50b100ea-74fd-4706-99db-3e4ca55e51b8";
const SPREADSHEETS: &str = "http://data.europa.eu/esco/skill/1973c966-f236-40c9-b2d4-5d71a89019be";

fn need(taxonomy: &crate::taxonomy::Taxonomy, uri: &str) -> JobNeed {
    JobNeed {
        uri: uri.to_owned(),
        idx: taxonomy.idx(uri),
        importance: Importance::Essential,
        source: NeedSource::Explicit,
        weight: 1.0,
    }
}

/// Checks which list the single need lands in and with which evidence.
fn check_gap(held: &[&str], needed: &str, expected: (&str, Option<(&str, CoverageKind)>)) {
    let taxonomy = load_sample().unwrap();
    let held: Vec<HeldCompetency> = held.iter().map(|uri| HeldCompetency::from(*uri)).collect();
    let gap = analyze_gap(&taxonomy, vec![need(&taxonomy, needed)], &held);
    let (list, entry) = [
        ("matched", &gap.matched),
        ("partial", &gap.partial),
        ("missing", &gap.missing),
    ]
    .into_iter()
    .find_map(|(name, entries)| entries.first().map(|e| (name, e)))
    .expect("the need is in one list");
    assert_eq!(gap.matched.len() + gap.partial.len() + gap.missing.len(), 1);
    assert_eq!(list, expected.0, "held {held:?} for {needed}");
    let evidence = entry.held.as_ref().map(|h| (h.uri.as_str(), h.relation));
    assert_eq!(evidence, expected.1, "held {held:?} for {needed}");
}

#[test]
fn gap_cases() {
    check_gap(&[SQL], SQL, ("matched", Some((SQL, CoverageKind::Exact))));
    // Holding a narrower competency evidences the broader need.
    check_gap(
        &[SQL],
        QUERY_LANGUAGES,
        ("matched", Some((SQL, CoverageKind::Narrower))),
    );
    // Holding only the broader competency is partial.
    check_gap(
        &[QUERY_LANGUAGES],
        SQL,
        ("partial", Some((QUERY_LANGUAGES, CoverageKind::Broader))),
    );
    check_gap(
        &[SPREADSHEETS],
        DATA_CLEANSING,
        ("partial", Some((SPREADSHEETS, CoverageKind::Related))),
    );
    // The most direct evidence wins.
    check_gap(
        &[SPREADSHEETS, DATA_CLEANSING],
        DATA_CLEANSING,
        ("matched", Some((DATA_CLEANSING, CoverageKind::Exact))),
    );
    check_gap(&[SPREADSHEETS], SQL, ("missing", None));
    check_gap(&[], "urn:custom:unknown", ("missing", None));
    check_gap(
        &["urn:custom:unknown"],
        "urn:custom:unknown",
        ("matched", Some(("urn:custom:unknown", CoverageKind::Exact))),
    );
}

#[test]
fn the_largest_greedy_instance_is_solved() {
    // 40 candidates over 15 targets, each with a prerequisite: the partial
    // enumeration's worst case in size. Asserts the result, not the time.
    let mut rng = Rng::seeded(0x5EED_0004);
    let (targets, count) = (15, PARTIAL_ENUMERATION_LIMIT);
    let mut items: Vec<Item> = (0..count * 2)
        .map(|index| {
            let mut covers = Bits::new(targets);
            if index < count {
                covers.insert(rng.below(targets));
                covers.insert(rng.below(targets));
            }
            let closure = vec![index];
            Item {
                cost: (1 + rng.below(20)) as f64 * 10.0,
                hours: 5.0,
                unknown_cost: false,
                unknown_hours: false,
                covers,
                closure,
            }
        })
        .collect();
    for (index, item) in items.iter_mut().enumerate().take(count) {
        item.closure.push(count + index);
    }
    let problem = Problem {
        target_weights: vec![1.0; targets],
        items,
        candidates: (0..count).collect(),
        stacks: Vec::new(),
        max_cost: Some(500.0),
        max_hours: None,
    };
    let (selection, method) = solve(&problem);
    assert_eq!(method, Method::GreedyPartialEnumeration);
    assert_feasible(&problem, &selection);
    assert!(selection.value.weight > 0.0);
}
