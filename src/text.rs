//! Text normalisation shared by extraction and search: tokens with their
//! character offsets into the original text.

use compact_str::CompactString;
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// A normalised token and where it sits in the original text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// Lower-cased, accent-folded form (held inline up to 24 bytes, so
    /// most tokens of a text take no allocation of their own).
    pub norm: CompactString,
    /// Byte offset of the first character in the original text.
    pub start: usize,
    /// Byte offset just past the last character.
    pub end: usize,
}

/// Whether a character belongs inside a token. `+` and `#` keep `C++` and `C#` whole.
fn is_token_char(c: char) -> bool {
    c.is_alphanumeric() || c == '+' || c == '#'
}

/// Lower-cases and strips accents: `Café` -> `cafe`.
pub fn fold(word: &str) -> CompactString {
    if word.is_ascii() {
        // NFKD leaves ASCII as it is and no ASCII character is a combining mark.
        let mut folded = CompactString::from(word);
        folded.make_ascii_lowercase();
        return folded;
    }
    word.nfkd()
        .filter(|c| !is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .collect()
}

/// Splits text into normalised tokens with byte offsets.
pub fn tokenize(text: &str) -> Vec<Token> {
    // About one token for every six bytes of English text.
    let mut tokens = Vec::with_capacity(text.len() / 6);
    let mut start = None;
    for (index, c) in text.char_indices() {
        match (is_token_char(c), start) {
            (true, None) => start = Some(index),
            (false, Some(begin)) => {
                push_token(&mut tokens, text, begin, index);
                start = None;
            }
            _ => {}
        }
    }
    if let Some(begin) = start {
        push_token(&mut tokens, text, begin, text.len());
    }
    tokens
}

fn push_token(tokens: &mut Vec<Token>, text: &str, start: usize, end: usize) {
    tokens.push(Token {
        norm: fold(&text[start..end]),
        start,
        end,
    });
}

/// Normalised tokens only, joined by single spaces: the canonical form of a label.
pub fn normalize(text: &str) -> String {
    tokenize(text)
        .iter()
        .map(|t| t.norm.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Converts a byte offset into a character offset, for API responses that count characters.
pub fn char_offset(text: &str, byte_offset: usize) -> usize {
    text[..byte_offset.min(text.len())].chars().count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_keep_offsets_and_fold_case_and_accents() {
        let tokens = tokenize("Café SQL, C++ & C#!");
        let norms: Vec<&str> = tokens.iter().map(|t| t.norm.as_str()).collect();
        assert_eq!(norms, ["cafe", "sql", "c++", "c#"]);
        assert_eq!(
            &"Café SQL, C++ & C#!"[tokens[1].start..tokens[1].end],
            "SQL"
        );
    }

    #[test]
    fn normalize_joins_tokens() {
        assert_eq!(
            normalize("  Use  Spreadsheets-Software "),
            "use spreadsheets software"
        );
    }

    #[test]
    fn char_offsets_count_characters_not_bytes() {
        assert_eq!(char_offset("é SQL", 3), 2);
    }
}
