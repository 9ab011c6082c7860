//! Ranking metrics with binary relevance. A ranking is a list of item ids,
//! best first; gold is the set of relevant ids. Items missing from a
//! ranking count as never retrieved.

use std::collections::HashSet;
use std::hash::Hash;

/// Precision at `|gold|`: the share of the first `|gold|` items that are relevant.
pub fn r_precision<T: Eq + Hash>(ranking: &[T], gold: &HashSet<T>) -> f64 {
    if gold.is_empty() {
        return 0.0;
    }
    hits(ranking, gold, gold.len()) as f64 / gold.len() as f64
}

/// Average precision: mean over gold items of the precision at their rank
/// (zero for gold items not ranked).
pub fn average_precision<T: Eq + Hash>(ranking: &[T], gold: &HashSet<T>) -> f64 {
    if gold.is_empty() {
        return 0.0;
    }
    let mut found = 0usize;
    let mut sum = 0.0;
    for (position, item) in ranking.iter().enumerate() {
        if gold.contains(item) {
            found += 1;
            sum += found as f64 / (position + 1) as f64;
        }
    }
    sum / gold.len() as f64
}

/// Share of the gold items among the first `k`.
pub fn recall_at<T: Eq + Hash>(ranking: &[T], gold: &HashSet<T>, k: usize) -> f64 {
    if gold.is_empty() {
        return 0.0;
    }
    hits(ranking, gold, k) as f64 / gold.len() as f64
}

/// Normalised discounted cumulative gain of the first `k`, binary gains.
pub fn ndcg_at<T: Eq + Hash>(ranking: &[T], gold: &HashSet<T>, k: usize) -> f64 {
    let gain = |position: usize| 1.0 / ((position + 2) as f64).log2();
    let dcg: f64 = ranking
        .iter()
        .take(k)
        .enumerate()
        .filter(|(_, item)| gold.contains(item))
        .map(|(position, _)| gain(position))
        .sum();
    let ideal: f64 = (0..k.min(gold.len())).map(gain).sum();
    if ideal == 0.0 { 0.0 } else { dcg / ideal }
}

/// RP@K of Decorte et al.: relevant items among the first `k`, divided by `min(k, |gold|)`.
pub fn rp_at<T: Eq + Hash>(ranking: &[T], gold: &HashSet<T>, k: usize) -> f64 {
    let denominator = k.min(gold.len());
    if denominator == 0 {
        return 0.0;
    }
    hits(ranking, gold, k) as f64 / denominator as f64
}

/// 1 / rank of the first relevant item, 0 when none is ranked.
pub fn reciprocal_rank<T: Eq + Hash>(ranking: &[T], gold: &HashSet<T>) -> f64 {
    ranking
        .iter()
        .position(|item| gold.contains(item))
        .map_or(0.0, |position| 1.0 / (position + 1) as f64)
}

fn hits<T: Eq + Hash>(ranking: &[T], gold: &HashSet<T>, k: usize) -> usize {
    ranking.iter().take(k).filter(|i| gold.contains(i)).count()
}

/// Bootstrap resamples behind [`Mean::interval`].
pub const BOOTSTRAP_RESAMPLES: usize = 1000;

/// Mean of one metric over queries, keeping each query's value for a
/// bootstrap interval.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Mean {
    values: Vec<f64>,
    sum: f64,
    count: usize,
}

/// splitmix64: a small deterministic generator, so intervals are reproducible.
fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

impl Mean {
    /// Adds one query's value.
    pub fn add(&mut self, value: f64) {
        self.values.push(value);
        self.sum += value;
        self.count += 1;
    }

    /// The mean, 0 when empty.
    pub fn value(&self) -> f64 {
        if self.count == 0 {
            0.0
        } else {
            self.sum / self.count as f64
        }
    }

    /// 95 % percentile bootstrap interval of the mean over queries
    /// ([`BOOTSTRAP_RESAMPLES`] resamples, fixed seed); `(0, 0)` when empty.
    pub fn interval(&self) -> (f64, f64) {
        let n = self.values.len();
        if n == 0 {
            return (0.0, 0.0);
        }
        let mut state = 0x5eed_u64;
        let mut means: Vec<f64> = (0..BOOTSTRAP_RESAMPLES)
            .map(|_| {
                let total: f64 = (0..n)
                    .map(|_| self.values[(splitmix64(&mut state) % n as u64) as usize])
                    .sum();
                total / n as f64
            })
            .collect();
        means.sort_by(f64::total_cmp);
        let at = |q: f64| means[((q * (means.len() - 1) as f64).round()) as usize];
        (at(0.025), at(0.975))
    }

    /// Number of queries.
    #[cfg(test)]
    pub fn count(&self) -> usize {
        self.count
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gold(items: &[u32]) -> HashSet<u32> {
        items.iter().copied().collect()
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn r_precision_counts_hits_in_the_first_gold_size_items() {
        assert!(close(
            r_precision(&[1, 9, 2, 3], &gold(&[1, 2, 3])),
            2.0 / 3.0
        ));
        assert!(close(r_precision(&[9, 8], &gold(&[1])), 0.0));
        assert!(close(r_precision(&[1], &gold(&[1])), 1.0));
        assert!(close(r_precision::<u32>(&[], &gold(&[1, 2])), 0.0));
    }

    #[test]
    fn average_precision_matches_a_hand_computation() {
        // hits at ranks 1 and 3 of gold size 2: (1/1 + 2/3) / 2
        assert!(close(
            average_precision(&[1, 9, 2], &gold(&[1, 2])),
            (1.0 + 2.0 / 3.0) / 2.0
        ));
        // one of three gold items found at rank 2: (1/2) / 3
        assert!(close(
            average_precision(&[9, 1], &gold(&[1, 2, 3])),
            0.5 / 3.0
        ));
        assert!(close(average_precision(&[1, 2], &gold(&[1, 2])), 1.0));
    }

    #[test]
    fn recall_at_k_ignores_items_past_k() {
        assert!(close(recall_at(&[1, 9, 2], &gold(&[1, 2]), 2), 0.5));
        assert!(close(recall_at(&[1, 9, 2], &gold(&[1, 2]), 3), 1.0));
    }

    #[test]
    fn ndcg_at_k_is_one_for_a_perfect_ranking_and_discounts_late_hits() {
        assert!(close(ndcg_at(&[1, 2, 9], &gold(&[1, 2]), 20), 1.0));
        let late = ndcg_at(&[9, 1], &gold(&[1]), 20);
        assert!(close(late, 1.0 / 3f64.log2()));
        assert!(close(ndcg_at(&[9, 8], &gold(&[1]), 20), 0.0));
    }

    #[test]
    fn rp_at_k_divides_by_the_smaller_of_k_and_gold_size() {
        assert!(close(rp_at(&[1, 9, 9, 9, 9], &gold(&[1]), 5), 1.0));
        assert!(close(
            rp_at(&[1, 2, 9, 9, 9], &gold(&[1, 2, 3, 4, 5, 6]), 5),
            0.4
        ));
        assert!(close(rp_at(&[9, 9, 9, 9, 9, 1], &gold(&[1]), 5), 0.0));
        assert!(close(rp_at(&[9, 9, 9, 9, 9, 1], &gold(&[1]), 10), 1.0));
    }

    #[test]
    fn reciprocal_rank_uses_the_first_relevant_item() {
        assert!(close(
            reciprocal_rank(&[9, 8, 1, 2], &gold(&[1, 2])),
            1.0 / 3.0
        ));
        assert!(close(reciprocal_rank(&[9], &gold(&[1])), 0.0));
    }

    #[test]
    fn mean_averages_and_is_zero_when_empty() {
        let mut mean = Mean::default();
        assert!(close(mean.value(), 0.0));
        mean.add(1.0);
        mean.add(0.0);
        assert!(close(mean.value(), 0.5));
        assert_eq!(mean.count(), 2);
        let (low, high) = mean.interval();
        assert!(
            low < 0.5 && 0.5 < high && low >= 0.0 && high <= 1.0,
            "{low} {high}"
        );
        let mut constant = Mean::default();
        for _ in 0..10 {
            constant.add(0.3);
        }
        let (low, high) = constant.interval();
        assert!(close(low, 0.3) && close(high, 0.3), "{low} {high}");
        let mut wide = Mean::default();
        let mut narrow = Mean::default();
        for i in 0..400 {
            let v = f64::from(i % 2);
            narrow.add(v);
            if i < 20 {
                wide.add(v);
            }
        }
        let width = |m: &Mean| m.interval().1 - m.interval().0;
        assert!(width(&wide) > width(&narrow) * 2.0);
        assert_eq!(Mean::default().interval(), (0.0, 0.0));
    }
}
