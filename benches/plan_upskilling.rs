//! PlanUpskilling on realistic gaps: the essential skills of real ESCO
//! occupations (`../shared/data/esco-v1.1.1`) as the job, a seeded third of
//! them held, planned over the embedded catalogue and then over the embedded
//! catalogue plus 100,000 synthetic credentials (the generator of the
//! MatchCredentials bench).
//!
//! Run: `cargo bench --bench plan_upskilling`. Under `cargo test` (no
//! `--bench` argument) it plans a few gaps over 2,000 synthetic credentials.
//!
//! Environment: `PLAN_DUMP=<file>` writes every plan to the file (to check
//! that a change leaves plans unchanged); `PLAN_GAPS=<n>` plans `n` gaps
//! instead of 200; `PLAN_LARGE_ONLY=1` skips the embedded catalogue (for
//! profiling the large one).

#[path = "support/synthetic.rs"]
mod synthetic;

use std::fmt::Write as _;
use std::path::Path;
use std::time::Instant;

use rand::rngs::StdRng;
use rand::{Rng as _, SeedableRng};
use skillmatch::domain::{DeliveryMode, Importance, JobPosting, Money, RequiredCompetency};
use skillmatch::engine::{Engine, EngineConfig};
use skillmatch::planning::{GapQuery, HeldCompetency, Method, Plan, PlanConstraints};
use skillmatch::taxonomy::InstalledTaxonomies;
use skillmatch::taxonomy::import::read_esco_part;

/// Synthetic credentials and gaps: full under `cargo bench`, small under
/// `cargo test`; `PLAN_GAPS` sets the number of gaps.
fn sizes() -> (usize, usize) {
    let (synthetic, gaps) = if std::env::args().any(|arg| arg == "--bench") {
        (100_000, 200)
    } else {
        (2_000, 5)
    };
    let gaps = std::env::var("PLAN_GAPS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(gaps);
    (synthetic, gaps)
}

/// Whether `PLAN_LARGE_ONLY` asks to skip the embedded catalogue.
fn large_only() -> bool {
    std::env::var_os("PLAN_LARGE_ONLY").is_some()
}

/// Every plan as text, for `PLAN_DUMP`: one block per gap and constraint set.
#[derive(Default)]
struct PlanDump {
    text: String,
}

impl PlanDump {
    /// Appends one plan: method, steps with costs and hours, covered and
    /// uncovered targets, totals and completed stacks (floats exactly).
    fn record(&mut self, catalogue: &str, constraints: &str, gap: usize, plan: &Plan) {
        let text = &mut self.text;
        let _ = writeln!(text, "## {catalogue} | {constraints} | gap {gap}");
        let _ = writeln!(text, "method {:?}", plan.method);
        for step in &plan.steps {
            let _ = writeln!(
                text,
                "step {} cost {:?} hours {:?} prerequisite {} required_by {:?} covers {:?}",
                step.credential.id,
                step.cost.map(|money| money.amount),
                step.hours,
                step.added_as_prerequisite,
                step.required_by
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>(),
                step.covers,
            );
        }
        for covered in &plan.covered {
            let _ = writeln!(
                text,
                "covered {} by {}",
                covered.need.uri, covered.credential
            );
        }
        for uncovered in &plan.uncovered {
            let _ = writeln!(
                text,
                "uncovered {} {:?}",
                uncovered.need.uri, uncovered.reason
            );
        }
        let _ = writeln!(
            text,
            "total cost {:?} hours {:?} unknown cost {} unknown hours {}",
            plan.total_cost.amount,
            plan.total_hours,
            plan.unknown_cost.len(),
            plan.unknown_hours.len(),
        );
        for stack in &plan.stacks {
            let _ = writeln!(
                text,
                "stack {} by parts {} parts cost {:?} bundle cost {:?}",
                stack.credential.id, stack.by_parts, stack.parts_cost, stack.bundle_cost,
            );
        }
    }
}

/// Gaps: for seeded occupations with at least 5 essential skills, the job
/// needs every essential skill (explicitly, as essential) and the person
/// holds a seeded third of them. `teachable` keeps occupations of which some
/// essential skill is in `taught` (so the embedded catalogue sees real work).
fn gaps(engine: &Engine, count: usize, teachable: &dyn Fn(&str) -> bool) -> Vec<GapQuery> {
    let mut rng = StdRng::seed_from_u64(11);
    let occupations: Vec<_> = engine
        .taxonomy()
        .occupations()
        .iter()
        .filter(|o| o.essential.len() >= 5 && o.essential.iter().any(|u| teachable(u)))
        .collect();
    (0..count)
        .map(|_| {
            let occupation = occupations[rng.random_range(0..occupations.len())];
            let held = occupation
                .essential
                .iter()
                .filter(|_| rng.random_range(0..3) == 0)
                .map(|uri| HeldCompetency::from(uri.as_str()))
                .collect();
            let job = JobPosting {
                competencies: occupation
                    .essential
                    .iter()
                    .map(|uri| RequiredCompetency {
                        uri: uri.clone(),
                        importance: Importance::Essential,
                        min_proficiency: None,
                    })
                    .collect(),
                ..JobPosting::default()
            };
            GapQuery { held, job }
        })
        .collect()
}

fn constraint_sets() -> Vec<(&'static str, PlanConstraints)> {
    vec![
        ("no limits", PlanConstraints::default()),
        (
            "<= 1000 EUR, <= 120 h",
            PlanConstraints {
                max_total_cost: Some(Money::new(1000.0, "EUR").expect("money")),
                max_total_hours: Some(120.0),
                ..PlanConstraints::default()
            },
        ),
        (
            "online, assessed, <= 500 EUR",
            PlanConstraints {
                max_total_cost: Some(Money::new(500.0, "EUR").expect("money")),
                delivery_modes: vec![DeliveryMode::Online],
                require_assessed: true,
                ..PlanConstraints::default()
            },
        ),
    ]
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn run(engine: &Engine, catalogue: &str, gaps: &[GapQuery], dump: &mut PlanDump) {
    for (name, constraints) in constraint_sets() {
        let mut latencies = Vec::with_capacity(gaps.len());
        let (mut exact, mut partial, mut greedy) = (0, 0, 0);
        let (mut missing, mut covered) = (0usize, 0usize);
        for (position, gap) in gaps.iter().enumerate() {
            let started = Instant::now();
            let plan = engine.plan_upskilling(gap, &constraints).expect("plan");
            latencies.push(started.elapsed().as_secs_f64() * 1000.0);
            dump.record(catalogue, name, position, &plan);
            match plan.method {
                Method::Exact => exact += 1,
                Method::GreedyPartialEnumeration => partial += 1,
                Method::Greedy => greedy += 1,
            }
            missing += plan.covered.len() + plan.uncovered.len();
            covered += plan.covered.len();
        }
        latencies.sort_by(f64::total_cmp);
        println!(
            "PlanUpskilling, {catalogue}, {name}: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms over {} gaps; \
             methods exact {exact} / partial enumeration {partial} / greedy {greedy}; \
             {:.1} missing per gap, {:.0} % of them covered",
            percentile(&latencies, 0.5),
            percentile(&latencies, 0.99),
            latencies[latencies.len() - 1],
            gaps.len(),
            missing as f64 / gaps.len() as f64,
            100.0 * covered as f64 / missing.max(1) as f64,
        );
    }
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .unwrap_or_default()
        .trim()
        .to_owned()
}

fn main() {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data");
    if !data.exists() {
        eprintln!("skipping: {} is absent", data.display());
        return;
    }
    let (synthetic_count, gap_count) = sizes();
    let dir = tempfile::tempdir().expect("tempdir");
    let part = read_esco_part(&data.join("esco-v1.1.1"), "v1.1.1").expect("ESCO release");
    InstalledTaxonomies::new(dir.path())
        .install(&part)
        .expect("ESCO stored");
    let (engine, _) = Engine::open(&EngineConfig::new(dir.path())).expect("engine");
    println!("load before: {}", loadavg());

    let mut dump = PlanDump::default();
    let catalog = engine.catalog();
    if !large_only() {
        let embedded = gaps(&engine, gap_count, &|uri| {
            !catalog.teaching_any(std::iter::once(uri)).is_empty()
        });
        run(&engine, "embedded catalogue (99)", &embedded, &mut dump);
    }

    let credentials = synthetic::synthetic_catalogue(engine.taxonomy(), synthetic_count);
    let started = Instant::now();
    catalog.upsert(credentials).expect("upsert");
    println!(
        "added {synthetic_count} synthetic credentials in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let every = gaps(&engine, gap_count, &|_| true);
    let label = format!("embedded + {synthetic_count} synthetic");
    run(&engine, &label, &every, &mut dump);
    println!("load after: {}", loadavg());
    if let Some(path) = std::env::var_os("PLAN_DUMP") {
        std::fs::write(&path, &dump.text).expect("plan dump written");
    }
}
