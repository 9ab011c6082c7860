//! RankCandidates at scale: generates synthetic candidates in one tenant,
//! then measures upsert throughput, ranking latency, restart time and
//! resident memory. `SKILLMATCH_BENCH_CANDIDATES` sets the pool size
//! (default 100000); run with `cargo bench --bench rank_candidates`.

use rand::rngs::StdRng;
use rand::{Rng as _, SeedableRng};
use std::time::{Duration, Instant};

use skillmatch::auth::Authenticator;
use skillmatch::domain::{
    Candidate, CredentialId, Date, DeclaredCompetency, HeldCredential, Importance, JobPosting,
    RecordId, RequiredCompetency,
};
use skillmatch::engine::{Engine, EngineConfig, JobSource, RankQuery};

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

fn rss_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|line| line.strip_prefix(field))
        .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

fn date(rng: &mut Rng) -> Date {
    let days = Date::parse("2012-01-01").unwrap().days() + rng.below(14 * 365) as i64;
    Date::from_days(days)
}

/// A candidate with ESCO-like counts: 6-20 declared skills, 0-3 credentials
/// (a third of them verified), a short CV naming two skills.
fn synthetic(
    rng: &mut Rng,
    index: usize,
    uris: &[String],
    labels: &[String],
    credentials: &[CredentialId],
) -> Candidate {
    let declared = 6 + rng.below(15);
    let competencies = (0..declared)
        .map(|_| DeclaredCompetency {
            uri: uris[rng.below(uris.len())].clone(),
            last_used: Some(date(rng)),
            proficiency: None,
        })
        .collect();
    let held = (0..rng.below(4))
        .map(|_| HeldCredential {
            credential_id: Some(credentials[rng.below(credentials.len())].clone()),
            title: String::new(),
            issuer: String::new(),
            issued: Some(date(rng)),
            expires: None,
            verified: rng.below(3) == 0,
        })
        .collect();
    let cv_text = format!(
        "Experienced in {} and {}.",
        labels[rng.below(labels.len())],
        labels[rng.below(labels.len())]
    );
    Candidate {
        id: RecordId::parse(&format!("cand-{index:08}")).unwrap(),
        display_name: None,
        credentials: held,
        competencies,
        cv_text,
        cv_competencies: Vec::new(),
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn main() {
    let count: usize = std::env::var("SKILLMATCH_BENCH_CANDIDATES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let dir = tempfile::tempdir().unwrap();
    let config = EngineConfig {
        data_dir: dir.path().to_owned(),
    };
    let tenant = Authenticator::Open
        .authenticate(&tonic::metadata::MetadataMap::new())
        .unwrap();
    let tenant = tenant.tenant().clone();

    let (engine, _) = Engine::open(&config).unwrap();
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
            .map(|i| synthetic(&mut rng, i, &uris, &labels, &credential_ids))
            .collect();
        index += batch.len();
        engine.upsert_candidates(&tenant, batch).unwrap();
    }
    let upsert_secs = started.elapsed().as_secs_f64();
    let rss_loaded = rss_kib("VmRSS:");

    let jobs: Vec<JobPosting> = (0..30)
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
        .collect();
    let as_of = Date::parse("2026-06-01").unwrap();
    let mut latencies: Vec<Duration> = jobs
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
            let outcome = engine.rank_candidates(&tenant, &query).unwrap();
            assert!(!outcome.ranked.is_empty());
            started.elapsed()
        })
        .collect();
    latencies.sort();
    drop(engine);

    let started = Instant::now();
    let (engine, _) = Engine::open(&config).unwrap();
    let restart_secs = started.elapsed().as_secs_f64();
    drop(engine);

    let store_bytes = std::fs::metadata(skillmatch::engine::store_path(dir.path()))
        .map(|m| m.len())
        .unwrap_or(0);
    println!("candidates: {count}");
    println!(
        "upsert: {upsert_secs:.1} s, {:.0} candidates/s (batches of 1000, one durable commit each)",
        count as f64 / upsert_secs
    );
    println!(
        "rank_candidates over all, top 10, explained: p50 {:.1} ms, p95 {:.1} ms, max {:.1} ms ({} jobs)",
        percentile(&latencies, 0.5).as_secs_f64() * 1e3,
        percentile(&latencies, 0.95).as_secs_f64() * 1e3,
        latencies.last().unwrap().as_secs_f64() * 1e3,
        latencies.len()
    );
    println!("restart (open store, rebuild candidate index): {restart_secs:.1} s");
    println!(
        "resident memory after loading: {} MiB (peak {} MiB)",
        rss_loaded / 1024,
        rss_kib("VmHWM:") / 1024
    );
    println!("store file: {} MiB", store_bytes / (1024 * 1024));
}
