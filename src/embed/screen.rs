//! A cheap first pass over an [`EmbeddingMatrix`]: an int8 copy of its rows
//! gives every row's cosine with a query within a proven bound, so only the
//! rows whose cosine can lie above a floor are computed exactly.
//!
//! Callers that map cosines at or below a floor to nothing (the skills'
//! vector score) read a quarter of the bytes per row for most rows and get
//! the same results: every row above the floor carries the exact f32
//! cosine, bit for bit what [`EmbeddingMatrix::cosines`] gives.
//!
//! The bound: a row `x` is stored as codes `q` with scale `s` (`x ≈ s q`,
//! each component within `s / 2`), the query `y` as codes `p` with scale
//! `t`. Then `x·y − s t (q·p) = (x − s q)·y + s q·(y − t p)`, whose size is
//! at most `s / 2 × (‖y‖₁ + t ‖q‖₁)`. `q·p` is an exact integer sum.

use ndarray::{Array1, Array2};

use super::{Embedding, EmbeddingMatrix, dot};

/// The largest int8 code; codes lie in `-CODE_MAX..=CODE_MAX`.
const CODE_MAX: f32 = 127.0;

/// Relative and absolute slack on the bound, for the rounding of the f32
/// arithmetic around it (the exact cosine is itself an f32 sum, within
/// about `dim × 6e-8` of the real one).
const BOUND_SLACK: (f32, f32) = (1.01, 1e-5);

/// An [`EmbeddingMatrix`] with an int8 copy of its rows for screening.
#[derive(Debug, Clone)]
pub struct ScreenedMatrix {
    exact: EmbeddingMatrix,
    codes: Array2<i8>,
    /// Per row: `s`, so that component `j` is about `s × codes[j]`.
    scales: Vec<f32>,
    /// Per row: the sum of the codes' magnitudes, `‖q‖₁`.
    code_sums: Vec<f32>,
}

/// A vector as int8 codes with one scale: each component within `scale / 2`
/// of `scale × code`.
struct Quantised {
    codes: Vec<i8>,
    scale: f32,
}

fn quantise(values: &[f32]) -> Quantised {
    let largest = values.iter().fold(0.0f32, |m, v| m.max(v.abs()));
    if !(largest.is_finite() && largest > 0.0) {
        return Quantised {
            codes: vec![0; values.len()],
            scale: 0.0,
        };
    }
    let scale = largest / CODE_MAX;
    let codes = values
        .iter()
        .map(|v| (v / scale).round().clamp(-CODE_MAX, CODE_MAX) as i8)
        .collect();
    Quantised { codes, scale }
}

impl ScreenedMatrix {
    /// Quantises every row of `exact` (zero rows stay zero).
    pub fn new(exact: EmbeddingMatrix) -> Self {
        let (rows, dim) = exact.rows().dim();
        let mut codes = Vec::with_capacity(rows * dim);
        let mut scales = Vec::with_capacity(rows);
        let mut code_sums = Vec::with_capacity(rows);
        for row in exact.rows().rows() {
            let quantised = quantise(&row.to_vec());
            code_sums.push(
                quantised
                    .codes
                    .iter()
                    .map(|c| f32::from(c.unsigned_abs()))
                    .sum(),
            );
            scales.push(quantised.scale);
            codes.extend(quantised.codes);
        }
        let codes = Array2::from_shape_vec((rows, dim), codes)
            .expect("one code per component of every row");
        Self {
            exact,
            codes,
            scales,
            code_sums,
        }
    }

    /// The exact rows.
    pub fn exact(&self) -> &EmbeddingMatrix {
        &self.exact
    }

    /// The cosine of every row with `query`: for each row whose cosine is
    /// above `floor`, exactly what [`EmbeddingMatrix::cosines`] gives; for
    /// any other row, a value at most `floor` (the int8 estimate, or the
    /// exact cosine where the estimate could not rule the row out).
    pub fn cosines_above(&self, query: &Embedding, floor: f32) -> Array1<f32> {
        match self.screen(query, floor) {
            Some(screen) => Array1::from(run(screen)),
            None => self.exact.cosines(query),
        }
    }

    /// The screening pass for `query`; `None` where only the exact scan
    /// applies (no rows of this dimension, a query of another dimension).
    fn screen<'a>(&'a self, query: &'a Embedding, floor: f32) -> Option<Screen<'a>> {
        let dim = self.exact.dim();
        let components = query.0.as_slice().filter(|c| dim > 0 && c.len() == dim)?;
        let quantised = quantise(components);
        if quantised.scale == 0.0 {
            return None;
        }
        Some(Screen {
            rows: self.exact.rows().as_slice()?,
            codes: self.codes.as_slice()?,
            scales: &self.scales,
            code_sums: &self.code_sums,
            query: components,
            query_codes: quantised.codes,
            query_scale: quantised.scale,
            query_sum: components.iter().map(|v| v.abs()).sum(),
            dim,
            floor,
        })
    }
}

/// One screening pass, as a [`pulp::WithSimd`] operation so the integer
/// sums and the exact dots use the widest lanes the CPU offers.
struct Screen<'a> {
    rows: &'a [f32],
    codes: &'a [i8],
    scales: &'a [f32],
    code_sums: &'a [f32],
    query: &'a [f32],
    query_codes: Vec<i8>,
    query_scale: f32,
    query_sum: f32,
    dim: usize,
    floor: f32,
}

impl Screen<'_> {
    /// Every row's cosine, from `code_dot` (the integer dot product of a
    /// row's codes with the query's) by [`Self::cosine`].
    #[inline(always)]
    fn scan(&self, code_dot: impl Fn(&[i8]) -> i32) -> Vec<f32> {
        let mut cosines = Vec::with_capacity(self.scales.len());
        for (at, codes) in self.codes.chunks_exact(self.dim).enumerate() {
            cosines.push(self.cosine(at, code_dot(codes)));
        }
        cosines
    }

    /// Row `at`'s cosine given the integer dot product of its codes with
    /// the query's: the estimate, or the exact f32 cosine where the bound
    /// leaves the row possibly above the floor.
    ///
    /// The AVX2 scan does the same arithmetic eight rows at a time
    /// (`avx2::block_cosines`), operation for operation, so both scans give
    /// the same bits; a change here must be made there too.
    #[inline(always)]
    fn cosine(&self, at: usize, code_dot: i32) -> f32 {
        let (slack, floor_slack) = BOUND_SLACK;
        let scale = self.scales[at];
        let estimate = scale * self.query_scale * code_dot as f32;
        let bound = 0.5 * scale * (self.query_sum + self.query_scale * self.code_sums[at]);
        if estimate + bound * slack + floor_slack > self.floor {
            self.exact(at)
        } else {
            estimate
        }
    }

    /// Row `at`'s exact f32 cosine, the bits [`EmbeddingMatrix::cosines`]
    /// gives it.
    #[inline(always)]
    fn exact(&self, at: usize) -> f32 {
        dot(&self.rows[at * self.dim..(at + 1) * self.dim], self.query)
    }
}

impl pulp::WithSimd for Screen<'_> {
    type Output = Vec<f32>;

    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _simd: S) -> Vec<f32> {
        let query: Vec<i16> = self.query_codes.iter().map(|&c| i16::from(c)).collect();
        self.scan(|row| code_dot(row, &query))
    }
}

/// The exact integer dot product of a row's codes with the query's
/// (widened to i16 once per scan), in the compiler's vector lanes.
#[inline(always)]
fn code_dot(row: &[i8], query: &[i16]) -> i32 {
    let mut total = 0i32;
    for (&r, &q) in row.iter().zip(query) {
        total += i32::from(r) * i32::from(q);
    }
    total
}

/// The scan with AVX2's byte multiply-add, where the CPU has it and the
/// dimension is a multiple of 32: eight rows at a time, so their integer
/// sums are totalled together into one register of eight 32-bit lanes (one
/// lane a row) and their estimates and bounds are tested in eight f32 lanes;
/// only rows whose lane may lie above the floor get the exact dot. The rows
/// past the last whole block of eight go one by one through
/// [`Screen::cosine`].
#[cfg(target_arch = "x86_64")]
mod avx2 {
    use std::arch::x86_64::{__m256, __m256i, _CMP_GT_OQ};

    use pulp::x86::V3;

    use super::{BOUND_SLACK, Screen};

    /// Codes taken at a time: one 256-bit register of 8-bit codes.
    pub(super) const CODES: usize = 32;

    /// Rows screened together: one 32-bit lane each in a 256-bit register.
    const ROWS: usize = 8;

    /// [`CODES`] of the query's codes, and their magnitudes as unsigned
    /// bytes (computed once per query, for [`products`]).
    #[derive(Clone, Copy)]
    struct QueryCodes {
        magnitudes: __m256i,
        codes: __m256i,
    }

    pub(super) struct Avx2Screen<'a> {
        pub(super) v3: V3,
        pub(super) screen: Screen<'a>,
    }

    impl pulp::WithSimd for Avx2Screen<'_> {
        type Output = Vec<f32>;

        #[inline(always)]
        fn with_simd<S: pulp::Simd>(self, _simd: S) -> Vec<f32> {
            let Self { v3, screen } = self;
            let query: Vec<QueryCodes> =
                bytemuck::cast_slice::<i8, [i8; CODES]>(&screen.query_codes)
                    .iter()
                    .map(|&codes| QueryCodes {
                        magnitudes: bytemuck::cast(codes.map(|c| c.unsigned_abs())),
                        codes: bytemuck::cast(codes),
                    })
                    .collect();
            // 128 dimensions (the default embedder's) as a constant, so the
            // compiler lays a block's sums out in full: no loop counter,
            // every row's codes at a constant offset.
            match <&[QueryCodes; 128 / CODES]>::try_from(query.as_slice()) {
                Ok(query) => scan(v3, &screen, query),
                Err(_) => scan(v3, &screen, &query),
            }
        }
    }

    /// Every row's cosine: the whole blocks of [`ROWS`] rows by
    /// [`block_code_dots`] and [`block_cosines`], the rest one by one.
    #[inline(always)]
    fn scan(v3: V3, screen: &Screen<'_>, query: &[QueryCodes]) -> Vec<f32> {
        let mut cosines = Vec::with_capacity(screen.scales.len());
        // The dimension from the query's length, a constant where that is.
        let dim = query.len() * CODES;
        let mut blocks = screen.codes.chunks_exact(ROWS * dim);
        for (block, codes) in (&mut blocks).enumerate() {
            let code_dots = block_code_dots(v3, codes, query);
            cosines.extend_from_slice(&block_cosines(v3, screen, block * ROWS, code_dots));
        }
        let first = cosines.len();
        for (at, codes) in blocks.remainder().chunks_exact(dim).enumerate() {
            cosines.push(screen.cosine(first + at, code_dot(v3, codes, query)));
        }
        cosines
    }

    /// [`super::code_dot`] of each of a block's eight rows (one after
    /// another, each a multiple of [`CODES`] long), in lane `r` for row `r`:
    /// each row's eight 32-bit sums of [`products`], totalled by
    /// [`lane_totals`].
    #[inline(always)]
    fn block_code_dots(v3: V3, block: &[i8], query: &[QueryCodes]) -> __m256i {
        // Row `r`'s codes `k` at `r * n + k`, indexed in one slice (no
        // per-row slices to build): the loop compiles to loads at constant
        // offsets where `n` is a constant.
        let n = query.len();
        let block = &bytemuck::cast_slice::<i8, [i8; CODES]>(block)[..ROWS * n];
        let mut sums: [__m256i; ROWS] = [bytemuck::cast([0i32; 8]); ROWS];
        for (k, &q) in query.iter().enumerate() {
            for (r, sum) in sums.iter_mut().enumerate() {
                *sum = v3
                    .avx2
                    ._mm256_add_epi32(*sum, products(v3, bytemuck::cast(block[r * n + k]), q));
            }
        }
        lane_totals(v3, sums)
    }

    /// The products of [`CODES`] of a row's codes with the query's, added
    /// into eight 32-bit sums. `vpmaddubsw` multiplies unsigned bytes with
    /// signed ones and adds neighbours into 16 bits: the query's magnitudes
    /// go in as the unsigned bytes and the row's codes with the query's
    /// signs (`vpsignb`) as the signed, so each product is the row's code
    /// times the query's; a pair is at most 2 × 127 × 127 = 32,258, so
    /// nothing saturates. `vpmaddwd` with ones adds neighbours into 32 bits.
    #[inline(always)]
    fn products(v3: V3, row: __m256i, query: QueryCodes) -> __m256i {
        let avx2 = v3.avx2;
        let pairs =
            avx2._mm256_maddubs_epi16(query.magnitudes, avx2._mm256_sign_epi8(row, query.codes));
        avx2._mm256_madd_epi16(pairs, bytemuck::cast([1i16; 16]))
    }

    /// The totals of eight registers' eight 32-bit lanes, register `r`'s in
    /// lane `r`: pairwise horizontal adds leave, in each 128-bit half, four
    /// registers' half-totals; the halves are then swapped and added.
    /// Integer sums, so the order changes no value.
    #[inline(always)]
    fn lane_totals(v3: V3, s: [__m256i; ROWS]) -> __m256i {
        let avx2 = v3.avx2;
        let h01 = avx2._mm256_hadd_epi32(s[0], s[1]);
        let h23 = avx2._mm256_hadd_epi32(s[2], s[3]);
        let h45 = avx2._mm256_hadd_epi32(s[4], s[5]);
        let h67 = avx2._mm256_hadd_epi32(s[6], s[7]);
        // Lanes: rows 0 1 2 3 (first halves' sums) | rows 0 1 2 3 (second).
        let h0123 = avx2._mm256_hadd_epi32(h01, h23);
        let h4567 = avx2._mm256_hadd_epi32(h45, h67);
        let low = avx2._mm256_permute2x128_si256::<0x20>(h0123, h4567);
        let high = avx2._mm256_permute2x128_si256::<0x31>(h0123, h4567);
        avx2._mm256_add_epi32(low, high)
    }

    /// [`Screen::cosine`] of the eight rows from `first`, given their
    /// integer dots in `code_dots`: the estimate, the bound and the test
    /// against the floor in f32 lanes, with the scalar's operations in the
    /// scalar's order (so each lane has the scalar's bits), then the exact
    /// cosine for the rows whose lane passes.
    #[inline(always)]
    fn block_cosines(v3: V3, screen: &Screen<'_>, first: usize, code_dots: __m256i) -> [f32; ROWS] {
        let avx = v3.avx;
        let lanes = |values: &[f32]| -> __m256 {
            let block: [f32; ROWS] = values[first..first + ROWS]
                .try_into()
                .expect("a block of rows");
            bytemuck::cast(block)
        };
        let splat = |value: f32| avx._mm256_set1_ps(value);
        let (slack, floor_slack) = BOUND_SLACK;
        let scales = lanes(screen.scales);
        let query_scale = splat(screen.query_scale);
        // scale * query_scale * code_dot
        let estimates = avx._mm256_mul_ps(
            avx._mm256_mul_ps(scales, query_scale),
            avx._mm256_cvtepi32_ps(code_dots),
        );
        // 0.5 * scale * (query_sum + query_scale * code_sum)
        let bounds = avx._mm256_mul_ps(
            avx._mm256_mul_ps(splat(0.5), scales),
            avx._mm256_add_ps(
                splat(screen.query_sum),
                avx._mm256_mul_ps(query_scale, lanes(screen.code_sums)),
            ),
        );
        // estimate + bound * slack + floor_slack > floor
        let reach = avx._mm256_add_ps(
            avx._mm256_add_ps(estimates, avx._mm256_mul_ps(bounds, splat(slack))),
            splat(floor_slack),
        );
        let above = avx._mm256_cmp_ps::<_CMP_GT_OQ>(reach, splat(screen.floor));
        let mut cosines: [f32; ROWS] = bytemuck::cast(estimates);
        let mut rows = avx._mm256_movemask_ps(above) as u32;
        while rows != 0 {
            let row = rows.trailing_zeros() as usize;
            cosines[row] = screen.exact(first + row);
            rows &= rows - 1;
        }
        cosines
    }

    /// The sum of a register's eight 32-bit lanes.
    #[inline(always)]
    fn lane_total(sums: __m256i) -> i32 {
        bytemuck::cast::<__m256i, [i32; 8]>(sums).iter().sum()
    }

    /// [`super::code_dot`] by [`products`], for one row (the rows past the
    /// last block of eight). The row's length is a multiple of [`CODES`].
    #[inline(always)]
    fn code_dot(v3: V3, row: &[i8], query: &[QueryCodes]) -> i32 {
        let row: &[[i8; CODES]] = bytemuck::cast_slice(row);
        let mut sums: __m256i = bytemuck::cast([0i32; 8]);
        for (&codes, &q) in row.iter().zip(query) {
            sums = v3
                .avx2
                ._mm256_add_epi32(sums, products(v3, bytemuck::cast(codes), q));
        }
        lane_total(sums)
    }
}

/// Runs a screening pass in the widest lanes available.
fn run(screen: Screen<'_>) -> Vec<f32> {
    #[cfg(target_arch = "x86_64")]
    if screen.dim % avx2::CODES == 0 {
        if let Some(v3) = pulp::x86::V3::try_new() {
            return pulp::Simd::vectorize(v3, avx2::Avx2Screen { v3, screen });
        }
    }
    pulp::Arch::new().dispatch(screen)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    fn random_rows(rng: &mut StdRng, rows: usize, dim: usize) -> EmbeddingMatrix {
        EmbeddingMatrix::from_rows(Array2::from_shape_fn((rows, dim), |(i, j)| {
            // Every seventh row is spiky: one large component, the rest small.
            if i % 7 == 0 {
                if j == i % dim {
                    5.0
                } else {
                    rng.random_range(-0.05..0.05)
                }
            } else {
                rng.random_range(-1.0..1.0)
            }
        }))
    }

    fn random_query(rng: &mut StdRng, dim: usize) -> Embedding {
        Embedding::normalize(Array1::from_shape_fn(dim, |_| rng.random_range(-1.0..1.0)))
            .expect("a nonzero query")
    }

    /// AVX2, or `None` with a printed reason where this CPU lacks it.
    #[cfg(target_arch = "x86_64")]
    fn avx2_or_skip() -> Option<pulp::x86::V3> {
        let v3 = pulp::x86::V3::try_new();
        if v3.is_none() {
            eprintln!("skipped: this CPU has no AVX2");
        }
        v3
    }

    /// The portable scan's and the AVX2 scan's cosines of `query`.
    #[cfg(target_arch = "x86_64")]
    fn both_scans(
        v3: pulp::x86::V3,
        screened: &ScreenedMatrix,
        query: &Embedding,
        floor: f32,
    ) -> (Vec<f32>, Vec<f32>) {
        let portable =
            pulp::Simd::vectorize(pulp::Scalar::new(), screened.screen(query, floor).unwrap());
        let screen = screened.screen(query, floor).unwrap();
        let wide = pulp::Simd::vectorize(v3, avx2::Avx2Screen { v3, screen });
        (portable, wide)
    }

    #[test]
    fn rows_above_the_floor_get_the_exact_bits_and_the_others_stay_at_or_below_it() {
        let mut rng = StdRng::seed_from_u64(7);
        for dim in [8, 13, 128, 384] {
            let exact = random_rows(&mut rng, 400, dim);
            let screened = ScreenedMatrix::new(exact.clone());
            for _ in 0..20 {
                // A query near a row, so some cosines are high.
                let near = exact.rows().row(rng.random_range(0..400)).to_owned()
                    + Array1::from_shape_fn(dim, |_| rng.random_range(-0.3..0.3));
                for query in [
                    random_query(&mut rng, dim),
                    Embedding::normalize(near).unwrap(),
                ] {
                    let expected = exact.cosines(&query);
                    for floor in [-1.0, 0.0, 0.1, 0.3, 0.6] {
                        let got = screened.cosines_above(&query, floor);
                        assert_eq!(got.len(), expected.len());
                        for (g, e) in got.iter().zip(&expected) {
                            if *e > floor {
                                assert_eq!(g.to_bits(), e.to_bits(), "dim {dim} floor {floor}");
                            } else {
                                assert!(*g <= floor, "dim {dim} floor {floor}: {g} for {e}");
                            }
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn the_estimates_are_close_and_most_rows_are_screened_out() {
        let mut rng = StdRng::seed_from_u64(11);
        let exact = random_rows(&mut rng, 2_000, 128);
        let screened = ScreenedMatrix::new(exact.clone());
        let query = random_query(&mut rng, 128);
        let expected = exact.cosines(&query);
        let got = screened.cosines_above(&query, 0.3);
        let estimated = got
            .iter()
            .zip(&expected)
            .filter(|(g, e)| g.to_bits() != e.to_bits());
        let (mut count, mut worst) = (0, 0.0f32);
        for (g, e) in estimated {
            count += 1;
            worst = worst.max((g - e).abs());
        }
        // Random 128-dimensional unit vectors have cosines of about ±0.09:
        // nearly every row is below 0.3 by more than the bound.
        assert!(count > 1_900, "{count} rows estimated");
        assert!(worst < 0.01, "an estimate {worst} off");
    }

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn the_avx2_scan_gives_the_portable_scans_bits() {
        let Some(v3) = avx2_or_skip() else { return };
        let mut rng = StdRng::seed_from_u64(5);
        for dim in [32, 128, 384] {
            let screened = ScreenedMatrix::new(random_rows(&mut rng, 300, dim));
            for floor in [-1.0, 0.2] {
                let query = random_query(&mut rng, dim);
                let (portable, wide) = both_scans(v3, &screened, &query, floor);
                let bits = |v: &[f32]| v.iter().map(|c| c.to_bits()).collect::<Vec<_>>();
                assert_eq!(bits(&portable), bits(&wide), "dim {dim}");
            }
        }
    }

    /// The AVX2 scan takes rows eight at a time and the rest one by one:
    /// row counts below, at and past whole blocks give the portable scan's
    /// bits, and the exact cosine for every row above the floor.
    #[cfg(target_arch = "x86_64")]
    #[test]
    fn the_avx2_scan_of_a_partial_block_gives_the_portable_scans_bits() {
        let Some(v3) = avx2_or_skip() else { return };
        let mut rng = StdRng::seed_from_u64(13);
        for rows in [1, 7, 8, 9, 16, 301] {
            let exact = random_rows(&mut rng, rows, 128);
            let screened = ScreenedMatrix::new(exact.clone());
            // A query near a row, so some rows pass the screen.
            let near = exact.rows().row(rng.random_range(0..rows)).to_owned()
                + Array1::from_shape_fn(128, |_| rng.random_range(-0.3..0.3));
            for query in [
                random_query(&mut rng, 128),
                Embedding::normalize(near).unwrap(),
            ] {
                let expected = exact.cosines(&query);
                for floor in [-1.0, 0.0, 0.2, 0.5] {
                    let (portable, wide) = both_scans(v3, &screened, &query, floor);
                    assert_eq!(wide.len(), rows);
                    for (at, ((w, p), e)) in wide.iter().zip(&portable).zip(&expected).enumerate() {
                        let place = format!("{rows} rows, row {at}, floor {floor}");
                        assert_eq!(w.to_bits(), p.to_bits(), "{place}");
                        if *e > floor {
                            assert_eq!(w.to_bits(), e.to_bits(), "{place}");
                        } else {
                            assert!(*w <= floor, "{place}: {w} for {e}");
                        }
                    }
                }
            }
        }
    }

    /// Rows and a query whose codes are all ±127 give the largest pairs
    /// of products (2 × 127 × 127, within 16 bits): with a floor no row
    /// can pass, every row keeps its estimate, which the integer dot sets.
    #[cfg(target_arch = "x86_64")]
    #[test]
    fn the_largest_codes_do_not_saturate_the_avx2_sums() {
        let Some(v3) = avx2_or_skip() else { return };
        let mut rng = StdRng::seed_from_u64(17);
        let sign = |rng: &mut StdRng| if rng.random_bool(0.5) { 1.0 } else { -1.0 };
        let rows = Array2::from_shape_fn((19, 128), |(i, j)| match i {
            0 => 1.0,
            1 => -1.0,
            _ => sign(&mut rng) * if j % 5 == 0 { 0.5 } else { 1.0 },
        });
        let screened = ScreenedMatrix::new(EmbeddingMatrix::from_rows(rows));
        let query = Embedding::normalize(Array1::from_elem(128, 1.0)).unwrap();
        let (portable, wide) = both_scans(v3, &screened, &query, 2.0);
        let bits = |v: &[f32]| v.iter().map(|c| c.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&portable), bits(&wide));
        assert!((wide[0] - 1.0).abs() < 1e-5 && (wide[1] + 1.0).abs() < 1e-5);
    }

    #[test]
    fn zero_rows_and_an_empty_matrix_are_handled() {
        let exact = EmbeddingMatrix::from_rows(Array2::zeros((3, 8)));
        let screened = ScreenedMatrix::new(exact);
        let query = Embedding::normalize(Array1::from_elem(8, 1.0)).unwrap();
        assert_eq!(screened.cosines_above(&query, 0.3).to_vec(), vec![0.0; 3]);
        assert_eq!(screened.cosines_above(&query, -1.0).to_vec(), vec![0.0; 3]);
        let empty = ScreenedMatrix::new(EmbeddingMatrix::from_rows(Array2::zeros((0, 8))));
        assert!(empty.cosines_above(&query, 0.3).is_empty());
    }
}
