//! The embedded ACID store (redb): the source of truth for every record.
//! Search indexes are derived from it and rebuilt when they fall behind.
//!
//! Beside the database file `<name>.redb` live the key file `<name>.keys`
//! (one key per stored candidate or job version, see `keys.rs`) and the
//! erasure log `<name>.erasures` (see `erasure.rs`).

mod backup;
mod changes;
mod credentials;
mod erasure;
mod keys;
mod migrate;
mod quarantine;
mod records;
mod sizes;
mod slots;

pub use credentials::{CATALOG_GENERATION, CatalogChange};
pub use erasure::erasure_log_path;
pub use quarantine::QuarantinedRecord;
pub use records::{CANDIDATES_GENERATION, RecordKind, StoredRecord};
pub use sizes::StoreSizes;
pub use slots::SlotSource;

/// The key file of the store file at `store` (see `keys.rs`).
pub fn key_file_path(store: &Path) -> PathBuf {
    keys::key_file_path(store)
}

use std::ops::Deref;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError, RwLock, RwLockReadGuard};

use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition, WriteTransaction};

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
    /// A transaction's durability could not be set.
    #[error("store durability: {0}")]
    Durability(#[from] redb::SetDurabilityError),
    /// Rewriting the database file (erasure) failed at the file-system level.
    #[error("store file {path}: {source}")]
    File {
        /// The file or directory.
        path: String,
        /// Cause.
        source: std::io::Error,
    },
    /// The erasure log could not be replayed, or a copy refused to run.
    #[error("store erasure: {0}")]
    Erasure(String),
    /// A stored record could not be decoded.
    #[error("corrupt record {key}: {reason}")]
    Corrupt {
        /// Record key.
        key: String,
        /// Decoding error.
        reason: String,
    },
}

/// The database, its record keys and its erasure log.
///
/// Write transactions pass the `writers` gate, which a backup holds while
/// it takes its read transaction and copies the key file and the erasure
/// log's position, so all three describe the same moment.
#[derive(Debug)]
pub struct Store {
    path: PathBuf,
    db: RwLock<Database>,
    writers: Mutex<()>,
    /// The record keys.
    keys: keys::KeyFile,
    /// The secret record ids are hashed with into row keys.
    secret: [u8; 32],
    /// Deletions, for replay into restored backups.
    erasures: erasure::ErasureLog,
    /// Orphan keys zeroed at open (a crash between a key and its commit).
    orphans: usize,
    /// Where this open found the key slots in use.
    slot_source: SlotSource,
}

/// A write transaction of the store; commit with [`Writing::commit`].
/// Holds the writers' gate and the database handle until it ends.
pub(crate) struct Writing<'a> {
    txn: WriteTransaction,
    _db: RwLockReadGuard<'a, Database>,
    _gate: MutexGuard<'a, ()>,
}

impl Deref for Writing<'_> {
    type Target = WriteTransaction;

    fn deref(&self) -> &WriteTransaction {
        &self.txn
    }
}

impl Writing<'_> {
    /// Commits durably.
    pub(crate) fn commit(self) -> Result<(), StoreError> {
        let Writing { txn, _db, _gate } = self;
        txn.commit()?;
        Ok(())
    }
}

impl Store {
    /// Opens or creates the database file, its key file and erasure log.
    /// Keys no record refers to (left by a crash) are zeroed; the slots in
    /// use come from their table (see `slots.rs`). A file with
    /// records of the format before sealing is migrated first (see
    /// `migrate.rs`).
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let db = Database::create(path).map_err(|source| StoreError::Open {
            path: path.display().to_string(),
            source,
        })?;
        let secret = record_secret(&db)?;
        let (db, _) = migrate::migrate(db, path, &secret)?;
        let txn = begin_write(&db)?;
        slots::ensure_tables(&txn)?;
        txn.commit()?;
        let (referenced, slot_source) = slots::in_use(&db)?;
        let (keys, orphans) = keys::KeyFile::open(&keys::key_file_path(path), &referenced)?;
        let erasures = erasure::ErasureLog::open(&erasure::erasure_log_path(path))?;
        let store = Self {
            path: path.to_owned(),
            db: RwLock::new(db),
            writers: Mutex::new(()),
            keys,
            secret,
            erasures,
            orphans,
            slot_source,
        };
        store.ensure_tables()?;
        Ok(store)
    }

    /// How many keys no record referred to this open zeroed: writes or
    /// erasures a crash interrupted, finished now.
    pub fn orphan_keys_erased(&self) -> usize {
        self.orphans
    }

    /// Whether this open read the key slots in use from their table or,
    /// when the table disagreed with the record tables, from every row.
    pub fn slot_source(&self) -> SlotSource {
        self.slot_source
    }

    fn ensure_tables(&self) -> Result<(), StoreError> {
        let txn = self.write()?;
        txn.open_table(META)?;
        txn.open_table(credentials::CREDENTIALS)?;
        txn.open_table(records::CANDIDATES)?;
        txn.open_table(records::JOBS)?;
        txn.open_table(quarantine::QUARANTINE)?;
        txn.open_table(changes::CANDIDATE_CHANGES)?;
        txn.open_table(slots::KEY_SLOTS)?;
        txn.commit()
    }

    /// The database, shared. Keep the guard for as long as a transaction
    /// begun from it lives.
    fn read(&self) -> RwLockReadGuard<'_, Database> {
        self.db.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn gate(&self) -> MutexGuard<'_, ()> {
        self.writers.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Begins a write transaction.
    pub(crate) fn write(&self) -> Result<Writing<'_>, StoreError> {
        let gate = self.gate();
        let db = self.read();
        let txn = begin_write(&db)?;
        Ok(Writing {
            txn,
            _db: db,
            _gate: gate,
        })
    }

    /// Reads a meta value.
    pub fn meta(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let db = self.read();
        let txn = db.begin_read()?;
        let table = txn.open_table(META)?;
        Ok(table.get(key)?.map(|value| value.value().to_vec()))
    }

    /// Reads a meta counter, 0 when absent.
    pub fn meta_u64(&self, key: &str) -> Result<u64, StoreError> {
        Ok(self.meta(key)?.map_or(0, |bytes| decode_u64(&bytes)))
    }
}

/// Meta key of the key that seals page tokens.
const PAGE_TOKEN_KEY: &str = "page_token_key";

impl Store {
    /// The key that seals page tokens: made from the operating system's
    /// random source on first use and kept, so tokens outlive restarts.
    pub fn page_token_key(&self) -> Result<[u8; 32], StoreError> {
        if let Some(key) = self
            .meta(PAGE_TOKEN_KEY)?
            .and_then(|k| <[u8; 32]>::try_from(k).ok())
        {
            return Ok(key);
        }
        let mut key = [0u8; 32];
        getrandom::fill(&mut key).map_err(|error| StoreError::File {
            path: "page token key".to_owned(),
            source: std::io::Error::other(error.to_string()),
        })?;
        let txn = self.write()?;
        set_meta(&txn, PAGE_TOKEN_KEY, &key)?;
        txn.commit()?;
        Ok(key)
    }
}

/// Meta key of the secret record ids are hashed with.
const RECORD_HASH_SECRET: &str = "record_hash_secret";

/// The store's record hashing secret, made on first open.
fn record_secret(db: &Database) -> Result<[u8; 32], StoreError> {
    let txn = begin_write(db)?;
    let existing = txn
        .open_table(META)?
        .get(RECORD_HASH_SECRET)?
        .and_then(|value| <[u8; 32]>::try_from(value.value()).ok());
    if let Some(secret) = existing {
        return Ok(secret);
    }
    let secret = keys::fresh_secret()?;
    txn.open_table(META)?
        .insert(RECORD_HASH_SECRET, secret.as_slice())?;
    txn.commit()?;
    Ok(secret)
}

/// Begins a write transaction whose commit also saves redb's allocator
/// state (quick repair): after a crash the next open loads that state
/// instead of walking the whole file to rebuild it, which on a store of
/// a million candidates took most of the time to serve again. Every write
/// of a store goes through here, so the last commit before a crash always
/// has it.
fn begin_write(db: &Database) -> Result<WriteTransaction, StoreError> {
    let mut txn = db.begin_write()?;
    txn.set_quick_repair(true);
    Ok(txn)
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
