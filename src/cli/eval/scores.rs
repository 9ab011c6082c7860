//! Raw skill scores of the dev items with their relevance, one JSON line
//! per returned skill, for fitting and checking the score calibration
//! (`skillmatch eval --scores-out FILE`, read by `scripts/fit-calibration`).

use std::collections::HashSet;
use std::path::Path;

use serde::Serialize;

use super::{EvalError, ExtractorSetup, HOUSE, POSTINGS, TECH, datasets, in_fold};
use skillmatch::extract::{DEFAULT_TOP_K, ExtractOptions, Extractor};
use skillmatch::taxonomy::CompetencyIdx;

/// Texts of one set with their gold skills.
pub type Items = Vec<(String, HashSet<CompetencyIdx>)>;

/// One returned skill of one dev item.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScoreRecord {
    /// `postings`, `house` or `tech`.
    pub set: &'static str,
    /// Index of the item within the set (after the fold filter).
    pub item: usize,
    /// Rank of the skill in the item's answer, from 1.
    pub rank: usize,
    /// The extractor's raw fused score.
    pub score: f64,
    /// Whether the skill is in the item's gold set.
    pub relevant: bool,
    /// Size of the item's gold set (for recall).
    pub gold: usize,
}

/// The scores of the top [`DEFAULT_TOP_K`] skills (no minimum score) of
/// every item of the named sets, as the extractor gives them.
pub fn records(extractor: &Extractor, sets: &[(&'static str, Items)]) -> Vec<ScoreRecord> {
    let options = ExtractOptions {
        top_k: DEFAULT_TOP_K,
        min_score: 0.0,
        ..ExtractOptions::default()
    };
    let mut out = Vec::new();
    for (set, items) in sets {
        for (item, (text, gold)) in items.iter().enumerate() {
            for (rank, found) in extractor.extract(text, &options).into_iter().enumerate() {
                out.push(ScoreRecord {
                    set,
                    item,
                    rank: rank + 1,
                    score: found.score,
                    relevant: gold.contains(&found.competency),
                    gold: gold.len(),
                });
            }
        }
    }
    out
}

/// Builds the extractor as `eval` does, without calibration, and writes the
/// [`records`] of every posting of fold `holdout` (all when `None`) and
/// every HOUSE and TECH validation sentence to `out` as JSON lines.
pub fn write(setup: &ExtractorSetup<'_>, out: &Path) -> Result<usize, EvalError> {
    let (taxonomy, extractor) = setup.load()?;
    let (data, holdout) = (setup.data, setup.holdout);
    let extractor = extractor.without_calibration();
    let postings = in_fold(
        datasets::postings(&taxonomy, &data.join(POSTINGS))?,
        holdout,
        |c| c.text.lines().next().unwrap_or_default(),
    );
    let house = datasets::sentences(&taxonomy, &data.join(HOUSE))?;
    let tech = datasets::sentences(&taxonomy, &data.join(TECH))?;
    let sets: Vec<(&'static str, Items)> = vec![
        (
            "postings",
            postings.into_iter().map(|c| (c.text, c.gold)).collect(),
        ),
        (
            "house",
            house.into_iter().map(|c| (c.text, c.gold)).collect(),
        ),
        ("tech", tech.into_iter().map(|c| (c.text, c.gold)).collect()),
    ];
    let found = records(&extractor, &sets);
    super::write_json_lines(out, &found)?;
    Ok(found.len())
}
