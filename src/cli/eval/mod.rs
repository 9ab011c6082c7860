//! The project's own evaluation: the three tasks of TARGETS.md (job posting
//! to essential skills, sentence to skills, job title to occupation) run on
//! the dev files of the shared data folder through the public extractor API.

pub mod coursera;
pub mod datasets;
pub mod folds;
pub mod metrics;
pub mod occupation_features;
pub mod references;
pub mod report;
pub mod scores;
pub mod standards;
pub mod tasks;

use std::path::{Path, PathBuf};
use std::time::Instant;

use skillmatch::shared_data::{ESCO_DIR, load_extractor, load_extractor_with};

pub use report::{EvalReport, RunContext};
pub use tasks::TaskOutcome;

use std::sync::Arc;

use skillmatch::embed::Embedder;
use skillmatch::extract::{TextKind, Tuning};
use skillmatch::taxonomy::{Taxonomy, TaxonomyError};

/// Errors of an evaluation run.
#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    /// The taxonomy could not be read or built.
    #[error("taxonomy: {0}")]
    Taxonomy(#[from] TaxonomyError),
    /// The served engine could not be opened.
    #[error("engine: {0}")]
    Engine(#[from] skillmatch::error::Error),
    /// An evaluation file could not be read.
    #[error("{file}: {reason}")]
    Data {
        /// The file.
        file: String,
        /// What was wrong.
        reason: String,
    },
}

/// What an evaluation's extractor is built from, and the held-out fold it
/// reads (all items when `None`).
#[derive(Clone)]
pub struct ExtractorSetup<'a> {
    /// The shared data folder.
    pub data: &'a Path,
    /// The fusion weights.
    pub tuning: Tuning,
    /// The embedder, if the vector score is on.
    pub embedder: Option<Arc<dyn Embedder>>,
    /// Where the concept vectors are kept between runs.
    pub vector_cache: Option<&'a Path>,
    /// The held-out fold of titles.csv and hahu_dev.
    pub holdout: Option<u64>,
}

impl ExtractorSetup<'_> {
    /// Reads the taxonomy and builds the extractor as `eval` does.
    fn load(&self) -> Result<(Taxonomy, skillmatch::extract::Extractor), EvalError> {
        Ok(load_extractor_with(
            self.data,
            self.tuning,
            self.embedder.clone(),
            self.vector_cache,
        )?)
    }
}

/// Writes `records` to `out`, one JSON object per line.
fn write_json_lines<T: serde::Serialize>(out: &Path, records: &[T]) -> Result<(), EvalError> {
    use std::io::Write;
    let failed = |reason: String| EvalError::Data {
        file: out.display().to_string(),
        reason,
    };
    let file = std::fs::File::create(out).map_err(|e| failed(e.to_string()))?;
    let mut file = std::io::BufWriter::new(file);
    for record in records {
        let line = serde_json::to_string(record).map_err(|e| failed(e.to_string()))?;
        writeln!(file, "{line}").map_err(|e| failed(e.to_string()))?;
    }
    file.flush().map_err(|e| failed(e.to_string()))
}

/// Files of the evaluation, relative to the data folder.
const POSTINGS: &str = "hahu-jobs-esco/hahu_dev.csv";
const HOUSE: &str = "skill-extraction-benchmark/house_validation_annotations.csv";
const TECH: &str = "skill-extraction-benchmark/tech_validation_annotations.csv";
const TITLES: &str = "jobbert-titles/titles.csv";
/// The other half of the JobBERT titles, when the data folder holds it:
/// titles.csv rows whose title it also has are left out of the non-overlap subset.
const TITLES_TEST: &str = "jobbert-titles/titles.test.csv";
/// The O*NET release and the crosswalk of the served ESCO + O*NET set-up.
const ONET_DIR: &str = "onet-29.3";
const CROSSWALK: &str = "esco-onet-crosswalk/crosswalk_esco_onet.csv";

/// Task name of the titles.csv rows whose title occurs in no other split:
/// no other held-out fold (and not in titles.test.csv when present) has
/// the same title once normalised (case, accents, punctuation, spacing).
pub const TITLES_NOT_IN_TEST: &str = "title2occupation (titles.csv, title in no other split)";
/// Task name of a title's competencies asked for as a job title
/// (`TEXT_KIND_JOB_TITLE`), against its occupation's essential skills.
pub const TITLE_SKILLS: &str = "title2skill (titles.csv, `TEXT_KIND_JOB_TITLE`)";

fn first<T>(mut items: Vec<T>, limit: Option<usize>) -> Vec<T> {
    if let Some(n) = limit {
        items.truncate(n);
    }
    items
}

/// Runs the three tasks on the dev files under `data`, the first `limit`
/// items of each when given, with the extractor's tuned weights.
#[cfg(test)]
pub fn run(data: &Path, limit: Option<usize>) -> Result<EvalReport, EvalError> {
    run_with(
        data,
        limit,
        Tuning::default(),
        Some(skillmatch::embed::default_embedder()),
        None,
        None,
    )
}

/// Keeps the items whose fold is `holdout`, or all.
fn in_fold<T: folds::Folded>(items: Vec<T>, holdout: Option<u64>) -> Vec<T> {
    match holdout {
        Some(fold) => items
            .into_iter()
            .filter(|item| item.fold() == fold)
            .collect(),
        None => items,
    }
}

/// [`run`] with other fusion weights (for tuning on the dev files), and
/// optionally only one held-out fold of titles.csv and hahu_dev (postings
/// by their title line; the sentence sets are run whole).
pub fn run_with(
    data: &Path,
    limit: Option<usize>,
    tuning: Tuning,
    embedder: Option<Arc<dyn Embedder>>,
    vector_cache: Option<&Path>,
    holdout: Option<u64>,
) -> Result<EvalReport, EvalError> {
    let started = Instant::now();
    let (taxonomy, extractor) = load_extractor_with(data, tuning, embedder, vector_cache)?;
    let setup_seconds = started.elapsed().as_secs_f64();
    let outcomes = run_tasks(data, &taxonomy, &extractor, limit, holdout)?;
    Ok(EvalReport {
        outcomes,
        setup_seconds,
    })
}

/// The tasks on the dev files under `data`, gold resolved in `taxonomy`,
/// ranked by `ranker`.
fn run_tasks(
    data: &Path,
    taxonomy: &Taxonomy,
    ranker: &dyn tasks::Answers,
    limit: Option<usize>,
    holdout: Option<u64>,
) -> Result<Vec<TaskOutcome>, EvalError> {
    let file = |name: &str| -> PathBuf { data.join(name) };
    let postings = datasets::postings(taxonomy, &file(POSTINGS))?;
    let postings = first(in_fold(postings, holdout), limit);
    let house = first(datasets::sentences(taxonomy, &file(HOUSE))?, limit);
    let tech = first(datasets::sentences(taxonomy, &file(TECH))?, limit);
    let titles = datasets::titles(taxonomy, &file(TITLES))?;
    let overlapping = datasets::titles_in_other_splits(&titles, &file(TITLES_TEST))?;
    let titles = first(in_fold(titles, holdout), limit);
    let not_in_test: Vec<bool> = titles
        .iter()
        .map(|c| !overlapping.contains(&skillmatch::text::normalize(&c.text)))
        .collect();
    let (all_titles, new_titles) = tasks::title_to_occupation_split(
        "title2occupation (titles.csv)",
        TITLES_NOT_IN_TEST,
        ranker,
        &titles,
        &not_in_test,
    );
    let title_skills = datasets::title_skills(taxonomy, &titles);
    Ok(vec![
        tasks::job_to_skills("job2skill (hahu_dev)", ranker, &postings),
        tasks::sentence_to_skills("sentence2skill HOUSE validation", ranker, &house),
        tasks::sentence_to_skills("sentence2skill TECH validation", ranker, &tech),
        all_titles,
        new_titles,
        tasks::title_to_skills(TITLE_SKILLS, ranker, &title_skills, TextKind::JobTitle),
        tasks::title_to_skills(
            "title2skill (titles.csv), kind not given",
            ranker,
            &title_skills,
            TextKind::Inferred,
        ),
    ])
}

/// The served set-ups `eval --served` compares, in order.
pub const SERVED_CONFIGURATIONS: [&str; 3] = [
    "ESCO alone",
    "ESCO + O*NET, `taxonomy_ids: [\"esco\"]`",
    "ESCO + O*NET, no filter",
];

/// Runs the tasks through the engine as `serve` runs it, in a fresh data
/// directory `work` set up as the README documents: ESCO v1.1.1 imported
/// alone (no filter), then O*NET 29.3 imported beside it with the
/// ESCO–O*NET crosswalk (with `taxonomy_ids: ["esco"]`, then without a
/// filter). Gold is ESCO; an answer counts for a gold concept it carries as
/// an equivalent (see [`tasks::credited`]). One report per entry of
/// [`SERVED_CONFIGURATIONS`]; `setup_seconds` is the import and engine start.
/// `tuning`, where given, replaces the embedder's own weights.
pub fn run_served(
    data: &Path,
    limit: Option<usize>,
    embedder: Arc<dyn Embedder>,
    tuning: Option<Tuning>,
    work: &Path,
    holdout: Option<u64>,
) -> Result<Vec<EvalReport>, EvalError> {
    use skillmatch::engine::{Engine, EngineConfig};
    use skillmatch::taxonomy::import::{install_release, read_esco_part, read_onet_part};

    let mut config = EngineConfig::new(work).with_embedder(embedder.clone());
    if let Some(tuning) = tuning {
        config = config.with_tuning(tuning);
    }
    let started = Instant::now();
    let esco = read_esco_part(&data.join(ESCO_DIR), "v1.1.1")?;
    install_release(work, &esco, embedder.as_ref())?;
    drop(esco);
    let (engine, _) = Engine::open(&config)?;
    let setup_seconds = started.elapsed().as_secs_f64();
    let mut reports = Vec::with_capacity(SERVED_CONFIGURATIONS.len());
    let alone = tasks::Served {
        engine: &engine,
        taxonomy_ids: Vec::new(),
    };
    reports.push(EvalReport {
        outcomes: run_tasks(data, engine.taxonomy(), &alone, limit, holdout)?,
        setup_seconds,
    });
    drop(engine);
    let started = Instant::now();
    let onet = read_onet_part(&data.join(ONET_DIR), "29.3", Some(&data.join(CROSSWALK)))?;
    install_release(work, &onet, embedder.as_ref())?;
    drop(onet);
    let (engine, _) = Engine::open(&config)?;
    let setup_seconds = started.elapsed().as_secs_f64();
    for taxonomy_ids in [vec!["esco".to_owned()], Vec::new()] {
        let served = tasks::Served {
            engine: &engine,
            taxonomy_ids,
        };
        reports.push(EvalReport {
            outcomes: run_tasks(data, engine.taxonomy(), &served, limit, holdout)?,
            setup_seconds,
        });
    }
    Ok(reports)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// The shared data folder (`../shared/data`, or
    /// `$SKILLMATCH_SHARED_DATA`), or `None` with a printed reason when it
    /// is absent.
    pub(crate) fn shared_data() -> Option<PathBuf> {
        let data = std::env::var_os("SKILLMATCH_SHARED_DATA").map_or_else(
            || Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data"),
            PathBuf::from,
        );
        if data.join(ESCO_DIR).exists() {
            Some(data)
        } else {
            eprintln!("skipping: {} is absent", data.display());
            None
        }
    }

    /// Runs the evaluation on a few items of the real dev files, when the
    /// shared data folder is there. Figures are reported, never gated.
    #[test]
    fn evaluates_a_subset_of_the_shared_dev_files() {
        let Some(data) = shared_data() else {
            return;
        };
        let report = run(&data, Some(5)).unwrap();
        assert_eq!(report.outcomes.len(), 7);
        for outcome in &report.outcomes {
            // The first titles may all occur in titles.test.csv too.
            assert!(
                outcome.items > 0 || outcome.task == TITLES_NOT_IN_TEST,
                "{}",
                outcome.task
            );
            for figure in &outcome.figures {
                assert!(
                    (0.0..=1.0).contains(&figure.value),
                    "{} {} = {}",
                    outcome.task,
                    figure.metric,
                    figure.value
                );
            }
        }
        let markdown = report.markdown("test", &RunContext::default());
        assert!(markdown.contains("| job2skill (hahu_dev) | R-precision |"));
        assert!(markdown.contains(&format!("| {TITLE_SKILLS} | R-precision |")));
        assert!(markdown.contains("## Targets missed"));
    }
}
