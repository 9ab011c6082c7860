//! Held-out folds of the dev files: an item's fold is FNV-1a 64 of its
//! normalised text (lower case, white space collapsed) modulo [`FOLDS`], the
//! same function as `scripts/train-embedder`, so a table trained with
//! `--holdout F` is evaluated on exactly the items it never saw. Identical
//! texts always share a fold.

/// Number of folds of titles.csv and hahu_dev.
pub const FOLDS: u64 = 3;

/// FNV-1a 64 of the bytes.
fn fnv1a64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &b| {
        (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The fold of a dev item named by `text` (a vacancy title, a posting's title).
pub fn fold_of(text: &str) -> u64 {
    let normalised = text
        .to_lowercase()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    fnv1a64(normalised.as_bytes()) % FOLDS
}

/// A dev item assigned to a fold by one of its texts.
pub trait Folded {
    /// The text whose [`fold_of`] is the item's fold.
    fn fold_text(&self) -> &str;

    /// The item's fold.
    fn fold(&self) -> u64 {
        fold_of(self.fold_text())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_match_the_training_script() {
        // Values printed by scripts/train-embedder's fold_of.
        assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(
            fold_of("  Marketing   EXECUTIVE "),
            fold_of("marketing executive")
        );
        let spread: Vec<u64> = [
            "nurse",
            "software developer",
            "chef",
            "driver",
            "accountant",
        ]
        .iter()
        .map(|t| fold_of(t))
        .collect();
        assert!(spread.iter().all(|&f| f < FOLDS));
        assert!(spread.iter().any(|&f| f != spread[0]));
    }
}
