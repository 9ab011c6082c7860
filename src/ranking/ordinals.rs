//! A tenant's ordinals by candidate id, without a second copy of the ids:
//! the table holds ordinals only, and hashes and compares the id each one
//! names in the tenant's ids by ordinal. Keyed with SipHash under a random
//! key, as `std::collections::HashMap` is, since ids come from clients.

use std::hash::{BuildHasher, RandomState};

use hashbrown::HashTable;

use crate::domain::RecordId;

/// Ordinals by id; every method takes the ids by ordinal it indexes.
#[derive(Debug, Default)]
pub struct Ordinals {
    table: HashTable<u32>,
    hasher: RandomState,
}

/// The id at `ordinal`; every ordinal in the table names one.
fn id_at(ids: &[Option<RecordId>], ordinal: u32) -> &str {
    ids[ordinal as usize].as_ref().map_or("", RecordId::as_str)
}

impl Ordinals {
    /// An empty table with room for `capacity` ids.
    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            table: HashTable::with_capacity(capacity),
            hasher: RandomState::new(),
        }
    }

    fn hash(&self, id: &str) -> u64 {
        self.hasher.hash_one(id)
    }

    /// The ordinal of `id`.
    pub fn get(&self, ids: &[Option<RecordId>], id: &str) -> Option<u32> {
        self.table
            .find(self.hash(id), |&ordinal| id_at(ids, ordinal) == id)
            .copied()
    }

    /// Adds `ordinal`, whose id `ids` already holds; `false` (and nothing
    /// added) when another ordinal has the same id.
    pub fn insert(&mut self, ids: &[Option<RecordId>], ordinal: u32) -> bool {
        let id = id_at(ids, ordinal);
        let hasher = &self.hasher;
        match self.table.entry(
            hasher.hash_one(id),
            |&other| id_at(ids, other) == id,
            |&other| hasher.hash_one(id_at(ids, other)),
        ) {
            hashbrown::hash_table::Entry::Occupied(_) => false,
            hashbrown::hash_table::Entry::Vacant(vacant) => {
                vacant.insert(ordinal);
                true
            }
        }
    }

    /// Removes `id`, returning its ordinal; call it before `ids` forgets it.
    pub fn remove(&mut self, ids: &[Option<RecordId>], id: &str) -> Option<u32> {
        self.table
            .find_entry(self.hash(id), |&ordinal| id_at(ids, ordinal) == id)
            .ok()
            .map(|entry| entry.remove().0)
    }

    /// Number of ids.
    pub fn len(&self) -> usize {
        self.table.len()
    }

    /// Whether there is no id.
    pub fn is_empty(&self) -> bool {
        self.table.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(raw: &[Option<&str>]) -> Vec<Option<RecordId>> {
        raw.iter()
            .map(|id| id.map(|id| RecordId::parse(id).unwrap()))
            .collect()
    }

    #[test]
    fn finds_each_ordinal_by_its_id_and_refuses_a_repeat() {
        let mut ids = ids(&[Some("a"), None, Some("b"), Some("a")]);
        let mut ordinals = Ordinals::with_capacity(4);
        assert!(ordinals.insert(&ids, 0));
        assert!(ordinals.insert(&ids, 2));
        assert!(!ordinals.insert(&ids, 3), "a repeated id is refused");
        assert_eq!(ordinals.len(), 2);
        assert_eq!(ordinals.get(&ids, "a"), Some(0));
        assert_eq!(ordinals.get(&ids, "b"), Some(2));
        assert_eq!(ordinals.get(&ids, "c"), None);
        assert_eq!(ordinals.remove(&ids, "a"), Some(0));
        ids[0] = None;
        assert_eq!(ordinals.get(&ids, "a"), None);
        assert_eq!(ordinals.remove(&ids, "a"), None);
        ids[1] = Some(RecordId::parse("a").unwrap());
        assert!(ordinals.insert(&ids, 1));
        assert_eq!(ordinals.get(&ids, "a"), Some(1));
        assert_eq!(ordinals.len(), 2);
    }

    #[test]
    fn keeps_every_id_through_growth() {
        let ids: Vec<Option<RecordId>> = (0..10_000)
            .map(|n| Some(RecordId::parse(&format!("c{n}")).unwrap()))
            .collect();
        let mut ordinals = Ordinals::default();
        for ordinal in 0..10_000u32 {
            assert!(ordinals.insert(&ids, ordinal));
        }
        for ordinal in 0..10_000u32 {
            assert_eq!(ordinals.get(&ids, &format!("c{ordinal}")), Some(ordinal));
        }
    }
}
