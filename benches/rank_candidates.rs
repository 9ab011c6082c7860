//! RankCandidates at scale: generates synthetic candidates in one tenant,
//! then measures upsert throughput, ranking latency (the engine call, and the
//! posting-list index against the full scan it replaced, in the same run),
//! restart time (from the index snapshot, and rebuilding from the store) and
//! resident memory. `SKILLMATCH_BENCH_CANDIDATES` sets the pool size
//! (default 100000); run with `cargo bench --bench rank_candidates`. Without
//! `--bench` (as `cargo test --all-targets` runs it) it is a smoke run over
//! 2,000 candidates.

use rand::rngs::StdRng;
use rand::{Rng as _, SeedableRng};
use std::time::{Duration, Instant};

#[path = "support/candidates.rs"]
mod candidates;
#[path = "support/machine.rs"]
mod machine;

use machine::{loadavg, status_kib};

use candidates::synthetic_candidate;
use skillmatch::auth::TenantId;
use skillmatch::domain::{
    Candidate, CredentialId, Date, Importance, JobPosting, RecordId, RequiredCompetency,
};
use skillmatch::engine::{CANDIDATE_SNAPSHOT_FILE, Engine, EngineConfig, JobSource, RankQuery};
use skillmatch::needs::job_needs;
use skillmatch::ranking::{
    CandidateIndex, JobPlan, MemoryCandidateIndex, Pool, ScanCandidateIndex, build_profile,
};

/// A seeded generator, so every run sees the same pool.
struct Rng(StdRng);

impl Rng {
    fn seeded(seed: u64) -> Self {
        Self(StdRng::seed_from_u64(seed))
    }

    fn below(&mut self, n: usize) -> usize {
        self.0.random_range(0..n)
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e3
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn open(config: &EngineConfig) -> (Engine, bool, f64) {
    let started = Instant::now();
    let (engine, report) = Engine::open(config).unwrap();
    (
        engine,
        report.candidate_snapshot_loaded,
        started.elapsed().as_secs_f64(),
    )
}

/// Seeded jobs of 5-10 explicit competencies.
fn jobs(rng: &mut Rng, uris: &[String], count: usize) -> Vec<JobPosting> {
    (0..count)
        .map(|_| JobPosting {
            competencies: (0..5 + rng.below(6))
                .map(|k| RequiredCompetency {
                    uri: uris[rng.below(uris.len())].clone(),
                    importance: if k < 4 {
                        Importance::Essential
                    } else {
                        Importance::Optional
                    },
                    min_proficiency: None,
                })
                .collect(),
            ..JobPosting::default()
        })
        .collect()
}

/// Ranks every job `rounds` times through the engine; the latencies of each
/// round, sorted, and the ids ranked for each job.
fn rank_rounds(
    engine: &Engine,
    tenant: &TenantId,
    jobs: &[JobPosting],
    as_of: Date,
    rounds: usize,
) -> (Vec<Vec<Duration>>, Vec<Vec<String>>) {
    let mut ranked = Vec::new();
    let latencies = (0..rounds)
        .map(|_| {
            ranked.clear();
            let mut round: Vec<Duration> = jobs
                .iter()
                .map(|job| {
                    let query = RankQuery {
                        job: JobSource::Inline(job.clone()),
                        candidate_ids: Vec::new(),
                        top_k: 10,
                        as_of,
                        with_names: true,
                    };
                    let started = Instant::now();
                    let outcome = engine.rank_candidates(tenant, &query).unwrap();
                    let elapsed = started.elapsed();
                    assert!(!outcome.ranked.is_empty());
                    ranked.push(
                        outcome
                            .ranked
                            .iter()
                            .map(|r| r.profile.id.to_string())
                            .collect(),
                    );
                    elapsed
                })
                .collect();
            round.sort();
            round
        })
        .collect();
    (latencies, ranked)
}

/// The posting-list index and the full scan it replaced, built from the
/// same stored candidates, timed on the same plans, interleaved; their
/// results must be identical. Returns the median per-query milliseconds of
/// each (posting lists, scan) per round.
fn index_rounds(
    engine: &Engine,
    tenant: &TenantId,
    jobs: &[JobPosting],
    as_of: Date,
    rounds: usize,
) -> Vec<(f64, f64)> {
    let taxonomy = engine.taxonomy();
    let fast = MemoryCandidateIndex::new(taxonomy.len());
    let scan = ScanCandidateIndex::new(taxonomy.len());
    let mut after: Option<RecordId> = None;
    loop {
        let (page, more) = engine
            .list_candidates(tenant, after.as_ref(), 5000)
            .unwrap();
        for candidate in &page {
            let profile = build_profile(taxonomy, engine.extractor(), engine.catalog(), candidate);
            fast.put(tenant, &profile);
            scan.put(tenant, &profile);
        }
        after = page.last().map(|c| c.id.clone());
        if !more {
            break;
        }
    }
    let plans: Vec<JobPlan> = jobs
        .iter()
        .map(|job| {
            let needs = job_needs(taxonomy, engine.extractor(), job);
            JobPlan::new(taxonomy, job, &needs, as_of)
        })
        .collect();
    (0..rounds)
        .map(|_| {
            let mut fast_ms = Vec::new();
            let mut scan_ms = Vec::new();
            for plan in &plans {
                let started = Instant::now();
                let a = fast.top(tenant, plan, Pool::WithEvidence, 10);
                fast_ms.push(ms(started.elapsed()));
                let started = Instant::now();
                let b = scan.top(tenant, plan, Pool::WithEvidence, 10);
                scan_ms.push(ms(started.elapsed()));
                assert_eq!(a, b, "the posting lists rank as the full scan");
            }
            (median(fast_ms), median(scan_ms))
        })
        .collect()
}

fn main() {
    let full = std::env::args().any(|arg| arg == "--bench");
    let count: usize = std::env::var("SKILLMATCH_BENCH_CANDIDATES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if full { 100_000 } else { 2_000 });
    let (job_count, rounds) = if full { (30, 3) } else { (5, 1) };
    println!("load before: {}", loadavg());
    let dir = tempfile::tempdir().unwrap();
    let config = EngineConfig::new(dir.path());
    let tenant = candidates::open_tenant();

    let (engine, _, _) = open(&config);
    let taxonomy = engine.taxonomy();
    let uris: Vec<String> = (0..taxonomy.len())
        .map(|i| {
            taxonomy
                .get(skillmatch::taxonomy::CompetencyIdx(i as u32))
                .uri
                .clone()
        })
        .collect();
    let labels: Vec<String> = (0..taxonomy.len())
        .map(|i| {
            taxonomy
                .get(skillmatch::taxonomy::CompetencyIdx(i as u32))
                .preferred_label
                .clone()
        })
        .collect();
    let (credentials, _) = engine.list_credentials(&Default::default(), None, 10_000);
    let credential_ids: Vec<CredentialId> = credentials.iter().map(|c| c.id.clone()).collect();

    let mut rng = Rng::seeded(0x00be_7c40_0001);
    let started = Instant::now();
    let mut index = 0;
    while index < count {
        let batch: Vec<Candidate> = (index..(index + 1000).min(count))
            .map(|i| synthetic_candidate(&mut rng.0, i, &uris, &labels, &credential_ids))
            .collect();
        index += batch.len();
        engine.upsert_candidates(&tenant, batch).unwrap();
    }
    let upsert_secs = started.elapsed().as_secs_f64();
    let rss_loaded = status_kib("VmRSS:");
    let hwm_loaded = status_kib("VmHWM:");

    let jobs = jobs(&mut rng, &uris, job_count);
    let as_of = Date::parse("2026-06-01").unwrap();
    let (latencies, ranked) = rank_rounds(&engine, &tenant, &jobs, as_of, rounds);
    let index_ms = index_rounds(&engine, &tenant, &jobs, as_of, rounds);

    let started = Instant::now();
    drop(engine);
    let close_secs = started.elapsed().as_secs_f64();
    let snapshot = dir.path().join(CANDIDATE_SNAPSHOT_FILE);
    let snapshot_bytes = std::fs::metadata(&snapshot).map(|m| m.len()).unwrap_or(0);

    let mut from_snapshot = Vec::new();
    for _ in 0..rounds {
        let (engine, loaded, secs) = open(&config);
        assert!(loaded, "the snapshot written at close is current");
        from_snapshot.push(secs);
        let (_, again) = rank_rounds(&engine, &tenant, &jobs, as_of, 1);
        assert_eq!(again, ranked, "a loaded snapshot ranks as before");
    }
    let mut rebuilt = Vec::new();
    for _ in 0..rounds {
        std::fs::remove_file(&snapshot).unwrap();
        let (engine, loaded, secs) = open(&config);
        assert!(!loaded, "without a snapshot the index is rebuilt");
        rebuilt.push(secs);
        drop(engine);
    }

    let store_bytes = std::fs::metadata(skillmatch::engine::store_path(dir.path()))
        .map(|m| m.len())
        .unwrap_or(0);
    println!("candidates: {count}");
    println!(
        "upsert: {upsert_secs:.1} s, {:.0} candidates/s (batches of 1000, one durable commit each)",
        count as f64 / upsert_secs
    );
    for (round, sorted) in latencies.iter().enumerate() {
        println!(
            "rank_candidates round {round}, top 10, explained: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms ({} jobs)",
            ms(percentile(sorted, 0.5)),
            ms(percentile(sorted, 0.99)),
            ms(*sorted.last().unwrap()),
            sorted.len()
        );
    }
    let p50s: Vec<f64> = latencies.iter().map(|s| ms(percentile(s, 0.5))).collect();
    let p99s: Vec<f64> = latencies.iter().map(|s| ms(percentile(s, 0.99))).collect();
    println!(
        "rank_candidates median over rounds: p50 {:.1} ms, p99 {:.1} ms",
        median(p50s),
        median(p99s)
    );
    for (round, (fast, scan)) in index_ms.iter().enumerate() {
        println!(
            "index top 10, round {round}: posting lists {fast:.2} ms, full scan {scan:.2} ms (median per job; x{:.1})",
            scan / fast
        );
    }
    let fast = median(index_ms.iter().map(|r| r.0).collect());
    let scan = median(index_ms.iter().map(|r| r.1).collect());
    println!(
        "index top 10, median over rounds: posting lists {fast:.2} ms, full scan {scan:.2} ms, x{:.1}",
        scan / fast
    );
    println!(
        "close (writes the snapshot): {close_secs:.2} s; snapshot file {} MiB",
        snapshot_bytes / (1024 * 1024)
    );
    println!(
        "restart from the snapshot: median {:.2} s (runs {from_snapshot:.2?})",
        median(from_snapshot.clone())
    );
    println!(
        "restart rebuilding from the store (and writing the snapshot): median {:.2} s (runs {rebuilt:.2?}); x{:.1}",
        median(rebuilt.clone()),
        median(rebuilt.clone()) / median(from_snapshot.clone())
    );
    println!(
        "resident memory after loading: {} MiB (peak then {} MiB; peak of the whole run {} MiB)",
        rss_loaded / 1024,
        hwm_loaded / 1024,
        status_kib("VmHWM:") / 1024
    );
    println!("store file: {} MiB", store_bytes / (1024 * 1024));
    println!("load after: {}", loadavg());
}
