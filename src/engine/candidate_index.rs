//! The engine's candidate index and its snapshot file.
//!
//! The snapshot is written in the background (`serve` does it every
//! `candidate_snapshot_secs`, and at a clean stop) and stamped with what it
//! reflects: format, catalogue generation, taxonomy, and the candidates
//! generation it holds at least.
//!
//! The catalogue generation is that of the catalogue the index's evidence
//! was derived from: a held credential counts as evidence of what the
//! catalogue says it teaches. When a catalogue change commits, the evidence
//! of exactly the candidates holding a changed credential (the index keeps
//! who holds what) is re-derived and the index's generation moves to the
//! change's ([`Engine::rederive_holders`]); candidate writes wait meanwhile.
//! Until then the store is ahead of the index and no snapshot is written.
//!
//! At open the snapshot is loaded when its stamp fits
//! and the store's change log (`store/changes.rs`) reaches back to its
//! generation; the candidates changed since are then re-read from the store
//! (the tail replay). Otherwise the index is rebuilt from every record and a
//! new snapshot written.
//!
//! Erasure: the snapshot holds candidate ids, competency postings and the
//! catalogue credential ids each holds in clear (never names or CV text).
//! Deleting a candidate removes the snapshot (and any being written; a
//! write begun before the deletion is never published) before the delete
//! is acknowledged, so no snapshot holds an erased candidate; the next
//! background write puts a fresh one in place. Until then, a crash means a
//! rebuild. Removing a file costs the same whatever the store holds.
//! Replacing a candidate does not remove it: until the next snapshot write,
//! the snapshot keeps the previous version's competency postings (taxonomy
//! keys, scores, dates) and held credential ids under the same id.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use super::Engine;
use crate::auth::TenantId;
use crate::domain::{Candidate, CredentialId, RecordId};
use crate::error::Error;
use crate::ranking::{
    CandidateIndex, MemoryCandidateIndex, read_snapshot_stamp, snapshot_temporary_path,
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
    /// Stamp of the snapshot on disk, when there is a current one.
    saved: Mutex<Option<Vec<u8>>>,
    /// Held by the one snapshot write at a time.
    writing: Mutex<()>,
    /// Candidate erasures so far. A snapshot write is published (renamed
    /// into place) holding this lock, and only when no erasure happened
    /// since it began; an erasure bumps it and removes the files holding it.
    erasures: Mutex<u64>,
}

/// Which catalogue the candidate index's evidence was derived from; kept in
/// the engine's record-writes lock, so candidate writes and re-derivations
/// see it in one order.
#[derive(Debug)]
pub(super) struct IndexedCatalog {
    /// Its generation; `None` once a re-derivation failed or a catalogue
    /// change bypassed the engine: no snapshot is written until the next
    /// open rebuilds the index.
    generation: Option<u64>,
    /// Re-derivations so far: a candidate write whose profiles were built
    /// before the latest one began builds them again.
    rederived: u64,
}

impl IndexedCatalog {
    /// An index derived from the catalogue of this generation.
    pub(super) fn at(generation: u64) -> Self {
        Self {
            generation: Some(generation),
            rederived: 0,
        }
    }

    /// Re-derivations so far.
    pub(super) fn rederived(&self) -> u64 {
        self.rederived
    }

    /// After the holders of the change that committed as `generation` were
    /// re-derived (or failed to be): the index reflects it when it
    /// reflected the generation just before (every change bumps it by one)
    /// and all were re-derived, else it reflects none from now on.
    fn settle(&mut self, generation: u64, rederived: Result<(), Error>) {
        let followed = self.generation.is_some();
        if let Err(error) = rederived {
            tracing::error!(%error, generation, "cannot re-derive the holders of changed credentials");
            self.generation = None;
        }
        self.generation = self
            .generation
            .filter(|indexed| indexed.checked_add(1) == Some(generation))
            .map(|_| generation);
        if followed && self.generation.is_none() {
            tracing::warn!(
                generation,
                "the candidate index no longer follows the catalogue; \
                 no snapshot is written until the next start rebuilds it"
            );
        }
    }
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

    pub(super) fn new(data_dir: &Path, taxonomy: &Taxonomy, embedder: Option<&str>) -> Self {
        Self {
            path: data_dir.join(SNAPSHOT_FILE),
            taxonomy: taxonomy_digest(taxonomy, embedder),
            saved: Mutex::new(None),
            writing: Mutex::new(()),
            erasures: Mutex::new(0),
        }
    }

    /// The digest every stamp of an index derived from the catalogue
    /// `indexed` starts with; `None` while the store's catalogue is ahead of
    /// it (a change's holders are being re-derived, or a re-derivation
    /// failed: the next open rebuilds such an index).
    fn digest(
        &self,
        indexed: &IndexedCatalog,
        store: &Store,
    ) -> Result<Option<[u8; DIGEST_BYTES]>, Error> {
        let Some(generation) = indexed.generation else {
            return Ok(None);
        };
        if store.meta_u64(CATALOG_GENERATION)? != generation {
            return Ok(None);
        }
        let mut hasher = blake3::Hasher::new();
        hasher.update(b"skillmatch candidate index, tail-replayed ");
        hasher.update(env!("CARGO_PKG_VERSION").as_bytes());
        hasher.update(&generation.to_le_bytes());
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
    let Some(digest) = snapshot.digest(&lock(&engine.record_writes), &engine.store)? else {
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
        reindex_stored(engine, &tenant, &record_id)?;
    }
    if count > 0 {
        tracing::info!(
            candidates = count,
            "re-read the candidates changed since the index snapshot"
        );
    }
    Ok(())
}

/// Puts a candidate into the index as the store holds them now, with
/// evidence derived from the catalogue as it is now; removes them when the
/// store has them no more, and quarantines (and removes) a record that
/// cannot be read.
fn reindex_stored(engine: &Engine, tenant: &str, id: &RecordId) -> Result<(), Error> {
    let stored = engine
        .store
        .get_record(RecordKind::Candidate, tenant, id.as_str())?;
    let candidate = match stored.map(|json| serde_json::from_slice::<Candidate>(&json)) {
        Some(Ok(candidate)) => candidate,
        Some(Err(error)) => {
            engine.store.quarantine_record(
                RecordKind::Candidate,
                tenant,
                id.as_str(),
                &error.to_string(),
            )?;
            engine.candidates.remove(&TenantId::stored(tenant), id);
            return Ok(());
        }
        None => {
            engine.candidates.remove(&TenantId::stored(tenant), id);
            return Ok(());
        }
    };
    engine
        .candidates
        .put(&TenantId::stored(tenant), &engine.profile_of(&candidate));
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
            engine
                .candidates
                .put(&TenantId::stored(tenant), &engine.profile_of(&candidate));
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
    /// After a catalogue change committed as `generation`: re-derives, from
    /// the catalogue as it is now, the evidence of every candidate holding
    /// one of the `changed` credentials (held by id, whether the catalogue
    /// had it or not), then moves the index's catalogue generation to
    /// `generation`, so snapshots are written again. Candidate writes wait
    /// meanwhile, so none puts evidence derived from the catalogue before
    /// the change after it. The change stays committed whatever happens
    /// here: a failure is logged, and no snapshot is written until the
    /// next open rebuilds the index. Callers hold `catalog_writes` from the
    /// change's commit, so changes are re-derived in the order they
    /// committed. Returns how many candidates it re-derived.
    pub(super) fn rederive_holders(&self, changed: &[CredentialId], generation: u64) -> usize {
        let mut indexed = lock(&self.record_writes);
        indexed.rederived += 1;
        let holders = self.candidates.holders(changed);
        let count = holders.len();
        let rederived = holders
            .iter()
            .try_for_each(|(tenant, id)| reindex_stored(self, tenant, id));
        indexed.settle(generation, rederived);
        tracing::debug!(
            credentials = changed.len(),
            candidates = count,
            generation,
            "re-derived the holders of changed credentials"
        );
        count
    }

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
            let ordered = lock(&self.record_writes);
            let Some(digest) = snapshot.digest(&ordered, &self.store)? else {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{DeclaredCompetency, HeldCredential};

    fn person(n: usize, held: &CredentialId, uri: &str) -> Candidate {
        Candidate {
            id: RecordId::parse(&format!("p-{n}")).unwrap(),
            display_name: None,
            credentials: vec![HeldCredential {
                credential_id: Some(held.clone()),
                title: String::new(),
                issuer: String::new(),
                issued: None,
                expires: None,
                verified: false,
            }],
            competencies: vec![DeclaredCompetency {
                uri: uri.to_owned(),
                last_used: None,
                proficiency: None,
            }],
            cv_text: String::new(),
            cv_competencies: Vec::new(),
        }
    }

    /// Only the holders of a changed credential are re-derived, and the
    /// index follows the catalogue only while every change went through
    /// the engine.
    #[test]
    fn a_catalogue_change_re_derives_exactly_its_holders() {
        let dir = tempfile::tempdir().unwrap();
        let (engine, _) = Engine::open(&super::super::EngineConfig::new(dir.path())).unwrap();
        let uri = engine.taxonomy.get(CompetencyIdx(0)).uri.clone();
        let sample = engine.catalog.list(&Default::default(), None, 2).0;
        let (changed, other) = (sample[0].id.clone(), sample[1].id.clone());
        let people = (0..40)
            .map(|n| person(n, if n % 8 == 0 { &changed } else { &other }, &uri))
            .collect();
        let tenant = TenantId::for_test("t");
        engine.upsert_candidates(&tenant, people).unwrap();

        let report = engine
            .catalog
            .upsert_checked(vec![(*sample[0]).clone()])
            .unwrap();
        assert!(
            !engine.save_candidate_snapshot().unwrap(),
            "not re-derived yet"
        );
        assert_eq!(
            engine.rederive_holders(std::slice::from_ref(&changed), report.generation),
            5
        );
        assert!(engine.save_candidate_snapshot().unwrap(), "re-derived");

        // A change that bypasses the engine is never re-derived: the index
        // stops following the catalogue, even after later changes.
        engine.catalog.upsert(vec![(*sample[1]).clone()]).unwrap();
        let report = engine
            .catalog
            .upsert_checked(vec![(*sample[0]).clone()])
            .unwrap();
        assert_eq!(engine.rederive_holders(&[changed], report.generation), 5);
        assert!(!engine.save_candidate_snapshot().unwrap());
    }
}
