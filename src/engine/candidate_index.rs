//! The engine's candidate index and its snapshot file.
//!
//! The snapshot is written in the background (`serve` does it every
//! `candidate_snapshot_secs`, and at a clean stop) and stamped with what it
//! reflects: format, catalogue generation, taxonomy, and the candidates
//! generation it holds at least. At open it is loaded when that stamp fits
//! and the store's change log (`store/changes.rs`) reaches back to its
//! generation; the candidates changed since are then re-read from the store
//! (the tail replay). Otherwise the index is rebuilt from every record and a
//! new snapshot written.
//!
//! Erasure: the snapshot holds candidate ids and competency postings in
//! clear (never names or CV text). Deleting a candidate removes the
//! snapshot (and any being written; a write begun before the deletion is
//! never published) before the delete is acknowledged, so no snapshot holds
//! an erased candidate; the next background write puts a fresh one in
//! place. Until then, a crash means a rebuild. Removing a file costs the
//! same whatever the store holds. Replacing a candidate does not remove it:
//! until the next snapshot write, the snapshot keeps the previous version's
//! competency postings (taxonomy keys, scores, dates) under the same id.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use super::Engine;
use crate::auth::TenantId;
use crate::domain::{Candidate, RecordId};
use crate::error::Error;
use crate::ranking::{
    CandidateIndex, MemoryCandidateIndex, build_profile, read_snapshot_stamp,
    snapshot_temporary_path,
};
use crate::store::{CANDIDATES_GENERATION, CATALOG_GENERATION, RecordKind, Store};
use crate::taxonomy::{CompetencyIdx, Taxonomy};

/// File name of the snapshot in the data directory.
pub const SNAPSHOT_FILE: &str = "candidate-index.snapshot";

/// Bytes of a stamp: the digest of what the index means, then the
/// candidates generation it reflects.
const DIGEST_BYTES: usize = 32;

/// Where the snapshot lives and what it must reflect.
#[derive(Debug)]
pub(super) struct CandidateSnapshot {
    path: PathBuf,
    /// Digest of the taxonomy's URIs in index order (the keys' meaning) and
    /// of the embedder CV extraction scores with (what the keys were found by).
    taxonomy: blake3::Hash,
    /// Catalogue generation the index was built with.
    catalog_generation: u64,
    /// Stamp of the snapshot on disk, when there is a current one.
    saved: Mutex<Option<Vec<u8>>>,
    /// Held by the one snapshot write at a time.
    writing: Mutex<()>,
    /// Candidate erasures so far. A snapshot write is published (renamed
    /// into place) holding this lock, and only when no erasure happened
    /// since it began; an erasure bumps it and removes the files holding it.
    erasures: Mutex<u64>,
}

fn taxonomy_digest(taxonomy: &Taxonomy, embedder: Option<&str>) -> blake3::Hash {
    let mut hasher = blake3::Hasher::new();
    hasher.update(embedder.unwrap_or("no vectors").as_bytes());
    hasher.update(b"\n");
    for i in 0..taxonomy.len() {
        let idx = CompetencyIdx(u32::try_from(i).unwrap_or(u32::MAX));
        hasher.update(taxonomy.get(idx).uri.as_bytes());
        hasher.update(b"\n");
    }
    hasher.finalize()
}

fn internal(error: impl Into<crate::error::BoxError>) -> Error {
    Error::internal("candidate index snapshot", error)
}

fn remove_if_present(path: &Path) -> std::io::Result<()> {
    match std::fs::remove_file(path) {
        Err(error) if error.kind() != std::io::ErrorKind::NotFound => Err(error),
        _ => Ok(()),
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Where a snapshot is written before it is published.
fn staged_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_owned();
    name.push(".staged");
    path.with_file_name(name)
}

fn sync_parent(path: &Path) -> std::io::Result<()> {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => std::fs::File::open(dir)?.sync_all(),
        _ => Ok(()),
    }
}

/// The generation a stamp carries when its digest is `digest`.
fn stamped_generation(stamp: &[u8], digest: &[u8]) -> Option<u64> {
    let (head, tail) = stamp.split_at_checked(DIGEST_BYTES)?;
    let tail: [u8; 8] = tail.try_into().ok()?;
    (head == digest).then(|| u64::from_le_bytes(tail))
}

impl CandidateSnapshot {
    /// The snapshot file.
    pub(super) fn path(&self) -> &Path {
        &self.path
    }

    pub(super) fn new(
        data_dir: &Path,
        taxonomy: &Taxonomy,
        embedder: Option<&str>,
        store: &Store,
    ) -> Result<Self, Error> {
        Ok(Self {
            path: data_dir.join(SNAPSHOT_FILE),
            taxonomy: taxonomy_digest(taxonomy, embedder),
            catalog_generation: store.meta_u64(CATALOG_GENERATION)?,
            saved: Mutex::new(None),
            writing: Mutex::new(()),
            erasures: Mutex::new(0),
        })
    }

    /// The digest every stamp of an index built like this one starts with;
    /// `None` once the catalogue moved on from the one the index was built
    /// with (such an index is rebuilt at the next open, as it always was).
    fn digest(&self, store: &Store) -> Result<Option<[u8; DIGEST_BYTES]>, Error> {
        if store.meta_u64(CATALOG_GENERATION)? != self.catalog_generation {
            return Ok(None);
        }
        let mut hasher = blake3::Hasher::new();
        hasher.update(b"skillmatch candidate index, tail-replayed ");
        hasher.update(env!("CARGO_PKG_VERSION").as_bytes());
        hasher.update(&self.catalog_generation.to_le_bytes());
        hasher.update(self.taxonomy.as_bytes());
        Ok(Some(*hasher.finalize().as_bytes()))
    }

    fn saved(&self) -> MutexGuard<'_, Option<Vec<u8>>> {
        lock(&self.saved)
    }

    /// Removes the snapshot and any being written, and keeps a write begun
    /// before from being published. Call it after the erased candidate left
    /// the index.
    pub(super) fn invalidate(&self) -> Result<(), Error> {
        let mut erasures = lock(&self.erasures);
        *erasures += 1;
        *self.saved() = None;
        let staged = staged_path(&self.path);
        for path in [
            snapshot_temporary_path(&staged),
            staged,
            snapshot_temporary_path(&self.path),
            self.path.clone(),
        ] {
            remove_if_present(&path).map_err(internal)?;
        }
        Ok(())
    }
}

/// Loads the candidate index from its snapshot (and the changes since),
/// else rebuilds it from the store and writes a snapshot; whether it
/// loaded the snapshot.
pub(super) fn open(engine: &mut Engine) -> Result<bool, Error> {
    if let Some((index, changed)) = load(engine)? {
        engine.candidates = Arc::new(index);
        replay(engine, changed)?;
        return Ok(true);
    }
    rebuild(engine)?;
    if let Err(error) = engine.save_candidate_snapshot() {
        tracing::warn!(%error, "cannot write the candidate index snapshot");
    }
    Ok(false)
}

/// Changed candidates, as `(tenant, id)`.
type Changed = Vec<(String, String)>;

/// The index from a fitting snapshot, and the candidates changed since it
/// was taken; `None` when there is no such snapshot.
fn load(engine: &Engine) -> Result<Option<(MemoryCandidateIndex, Changed)>, Error> {
    let snapshot = &engine.candidate_snapshot;
    let staged = staged_path(&snapshot.path);
    for leftover in [
        snapshot_temporary_path(&snapshot.path),
        snapshot_temporary_path(&staged),
        staged,
    ] {
        remove_if_present(&leftover).map_err(internal)?;
    }
    let Some(digest) = snapshot.digest(&engine.store)? else {
        return Ok(None);
    };
    let stamp = match read_snapshot_stamp(&snapshot.path) {
        Ok(Some(stamp)) => stamp,
        Ok(None) => {
            tracing::info!("no candidate index snapshot of this format; rebuilding");
            return Ok(None);
        }
        Err(error) => {
            tracing::warn!(%error, "ignoring candidate index snapshot; rebuilding");
            return Ok(None);
        }
    };
    let Some(generation) = stamped_generation(&stamp, &digest) else {
        tracing::info!(
            "candidate index snapshot made for another catalogue or taxonomy; rebuilding"
        );
        return Ok(None);
    };
    if generation > engine.store.meta_u64(CANDIDATES_GENERATION)? {
        tracing::warn!("candidate index snapshot is ahead of the store; rebuilding");
        return Ok(None);
    }
    let Some(changed) = engine.store.candidate_changes_since(generation)? else {
        tracing::info!(
            "candidates were deleted or quarantined since the index snapshot; rebuilding"
        );
        return Ok(None);
    };
    match MemoryCandidateIndex::load_snapshot(&snapshot.path, &stamp, engine.taxonomy.len()) {
        Ok(Some(index)) => {
            *snapshot.saved() = Some(stamp);
            return Ok(Some((index, changed)));
        }
        Ok(None) => tracing::info!("candidate index snapshot missing or behind; rebuilding"),
        Err(error) => tracing::warn!(%error, "ignoring candidate index snapshot; rebuilding"),
    }
    Ok(None)
}

/// Brings a loaded index up to date: re-reads every candidate changed since
/// its snapshot, putting those stored and removing those gone.
fn replay(engine: &Engine, changed: Changed) -> Result<(), Error> {
    let count = changed.len();
    for (tenant, id) in changed {
        let Ok(record_id) = RecordId::parse(&id) else {
            continue;
        };
        let stored = engine
            .store
            .get_record(RecordKind::Candidate, &tenant, &id)?;
        let candidate = match stored.map(|json| serde_json::from_slice::<Candidate>(&json)) {
            Some(Ok(candidate)) => candidate,
            Some(Err(error)) => {
                engine.store.quarantine_record(
                    RecordKind::Candidate,
                    &tenant,
                    &id,
                    &error.to_string(),
                )?;
                engine
                    .candidates
                    .remove(&TenantId::stored(&tenant), &record_id);
                continue;
            }
            None => {
                engine
                    .candidates
                    .remove(&TenantId::stored(&tenant), &record_id);
                continue;
            }
        };
        let profile = build_profile(
            &engine.taxonomy,
            &engine.extractor,
            &engine.catalog,
            &candidate,
        );
        engine.candidates.put(&TenantId::stored(&tenant), &profile);
    }
    if count > 0 {
        tracing::info!(
            candidates = count,
            "re-read the candidates changed since the index snapshot"
        );
    }
    Ok(())
}

/// Builds the in-memory candidate index from the store. A record that
/// cannot be read is moved into quarantine, not a reason to refuse to start.
fn rebuild(engine: &Engine) -> Result<(), Error> {
    let mut unreadable = Vec::new();
    engine
        .store
        .for_each_record(RecordKind::Candidate, |tenant, id, json| {
            let candidate = match serde_json::from_slice::<Candidate>(json) {
                Ok(candidate) => candidate,
                Err(error) => {
                    unreadable.push((tenant.to_owned(), id.to_owned(), error.to_string()));
                    return Ok(());
                }
            };
            let profile = build_profile(
                &engine.taxonomy,
                &engine.extractor,
                &engine.catalog,
                &candidate,
            );
            engine.candidates.put(&TenantId::stored(tenant), &profile);
            Ok::<(), Error>(())
        })?;
    for (tenant, id, reason) in unreadable {
        engine
            .store
            .quarantine_record(RecordKind::Candidate, &tenant, &id, &reason)?;
    }
    Ok(())
}

/// A fresh embedded candidate index.
pub(super) fn empty(taxonomy_len: usize) -> Arc<dyn CandidateIndex> {
    Arc::new(MemoryCandidateIndex::new(taxonomy_len))
}

impl Engine {
    /// Writes the candidate index snapshot when the one on disk is missing
    /// or behind the store, so the next open loads it (and re-reads only
    /// what changed after it) instead of rebuilding the index; whether it
    /// wrote one. Record writes wait only while the index is copied into
    /// the file, not while it is synced; a candidate deletion meanwhile
    /// cancels the write. `serve` calls this periodically in the background;
    /// the engine also does it when it is dropped.
    pub fn save_candidate_snapshot(&self) -> Result<bool, Error> {
        let snapshot = &self.candidate_snapshot;
        let _writing = lock(&snapshot.writing);
        let (stamp, generation, erasures) = {
            // Every write up to `generation` is in the index once no write
            // is between its commit and its index update.
            let _ordered = lock(&self.record_writes);
            let Some(digest) = snapshot.digest(&self.store)? else {
                return Ok(false);
            };
            let generation = self.store.meta_u64(CANDIDATES_GENERATION)?;
            let mut stamp = digest.to_vec();
            stamp.extend_from_slice(&generation.to_le_bytes());
            (stamp, generation, *lock(&snapshot.erasures))
        };
        if snapshot.saved().as_ref() == Some(&stamp) {
            return Ok(false);
        }
        let staged = staged_path(&snapshot.path);
        let wrote = self.candidates.save_snapshot(&staged, &stamp);
        {
            let current = lock(&snapshot.erasures);
            if *current != erasures {
                // An erasure removed what this write made, or will: the
                // index it copied may hold the erased candidate.
                remove_if_present(&snapshot_temporary_path(&staged)).map_err(internal)?;
                remove_if_present(&staged).map_err(internal)?;
                return Ok(false);
            }
            if !wrote.map_err(internal)? {
                return Ok(false);
            }
            std::fs::rename(&staged, &snapshot.path).map_err(internal)?;
            sync_parent(&snapshot.path).map_err(internal)?;
            *snapshot.saved() = Some(stamp);
        }
        self.store.prune_candidate_changes(generation)?;
        Ok(true)
    }
}

impl Drop for Engine {
    fn drop(&mut self) {
        if let Err(error) = self.save_candidate_snapshot() {
            tracing::warn!(%error, "cannot write the candidate index snapshot");
        }
    }
}
