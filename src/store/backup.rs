//! Online backup: a copy of the store as it was at one moment, taken while
//! reads and writes go on.
//!
//! The copy is made from one read transaction, so it holds exactly the
//! transactions committed before that transaction began: a prefix of the
//! acknowledged writes. It copies the live rows only, into a fresh file,
//! and the key file as it was at that moment (`<target>.keys`), so no
//! record deleted before the backup began can be opened from it. The copy
//! also records the erasure log's position then (see `erasure.rs`), so a
//! restore can replay the deletions that came after. Writes wait only
//! while the read transaction begins and the key file is read; they go on
//! during the copy of the rows.

use std::path::Path;

use redb::ReadableDatabase;

use super::erasure::{BACKUP_LOG_POSITION, copy_live_rows, sync_directory};
use super::{Store, StoreError};

/// Suffix of a backup file still being written.
const PARTIAL: &str = ".partial";

impl Store {
    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes a consistent copy of the store to `target`, a new file, and of
    /// its key file beside it: each first with a `.partial` suffix, then
    /// renamed into place (the key file first), so `target` either does not
    /// exist or is complete. Returns the size of `target`.
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
        let keys_target = super::keys::key_file_path(target);
        let mut keys_partial = keys_target.as_os_str().to_owned();
        keys_partial.push(PARTIAL);
        let keys_partial = std::path::PathBuf::from(keys_partial);
        let db = self.read();
        let (read, keys, position) = {
            let _gate = self.gate();
            self.keys.frozen(|keys| {
                let read = db.begin_read()?;
                Ok((read, keys, self.erasures.position()?))
            })?
        };
        let copy = copy_live_rows(
            &read,
            &partial,
            &[(BACKUP_LOG_POSITION, position.as_slice())],
        )
        .and_then(|copy| {
            std::fs::write(&keys_partial, &keys)
                .and_then(|()| std::fs::File::open(&keys_partial)?.sync_all())
                .map_err(|error| file_error(&keys_partial, error))?;
            Ok(copy)
        })
        .inspect_err(|_| {
            let _ = std::fs::remove_file(&partial);
            let _ = std::fs::remove_file(&keys_partial);
        })?;
        drop((read, db));
        std::fs::rename(&keys_partial, &keys_target)
            .map_err(|error| file_error(&keys_target, error))?;
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
        assert!(
            store
                .delete_record(RecordKind::Candidate, "t", "gone")
                .unwrap()
        );
        let target = dir.path().join("backup.redb");
        let bytes = store.backup_to(&target).unwrap();
        assert!(bytes > 0);
        assert!(store.backup_to(&target).is_err(), "never overwrites");
        let copy = std::fs::read(&target).unwrap();
        assert!(!copy.windows(canary.len()).any(|window| window == canary));
        drop(store);

        let restored = Store::open(&target).unwrap();
        assert_eq!(
            restored.slot_source(),
            crate::store::SlotSource::Table,
            "the copy carries the table of key slots in use"
        );
        assert_eq!(restored.orphan_keys_erased(), 0);
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
        assert!(restored.meta(BACKUP_LOG_POSITION).unwrap().is_some());
    }

    #[test]
    fn a_restore_replays_the_erasures_made_after_its_backup() {
        let dir = tempfile::tempdir().unwrap();
        let live_path = dir.path().join("live.redb");
        let store = Store::open(&live_path).unwrap();
        let kinds = [RecordKind::Candidate, RecordKind::Job];
        for kind in kinds {
            // Deleted and stored again before the backup: the backup keeps
            // the new version.
            store
                .put_records(kind, "t", &[("again", b"1".to_vec())])
                .unwrap();
            store.delete_record(kind, "t", "again").unwrap();
            store
                .put_records(kind, "t", &[("again", b"2".to_vec())])
                .unwrap();
            store
                .put_records(kind, "t", &[("erased-later", b"3".to_vec())])
                .unwrap();
            store
                .put_records(kind, "t", &[("kept", b"4".to_vec())])
                .unwrap();
        }
        let target = dir.path().join("backup.redb");
        store.backup_to(&target).unwrap();
        for kind in kinds {
            assert!(store.delete_record(kind, "t", "erased-later").unwrap());
            store
                .put_records(kind, "t", &[("kept", b"5".to_vec())])
                .unwrap();
        }
        let restored_path = dir.path().join("restored.redb");
        std::fs::copy(&target, &restored_path).unwrap();
        std::fs::copy(
            super::super::keys::key_file_path(&target),
            super::super::keys::key_file_path(&restored_path),
        )
        .unwrap();
        let restored = Store::open(&restored_path).unwrap();
        // Another store's log is refused.
        let stranger = Store::open(&dir.path().join("stranger.redb")).unwrap();
        assert!(matches!(
            restored.replay_erasures(&super::super::erasure_log_path(stranger.path())),
            Err(StoreError::Erasure(_))
        ));
        assert_eq!(
            restored
                .replay_erasures(&super::super::erasure_log_path(&live_path))
                .unwrap(),
            2
        );
        for kind in kinds {
            assert_eq!(
                restored.get_record(kind, "t", "erased-later").unwrap(),
                None
            );
            assert_eq!(
                restored.get_record(kind, "t", "again").unwrap(),
                Some(b"2".to_vec())
            );
            assert_eq!(
                restored.get_record(kind, "t", "kept").unwrap(),
                Some(b"4".to_vec())
            );
        }
    }
}
