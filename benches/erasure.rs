//! Erasure latency: DeleteCandidate returns once the key the candidate was
//! sealed with is zeroed in the key file and synced (see
//! `src/store/keys.rs`); the store file is not rewritten, so the latency
//! should not grow with the store. This bench fills a store with synthetic
//! candidates of the shape `benches/rank_candidates.rs` uses, then times
//! deletions one at a time, a burst of concurrent deletions, and a read and
//! an upsert made while a deletion runs.
//!
//! `cargo bench --bench erasure` runs it on 100,000 candidates
//! (`SKILLMATCH_BENCH_CANDIDATES` sets the pool). Without `--bench` (under
//! `cargo test --all-targets`) it runs a smoke version on 2,000.

use std::time::{Duration, Instant};

use rand::SeedableRng;
use rand::rngs::StdRng;

use skillmatch::auth::TenantId;
use skillmatch::domain::{Candidate, CredentialId, RecordId};
use skillmatch::engine::{Engine, EngineConfig};

#[path = "support/candidates.rs"]
mod candidates;

/// Sequential deletions timed.
const SEQUENTIAL: usize = 10;
/// Deletions of the concurrent burst.
const BURST: usize = 8;

/// The candidates of `benches/rank_candidates.rs`, with a display name.
fn synthetic(
    rng: &mut StdRng,
    index: usize,
    uris: &[String],
    labels: &[String],
    credentials: &[CredentialId],
) -> Candidate {
    Candidate {
        display_name: Some(format!("Person {index}")),
        ..candidates::synthetic_candidate(rng, index, uris, labels, credentials)
    }
}

fn fill(engine: &Engine, tenant: &TenantId, count: usize) -> f64 {
    let taxonomy = engine.taxonomy();
    let concepts: Vec<_> = (0..taxonomy.len())
        .map(|i| taxonomy.get(skillmatch::taxonomy::CompetencyIdx(i as u32)))
        .collect();
    let uris: Vec<String> = concepts.iter().map(|c| c.uri.clone()).collect();
    let labels: Vec<String> = concepts.iter().map(|c| c.preferred_label.clone()).collect();
    let (credentials, _) = engine.list_credentials(&Default::default(), None, 10_000);
    let credential_ids: Vec<CredentialId> = credentials.iter().map(|c| c.id.clone()).collect();
    let mut rng = StdRng::seed_from_u64(0x00e7_a5e0_0001);
    let started = Instant::now();
    let mut index = 0;
    while index < count {
        let batch: Vec<Candidate> = (index..(index + 1000).min(count))
            .map(|i| synthetic(&mut rng, i, &uris, &labels, &credential_ids))
            .collect();
        index += batch.len();
        engine.upsert_candidates(tenant, batch).unwrap();
    }
    started.elapsed().as_secs_f64()
}

fn id(index: usize) -> RecordId {
    RecordId::parse(&format!("cand-{index:08}")).unwrap()
}

fn ms(duration: Duration) -> String {
    format!("{:.0} ms", duration.as_secs_f64() * 1e3)
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let count: usize = if full {
        std::env::var("SKILLMATCH_BENCH_CANDIDATES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(100_000)
    } else {
        2_000
    };
    let load = || std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!("loadavg before: {}", load().trim());
    let dir = tempfile::tempdir().unwrap();
    let config = EngineConfig::new(dir.path());
    let tenant = candidates::open_tenant();
    let (engine, _) = Engine::open(&config).unwrap();
    let fill_secs = fill(&engine, &tenant, count);
    let store = skillmatch::engine::store_path(dir.path());
    let store_mib = |path: &std::path::Path| {
        std::fs::metadata(path).map(|m| m.len()).unwrap_or(0) as f64 / (1024.0 * 1024.0)
    };
    let key_file = skillmatch::store::key_file_path(&store);
    println!(
        "candidates: {count}, filled in {fill_secs:.1} s; store file {:.0} MiB, key file {:.1} MiB",
        store_mib(&store),
        store_mib(&key_file)
    );

    // One at a time.
    let mut sequential: Vec<Duration> = (0..SEQUENTIAL)
        .map(|k| {
            let started = Instant::now();
            engine.delete_candidate(&tenant, &id(k * 7)).unwrap();
            started.elapsed()
        })
        .collect();
    sequential.sort();
    println!(
        "DeleteCandidate one at a time ({SEQUENTIAL}): p50 {}, min {}, max {}; store file now {:.0} MiB",
        ms(sequential[SEQUENTIAL / 2]),
        ms(sequential[0]),
        ms(sequential[SEQUENTIAL - 1]),
        store_mib(&store)
    );

    // A burst of concurrent deletions.
    let started = Instant::now();
    let mut burst: Vec<Duration> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..BURST)
            .map(|k| {
                let (engine, tenant) = (&engine, &tenant);
                scope.spawn(move || {
                    let began = Instant::now();
                    engine.delete_candidate(tenant, &id(100 + k * 11)).unwrap();
                    began.elapsed()
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap()).collect()
    });
    let burst_wall = started.elapsed();
    burst.sort();
    println!(
        "{BURST} concurrent DeleteCandidate: all done in {}; each p50 {}, max {}",
        ms(burst_wall),
        ms(burst[BURST / 2]),
        ms(burst[BURST - 1])
    );

    // A read and an upsert while a deletion runs.
    let (read, upsert, delete) = std::thread::scope(|scope| {
        let deletion = scope.spawn(|| {
            let began = Instant::now();
            engine.delete_candidate(&tenant, &id(3)).unwrap();
            began.elapsed()
        });
        std::thread::sleep(Duration::from_millis(1));
        let began = Instant::now();
        engine.candidate(&tenant, &id(5)).unwrap();
        let read = began.elapsed();
        let fresh = Candidate {
            id: id(count + 1),
            display_name: None,
            credentials: Vec::new(),
            competencies: Vec::new(),
            cv_text: "Writes SQL reports.".to_owned(),
            cv_competencies: Vec::new(),
        };
        let began = Instant::now();
        engine.upsert_candidates(&tenant, vec![fresh]).unwrap();
        let upsert = began.elapsed();
        (read, upsert, deletion.join().unwrap())
    });
    println!(
        "during a deletion ({}): GetCandidate {:.2} ms, UpsertCandidate {}",
        ms(delete),
        read.as_secs_f64() * 1e3,
        ms(upsert)
    );
    println!("loadavg after: {}", load().trim());
}
