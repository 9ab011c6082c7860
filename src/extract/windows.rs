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

/// At most this many windows per text, the first ones: a sentence of 170
/// words has about as many. A text without a body that is longer (a wall of
/// text on one line, up to the 100,000 characters a request may hold) gets
/// no more, so its cost stays bounded: a 100,000-character line of sentence
/// words takes about 90 ms so, 285 ms with every window and 68 ms with none
/// (BENCHMARKS.md, "Phrase windows").
pub const MAX_WINDOWS: usize = 1_024;

/// The first [`MAX_WINDOWS`] runs of `shortest..=longest` consecutive terms
/// (ranges of `all`), in the order they end, that cross no punctuation and
/// neither start nor end with a function word.
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
                if out.len() == MAX_WINDOWS {
                    return out;
                }
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
    fn a_wall_of_text_gets_the_first_windows_only() {
        let text = "plan daily staff rotas ".repeat(2_000);
        let all = terms(&text);
        let windows = phrase_windows(&text, &all, 2, 7);
        assert_eq!(windows.len(), MAX_WINDOWS);
        assert_eq!(windows[0], 0..2);
        assert!(windows.iter().all(|w| w.end <= 200));
    }

    #[test]
    fn hyphenated_words_stay_in_one_run() {
        assert_eq!(
            windows_of("full-stack developer", 2, 2),
            ["full-stack", "stack developer"]
        );
    }
}
