//! Short runs of a text's words ("phrase windows"): a sentence names a
//! competency in a few words among many, and the vector of those few words
//! is closer to the competency's label than the whole sentence's vector.

use std::ops::Range;

use super::terms::TextTerm;

/// English function words that neither start nor end a window (sorted).
const FUNCTION_WORDS: &[&str] = &[
    "a", "all", "an", "and", "any", "are", "as", "at", "be", "by", "can", "could", "etc", "for",
    "from", "has", "have", "in", "into", "is", "it", "its", "must", "of", "on", "or", "other",
    "our", "per", "should", "such", "that", "the", "their", "they", "this", "to", "we", "which",
    "who", "will", "with", "would", "you", "your",
];

/// Whether a word is a function word (`and`, `the`, `with`).
pub fn is_function_word(word: &str) -> bool {
    FUNCTION_WORDS.binary_search(&word).is_ok()
}

/// Whether the text between two consecutive tokens ends a run of words:
/// punctuation other than a hyphen, slash or apostrophe, or a line break.
fn breaks(between: &str) -> bool {
    between
        .chars()
        .any(|c| !(c.is_whitespace() || matches!(c, '-' | '/' | '\'' | '’')) || c == '\n')
}

/// Every run of `shortest..=longest` consecutive terms (a range of `all`)
/// that crosses no punctuation and neither starts nor ends with a function
/// word.
pub fn phrase_windows(
    text: &str,
    all: &[TextTerm],
    shortest: usize,
    longest: usize,
) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut run_start = 0;
    for end in 0..all.len() {
        if end > 0 && breaks(&text[all[end - 1].token.end..all[end].token.start]) {
            run_start = end;
        }
        if is_function_word(&all[end].token.norm) {
            continue;
        }
        for len in shortest.max(1)..=longest {
            let Some(first) = (end + 1).checked_sub(len).filter(|&f| f >= run_start) else {
                break;
            };
            if !is_function_word(&all[first].token.norm) {
                out.push(first..end + 1);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::terms::terms;

    fn windows_of(text: &str, shortest: usize, longest: usize) -> Vec<&str> {
        let all = terms(text);
        phrase_windows(text, &all, shortest, longest)
            .into_iter()
            .map(|r| &text[all[r.start].token.start..all[r.end - 1].token.end])
            .collect()
    }

    #[test]
    fn function_words_are_sorted_for_binary_search() {
        assert!(FUNCTION_WORDS.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn windows_skip_function_word_edges_and_stop_at_punctuation() {
        assert_eq!(
            windows_of("Manage the team budget, and write reports", 2, 3),
            ["Manage the team", "team budget", "write reports"]
        );
    }

    #[test]
    fn windows_are_as_long_as_allowed_and_no_longer() {
        assert_eq!(
            windows_of("plan daily staff rotas", 3, 4),
            [
                "plan daily staff",
                "daily staff rotas",
                "plan daily staff rotas"
            ]
        );
        assert!(windows_of("communication", 2, 7).is_empty());
    }

    #[test]
    fn hyphenated_words_stay_in_one_run() {
        assert_eq!(
            windows_of("full-stack developer", 2, 2),
            ["full-stack", "stack developer"]
        );
    }
}
