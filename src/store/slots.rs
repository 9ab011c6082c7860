//! The key slots stored records refer to, kept in a table of their own.
//!
//! At open, every slot of the key file no stored record refers to is an
//! orphan of a crash and is zeroed (see `keys.rs`). Finding them by reading
//! every record row costs a pass over the whole store; this table answers
//! the same question from a few bytes per record. Every transaction that
//! adds, removes or moves a sealed row updates it in the same commit, so it
//! holds exactly the slots of the sealed rows of the candidates, jobs and
//! quarantine tables.
//!
//! It is trusted only when its length equals the number of sealed rows
//! (redb keeps table lengths, so the check reads no row of the record
//! tables). A store written before this table existed, or any other
//! disagreement, falls back to reading every row, and the table is
//! rebuilt from what was read.

use std::collections::BTreeSet;

use redb::{
    Database, ReadableDatabase, ReadableTable, ReadableTableMetadata, TableDefinition,
    WriteTransaction,
};

use super::StoreError;
use super::quarantine::{QUARANTINE, sealed_quarantine_rows};
use super::records::{CANDIDATES, JOBS};

/// Slot → nothing: the slots sealed rows refer to.
pub(super) const KEY_SLOTS: TableDefinition<u64, ()> = TableDefinition::new("key_slots");

/// Records, inside a write transaction, that `added` slots are now
/// referred to by its rows and `removed` ones no longer are.
pub(super) fn record(
    txn: &WriteTransaction,
    added: &[u64],
    removed: &[u64],
) -> Result<(), StoreError> {
    let mut table = txn.open_table(KEY_SLOTS)?;
    for slot in added {
        table.insert(slot, ())?;
    }
    // After the additions: a batch that names one id twice replaces its own
    // first version, whose fresh slot is then among the removed.
    for slot in removed {
        table.remove(slot)?;
    }
    Ok(())
}

/// How the slots in use were found at open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlotSource {
    /// Read from the slot table.
    Table,
    /// Read from every record row (the table disagreed or was absent), and
    /// the table rebuilt.
    Rows,
}

/// Key slots in use, in increasing order, each once.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct SlotsInUse(Vec<u64>);

impl SlotsInUse {
    /// The slots, in increasing order.
    pub(super) fn as_slice(&self) -> &[u64] {
        &self.0
    }
}

impl From<BTreeSet<u64>> for SlotsInUse {
    fn from(slots: BTreeSet<u64>) -> Self {
        Self(slots.into_iter().collect())
    }
}

/// The slots stored records refer to, from the table when it agrees with
/// the record tables' lengths, else from every row (and the table is
/// rebuilt to match).
pub(super) fn in_use(db: &Database) -> Result<(SlotsInUse, SlotSource), StoreError> {
    {
        let read = db.begin_read()?;
        let table = read.open_table(KEY_SLOTS)?;
        let rows = read.open_table(CANDIDATES)?.len()?
            + read.open_table(JOBS)?.len()?
            + sealed_quarantine_rows(&read)?;
        if table.len()? == rows {
            // The table iterates its keys in increasing order, each once.
            let mut slots = Vec::with_capacity(usize::try_from(rows).unwrap_or(0));
            for entry in table.iter()? {
                slots.push(entry?.0.value());
            }
            return Ok((SlotsInUse(slots), SlotSource::Table));
        }
    }
    let slots = from_rows(db)?;
    let txn = super::begin_write(db)?;
    txn.delete_table(KEY_SLOTS)?;
    {
        let mut table = txn.open_table(KEY_SLOTS)?;
        for slot in &slots {
            table.insert(slot, ())?;
        }
    }
    txn.commit()?;
    tracing::info!(
        slots = slots.len(),
        "rebuilt the table of key slots in use from the record rows"
    );
    Ok((slots.into(), SlotSource::Rows))
}

/// The slots every sealed row refers to, read from the rows themselves.
pub(super) fn from_rows(db: &Database) -> Result<BTreeSet<u64>, StoreError> {
    let read = db.begin_read()?;
    let mut slots = BTreeSet::new();
    super::records::referenced_slots(&read, &mut slots)?;
    super::quarantine::referenced_slots(&read, &mut slots)?;
    Ok(slots)
}

/// Creates the tables the count above reads.
pub(super) fn ensure_tables(txn: &WriteTransaction) -> Result<(), StoreError> {
    txn.open_table(CANDIDATES)?;
    txn.open_table(JOBS)?;
    txn.open_table(QUARANTINE)?;
    txn.open_table(KEY_SLOTS)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{RecordKind, Store, records::remove_row};

    fn table(store: &Store) -> BTreeSet<u64> {
        let db = store.read();
        let read = db.begin_read().unwrap();
        let table = read.open_table(KEY_SLOTS).unwrap();
        table
            .iter()
            .unwrap()
            .map(|e| e.unwrap().0.value())
            .collect()
    }

    fn agrees(store: &Store) {
        assert_eq!(table(store), from_rows(&store.read()).unwrap());
    }

    fn put(store: &Store, kind: RecordKind, ids: &[&str]) {
        let records: Vec<(&str, Vec<u8>)> = ids.iter().map(|id| (*id, b"{}".to_vec())).collect();
        store.put_records(kind, "t", &records).unwrap();
    }

    #[test]
    fn the_slot_table_follows_every_write_and_answers_the_next_open() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("store.redb");
        let store = Store::open(&path).unwrap();
        put(&store, RecordKind::Candidate, &["a", "b", "a"]);
        agrees(&store);
        put(&store, RecordKind::Candidate, &["b", "c"]);
        put(&store, RecordKind::Job, &["j1", "j2"]);
        agrees(&store);
        assert!(
            store
                .delete_record(RecordKind::Candidate, "t", "a")
                .unwrap()
        );
        agrees(&store);
        store
            .quarantine_record(RecordKind::Candidate, "t", "c", "test")
            .unwrap();
        agrees(&store);
        assert!(
            store
                .delete_record(RecordKind::Candidate, "t", "c")
                .unwrap()
        );
        agrees(&store);
        assert_eq!(table(&store).len(), 3, "b, j1 and j2");
        drop(store);

        let store = Store::open(&path).unwrap();
        assert_eq!(store.slot_source(), SlotSource::Table);
        assert_eq!(store.orphan_keys_erased(), 0);
        let ids = |kind| {
            let mut ids: Vec<String> = store
                .all_records(kind)
                .unwrap()
                .into_iter()
                .map(|r| r.id)
                .collect();
            ids.sort();
            ids
        };
        assert_eq!(ids(RecordKind::Candidate), ["b"]);
        assert_eq!(ids(RecordKind::Job), ["j1", "j2"]);
    }

    #[test]
    fn keys_a_crash_left_unreferenced_are_zeroed_at_the_next_open() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("store.redb");
        let store = Store::open(&path).unwrap();
        put(&store, RecordKind::Candidate, &["kept", "deleted"]);
        // A write whose keys were synced but whose commit never came.
        let (uncommitted, _) = store.keys.allocate(1).unwrap()[0];
        // A deletion that committed, but whose key was not erased yet.
        let hash = store.hash("t", "deleted");
        let deleted = {
            let txn = store.write().unwrap();
            let slot = remove_row(&txn, RecordKind::Candidate, "t", &hash)
                .unwrap()
                .unwrap()
                .unwrap();
            record(&txn, &[], &[slot]).unwrap();
            txn.commit().unwrap();
            slot
        };
        assert!(store.keys.key(deleted).unwrap().is_some());
        drop(store);

        let store = Store::open(&path).unwrap();
        assert_eq!(store.slot_source(), SlotSource::Table);
        assert_eq!(store.orphan_keys_erased(), 2);
        assert_eq!(store.keys.key(deleted).unwrap(), None);
        assert_eq!(store.keys.key(uncommitted).unwrap(), None);
        assert_eq!(
            store
                .get_record(RecordKind::Candidate, "t", "kept")
                .unwrap(),
            Some(b"{}".to_vec())
        );
    }

    #[test]
    fn a_store_without_the_slot_table_is_read_row_by_row_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("store.redb");
        let store = Store::open(&path).unwrap();
        put(&store, RecordKind::Candidate, &["a", "b"]);
        put(&store, RecordKind::Job, &["j"]);
        let (orphan, _) = store.keys.allocate(1).unwrap()[0];
        {
            let txn = store.write().unwrap();
            txn.delete_table(KEY_SLOTS).unwrap();
            txn.commit().unwrap();
        }
        drop(store);

        let store = Store::open(&path).unwrap();
        assert_eq!(store.slot_source(), SlotSource::Rows);
        assert_eq!(store.orphan_keys_erased(), 1);
        assert_eq!(store.keys.key(orphan).unwrap(), None);
        agrees(&store);
        assert_eq!(store.all_records(RecordKind::Candidate).unwrap().len(), 2);
        drop(store);

        let store = Store::open(&path).unwrap();
        assert_eq!(store.slot_source(), SlotSource::Table);
        assert_eq!(store.all_records(RecordKind::Job).unwrap().len(), 1);
    }
}
