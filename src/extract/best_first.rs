//! Candidates in rank order, best first: one integer key per candidate
//! (score, then index) and an order settled only as far as it is read.

/// A sort key ordering by score descending (as `f32::total_cmp` orders,
/// reversed), then by index (of an occupation or a competency) ascending.
pub fn rank_key(score: f32, index: u32) -> u64 {
    u64::from(!total_order(score)) << 32 | u64::from(index)
}

/// A float's `total_cmp` order as an unsigned integer: negative values
/// have every bit flipped, the others only the sign bit.
fn total_order(value: f32) -> u32 {
    let bits = value.to_bits();
    if bits >> 31 == 1 {
        !bits
    } else {
        bits | 1 << 31
    }
}

/// The score a [`rank_key`] was made from, bit for bit.
pub fn score_of_key(key: u64) -> f32 {
    let order = !((key >> 32) as u32);
    f32::from_bits(if order >> 31 == 1 {
        order & !(1 << 31)
    } else {
        !order
    })
}

/// The first block whose order is settled; each later block is as long as
/// everything settled before it.
const FIRST_BLOCK: usize = 32;

/// Candidates by [`rank_key`], best first. Keys are distinct (they end in
/// the candidate's index), so the order is total and there is one answer.
/// A caller that reads the first few of thousands pays for selecting and
/// sorting those few, not for sorting all of them.
#[derive(Debug, Default)]
pub struct BestFirst {
    /// `keys[..settled]` are the smallest keys, in order; the rest are the
    /// others, in no order.
    keys: Vec<u64>,
    settled: usize,
}

impl BestFirst {
    /// Candidates given as rank keys, in any order.
    pub fn new(keys: Vec<u64>) -> Self {
        Self { keys, settled: 0 }
    }

    /// How many candidates there are.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// The index of the candidate at place `at` (0 is the best).
    pub fn at(&mut self, at: usize) -> Option<u32> {
        if at >= self.keys.len() {
            return None;
        }
        while self.settled <= at {
            self.settle_next_block();
        }
        Some(self.keys[at] as u32)
    }

    /// The candidates' indices, best first, each settled as it is read.
    pub fn iter(&mut self) -> impl Iterator<Item = u32> + '_ {
        (0..).map_while(|at| self.at(at))
    }

    /// Every candidate's index with its key, in no particular order.
    pub fn unordered(&self) -> impl Iterator<Item = (u32, u64)> + '_ {
        self.keys.iter().map(|&key| (key as u32, key))
    }

    fn settle_next_block(&mut self) {
        let rest = &mut self.keys[self.settled..];
        let block = self.settled.max(FIRST_BLOCK).min(rest.len());
        if block < rest.len() {
            rest.select_nth_unstable(block);
        }
        rest[..block].sort_unstable();
        self.settled += block;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rank_keys_order_like_total_cmp_descending_then_index() {
        let values = [
            (f32::NAN, 1),
            (1.0, 3),
            (1.0, 2),
            (0.5, 0),
            (0.0, 7),
            (-0.0, 7),
            (-0.5, 1),
            (f32::NEG_INFINITY, 4),
            (f32::INFINITY, 9),
        ];
        let mut by_key = values.to_vec();
        by_key.sort_by_key(|&(s, o)| rank_key(s, o));
        let mut expected = values.to_vec();
        expected.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        let bits = |v: &[(f32, u32)]| v.iter().map(|(s, o)| (s.to_bits(), *o)).collect::<Vec<_>>();
        assert_eq!(bits(&by_key), bits(&expected));
    }

    #[test]
    fn a_keys_score_is_the_score_it_was_made_from_bit_for_bit() {
        for score in [
            f32::NAN,
            -f32::NAN,
            0.0,
            -0.0,
            0.7,
            -0.3,
            f32::INFINITY,
            f32::NEG_INFINITY,
            f32::MIN_POSITIVE,
        ] {
            assert_eq!(score_of_key(rank_key(score, 5)).to_bits(), score.to_bits());
        }
    }

    #[test]
    fn reads_in_the_order_of_a_full_sort_however_far_and_in_any_order() {
        let mut state = 11u64;
        for len in [0usize, 1, 2, 31, 32, 33, 64, 65, 100, 1_000, 3_001] {
            let keys: Vec<u64> = (0..len as u32)
                .map(|index| {
                    state = state
                        .wrapping_mul(6_364_136_223_846_793_005)
                        .wrapping_add(1_442_695_040_888_963_407);
                    // Few distinct scores, so many ties broken by index.
                    rank_key(((state >> 40) % 37) as f32 / 7.0 - 2.0, index)
                })
                .collect();
            let mut sorted = keys.clone();
            sorted.sort_unstable();
            let expected: Vec<u32> = sorted.iter().map(|&k| k as u32).collect();

            let mut ranked = BestFirst::new(keys.clone());
            assert_eq!(ranked.len(), len);
            assert_eq!(ranked.iter().collect::<Vec<_>>(), expected, "len {len}");
            assert_eq!(ranked.at(len), None);

            // Random access far ahead first, then back and in between.
            let mut ranked = BestFirst::new(keys.clone());
            for at in [len / 2, 0, len.saturating_sub(1), len / 3, 40, 33, 7] {
                assert_eq!(
                    ranked.at(at),
                    expected.get(at).copied(),
                    "len {len} at {at}"
                );
            }
            let mut unordered: Vec<u64> = ranked.unordered().map(|(_, key)| key).collect();
            unordered.sort_unstable();
            assert_eq!(unordered, sorted);

            // Reading only a prefix gives the prefix of the full sort.
            let mut ranked = BestFirst::new(keys);
            let prefix: Vec<u32> = ranked.iter().take(5).collect();
            assert_eq!(prefix, expected[..len.min(5)]);
        }
    }
}
