//! Online backup: a copy of the store as it was at one moment, taken while
//! reads and writes go on.
//!
//! The copy is made from one read transaction, so it holds exactly the
//! transactions committed before that transaction began: a prefix of the
//! acknowledged writes. It is made the way an erasure pass rewrites the
//! store (live rows only, into a fresh file), so it holds no byte of a
//! record deleted before the backup began. Writes go on during the copy; an
//! erasure pass that wants to swap the file meanwhile waits for the copy to
//! finish.

use std::path::Path;

use super::erasure::{copy_live_rows, sync_directory};
use super::{Store, StoreError};

/// Suffix of a backup file still being written.
const PARTIAL: &str = ".partial";

impl Store {
    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes a consistent copy of the store to `target`, a new file: first
    /// beside it with a `.partial` suffix, then renamed into place, so
    /// `target` either does not exist or is complete. Returns its size.
    pub fn backup_to(&self, target: &Path) -> Result<u64, StoreError> {
        let file_error = |path: &Path, source| StoreError::File {
            path: path.display().to_string(),
            source,
        };
        if target.exists() {
            return Err(file_error(
                target,
                std::io::Error::new(std::io::ErrorKind::AlreadyExists, "backup target exists"),
            ));
        }
        let mut partial = target.as_os_str().to_owned();
        partial.push(PARTIAL);
        let partial = std::path::PathBuf::from(partial);
        let copy = {
            let db = self.read();
            copy_live_rows(&db, &partial).inspect_err(|_| {
                let _ = std::fs::remove_file(&partial);
            })?
        };
        drop(copy);
        std::fs::rename(&partial, target).map_err(|error| file_error(target, error))?;
        sync_directory(target)?;
        Ok(std::fs::metadata(target)
            .map_err(|error| file_error(target, error))?
            .len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::RecordKind;

    #[test]
    fn a_backup_holds_the_live_rows_and_no_deleted_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("live.redb")).unwrap();
        let canary = b"canary-deleted-before-backup".to_vec();
        store
            .put_records(RecordKind::Candidate, "t", &[("gone", canary.clone())])
            .unwrap();
        store
            .put_records(RecordKind::Job, "t", &[("kept", b"{\"k\":1}".to_vec())])
            .unwrap();
        // Deleted, but no erasure pass ran: the live file may still hold it.
        let _ticket =
            Store::delete_record(store.deleting(), RecordKind::Candidate, "t", "gone").unwrap();

        let target = dir.path().join("backup.redb");
        let bytes = store.backup_to(&target).unwrap();
        assert!(bytes > 0);
        assert!(store.backup_to(&target).is_err(), "never overwrites");
        let copy = std::fs::read(&target).unwrap();
        assert!(!copy.windows(canary.len()).any(|window| window == canary));
        drop(store);

        let restored = Store::open(&target).unwrap();
        assert!(
            restored
                .get_record(RecordKind::Candidate, "t", "gone")
                .unwrap()
                .is_none()
        );
        assert!(
            restored
                .get_record(RecordKind::Job, "t", "kept")
                .unwrap()
                .is_some()
        );
        assert_eq!(
            restored.meta_u64(crate::store::PENDING_ERASURES).unwrap(),
            0
        );
    }
}
