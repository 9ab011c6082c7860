//! MatchCredentials over a synthetic catalogue of 100,000 credentials built
//! from ESCO competencies (`../shared/data/esco-v1.1.1`), queried with real
//! postings (`../shared/data/hahu-jobs-esco/hahu_dev.csv`).
//!
//! Run: `cargo bench --bench match_credentials` (prints p50/p99 and load).
//! Under `cargo test` (no `--bench` argument) it runs a small smoke version.
//! It times the indexed path (what the service runs) and the exhaustive path
//! (the implementation before it) on the same catalogue and postings.
//! Environment: `SKILLMATCH_BENCH_QUERIES` (query count),
//! `SKILLMATCH_BENCH_PATH` (`indexed` or `exhaustive`: time one path only),
//! `SKILLMATCH_BENCH_PAUSE_SECS` (pause before the queries), `PHASES=1`
//! (also time extraction and BM25 alone), `SKILLMATCH_BENCH_NO_VECTORS=1`
//! (no catalogue embedder: credential and job texts are not embedded and the
//! vector score is 0, as before it existed), `SKILLMATCH_BENCH_DUMP=FILE`
//! (write every query's page, ids and score bits, to FILE, to compare the
//! results of two builds with `cmp`).

#[path = "support/postings.rs"]
mod postings;
#[path = "support/synthetic.rs"]
mod synthetic;

use std::fmt::Write as _;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use skillmatch::catalog::{Catalog, CredentialFilter};
use skillmatch::domain::{DeliveryMode, Money, TaxonomyVersion};
use skillmatch::embed::default_embedder;
use skillmatch::extract::Extractor;
use skillmatch::matching::{
    MatchOutcome, MatchQuery, match_credentials, match_credentials_exhaustive,
};
use skillmatch::store::Store;
use skillmatch::taxonomy::{Taxonomy, esco::read_esco_dir};

/// Catalogue size and query count: full under `cargo bench`, small under
/// `cargo test`; `SKILLMATCH_BENCH_QUERIES` overrides the query count (e.g.
/// for a short run under callgrind).
fn sizes() -> (usize, usize) {
    let (credentials, queries) = if std::env::args().any(|arg| arg == "--bench") {
        (100_000, 200)
    } else {
        (2_000, 5)
    };
    let queries = std::env::var("SKILLMATCH_BENCH_QUERIES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(queries);
    (credentials, queries)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn main() {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data");
    if !data.exists() {
        eprintln!("skipping: {} is absent", data.display());
        return;
    }
    let release = read_esco_dir(&data.join("esco-v1.1.1")).expect("ESCO release");
    let taxonomy = Arc::new(
        Taxonomy::build(
            TaxonomyVersion {
                id: "esco".into(),
                version: "v1.1.1".into(),
            },
            release.competencies,
            release.occupations,
        )
        .expect("taxonomy"),
    );
    let extractor = Extractor::new(&taxonomy);
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Arc::new(Store::open(&dir.path().join("bench.redb")).expect("store"));
    let (catalog, _) =
        Catalog::open(store, taxonomy.clone(), &dir.path().join("index"), "").expect("catalog");
    let catalog = if std::env::var_os("SKILLMATCH_BENCH_NO_VECTORS").is_some() {
        catalog
    } else {
        catalog.with_embedder(default_embedder())
    };
    let (catalogue_size, queries) = sizes();
    let credentials = synthetic::synthetic_catalogue(&taxonomy, catalogue_size);
    let started = Instant::now();
    catalog.upsert(credentials).expect("upsert");
    let indexing = started.elapsed();

    let jobs = postings::hahu_postings(&data);
    let filters = [
        ("no filter", CredentialFilter::default()),
        (
            "online, <= 500 EUR, assessed",
            CredentialFilter {
                max_cost: Some(Money::new(500.0, "EUR").expect("money")),
                delivery_modes: vec![DeliveryMode::Online],
                require_assessed: true,
                ..CredentialFilter::default()
            },
        ),
    ];
    println!(
        "catalogue: {catalogue_size} credentials indexed in {:.1} s",
        indexing.as_secs_f64()
    );
    println!(
        "load: {}",
        std::fs::read_to_string("/proc/loadavg")
            .unwrap_or_default()
            .trim()
    );
    if std::env::var_os("PHASES").is_some() {
        let t = Instant::now();
        for job in jobs.iter().take(50) {
            std::hint::black_box(skillmatch::needs::job_needs(&taxonomy, &extractor, job));
        }
        println!(
            "phase job_needs: {:.2} ms",
            t.elapsed().as_secs_f64() * 1000.0 / 50.0
        );
        let t = Instant::now();
        for job in jobs.iter().take(50) {
            std::hint::black_box(catalog.text_search(&job.text(), 100).expect("search"));
        }
        println!(
            "phase text_search: {:.2} ms",
            t.elapsed().as_secs_f64() * 1000.0 / 50.0
        );
        let t = Instant::now();
        let mut total = 0;
        for job in jobs.iter().take(50) {
            let needs = skillmatch::needs::job_needs(&taxonomy, &extractor, job);
            let uris: Vec<String> = needs.iter().map(|n| n.uri.clone()).collect();
            total += catalog.teaching_any(uris.iter().map(String::as_str)).len();
        }
        println!(
            "phase needs+teaching_any: {:.2} ms ({} candidates/job)",
            t.elapsed().as_secs_f64() * 1000.0 / 50.0,
            total / 50
        );
    }
    let paths: [(&str, MatchPath); 2] = [
        ("indexed", match_credentials),
        ("exhaustive (before)", match_credentials_exhaustive),
    ];
    let only = std::env::var("SKILLMATCH_BENCH_PATH").ok();
    let dump_path = std::env::var_os("SKILLMATCH_BENCH_DUMP");
    let mut dump = String::new();
    // A pause before the queries, e.g. to switch callgrind's instrumentation
    // on (`callgrind_control -i on PID`) after the catalogue is built.
    if let Some(seconds) = std::env::var("SKILLMATCH_BENCH_PAUSE_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
    {
        println!("pausing {seconds} s");
        std::thread::sleep(std::time::Duration::from_secs(seconds));
    }
    for (name, filter) in filters {
        for (path_name, path) in paths {
            if only
                .as_deref()
                .is_some_and(|only| !path_name.starts_with(only))
            {
                continue;
            }
            let mut latencies: Vec<f64> = jobs
                .iter()
                .cycle()
                .take(queries)
                .enumerate()
                .map(|(number, job)| {
                    let query = MatchQuery {
                        job: job.clone(),
                        filter: filter.clone(),
                        top_k: 10,
                        offset: 0,
                    };
                    let started = Instant::now();
                    let outcome = path(&taxonomy, &extractor, &catalog, &query).expect("match");
                    let elapsed = started.elapsed().as_secs_f64() * 1000.0;
                    if dump_path.is_some() {
                        write_page(
                            &mut dump,
                            &format!("{path_name} / {name} / {number}"),
                            &outcome,
                        );
                    }
                    std::hint::black_box(outcome);
                    elapsed
                })
                .collect();
            latencies.sort_by(f64::total_cmp);
            println!(
                "MatchCredentials, {path_name} ({name}): p50 {:.2} ms, p99 {:.2} ms over {queries} real postings",
                percentile(&latencies, 0.5),
                percentile(&latencies, 0.99)
            );
        }
    }
    if let Some(dump_path) = dump_path {
        std::fs::write(dump_path, dump).expect("write the dump");
    }
    println!(
        "load after: {}",
        std::fs::read_to_string("/proc/loadavg")
            .unwrap_or_default()
            .trim()
    );
}

/// One line per match of a query's page: the query, rank, id, score and its
/// parts as exact bits, then whether more follow.
fn write_page(dump: &mut String, query: &str, outcome: &MatchOutcome) {
    for (rank, found) in outcome.matches.iter().enumerate() {
        let parts = found.components;
        let _ = writeln!(
            dump,
            "{query} #{rank} {} {:016x} coverage {:016x} text {:016x} vector {:016x} boost {:016x}",
            found.credential.id,
            found.score.to_bits(),
            parts.coverage.to_bits(),
            parts.text.to_bits(),
            parts.vector.to_bits(),
            parts.quality_boost.to_bits(),
        );
    }
    let _ = writeln!(dump, "{query} more {}", outcome.more);
}

/// A matching path: the indexed one the service runs, or the exhaustive oracle.
type MatchPath = fn(
    &Taxonomy,
    &Extractor,
    &Catalog,
    &MatchQuery,
) -> Result<MatchOutcome, skillmatch::catalog::CatalogError>;
