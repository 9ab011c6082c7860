//! Raw skill scores of the dev items with their relevance, one JSON line
//! per returned skill, for fitting and checking the score calibration
//! (`skillmatch eval --scores-out FILE`, read by `scripts/fit-calibration`).

use std::path::Path;

use serde::Serialize;

use super::datasets::SkillCase;
use super::{EvalError, ExtractorSetup, HOUSE, POSTINGS, TECH, TITLES, datasets, in_fold};
use skillmatch::extract::{DEFAULT_TOP_K, ExtractOptions, Extractor, TextKind};

/// One named set of texts, asked for as texts of that kind.
pub struct ScoredSet {
    /// `postings`, `house`, `tech` or `titles`.
    pub name: &'static str,
    /// What the texts are.
    pub kind: TextKind,
    /// The texts with their gold skills.
    pub items: Vec<SkillCase>,
}

/// One returned skill of one dev item.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScoreRecord {
    /// `postings`, `house`, `tech` or `titles` (sent as job titles).
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
pub fn records(extractor: &Extractor, sets: &[ScoredSet]) -> Vec<ScoreRecord> {
    let mut out = Vec::new();
    for set in sets {
        let options = ExtractOptions {
            top_k: DEFAULT_TOP_K,
            min_score: 0.0,
            kind: set.kind,
        };
        for (item, SkillCase { text, gold }) in set.items.iter().enumerate() {
            for (rank, found) in extractor.extract(text, &options).into_iter().enumerate() {
                out.push(ScoreRecord {
                    set: set.name,
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
/// [`records`] of every posting and titles.csv title (as a job title, gold
/// the essential skills of its occupation) of fold `holdout` (all when
/// `None`) and every HOUSE and TECH validation sentence to `out` as JSON
/// lines.
pub fn write(setup: &ExtractorSetup<'_>, out: &Path) -> Result<usize, EvalError> {
    let (taxonomy, extractor) = setup.load()?;
    let (data, holdout) = (setup.data, setup.holdout);
    let extractor = extractor.without_calibration();
    let postings = in_fold(
        datasets::postings(&taxonomy, &data.join(POSTINGS))?,
        holdout,
    );
    let titles = in_fold(datasets::titles(&taxonomy, &data.join(TITLES))?, holdout);
    let set = |name, kind, items| ScoredSet { name, kind, items };
    let sets = vec![
        set(
            "postings",
            TextKind::Inferred,
            postings
                .into_iter()
                .map(|c| SkillCase {
                    text: c.text,
                    gold: c.gold,
                })
                .collect(),
        ),
        set(
            "house",
            TextKind::Inferred,
            datasets::sentences(&taxonomy, &data.join(HOUSE))?,
        ),
        set(
            "tech",
            TextKind::Inferred,
            datasets::sentences(&taxonomy, &data.join(TECH))?,
        ),
        set(
            "titles",
            TextKind::JobTitle,
            datasets::title_skills(&taxonomy, &titles),
        ),
    ];
    let found = records(&extractor, &sets);
    super::write_json_lines(out, &found)?;
    Ok(found.len())
}
