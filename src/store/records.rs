//! Tenant records: candidates and jobs. Each table is keyed by
//! `(tenant, keyed hash of (tenant, id))` (see `keys.rs`): the id itself is
//! sealed with the JSON under the record version's own key, so erasing the
//! key erases every copy of the record wherever redb left one. Every write
//! commits durably before it returns, so an acknowledged write survives a
//! crash.
//!
//! Listing follows the table's key order, which is the hashed key's order:
//! stable for a given store, but not the ids' order.

use redb::{ReadableDatabase, ReadableTable, TableDefinition, WriteTransaction};

use super::keys::{Unsealed, seal, sealed_slot};
use super::{Store, StoreError, bump_meta_u64};

/// Meta key of the candidates generation, bumped by every committed change
/// to the candidates table; derived candidate indexes are stamped with it.
pub const CANDIDATES_GENERATION: &str = "candidates_generation";

/// `(tenant, hashed key)` → sealed `(id, JSON)`.
pub(super) type RecordTable =
    TableDefinition<'static, (&'static str, &'static [u8]), &'static [u8]>;

pub(super) const CANDIDATES: RecordTable = TableDefinition::new("sealed_candidates");
pub(super) const JOBS: RecordTable = TableDefinition::new("sealed_jobs");

/// Tables of the format before records were sealed, migrated at open (see
/// `migrate.rs`).
pub(super) const LEGACY_TABLES: [&str; 3] = ["candidates", "jobs", "candidate_changes"];

/// Which table a record lives in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordKind {
    /// Candidates.
    Candidate,
    /// Job postings.
    Job,
}

impl RecordKind {
    pub(super) fn table(self) -> RecordTable {
        match self {
            Self::Candidate => CANDIDATES,
            Self::Job => JOBS,
        }
    }

    /// The name used in the quarantine and the erasure log.
    pub(super) fn name(self) -> &'static str {
        match self {
            Self::Candidate => "candidates",
            Self::Job => "jobs",
        }
    }

    pub(super) fn from_name(name: &str) -> Option<Self> {
        match name {
            "candidates" => Some(Self::Candidate),
            "jobs" => Some(Self::Job),
            _ => None,
        }
    }
}

/// One stored record: its tenant, id and JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRecord {
    /// Owning tenant.
    pub tenant: String,
    /// Record id.
    pub id: String,
    /// The record's JSON.
    pub json: Vec<u8>,
}

/// The data a record's seal is bound to: its table and row.
pub(super) fn row_context(kind: RecordKind, tenant: &str, hash: &[u8]) -> Vec<u8> {
    let mut context = Vec::with_capacity(16 + tenant.len() + hash.len());
    context.extend_from_slice(kind.name().as_bytes());
    context.push(0);
    context.extend_from_slice(&(tenant.len() as u64).to_le_bytes());
    context.extend_from_slice(tenant.as_bytes());
    context.extend_from_slice(hash);
    context
}

/// The plaintext of a record: id length, id, JSON.
pub(super) fn record_plaintext(id: &str, json: &[u8]) -> Vec<u8> {
    let mut plain = Vec::with_capacity(8 + id.len() + json.len());
    plain.extend_from_slice(&(id.len() as u64).to_le_bytes());
    plain.extend_from_slice(id.as_bytes());
    plain.extend_from_slice(json);
    plain
}

/// Splits a record's plaintext into id and JSON.
fn split_plaintext(plain: &[u8]) -> Option<(String, Vec<u8>)> {
    let (len, rest) = plain.split_at_checked(8)?;
    let len = usize::try_from(u64::from_le_bytes(len.try_into().ok()?)).ok()?;
    let (id, json) = rest.split_at_checked(len)?;
    Some((String::from_utf8(id.to_vec()).ok()?, json.to_vec()))
}

/// A stored row read back.
pub(super) enum Row {
    /// Its id and JSON.
    Readable(String, Vec<u8>),
    /// Its key was erased.
    Erased,
    /// It cannot be opened; why.
    Unreadable(&'static str),
}

impl Store {
    /// Opens a stored row's value.
    pub(super) fn open_row(
        &self,
        kind: RecordKind,
        tenant: &str,
        hash: &[u8],
        value: &[u8],
    ) -> Result<Row, StoreError> {
        let context = row_context(kind, tenant, hash);
        Ok(match self.keys.open_sealed(&context, value)? {
            Unsealed::Open(plain) => match split_plaintext(&plain) {
                Some((id, json)) => Row::Readable(id, json),
                None => Row::Unreadable("the sealed record is malformed"),
            },
            Unsealed::Erased => Row::Erased,
            Unsealed::Corrupt(reason) => Row::Unreadable(reason),
        })
    }

    /// The value of one row now, read in a transaction of its own.
    fn read_value(
        &self,
        kind: RecordKind,
        tenant: &str,
        hash: &[u8],
    ) -> Result<Option<Vec<u8>>, StoreError> {
        let db = self.read();
        let txn = db.begin_read()?;
        let table = txn.open_table(kind.table())?;
        Ok(table
            .get((tenant, hash))?
            .map(|value| value.value().to_vec()))
    }

    /// Opens a row's value read in a transaction that has ended. A replace
    /// or delete committed since may have erased its key (and a later write
    /// may have taken the freed slot): when it does not open, the row is
    /// read again and opened anew if it changed. `None` when it is gone.
    fn open_settled(
        &self,
        kind: RecordKind,
        tenant: &str,
        hash: &[u8],
        mut value: Vec<u8>,
    ) -> Result<Option<Row>, StoreError> {
        loop {
            let row = self.open_row(kind, tenant, hash, &value)?;
            if matches!(row, Row::Readable(..)) {
                return Ok(Some(row));
            }
            // A key is erased only after the commit that changed its row,
            // so an unchanged row is really erased or unreadable.
            match self.read_value(kind, tenant, hash)? {
                None => return Ok(None),
                Some(now) if now == value => return Ok(Some(row)),
                Some(now) => value = now,
            }
        }
    }

    /// The hashed key of a record.
    pub(super) fn hash(&self, tenant: &str, id: &str) -> [u8; 32] {
        super::keys::record_hash(&self.secret, tenant, id)
    }

    /// Inserts or replaces records of one tenant in one durable transaction.
    /// Each version gets a fresh key, written and synced before the commit;
    /// the keys of the versions it replaces are erased after it, before
    /// this returns. Returns how many stored versions it replaced.
    pub fn put_records(
        &self,
        kind: RecordKind,
        tenant: &str,
        records: &[(&str, Vec<u8>)],
    ) -> Result<usize, StoreError> {
        let keys = self.keys.allocate(records.len())?;
        let fresh: Vec<u64> = keys.iter().map(|(slot, _)| *slot).collect();
        let committed = (|| {
            let mut rows = Vec::with_capacity(records.len());
            for ((id, json), (slot, key)) in records.iter().zip(&keys) {
                let hash = self.hash(tenant, id);
                let context = row_context(kind, tenant, &hash);
                rows.push((
                    hash,
                    seal(*slot, key, &context, &record_plaintext(id, json))?,
                ));
            }
            let txn = self.write()?;
            let mut replaced = Vec::new();
            {
                let mut table = txn.open_table(kind.table())?;
                for (hash, sealed) in &rows {
                    if let Some(old) = table.insert((tenant, hash.as_slice()), sealed.as_slice())? {
                        replaced.extend(sealed_slot(old.value()));
                    }
                }
            }
            super::slots::record(&txn, &fresh, &replaced)?;
            if kind == RecordKind::Candidate {
                let generation = bump_meta_u64(&txn, CANDIDATES_GENERATION)?;
                let hashes: Vec<&[u8]> = rows.iter().map(|(hash, _)| hash.as_slice()).collect();
                super::changes::log(&txn, generation, tenant, &hashes)?;
            }
            fail::fail_point!("store-records-commit", |_| Err(StoreError::Storage(
                std::io::Error::other("failpoint").into()
            )));
            txn.commit()?;
            Ok(replaced)
        })();
        match committed {
            Ok(replaced) => {
                self.keys.erase(&replaced)?;
                Ok(replaced.len())
            }
            Err(error) => {
                if let Err(cleanup) = self.keys.erase(&fresh) {
                    tracing::warn!(%cleanup, "cannot erase the keys of a failed write; the next open does");
                }
                Err(error)
            }
        }
    }

    /// One record of a tenant.
    pub fn get_record(
        &self,
        kind: RecordKind,
        tenant: &str,
        id: &str,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        let hash = self.hash(tenant, id);
        let Some(value) = self.read_value(kind, tenant, &hash)? else {
            return Ok(None);
        };
        match self.open_settled(kind, tenant, &hash, value)? {
            Some(Row::Readable(stored_id, json)) if stored_id == id => Ok(Some(json)),
            Some(Row::Readable(..)) => Err(StoreError::Corrupt {
                key: format!("{tenant}/{}", hex::encode(hash)),
                reason: "the sealed record holds another id".to_owned(),
            }),
            None | Some(Row::Erased) => Ok(None),
            Some(Row::Unreadable(reason)) => Err(StoreError::Corrupt {
                key: format!("{tenant}/{}", hex::encode(hash)),
                reason: reason.to_owned(),
            }),
        }
    }

    /// Deletes a record of a tenant (and its quarantined copy) durably and
    /// erases its key before returning: no copy of it can be opened after.
    /// Returns whether it existed. The deletion is written to the erasure
    /// log (see `erasure.rs`) before it commits.
    pub fn delete_record(
        &self,
        kind: RecordKind,
        tenant: &str,
        id: &str,
    ) -> Result<bool, StoreError> {
        let hash = self.hash(tenant, id);
        self.delete_hashed(kind, tenant, &hash)
    }

    /// [`Store::delete_record`] by hashed key.
    pub(super) fn delete_hashed(
        &self,
        kind: RecordKind,
        tenant: &str,
        hash: &[u8],
    ) -> Result<bool, StoreError> {
        let txn = self.write()?;
        let removed = remove_row(&txn, kind, tenant, hash)?;
        let quarantined = super::quarantine::remove_quarantined(&txn, kind, tenant, hash)?;
        if removed.is_none() && quarantined.is_none() {
            return Ok(false);
        }
        let slots: Vec<u64> = [removed, quarantined]
            .into_iter()
            .flatten()
            .flatten()
            .collect();
        super::slots::record(&txn, &[], &slots)?;
        if kind == RecordKind::Candidate {
            let generation = bump_meta_u64(&txn, CANDIDATES_GENERATION)?;
            super::changes::restart(&txn, generation)?;
        }
        self.erasures.append(kind, tenant, hash)?;
        txn.commit()?;
        self.keys.erase(slots.as_slice())?;
        Ok(true)
    }

    /// Up to `limit` records of a tenant in stored (hashed key) order, after
    /// the record `after` (which need not exist any more); and whether more
    /// follow.
    pub fn list_records(
        &self,
        kind: RecordKind,
        tenant: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<(Vec<StoredRecord>, bool), StoreError> {
        let after = after.map(|id| self.hash(tenant, id));
        let start: &[u8] = after.as_ref().map_or(&[], |hash| hash.as_slice());
        let mut rows = Vec::new();
        let mut more = false;
        {
            let db = self.read();
            let txn = db.begin_read()?;
            let table = txn.open_table(kind.table())?;
            for entry in table.range((tenant, start)..)? {
                let (key, value) = entry?;
                let (key_tenant, hash) = key.value();
                if key_tenant != tenant {
                    break;
                }
                if Some(hash) == after.as_ref().map(|h| h.as_slice()) {
                    continue;
                }
                if rows.len() == limit {
                    more = true;
                    break;
                }
                rows.push((hash.to_vec(), value.value().to_vec()));
            }
        }
        let mut page = Vec::with_capacity(rows.len());
        for (hash, value) in rows {
            match self.open_settled(kind, tenant, &hash, value)? {
                Some(Row::Readable(id, json)) => page.push(StoredRecord {
                    tenant: tenant.to_owned(),
                    id,
                    json,
                }),
                None | Some(Row::Erased) => {}
                Some(Row::Unreadable(reason)) => {
                    return Err(StoreError::Corrupt {
                        key: format!("{tenant}/{}", hex::encode(hash)),
                        reason: reason.to_owned(),
                    });
                }
            }
        }
        Ok((page, more))
    }

    /// Calls `visit(tenant, id, json)` for every readable record of every
    /// tenant, in key order, without holding more than one record in
    /// memory. Rows that cannot be opened are moved into quarantine: call
    /// it while no record is written (at open), as a row replaced during
    /// the scan would not open.
    pub fn for_each_record<E: From<StoreError>>(
        &self,
        kind: RecordKind,
        mut visit: impl FnMut(&str, &str, &[u8]) -> Result<(), E>,
    ) -> Result<(), E> {
        let mut unreadable = Vec::new();
        {
            let db = self.read();
            let txn = db.begin_read().map_err(StoreError::from)?;
            let table = txn.open_table(kind.table()).map_err(StoreError::from)?;
            for entry in table.iter().map_err(StoreError::from)? {
                let (key, value) = entry.map_err(StoreError::from)?;
                let (tenant, hash) = key.value();
                match self.open_row(kind, tenant, hash, value.value())? {
                    Row::Readable(id, json) => visit(tenant, &id, &json)?,
                    Row::Erased => {}
                    Row::Unreadable(reason) => {
                        unreadable.push((tenant.to_owned(), hash.to_vec(), reason));
                    }
                }
            }
        }
        for (tenant, hash, reason) in unreadable {
            self.quarantine_hashed(kind, &tenant, &hash, reason)?;
        }
        Ok(())
    }

    /// Every readable record of every tenant, for rebuilding indexes.
    pub fn all_records(&self, kind: RecordKind) -> Result<Vec<StoredRecord>, StoreError> {
        let mut records = Vec::new();
        self.for_each_record(kind, |tenant, id, json| {
            records.push(StoredRecord {
                tenant: tenant.to_owned(),
                id: id.to_owned(),
                json: json.to_vec(),
            });
            Ok::<(), StoreError>(())
        })?;
        Ok(records)
    }

    /// The `(tenant, id)` of a stored record by hashed key; `None` when it
    /// is gone or cannot be opened.
    pub(super) fn resolve(
        &self,
        kind: RecordKind,
        tenant: &str,
        hash: &[u8],
    ) -> Result<Option<String>, StoreError> {
        let Some(value) = self.read_value(kind, tenant, hash)? else {
            return Ok(None);
        };
        Ok(match self.open_settled(kind, tenant, hash, value)? {
            Some(Row::Readable(id, _)) => Some(id),
            None | Some(Row::Erased | Row::Unreadable(_)) => None,
        })
    }
}

/// Removes a record's row inside a write transaction; the slot of its key
/// (`Some(None)` when the value names none), or `None` when absent.
pub(super) fn remove_row(
    txn: &WriteTransaction,
    kind: RecordKind,
    tenant: &str,
    hash: &[u8],
) -> Result<Option<Option<u64>>, StoreError> {
    let mut table = txn.open_table(kind.table())?;
    let removed = table.remove((tenant, hash))?;
    Ok(removed.map(|value| sealed_slot(value.value())))
}

/// The key slots every record row refers to.
pub(super) fn referenced_slots(
    txn: &redb::ReadTransaction,
    slots: &mut std::collections::BTreeSet<u64>,
) -> Result<(), StoreError> {
    for kind in [RecordKind::Candidate, RecordKind::Job] {
        let table = txn.open_table(kind.table())?;
        for entry in table.iter()? {
            let (_, value) = entry?;
            slots.extend(sealed_slot(value.value()));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn holds(dir: &std::path::Path, needle: &[u8]) -> bool {
        std::fs::read_dir(dir).unwrap().any(|entry| {
            let bytes = std::fs::read(entry.unwrap().path()).unwrap();
            bytes.windows(needle.len()).any(|window| window == needle)
        })
    }

    #[test]
    fn records_are_sealed_and_a_deletion_or_replacement_erases_every_version() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("store.redb");
        let store = Store::open(&path).unwrap();
        let first = b"canary-first-version".to_vec();
        let second = b"canary-second-version".to_vec();
        store
            .put_records(RecordKind::Candidate, "t", &[("canary-id", first.clone())])
            .unwrap();
        store
            .put_records(RecordKind::Candidate, "t", &[("kept", b"{}".to_vec())])
            .unwrap();
        assert!(!holds(dir.path(), b"canary"), "nothing is stored in clear");
        let raw = |store: &Store| {
            let hash = store.hash("t", "canary-id");
            let db = store.read();
            let txn = db.begin_read().unwrap();
            let table = txn.open_table(CANDIDATES).unwrap();
            let value = table.get(("t", hash.as_slice())).unwrap().unwrap();
            (hash, value.value().to_vec())
        };
        let (hash, first_sealed) = raw(&store);
        store
            .put_records(RecordKind::Candidate, "t", &[("canary-id", second.clone())])
            .unwrap();
        let opens = |store: &Store, sealed: &[u8]| {
            matches!(
                store
                    .open_row(RecordKind::Candidate, "t", &hash, sealed)
                    .unwrap(),
                Row::Readable(..)
            )
        };
        assert!(
            !opens(&store, &first_sealed),
            "the replaced version's key is erased"
        );
        let (_, second_sealed) = raw(&store);
        assert!(opens(&store, &second_sealed));
        assert_eq!(
            store
                .get_record(RecordKind::Candidate, "t", "canary-id")
                .unwrap(),
            Some(second)
        );
        let inode = std::os::unix::fs::MetadataExt::ino(&std::fs::metadata(&path).unwrap());
        assert!(
            store
                .delete_record(RecordKind::Candidate, "t", "canary-id")
                .unwrap()
        );
        assert!(
            !store
                .delete_record(RecordKind::Candidate, "t", "canary-id")
                .unwrap()
        );
        assert!(
            !opens(&store, &second_sealed),
            "the deleted version's key is erased"
        );
        assert_eq!(
            store
                .get_record(RecordKind::Candidate, "t", "canary-id")
                .unwrap(),
            None
        );
        assert_eq!(
            std::os::unix::fs::MetadataExt::ino(&std::fs::metadata(&path).unwrap()),
            inode,
            "the store file is not rewritten"
        );
        // Only one live version's key is left: the kept record's.
        assert_eq!(store.keys.counts(), (3, 2));
        drop(store);
        let store = Store::open(&path).unwrap();
        let all = store.all_records(RecordKind::Candidate).unwrap();
        assert_eq!(all.len(), 1);
        assert_eq!(all[0].id, "kept");
    }

    #[test]
    fn reads_racing_replacements_see_a_version_never_an_erased_key() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("store.redb")).unwrap();
        let put = |n: u32| {
            store
                .put_records(RecordKind::Job, "t", &[("raced", n.to_le_bytes().to_vec())])
                .unwrap();
        };
        put(0);
        std::thread::scope(|scope| {
            scope.spawn(|| (1..200).for_each(put));
            for _ in 0..2000 {
                let json = store.get_record(RecordKind::Job, "t", "raced").unwrap();
                assert_eq!(json.map(|json| json.len()), Some(4));
                let (page, _) = store.list_records(RecordKind::Job, "t", None, 10).unwrap();
                assert_eq!(page.len(), 1);
            }
        });
    }

    #[test]
    fn pages_follow_the_stored_order_and_resume_after_a_deleted_record() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("store.redb")).unwrap();
        let ids: Vec<String> = (0..20).map(|i| format!("id-{i:02}")).collect();
        let records: Vec<(&str, Vec<u8>)> =
            ids.iter().map(|id| (id.as_str(), b"{}".to_vec())).collect();
        store.put_records(RecordKind::Job, "t", &records).unwrap();
        store
            .put_records(RecordKind::Job, "u", &[("other", b"{}".to_vec())])
            .unwrap();
        let (all, more) = store.list_records(RecordKind::Job, "t", None, 100).unwrap();
        assert!(!more);
        assert_eq!(all.len(), 20);
        let (first, more) = store.list_records(RecordKind::Job, "t", None, 7).unwrap();
        assert!(more);
        assert_eq!(first, all[..7]);
        store
            .delete_record(RecordKind::Job, "t", &first[6].id)
            .unwrap();
        let (rest, more) = store
            .list_records(RecordKind::Job, "t", Some(&first[6].id), 100)
            .unwrap();
        assert!(!more);
        assert_eq!(rest, all[7..]);
    }
}
