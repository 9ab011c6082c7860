//! Resident memory of one process holding everything TARGETS.md names at
//! once: ESCO and O*NET imported (with their concept vectors), a catalogue
//! of 100,000 credentials and 1,000,000 candidates in one tenant.
//!
//! Two processes, so the figure is a server's and not the filler's: this
//! binary fills a data directory through the engine (the same calls the
//! RPCs make), closes it, then runs itself again with `--open DIR`, which
//! opens the directory as `serve` does, answers a few RankCandidates and
//! MatchCredentials calls and prints its VmRSS and VmHWM.
//!
//!     SKILLMATCH_BENCH_CANDIDATES=1000000 SKILLMATCH_BENCH_CREDENTIALS=100000 \
//!       cargo bench --bench joint_memory
//!
//! Without `--bench` (as `cargo test --all-targets` runs it) it is a smoke run
//! over 500 candidates and 100 credentials; without ../shared/data it
//! skips with a message.

use std::path::{Path, PathBuf};
use std::time::Instant;

use rand::SeedableRng;
use rand::rngs::StdRng;

#[path = "support/candidates.rs"]
mod candidates;
#[path = "support/machine.rs"]
mod machine;

use machine::{loadavg, status_kib};
#[path = "support/postings.rs"]
mod postings;
#[path = "support/synthetic.rs"]
mod synthetic;

use skillmatch::domain::{CredentialBatch, CredentialId, Date};
use skillmatch::embed::default_embedder;
use skillmatch::engine::{Engine, EngineConfig, JobSource, RankQuery};
use skillmatch::matching::MatchQuery;
use skillmatch::taxonomy::CompetencyIdx;
use skillmatch::taxonomy::import::{install_release, read_esco_part, read_onet_part};

fn rss_mib(field: &str) -> u64 {
    status_kib(field) / 1024
}

fn count(name: &str, full: usize, smoke: usize, bench: bool) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if bench { full } else { smoke })
}

/// Imports ESCO and O*NET (crosswalk-linked) as `skillmatch import` does.
fn import(data: &Path, dir: &Path) {
    let embedder = default_embedder();
    let esco = read_esco_part(&data.join("esco-v1.1.1"), "v1.1.1").expect("ESCO");
    install_release(dir, &esco, embedder.as_ref()).expect("install ESCO");
    let onet = read_onet_part(
        &data.join("onet-29.3"),
        "29.3",
        Some(&data.join("esco-onet-crosswalk/crosswalk_esco_onet.csv")),
    )
    .expect("O*NET");
    install_release(dir, &onet, embedder.as_ref()).expect("install O*NET");
}

fn fill(engine: &Engine, credential_count: usize, candidate_count: usize) {
    let taxonomy = engine.taxonomy();
    let started = Instant::now();
    let catalogue = synthetic::synthetic_catalogue(taxonomy, credential_count);
    let ids: Vec<CredentialId> = catalogue.iter().map(|c| c.id.clone()).collect();
    for chunk in catalogue.chunks(1_000) {
        let batch = CredentialBatch::new(chunk.to_vec()).expect("batch");
        engine
            .upsert_credentials(batch)
            .expect("upsert credentials");
    }
    println!(
        "{credential_count} credentials stored in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let concepts: Vec<_> = (0..taxonomy.len())
        .map(|i| taxonomy.get(CompetencyIdx(i as u32)))
        .collect();
    let uris: Vec<String> = concepts.iter().map(|c| c.uri.clone()).collect();
    let labels: Vec<String> = concepts.iter().map(|c| c.preferred_label.clone()).collect();
    let tenant = candidates::open_tenant();
    let mut rng = StdRng::seed_from_u64(0x00be_7c40_0001);
    let started = Instant::now();
    let mut index = 0;
    while index < candidate_count {
        let batch = (index..(index + 1_000).min(candidate_count))
            .map(|i| candidates::synthetic_candidate(&mut rng, i, &uris, &labels, &ids))
            .collect::<Vec<_>>();
        index += batch.len();
        engine
            .upsert_candidates(&tenant, batch)
            .expect("upsert candidates");
    }
    println!(
        "{candidate_count} candidates stored in {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

/// The second process: open as `serve` does, answer calls, report memory.
fn serve_and_measure(dir: &Path, data: &Path) {
    let started = Instant::now();
    let (engine, report) = Engine::open(&EngineConfig::new(dir)).expect("open");
    println!(
        "opened in {:.2} s (candidate snapshot loaded: {}); {} competencies",
        started.elapsed().as_secs_f64(),
        report.candidate_snapshot_loaded,
        engine.taxonomy().len()
    );
    println!("after open: VmRSS {} MiB", rss_mib("VmRSS:"));
    let tenant = candidates::open_tenant();
    let as_of = Date::parse("2026-06-01").unwrap();
    let mut ranked = 0;
    let mut matched = 0;
    for job in postings::hahu_postings(data).into_iter().take(20) {
        let query = RankQuery {
            job: JobSource::Inline(job.clone()),
            candidate_ids: Vec::new(),
            top_k: 10,
            as_of,
            with_names: true,
        };
        ranked += engine
            .rank_candidates(&tenant, &query)
            .expect("rank")
            .ranked
            .len();
        let query = MatchQuery {
            job,
            filter: Default::default(),
            top_k: 10,
            offset: 0,
        };
        matched += engine
            .match_credentials(&query)
            .expect("match")
            .matches
            .len();
    }
    println!("answered: {ranked} candidates ranked, {matched} credentials matched");
    println!(
        "serving process: VmRSS {} MiB, VmHWM {} MiB (load {})",
        rss_mib("VmRSS:"),
        rss_mib("VmHWM:"),
        loadavg()
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let data = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data");
    if !data.join("esco-v1.1.1").exists() {
        eprintln!("skipping: {} is absent", data.display());
        return;
    }
    if let Some(at) = args.iter().position(|a| a == "--open") {
        serve_and_measure(Path::new(&args[at + 1]), &data);
        return;
    }
    let bench = args.iter().any(|a| a == "--bench");
    let credential_count = count("SKILLMATCH_BENCH_CREDENTIALS", 100_000, 100, bench);
    let candidate_count = count("SKILLMATCH_BENCH_CANDIDATES", 1_000_000, 500, bench);
    println!("load before: {}", loadavg());
    let dir = tempfile::tempdir().expect("tempdir");
    let started = Instant::now();
    import(&data, dir.path());
    println!(
        "ESCO + O*NET imported in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    {
        let (engine, _) = Engine::open(&EngineConfig::new(dir.path())).expect("open");
        fill(&engine, credential_count, candidate_count);
        println!("filling process: VmHWM {} MiB", rss_mib("VmHWM:"));
    }
    let status = std::process::Command::new(std::env::current_exe().expect("own path"))
        .arg("--open")
        .arg(dir.path())
        .status()
        .expect("second process");
    assert!(status.success(), "the serving process failed: {status}");
}
