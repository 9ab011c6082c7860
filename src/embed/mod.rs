//! Text embeddings for the vector side of scoring: the [`Embedder`] trait,
//! unit-normalised [`Embedding`] rows, and the default embedder that ships
//! with the code.

mod hashing;
#[cfg(feature = "minilm")]
mod minilm;
mod occupation_prior;
mod screen;
mod static_table;
mod title_fusion;
mod title_neighbours;
mod title_votes;

use std::sync::Arc;

use ndarray::{Array1, Array2, ArrayView1, Axis};

pub use hashing::HashingEmbedder;
#[cfg(feature = "minilm")]
pub use minilm::{EmbedError, MAX_SEQUENCE_TOKENS, MiniLmEmbedder};
pub use occupation_prior::{BadPriorLine, OccupationPrior};
pub use screen::ScreenedMatrix;
pub use static_table::{StaticEmbedder, StaticTableError};
pub use title_fusion::{
    BadFusionFile, FEATURES as FUSION_FEATURES, FusionParts, TitleFusion, softmax_shares,
};
pub use title_neighbours::{BadNeighboursLine, ResolvedNeighbours, TitleNeighbours};
pub use title_votes::{BadVotesLine, ResolvedVotes, TitleVotes};

/// A unit-length vector. Only constructible through normalisation, so a dot
/// product of two embeddings is their cosine.
#[derive(Debug, Clone, PartialEq)]
pub struct Embedding(Array1<f32>);

impl Embedding {
    /// Normalises a vector; `None` for a zero or non-finite vector.
    pub fn normalize(mut vector: Array1<f32>) -> Option<Self> {
        let norm = vector.dot(&vector).sqrt();
        if !norm.is_finite() || norm <= f32::EPSILON {
            return None;
        }
        vector /= norm;
        Some(Self(vector))
    }

    /// The components.
    pub fn view(&self) -> ArrayView1<'_, f32> {
        self.0.view()
    }

    /// Cosine similarity with another embedding of the same dimension.
    pub fn cosine(&self, other: &Embedding) -> f32 {
        self.0.dot(&other.0)
    }

    /// [`Self::cosine`] with an embedding stored as a row of a larger array
    /// (e.g. one row of a contiguous matrix): the same bits.
    pub fn cosine_with_row(&self, row: &[f32]) -> f32 {
        match self.0.as_slice() {
            Some(components) => dot(components, row),
            None => self.0.dot(&ArrayView1::from(row)),
        }
    }
}

/// A matrix whose rows are unit-length embeddings (zero rows for texts
/// without content), so `matrix.dot(query)` yields cosines.
#[derive(Debug, Clone, PartialEq)]
pub struct EmbeddingMatrix(Array2<f32>);

impl EmbeddingMatrix {
    /// Normalises every row in place; rows that cannot be normalised become zero.
    pub fn from_rows(mut rows: Array2<f32>) -> Self {
        for mut row in rows.axis_iter_mut(Axis(0)) {
            let norm = row.dot(&row).sqrt();
            if norm.is_finite() && norm > f32::EPSILON {
                row /= norm;
            } else {
                row.fill(0.0);
            }
        }
        Self(rows)
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.0.nrows()
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.0.nrows() == 0
    }

    /// Dimension of the rows.
    pub fn dim(&self) -> usize {
        self.0.ncols()
    }

    /// Cosine of every row with the query: bit for bit what
    /// `rows.dot(query)` gives (see `dot`), in fewer instructions.
    ///
    /// The scan runs in the widest vector lanes the CPU offers (chosen at
    /// run time: 8-wide AVX where present, so the eight partial sums of
    /// `dot` fill one register); multiplies and adds stay separate
    /// (never fused), so every lane width gives the same bits.
    pub fn cosines(&self, query: &Embedding) -> Array1<f32> {
        let dim = self.0.ncols();
        match (self.0.as_slice(), query.0.as_slice()) {
            (Some(rows), Some(query)) if dim > 0 && query.len() == dim => {
                Array1::from(pulp::Arch::new().dispatch(RowScan { rows, query, dim }))
            }
            _ => self.0.dot(&query.view()),
        }
    }

    /// Cosine of the query with the rows at `at`, in that order: for each,
    /// the bits [`Self::cosines`] gives it, read from those rows alone.
    pub fn cosines_at(&self, query: &Embedding, at: &[usize]) -> Vec<f32> {
        let dim = self.0.ncols();
        match (self.0.as_slice(), query.0.as_slice()) {
            (Some(rows), Some(query)) if dim > 0 && query.len() == dim => pulp::Arch::new()
                .dispatch(RowsAt {
                    rows,
                    at,
                    query,
                    dim,
                }),
            _ => at
                .iter()
                .map(|&r| self.0.row(r).dot(&query.view()))
                .collect(),
        }
    }

    /// The rows.
    pub fn rows(&self) -> &Array2<f32> {
        &self.0
    }
}

/// The dot product of a query with every row of a contiguous matrix, as a
/// [`pulp::WithSimd`] operation: compiled once per instruction set and
/// inlined into it, so the lane-wise sums of [`dot`] use the set's widest
/// registers.
struct RowScan<'a> {
    rows: &'a [f32],
    query: &'a [f32],
    dim: usize,
}

impl pulp::WithSimd for RowScan<'_> {
    type Output = Vec<f32>;

    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _simd: S) -> Vec<f32> {
        let mut cosines = Vec::with_capacity(self.rows.len() / self.dim);
        if self.dim % 8 == 0 {
            let (rows, _) = chunks_of_eight(self.rows);
            let (query, _) = chunks_of_eight(self.query);
            let mut blocks = rows.chunks_exact(query.len() * 4);
            for block in &mut blocks {
                let (a, rest) = block.split_at(query.len());
                let (b, rest) = rest.split_at(query.len());
                let (c, d) = rest.split_at(query.len());
                cosines.extend(four_dots([a, b, c, d], query));
            }
            for row in blocks.remainder().chunks_exact(query.len()) {
                cosines.push(dot(row.as_flattened(), self.query));
            }
        } else {
            for row in self.rows.chunks_exact(self.dim) {
                cosines.push(dot(row, self.query));
            }
        }
        cosines
    }
}

/// [`RowScan`] over some rows only: the dot product of a query with the
/// rows at `at` of a contiguous matrix, four rows at a time.
struct RowsAt<'a> {
    rows: &'a [f32],
    at: &'a [usize],
    query: &'a [f32],
    dim: usize,
}

impl pulp::WithSimd for RowsAt<'_> {
    type Output = Vec<f32>;

    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _simd: S) -> Vec<f32> {
        let row = |r: usize| &self.rows[r * self.dim..(r + 1) * self.dim];
        let mut cosines = Vec::with_capacity(self.at.len());
        if self.dim % 8 == 0 {
            let (query, _) = chunks_of_eight(self.query);
            let mut fours = self.at.chunks_exact(4);
            for four in &mut fours {
                let eights = |i: usize| chunks_of_eight(row(four[i])).0;
                cosines.extend(four_dots(
                    [eights(0), eights(1), eights(2), eights(3)],
                    query,
                ));
            }
            for &r in fours.remainder() {
                cosines.push(dot(row(r), self.query));
            }
        } else {
            for &r in self.at {
                cosines.push(dot(row(r), self.query));
            }
        }
        cosines
    }
}

/// The dot product of two slices over the shorter one's length, summed in
/// exactly the order of ndarray's `dot` on contiguous data (eight
/// interleaved partial sums `p0..p7`, see [`add_products`], then
/// [`lane_total`], then the tail in order), so it returns the same bits.
#[inline(always)]
fn dot(a: &[f32], b: &[f32]) -> f32 {
    let n = a.len().min(b.len());
    let ((a, a_tail), (b, b_tail)) = (chunks_of_eight(&a[..n]), chunks_of_eight(&b[..n]));
    let mut sums = [0.0f32; 8];
    for (x, y) in a.iter().zip(b) {
        add_products(&mut sums, x, y);
    }
    // Without this barrier the compiler fuses the loop with the pairwise
    // sums and narrows it to 2-wide vectors (measured: 2.4 against 1.4
    // instructions per element); it changes no value.
    let mut sum = lane_total(std::hint::black_box(sums));
    for (x, y) in a_tail.iter().zip(b_tail) {
        sum += x * y;
    }
    sum
}

/// [`dot`] of four rows with one query whose length is a multiple of 8,
/// each row in chunks of eight and as long as the query. The four rows'
/// sums are independent chains, so the adder stays busy while one row's
/// sum waits on its previous add; each row gets the bits [`dot`] gives it.
#[inline(always)]
fn four_dots(rows: [&[[f32; 8]]; 4], query: &[[f32; 8]]) -> [f32; 4] {
    let k = query.len();
    let [a, b, c, d] = rows;
    let (a, b, c, d) = (&a[..k], &b[..k], &c[..k], &d[..k]);
    let mut sums = [[0.0f32; 8]; 4];
    for (i, y) in query.iter().enumerate() {
        add_products(&mut sums[0], &a[i], y);
        add_products(&mut sums[1], &b[i], y);
        add_products(&mut sums[2], &c[i], y);
        add_products(&mut sums[3], &d[i], y);
    }
    let [a, b, c, d] = std::hint::black_box(sums);
    [lane_total(a), lane_total(b), lane_total(c), lane_total(d)]
}

/// A slice as whole chunks of eight and the rest (what `as_chunks::<8>`
/// gives from Rust 1.88).
#[inline(always)]
fn chunks_of_eight(values: &[f32]) -> (&[[f32; 8]], &[f32]) {
    let (whole, rest) = values.split_at(values.len() / 8 * 8);
    (bytemuck::cast_slice(whole), rest)
}

/// Adds the products of eight pairs to eight partial sums, lane by lane:
/// a fixed-length loop the compiler turns into vector multiplies and adds
/// (two 4-wide, or one 8-wide where AVX is enabled), never fused.
///
/// Indexed on purpose: the zipped-iterator form compiled to 1.03 × the
/// instructions of sentence extraction (callgrind, BENCHMARKS.md,
/// "Hot loops that compile the same in every build").
#[inline(always)]
#[allow(clippy::needless_range_loop)]
fn add_products(sums: &mut [f32; 8], x: &[f32; 8], y: &[f32; 8]) {
    for j in 0..8 {
        sums[j] += x[j] * y[j];
    }
}

/// The eight partial sums added the way ndarray adds them:
/// `0 + (p0 + p4) + (p1 + p5) + (p2 + p6) + (p3 + p7)`.
#[inline(always)]
fn lane_total(p: [f32; 8]) -> f32 {
    let mut sum = 0.0f32;
    for j in 0..4 {
        sum += p[j] + p[j + 4];
    }
    sum
}

/// Turns texts into vectors. Implementations are deterministic: the same
/// text always gives the same vector, so vectors can be persisted.
pub trait Embedder: Send + Sync + std::fmt::Debug {
    /// A stable id of the model and its parameters, stored beside persisted vectors.
    fn id(&self) -> &str;

    /// Dimension of the vectors.
    fn dim(&self) -> usize;

    /// Embeds a batch of texts; row `i` belongs to `texts[i]`.
    fn embed_batch(&self, texts: &[&str]) -> EmbeddingMatrix;

    /// Embeds one text; `None` when it has no content the model knows.
    fn embed(&self, text: &str) -> Option<Embedding> {
        let matrix = self.embed_batch(&[text]);
        Embedding::normalize(matrix.rows().row(0).to_owned())
    }

    /// The prior over occupations learnt with the model, if it has one.
    fn occupation_prior(&self) -> Option<&OccupationPrior> {
        None
    }

    /// The occupations vacancy titles with each word or word pair name,
    /// learnt with the model, if it has them.
    fn title_votes(&self) -> Option<&TitleVotes> {
        None
    }

    /// The learnt fusion of a title's candidate occupations, learnt with
    /// the model, if it has one.
    fn title_fusion(&self) -> Option<&TitleFusion> {
        None
    }

    /// Vacancy titles' vectors with the occupations they name, learnt with
    /// the model, if it has them.
    fn title_neighbours(&self) -> Option<&TitleNeighbours> {
        None
    }
}

/// Which embedder computes concept and text vectors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EmbedderChoice {
    /// The default: ships with the code, needs no model file (the static
    /// token table trained on the skills domain, `assets/static-skills/`).
    Default,
    /// Feature hashing of words and character trigrams.
    Hashing,
    /// The trained static token table (the same as the default).
    Static,
    /// The static token table distilled from all-MiniLM-L6-v2, untrained
    /// (the default before the trained table).
    StaticMiniLm,
    /// A static token table from a folder (`table.bin`, as written by
    /// `scripts/train-embedder --out FOLDER`).
    StaticFile(std::path::PathBuf),
    /// all-MiniLM-L6-v2 with weights from this folder (cargo feature `minilm`).
    MiniLm(std::path::PathBuf),
}

/// An embedder could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum EmbedderSetupError {
    /// The MiniLM weights could not be loaded.
    #[cfg(feature = "minilm")]
    #[error(transparent)]
    MiniLm(#[from] EmbedError),
    /// A static table could not be loaded from its folder.
    #[error(transparent)]
    StaticTable(#[from] StaticTableError),
    /// MiniLM was asked for in a build without the `minilm` feature.
    #[error("this build has no MiniLM embedder; build with `--features minilm`")]
    NotBuilt,
}

impl std::str::FromStr for EmbedderChoice {
    type Err = String;

    /// `default`, `static`, `static-minilm`, `static:FOLDER`, `hashing`, or
    /// `minilm:FOLDER`.
    fn from_str(spec: &str) -> Result<Self, Self::Err> {
        match spec {
            "default" => Ok(Self::Default),
            "hashing" => Ok(Self::Hashing),
            "static" => Ok(Self::Static),
            "static-minilm" => Ok(Self::StaticMiniLm),
            _ => {
                if let Some(folder) = spec.strip_prefix("minilm:").filter(|f| !f.is_empty()) {
                    Ok(Self::MiniLm(folder.into()))
                } else if let Some(folder) = spec.strip_prefix("static:").filter(|f| !f.is_empty())
                {
                    Ok(Self::StaticFile(folder.into()))
                } else {
                    Err(format!(
                        "unknown embedder {spec:?}: use default, static, static-minilm, \
                         static:FOLDER, hashing or minilm:FOLDER"
                    ))
                }
            }
        }
    }
}

impl EmbedderChoice {
    /// Loads the embedder.
    pub fn load(&self) -> Result<Arc<dyn Embedder>, EmbedderSetupError> {
        match self {
            Self::Default => Ok(default_embedder()),
            Self::Hashing => Ok(Arc::new(HashingEmbedder)),
            Self::Static => Ok(Arc::new(StaticEmbedder::default())),
            Self::StaticMiniLm => Ok(Arc::new(StaticEmbedder::minilm())),
            Self::StaticFile(folder) => Ok(Arc::new(StaticEmbedder::from_folder(folder)?)),
            #[cfg(feature = "minilm")]
            Self::MiniLm(folder) => Ok(Arc::new(MiniLmEmbedder::load(folder)?)),
            #[cfg(not(feature = "minilm"))]
            Self::MiniLm(_) => Err(EmbedderSetupError::NotBuilt),
        }
    }
}

/// The embedder used when none is configured.
pub fn default_embedder() -> Arc<dyn Embedder> {
    Arc::new(StaticEmbedder::default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_embedder_spec() {
        let parse = |s: &str| s.parse::<EmbedderChoice>();
        assert_eq!(parse("static-minilm"), Ok(EmbedderChoice::StaticMiniLm));
        assert_eq!(
            parse("static:/tmp/t"),
            Ok(EmbedderChoice::StaticFile("/tmp/t".into()))
        );
        assert!(parse("static:").is_err());
        assert!(parse("minilm:").is_err());
        assert!(parse("nope").is_err());
    }

    #[test]
    fn cosines_are_bit_identical_to_ndarray_dot() {
        for dim in [1, 7, 8, 13, 128] {
            let rows = Array2::from_shape_fn((5, dim), |(i, j)| {
                ((i * 31 + j * 17) % 23) as f32 / 7.0 - 1.3 + (j as f32).sin()
            });
            let matrix = EmbeddingMatrix::from_rows(rows);
            let query =
                Embedding::normalize(Array1::from_shape_fn(dim, |j| (j as f32 * 0.37).cos()))
                    .unwrap();
            let expected = matrix.rows().dot(&query.view());
            let got = matrix.cosines(&query);
            for (g, e) in got.iter().zip(&expected) {
                assert_eq!(g.to_bits(), e.to_bits(), "dim {dim}");
            }
        }
    }

    #[test]
    fn cosines_at_some_rows_are_the_bits_of_cosines() {
        for dim in [1, 7, 8, 13, 128] {
            let rows = Array2::from_shape_fn((9, dim), |(i, j)| {
                ((i * 31 + j * 17) % 23) as f32 / 7.0 - 1.3 + (j as f32).sin()
            });
            let matrix = EmbeddingMatrix::from_rows(rows);
            let query =
                Embedding::normalize(Array1::from_shape_fn(dim, |j| (j as f32 * 0.37).cos()))
                    .unwrap();
            let all = matrix.cosines(&query);
            // Four at a time and a remainder, out of order, one row twice.
            for at in [
                vec![],
                vec![3],
                vec![8, 0, 5, 5, 1, 7],
                (0..9).rev().collect(),
            ] {
                let got = matrix.cosines_at(&query, &at);
                let expected: Vec<u32> = at.iter().map(|&r| all[r].to_bits()).collect();
                let got: Vec<u32> = got.iter().map(|c| c.to_bits()).collect();
                assert_eq!(got, expected, "dim {dim}, rows {at:?}");
            }
        }
    }

    #[test]
    fn every_lane_width_gives_the_bits_of_ndarray_dot() {
        for dim in [1, 7, 8, 13, 128] {
            let rows = Array2::from_shape_fn((5, dim), |(i, j)| {
                ((i * 29 + j * 13) % 19) as f32 / 5.0 - 1.1 + (j as f32).cos()
            });
            let query = Array1::from_shape_fn(dim, |j| (j as f32 * 0.61).sin());
            let expected = rows.dot(&query);
            let scan = || RowScan {
                rows: rows.as_slice().unwrap(),
                query: query.as_slice().unwrap(),
                dim,
            };
            let portable = pulp::Simd::vectorize(pulp::Scalar, scan());
            let widest = pulp::Arch::new().dispatch(scan());
            for ((p, w), e) in portable.iter().zip(&widest).zip(&expected) {
                assert_eq!(p.to_bits(), e.to_bits(), "portable, dim {dim}");
                assert_eq!(w.to_bits(), e.to_bits(), "widest, dim {dim}");
            }
        }
    }

    #[test]
    fn cosine_with_a_row_is_bit_identical_to_cosine() {
        for dim in [1, 7, 8, 13, 128, 384] {
            let a = Embedding::normalize(Array1::from_shape_fn(dim, |j| (j as f32 * 0.37).cos()))
                .unwrap();
            let b = Embedding::normalize(Array1::from_shape_fn(dim, |j| {
                ((j * 17) % 23) as f32 / 7.0 - 1.3 + (j as f32).sin()
            }))
            .unwrap();
            assert_eq!(
                a.cosine_with_row(&b.view().to_vec()).to_bits(),
                a.cosine(&b).to_bits(),
                "dim {dim}"
            );
        }
    }

    #[test]
    fn normalisation_makes_unit_vectors_and_rejects_zero() {
        let e = Embedding::normalize(Array1::from(vec![3.0, 4.0])).unwrap();
        assert!((e.cosine(&e) - 1.0).abs() < 1e-6);
        assert!(Embedding::normalize(Array1::zeros(2)).is_none());
        let m = EmbeddingMatrix::from_rows(
            Array2::from_shape_vec((2, 2), vec![0.0, 2.0, 0.0, 0.0]).unwrap(),
        );
        assert_eq!(m.cosines(&e).to_vec(), vec![0.8, 0.0]);
    }
}
