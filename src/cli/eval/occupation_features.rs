//! What each held-out vacancy title's candidate occupations were scored
//! from, with the gold occupation, one JSON line per title, for fitting
//! the learnt title fusion (`skillmatch eval --occupation-features-out
//! FILE`, read by `scripts/train-title-fusion`).

use std::path::Path;

use serde::Serialize;

use super::datasets::TitleCase;
use super::{EvalError, ExtractorSetup, TITLES, datasets, in_fold};
use skillmatch::embed::FUSION_FEATURES;
use skillmatch::extract::Extractor;
use skillmatch::taxonomy::Taxonomy;

/// Candidates written per title: the fusion re-ranks the head of the
/// extractor's ranking, where Recall@10 and MRR are decided, and ranks no
/// more than it was fitted on.
pub const CANDIDATES: usize = skillmatch::extract::LEARNT_CANDIDATES;

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
    /// Per candidate, best first: its URI.
    pub uris: Vec<String>,
}

/// Builds the extractor as `eval` does and writes the [`TitleFeatures`] of
/// every titles.csv row of fold `holdout` (all when `None`) to `out`.
pub fn write(setup: &ExtractorSetup<'_>, out: &Path) -> Result<usize, EvalError> {
    let (taxonomy, extractor) = setup.load()?;
    let titles = in_fold(
        datasets::titles(&taxonomy, &setup.data.join(TITLES))?,
        setup.holdout,
    );
    let records = records(&extractor, &taxonomy, &titles);
    super::write_json_lines(out, &records)?;
    Ok(records.len())
}

/// The [`TitleFeatures`] of each title as `extractor` ranks it.
pub fn records(
    extractor: &Extractor,
    taxonomy: &Taxonomy,
    titles: &[TitleCase],
) -> Vec<TitleFeatures> {
    let occupations = taxonomy.occupations();
    titles
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
                uris: ranked
                    .iter()
                    .map(|&(o, _)| occupations[o].uri.clone())
                    .collect(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::eval::datasets::TitleCase;

    /// A few titles.csv rows of the shared data folder, when it is there.
    #[test]
    fn each_title_lists_its_candidates_features_and_where_its_gold_is() {
        let Some(data) = crate::cli::eval::tests::shared_data() else {
            return;
        };
        let setup = ExtractorSetup {
            data: &data,
            tuning: skillmatch::extract::Tuning::default(),
            embedder: Some(skillmatch::embed::default_embedder()),
            vector_cache: None,
            holdout: None,
        };
        let (taxonomy, extractor) = setup.load().unwrap();
        let mut titles: Vec<TitleCase> = datasets::titles(&taxonomy, &data.join(TITLES))
            .unwrap()
            .into_iter()
            .take(8)
            .collect();
        titles.push(TitleCase {
            text: "zzzz qqqq".into(),
            gold: None,
        });
        let found = records(&extractor, &taxonomy, &titles);
        assert_eq!(found.len(), titles.len());
        assert!(found.iter().any(|r| r.gold.is_some()), "{found:?}");
        for (record, case) in found.iter().zip(&titles) {
            assert_eq!(record.has_gold, case.gold.is_some());
            assert!(record.candidates.len() <= CANDIDATES);
            assert_eq!(record.uris.len(), record.candidates.len());
            if let Some(at) = record.gold {
                let gold = case.gold.map(|o| taxonomy.occupations()[o].uri.as_str());
                assert_eq!(Some(record.uris[at].as_str()), gold);
            }
            let values = record.candidates.iter().flatten();
            assert!(
                values.clone().all(|v| (0.0..=1.0).contains(v)),
                "{record:?}"
            );
        }
        assert_eq!(found.last().unwrap().gold, None);
    }
}
