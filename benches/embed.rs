//! Embedder speed: milliseconds per short text (a sentence from the
//! skill-extraction benchmark) and per posting-length text (an NHS job
//! posting, title and description), batched and one at a time, for the
//! default static token-table embedder, the hashing embedder and, with
//! `--features minilm`, all-MiniLM-L6-v2.
//!
//! `cargo bench --bench embed [--features minilm]`. Data from
//! `$SKILLMATCH_DATA` (default `../shared/data`), MiniLM weights from
//! `$SKILLMATCH_MINILM_DIR` (default `models/all-MiniLM-L6-v2`). Threads:
//! `RAYON_NUM_THREADS`. Prints one markdown row per measurement, medians of
//! `RUNS` runs.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result};
use skillmatch::embed::{Embedder, HashingEmbedder, StaticEmbedder};

const RUNS: usize = 3;
const SHORT_TEXTS: usize = 128;
const POSTINGS: usize = 16;
const BATCH: usize = 32;

fn data_dir() -> PathBuf {
    std::env::var_os("SKILLMATCH_DATA").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data"),
        PathBuf::from,
    )
}

/// Distinct sentences of the HOUSE and TECH validation sets.
fn short_texts(data: &Path) -> Result<Vec<String>> {
    let mut texts: Vec<String> = Vec::new();
    for set in ["house", "tech"] {
        let path = data.join(format!(
            "skill-extraction-benchmark/{set}_validation_annotations.csv"
        ));
        let mut reader =
            csv::Reader::from_path(&path).with_context(|| path.display().to_string())?;
        for record in reader.records() {
            let sentence = record?.get(0).unwrap_or_default().to_owned();
            if texts.last() != Some(&sentence) {
                texts.push(sentence);
            }
        }
    }
    texts.truncate(SHORT_TEXTS);
    Ok(texts)
}

/// `title + "\n" + description` of the first postings of the NHS sample.
fn postings(data: &Path) -> Result<Vec<String>> {
    let path = data.join("nhs-jobs-2020-sample/nhs_jobs_sample.jsonl");
    let file = std::fs::read_to_string(&path).with_context(|| path.display().to_string())?;
    file.lines()
        .take(POSTINGS)
        .map(|line| {
            let posting: serde_json::Value = serde_json::from_str(line)?;
            let field = |name: &str| posting[name].as_str().unwrap_or_default().to_owned();
            Ok(format!("{}\n{}", field("title"), field("description")))
        })
        .collect()
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// Median over runs of milliseconds per text, batched and one at a time.
fn measure(embedder: &dyn Embedder, texts: &[String]) -> (f64, f64) {
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let per_text = |seconds: f64| seconds * 1e3 / refs.len() as f64;
    // One warm-up pass.
    embedder.embed_batch(&refs[..refs.len().min(BATCH)]);
    let batched = (0..RUNS)
        .map(|_| {
            let start = Instant::now();
            for chunk in refs.chunks(BATCH) {
                std::hint::black_box(embedder.embed_batch(chunk));
            }
            per_text(start.elapsed().as_secs_f64())
        })
        .collect();
    let single = (0..RUNS)
        .map(|_| {
            let start = Instant::now();
            for text in &refs {
                std::hint::black_box(embedder.embed(text));
            }
            per_text(start.elapsed().as_secs_f64())
        })
        .collect();
    (median(batched), median(single))
}

fn report(name: &str, embedder: &dyn Embedder, short: &[String], long: &[String]) {
    for (kind, texts) in [("short", short), ("posting", long)] {
        let (batched, single) = measure(embedder, texts);
        let chars = texts.iter().map(|t| t.chars().count()).sum::<usize>() / texts.len();
        println!(
            "| {name} | {kind} ({} texts, mean {chars} chars) | {batched:.3} | {single:.3} |",
            texts.len()
        );
    }
}

fn main() -> Result<()> {
    let data = data_dir();
    if !data.exists() {
        println!("skipping: {} is absent", data.display());
        return Ok(());
    }
    let short = short_texts(&data)?;
    let long = postings(&data)?;
    let threads = std::env::var("RAYON_NUM_THREADS").unwrap_or_else(|_| "default".into());
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!("threads: {threads}; loadavg before: {}", load.trim());
    println!("| embedder | texts | ms/text batched ({BATCH}) | ms/text one at a time |");
    println!("|---|---|---|---|");
    report(
        "static (default, trained)",
        &StaticEmbedder::default(),
        &short,
        &long,
    );
    report(
        "static MiniLM (untrained)",
        &StaticEmbedder::minilm(),
        &short,
        &long,
    );
    report("hashing", &HashingEmbedder, &short, &long);
    #[cfg(feature = "minilm")]
    {
        let dir = std::env::var_os("SKILLMATCH_MINILM_DIR").map_or_else(
            || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("models/all-MiniLM-L6-v2"),
            PathBuf::from,
        );
        let start = Instant::now();
        let minilm = skillmatch::embed::MiniLmEmbedder::load(&dir)
            .with_context(|| format!("{}; run scripts/fetch-minilm", dir.display()))?;
        println!(
            "(minilm load: {:.0} ms)",
            start.elapsed().as_secs_f64() * 1e3
        );
        report("all-MiniLM-L6-v2", &minilm, &short, &long);
    }
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!("loadavg after: {}", load.trim());
    Ok(())
}
