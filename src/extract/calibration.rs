//! Score calibration: a monotone map from the extractor's fused skill score
//! to the probability, observed on held-out dev folds, that the competency
//! is really there (annotated in a sentence, or an essential skill of a
//! posting's occupation). Fitted by `scripts/fit-calibration` (isotonic
//! regression on the held-out scores of `scripts/eval-folds`) for one
//! embedder with its default weights, and shipped as a small JSON file
//! (`assets/calibration/`). Rankings do not change: the map is applied after
//! ranking and never decreases.

use std::sync::OnceLock;

use serde::Deserialize;

use super::Reading;

/// The calibration shipped with the default embedder.
const SHIPPED: &str = include_str!("../../assets/calibration/calibration.json");

/// A non-decreasing piecewise-linear map from [0, 1] to [0, 1].
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(try_from = "Vec<(f64, f64)>")]
pub struct Curve {
    knots: Vec<(f64, f64)>,
}

/// Why a calibration file was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BadCalibration {
    /// A curve has no knots.
    #[error("a calibration curve needs at least one knot")]
    Empty,
    /// A knot lies outside [0, 1] or is not finite.
    #[error("calibration knot {0} lies outside [0, 1]")]
    OutOfRange(usize),
    /// Knots are not in increasing score order, or probabilities decrease.
    #[error(
        "calibration knot {0} breaks the order (scores increase, probabilities never decrease)"
    )]
    NotMonotone(usize),
    /// The file is not the expected JSON.
    #[error("calibration file: {0}")]
    Json(String),
}

impl TryFrom<Vec<(f64, f64)>> for Curve {
    type Error = BadCalibration;

    fn try_from(knots: Vec<(f64, f64)>) -> Result<Self, Self::Error> {
        if knots.is_empty() {
            return Err(BadCalibration::Empty);
        }
        for (i, &(x, y)) in knots.iter().enumerate() {
            if !(0.0..=1.0).contains(&x) || !(0.0..=1.0).contains(&y) {
                return Err(BadCalibration::OutOfRange(i));
            }
            if i > 0 && (x <= knots[i - 1].0 || y < knots[i - 1].1) {
                return Err(BadCalibration::NotMonotone(i));
            }
        }
        Ok(Self { knots })
    }
}

impl Curve {
    /// The calibrated value of `score`: linear between knots, the first
    /// (last) knot's value below (above) them.
    pub fn apply(&self, score: f64) -> f64 {
        let first = self.knots[0];
        if score <= first.0 {
            return first.1;
        }
        for pair in self.knots.windows(2) {
            let ((x0, y0), (x1, y1)) = (pair[0], pair[1]);
            if score <= x1 {
                return y0 + (y1 - y0) * (score - x0) / (x1 - x0);
            }
        }
        self.knots[self.knots.len() - 1].1
    }
}

/// Calibration curves of one embedder with its default fusion weights.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Calibration {
    /// Id of the embedder whose scores were calibrated.
    pub embedder: String,
    /// For texts read as a sentence ([`Reading::Sentence`]).
    pub sentence: Curve,
    /// For postings (a title line and a body).
    pub posting: Curve,
    /// For texts read as a job title ([`Reading::JobTitle`]),
    /// whose skills are their occupations' essential ones.
    pub job_title: Curve,
}

impl Calibration {
    /// Parses a calibration file.
    pub fn from_json(text: &str) -> Result<Self, BadCalibration> {
        serde_json::from_str(text).map_err(|e| BadCalibration::Json(e.to_string()))
    }

    /// The calibration shipped for the default embedder.
    pub fn shipped() -> &'static Self {
        static SHIPPED_CALIBRATION: OnceLock<Calibration> = OnceLock::new();
        SHIPPED_CALIBRATION.get_or_init(|| {
            Self::from_json(SHIPPED).expect("the shipped calibration file is checked by its tests")
        })
    }

    /// The calibrated score of a raw fused score of a text read as `reading`.
    pub fn apply(&self, score: f64, reading: Reading) -> f64 {
        match reading {
            Reading::Posting => self.posting.apply(score),
            Reading::JobTitle => self.job_title.apply(score),
            Reading::Sentence => self.sentence.apply(score),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_file_parses_and_is_monotone() {
        let shipped = Calibration::shipped();
        assert!(shipped.embedder.starts_with("static-skills-"));
        for reading in [Reading::Sentence, Reading::JobTitle, Reading::Posting] {
            let mut last = 0.0;
            for step in 0..=100 {
                let value = shipped.apply(f64::from(step) / 100.0, reading);
                assert!((0.0..=1.0).contains(&value));
                assert!(value >= last, "decreases at {step}");
                last = value;
            }
        }
    }

    #[test]
    fn interpolates_between_knots_and_clamps_outside() {
        let curve = Curve::try_from(vec![(0.1, 0.2), (0.5, 0.6), (0.9, 0.8)]).unwrap();
        assert!((curve.apply(0.0) - 0.2).abs() < 1e-12);
        assert!((curve.apply(0.3) - 0.4).abs() < 1e-12);
        assert!((curve.apply(0.7) - 0.7).abs() < 1e-12);
        assert!((curve.apply(1.0) - 0.8).abs() < 1e-12);
    }

    #[test]
    fn refuses_bad_curves() {
        assert_eq!(Curve::try_from(vec![]), Err(BadCalibration::Empty));
        assert_eq!(
            Curve::try_from(vec![(0.1, 0.5), (0.2, 0.4)]),
            Err(BadCalibration::NotMonotone(1))
        );
        assert_eq!(
            Curve::try_from(vec![(0.2, 0.1), (0.2, 0.4)]),
            Err(BadCalibration::NotMonotone(1))
        );
        assert_eq!(
            Curve::try_from(vec![(0.1, 1.5)]),
            Err(BadCalibration::OutOfRange(0))
        );
        assert!(matches!(
            Calibration::from_json(
                "{\"embedder\": \"x\", \"sentence\": [[0.5, 2]], \"posting\": [[0, 0]]}"
            ),
            Err(BadCalibration::Json(_))
        ));
    }
}
