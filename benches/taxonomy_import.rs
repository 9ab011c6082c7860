//! Taxonomy import and restart: full ESCO import time (read the CSV release,
//! store the snapshot), O*NET import with the crosswalk, restart time of the
//! engine over a data directory holding them (concept vectors of the default
//! embedder included), and resident memory.
//!
//! Run with `cargo bench --bench taxonomy_import`; needs ../shared/data
//! (or the folder named by `SKILLMATCH_SHARED_DATA`).
//! Prints medians over repeated runs with the machine's load and model.

use std::path::Path;
use std::time::{Duration, Instant};

use skillmatch::embed::default_embedder;
use skillmatch::engine::{Engine, EngineConfig};
use skillmatch::extract::Extractor;
use skillmatch::taxonomy::import::{read_esco_part, read_onet_part};
use skillmatch::taxonomy::{InstalledTaxonomies, Taxonomy, sample_part, vectors};

/// Repetitions per measurement: 3 under `cargo bench`, 1 as a smoke run under `cargo test`.
fn runs() -> usize {
    if std::env::args().any(|arg| arg == "--bench") {
        3
    } else {
        1
    }
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn status_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|line| line.starts_with(field))
                .and_then(|line| line.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpu
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split(':').nth(1))
        .unwrap_or("?")
        .trim()
        .to_owned();
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    format!("{cores} cores, {model}")
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .unwrap_or_default()
        .trim()
        .to_owned()
}

fn commit() -> String {
    std::process::Command::new("git")
        .args(["rev-parse", "--short", "HEAD"])
        .output()
        .map(|out| String::from_utf8_lossy(&out.stdout).trim().to_owned())
        .unwrap_or_default()
}

fn time<T>(label: &str, mut work: impl FnMut() -> T) -> T {
    let mut times = Vec::new();
    let mut last = None;
    for _ in 0..runs() {
        drop(last.take());
        let start = Instant::now();
        last = Some(work());
        times.push(start.elapsed());
    }
    let runs: Vec<String> = times
        .iter()
        .map(|t| format!("{:.2}", t.as_secs_f64()))
        .collect();
    println!(
        "{label}: median {:.2} s (runs {})",
        median(times).as_secs_f64(),
        runs.join(", ")
    );
    last.expect("at least one run")
}

fn main() {
    let data = std::env::var_os("SKILLMATCH_SHARED_DATA").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data"),
        std::path::PathBuf::from,
    );
    let esco = data.join("esco-v1.1.1");
    if !esco.exists() {
        println!("skipping: {} is absent", esco.display());
        return;
    }
    println!(
        "commit {} | {} | loadavg before: {}",
        commit(),
        machine(),
        loadavg()
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let installed = InstalledTaxonomies::new(dir.path());

    time("import esco v1.1.1 (read CSV + store snapshot)", || {
        let part = read_esco_part(&esco, "v1.1.1").expect("esco");
        installed.install(&part).expect("install");
    });
    let onet = data.join("onet-29.3");
    let crosswalk = data.join("esco-onet-crosswalk/crosswalk_esco_onet.csv");
    if onet.exists() {
        time("import onet 29.3 + crosswalk", || {
            let part = read_onet_part(&onet, "29.3", Some(&crosswalk)).expect("onet");
            installed.install(&part).expect("install");
        });
    }
    let versions = installed.select(&[]).expect("select");
    let embedder = default_embedder();
    for version in &versions {
        let part = installed.load(version).expect("load");
        let path = installed.vectors_path(version).expect("path");
        time(
            &format!(
                "import step: compute and store concept vectors of {}/{} ({})",
                version.id,
                version.version,
                embedder.id()
            ),
            || {
                let _ = std::fs::remove_file(&path);
                vectors::load_or_compute(&path, embedder.as_ref(), &part).expect("vectors")
            },
        );
        time("  restart step: read those concept vectors", || {
            vectors::read(&path, embedder.as_ref(), &part).expect("stored vectors")
        });
    }
    let parts = time("  restart step: read snapshots", || {
        let mut parts = vec![sample_part().expect("sample")];
        for version in &versions {
            parts.push(installed.load(version).expect("load"));
        }
        parts
    });
    let taxonomy = time(
        "  (for scale) assemble with the label index built in memory",
        || Taxonomy::assemble(parts.clone()).expect("assemble"),
    );
    time("  restart step: build extractor", || {
        Extractor::new(&taxonomy)
    });
    drop(taxonomy);
    drop(parts);
    let config = EngineConfig::new(dir.path());
    let start = Instant::now();
    drop(Engine::open(&config).expect("first open"));
    println!(
        "first start after import (builds and stores the label index): {:.2} s",
        start.elapsed().as_secs_f64()
    );
    let (engine, report) = time("restart: Engine::open with existing data dir", || {
        Engine::open(&config).expect("open")
    });
    println!(
        "loaded {} competencies, {} occupations from {:?}",
        report.competencies, report.occupations, report.taxonomies
    );
    println!(
        "memory after restart: VmRSS {} MiB, VmHWM {} MiB (peak over the whole run)",
        status_kib("VmRSS:") / 1024,
        status_kib("VmHWM:") / 1024
    );
    drop(engine);
    println!("loadavg after: {}", loadavg());
}
