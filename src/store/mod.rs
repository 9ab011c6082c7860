//! The embedded ACID store (redb): the source of truth for every record.
//! Search indexes are derived from it and rebuilt when they fall behind.

mod credentials;
mod records;

pub use credentials::{CATALOG_GENERATION, CatalogChange};
pub use records::{CANDIDATES_GENERATION, PENDING_ERASURES, RecordKind, StoredRecord};

use std::path::Path;

use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition};

/// Key/value settings of the store itself: generations, seed hashes.
const META: TableDefinition<&str, &[u8]> = TableDefinition::new("meta");

/// Errors of the store layer.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database file could not be opened (often: another process holds it).
    #[error("cannot open store at {path}: {source}")]
    Open {
        /// Database file.
        path: String,
        /// Cause.
        source: redb::DatabaseError,
    },
    /// A transaction failed.
    #[error("store transaction: {0}")]
    Transaction(#[from] redb::TransactionError),
    /// A table could not be opened.
    #[error("store table: {0}")]
    Table(#[from] redb::TableError),
    /// A read or write failed.
    #[error("store io: {0}")]
    Storage(#[from] redb::StorageError),
    /// A commit failed; nothing of the transaction was written.
    #[error("store commit: {0}")]
    Commit(#[from] redb::CommitError),
    /// Compaction failed.
    #[error("store compaction: {0}")]
    Compaction(redb::CompactionError),
    /// A stored record could not be decoded.
    #[error("corrupt record {key}: {reason}")]
    Corrupt {
        /// Record key.
        key: String,
        /// Decoding error.
        reason: String,
    },
}

/// The database.
#[derive(Debug)]
pub struct Store {
    db: Database,
}

impl Store {
    /// Opens or creates the database file.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let db = Database::create(path).map_err(|source| StoreError::Open {
            path: path.display().to_string(),
            source,
        })?;
        let store = Self { db };
        store.ensure_tables()?;
        Ok(store)
    }

    fn ensure_tables(&self) -> Result<(), StoreError> {
        let txn = self.db.begin_write()?;
        txn.open_table(META)?;
        txn.open_table(credentials::CREDENTIALS)?;
        txn.open_table(records::CANDIDATES)?;
        txn.open_table(records::JOBS)?;
        txn.commit()?;
        Ok(())
    }

    /// Rewrites the database file without free space, so that bytes of
    /// deleted records do not linger in freed pages. Needs exclusive access.
    pub fn compact(&mut self) -> Result<bool, StoreError> {
        self.db.compact().map_err(StoreError::Compaction)
    }

    /// Reads a meta value.
    pub fn meta(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let txn = self.db.begin_read()?;
        let table = txn.open_table(META)?;
        Ok(table.get(key)?.map(|value| value.value().to_vec()))
    }

    /// Reads a meta counter, 0 when absent.
    pub fn meta_u64(&self, key: &str) -> Result<u64, StoreError> {
        Ok(self.meta(key)?.map_or(0, |bytes| decode_u64(&bytes)))
    }
}

fn decode_u64(bytes: &[u8]) -> u64 {
    let mut buffer = [0u8; 8];
    let len = bytes.len().min(8);
    buffer[..len].copy_from_slice(&bytes[..len]);
    u64::from_le_bytes(buffer)
}

/// Increments a counter in the meta table inside an open write transaction.
fn bump_meta_u64(txn: &redb::WriteTransaction, key: &str) -> Result<u64, StoreError> {
    let mut table = txn.open_table(META)?;
    let current = table.get(key)?.map_or(0, |value| decode_u64(value.value()));
    let next = current + 1;
    table.insert(key, next.to_le_bytes().as_slice())?;
    Ok(next)
}

/// Sets a meta value inside an open write transaction.
fn set_meta(txn: &redb::WriteTransaction, key: &str, value: &[u8]) -> Result<(), StoreError> {
    txn.open_table(META)?.insert(key, value)?;
    Ok(())
}
