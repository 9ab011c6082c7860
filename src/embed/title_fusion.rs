//! A learnt fusion of what the extractor knows of a title's candidate
//! occupations, learnt with the trained token table (`title_fusion.tsv`
//! beside `table.bin`, written by `scripts/train-title-fusion`). The
//! extractor's linear fusion adds its scaled parts; vacancy titles are
//! named better when strong parts count more than in proportion (a title
//! word that votes strongly for one occupation, a cosine near 1). The
//! learnt fusion is a linear model over the parts, their squares, the
//! linear fusion and the title's nearest training vacancy titles
//! ([`crate::embed::TitleNeighbours`]), fitted listwise (softmax over each training title's
//! candidates) on features the engine wrote for held-out vacancy titles
//! (EVALUATION.md, "A learnt fusion for titles"). An occupation's score
//! is its softmax share among the title's candidates: the model's
//! probability that it is the occupation the title names.
//!
//! The file holds one `feature<TAB>weight` line per name of [`FEATURES`]
//! (each exactly once, in any order), after a `title-fusion<TAB>1` line.

/// The shipped fusion, for the default table (`assets/static-skills/`).
const SHIPPED: &str = include_str!("../../assets/static-skills/title_fusion.tsv");

/// The names of the model's features, in the order of
/// [`FusionParts::features`].
pub const FEATURES: [&str; 18] = [
    "fused",
    "title",
    "document",
    "vector",
    "title_match",
    "prior",
    "vote",
    "vector^2",
    "vote^2",
    "prior^2",
    "title^2",
    "title_match^3",
    "open_prior",
    "open_prior^2",
    "neighbours",
    "neighbour_best",
    "neighbours^2",
    "exact_label",
];

/// What the extractor knows of one candidate occupation of a title, each
/// in [0, 1].
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct FusionParts {
    /// The extractor's linear fusion of the parts below.
    pub fused: f32,
    /// Title label support, scaled to the best candidate's.
    pub title: f32,
    /// Document support, scaled to the best candidate's.
    pub document: f32,
    /// Vector support, scaled to the best candidate's.
    pub vector: f32,
    /// How completely the title names the occupation.
    pub title_match: f32,
    /// The occupation prior times its gate (0 for a title that is an
    /// occupation's preferred label).
    pub prior: f32,
    /// The occupation prior, 0 for a title that is exactly an
    /// occupation's preferred label.
    pub open_prior: f32,
    /// The title votes, scaled to the best-voted candidate's, times their
    /// gate (0 for a title that is exactly a label of the voted taxonomy).
    pub vote: f32,
    /// The share of the title's nearest training vacancy titles (weighed
    /// by their cosines) that name the occupation.
    pub neighbours: f32,
    /// The highest cosine of a nearest training vacancy title that names
    /// the occupation (0 for none).
    pub neighbour_best: f32,
    /// 1 when the whole title is one of the occupation's labels.
    pub exact_label: f32,
}

impl FusionParts {
    /// The model's inputs, in the order of [`FEATURES`].
    pub fn features(&self) -> [f32; FEATURES.len()] {
        [
            self.fused,
            self.title,
            self.document,
            self.vector,
            self.title_match,
            self.prior,
            self.vote,
            self.vector * self.vector,
            self.vote * self.vote,
            self.prior * self.prior,
            self.title * self.title,
            self.title_match.powi(3),
            self.open_prior,
            self.open_prior * self.open_prior,
            self.neighbours,
            self.neighbour_best,
            self.neighbours * self.neighbours,
            self.exact_label,
        ]
    }
}

/// The learnt weights of [`FEATURES`].
#[derive(Debug, Clone, PartialEq)]
pub struct TitleFusion {
    weights: [f32; FEATURES.len()],
}

/// A fusion file that is not a `title-fusion<TAB>1` line and one finite
/// weight per feature.
#[derive(Debug, thiserror::Error)]
pub enum BadFusionFile {
    /// A line that is not `feature<TAB>weight` of a known feature, or a
    /// feature given twice.
    #[error("line {line}: expected `feature<TAB>weight` of a feature not yet given ({known})", known = FEATURES.join(", "))]
    Line {
        /// One-based line number.
        line: usize,
    },
    /// The first line is not `title-fusion<TAB>1`.
    #[error("line 1: expected `title-fusion<TAB>1`")]
    Header,
    /// A feature has no weight.
    #[error("no weight for feature `{0}`")]
    Missing(&'static str),
}

impl TitleFusion {
    /// The fusion compiled in with the default table.
    pub fn shipped() -> Self {
        Self::parse(SHIPPED).expect("compiled-in title fusion")
    }

    /// Parses a fusion file (blank lines skipped).
    pub fn parse(text: &str) -> Result<Self, BadFusionFile> {
        let mut lines = text
            .lines()
            .enumerate()
            .filter(|(_, line)| !line.trim().is_empty());
        match lines.next() {
            Some((_, line)) if line.split('\t').map(str::trim).eq(["title-fusion", "1"]) => {}
            _ => return Err(BadFusionFile::Header),
        }
        let mut weights = [None; FEATURES.len()];
        for (at, line) in lines {
            let bad = || BadFusionFile::Line { line: at + 1 };
            let (name, weight) = line.split_once('\t').ok_or_else(bad)?;
            let slot = FEATURES
                .iter()
                .position(|f| *f == name.trim())
                .ok_or_else(bad)?;
            let weight: f32 = weight.trim().parse().map_err(|_| bad())?;
            if !weight.is_finite() || weights[slot].is_some() {
                return Err(bad());
            }
            weights[slot] = Some(weight);
        }
        let mut out = [0.0; FEATURES.len()];
        for ((slot, weight), name) in out.iter_mut().zip(weights).zip(FEATURES) {
            *slot = weight.ok_or(BadFusionFile::Missing(name))?;
        }
        Ok(Self { weights: out })
    }

    /// The model's logit of one candidate; a title's candidates are
    /// ranked by it, and scored by its softmax share ([`softmax_shares`]).
    pub fn logit(&self, parts: &FusionParts) -> f32 {
        self.weights
            .iter()
            .zip(parts.features())
            .map(|(w, x)| w * x)
            .sum()
    }
}

/// Each logit's softmax share of all of them, in [0, 1], summing to 1.
pub fn softmax_shares(logits: &mut [f32]) {
    let top = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    if !top.is_finite() {
        return;
    }
    let mut total = 0.0;
    for logit in logits.iter_mut() {
        *logit = (*logit - top).exp();
        total += *logit;
    }
    for share in logits.iter_mut() {
        *share /= total;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(weights: &[(&str, &str)]) -> String {
        let mut text = String::from("title-fusion\t1\n");
        for (name, weight) in weights {
            text.push_str(&format!("{name}\t{weight}\n"));
        }
        text
    }

    fn all_weights(weight: &str) -> Vec<(&'static str, &str)> {
        FEATURES.iter().map(|&name| (name, weight)).collect()
    }

    #[test]
    fn the_shipped_fusion_parses() {
        let shipped = TitleFusion::shipped();
        assert!(shipped.weights.iter().all(|w| w.is_finite()));
        assert!(shipped.weights.iter().any(|&w| w != 0.0));
    }

    #[test]
    fn the_logit_weighs_each_feature() {
        let mut weights = all_weights("0");
        weights[0].1 = "2";
        weights[8].1 = "-1";
        let fusion = TitleFusion::parse(&file(&weights)).unwrap();
        let parts = FusionParts {
            fused: 0.5,
            vote: 0.5,
            ..FusionParts::default()
        };
        assert!((fusion.logit(&parts) - (2.0 * 0.5 - 0.25)).abs() < 1e-6);
    }

    #[test]
    fn a_file_must_give_every_feature_once_after_its_header() {
        assert!(TitleFusion::parse(&file(&all_weights("0.5"))).is_ok());
        let text = file(&all_weights("0.5"));
        assert!(matches!(
            TitleFusion::parse(text.trim_start_matches("title-fusion\t1\n")),
            Err(BadFusionFile::Header)
        ));
        let missing = &all_weights("1")[1..];
        assert!(matches!(
            TitleFusion::parse(&file(missing)),
            Err(BadFusionFile::Missing("fused"))
        ));
        let mut twice = all_weights("1");
        twice.push(("vote", "2"));
        assert!(matches!(
            TitleFusion::parse(&file(&twice)),
            Err(BadFusionFile::Line { line }) if line == FEATURES.len() + 2
        ));
        let mut unknown = all_weights("1");
        unknown[3].0 = "cosine";
        assert!(TitleFusion::parse(&file(&unknown)).is_err());
        let mut infinite = all_weights("1");
        infinite[3].1 = "inf";
        assert!(matches!(
            TitleFusion::parse(&file(&infinite)),
            Err(BadFusionFile::Line { line: 5 })
        ));
    }

    #[test]
    fn softmax_shares_sum_to_one_in_the_logits_order() {
        let mut logits = [1.0, 3.0, 2.0, -50.0];
        softmax_shares(&mut logits);
        assert!((logits.iter().sum::<f32>() - 1.0).abs() < 1e-6);
        assert!(logits[1] > logits[2] && logits[2] > logits[0] && logits[0] > logits[3]);
        assert!(logits.iter().all(|s| (0.0..=1.0).contains(s)));
    }
}
