//! The log of candidate changes since the candidate index snapshot: which
//! `(tenant, id)` each committed candidate write touched, under the
//! candidates generation it committed at. A restart loads the snapshot
//! (stamped with the generation it reflects) and re-reads only the records
//! logged after it, instead of rebuilding the index from every record.
//!
//! The log lives in the same transactions as the writes it records, so it
//! is exactly as durable as they are. Writing a snapshot prunes what it
//! covers and raises the log's base (the generation from which it is
//! complete) to the snapshot's. A candidate deletion clears the whole log and raises its base
//! to the deletion's generation: the deleted id must leave
//! the log too, and the deletion removes the snapshot the log was relative
//! to anyway.

use redb::{ReadableDatabase, ReadableTable, TableDefinition, WriteTransaction};

use super::{META, Store, StoreError, decode_u64, set_meta};

/// `(candidates generation, tenant, id)` → nothing.
pub(super) const CANDIDATE_CHANGES: TableDefinition<(u64, &str, &str), ()> =
    TableDefinition::new("candidate_changes");

/// Meta key of the generation from which the log is complete: every
/// candidate change committed after it is logged.
const LOG_BASE: &str = "candidate_changes_base";

/// Logs that `ids` of `tenant` changed at `generation`.
pub(super) fn log(
    txn: &WriteTransaction,
    generation: u64,
    tenant: &str,
    ids: &[&str],
) -> Result<(), StoreError> {
    let mut table = txn.open_table(CANDIDATE_CHANGES)?;
    for id in ids {
        table.insert((generation, tenant, *id), ())?;
    }
    Ok(())
}

/// Empties the log and records that it is complete from `generation` on.
pub(super) fn restart(txn: &WriteTransaction, generation: u64) -> Result<(), StoreError> {
    txn.open_table(CANDIDATE_CHANGES)?.retain(|_, ()| false)?;
    set_meta(txn, LOG_BASE, &generation.to_le_bytes())
}

impl Store {
    /// The distinct `(tenant, id)` of candidates changed after `generation`,
    /// in log order; `None` when the log does not reach back that far (a
    /// deletion since), so an index as of `generation` cannot be brought up
    /// to date from it.
    pub fn candidate_changes_since(
        &self,
        generation: u64,
    ) -> Result<Option<Vec<(String, String)>>, StoreError> {
        let db = self.read();
        let txn = db.begin_read()?;
        let base = txn
            .open_table(META)?
            .get(LOG_BASE)?
            .map_or(0, |value| decode_u64(value.value()));
        if base > generation {
            return Ok(None);
        }
        let table = txn.open_table(CANDIDATE_CHANGES)?;
        let mut seen = std::collections::HashSet::new();
        let mut changed = Vec::new();
        for entry in table.range((generation.saturating_add(1), "", "")..)? {
            let (key, _) = entry?;
            let (_, tenant, id) = key.value();
            if seen.insert((tenant.to_owned(), id.to_owned())) {
                changed.push((tenant.to_owned(), id.to_owned()));
            }
        }
        Ok(Some(changed))
    }

    /// Drops the log entries at or below `generation`, which a snapshot
    /// now covers, and raises the log's base to it: an older snapshot (one
    /// put back by hand, say) can no longer be brought up to date.
    pub fn prune_candidate_changes(&self, generation: u64) -> Result<(), StoreError> {
        let txn = self.write()?;
        txn.open_table(CANDIDATE_CHANGES)?
            .retain_in(..(generation.saturating_add(1), "", ""), |_, ()| false)?;
        let base = txn
            .open_table(META)?
            .get(LOG_BASE)?
            .map_or(0, |value| decode_u64(value.value()));
        if generation > base {
            set_meta(&txn, LOG_BASE, &generation.to_le_bytes())?;
        }
        txn.commit()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{CANDIDATES_GENERATION, RecordKind};

    #[test]
    fn the_log_holds_changes_after_a_generation_until_a_deletion_restarts_it() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("store.redb")).unwrap();
        store
            .put_records(RecordKind::Candidate, "t", &[("a", b"{}".to_vec())])
            .unwrap();
        let first = store.meta_u64(CANDIDATES_GENERATION).unwrap();
        store
            .put_records(
                RecordKind::Candidate,
                "t",
                &[("b", b"{}".to_vec()), ("a", b"{}".to_vec())],
            )
            .unwrap();
        store
            .put_records(RecordKind::Candidate, "u", &[("b", b"{}".to_vec())])
            .unwrap();
        // Jobs are not logged.
        store
            .put_records(RecordKind::Job, "t", &[("j", b"{}".to_vec())])
            .unwrap();
        let pair = |t: &str, i: &str| (t.to_owned(), i.to_owned());
        assert_eq!(
            store.candidate_changes_since(first).unwrap().unwrap(),
            vec![pair("t", "a"), pair("t", "b"), pair("u", "b")]
        );
        assert_eq!(store.candidate_changes_since(0).unwrap().unwrap().len(), 3);

        store.prune_candidate_changes(first + 1).unwrap();
        assert_eq!(store.candidate_changes_since(first).unwrap(), None);
        assert_eq!(
            store.candidate_changes_since(first + 1).unwrap().unwrap(),
            vec![pair("u", "b")]
        );

        let ticket = Store::delete_record(store.deleting(), RecordKind::Candidate, "u", "b")
            .unwrap()
            .unwrap();
        store.erase_deleted(ticket).unwrap();
        let now = store.meta_u64(CANDIDATES_GENERATION).unwrap();
        assert_eq!(store.candidate_changes_since(now - 1).unwrap(), None);
        assert_eq!(store.candidate_changes_since(now).unwrap(), Some(vec![]));
        store
            .put_records(RecordKind::Candidate, "t", &[("c", b"{}".to_vec())])
            .unwrap();
        assert_eq!(
            store.candidate_changes_since(now).unwrap(),
            Some(vec![pair("t", "c")])
        );
    }
}
