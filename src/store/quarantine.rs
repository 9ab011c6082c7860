//! Records that could not be read back: moved aside into the `quarantine`
//! table, with the reason, so one bad row never stops the server from
//! serving every other. An operator can inspect them with
//! [`Store::quarantined`]; deleting the record's id (a candidate or job
//! delete) removes its quarantined copy too, so erasure still holds.
//!
//! A quarantined candidate or job stays sealed with its record key, under
//! `(table, tenant, hashed key in hex)`, so its id, its bytes and the reason
//! (which may quote them) are erased with the key. One whose seal cannot be
//! opened is kept as the ciphertext it is.

use redb::{ReadableDatabase, ReadableTable, TableDefinition};
use serde::{Deserialize, Serialize};

use super::keys::{Unsealed, seal, sealed_slot};
use super::records::{RecordKind, Row};
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

/// The quarantine row of a tenant record: its table, tenant and hashed key
/// in hex (the id is only inside the sealed value).
fn record_row(kind: RecordKind, hash: &[u8]) -> (&'static str, String) {
    (kind.name(), hex::encode(hash))
}

/// The data a quarantined record's seal is bound to.
fn quarantine_context(table: &str, tenant: &str, key: &str) -> Vec<u8> {
    let mut context = b"quarantine\0".to_vec();
    context.extend_from_slice(table.as_bytes());
    context.push(0);
    context.extend_from_slice(&(tenant.len() as u64).to_le_bytes());
    context.extend_from_slice(tenant.as_bytes());
    context.extend_from_slice(key.as_bytes());
    context
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

    /// Moves a stored tenant record into quarantine in one transaction. It
    /// stays sealed with its key there, so deleting its id still erases it.
    pub fn quarantine_record(
        &self,
        kind: RecordKind,
        tenant: &str,
        id: &str,
        reason: &str,
    ) -> Result<(), StoreError> {
        let hash = self.hash(tenant, id);
        self.quarantine_hashed(kind, tenant, &hash, reason)
    }

    /// [`Store::quarantine_record`] by hashed key. A row that cannot be
    /// opened is kept as it is (ciphertext), under its hashed key.
    pub(super) fn quarantine_hashed(
        &self,
        kind: RecordKind,
        tenant: &str,
        hash: &[u8],
        reason: &str,
    ) -> Result<(), StoreError> {
        let txn = self.write()?;
        let value = txn
            .open_table(kind.table())?
            .remove((tenant, hash))?
            .map(|value| value.value().to_vec());
        // The slot of an unreadable removed row, which the row held alone.
        let mut unused_slot = None;
        if let Some(value) = value {
            let (table, key) = record_row(kind, hash);
            match self.open_row(kind, tenant, hash, &value)? {
                Row::Readable(id, json) => {
                    let record = QuarantinedRecord {
                        table: table.to_owned(),
                        tenant: tenant.to_owned(),
                        id,
                        reason: reason.to_owned(),
                        bytes: json,
                    };
                    let plain = encode(&record)?;
                    let slot = sealed_slot(&value).unwrap_or_default();
                    let sealed = match self.keys.key(slot)? {
                        Some(record_key) => seal(
                            slot,
                            &record_key,
                            &quarantine_context(table, tenant, &key),
                            &plain,
                        )?,
                        None => Vec::new(),
                    };
                    txn.open_table(QUARANTINE)?
                        .insert((table, tenant, key.as_str()), sealed.as_slice())?;
                    tracing::error!(
                        table,
                        tenant,
                        reason,
                        "record quarantined: it cannot be read"
                    );
                }
                // Its key is zero and its slot may already be free (or
                // taken again): the slot table keeps it, and disagrees with
                // the rows until the next open reads them.
                Row::Erased => {}
                Row::Unreadable(why) => {
                    unused_slot = sealed_slot(&value);
                    let reason = format!("{reason}: {why}");
                    put(&txn, table, tenant, &key, &reason, value)?;
                }
            }
        }
        super::slots::record(&txn, &[], unused_slot.as_slice())?;
        if kind == RecordKind::Candidate {
            let generation = super::bump_meta_u64(&txn, super::CANDIDATES_GENERATION)?;
            super::changes::log(&txn, generation, tenant, &[hash])?;
        }
        txn.commit()?;
        self.keys.erase(unused_slot.as_slice())
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
            let value = value.value();
            let plain = if sealed_slot(value).is_some() {
                match self
                    .keys
                    .open_sealed(&quarantine_context(table, tenant, id), value)?
                {
                    Unsealed::Open(plain) => plain,
                    Unsealed::Erased | Unsealed::Corrupt(_) => continue,
                }
            } else {
                value.to_vec()
            };
            let record = serde_json::from_slice(&plain).unwrap_or_else(|error| QuarantinedRecord {
                table: table.to_owned(),
                tenant: tenant.to_owned(),
                id: id.to_owned(),
                reason: format!("unreadable quarantine entry: {error}"),
                bytes: plain.clone(),
            });
            records.push(record);
        }
        Ok(records)
    }
}

fn encode(record: &QuarantinedRecord) -> Result<Vec<u8>, StoreError> {
    serde_json::to_vec(record).map_err(|error| StoreError::Corrupt {
        key: record.id.clone(),
        reason: error.to_string(),
    })
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
    let json = encode(&record)?;
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

/// Removes a tenant record's quarantined copy inside a delete's
/// transaction: the slot of its key (`Some(None)` when it has none), or
/// `None` when there was no copy.
pub(super) fn remove_quarantined(
    txn: &redb::WriteTransaction,
    kind: RecordKind,
    tenant: &str,
    hash: &[u8],
) -> Result<Option<Option<u64>>, StoreError> {
    let (table_name, key) = record_row(kind, hash);
    let mut table = txn.open_table(QUARANTINE)?;
    let removed = table.remove((table_name, tenant, key.as_str()))?;
    Ok(removed.map(|value| sealed_slot(value.value())))
}

/// The key slots quarantined records refer to.
pub(super) fn referenced_slots(
    txn: &redb::ReadTransaction,
    slots: &mut std::collections::BTreeSet<u64>,
) -> Result<(), StoreError> {
    for entry in txn.open_table(QUARANTINE)?.iter()? {
        let (_, value) = entry?;
        slots.extend(sealed_slot(value.value()));
    }
    Ok(())
}

/// How many quarantined records are sealed (refer to a key slot).
pub(super) fn sealed_quarantine_rows(txn: &redb::ReadTransaction) -> Result<u64, StoreError> {
    let mut rows = 0;
    for entry in txn.open_table(QUARANTINE)?.iter()? {
        let (_, value) = entry?;
        rows += u64::from(sealed_slot(value.value()).is_some());
    }
    Ok(rows)
}

/// Seals the quarantined candidates and jobs of a store of the format
/// before sealing (keyed by id, stored in clear) under fresh keys, keyed by
/// their hashed key; how many it sealed. Part of the migration at open.
pub(super) fn seal_legacy_quarantine(
    txn: &redb::WriteTransaction,
    keys: &super::keys::KeyFile,
    secret: &[u8; 32],
) -> Result<usize, StoreError> {
    let mut table = txn.open_table(QUARANTINE)?;
    let mut legacy = Vec::new();
    for entry in table.iter()? {
        let (key, value) = entry?;
        let (kind, tenant, id) = key.value();
        if RecordKind::from_name(kind).is_some() && sealed_slot(value.value()).is_none() {
            legacy.push((
                kind.to_owned(),
                tenant.to_owned(),
                id.to_owned(),
                value.value().to_vec(),
            ));
        }
    }
    let slots = keys.allocate(legacy.len())?;
    for ((kind, tenant, id, plain), (slot, record_key)) in legacy.iter().zip(&slots) {
        let hash = hex::encode(super::keys::record_hash(secret, tenant, id));
        let sealed = seal(
            *slot,
            record_key,
            &quarantine_context(kind, tenant, &hash),
            plain,
        )?;
        table.remove((kind.as_str(), tenant.as_str(), id.as_str()))?;
        table.insert(
            (kind.as_str(), tenant.as_str(), hash.as_str()),
            sealed.as_slice(),
        )?;
    }
    Ok(legacy.len())
}
