//! How often real vacancy titles name each occupation, learnt with the
//! trained token table (`occupation_prior.tsv` beside `table.bin`, written
//! by `scripts/train-embedder` from the training folds' vacancy titles).
//! Most vacancies name a few hundred occupations; a title that fits an
//! often-advertised occupation and a rarely advertised one about as well is
//! more likely the former. The extractor adds the prior to an occupation's
//! fused score with the weight `occupation_prior_weight` (EVALUATION.md,
//! "Propagated occupations and the occupation prior").

use rustc_hash::FxHashMap;

/// The shipped prior, for the default table (`assets/static-skills/`).
const SHIPPED: &str = include_str!("../../assets/static-skills/occupation_prior.tsv");

/// Distinct vacancy titles per occupation URI, read from `count<TAB>uri` lines.
#[derive(Debug, Clone, PartialEq)]
pub struct OccupationPrior {
    counts: FxHashMap<String, u32>,
    /// `ln(1 + the largest count)`, at least `ln 2`.
    scale: f32,
}

/// A line of a prior file that is not `count<TAB>uri`.
#[derive(Debug, thiserror::Error)]
#[error("line {line}: expected `count<TAB>uri`")]
pub struct BadPriorLine {
    /// One-based line number.
    pub line: usize,
}

impl OccupationPrior {
    /// The prior compiled in with the default table.
    pub fn shipped() -> Self {
        Self::parse(SHIPPED).expect("compiled-in occupation prior")
    }

    /// Parses `count<TAB>uri` lines (blank lines skipped).
    pub fn parse(text: &str) -> Result<Self, BadPriorLine> {
        let mut counts = FxHashMap::default();
        for (at, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let bad = || BadPriorLine { line: at + 1 };
            let (count, uri) = line.split_once('\t').ok_or_else(bad)?;
            let count: u32 = count.trim().parse().map_err(|_| bad())?;
            let uri = uri.trim();
            if uri.is_empty() {
                return Err(bad());
            }
            counts.insert(uri.to_owned(), count);
        }
        let top = counts.values().copied().max().unwrap_or(0).max(1);
        Ok(Self {
            counts,
            scale: (top as f32).ln_1p(),
        })
    }

    /// The prior of an occupation in [0, 1]: `ln(1 + count) / ln(1 + the
    /// largest count)`, 0 for an occupation no vacancy title named.
    pub fn of(&self, uri: &str) -> f32 {
        self.counts
            .get(uri)
            .map_or(0.0, |&count| (count as f32).ln_1p() / self.scale)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_most_named_occupation_gets_one_and_unnamed_ones_zero() {
        let prior = OccupationPrior::parse("7\tocc:a\n\n1\tocc:b\n").unwrap();
        assert_eq!(prior.of("occ:a"), 1.0);
        assert!((prior.of("occ:b") - 2f32.ln() / 8f32.ln()).abs() < 1e-6);
        assert_eq!(prior.of("occ:c"), 0.0);
    }

    #[test]
    fn malformed_lines_are_reported_by_number() {
        assert_eq!(
            OccupationPrior::parse("3\tocc:a\nx\tocc:b")
                .unwrap_err()
                .line,
            2
        );
        assert_eq!(OccupationPrior::parse("3 occ:a").unwrap_err().line, 1);
        assert_eq!(OccupationPrior::parse("3\t ").unwrap_err().line, 1);
    }

    #[test]
    fn the_shipped_prior_names_occupations() {
        let prior = OccupationPrior::shipped();
        assert!(prior.counts.len() > 1000);
        assert!(
            prior
                .counts
                .keys()
                .all(|uri| uri.starts_with("http://data.europa.eu/esco/occupation/"))
        );
    }
}
