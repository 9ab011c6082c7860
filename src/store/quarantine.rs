//! Records that could not be read back: moved aside into the `quarantine`
//! table, with the reason, so one bad row never stops the server from
//! serving every other. An operator can inspect them with
//! [`Store::quarantined`]; deleting the record's id (a candidate or job
//! delete) removes its quarantined copy too, so erasure still holds.

use redb::{ReadableDatabase, ReadableTable, TableDefinition};
use serde::{Deserialize, Serialize};

use super::records::RecordKind;
use super::{Store, StoreError, credentials::CREDENTIALS};

/// `(table, tenant, id)` → JSON of a [`QuarantinedRecord`]. Credentials have
/// an empty tenant.
pub(super) const QUARANTINE: TableDefinition<(&str, &str, &str), &[u8]> =
    TableDefinition::new("quarantine");

/// A record moved aside because it could not be read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuarantinedRecord {
    /// The table it came from: `credentials`, `candidates` or `jobs`.
    pub table: String,
    /// Owning tenant; empty for credentials.
    pub tenant: String,
    /// Record id.
    pub id: String,
    /// Why it could not be read.
    pub reason: String,
    /// The stored bytes, unchanged.
    pub bytes: Vec<u8>,
}

/// The quarantine key of a tenant record.
pub(super) fn record_key(kind: RecordKind) -> &'static str {
    match kind {
        RecordKind::Candidate => "candidates",
        RecordKind::Job => "jobs",
    }
}

impl Store {
    /// Moves a stored credential into quarantine in one transaction.
    pub fn quarantine_credential(&self, id: &str, reason: &str) -> Result<(), StoreError> {
        let txn = self.write()?;
        {
            let mut table = txn.open_table(CREDENTIALS)?;
            let bytes = table.remove(id)?.map(|value| value.value().to_vec());
            if let Some(bytes) = bytes {
                put(&txn, "credentials", "", id, reason, bytes)?;
            }
        }
        super::bump_meta_u64(&txn, super::CATALOG_GENERATION)?;
        txn.commit()
    }

    /// Moves a stored tenant record into quarantine in one transaction.
    pub fn quarantine_record(
        &self,
        kind: RecordKind,
        tenant: &str,
        id: &str,
        reason: &str,
    ) -> Result<(), StoreError> {
        let txn = self.write()?;
        {
            let mut table = txn.open_table(kind.table())?;
            let bytes = table
                .remove((tenant, id))?
                .map(|value| value.value().to_vec());
            if let Some(bytes) = bytes {
                put(&txn, record_key(kind), tenant, id, reason, bytes)?;
            }
        }
        if kind == RecordKind::Candidate {
            let generation = super::bump_meta_u64(&txn, super::CANDIDATES_GENERATION)?;
            super::changes::log(&txn, generation, tenant, &[id])?;
        }
        txn.commit()
    }

    /// Every quarantined record, in key order.
    pub fn quarantined(&self) -> Result<Vec<QuarantinedRecord>, StoreError> {
        let db = self.read();
        let txn = db.begin_read()?;
        let table = txn.open_table(QUARANTINE)?;
        let mut records = Vec::new();
        for entry in table.iter()? {
            let (key, value) = entry?;
            let (table, tenant, id) = key.value();
            let record =
                serde_json::from_slice(value.value()).unwrap_or_else(|error| QuarantinedRecord {
                    table: table.to_owned(),
                    tenant: tenant.to_owned(),
                    id: id.to_owned(),
                    reason: format!("unreadable quarantine entry: {error}"),
                    bytes: value.value().to_vec(),
                });
            records.push(record);
        }
        Ok(records)
    }
}

fn put(
    txn: &redb::WriteTransaction,
    table: &str,
    tenant: &str,
    id: &str,
    reason: &str,
    bytes: Vec<u8>,
) -> Result<(), StoreError> {
    let record = QuarantinedRecord {
        table: table.to_owned(),
        tenant: tenant.to_owned(),
        id: id.to_owned(),
        reason: reason.to_owned(),
        bytes,
    };
    let json = serde_json::to_vec(&record).map_err(|error| StoreError::Corrupt {
        key: id.to_owned(),
        reason: error.to_string(),
    })?;
    txn.open_table(QUARANTINE)?
        .insert((table, tenant, id), json.as_slice())?;
    tracing::error!(
        table,
        tenant,
        id,
        reason,
        "record quarantined: it cannot be read"
    );
    Ok(())
}

/// Removes a tenant record's quarantined copy inside a delete's transaction;
/// whether there was one.
pub(super) fn remove_quarantined(
    txn: &redb::WriteTransaction,
    kind: RecordKind,
    tenant: &str,
    id: &str,
) -> Result<bool, StoreError> {
    let mut table = txn.open_table(QUARANTINE)?;
    Ok(table.remove((record_key(kind), tenant, id))?.is_some())
}
