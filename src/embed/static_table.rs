//! The default embedder: a static token table distilled from
//! all-MiniLM-L6-v2 (`assets/static-minilm/`, Apache-2.0, LICENSE and NOTICE
//! beside it; made by `scripts/distill-static-minilm`). A text is split into
//! MiniLM's WordPiece tokens (BERT uncased: lower case, accents stripped,
//! punctuation split off, greedy longest-match pieces), and its vector is the
//! idf-weighted sum of the tokens' rows, normalised. No model runs, so it
//! costs microseconds per text; the table and vocabulary (about 2 MB) are
//! compiled into the binary.

use std::collections::HashMap;
use std::sync::OnceLock;

use ndarray::Array2;
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

use super::{Embedder, EmbeddingMatrix};

const VOCAB: &str = include_str!("../../assets/static-minilm/vocab.txt");
const TABLE: &[u8] = include_bytes!("../../assets/static-minilm/table.bin");
const MAGIC: &[u8; 8] = b"SMSTATIC";
/// Words longer than this are one unknown token, as in BERT.
const MAX_WORD_CHARS: usize = 100;

/// The parsed table: WordPiece vocabulary and, per kept token, idf × row.
#[derive(Debug)]
struct Table {
    vocab: HashMap<String, u32>,
    dim: usize,
    /// Row index of each token id with a row.
    row_of: HashMap<u32, usize>,
    /// Dequantised rows already multiplied by their token's idf.
    rows: Array2<f32>,
}

fn u32_at(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(bytes[at..at + 4].try_into().expect("4 bytes"))
}

fn f32_at(bytes: &[u8], at: usize) -> f32 {
    f32::from_le_bytes(bytes[at..at + 4].try_into().expect("4 bytes"))
}

impl Table {
    /// Parses the compiled-in files; they are checked by the tests, so a
    /// malformed table is a build defect.
    fn parse() -> Self {
        assert_eq!(&TABLE[..8], MAGIC, "static table magic");
        assert_eq!(u32_at(TABLE, 8), 1, "static table format");
        let dim = u32_at(TABLE, 12) as usize;
        let count = u32_at(TABLE, 16) as usize;
        let stride = 12 + dim;
        assert_eq!(TABLE.len(), 20 + count * stride, "static table size");
        let mut rows = Array2::<f32>::zeros((count, dim));
        let mut row_of = HashMap::with_capacity(count);
        for (row, record) in TABLE[20..].chunks_exact(stride).enumerate() {
            let id = u32_at(record, 0);
            let weight = f32_at(record, 4) * f32_at(record, 8);
            for (out, &q) in rows.row_mut(row).iter_mut().zip(&record[12..]) {
                *out = f32::from(q as i8) * weight;
            }
            row_of.insert(id, row);
        }
        let vocab = VOCAB
            .lines()
            .enumerate()
            .map(|(id, token)| (token.to_owned(), u32::try_from(id).expect("small vocab")))
            .collect();
        Self {
            vocab,
            dim,
            row_of,
            rows,
        }
    }

    /// WordPiece ids of one word; `None` when it cannot be pieced (BERT's `[UNK]`).
    fn pieces(&self, word: &str, out: &mut Vec<u32>) {
        if word.chars().count() > MAX_WORD_CHARS {
            return;
        }
        let mark = out.len();
        let mut start = 0;
        let mut piece = String::with_capacity(word.len() + 2);
        while start < word.len() {
            let mut end = word.len();
            let mut found = None;
            while start < end {
                piece.clear();
                if start > 0 {
                    piece.push_str("##");
                }
                piece.push_str(&word[start..end]);
                if let Some(&id) = self.vocab.get(piece.as_str()) {
                    found = Some(id);
                    break;
                }
                end = word[..end]
                    .char_indices()
                    .next_back()
                    .map_or(start, |(i, _)| i);
            }
            match found {
                Some(id) => {
                    out.push(id);
                    start = end;
                }
                None => {
                    out.truncate(mark);
                    return;
                }
            }
        }
    }

    /// WordPiece ids of a text (no `[CLS]`/`[SEP]`; unknown words dropped).
    fn token_ids(&self, text: &str) -> Vec<u32> {
        let folded: String = text
            .nfd()
            .filter(|c| !is_combining_mark(*c))
            .flat_map(char::to_lowercase)
            .collect();
        let mut ids = Vec::new();
        let mut word = String::new();
        for c in folded.chars() {
            if c.is_whitespace() || c.is_control() {
                self.flush(&mut word, &mut ids);
            } else if is_punctuation(c) {
                self.flush(&mut word, &mut ids);
                let mut buffer = [0u8; 4];
                self.pieces(c.encode_utf8(&mut buffer), &mut ids);
            } else {
                word.push(c);
            }
        }
        self.flush(&mut word, &mut ids);
        ids
    }

    fn flush(&self, word: &mut String, ids: &mut Vec<u32>) {
        if !word.is_empty() {
            self.pieces(word, ids);
            word.clear();
        }
    }
}

/// BERT's punctuation: ASCII symbols and Unicode punctuation.
fn is_punctuation(c: char) -> bool {
    c.is_ascii_punctuation() || (!c.is_ascii() && !c.is_alphanumeric() && !c.is_whitespace())
}

fn table() -> &'static Table {
    static TABLE_CELL: OnceLock<Table> = OnceLock::new();
    TABLE_CELL.get_or_init(Table::parse)
}

/// The static MiniLM token-table embedder (the default).
#[derive(Debug, Clone, Default)]
pub struct StaticEmbedder;

impl Embedder for StaticEmbedder {
    fn id(&self) -> &str {
        "static-minilm-l6-v2-pca128-idf-v1"
    }

    fn dim(&self) -> usize {
        table().dim
    }

    fn embed_batch(&self, texts: &[&str]) -> EmbeddingMatrix {
        let table = table();
        let mut out = Array2::<f32>::zeros((texts.len(), table.dim));
        for (index, text) in texts.iter().enumerate() {
            let mut row = out.row_mut(index);
            for id in table.token_ids(text) {
                if let Some(&r) = table.row_of.get(&id) {
                    row += &table.rows.row(r);
                }
            }
        }
        EmbeddingMatrix::from_rows(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wordpiece_splits_like_bert_uncased() {
        let table = table();
        let id = |t: &str| table.vocab[t];
        assert_eq!(table.token_ids("Nurse"), vec![id("nurse")]);
        assert_eq!(
            table.token_ids("Café, dashboards!"),
            vec![id("cafe"), id(","), id("dashboard"), id("##s"), id("!")]
        );
        assert!(table.token_ids("").is_empty());
    }

    #[test]
    fn related_texts_are_closer_than_unrelated_ones() {
        let embedder = StaticEmbedder;
        let a = embedder.embed("administer medication to patients").unwrap();
        let b = embedder.embed("give drugs to hospital patients").unwrap();
        let c = embedder.embed("repair car engines").unwrap();
        assert!(
            a.cosine(&b) > a.cosine(&c) + 0.1,
            "{} {}",
            a.cosine(&b),
            a.cosine(&c)
        );
        assert_eq!(embedder.dim(), 128);
        assert_eq!(embedder.embed("   "), None);
    }
}
