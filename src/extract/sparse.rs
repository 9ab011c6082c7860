//! Values for some of a dense range of keys (occupation indexes), found by
//! array slot instead of by hashing: a text's occupation support touches
//! hundreds to thousands of about 4,000 occupations, looked up several
//! times each.

/// The slot of a key without a value.
const NONE: u32 = u32::MAX;

/// Values for keys in `0..keys`, in the order they were first set (until a
/// removal moves the last one into the gap).
#[derive(Debug)]
pub struct SparseTable<T> {
    /// Position in `entries` of each key's value, or [`NONE`].
    slots: Vec<u32>,
    entries: Vec<(u32, T)>,
}

impl<T: Default> SparseTable<T> {
    /// An empty table for keys below `keys`, with room for every key.
    pub fn new(keys: usize) -> Self {
        Self {
            slots: vec![NONE; keys],
            entries: Vec::with_capacity(keys),
        }
    }

    /// The value of `key`, set to the default when it has none (a key past
    /// the table's `keys` makes room for itself).
    pub fn entry(&mut self, key: u32) -> &mut T {
        if key as usize >= self.slots.len() {
            self.slots.resize(key as usize + 1, NONE);
        }
        let slot = &mut self.slots[key as usize];
        if *slot == NONE {
            *slot = u32::try_from(self.entries.len()).expect("fewer than u32::MAX keys");
            self.entries.push((key, T::default()));
        }
        &mut self.entries[*slot as usize].1
    }

    /// The value of `key`, if it has one.
    pub fn get(&self, key: u32) -> Option<&T> {
        let at = *self.slots.get(key as usize)?;
        (at != NONE).then(|| &self.entries[at as usize].1)
    }

    /// Takes `key`'s value out of the table.
    pub fn remove(&mut self, key: u32) -> Option<T> {
        let slot = self.slots.get_mut(key as usize)?;
        let at = std::mem::replace(slot, NONE);
        if at == NONE {
            return None;
        }
        let (_, value) = self.entries.swap_remove(at as usize);
        if let Some(&(moved, _)) = self.entries.get(at as usize) {
            self.slots[moved as usize] = at;
        }
        Some(value)
    }

    /// Keeps only the values `keep` accepts.
    pub fn retain(&mut self, mut keep: impl FnMut(u32, &T) -> bool) {
        let mut kept = 0;
        for at in 0..self.entries.len() {
            let key = self.entries[at].0;
            if keep(key, &self.entries[at].1) {
                self.entries.swap(kept, at);
                self.slots[key as usize] = kept as u32;
                kept += 1;
            } else {
                self.slots[key as usize] = NONE;
            }
        }
        self.entries.truncate(kept);
    }

    /// Every key with a value, and the value.
    pub fn iter(&self) -> impl Iterator<Item = (u32, &T)> {
        self.entries.iter().map(|(key, value)| (*key, value))
    }

    /// Every key with a value, and the value to change.
    pub fn iter_mut(&mut self) -> impl Iterator<Item = (u32, &mut T)> {
        self.entries.iter_mut().map(|(key, value)| (*key, value))
    }

    /// Every value.
    pub fn values(&self) -> impl Iterator<Item = &T> {
        self.entries.iter().map(|(_, value)| value)
    }
}

#[cfg(test)]
mod tests {
    use super::SparseTable;

    fn sorted(table: &SparseTable<u32>) -> Vec<(u32, u32)> {
        let mut all: Vec<(u32, u32)> = table.iter().map(|(k, v)| (k, *v)).collect();
        all.sort_unstable();
        all
    }

    #[test]
    fn entries_start_at_the_default_and_keep_what_is_set() {
        let mut table = SparseTable::<u32>::new(10);
        *table.entry(7) += 3;
        *table.entry(2) += 1;
        *table.entry(7) += 4;
        assert_eq!(sorted(&table), vec![(2, 1), (7, 7)]);
        assert_eq!(table.values().sum::<u32>(), 8);
    }

    #[test]
    fn a_removed_key_is_gone_and_the_others_stay_found() {
        let mut table = SparseTable::<u32>::new(10);
        for key in [4, 1, 9, 6] {
            *table.entry(key) = key * 10;
        }
        assert_eq!(table.remove(1), Some(10));
        assert_eq!(table.remove(1), None);
        assert_eq!(table.remove(3), None);
        assert_eq!(table.remove(99), None);
        // The last entry moved into the removed one's place.
        assert_eq!(*table.entry(6), 60);
        assert_eq!(table.remove(4), Some(40));
        assert_eq!(sorted(&table), vec![(6, 60), (9, 90)]);
        assert_eq!(*table.entry(1), 0);
    }

    #[test]
    fn retain_keeps_the_accepted_values_findable() {
        let mut table = SparseTable::<u32>::new(20);
        for key in 0..20 {
            *table.entry(key) = key;
        }
        table.retain(|key, _| key % 3 == 0);
        assert_eq!(
            sorted(&table),
            (0..20)
                .filter(|k| k % 3 == 0)
                .map(|k| (k, k))
                .collect::<Vec<_>>()
        );
        for key in 0..20 {
            assert_eq!(table.remove(key).is_some(), key % 3 == 0, "key {key}");
        }
        assert_eq!(table.iter().count(), 0);
    }

    #[test]
    fn a_key_past_the_expected_range_makes_room_for_itself() {
        let mut table = SparseTable::<u32>::new(2);
        *table.entry(1) = 1;
        *table.entry(40) = 40;
        assert_eq!(sorted(&table), vec![(1, 1), (40, 40)]);
        assert_eq!(table.remove(40), Some(40));
        assert_eq!(table.remove(41), None);
    }

    #[test]
    fn iter_mut_changes_every_value() {
        let mut table = SparseTable::<u32>::new(5);
        *table.entry(3) = 1;
        *table.entry(0) = 2;
        for (key, value) in table.iter_mut() {
            *value += key;
        }
        assert_eq!(sorted(&table), vec![(0, 2), (3, 4)]);
    }
}
