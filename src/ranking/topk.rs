//! A bounded top-k: the best `limit` of a stream of scored candidates, best
//! first, equal scores in id order, holding at most `limit` of them.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use crate::domain::RecordId;

/// A scored candidate ordered best first: `a < b` when `a` ranks above `b`.
#[derive(Debug, Clone, Copy)]
struct Ranked<'a> {
    score: f64,
    id: &'a RecordId,
}

impl Ord for Ranked<'_> {
    fn cmp(&self, other: &Self) -> Ordering {
        other
            .score
            .total_cmp(&self.score)
            .then_with(|| self.id.cmp(other.id))
    }
}

impl PartialOrd for Ranked<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Ranked<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Ranked<'_> {}

/// The best `limit` candidates offered so far.
#[derive(Debug)]
pub struct TopK<'a> {
    limit: usize,
    /// A max-heap on the ranking order: its top is the worst kept.
    heap: BinaryHeap<Ranked<'a>>,
}

impl<'a> TopK<'a> {
    /// Keeps the best `limit`; none when `limit` is 0.
    pub fn new(limit: usize) -> Self {
        Self {
            limit,
            heap: BinaryHeap::with_capacity(limit.min(1 << 16) + 1),
        }
    }

    /// Offers a candidate.
    pub fn offer(&mut self, score: f64, id: &'a RecordId) {
        let candidate = Ranked { score, id };
        if self.heap.len() < self.limit {
            self.heap.push(candidate);
        } else if let Some(mut worst) = self.heap.peek_mut() {
            if candidate < *worst {
                *worst = candidate;
            }
        }
    }

    /// The score of the worst kept once `limit` are kept: a candidate
    /// scoring below it cannot enter.
    pub fn kth_score(&self) -> Option<f64> {
        self.heap
            .peek()
            .filter(|_| self.heap.len() == self.limit)
            .map(|worst| worst.score)
    }

    /// Keeps the best of both.
    pub fn merge(mut self, other: Self) -> Self {
        for ranked in other.heap {
            self.offer(ranked.score, ranked.id);
        }
        self
    }

    /// The kept candidates, best first.
    pub fn into_sorted(self) -> Vec<(RecordId, f64)> {
        self.heap
            .into_sorted_vec()
            .into_iter()
            .map(|ranked| (ranked.id.clone(), ranked.score))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(raw: &str) -> RecordId {
        RecordId::parse(raw).unwrap()
    }

    #[test]
    fn keeps_the_best_in_order_with_ties_by_id() {
        let ids: Vec<RecordId> = ["e", "d", "c", "b", "a"].into_iter().map(id).collect();
        let mut top = TopK::new(3);
        for (i, candidate) in ids.iter().enumerate() {
            top.offer(if i % 2 == 0 { 0.5 } else { 0.9 }, candidate);
        }
        let kept = top.into_sorted();
        assert_eq!(
            kept,
            vec![(id("b"), 0.9), (id("d"), 0.9), (id("a"), 0.5)],
            "0.9s first in id order, then the smallest id at 0.5"
        );
    }

    #[test]
    fn a_zero_limit_keeps_nothing() {
        let a = id("a");
        let mut top = TopK::new(0);
        top.offer(1.0, &a);
        assert!(top.into_sorted().is_empty());
    }
}
