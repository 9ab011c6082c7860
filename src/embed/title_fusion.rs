//! A learnt fusion of what the extractor knows of a title's candidate
//! occupations, learnt with the trained token table (`title_fusion.tsv`
//! beside `table.bin`, written by `scripts/train-title-fusion`). The
//! extractor's linear fusion adds its scaled parts; vacancy titles are
//! named better when strong parts count more than in proportion (a title
//! word that votes strongly for one occupation, a cosine near 1). The
//! learnt fusion is a linear model over the parts, their squares, the
//! linear fusion and the title's nearest training vacancy titles
//! ([`crate::embed::TitleNeighbours`]), with a few hidden tanh units over
//! the same features beside it for what the parts say together, fitted
//! listwise (softmax over each training title's candidates) on features the
//! engine wrote for held-out vacancy titles (EVALUATION.md, "A learnt fusion
//! for titles", "Hidden units in the title fusion"). An occupation's score
//! is its softmax share among the title's candidates: the model's
//! probability that it is the occupation the title names.
//!
//! The file holds one line per name of [`FEATURES`] (each exactly once, in
//! any order) after its header: `feature<TAB>weight` after
//! `title-fusion<TAB>1`; after `title-fusion<TAB>2<TAB>UNITS`, the feature's
//! weight and then its weight into each of the UNITS hidden tanh units, and
//! the units' `hidden-bias` and `hidden-output` lines ([`TitleFusion::parse`]).

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

/// The names of the lines that hold the hidden units' biases and output
/// weights (one number per unit each).
const HIDDEN_LINES: [&str; 2] = ["hidden-bias", "hidden-output"];

/// At most this many hidden units: a title's candidates each read every one.
pub const MAX_HIDDEN: usize = 256;

/// The learnt model: weights of [`FEATURES`], and hidden tanh units beside
/// them.
#[derive(Debug, Clone, PartialEq)]
pub struct TitleFusion {
    weights: [f32; FEATURES.len()],
    hidden: Vec<HiddenBlock>,
}

/// Hidden units are read [`BLOCK`] at a time, so their sums and tanh run in
/// lanes; a model's last block is filled up with units that weigh nothing.
const BLOCK: usize = 16;

/// [`BLOCK`] hidden units, each adding `output × tanh(weights · features +
/// bias)` to the logit. The weights are stored by feature, a block's units
/// side by side.
#[derive(Debug, Clone, PartialEq)]
struct HiddenBlock {
    weights: [[f32; BLOCK]; FEATURES.len()],
    bias: [f32; BLOCK],
    output: [f32; BLOCK],
}

/// A fusion file that is not a `title-fusion` header and one line of finite
/// numbers per feature (and per hidden line with hidden units).
#[derive(Debug, thiserror::Error)]
pub enum BadFusionFile {
    /// A line that is not a known name not yet given followed by as many
    /// finite numbers as the header says.
    #[error("line {line}: expected a feature ({known}) or hidden line ({hidden}) not yet given, then its numbers, tab-separated", known = FEATURES.join(", "), hidden = HIDDEN_LINES.join(", "))]
    Line {
        /// One-based line number.
        line: usize,
    },
    /// The first line is not `title-fusion<TAB>1` or
    /// `title-fusion<TAB>2<TAB>hidden units` (at most `MAX_HIDDEN`).
    #[error(
        "line 1: expected `title-fusion<TAB>1` or `title-fusion<TAB>2<TAB>UNITS` (UNITS at most {MAX_HIDDEN})"
    )]
    Header,
    /// A feature or hidden line is not given.
    #[error("no line for `{0}`")]
    Missing(&'static str),
}

impl TitleFusion {
    /// The fusion compiled in with the default table.
    pub fn shipped() -> Self {
        Self::parse(SHIPPED).expect("compiled-in title fusion")
    }

    /// Parses a fusion file (blank lines skipped). Version 1 holds one
    /// `feature<TAB>weight` line per feature; version 2
    /// (`title-fusion<TAB>2<TAB>UNITS`) gives each feature line its weight
    /// into every hidden unit after its own, and two more lines, the units'
    /// biases and output weights.
    pub fn parse(text: &str) -> Result<Self, BadFusionFile> {
        let mut lines = text
            .lines()
            .enumerate()
            .filter(|(_, line)| !line.trim().is_empty());
        let header: Vec<&str> = lines
            .next()
            .map(|(_, line)| line.split('\t').map(str::trim).collect())
            .unwrap_or_default();
        let units = match header.as_slice() {
            ["title-fusion", "1"] => 0,
            ["title-fusion", "2", units] => units
                .parse::<usize>()
                .ok()
                .filter(|&n| n <= MAX_HIDDEN)
                .ok_or(BadFusionFile::Header)?,
            _ => return Err(BadFusionFile::Header),
        };
        let names = FEATURES
            .iter()
            .chain(HIDDEN_LINES.iter().filter(|_| units > 0));
        let mut rows: Vec<Option<Vec<f32>>> = vec![None; FEATURES.len() + HIDDEN_LINES.len()];
        for (at, line) in lines {
            let bad = || BadFusionFile::Line { line: at + 1 };
            let mut fields = line.split('\t').map(str::trim);
            let name = fields.next().unwrap_or_default();
            let slot = names.clone().position(|n| *n == name).ok_or_else(bad)?;
            let numbers = fields
                .map(|f| f.parse::<f32>().ok().filter(|n| n.is_finite()))
                .collect::<Option<Vec<f32>>>()
                .ok_or_else(bad)?;
            let wanted = if slot < FEATURES.len() {
                units + 1
            } else {
                units
            };
            if numbers.len() != wanted || rows[slot].is_some() {
                return Err(bad());
            }
            rows[slot] = Some(numbers);
        }
        let mut given = Vec::with_capacity(rows.len());
        for (row, name) in rows.into_iter().zip(names) {
            given.push(row.ok_or(BadFusionFile::Missing(name))?);
        }
        let weights = std::array::from_fn(|f| given[f][0]);
        // Unit `u` of the file, or one that weighs nothing past its last.
        let unit = |row: &[f32], u: usize| row.get(u).copied().unwrap_or(0.0);
        let hidden = (0..units.div_ceil(BLOCK))
            .map(|block| {
                let lane = |row: &[f32]| std::array::from_fn(|u| unit(row, block * BLOCK + u));
                HiddenBlock {
                    weights: std::array::from_fn(|f| lane(&given[f][1..])),
                    bias: lane(&given[FEATURES.len()]),
                    output: lane(&given[FEATURES.len() + 1]),
                }
            })
            .collect();
        Ok(Self { weights, hidden })
    }

    /// The model's logit of one candidate; a title's candidates are
    /// ranked by it, and scored by its softmax share ([`softmax_shares`]).
    pub fn logit(&self, parts: &FusionParts) -> f32 {
        let features = parts.features();
        let mut logit: f32 = self.weights.iter().zip(&features).map(|(w, x)| w * x).sum();
        for block in &self.hidden {
            let mut sums = block.bias;
            for (x, weights) in features.iter().zip(&block.weights) {
                for u in 0..BLOCK {
                    sums[u] += x * weights[u];
                }
            }
            let mut added = [0.0f32; BLOCK];
            for u in 0..BLOCK {
                added[u] = block.output[u] * tanh(sums[u]);
            }
            logit += added.iter().sum::<f32>();
        }
        logit
    }
}

/// Coefficients of the degree-7 Taylor polynomial of 2^f: (ln 2)^k / k!.
const TWO_POW: [f32; 8] = [
    1.0,
    std::f32::consts::LN_2,
    0.2402265,
    0.05550411,
    0.009618129,
    0.0013333558,
    1.540353e-04,
    1.5252734e-05,
];

/// tanh(x) from `(e − 1) / (e + 1)`, e = 2^t with t = 2x · log2(e): 2^t is
/// 2^n (n = t rounded, built from its exponent bits) times 2^(t − n) from
/// the Taylor polynomial [`TWO_POW`] on [−0.5, 0.5]. |x| is clamped to 9,
/// past which tanh is 1 in f32. Within 1e-6 of `f32::tanh`, and plain
/// arithmetic, so a block of units compiles to lanes where the library's
/// `tanhf` is a call per unit.
fn tanh(x: f32) -> f32 {
    // Adding and taking away 1.5 × 2^23 rounds to an integer (|t| < 2^22).
    const ROUND: f32 = 12_582_912.0;
    let t = x.clamp(-9.0, 9.0) * (2.0 * std::f32::consts::LOG2_E);
    let n = (t + ROUND) - ROUND;
    let f = t - n;
    let fraction = TWO_POW.iter().rev().fold(0.0, |p, c| p * f + c);
    // n is an integer in [−26, 26]: 2^n is its biased exponent in place.
    let whole = f32::from_bits(((n as i32 + 127) as u32) << 23);
    let e = fraction * whole;
    (e - 1.0) / (e + 1.0)
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
        assert!(!shipped.hidden.is_empty());
        assert!(
            shipped
                .hidden
                .iter()
                .any(|b| b.output.iter().any(|&o| o != 0.0))
        );
    }

    /// A version 2 file with two hidden units: every feature weighs
    /// `linear` and 0 into both units, but `vote` weighs 1 into the first.
    fn two_units(linear: &str, bias: &str, output: &str) -> String {
        let mut text = String::from("title-fusion\t2\t2\n");
        for name in FEATURES {
            let into_first = if name == "vote" { "1" } else { "0" };
            text.push_str(&format!("{name}\t{linear}\t{into_first}\t0\n"));
        }
        text.push_str(&format!(
            "hidden-bias\t{bias}\t0\nhidden-output\t{output}\t5\n"
        ));
        text
    }

    #[test]
    fn hidden_units_add_their_tanh() {
        let fusion = TitleFusion::parse(&two_units("0", "0.25", "2")).unwrap();
        let parts = FusionParts {
            vote: 0.5,
            fused: 0.3,
            ..FusionParts::default()
        };
        // The second unit reads nothing and has bias 0: tanh(0) = 0.
        let expected = 2.0 * (0.5f32 + 0.25).tanh();
        assert!((fusion.logit(&parts) - expected).abs() < 1e-6);
        let linear = TitleFusion::parse(&two_units("1", "0", "0")).unwrap();
        let sum: f32 = parts.features().iter().sum();
        assert!((linear.logit(&parts) - sum).abs() < 1e-6);
    }

    #[test]
    fn a_version_2_file_gives_every_unit_its_numbers() {
        assert!(TitleFusion::parse(&two_units("1", "0", "1")).is_ok());
        let short = two_units("1", "0", "1").replacen("\t0\n", "\n", 1);
        assert!(matches!(
            TitleFusion::parse(&short),
            Err(BadFusionFile::Line { line: 2 })
        ));
        let no_output: String = two_units("1", "0", "1")
            .lines()
            .filter(|l| !l.starts_with("hidden-output"))
            .map(|l| format!("{l}\n"))
            .collect();
        assert!(matches!(
            TitleFusion::parse(&no_output),
            Err(BadFusionFile::Missing("hidden-output"))
        ));
        let nan = two_units("1", "NaN", "1");
        assert!(matches!(
            TitleFusion::parse(&nan),
            Err(BadFusionFile::Line { .. })
        ));
        let too_many =
            two_units("1", "0", "1").replacen("\t2\n", &format!("\t{}\n", MAX_HIDDEN + 1), 1);
        assert!(matches!(
            TitleFusion::parse(&too_many),
            Err(BadFusionFile::Header)
        ));
        // Version 1 has no hidden lines.
        let mut v1 = file(&all_weights("1"));
        v1.push_str("hidden-bias\t1\n");
        assert!(matches!(
            TitleFusion::parse(&v1),
            Err(BadFusionFile::Line { .. })
        ));
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
    fn tanh_is_within_a_millionth_of_the_library_s() {
        let mut worst = 0.0f32;
        for i in -200_000..=200_000 {
            let x = i as f32 * 1e-4;
            worst = worst.max((tanh(x) - x.tanh()).abs());
        }
        for x in [-1e30, -50.0, -9.5, 9.5, 50.0, 1e30, f32::MAX, f32::MIN] {
            assert_eq!(tanh(x), x.tanh().signum(), "{x}");
        }
        assert!(worst < 1e-6, "{worst}");
        assert_eq!(tanh(0.0), 0.0);
    }

    #[test]
    fn units_past_the_file_s_weigh_nothing() {
        // Two units in the file fill one block; the other lanes are empty.
        let fusion = TitleFusion::parse(&two_units("0", "0.25", "2")).unwrap();
        assert_eq!(fusion.hidden.len(), 1);
        assert!(fusion.hidden[0].output[2..].iter().all(|&o| o == 0.0));
        let units = BLOCK + 1;
        let mut text = format!("title-fusion\t2\t{units}\n");
        for name in FEATURES {
            text.push_str(&format!("{name}\t0{}\n", "\t0.5".repeat(units)));
        }
        text.push_str(&format!("hidden-bias{}\n", "\t0".repeat(units)));
        text.push_str(&format!("hidden-output{}\n", "\t1".repeat(units)));
        let fusion = TitleFusion::parse(&text).unwrap();
        assert_eq!(fusion.hidden.len(), 2);
        let parts = FusionParts {
            fused: 0.4,
            ..FusionParts::default()
        };
        let expected = units as f32 * (0.5f32 * 0.4).tanh();
        assert!((fusion.logit(&parts) - expected).abs() < 1e-5);
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
