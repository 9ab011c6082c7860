//! Tenant records: candidates and jobs, each table keyed by `(tenant, id)`
//! with the record's JSON as value. Every write commits durably before it
//! returns, so an acknowledged write survives a crash.

use redb::{ReadableDatabase, ReadableTable, TableDefinition};

use super::{Deleting, ErasureTicket, Store, StoreError, bump_meta_u64};

/// Meta key counting deletions since the last erasure pass; while it is
/// above zero, bytes of deleted records may linger in freed pages.
pub const PENDING_ERASURES: &str = "pending_erasures";

/// Meta key of the candidates generation, bumped by every committed change
/// to the candidates table; derived candidate indexes are stamped with it.
pub const CANDIDATES_GENERATION: &str = "candidates_generation";

type RecordTable = TableDefinition<'static, (&'static str, &'static str), &'static [u8]>;

pub(super) const CANDIDATES: RecordTable = TableDefinition::new("candidates");
pub(super) const JOBS: RecordTable = TableDefinition::new("jobs");

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

impl Store {
    /// Inserts or replaces records of one tenant in one durable transaction.
    pub fn put_records(
        &self,
        kind: RecordKind,
        tenant: &str,
        records: &[(&str, Vec<u8>)],
    ) -> Result<(), StoreError> {
        let txn = self.write()?;
        {
            let mut table = txn.open_table(kind.table())?;
            for (id, json) in records {
                table.insert((tenant, *id), json.as_slice())?;
            }
        }
        if kind == RecordKind::Candidate {
            let generation = bump_meta_u64(&txn, CANDIDATES_GENERATION)?;
            let ids: Vec<&str> = records.iter().map(|(id, _)| *id).collect();
            super::changes::log(&txn, generation, tenant, &ids)?;
        }
        fail::fail_point!("store-records-commit", |_| Err(StoreError::Storage(
            std::io::Error::other("failpoint").into()
        )));
        txn.commit()?;
        Ok(())
    }

    /// One record of a tenant.
    pub fn get_record(
        &self,
        kind: RecordKind,
        tenant: &str,
        id: &str,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        let db = self.read();
        let txn = db.begin_read()?;
        let table = txn.open_table(kind.table())?;
        Ok(table.get((tenant, id))?.map(|value| value.value().to_vec()))
    }

    /// Deletes a record of a tenant durably, in the deletion announced by
    /// `deleting`. Returns `None` when it did not exist, else the ticket to
    /// pass to [`Store::erase_deleted`]: until then the record's bytes may
    /// linger in freed pages.
    pub fn delete_record(
        deleting: Deleting<'_>,
        kind: RecordKind,
        tenant: &str,
        id: &str,
    ) -> Result<Option<ErasureTicket>, StoreError> {
        let store = deleting.store();
        let txn = store.write()?;
        let existed = {
            let mut table = txn.open_table(kind.table())?;
            table.remove((tenant, id))?.is_some()
        };
        let existed = super::quarantine::remove_quarantined(&txn, kind, tenant, id)? || existed;
        if !existed {
            return Ok(None);
        }
        if kind == RecordKind::Candidate {
            let generation = bump_meta_u64(&txn, CANDIDATES_GENERATION)?;
            super::changes::restart(&txn, generation)?;
        }
        bump_meta_u64(&txn, PENDING_ERASURES)?;
        let ticket = store.passes.ticket();
        txn.commit()?;
        Ok(Some(ticket))
    }

    /// Up to `limit` records of a tenant in id order, after `after`; and whether more follow.
    pub fn list_records(
        &self,
        kind: RecordKind,
        tenant: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<(Vec<StoredRecord>, bool), StoreError> {
        let db = self.read();
        let txn = db.begin_read()?;
        let table = txn.open_table(kind.table())?;
        let mut page = Vec::new();
        for entry in table.range((tenant, after.unwrap_or(""))..)? {
            let (key, value) = entry?;
            let (key_tenant, id) = key.value();
            if key_tenant != tenant {
                break;
            }
            if Some(id) == after {
                continue;
            }
            if page.len() == limit {
                return Ok((page, true));
            }
            page.push(StoredRecord {
                tenant: key_tenant.to_owned(),
                id: id.to_owned(),
                json: value.value().to_vec(),
            });
        }
        Ok((page, false))
    }

    /// Calls `visit(tenant, id, json)` for every record of every tenant, in
    /// key order, without holding more than one record in memory.
    pub fn for_each_record<E: From<StoreError>>(
        &self,
        kind: RecordKind,
        mut visit: impl FnMut(&str, &str, &[u8]) -> Result<(), E>,
    ) -> Result<(), E> {
        let db = self.read();
        let txn = db.begin_read().map_err(StoreError::from)?;
        let table = txn.open_table(kind.table()).map_err(StoreError::from)?;
        for entry in table.iter().map_err(StoreError::from)? {
            let (key, value) = entry.map_err(StoreError::from)?;
            let (tenant, id) = key.value();
            visit(tenant, id, value.value())?;
        }
        Ok(())
    }

    /// Every record of every tenant, for rebuilding indexes.
    pub fn all_records(&self, kind: RecordKind) -> Result<Vec<StoredRecord>, StoreError> {
        let db = self.read();
        let txn = db.begin_read()?;
        let table = txn.open_table(kind.table())?;
        let mut records = Vec::new();
        for entry in table.iter()? {
            let (key, value) = entry?;
            let (tenant, id) = key.value();
            records.push(StoredRecord {
                tenant: tenant.to_owned(),
                id: id.to_owned(),
                json: value.value().to_vec(),
            });
        }
        Ok(records)
    }
}
