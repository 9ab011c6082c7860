//! The microcredential catalogue: durable in the store, searchable through a
//! tantivy index, and held in memory for filtering and coverage scoring.

mod ctdl;
mod enrich;
mod filter;
mod index;
mod jsonl;
mod linked_data;
mod openbadges;
mod references;
mod report;
mod resolve;
mod seed;
mod stacks;
mod teaching;

use std::collections::{BTreeMap, HashMap};
use std::ops::Bound;
use std::path::Path;
use std::sync::{Arc, Mutex, RwLock};

pub use ctdl::parse_credentials_ctdl;
pub use enrich::{MAX_INFERRED, add_extracted_competencies};
pub use filter::CredentialFilter;
pub use index::CredentialIndex;
pub use jsonl::{ParsedCredentials, RejectedLine, parse_credentials_jsonl};
pub use openbadges::parse_credentials_openbadges;
pub use references::{DanglingReference, UpsertReport};
pub use report::{
    FieldOutcome, FieldReport, ImportReport, NamedCompetency, PublishedOccupation, RecordReport,
    RecordStatus, ResolvedCompetency,
};
pub use resolve::{MIN_RESOLUTION_SCORE, keep_known_links, resolve_published};
pub use seed::{SAMPLE_CREDENTIALS_JSONL, SeedReport};
pub use teaching::{Ordinal, QualityMarkers, TeachingIndex};

use crate::domain::{CredentialId, Microcredential};
use crate::embed::{Embedder, Embedding};
use crate::store::{CatalogChange, Store, StoreError};
use crate::taxonomy::Taxonomy;

/// Errors of the catalogue layer.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    /// The store failed; nothing was acknowledged.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The search index failed.
    #[error("credential index: {0}")]
    Index(#[from] tantivy::TantivyError),
    /// The batch is inconsistent with the catalogue (e.g. a prerequisite cycle).
    #[error(transparent)]
    Invalid(#[from] crate::domain::ValidationError),
    /// No credential has this id.
    #[error("credential {0} not found")]
    NotFound(CredentialId),
    /// The embedded sample catalogue is malformed (a build defect).
    #[error("embedded catalogue line {line}: {reason}")]
    BadSeed {
        /// 1-based line.
        line: usize,
        /// Reason.
        reason: String,
    },
}

/// The in-memory view, replaced after every committed change.
#[derive(Debug, Default)]
struct CatalogState {
    by_id: BTreeMap<CredentialId, Arc<Microcredential>>,
    /// The credentials teaching each competency URI (each credential once per
    /// URI it lists).
    by_competency: HashMap<String, Vec<Arc<Microcredential>>>,
    stacks: stacks::StackIndex,
    teaching: TeachingIndex,
}

impl CatalogState {
    fn from_credentials(
        taxonomy: &Taxonomy,
        embedder: Option<&dyn Embedder>,
        credentials: Vec<Microcredential>,
    ) -> Self {
        let mut state = Self::default();
        for credential in credentials {
            let vector = embedder.and_then(|e| credential_vector(e, &credential));
            state.insert(taxonomy, Arc::new(credential), vector);
        }
        state
    }

    fn insert(
        &mut self,
        taxonomy: &Taxonomy,
        credential: Arc<Microcredential>,
        vector: Option<Embedding>,
    ) {
        self.remove(taxonomy, &credential.id);
        self.stacks.insert(&credential);
        self.teaching.insert(taxonomy, &credential, vector);
        for taught in &credential.competencies {
            self.by_competency
                .entry(taught.uri.clone())
                .or_default()
                .push(Arc::clone(&credential));
        }
        self.by_id.insert(credential.id.clone(), credential);
    }

    fn remove(&mut self, taxonomy: &Taxonomy, id: &CredentialId) {
        if let Some(old) = self.by_id.remove(id) {
            self.stacks.remove(&old);
            self.teaching.remove(taxonomy, &old);
            for taught in &old.competencies {
                if let Some(teachers) = self.by_competency.get_mut(&taught.uri) {
                    teachers.retain(|other| !Arc::ptr_eq(other, &old));
                }
            }
        }
    }
}

/// The embedding of a credential's title, description and learning outcomes.
fn credential_vector(embedder: &dyn Embedder, credential: &Microcredential) -> Option<Embedding> {
    let mut text = format!("{}\n{}", credential.title, credential.description);
    for outcome in &credential.learning_outcomes {
        text.push('\n');
        text.push_str(outcome);
    }
    embedder.embed(&text)
}

/// The catalogue. Reads are lock-light; writes are serialised and durable
/// before they return.
pub struct Catalog {
    store: Arc<Store>,
    taxonomy: Arc<Taxonomy>,
    /// Embeds credential texts and job texts for the vector score; none
    /// until [`Catalog::with_embedder`].
    embedder: Option<Arc<dyn Embedder>>,
    index: CredentialIndex,
    write_lock: Mutex<()>,
    state: RwLock<CatalogState>,
}

impl std::fmt::Debug for Catalog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Catalog")
            .field("len", &self.len())
            .finish_non_exhaustive()
    }
}

impl Catalog {
    /// Opens the catalogue: loads the store, seeds or re-seeds the embedded
    /// sample when its content changed, and rebuilds the index when it is
    /// behind the store.
    pub fn open(
        store: Arc<Store>,
        taxonomy: Arc<Taxonomy>,
        index_dir: &Path,
        seed_jsonl: &str,
    ) -> Result<(Self, SeedReport), CatalogError> {
        let seed_report = seed::apply_seed(&store, seed_jsonl)?;
        let index = CredentialIndex::open(index_dir)?;
        let all = store.all_credentials()?;
        let generation = store.meta_u64(crate::store::CATALOG_GENERATION)?;
        if index.generation()? != generation || seed_report.reseeded {
            tracing::info!(
                credentials = all.len(),
                generation,
                "rebuilding credential index"
            );
            index.rebuild(&taxonomy, &all, generation)?;
        }
        let state = CatalogState::from_credentials(&taxonomy, None, all);
        let catalog = Self {
            store,
            taxonomy,
            embedder: None,
            index,
            write_lock: Mutex::new(()),
            state: RwLock::new(state),
        };
        Ok((catalog, seed_report))
    }

    /// Embeds every credential's text with `embedder` once, and every
    /// credential upserted later; [`Self::embed_query`] uses it for job texts.
    pub fn with_embedder(mut self, embedder: Arc<dyn Embedder>) -> Self {
        let state = self
            .state
            .get_mut()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let all: Vec<Microcredential> = state.by_id.values().map(|c| (**c).clone()).collect();
        *state = CatalogState::from_credentials(&self.taxonomy, Some(embedder.as_ref()), all);
        self.embedder = Some(embedder);
        self
    }

    /// The embedding of a job text with the catalogue's embedder; `None`
    /// without one or when the text has no content.
    pub fn embed_query(&self, text: &str) -> Option<Embedding> {
        self.embedder.as_ref()?.embed(text)
    }

    /// Number of credentials.
    pub fn len(&self) -> usize {
        self.read_state().by_id.len()
    }

    /// Whether the catalogue is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn read_state(&self) -> std::sync::RwLockReadGuard<'_, CatalogState> {
        self.state
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Inserts or replaces credentials atomically; durable when this returns.
    pub fn upsert(&self, credentials: Vec<Microcredential>) -> Result<usize, CatalogError> {
        self.upsert_checked(credentials)
            .map(|report| report.upserted)
    }

    /// Inserts or replaces credentials atomically after checking their
    /// references: a prerequisite cycle through the batch rejects it (nothing
    /// is stored); references to absent credentials are stored and reported.
    pub fn upsert_checked(
        &self,
        credentials: Vec<Microcredential>,
    ) -> Result<UpsertReport, CatalogError> {
        let _writing = self
            .write_lock
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let dangling = references::check_references(&credentials, &self.read_state().by_id)?;
        let upserted = credentials.len();
        let generation = self.apply_locked(credentials, Vec::new())?;
        Ok(UpsertReport {
            upserted,
            dangling,
            generation,
        })
    }

    /// Deletes a credential; durable when this returns. Returns the
    /// catalogue generation the deletion committed as.
    pub fn delete(&self, id: &CredentialId) -> Result<u64, CatalogError> {
        if !self.read_state().by_id.contains_key(id) {
            return Err(CatalogError::NotFound(id.clone()));
        }
        self.apply(Vec::new(), vec![id.clone()])
    }

    fn apply(
        &self,
        upserts: Vec<Microcredential>,
        deletes: Vec<CredentialId>,
    ) -> Result<u64, CatalogError> {
        let _writing = self
            .write_lock
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        self.apply_locked(upserts, deletes)
    }

    /// [`Self::apply`] for a caller holding the write lock; the generation
    /// the change committed as.
    fn apply_locked(
        &self,
        upserts: Vec<Microcredential>,
        deletes: Vec<CredentialId>,
    ) -> Result<u64, CatalogError> {
        let generation = self.store.apply_catalog_change(&CatalogChange {
            upserts: &upserts,
            deletes: &deletes,
            meta: Vec::new(),
        })?;
        // The store is the source of truth: an index failure here is repaired
        // by the rebuild at the next start, which sees the generation gap.
        if let Err(error) = self
            .index
            .apply(&self.taxonomy, &upserts, &deletes, generation)
        {
            tracing::error!(%error, generation, "credential index update failed; it will be rebuilt on restart");
        }
        let vectors: Vec<Option<Embedding>> = upserts
            .iter()
            .map(|c| {
                self.embedder
                    .as_deref()
                    .and_then(|e| credential_vector(e, c))
            })
            .collect();
        let mut state = self
            .state
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        for id in &deletes {
            state.remove(&self.taxonomy, id);
        }
        for (credential, vector) in upserts.into_iter().zip(vectors) {
            state.insert(&self.taxonomy, Arc::new(credential), vector);
        }
        Ok(generation)
    }

    /// One credential.
    pub fn get(&self, id: &CredentialId) -> Result<Arc<Microcredential>, CatalogError> {
        self.read_state()
            .by_id
            .get(id)
            .cloned()
            .ok_or_else(|| CatalogError::NotFound(id.clone()))
    }

    /// Up to `limit` credentials passing the filter with ids after `after`, in id order,
    /// and whether more follow.
    pub fn list(
        &self,
        filter: &CredentialFilter,
        after: Option<&CredentialId>,
        limit: usize,
    ) -> (Vec<Arc<Microcredential>>, bool) {
        let state = self.read_state();
        let start = after.map_or(Bound::Unbounded, Bound::Excluded);
        let mut page: Vec<Arc<Microcredential>> = state
            .by_id
            .range((start, Bound::Unbounded))
            .map(|(_, credential)| credential)
            .filter(|credential| filter.accepts(credential))
            .take(limit + 1)
            .cloned()
            .collect();
        let more = page.len() > limit;
        page.truncate(limit);
        (page, more)
    }

    /// Credentials that teach any of these competency URIs, each once, in id
    /// order.
    ///
    /// Repeats (a credential teaching several of the URIs) are dropped by
    /// address first, so only distinct credentials are sorted by their id
    /// strings.
    pub fn teaching_any<'a>(
        &self,
        uris: impl IntoIterator<Item = &'a str>,
    ) -> Vec<Arc<Microcredential>> {
        let state = self.read_state();
        let mut found: Vec<&Arc<Microcredential>> = uris
            .into_iter()
            .filter_map(|uri| state.by_competency.get(uri))
            .flatten()
            .collect();
        found.sort_unstable_by_key(|credential| Arc::as_ptr(credential));
        found.dedup_by(|a, b| Arc::ptr_eq(a, b));
        found.sort_unstable_by(|a, b| a.id.cmp(&b.id));
        found.into_iter().map(Arc::clone).collect()
    }

    /// Runs `read` on the posting lists of taught competencies, under the
    /// view's read lock (so keep it short: no I/O).
    pub fn with_teaching<T>(&self, read: impl FnOnce(&TeachingIndex) -> T) -> T {
        read(&self.read_state().teaching)
    }

    /// Ids of the larger credentials `id` stacks into (declared by either side).
    pub fn larger_of(&self, id: &CredentialId) -> Vec<CredentialId> {
        self.read_state().stacks.larger_of(id)
    }

    /// Ids of the parts of `id` (declared by either side).
    pub fn parts_of(&self, id: &CredentialId) -> Vec<CredentialId> {
        self.read_state().stacks.parts_of(id)
    }

    /// BM25 search over credential text; scores are raw BM25.
    pub fn text_search(
        &self,
        text: &str,
        limit: usize,
    ) -> Result<Vec<(Arc<Microcredential>, f32)>, CatalogError> {
        let hits = self.index.search(text, limit)?;
        let state = self.read_state();
        Ok(hits
            .into_iter()
            .filter_map(|(id, score)| state.by_id.get(&id).map(|c| (c.clone(), score)))
            .collect())
    }
}
