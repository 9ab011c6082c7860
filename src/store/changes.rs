//! The log of candidate changes since the candidate index snapshot: which
//! `(tenant, hashed key)` each committed candidate write touched (the id is
//! never stored in clear, see `keys.rs`), under the
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

use super::records::RecordKind;
use super::{META, Store, StoreError, decode_u64, set_meta};

/// `(candidates generation, tenant, hashed key)` → nothing.
pub(super) const CANDIDATE_CHANGES: TableDefinition<(u64, &str, &[u8]), ()> =
    TableDefinition::new("sealed_candidate_changes");

/// Meta key of the generation from which the log is complete: every
/// candidate change committed after it is logged.
const LOG_BASE: &str = "candidate_changes_base";

/// Logs that the records of `hashes` of `tenant` changed at `generation`.
pub(super) fn log(
    txn: &WriteTransaction,
    generation: u64,
    tenant: &str,
    hashes: &[&[u8]],
) -> Result<(), StoreError> {
    let mut table = txn.open_table(CANDIDATE_CHANGES)?;
    for hash in hashes {
        table.insert((generation, tenant, *hash), ())?;
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
    /// deletion since), or names a record that is gone or cannot be opened
    /// (quarantined since), so an index as of `generation` cannot be
    /// brought up to date from it.
    pub fn candidate_changes_since(
        &self,
        generation: u64,
    ) -> Result<Option<Vec<(String, String)>>, StoreError> {
        let mut logged = Vec::new();
        {
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
            let start: &[u8] = &[];
            for entry in table.range((generation.saturating_add(1), "", start)..)? {
                let (key, _) = entry?;
                let (_, tenant, hash) = key.value();
                if seen.insert((tenant.to_owned(), hash.to_vec())) {
                    logged.push((tenant.to_owned(), hash.to_vec()));
                }
            }
        }
        let mut changed = Vec::with_capacity(logged.len());
        for (tenant, hash) in logged {
            match self.resolve(RecordKind::Candidate, &tenant, &hash)? {
                Some(id) => changed.push((tenant, id)),
                None => return Ok(None),
            }
        }
        Ok(Some(changed))
    }

    /// Drops the log entries at or below `generation`, which a snapshot
    /// now covers, and raises the log's base to it: an older snapshot (one
    /// put back by hand, say) can no longer be brought up to date.
    pub fn prune_candidate_changes(&self, generation: u64) -> Result<(), StoreError> {
        let txn = self.write()?;
        let start: &[u8] = &[];
        txn.open_table(CANDIDATE_CHANGES)?
            .retain_in(..(generation.saturating_add(1), "", start), |_, ()| false)?;
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
    use crate::store::CANDIDATES_GENERATION;

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
        // Within one generation, the log follows the hashed keys' order.
        let mut changed = store.candidate_changes_since(first).unwrap().unwrap();
        changed.sort();
        assert_eq!(
            changed,
            vec![pair("t", "a"), pair("t", "b"), pair("u", "b")]
        );
        assert_eq!(store.candidate_changes_since(0).unwrap().unwrap().len(), 3);

        store.prune_candidate_changes(first + 1).unwrap();
        assert_eq!(store.candidate_changes_since(first).unwrap(), None);
        assert_eq!(
            store.candidate_changes_since(first + 1).unwrap().unwrap(),
            vec![pair("u", "b")]
        );

        assert!(
            store
                .delete_record(RecordKind::Candidate, "u", "b")
                .unwrap()
        );
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
