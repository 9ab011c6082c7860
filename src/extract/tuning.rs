//! The handful of fusion weights, tuned on the dev files of TARGETS.md only.

use std::str::FromStr;

/// Fusion weights of the extractor. [`Tuning::default`] holds the tuned values.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tuning {
    /// Weight of whole-text BM25 against occupation descriptions (title support weighs 1).
    pub document_weight: f32,
    /// Weight of occupation labels found as phrases in a posting.
    pub phrase_weight: f32,
    /// Score decay of each title segment after the first (`A / B`, `A - B`).
    pub segment_decay: f32,
    /// Softmax temperature over occupation scores when propagating their skills.
    pub occupation_temperature: f32,
    /// How many top occupations propagate their essential skills.
    pub propagated_occupations: usize,
    /// Weight of propagated (occupation) evidence in a skill's score.
    pub occupation_weight: f32,
    /// Weight of label evidence found in the text in a skill's score.
    pub text_weight: f32,
    /// Confidence given to occupations of a text whose title names none well
    /// (a floor on the title match) when propagating their skills.
    pub body_confidence: f32,
    /// Exponent on the title match of a text without a body (a sentence or a
    /// title) when propagating its occupations' skills; higher trusts weak matches less.
    pub title_match_power: f32,
    /// Share of a label's idf mass that must be present for a partial label match.
    pub min_coverage: f32,
}

impl Default for Tuning {
    fn default() -> Self {
        Self {
            document_weight: 0.6,
            phrase_weight: 0.6,
            segment_decay: 0.9,
            occupation_temperature: 0.08,
            propagated_occupations: 20,
            occupation_weight: 1.0,
            text_weight: 0.5,
            min_coverage: 0.4,
            body_confidence: 1.0,
            title_match_power: 2.0,
        }
    }
}

/// An unknown name or a bad value in a `name=value,...` tuning string.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("bad tuning entry {0:?}")]
pub struct BadTuning(pub String);

impl FromStr for Tuning {
    type Err = BadTuning;

    /// Parses `name=value` pairs separated by commas over the defaults.
    fn from_str(spec: &str) -> Result<Self, Self::Err> {
        let mut tuning = Self::default();
        for entry in spec.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let bad = || BadTuning(entry.to_owned());
            let (name, value) = entry.split_once('=').ok_or_else(bad)?;
            let number: f32 = value.trim().parse().map_err(|_| bad())?;
            match name.trim() {
                "document_weight" => tuning.document_weight = number,
                "phrase_weight" => tuning.phrase_weight = number,
                "segment_decay" => tuning.segment_decay = number,
                "occupation_temperature" => tuning.occupation_temperature = number,
                "propagated_occupations" => tuning.propagated_occupations = number as usize,
                "occupation_weight" => tuning.occupation_weight = number,
                "text_weight" => tuning.text_weight = number,
                "min_coverage" => tuning.min_coverage = number,
                "body_confidence" => tuning.body_confidence = number,
                "title_match_power" => tuning.title_match_power = number,
                _ => return Err(bad()),
            }
        }
        Ok(tuning)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_overrides_and_rejects_unknown_names() {
        let tuning: Tuning = "document_weight=0.5, propagated_occupations=5"
            .parse()
            .unwrap();
        assert!((tuning.document_weight - 0.5).abs() < 1e-6);
        assert_eq!(tuning.propagated_occupations, 5);
        assert!("nope=1".parse::<Tuning>().is_err());
        assert!("document_weight".parse::<Tuning>().is_err());
    }
}
