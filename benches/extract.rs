//! In-process latency of ExtractCompetencies on real postings (NHS Jobs
//! sample) and of InferOccupations on real vacancy titles (jobbert), one
//! thread, default embedder and tuning, and the same with the untrained
//! MiniLM table (`static-minilm`, the default before the trained table),
//! the two timed item by item in turn so both see the same machine load.
//! Reads ../shared/data; prints p50 / p99 and items per second.
//!
//! `cargo bench --bench extract [-- POSTINGS TITLES]`; the data folder is
//! `../shared/data` or `$SKILLMATCH_SHARED_DATA`. With
//! `$SKILLMATCH_BENCH_BEFORE_TABLE=FOLDER` the "before" extractor uses that
//! token table (e.g. an earlier trained table, default weights, no
//! calibration) instead of the MiniLM table. Titles are also timed through
//! ExtractCompetencies (the path of a text without a body, as a sentence).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::Deserialize;
use skillmatch::embed::{Embedder, StaticEmbedder};
use skillmatch::extract::{ExtractOptions, Extractor, Tuning};
use skillmatch::shared_data::{load_extractor, load_extractor_with};

#[derive(Deserialize)]
struct Posting {
    title: String,
    description: String,
}

#[derive(Deserialize)]
struct TitleRow {
    #[serde(rename = "vacancyTitle")]
    title: String,
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let rank = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

fn report(name: &str, mut times: Vec<Duration>) {
    times.sort();
    let total: Duration = times.iter().sum();
    println!(
        "{name}: n {} p50 {:.3} ms p99 {:.3} ms mean {:.3} ms {:.1} items/s",
        times.len(),
        percentile(&times, 0.5).as_secs_f64() * 1e3,
        percentile(&times, 0.99).as_secs_f64() * 1e3,
        total.as_secs_f64() * 1e3 / times.len() as f64,
        times.len() as f64 / total.as_secs_f64()
    );
}

/// Times `run` on every item with each extractor, alternating per item.
fn time_each<T>(
    items: &[T],
    extractors: &[&Extractor],
    run: impl Fn(&Extractor, &T),
) -> Vec<Vec<Duration>> {
    let mut times = vec![Vec::with_capacity(items.len()); extractors.len()];
    for item in items {
        for (extractor, out) in extractors.iter().zip(&mut times) {
            let started = Instant::now();
            run(extractor, item);
            out.push(started.elapsed());
        }
    }
    times
}

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let postings_n = args.first().copied().unwrap_or(1000);
    let titles_n = args.get(1).copied().unwrap_or(5000);
    let data = std::env::var_os("SKILLMATCH_SHARED_DATA").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data"),
        PathBuf::from,
    );
    if !data.join("esco-v1.1.1").exists() {
        println!("skipping: {} is absent", data.display());
        return;
    }
    let started = Instant::now();
    let (_taxonomy, extractor) =
        load_extractor(&data, Tuning::default()).expect("ESCO release readable");
    println!(
        "setup (read ESCO, build indexes): {:.2} s",
        started.elapsed().as_secs_f64()
    );
    let before = match std::env::var_os("SKILLMATCH_BENCH_BEFORE_TABLE") {
        Some(folder) => StaticEmbedder::from_folder(Path::new(&folder)).expect("table readable"),
        None => StaticEmbedder::minilm(),
    };
    println!("before: {}", before.id());
    let (_, before_extractor) = load_extractor_with(
        &data,
        Tuning::for_embedder(before.id()),
        Some(std::sync::Arc::new(before)),
        None,
    )
    .expect("ESCO release readable");
    let postings: Vec<String> =
        std::fs::read_to_string(data.join("nhs-jobs-2020-sample/nhs_jobs_sample.jsonl"))
            .expect("NHS sample readable")
            .lines()
            .filter_map(|l| serde_json::from_str::<Posting>(l).ok())
            .map(|p| format!("{}\n{}", p.title, p.description))
            .take(postings_n)
            .collect();
    let mean_chars =
        postings.iter().map(|p| p.chars().count()).sum::<usize>() / postings.len().max(1);
    println!("postings: {} (mean {mean_chars} chars)", postings.len());
    let titles: Vec<String> = csv::Reader::from_path(data.join("jobbert-titles/titles.csv"))
        .expect("titles readable")
        .deserialize::<TitleRow>()
        .filter_map(Result::ok)
        .map(|r| r.title)
        .take(titles_n)
        .collect();
    warm_up(&extractor, &postings, &titles);
    warm_up(&before_extractor, &postings, &titles);
    let options = ExtractOptions::default();
    let both = [&extractor, &before_extractor];
    let names = ["default (trained table)", "before"];
    let times = time_each(&postings, &both, |e, p| {
        std::hint::black_box(e.extract(p, &options));
    });
    for (name, times) in names.iter().zip(times) {
        report(
            &format!("ExtractCompetencies (posting, top_k 20), {name}"),
            times,
        );
    }
    let times = time_each(&titles, &both, |e, t| {
        std::hint::black_box(e.extract(t, &options));
    });
    for (name, times) in names.iter().zip(times) {
        report(
            &format!("ExtractCompetencies (title, top_k 20), {name}"),
            times,
        );
    }
    let times = time_each(&titles, &both, |e, t| {
        std::hint::black_box(e.infer_occupations(t, 10));
    });
    for (name, times) in names.iter().zip(times) {
        report(
            &format!("InferOccupations (title, top_k 10), {name}"),
            times,
        );
    }
}

fn warm_up(extractor: &Extractor, postings: &[String], titles: &[String]) {
    for p in postings.iter().take(20) {
        std::hint::black_box(extractor.extract(p, &ExtractOptions::default()));
    }
    for t in titles.iter().take(200) {
        std::hint::black_box(extractor.infer_occupations(t, 10));
    }
}
