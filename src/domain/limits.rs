//! The documented maximum of every free-text, list and numeric request field,
//! in one place. The proto comments and the README's limits table state the
//! same numbers; `tests/it` sends one past each and expects a field violation.

use super::Violations;

/// Long free text: descriptions, CV text, texts to extract from (characters).
pub const MAX_TEXT_CHARS: usize = 100_000;
/// Names and short texts: titles, providers, issuers, display names,
/// locations, labels, learning outcomes, credit systems (characters).
pub const MAX_NAME_CHARS: usize = 1_000;
/// Competency and occupation URIs, landing-page URLs (characters).
pub const MAX_URI_CHARS: usize = 2_048;
/// SearchCompetencies `query` (characters).
pub const MAX_QUERY_CHARS: usize = 500;
/// A filter value such as a taxonomy id, reuse level or collection (characters).
pub const MAX_FILTER_VALUE_CHARS: usize = 200;
/// Values in one repeated filter field (`taxonomy_ids`, `collections`, ...).
pub const MAX_FILTER_VALUES: usize = 32;
/// Competencies one job lists.
pub const MAX_JOB_COMPETENCIES: usize = 200;
/// Competencies one credential teaches.
pub const MAX_TAUGHT_COMPETENCIES: usize = 500;
/// Learning outcomes of one credential.
pub const MAX_LEARNING_OUTCOMES: usize = 200;
/// Accrediting bodies or frameworks of one credential.
pub const MAX_NAMES_PER_LIST: usize = 50;
/// Credential ids in `part_of`, `has_part` or `prerequisites`.
pub const MAX_CREDENTIAL_LINKS: usize = 100;
/// Competency URIs in a credential filter.
pub const MAX_FILTER_COMPETENCIES: usize = 200;
/// Credentials one UpsertCredentials request may carry.
pub const MAX_UPSERT_BATCH: usize = 1000;
/// Largest hours, credits or cost amount accepted (any unit).
pub const MAX_AMOUNT: f64 = 1.0e9;

impl Violations {
    /// Records a violation when `value` is longer than `max` characters.
    pub fn check_chars(&mut self, field: &str, value: &str, max: usize) {
        // Bytes bound characters from above: count only when the bytes exceed.
        if value.len() > max && value.chars().count() > max {
            self.add(field, format!("must be at most {max} characters"));
        }
    }

    /// Records a violation when a repeated field holds more than `max` entries.
    pub fn check_count(&mut self, field: &str, len: usize, max: usize) {
        if len > max {
            self.add(field, format!("must hold at most {max} entries"));
        }
    }

    /// Records a violation unless `value` is a finite number in `[0, MAX_AMOUNT]`.
    pub fn check_amount(&mut self, field: &str, value: f64) {
        if !(value.is_finite() && (0.0..=MAX_AMOUNT).contains(&value)) {
            self.add(
                field,
                format!("must be a finite number between 0 and {MAX_AMOUNT:e}"),
            );
        }
    }

    /// Records a violation unless `value` is a finite number in `[0, 1]`.
    pub fn check_unit_score(&mut self, field: &str, value: f64) {
        if !(value.is_finite() && (0.0..=1.0).contains(&value)) {
            self.add(field, "must be a finite number between 0 and 1");
        }
    }

    /// Checks every entry of a list of names: at most `max_count` entries of
    /// at most [`MAX_NAME_CHARS`] characters.
    pub fn check_names(&mut self, field: &str, names: &[String], max_count: usize) {
        self.check_count(field, names.len(), max_count);
        for (index, name) in names.iter().enumerate().take(max_count) {
            self.check_chars(&format!("{field}[{index}]"), name, MAX_NAME_CHARS);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_reject_one_past_and_accept_at_the_maximum() {
        let mut v = Violations::default();
        v.check_chars("a", &"é".repeat(10), 10);
        v.check_count("b", 10, 10);
        v.check_amount("c", MAX_AMOUNT);
        v.check_unit_score("d", 1.0);
        assert!(v.is_empty());
        for bad in [
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            -0.5,
            MAX_AMOUNT * 2.0,
        ] {
            let mut v = Violations::default();
            v.check_amount("c", bad);
            assert!(!v.is_empty(), "{bad}");
        }
        let mut v = Violations::default();
        v.check_chars("a", &"é".repeat(11), 10);
        v.check_count("b", 11, 10);
        v.check_unit_score("d", f64::NAN);
        assert_eq!(v.finish(()).unwrap_err().violations().len(), 3);
    }
}
