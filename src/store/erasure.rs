//! Erasure: after a record is deleted, no byte of it may remain in the data
//! directory.
//!
//! redb is copy-on-write: a delete frees the pages that held the record, and
//! freed pages keep their bytes until they are reused. `Database::compact`
//! does not close that gap: it moves the highest pages into the lowest free
//! slots of their size and stops at the first page that has no lower slot,
//! so a freed block below a larger page (a record bigger than the one
//! erased, stored later) keeps the erased bytes however often it runs. The
//! store therefore rewrites itself: it copies every live row into a fresh
//! file, makes it durable, renames it over the database file and syncs the
//! directory. The old file, freed pages and all, is then unlinked. A crash
//! before the rename leaves the old file with its `pending_erasures` counter
//! above zero, and the next open rewrites again.
//!
//! Deletions wait for a pass whose copy began after they committed; a pass
//! first waits briefly for deletions still committing, so a burst of
//! concurrent deletions shares one or two passes instead of one each.

use std::path::{Path, PathBuf};
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use redb::{
    Database, Durability, Key, ReadTransaction, ReadableDatabase, ReadableTable, TableDefinition,
    TableHandle, Value,
};

use super::records::{CANDIDATES, JOBS, PENDING_ERASURES};
use super::{META, Store, StoreError, credentials::CREDENTIALS};

/// Rows copied per write transaction of a rewrite.
const ROWS_PER_COMMIT: usize = 10_000;

/// Every table of the store. A rewrite copies exactly these and refuses to
/// run when the file holds another, so no table can be dropped by erasure.
const TABLES: [&str; 6] = [
    "meta",
    "credentials",
    "candidates",
    "jobs",
    "quarantine",
    "candidate_changes",
];

/// Longest a pass waits for deletions still committing, so they share it.
const GATHER: Duration = Duration::from_millis(100);

/// Erasure passes, numbered in the order their copies begin.
#[derive(Debug, Default)]
pub(super) struct Passes {
    state: Mutex<PassState>,
    changed: Condvar,
}

#[derive(Debug, Default)]
struct PassState {
    /// Passes whose copy has begun.
    started: u64,
    finished: u64,
    succeeded: u64,
    running: bool,
    /// Deletions begun and not yet committed.
    committing: usize,
}

/// Proof that a deletion committed, and which erasure pass covers it: any
/// pass whose copy began after the commit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use = "the deleted bytes stay on disk until `Store::erase_deleted` runs"]
pub struct ErasureTicket {
    needed: u64,
}

/// A deletion in progress: from [`Store::deleting`] until it commits (or
/// is dropped), erasure passes wait for it so that it can share them.
#[derive(Debug)]
pub struct Deleting<'a> {
    store: &'a Store,
}

impl Drop for Deleting<'_> {
    fn drop(&mut self) {
        let passes = &self.store.passes;
        passes.lock().committing -= 1;
        passes.changed.notify_all();
    }
}

impl<'a> Deleting<'a> {
    /// The store.
    pub(super) fn store(&self) -> &'a Store {
        self.store
    }
}

impl Passes {
    fn lock(&self) -> MutexGuard<'_, PassState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The ticket of a deletion about to commit; call it holding the
    /// writers' gate, which every pass holds while it copies.
    pub(super) fn ticket(&self) -> ErasureTicket {
        ErasureTicket {
            needed: self.lock().started + 1,
        }
    }
}

/// The file a rewrite builds before it replaces the database.
fn rewrite_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_owned();
    name.push(".erasing");
    path.with_file_name(name)
}

fn file_error(path: &Path) -> impl FnOnce(std::io::Error) -> StoreError + '_ {
    move |source| StoreError::File {
        path: path.display().to_string(),
        source,
    }
}

/// Removes what a crashed rewrite left beside the database file.
pub(super) fn remove_leftover(path: &Path) -> Result<(), StoreError> {
    let leftover = rewrite_path(path);
    match std::fs::remove_file(&leftover) {
        Err(error) if error.kind() != std::io::ErrorKind::NotFound => {
            Err(file_error(&leftover)(error))
        }
        _ => Ok(()),
    }
}

impl Store {
    /// Announces a deletion; take it before any lock the deletion waits on,
    /// so that a pass starting meanwhile waits for it and covers it too.
    pub fn deleting(&self) -> Deleting<'_> {
        self.passes.lock().committing += 1;
        Deleting { store: self }
    }

    /// Removes every byte of the deleted record of `ticket` (and of every
    /// record deleted before it) from the data directory, by rewriting the
    /// database file. Returns once a rewrite that began after the deletion
    /// committed has finished. Concurrent deletions share rewrites: a pass
    /// first waits (up to [`GATHER`]) for deletions still committing. Reads
    /// go on meanwhile; writes wait while the rewrite copies.
    pub fn erase_deleted(&self, ticket: ErasureTicket) -> Result<(), StoreError> {
        let mut state = self.passes.lock();
        loop {
            if state.succeeded >= ticket.needed {
                return Ok(());
            }
            if state.finished >= ticket.needed {
                return Err(StoreError::Erasure(
                    "the rewrite this deletion waited for failed".to_owned(),
                ));
            }
            if state.running {
                state = self
                    .passes
                    .changed
                    .wait(state)
                    .unwrap_or_else(PoisonError::into_inner);
                continue;
            }
            state.running = true;
            let deadline = Instant::now() + GATHER;
            while state.committing > 0 && Instant::now() < deadline {
                let left = deadline.saturating_duration_since(Instant::now());
                state = self
                    .passes
                    .changed
                    .wait_timeout(state, left)
                    .unwrap_or_else(PoisonError::into_inner)
                    .0;
            }
            drop(state);
            let result = self.rewrite();
            state = self.passes.lock();
            state.running = false;
            state.finished = state.started;
            if result.is_ok() {
                state.succeeded = state.started;
            }
            self.passes.changed.notify_all();
            if state.succeeded >= ticket.needed || result.is_err() {
                return result;
            }
        }
    }

    /// Rewrites the file when deletions happened since the last pass (for
    /// example a crash mid-pass); whether it rewrote.
    pub fn erase_if_pending(&self) -> Result<bool, StoreError> {
        if self.meta_u64(PENDING_ERASURES)? == 0 {
            return Ok(false);
        }
        let ticket = {
            let _gate = self.gate();
            self.passes.ticket()
        };
        self.erase_deleted(ticket)?;
        Ok(true)
    }

    /// Copies every live row into a fresh file and puts it in place of the
    /// database file.
    fn rewrite(&self) -> Result<(), StoreError> {
        let _gate = self.gate();
        self.passes.lock().started += 1;
        let fresh_path = rewrite_path(&self.path);
        let fresh = {
            let db = self.read();
            copy_live_rows(&db, &fresh_path).inspect_err(|_| {
                let _ = std::fs::remove_file(&fresh_path);
            })?
        };
        let mut db = self.db.write().unwrap_or_else(PoisonError::into_inner);
        if let Err(error) = std::fs::rename(&fresh_path, &self.path) {
            drop(fresh);
            let _ = std::fs::remove_file(&fresh_path);
            return Err(file_error(&self.path)(error));
        }
        // From here the name points at the fresh file: use it whatever
        // happens next, so no write goes to the unlinked one.
        *db = fresh;
        drop(db);
        sync_directory(&self.path)
    }
}

pub(super) fn sync_directory(path: &Path) -> Result<(), StoreError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::File::open(dir)
        .and_then(|handle| handle.sync_all())
        .map_err(file_error(dir))
}

/// Writes every row of the known tables into a new database at `target`,
/// with the erasure counter cleared, durably.
pub(super) fn copy_live_rows(source: &Database, target: &Path) -> Result<Database, StoreError> {
    let _ = std::fs::remove_file(target);
    let fresh = Database::create(target).map_err(|source| StoreError::Open {
        path: target.display().to_string(),
        source,
    })?;
    let read = source.begin_read()?;
    if let Some(unknown) = read
        .list_tables()?
        .map(|table| table.name().to_owned())
        .find(|name| !TABLES.contains(&name.as_str()))
    {
        return Err(StoreError::Erasure(format!(
            "table {unknown} is not known to the rewrite; refusing to drop it"
        )));
    }
    copy_table(&read, &fresh, META)?;
    copy_table(&read, &fresh, CREDENTIALS)?;
    copy_table(&read, &fresh, CANDIDATES)?;
    copy_table(&read, &fresh, JOBS)?;
    copy_table(&read, &fresh, super::quarantine::QUARANTINE)?;
    copy_table(&read, &fresh, super::changes::CANDIDATE_CHANGES)?;
    let txn = fresh.begin_write()?;
    txn.open_table(META)?
        .insert(PENDING_ERASURES, 0u64.to_le_bytes().as_slice())?;
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
        let mut txn = fresh.begin_write()?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::RecordKind;

    fn holds(dir: &Path, needle: &[u8]) -> bool {
        std::fs::read_dir(dir).unwrap().any(|entry| {
            let bytes = std::fs::read(entry.unwrap().path()).unwrap();
            bytes.windows(needle.len()).any(|window| window == needle)
        })
    }

    #[test]
    fn a_deletion_whose_pass_never_ran_is_erased_at_the_next_open() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("store.redb");
        let canary = b"canary-erased-at-open";
        {
            let store = Store::open(&path).unwrap();
            let json = [canary.as_slice(), &[b'x'; 9000]].concat();
            store
                .put_records(RecordKind::Candidate, "t", &[("gone", json)])
                .unwrap();
            let large = vec![b'y'; 70_000];
            store
                .put_records(RecordKind::Candidate, "t", &[("kept", large)])
                .unwrap();
            let ticket = Store::delete_record(store.deleting(), RecordKind::Candidate, "t", "gone");
            assert!(ticket.unwrap().is_some());
            assert!(holds(dir.path(), canary), "freed pages keep the record");
            // The process dies here: no pass ran, and one had left a copy behind.
        }
        std::fs::write(rewrite_path(&path), canary).unwrap();

        let store = Store::open(&path).unwrap();
        assert!(store.erase_if_pending().unwrap());
        assert!(!holds(dir.path(), canary));
        assert!(!rewrite_path(&path).exists());
        assert_eq!(store.meta_u64(PENDING_ERASURES).unwrap(), 0);
        assert!(!store.erase_if_pending().unwrap());
        let kept = store
            .get_record(RecordKind::Candidate, "t", "kept")
            .unwrap();
        assert_eq!(kept.map(|json| json.len()), Some(70_000));
    }

    #[test]
    fn a_rewrite_refuses_to_drop_a_table_it_does_not_know() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("store.redb");
        let store = Store::open(&path).unwrap();
        let unknown: TableDefinition<&str, u64> = TableDefinition::new("unknown");
        let txn = store.write().unwrap();
        txn.open_table(unknown).unwrap().insert("k", 1).unwrap();
        txn.commit().unwrap();
        store
            .put_records(RecordKind::Job, "t", &[("j", b"{}".to_vec())])
            .unwrap();
        let ticket = Store::delete_record(store.deleting(), RecordKind::Job, "t", "j")
            .unwrap()
            .unwrap();
        assert!(matches!(
            store.erase_deleted(ticket),
            Err(StoreError::Erasure(_))
        ));
        // Nothing was lost, and the erasure is still pending.
        let db = store.read();
        let read = db.begin_read().unwrap();
        assert_eq!(
            read.open_table(unknown)
                .unwrap()
                .get("k")
                .unwrap()
                .unwrap()
                .value(),
            1
        );
        drop((read, db));
        assert_eq!(store.meta_u64(PENDING_ERASURES).unwrap(), 1);
        assert!(!rewrite_path(&path).exists());
    }
}
