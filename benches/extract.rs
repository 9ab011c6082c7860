//! In-process latency of ExtractCompetencies on real postings (NHS Jobs
//! sample) and of InferOccupations on real vacancy titles (jobbert), one
//! thread, default embedder and tuning, and the same with the untrained
//! MiniLM table (`static-minilm`, the default before the trained table),
//! the two timed item by item in turn so both see the same machine load.
//! Reads ../shared/data; prints p50 / p99 and items per second.
//!
//! `cargo bench --bench extract [-- POSTINGS TITLES]` (1,000 and 5,000; under
//! `cargo test --all-targets` a smoke run of 20 and 200); the data folder is
//! `../shared/data` or `$SKILLMATCH_SHARED_DATA`. With
//! `$SKILLMATCH_BENCH_BEFORE_TABLE=FOLDER` the "before" extractor uses that
//! token table (e.g. an earlier trained table, default weights, no
//! calibration) instead of the MiniLM table. Titles are also timed through
//! ExtractCompetencies (the path of a text without a body, as a sentence).
//!
//! Two more modes, with the default extractor only:
//! - `$SKILLMATCH_BENCH_DUMP=FILE` writes every result (competencies with
//!   scores, reasons, evidence and equivalents; occupations likewise) for the
//!   postings, the titles and every HOUSE and TECH validation sentence of the
//!   skill-extraction benchmark to FILE, one JSON line per item and call, and
//!   times nothing: two builds that must agree are compared with `cmp`.
//! - `$SKILLMATCH_BENCH_PROFILE=postings|titles|sentences|occupations` prints
//!   `pausing` after setup and warm-up, sleeps
//!   `$SKILLMATCH_BENCH_PAUSE_SECS` (default 20), then runs only that call
//!   over the items once, so `valgrind --tool=callgrind --instr-atstart=no`
//!   switched on with `callgrind_control -i on` at the pause counts the
//!   extraction alone (instructions per item are stable on a loaded machine).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::Deserialize;
use skillmatch::embed::{Embedder, StaticEmbedder};
use skillmatch::extract::{ExtractOptions, Extraction, Extractor, OccupationMatch, Tuning};
use skillmatch::shared_data::{load_extractor, load_extractor_with};

#[derive(Deserialize)]
struct Posting {
    title: String,
    description: String,
}

#[derive(Deserialize)]
struct SentenceRow {
    sentence: String,
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
    // Under `cargo test --all-targets` (no `--bench`), a smoke run.
    let bench = std::env::args().any(|a| a == "--bench");
    let postings_n = args
        .first()
        .copied()
        .unwrap_or(if bench { 1000 } else { 20 });
    let titles_n = args
        .get(1)
        .copied()
        .unwrap_or(if bench { 5000 } else { 200 });
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
    let postings = read_postings(&data, postings_n);
    let titles = read_titles(&data, titles_n);
    if let Some(out) = std::env::var_os("SKILLMATCH_BENCH_DUMP") {
        dump(&extractor, &data, &postings, &titles, Path::new(&out));
        return;
    }
    if let Ok(kind) = std::env::var("SKILLMATCH_BENCH_PROFILE") {
        profile(&extractor, &kind, &data, &postings, &titles);
        return;
    }
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
    let mean_chars =
        postings.iter().map(|p| p.chars().count()).sum::<usize>() / postings.len().max(1);
    println!("postings: {} (mean {mean_chars} chars)", postings.len());
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

/// The first `n` parseable NHS postings, title and description.
fn read_postings(data: &Path, n: usize) -> Vec<String> {
    std::fs::read_to_string(data.join("nhs-jobs-2020-sample/nhs_jobs_sample.jsonl"))
        .expect("NHS sample readable")
        .lines()
        .filter_map(|l| serde_json::from_str::<Posting>(l).ok())
        .map(|p| format!("{}\n{}", p.title, p.description))
        .take(n)
        .collect()
}

/// The first `n` jobbert vacancy titles.
fn read_titles(data: &Path, n: usize) -> Vec<String> {
    csv::Reader::from_path(data.join("jobbert-titles/titles.csv"))
        .expect("titles readable")
        .deserialize::<TitleRow>()
        .filter_map(Result::ok)
        .map(|r| r.title)
        .take(n)
        .collect()
}

/// The distinct sentences of a skill-extraction benchmark annotation file, in order.
fn read_sentences(path: &Path) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    csv::Reader::from_path(path)
        .expect("annotations readable")
        .deserialize::<SentenceRow>()
        .filter_map(Result::ok)
        .map(|r| r.sentence)
        .filter(|s| !s.trim().is_empty() && seen.insert(s.clone()))
        .collect()
}

fn competencies_json(found: &[Extraction]) -> serde_json::Value {
    found
        .iter()
        .map(|e| {
            serde_json::json!({
                "c": e.competency.0,
                "score": e.score,
                "reason": format!("{:?}", e.reason),
                "evidence": e.evidence.iter().map(|s| (s.start, s.end, &s.text)).collect::<Vec<_>>(),
                "eq": e.equivalents.iter().map(|c| c.0).collect::<Vec<_>>(),
            })
        })
        .collect()
}

fn occupations_json(found: &[OccupationMatch]) -> serde_json::Value {
    found
        .iter()
        .map(|o| {
            serde_json::json!({
                "o": o.occupation,
                "score": o.score,
                "reason": format!("{:?}", o.reason),
                "evidence": o.evidence.iter().map(|s| (s.start, s.end, &s.text)).collect::<Vec<_>>(),
                "eq": o.equivalents,
            })
        })
        .collect()
}

/// Writes every result of the default extractor, for comparing two builds.
fn dump(extractor: &Extractor, data: &Path, postings: &[String], titles: &[String], out: &Path) {
    use std::io::Write;
    let bench = data.join("skill-extraction-benchmark");
    let sets: [(&str, Vec<String>); 4] = [
        ("posting", postings.to_vec()),
        ("title", titles.to_vec()),
        (
            "house",
            read_sentences(&bench.join("house_validation_annotations.csv")),
        ),
        (
            "tech",
            read_sentences(&bench.join("tech_validation_annotations.csv")),
        ),
    ];
    let everything = ExtractOptions {
        top_k: 100,
        min_score: 0.0,
        ..ExtractOptions::default()
    };
    let mut file = std::io::BufWriter::new(std::fs::File::create(out).expect("dump file"));
    let mut lines = 0;
    for (set, items) in &sets {
        for (item, text) in items.iter().enumerate() {
            let calls = [
                (
                    "extract",
                    competencies_json(&extractor.extract(text, &ExtractOptions::default())),
                ),
                (
                    "extract_top100",
                    competencies_json(&extractor.extract(text, &everything)),
                ),
                (
                    "extract_raw",
                    competencies_json(&extractor.extract_raw(text, &ExtractOptions::default())),
                ),
                (
                    "occupations",
                    occupations_json(&extractor.infer_occupations(text, 10)),
                ),
            ];
            for (call, result) in calls {
                let line =
                    serde_json::json!({"set": set, "item": item, "call": call, "result": result});
                writeln!(file, "{line}").expect("dump written");
                lines += 1;
            }
        }
        println!("dumped {set}: {} items", items.len());
    }
    file.flush().expect("dump written");
    println!("{lines} lines in {}", out.display());
}

/// Runs one call over the items after a pause, for an instruction count.
fn profile(extractor: &Extractor, kind: &str, data: &Path, postings: &[String], titles: &[String]) {
    let bench = data.join("skill-extraction-benchmark");
    let sentences: Vec<String> = ["house", "tech"]
        .iter()
        .flat_map(|set| read_sentences(&bench.join(format!("{set}_validation_annotations.csv"))))
        .collect();
    warm_up(extractor, postings, titles);
    let pause: u64 = std::env::var("SKILLMATCH_BENCH_PAUSE_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20);
    println!("pausing {pause} s");
    std::thread::sleep(Duration::from_secs(pause));
    let options = ExtractOptions::default();
    let started = Instant::now();
    let n = match kind {
        "postings" => {
            for p in postings {
                std::hint::black_box(extractor.extract(p, &options));
            }
            postings.len()
        }
        "titles" => {
            for t in titles {
                std::hint::black_box(extractor.extract(t, &options));
            }
            titles.len()
        }
        "sentences" => {
            for s in &sentences {
                std::hint::black_box(extractor.extract(s, &options));
            }
            sentences.len()
        }
        "occupations" => {
            for t in titles {
                std::hint::black_box(extractor.infer_occupations(t, 10));
            }
            titles.len()
        }
        other => panic!("unknown profile {other:?}: postings, titles, sentences or occupations"),
    };
    println!(
        "profiled {kind}: {n} items in {:.3} s",
        started.elapsed().as_secs_f64()
    );
    // Leave without dropping the taxonomy and indexes, which callgrind would count.
    std::process::exit(0);
}
