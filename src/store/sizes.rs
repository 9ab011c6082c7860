//! Row counts and file size of the store, for metrics.

use redb::{ReadableDatabase, ReadableTableMetadata};

use super::records::{CANDIDATES, JOBS};
use super::{Store, StoreError};

/// Rows and bytes of the store.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StoreSizes {
    /// Candidate records, all tenants.
    pub candidates: u64,
    /// Job records, all tenants.
    pub jobs: u64,
    /// Bytes of the database file.
    pub file_bytes: u64,
}

impl Store {
    /// Counts the records (one read transaction) and measures the file.
    pub fn sizes(&self) -> Result<StoreSizes, StoreError> {
        let db = self.read();
        let txn = db.begin_read()?;
        let candidates = txn.open_table(CANDIDATES)?.len()?;
        let jobs = txn.open_table(JOBS)?.len()?;
        let file_bytes = std::fs::metadata(&self.path)
            .map_err(|source| StoreError::File {
                path: self.path.display().to_string(),
                source,
            })?
            .len();
        Ok(StoreSizes {
            candidates,
            jobs,
            file_bytes,
        })
    }
}
