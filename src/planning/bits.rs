//! A small fixed-width bit set for the plan search: which targets a
//! credential covers, which credentials a plan holds.

/// A set of small indices.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Bits {
    words: Vec<u64>,
}

impl Bits {
    /// An empty set able to hold indices below `len`.
    pub fn new(len: usize) -> Self {
        Self {
            words: vec![0; len.div_ceil(64)],
        }
    }

    /// Adds an index.
    pub fn insert(&mut self, index: usize) {
        self.words[index / 64] |= 1 << (index % 64);
    }

    /// Adds every index of `indices`.
    pub fn insert_all(&mut self, indices: impl IntoIterator<Item = usize>) {
        for index in indices {
            self.insert(index);
        }
    }

    /// Whether the index is in the set.
    pub fn contains(&self, index: usize) -> bool {
        self.words
            .get(index / 64)
            .is_some_and(|word| word & (1 << (index % 64)) != 0)
    }

    /// Adds every index of `other` (same width).
    pub fn union_with(&mut self, other: &Self) {
        for (word, theirs) in self.words.iter_mut().zip(&other.words) {
            *word |= theirs;
        }
    }

    /// Whether every index of `self` is in `other`.
    pub fn is_subset(&self, other: &Self) -> bool {
        self.words
            .iter()
            .zip(&other.words)
            .all(|(mine, theirs)| mine & !theirs == 0)
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.words.iter().all(|word| *word == 0)
    }

    /// Number of indices in the set.
    pub fn len(&self) -> usize {
        self.words
            .iter()
            .map(|word| word.count_ones() as usize)
            .sum()
    }

    /// The indices in increasing order.
    pub fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        self.words
            .iter()
            .enumerate()
            .flat_map(|(w, &word)| SetBits(word).map(move |bit| w * 64 + bit))
    }

    /// The indices of `self` that are not in `other`, in increasing order,
    /// without building the set.
    pub fn iter_minus<'a>(&'a self, other: &'a Self) -> impl Iterator<Item = usize> + 'a {
        self.words
            .iter()
            .zip(&other.words)
            .enumerate()
            .flat_map(|(w, (mine, theirs))| SetBits(mine & !theirs).map(move |bit| w * 64 + bit))
    }
}

/// The set bits of one word, lowest first.
struct SetBits(u64);

impl Iterator for SetBits {
    type Item = usize;

    fn next(&mut self) -> Option<usize> {
        if self.0 == 0 {
            return None;
        }
        let bit = self.0.trailing_zeros() as usize;
        self.0 &= self.0 - 1;
        Some(bit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_operations() {
        let mut a = Bits::new(130);
        a.insert(1);
        a.insert(129);
        let mut b = Bits::new(130);
        b.insert(1);
        assert!(b.is_subset(&a));
        assert!(!a.is_subset(&b));
        assert_eq!(a.iter_minus(&b).collect::<Vec<_>>(), [129]);
        assert_eq!(a.iter().collect::<Vec<_>>(), [1, 129]);
        b.union_with(&a);
        assert_eq!(b.len(), 2);
        assert!(b.contains(129) && !b.contains(2));
        assert!(Bits::new(3).is_empty());
    }
}
