//! The engine's candidate index and its snapshot file. At open the snapshot
//! is loaded when its stamp says it reflects the store as it is (candidates
//! generation, catalogue generation, taxonomy, format); otherwise the index
//! is rebuilt from the store and a new snapshot written. Deleting a candidate
//! removes the snapshot before the delete is acknowledged, so no snapshot
//! holds an erased candidate; the engine writes a fresh one when it closes.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use super::Engine;
use crate::domain::Candidate;
use crate::error::Error;
use crate::ranking::{
    CandidateIndex, MemoryCandidateIndex, build_profile, snapshot_temporary_path,
};
use crate::store::{CANDIDATES_GENERATION, CATALOG_GENERATION, RecordKind, Store};
use crate::taxonomy::{CompetencyIdx, Taxonomy};

/// File name of the snapshot in the data directory.
pub const SNAPSHOT_FILE: &str = "candidate-index.snapshot";

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
        })
    }

    /// What an index reflecting the store now must be stamped with; `None`
    /// once the catalogue moved on from the one the index was built with
    /// (such an index is rebuilt at the next open, as it always was).
    fn stamp(&self, store: &Store) -> Result<Option<Vec<u8>>, Error> {
        if store.meta_u64(CATALOG_GENERATION)? != self.catalog_generation {
            return Ok(None);
        }
        let mut hasher = blake3::Hasher::new();
        hasher.update(b"skillmatch candidate index ");
        hasher.update(env!("CARGO_PKG_VERSION").as_bytes());
        hasher.update(&store.meta_u64(CANDIDATES_GENERATION)?.to_le_bytes());
        hasher.update(&self.catalog_generation.to_le_bytes());
        hasher.update(self.taxonomy.as_bytes());
        Ok(Some(hasher.finalize().as_bytes().to_vec()))
    }

    fn saved(&self) -> std::sync::MutexGuard<'_, Option<Vec<u8>>> {
        self.saved.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Removes the snapshot (and any half-written one).
    pub(super) fn invalidate(&self) -> Result<(), Error> {
        let mut saved = self.saved();
        *saved = None;
        remove_if_present(&snapshot_temporary_path(&self.path)).map_err(internal)?;
        remove_if_present(&self.path).map_err(internal)
    }

    /// Writes the index when the snapshot on disk is missing or behind;
    /// whether it wrote one.
    fn save(&self, store: &Store, index: &dyn CandidateIndex) -> Result<bool, Error> {
        let Some(stamp) = self.stamp(store)? else {
            return Ok(false);
        };
        let mut saved = self.saved();
        if saved.as_ref() == Some(&stamp) {
            return Ok(false);
        }
        let wrote = index.save_snapshot(&self.path, &stamp).map_err(internal)?;
        *saved = wrote.then_some(stamp);
        Ok(wrote)
    }
}

/// Loads the candidate index from its snapshot when current, else rebuilds it
/// from the store and writes a snapshot; whether it loaded the snapshot.
pub(super) fn open(engine: &mut Engine) -> Result<bool, Error> {
    if let Some(index) = load(engine)? {
        engine.candidates = Arc::new(index);
        return Ok(true);
    }
    rebuild(engine)?;
    if let Err(error) = engine.save_candidate_snapshot() {
        tracing::warn!(%error, "cannot write the candidate index snapshot");
    }
    Ok(false)
}

/// The index from a current snapshot, if there is one.
fn load(engine: &Engine) -> Result<Option<MemoryCandidateIndex>, Error> {
    let snapshot = &engine.candidate_snapshot;
    remove_if_present(&snapshot_temporary_path(&snapshot.path)).map_err(internal)?;
    let Some(stamp) = snapshot.stamp(&engine.store)? else {
        return Ok(None);
    };
    match MemoryCandidateIndex::load_snapshot(&snapshot.path, &stamp, engine.taxonomy.len()) {
        Ok(Some(index)) => {
            *snapshot.saved() = Some(stamp);
            return Ok(Some(index));
        }
        Ok(None) => tracing::info!("candidate index snapshot missing or behind; rebuilding"),
        Err(error) => tracing::warn!(%error, "ignoring candidate index snapshot; rebuilding"),
    }
    Ok(None)
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
            engine.candidates.put(tenant, &profile);
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
    /// or behind the store, so the next open loads it instead of rebuilding
    /// the index; whether it wrote one. Record writes wait meanwhile. The
    /// engine also does this when it is dropped.
    pub fn save_candidate_snapshot(&self) -> Result<bool, Error> {
        let _ordered = self
            .record_writes
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        self.candidate_snapshot
            .save(&self.store, self.candidates.as_ref())
    }
}

impl Drop for Engine {
    fn drop(&mut self) {
        if let Err(error) = self.save_candidate_snapshot() {
            tracing::warn!(%error, "cannot write the candidate index snapshot");
        }
    }
}
