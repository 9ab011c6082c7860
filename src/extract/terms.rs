//! Index terms: normalised tokens (lower-cased, accent-folded) reduced by a
//! plural-only stemmer, so `nurses` meets `nurse` and `policies` meets
//! `policy` while `business` and `analysis` stay whole.

use std::borrow::Cow;

use compact_str::CompactString;

use crate::text::{self, Token};

/// Reduces an English plural to its singular; other words are returned as
/// they are. The one stemmer of the crate: label terms, text terms and the
/// phrase keys all go through it, so a label and a text meet on one form.
pub fn stem(word: &str) -> Cow<'_, str> {
    let n = word.len();
    if n > 4 && word.ends_with("ies") {
        return Cow::Owned(format!("{}y", &word[..n - 3]));
    }
    if n > 4
        && (word.ends_with("sses")
            || word.ends_with("shes")
            || word.ends_with("ches")
            || word.ends_with("xes"))
    {
        return Cow::Borrowed(&word[..n - 2]);
    }
    if n > 3
        && word.ends_with('s')
        && !(word.ends_with("ss") || word.ends_with("us") || word.ends_with("is"))
    {
        return Cow::Borrowed(&word[..n - 1]);
    }
    Cow::Borrowed(word)
}

/// A term of a text and the token it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextTerm {
    /// The stemmed, normalised term (inline up to 24 bytes).
    pub term: CompactString,
    /// The source token (byte offsets into the text).
    pub token: Token,
    /// Character offsets of the token (start, end), as spans report them.
    pub chars: (usize, usize),
}

/// The terms of a text, in order.
pub fn terms(input: &str) -> Vec<TextTerm> {
    // Character offsets counted once, token after token.
    let (mut byte, mut chars) = (0, 0);
    text::tokenize(input)
        .into_iter()
        .map(|token| {
            chars += input[byte..token.start].chars().count();
            let start = chars;
            chars += input[token.start..token.end].chars().count();
            byte = token.end;
            TextTerm {
                term: CompactString::from(stem(&token.norm)),
                token,
                chars: (start, chars),
            }
        })
        .collect()
}

/// The stemmed terms of a label, in order.
pub fn label_terms(label: &str) -> Vec<String> {
    text::tokenize(label)
        .into_iter()
        .map(|t| stem(&t.norm).into_owned())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plurals_are_reduced_and_other_words_kept() {
        for (word, expected) in [
            ("nurses", "nurse"),
            ("policies", "policy"),
            ("boxes", "box"),
            ("classes", "class"),
            ("business", "business"),
            ("analysis", "analysis"),
            ("status", "status"),
            ("sql", "sql"),
            ("bus", "bus"),
        ] {
            assert_eq!(stem(word), expected, "{word}");
        }
    }

    #[test]
    fn terms_carry_character_offsets() {
        let input = "Café • SQL";
        for t in terms(input) {
            assert_eq!(t.chars.0, text::char_offset(input, t.token.start));
            assert_eq!(t.chars.1, text::char_offset(input, t.token.end));
        }
    }
}
