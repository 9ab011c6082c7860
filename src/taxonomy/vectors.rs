//! Concept vectors of one taxonomy release: every competency and occupation
//! embedded once (at import, or when the sample is loaded) by the configured
//! [`Embedder`], and kept beside the release snapshot as
//! `taxonomies/<id>/<version>/vectors.bin`. The file is stamped with the
//! embedder's id and dimension and a digest of the embedded texts, so a start
//! with another embedder, or after a re-import that changed the labels,
//! recomputes it; otherwise it is only read.
//!
//! Layout: magic `SMVECTRS`, format (u32 LE), header length (u32 LE), the
//! header in postcard, then the rows as f32 LE: competencies first, then
//! occupations, in the order of the release.

use std::path::Path;

use ndarray::Array2;
use serde::{Deserialize, Serialize};

use super::release_file::write_atomically;
use super::{TaxonomyError, TaxonomyPart};
use crate::domain::{Competency, Occupation};
use crate::embed::{Embedder, EmbeddingMatrix};

const MAGIC: &[u8; 8] = b"SMVECTRS";
const FORMAT: u32 = 1;
/// Texts embedded per call, so progress is visible and memory bounded.
const BATCH: usize = 512;

/// The text a competency is embedded from: its preferred label (measured on
/// the dev files against label + alternative labels, see EVALUATION.md).
pub fn competency_text(competency: &Competency) -> &str {
    &competency.preferred_label
}

/// The text an occupation is embedded from: its preferred label.
pub fn occupation_text(occupation: &Occupation) -> &str {
    &occupation.preferred_label
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Header {
    embedder: String,
    dim: u32,
    digest: [u8; 32],
    competencies: u32,
    occupations: u32,
}

/// The vectors of one release's concepts, rows in the release's order.
#[derive(Debug, Clone, PartialEq)]
pub struct ConceptVectors {
    /// Id of the embedder that computed them.
    pub embedder: String,
    /// One unit row (or zero row) per competency.
    pub competencies: EmbeddingMatrix,
    /// One unit row (or zero row) per occupation.
    pub occupations: EmbeddingMatrix,
}

/// Digest of everything the vectors depend on besides the embedder.
fn digest(part: &TaxonomyPart) -> [u8; 32] {
    let mut hasher = blake3::Hasher::new();
    for text in part.competencies.iter().map(competency_text) {
        hasher.update(text.as_bytes()).update(&[0]);
    }
    hasher.update(&[1]);
    for text in part.occupations.iter().map(occupation_text) {
        hasher.update(text.as_bytes()).update(&[0]);
    }
    *hasher.finalize().as_bytes()
}

fn embed_all(embedder: &dyn Embedder, texts: &[&str]) -> EmbeddingMatrix {
    let mut rows = Array2::<f32>::zeros((texts.len(), embedder.dim()));
    for (chunk, texts) in texts.chunks(BATCH).enumerate() {
        let matrix = embedder.embed_batch(texts);
        let start = chunk * BATCH;
        for (offset, row) in matrix.rows().rows().into_iter().enumerate() {
            rows.row_mut(start + offset).assign(&row);
        }
    }
    EmbeddingMatrix::from_rows(rows)
}

/// Embeds every concept of a release.
pub fn compute(embedder: &dyn Embedder, part: &TaxonomyPart) -> ConceptVectors {
    let competencies: Vec<&str> = part.competencies.iter().map(competency_text).collect();
    let occupations: Vec<&str> = part.occupations.iter().map(occupation_text).collect();
    ConceptVectors {
        embedder: embedder.id().to_owned(),
        competencies: embed_all(embedder, &competencies),
        occupations: embed_all(embedder, &occupations),
    }
}

/// Writes vectors atomically (temporary file, sync, rename, folder sync).
pub fn write(
    path: &Path,
    part: &TaxonomyPart,
    vectors: &ConceptVectors,
) -> Result<(), TaxonomyError> {
    let header = Header {
        embedder: vectors.embedder.clone(),
        dim: u32::try_from(vectors.competencies.dim()).expect("small dimension"),
        digest: digest(part),
        competencies: u32::try_from(vectors.competencies.len()).expect("fewer than 2^32"),
        occupations: u32::try_from(vectors.occupations.len()).expect("fewer than 2^32"),
    };
    let encoded = postcard::to_stdvec(&header).map_err(|error| TaxonomyError::Snapshot {
        path: path.display().to_string(),
        reason: error.to_string(),
    })?;
    let floats = vectors.competencies.rows().len() + vectors.occupations.rows().len();
    let mut bytes = Vec::with_capacity(16 + encoded.len() + 4 * floats);
    bytes.extend_from_slice(MAGIC);
    bytes.extend_from_slice(&FORMAT.to_le_bytes());
    bytes.extend_from_slice(
        &u32::try_from(encoded.len())
            .expect("small header")
            .to_le_bytes(),
    );
    bytes.extend_from_slice(&encoded);
    for matrix in [&vectors.competencies, &vectors.occupations] {
        for value in matrix.rows().iter() {
            bytes.extend_from_slice(&value.to_le_bytes());
        }
    }
    write_atomically(path, &bytes)
}

/// Reads vectors written for this release by this embedder; `None` when the
/// file is missing, unreadable, or stamped with another embedder, dimension
/// or release content.
pub fn read(path: &Path, embedder: &dyn Embedder, part: &TaxonomyPart) -> Option<ConceptVectors> {
    let bytes = std::fs::read(path).ok()?;
    let rest = bytes.strip_prefix(MAGIC.as_slice())?;
    let (format, rest) = rest.split_first_chunk::<4>()?;
    let (length, rest) = rest.split_first_chunk::<4>()?;
    if u32::from_le_bytes(*format) != FORMAT {
        return None;
    }
    let length = usize::try_from(u32::from_le_bytes(*length)).ok()?;
    let header: Header = postcard::from_bytes(rest.get(..length)?).ok()?;
    let expected = Header {
        embedder: embedder.id().to_owned(),
        dim: u32::try_from(embedder.dim()).ok()?,
        digest: digest(part),
        competencies: u32::try_from(part.competencies.len()).ok()?,
        occupations: u32::try_from(part.occupations.len()).ok()?,
    };
    if header != expected {
        return None;
    }
    let dim = embedder.dim();
    let data = &rest[length..];
    let rows = part.competencies.len() + part.occupations.len();
    if data.len() != 4 * rows * dim {
        return None;
    }
    let floats: Vec<f32> = data
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes(c.try_into().expect("4 bytes")))
        .collect();
    let split = part.competencies.len() * dim;
    let matrix = |values: &[f32], n: usize| Array2::from_shape_vec((n, dim), values.to_vec()).ok();
    Some(ConceptVectors {
        embedder: header.embedder,
        competencies: EmbeddingMatrix::from_rows(matrix(
            &floats[..split],
            part.competencies.len(),
        )?),
        occupations: EmbeddingMatrix::from_rows(matrix(&floats[split..], part.occupations.len())?),
    })
}

/// The vectors kept at `path` for this release and embedder, computed and
/// written there first when missing or stale. Returns them and whether they
/// were computed.
pub fn load_or_compute(
    path: &Path,
    embedder: &dyn Embedder,
    part: &TaxonomyPart,
) -> Result<(ConceptVectors, bool), TaxonomyError> {
    if let Some(vectors) = read(path, embedder, part) {
        return Ok((vectors, false));
    }
    let vectors = compute(embedder, part);
    write(path, part, &vectors)?;
    Ok((vectors, true))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::embed::HashingEmbedder;
    use crate::taxonomy::sample_part;

    #[derive(Debug)]
    struct Other;

    impl Embedder for Other {
        fn id(&self) -> &str {
            "other"
        }
        fn dim(&self) -> usize {
            4
        }
        fn embed_batch(&self, texts: &[&str]) -> EmbeddingMatrix {
            EmbeddingMatrix::from_rows(Array2::ones((texts.len(), 4)))
        }
    }

    #[test]
    fn vectors_are_computed_once_and_recomputed_for_another_embedder_or_release() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("vectors.bin");
        let mut part = sample_part().unwrap();
        let (first, computed) = load_or_compute(&path, &HashingEmbedder, &part).unwrap();
        assert!(computed);
        assert_eq!(first.competencies.len(), part.competencies.len());
        assert_eq!(first.occupations.len(), part.occupations.len());
        let (again, computed) = load_or_compute(&path, &HashingEmbedder, &part).unwrap();
        assert!(!computed, "read back, not recomputed");
        let close = |a: &EmbeddingMatrix, b: &EmbeddingMatrix| {
            a.rows().shape() == b.rows().shape()
                && a.rows()
                    .iter()
                    .zip(b.rows())
                    .all(|(x, y)| (x - y).abs() < 1e-6)
        };
        assert!(close(&again.competencies, &first.competencies));
        assert!(close(&again.occupations, &first.occupations));
        let (other, computed) = load_or_compute(&path, &Other, &part).unwrap();
        assert!(computed);
        assert_eq!(other.competencies.dim(), 4);
        part.competencies[0].preferred_label.push_str(" renamed");
        assert!(read(&path, &Other, &part).is_none(), "labels changed");
        std::fs::write(&path, b"SMVECTRS").unwrap();
        assert!(read(&path, &Other, &part).is_none());
    }
}
