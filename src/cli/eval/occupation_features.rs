//! What each held-out vacancy title's candidate occupations were scored
//! from, with the gold occupation, one JSON line per title, for fitting
//! the learnt title fusion (`skillmatch eval --occupation-features-out
//! FILE`, read by `scripts/train-title-fusion`).

use std::path::Path;
use std::sync::Arc;

use serde::Serialize;

use super::{EvalError, TITLES, datasets, in_fold, load_extractor_with};
use skillmatch::embed::{Embedder, FUSION_FEATURES};
use skillmatch::extract::Tuning;

/// Candidates written per title: the fusion re-ranks the head of the
/// extractor's ranking, where Recall@10 and MRR are decided.
pub const CANDIDATES: usize = 100;

/// One vacancy title's candidates.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TitleFeatures {
    /// The vacancy title.
    pub title: String,
    /// Position of the gold occupation among `candidates`, if there.
    pub gold: Option<usize>,
    /// Whether the title has a gold occupation in the taxonomy at all.
    pub has_gold: bool,
    /// The names of the features, [`FUSION_FEATURES`].
    pub features: [&'static str; FUSION_FEATURES.len()],
    /// Per candidate, best first: the values of [`FUSION_FEATURES`].
    pub candidates: Vec<[f32; FUSION_FEATURES.len()]>,
}

/// Builds the extractor as `eval` does and writes the [`TitleFeatures`] of
/// every titles.csv row of fold `holdout` (all when `None`) to `out`.
pub fn write(
    data: &Path,
    tuning: Tuning,
    embedder: Option<Arc<dyn Embedder>>,
    vector_cache: Option<&Path>,
    holdout: Option<u64>,
    out: &Path,
) -> Result<usize, EvalError> {
    let (taxonomy, extractor) = load_extractor_with(data, tuning, embedder, vector_cache)?;
    let titles = in_fold(
        datasets::titles(&taxonomy, &data.join(TITLES))?,
        holdout,
        |c| c.text.as_str(),
    );
    let records: Vec<TitleFeatures> = titles
        .iter()
        .map(|case| {
            let ranked = extractor.occupation_parts(&case.text, CANDIDATES);
            TitleFeatures {
                title: case.text.clone(),
                gold: case
                    .gold
                    .and_then(|gold| ranked.iter().position(|(o, _)| *o == gold)),
                has_gold: case.gold.is_some(),
                features: FUSION_FEATURES,
                candidates: ranked.iter().map(|(_, parts)| parts.features()).collect(),
            }
        })
        .collect();
    super::write_json_lines(out, &records)?;
    Ok(records.len())
}
