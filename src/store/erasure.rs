//! Erasure: after a record is deleted, no byte of it may be readable from
//! the data directory.
//!
//! redb is copy-on-write: a delete frees the pages that held the record,
//! and freed pages keep their bytes until they are reused. Records are
//! therefore sealed under keys of their own (`keys.rs`) and a deletion
//! erases the key: whatever copies of the ciphertext linger, none can be
//! opened. The database file is never rewritten for an erasure.
//!
//! Backups copy the key file as it was, so a record erased after a backup
//! is readable again in a restore of it. Every deletion is therefore also
//! appended (and synced) to the erasure log, `<store>.erasures`, before it
//! commits: one JSON line per deletion with the table, the tenant and the
//! record's hashed key (never its id or bytes). A backup notes the log's
//! identity and length; `skillmatch restore --erasure-log <live data dir>`
//! replays the entries written after that, deleting those records from the
//! restored store before it serves. A line may name a deletion that did not
//! commit (a crash between the two): replaying it deletes a record whose
//! deletion was never acknowledged, which a retried delete would have done.
//!
//! This file also holds what backups share with erasure: the copy of the
//! live rows into a fresh file, and the directory sync.

use std::fs::{File, OpenOptions};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use redb::{
    Database, Durability, Key, ReadTransaction, ReadableTable, TableDefinition, TableHandle, Value,
};
use serde::{Deserialize, Serialize};

use super::records::{CANDIDATES, JOBS, RecordKind};
use super::{META, Store, StoreError, credentials::CREDENTIALS};

/// Rows copied per write transaction of a copy.
const ROWS_PER_COMMIT: usize = 10_000;

/// Every table of the store. A copy takes exactly these and refuses to run
/// when the file holds another, so no table can be dropped by a backup.
const TABLES: [&str; 7] = [
    "meta",
    "credentials",
    "sealed_candidates",
    "sealed_jobs",
    "quarantine",
    "sealed_candidate_changes",
    "key_slots",
];

/// Meta key, in a backup, of the erasure log position it was taken at:
/// the log's 16-byte identity, then its length as a little-endian u64.
pub(super) const BACKUP_LOG_POSITION: &str = "backup_erasure_log_position";

/// The erasure log of a store file.
pub fn erasure_log_path(store: &Path) -> PathBuf {
    store.with_extension("erasures")
}

fn file_error(path: &Path) -> impl Fn(std::io::Error) -> StoreError + '_ {
    move |source| StoreError::File {
        path: path.display().to_string(),
        source,
    }
}

/// The first line of an erasure log.
#[derive(Debug, Serialize, Deserialize)]
struct LogHeader {
    /// Random identity, hex.
    erasure_log: String,
}

/// One deletion.
#[derive(Debug, Serialize, Deserialize)]
struct LogEntry {
    /// `candidates` or `jobs`.
    table: String,
    tenant: String,
    /// The record's hashed key, hex.
    key: String,
}

/// The append-only erasure log.
#[derive(Debug)]
pub(super) struct ErasureLog {
    path: PathBuf,
    id: [u8; 16],
    file: Mutex<File>,
}

impl ErasureLog {
    /// Opens the log, creating it (with a fresh identity) when absent.
    pub(super) fn open(path: &Path) -> Result<Self, StoreError> {
        let error = file_error(path);
        let existing = match std::fs::read(path) {
            Ok(bytes) => Some(bytes),
            Err(failure) if failure.kind() == std::io::ErrorKind::NotFound => None,
            Err(failure) => return Err(error(failure)),
        };
        let id = match existing.as_deref().and_then(log_id) {
            Some(id) => id,
            None => {
                let mut id = [0u8; 16];
                getrandom::fill(&mut id)
                    .map_err(|failure| error(std::io::Error::other(failure.to_string())))?;
                let header = LogHeader {
                    erasure_log: hex::encode(id),
                };
                let mut line = serde_json::to_vec(&header)
                    .map_err(std::io::Error::other)
                    .map_err(&error)?;
                line.push(b'\n');
                // A log without a readable header is empty or torn at
                // creation: it is started afresh.
                let mut file = File::create(path).map_err(&error)?;
                file.write_all(&line).map_err(&error)?;
                file.sync_all().map_err(&error)?;
                sync_directory(path)?;
                id
            }
        };
        let file = OpenOptions::new().append(true).open(path).map_err(&error)?;
        Ok(Self {
            path: path.to_owned(),
            id,
            file: Mutex::new(file),
        })
    }

    /// Appends a deletion and syncs the log.
    pub(super) fn append(
        &self,
        kind: RecordKind,
        tenant: &str,
        hash: &[u8],
    ) -> Result<(), StoreError> {
        let error = file_error(&self.path);
        let entry = LogEntry {
            table: kind.name().to_owned(),
            tenant: tenant.to_owned(),
            key: hex::encode(hash),
        };
        let mut line = serde_json::to_vec(&entry)
            .map_err(std::io::Error::other)
            .map_err(&error)?;
        line.push(b'\n');
        let mut file = self.file.lock().unwrap_or_else(PoisonError::into_inner);
        file.write_all(&line).map_err(&error)?;
        file.sync_data().map_err(&error)
    }

    /// The log's identity and length now, as a backup records it.
    pub(super) fn position(&self) -> Result<Vec<u8>, StoreError> {
        let file = self.file.lock().unwrap_or_else(PoisonError::into_inner);
        let len = file.metadata().map_err(file_error(&self.path))?.len();
        let mut position = self.id.to_vec();
        position.extend_from_slice(&len.to_le_bytes());
        Ok(position)
    }
}

/// The identity in a log's header line.
fn log_id(bytes: &[u8]) -> Option<[u8; 16]> {
    let line = bytes.split(|byte| *byte == b'\n').next()?;
    let header: LogHeader = serde_json::from_slice(line).ok()?;
    hex::decode(header.erasure_log).ok()?.try_into().ok()
}

impl Store {
    /// Replays the erasure log at `log` (the live store's, see
    /// [`erasure_log_path`]) into this store, a restored backup: deletes
    /// every record whose deletion the log holds after the position the
    /// backup was taken at. Returns how many records it deleted. Refuses a
    /// log that is not the one of the store the backup was taken from.
    pub fn replay_erasures(&self, log: &Path) -> Result<usize, StoreError> {
        let position = self.meta(BACKUP_LOG_POSITION)?.ok_or_else(|| {
            StoreError::Erasure(
                "this store was not made by a backup that records its erasure log position"
                    .to_owned(),
            )
        })?;
        let (id, len) = position
            .split_at_checked(16)
            .and_then(|(id, len)| Some((id, u64::from_le_bytes(len.try_into().ok()?))))
            .ok_or_else(|| StoreError::Erasure("malformed erasure log position".to_owned()))?;
        let bytes = std::fs::read(log).map_err(file_error(log))?;
        if log_id(&bytes).as_ref().map(<[u8; 16]>::as_slice) != Some(id) {
            return Err(StoreError::Erasure(format!(
                "{} is not the erasure log of the store this backup was taken from",
                log.display()
            )));
        }
        let start = usize::try_from(len).unwrap_or(usize::MAX);
        let tail = bytes.get(start..).ok_or_else(|| {
            StoreError::Erasure(format!(
                "{} is shorter than when the backup was taken",
                log.display()
            ))
        })?;
        let mut deleted = 0;
        // A last line without its newline is torn (a crash mid-append):
        // its deletion never committed.
        for line in tail.split_inclusive(|byte| *byte == b'\n') {
            let Some(line) = line.strip_suffix(b"\n") else {
                break;
            };
            let entry: LogEntry = serde_json::from_slice(line).map_err(|error| {
                StoreError::Erasure(format!("unreadable erasure log line: {error}"))
            })?;
            let (Some(kind), Ok(hash)) =
                (RecordKind::from_name(&entry.table), hex::decode(&entry.key))
            else {
                return Err(StoreError::Erasure(format!(
                    "unreadable erasure log entry for table {}",
                    entry.table
                )));
            };
            if self.delete_hashed(kind, &entry.tenant, &hash)? {
                deleted += 1;
            }
        }
        Ok(deleted)
    }
}

pub(super) fn sync_directory(path: &Path) -> Result<(), StoreError> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    std::fs::File::open(dir)
        .and_then(|handle| handle.sync_all())
        .map_err(file_error(dir))
}

/// Writes every row of the known tables, as `read` sees them, into a new
/// database at `target` with `meta` values set on top, durably.
pub(super) fn copy_live_rows(
    read: &ReadTransaction,
    target: &Path,
    meta: &[(&str, &[u8])],
) -> Result<Database, StoreError> {
    let _ = std::fs::remove_file(target);
    let fresh = Database::create(target).map_err(|source| StoreError::Open {
        path: target.display().to_string(),
        source,
    })?;
    if let Some(unknown) = read
        .list_tables()?
        .map(|table| table.name().to_owned())
        .find(|name| !TABLES.contains(&name.as_str()))
    {
        return Err(StoreError::Erasure(format!(
            "table {unknown} is not known to the copy; refusing to drop it"
        )));
    }
    copy_table(read, &fresh, META)?;
    copy_table(read, &fresh, CREDENTIALS)?;
    copy_table(read, &fresh, CANDIDATES)?;
    copy_table(read, &fresh, JOBS)?;
    copy_table(read, &fresh, super::quarantine::QUARANTINE)?;
    copy_table(read, &fresh, super::changes::CANDIDATE_CHANGES)?;
    copy_table(read, &fresh, super::slots::KEY_SLOTS)?;
    let txn = super::begin_write(&fresh)?;
    {
        let mut table = txn.open_table(META)?;
        for (key, value) in meta {
            table.insert(*key, *value)?;
        }
    }
    txn.commit()?;
    Ok(fresh)
}

/// Copies one table in key order, committing every [`ROWS_PER_COMMIT`] rows
/// without syncing; the final commit of [`copy_live_rows`] makes it durable.
fn copy_table<K: Key + 'static, V: Value + 'static>(
    read: &ReadTransaction,
    fresh: &Database,
    table: TableDefinition<'_, K, V>,
) -> Result<(), StoreError> {
    let source = read.open_table(table)?;
    let mut rows = source.iter()?.peekable();
    loop {
        let mut txn = super::begin_write(fresh)?;
        txn.set_durability(Durability::None)?;
        {
            let mut target = txn.open_table(table)?;
            for _ in 0..ROWS_PER_COMMIT {
                let Some(row) = rows.next() else { break };
                let (key, value) = row?;
                target.insert(key.value(), value.value())?;
            }
        }
        txn.commit()?;
        if rows.peek().is_none() {
            return Ok(());
        }
    }
}
