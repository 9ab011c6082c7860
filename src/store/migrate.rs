//! Opening a store of the format before sealed records: its candidates and
//! jobs (and their quarantined copies) are stored in clear, keyed by id.
//! The first open seals every one of them under a key of its own, drops the
//! old tables, and then rewrites the file once (live rows into a fresh
//! file, renamed over the old one), so no freed page keeps a record in
//! clear. A crash before the migration commits leaves the old file as it
//! was, and the next open migrates again (keys taken meanwhile are orphans
//! and zeroed); a crash after it but before the rename leaves a flag in
//! `meta`, and the next open rewrites.

use std::path::{Path, PathBuf};

use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition, TableHandle};

use super::keys::{KeyFile, key_file_path, record_hash, seal};
use super::records::{LEGACY_TABLES, RecordKind, record_plaintext, row_context};
use super::{StoreError, erasure};

type LegacyRecords = TableDefinition<'static, (&'static str, &'static str), &'static [u8]>;

fn legacy_table(kind: RecordKind) -> LegacyRecords {
    match kind {
        RecordKind::Candidate => TableDefinition::new("candidates"),
        RecordKind::Job => TableDefinition::new("jobs"),
    }
}

/// The file a migration builds before it replaces the database.
fn rewrite_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_owned();
    name.push(".sealing");
    path.with_file_name(name)
}

/// Which tables of the old format `db` holds.
fn legacy_tables(db: &Database) -> Result<Vec<String>, StoreError> {
    Ok(db
        .begin_read()?
        .list_tables()?
        .map(|table| table.name().to_owned())
        .filter(|name| LEGACY_TABLES.contains(&name.as_str()))
        .collect())
}

/// Migrates the store at `path` (open as `db`) when it has tables of the
/// old format; returns the database to use and how many records it sealed.
pub(super) fn migrate(
    db: Database,
    path: &Path,
    secret: &[u8; 32],
) -> Result<(Database, usize), StoreError> {
    let _ = std::fs::remove_file(rewrite_path(path));
    let present = legacy_tables(&db)?;
    if !present.is_empty() || rewrite_pending(&db)? {
        // Every table the rewrite copies must exist.
        let txn = super::begin_write(&db)?;
        super::slots::ensure_tables(&txn)?;
        txn.open_table(super::META)?;
        txn.open_table(super::credentials::CREDENTIALS)?;
        txn.open_table(super::changes::CANDIDATE_CHANGES)?;
        txn.commit()?;
    }
    if present.is_empty() {
        return if rewrite_pending(&db)? {
            Ok((rewrite(db, path)?, 0))
        } else {
            Ok((db, 0))
        };
    }
    // Keys already referenced by sealed rows stay; every other is free.
    let referenced = super::slots::from_rows(&db)?;
    let (keys, _) = KeyFile::open(&key_file_path(path), &referenced.into())?;
    let mut sealed = 0;
    let txn = super::begin_write(&db)?;
    for kind in [RecordKind::Candidate, RecordKind::Job] {
        let name = legacy_table(kind).name().to_owned();
        if !present.contains(&name) {
            continue;
        }
        let rows: Vec<(String, String, Vec<u8>)> = {
            let table = txn.open_table(legacy_table(kind))?;
            let mut rows = Vec::new();
            for entry in table.iter()? {
                let (key, value) = entry?;
                let (tenant, id) = key.value();
                rows.push((tenant.to_owned(), id.to_owned(), value.value().to_vec()));
            }
            rows
        };
        let slots = keys.allocate(rows.len())?;
        let mut table = txn.open_table(kind.table())?;
        for ((tenant, id, json), (slot, key)) in rows.iter().zip(&slots) {
            let hash = record_hash(secret, tenant, id);
            let plain = record_plaintext(id, json);
            let value = seal(*slot, key, &row_context(kind, tenant, &hash), &plain)?;
            table.insert((tenant.as_str(), hash.as_slice()), value.as_slice())?;
            sealed += 1;
        }
    }
    sealed += super::quarantine::seal_legacy_quarantine(&txn, &keys, secret)?;
    for name in &present {
        txn.delete_table(TableDefinition::<&[u8], &[u8]>::new(name))?;
    }
    // The change log of the old format named ids: it is dropped, and the
    // candidate index snapshot is rebuilt once.
    let generation = super::bump_meta_u64(&txn, super::CANDIDATES_GENERATION)?;
    super::changes::restart(&txn, generation)?;
    super::set_meta(&txn, REWRITE_PENDING, &[1])?;
    txn.commit()?;
    drop(keys);
    let db = rewrite(db, path)?;
    tracing::info!(
        records = sealed,
        "sealed the records an older version stored in clear, and rewrote the store once"
    );
    Ok((db, sealed))
}

/// Meta key set by the migration's commit and cleared by its rewrite: a
/// crash between them leaves it set, and the next open rewrites.
const REWRITE_PENDING: &str = "sealing_rewrite_pending";

fn rewrite_pending(db: &Database) -> Result<bool, StoreError> {
    let read = db.begin_read()?;
    let table = match read.open_table(super::META) {
        Ok(table) => table,
        Err(redb::TableError::TableDoesNotExist(_)) => return Ok(false),
        Err(error) => return Err(error.into()),
    };
    Ok(table
        .get(REWRITE_PENDING)?
        .is_some_and(|value| value.value() == [1]))
}

/// Rewrites the file once: the old tables' pages, freed by the migration,
/// hold records in clear.
fn rewrite(db: Database, path: &Path) -> Result<Database, StoreError> {
    let fresh_path = rewrite_path(path);
    let fresh = {
        let read = db.begin_read()?;
        erasure::copy_live_rows(&read, &fresh_path, &[(REWRITE_PENDING, &[0])]).inspect_err(
            |_| {
                let _ = std::fs::remove_file(&fresh_path);
            },
        )?
    };
    drop(fresh);
    drop(db);
    std::fs::rename(&fresh_path, path).map_err(|source| StoreError::File {
        path: path.display().to_string(),
        source,
    })?;
    erasure::sync_directory(path)?;
    Database::create(path).map_err(|source| StoreError::Open {
        path: path.display().to_string(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;
    use crate::store::quarantine::QUARANTINE;

    fn holds(dir: &Path, needle: &[u8]) -> bool {
        std::fs::read_dir(dir).unwrap().any(|entry| {
            let bytes = std::fs::read(entry.unwrap().path()).unwrap();
            bytes.windows(needle.len()).any(|window| window == needle)
        })
    }

    #[test]
    fn a_store_of_the_old_format_is_sealed_and_rewritten_at_open() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("store.redb");
        {
            let db = Database::create(&path).unwrap();
            let txn = db.begin_write().unwrap();
            {
                let mut candidates = txn.open_table(legacy_table(RecordKind::Candidate)).unwrap();
                candidates
                    .insert(
                        ("t", "canary-cand-id"),
                        b"{\"canary-cand-text\":1}".as_slice(),
                    )
                    .unwrap();
                candidates.insert(("t", "other"), b"{}".as_slice()).unwrap();
                let mut jobs = txn.open_table(legacy_table(RecordKind::Job)).unwrap();
                jobs.insert(
                    ("t", "canary-job-id"),
                    b"{\"canary-job-text\":1}".as_slice(),
                )
                .unwrap();
                let changes: TableDefinition<(u64, &str, &str), ()> =
                    TableDefinition::new("candidate_changes");
                txn.open_table(changes)
                    .unwrap()
                    .insert((1, "t", "canary-cand-id"), ())
                    .unwrap();
                let quarantined = crate::store::QuarantinedRecord {
                    table: "candidates".to_owned(),
                    tenant: "t".to_owned(),
                    id: "canary-q-id".to_owned(),
                    reason: "bad".to_owned(),
                    bytes: b"canary-q-text".to_vec(),
                };
                txn.open_table(QUARANTINE)
                    .unwrap()
                    .insert(
                        ("candidates", "t", "canary-q-id"),
                        serde_json::to_vec(&quarantined).unwrap().as_slice(),
                    )
                    .unwrap();
            }
            txn.commit().unwrap();
        }
        assert!(holds(dir.path(), b"canary"));

        let store = Store::open(&path).unwrap();
        assert!(!holds(dir.path(), b"canary"), "nothing is left in clear");
        assert_eq!(
            store
                .get_record(RecordKind::Candidate, "t", "canary-cand-id")
                .unwrap(),
            Some(b"{\"canary-cand-text\":1}".to_vec())
        );
        assert!(
            store
                .get_record(RecordKind::Job, "t", "canary-job-id")
                .unwrap()
                .is_some()
        );
        assert_eq!(store.all_records(RecordKind::Candidate).unwrap().len(), 2);
        let quarantined = store.quarantined().unwrap();
        assert_eq!(quarantined.len(), 1);
        assert_eq!(quarantined[0].id, "canary-q-id");
        // Deleting erases the quarantined copy's key too.
        assert!(
            store
                .delete_record(RecordKind::Candidate, "t", "canary-q-id")
                .unwrap()
        );
        assert!(store.quarantined().unwrap().is_empty());
        drop(store);
        let store = Store::open(&path).unwrap();
        assert_eq!(store.all_records(RecordKind::Candidate).unwrap().len(), 2);
    }
}
