//! The default embedder: feature hashing of words and character trigrams into
//! a fixed number of dimensions. It needs no model file, is deterministic, and
//! captures lexical overlap including partial words (`dashboard` ~ `dashboards`).

use ndarray::Array2;

use super::{Embedder, EmbeddingMatrix};
use crate::text;

/// Dimension of hashed vectors.
pub const HASHING_DIM: usize = 256;

/// Hashes words (weight 1) and their character trigrams (weight 0.5).
#[derive(Debug, Clone, Default)]
pub struct HashingEmbedder;

/// FNV-1a, a small stable hash (the std hasher is not stable across releases).
fn fnv1a(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in bytes {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

fn add_feature(row: &mut [f32], feature: &str, weight: f32) {
    let hash = fnv1a(feature.as_bytes());
    let slot = (hash % HASHING_DIM as u64) as usize;
    let sign = if hash & (1 << 63) == 0 { 1.0 } else { -1.0 };
    row[slot] += sign * weight;
}

impl Embedder for HashingEmbedder {
    fn id(&self) -> &str {
        "hashing-words-trigrams-256-v1"
    }

    fn dim(&self) -> usize {
        HASHING_DIM
    }

    fn embed_batch(&self, texts: &[&str]) -> EmbeddingMatrix {
        let mut rows = Array2::<f32>::zeros((texts.len(), HASHING_DIM));
        for (index, input) in texts.iter().enumerate() {
            let mut row = rows.row_mut(index);
            let slice = row
                .as_slice_mut()
                .expect("rows of a standard-layout array are contiguous");
            for token in text::tokenize(input) {
                add_feature(slice, &token.norm, 1.0);
                let padded: Vec<char> = format!("<{}>", token.norm).chars().collect();
                for gram in padded.windows(3) {
                    add_feature(slice, &gram.iter().collect::<String>(), 0.5);
                }
            }
        }
        EmbeddingMatrix::from_rows(rows)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn similar_texts_are_closer_than_unrelated_ones() {
        let embedder = HashingEmbedder;
        let a = embedder.embed("build dashboards in Power BI").unwrap();
        let b = embedder.embed("dashboard building with power bi").unwrap();
        let c = embedder.embed("administer medication to patients").unwrap();
        assert!(a.cosine(&b) > a.cosine(&c) + 0.2);
        assert_eq!(embedder.embed(""), None);
    }
}
