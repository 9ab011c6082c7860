//! The engine: the loaded taxonomy, the extractor and the catalogue, opened
//! from a data directory, with the operations the API serves. Everything here
//! is synchronous; the API runs it off the async executor.

mod backup;
mod candidate_index;
mod credentials;
mod gap_source;
mod ranking;
mod records;
mod sizes;

pub use backup::{BackupReport, backup_store, erasure_log_of, restore, restore_with_erasures};
pub use candidate_index::SNAPSHOT_FILE as CANDIDATE_SNAPSHOT_FILE;
pub use gap_source::{GapSource, HeldSource};
pub use ranking::{RankedBatch, Ranking};
pub use records::{JobFit, JobSource, MAX_CANDIDATE_BATCH, RankOutcome, RankQuery};

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::auth::TenantId;
use crate::catalog::{Catalog, CatalogError, SAMPLE_CREDENTIALS_JSONL, SeedReport};
use crate::domain::{JobPosting, TaxonomyVersion, ValidationError};
use crate::embed::{Embedder, default_embedder};
use crate::error::Error;
use crate::extract::{
    ConceptSpace, ExtractOptions, Extracted, Extraction, Extractor, OccupationMatch,
    ReleaseVectors, Scope, Tuning,
};
use crate::matching::{self, MatchOutcome, MatchQuery};
use crate::planning::{self, GapAnalysis, GapQuery, Plan, PlanConstraints};
use crate::store::{CATALOG_GENERATION, Store};
use crate::taxonomy::{
    CompetencyFilter, InstalledTaxonomies, SearchHit, Taxonomy, TaxonomyError, sample_part, vectors,
};

/// How an engine is opened: where it keeps its state, which taxonomy
/// releases it loads and which embedder makes its vectors.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// Data directory; created when absent.
    pub data_dir: PathBuf,
    /// Releases to load instead of the newest imported one of their
    /// taxonomy; empty for the newest of each.
    pub taxonomies: Vec<TaxonomyVersion>,
    /// Embedder of the vector scores: each release's concept vectors are
    /// read from beside its snapshot, or computed and stored there first
    /// when missing or made by another embedder.
    pub embedder: Arc<dyn Embedder>,
    /// Fusion weights of the extractor; `None` for the embedder's own
    /// ([`Tuning::for_embedder`]). Set by `eval --served --tuning` only.
    pub tuning: Option<Tuning>,
}

impl EngineConfig {
    /// The data directory with the newest release of each taxonomy and the
    /// default embedder.
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        Self {
            data_dir: data_dir.into(),
            taxonomies: Vec::new(),
            embedder: default_embedder(),
            tuning: None,
        }
    }

    /// These releases instead of the newest of their taxonomy.
    pub fn pinning(mut self, taxonomies: Vec<TaxonomyVersion>) -> Self {
        self.taxonomies = taxonomies;
        self
    }

    /// This embedder instead of the default.
    pub fn with_embedder(mut self, embedder: Arc<dyn Embedder>) -> Self {
        self.embedder = embedder;
        self
    }

    /// These fusion weights instead of the embedder's own.
    pub fn with_tuning(mut self, tuning: Tuning) -> Self {
        self.tuning = Some(tuning);
        self
    }
}

/// Facts about an opened engine, for the start-up log.
#[derive(Debug, Clone)]
pub struct OpenReport {
    /// Competencies loaded.
    pub competencies: usize,
    /// Occupations loaded.
    pub occupations: usize,
    /// Taxonomy releases loaded: the embedded sample, then the imported ones.
    pub taxonomies: Vec<TaxonomyVersion>,
    /// Credentials in the catalogue.
    pub credentials: usize,
    /// What seeding the embedded catalogue did.
    pub seed: SeedReport,
    /// Whether the candidate index was loaded from its snapshot (else it was
    /// rebuilt from the store).
    pub candidate_snapshot_loaded: bool,
    /// How long each part of the open took.
    pub took: OpenTimes,
}

/// How long each part of [`Engine::open`] took, for the start-up log.
#[derive(Debug, Clone, Copy, Default)]
pub struct OpenTimes {
    /// Opening the store (and zeroing keys a crash left behind).
    pub store: std::time::Duration,
    /// Loading the taxonomy releases, their vectors and the extractor.
    pub taxonomy: std::time::Duration,
    /// Opening the catalogue and its index.
    pub catalog: std::time::Duration,
    /// Loading (or rebuilding) the candidate index.
    pub candidates: std::time::Duration,
}

/// The engine.
#[derive(Debug)]
pub struct Engine {
    taxonomy: Arc<Taxonomy>,
    extractor: Extractor,
    catalog: Catalog,
    store: Arc<Store>,
    candidates: Arc<dyn crate::ranking::CandidateIndex>,
    /// The candidate index's snapshot file and what it must reflect.
    candidate_snapshot: candidate_index::CandidateSnapshot,
    /// Held across a record write and its index update, so the index applies
    /// writes in the order the store committed them, and across the
    /// re-derivation of the candidates a catalogue change concerns; holds
    /// which catalogue the index's evidence was derived from.
    record_writes: std::sync::Mutex<candidate_index::IndexedCatalog>,
    /// Held from a catalogue change's commit to the end of its holders'
    /// re-derivation, so changes are re-derived in the order they committed.
    catalog_writes: std::sync::Mutex<()>,
    /// The key that seals page tokens (kept in the store).
    page_token_key: [u8; 32],
}

impl Engine {
    /// Opens (or creates) the data directory and loads everything: the
    /// store, the taxonomy releases and their vectors, the extractor, the
    /// catalogue and the candidate index.
    pub fn open(config: &EngineConfig) -> Result<(Self, OpenReport), Error> {
        let embedder = config.embedder.clone();
        std::fs::create_dir_all(&config.data_dir).map_err(|error| {
            Error::FailedPrecondition(format!(
                "cannot create data directory {}: {error}",
                config.data_dir.display()
            ))
        })?;
        let mut took = OpenTimes::default();
        let started = std::time::Instant::now();
        let store = Store::open(&store_path(&config.data_dir))?;
        if store.orphan_keys_erased() > 0 {
            tracing::info!(
                keys = store.orphan_keys_erased(),
                "erased record keys a crash left without a record"
            );
        }
        let store = Arc::new(store);
        took.store = started.elapsed();
        let started = std::time::Instant::now();
        let (taxonomy, releases) =
            load_taxonomy(&config.data_dir, &config.taxonomies, embedder.as_ref())?;
        let taxonomy = Arc::new(taxonomy);
        let extractor = Extractor::served(&taxonomy, embedder.clone(), &releases, config.tuning);
        took.taxonomy = started.elapsed();
        let started = std::time::Instant::now();
        let (catalog, seed) = Catalog::open(
            store.clone(),
            taxonomy.clone(),
            &config.data_dir.join("catalog-index"),
            SAMPLE_CREDENTIALS_JSONL,
        )
        .map_err(|error| match error {
            CatalogError::Store(store) => Error::FailedPrecondition(store.to_string()),
            other => Error::from(other),
        })?;
        let catalog = catalog.with_embedder(embedder);
        took.catalog = started.elapsed();
        let mut report = OpenReport {
            competencies: taxonomy.len(),
            occupations: taxonomy.occupations().len(),
            taxonomies: taxonomy.versions().to_vec(),
            credentials: catalog.len(),
            seed,
            candidate_snapshot_loaded: false,
            took,
        };
        let candidate_snapshot = candidate_index::CandidateSnapshot::new(
            &config.data_dir,
            &taxonomy,
            extractor.space().map(ConceptSpace::embedder_id),
        );
        let indexed_catalog =
            candidate_index::IndexedCatalog::at(store.meta_u64(CATALOG_GENERATION)?);
        let page_token_key = store.page_token_key()?;
        let mut engine = Self {
            page_token_key,
            candidates: candidate_index::empty(taxonomy.len()),
            taxonomy,
            extractor,
            catalog,
            store,
            candidate_snapshot,
            record_writes: std::sync::Mutex::new(indexed_catalog),
            catalog_writes: std::sync::Mutex::new(()),
        };
        let started = std::time::Instant::now();
        report.candidate_snapshot_loaded = candidate_index::open(&mut engine)?;
        report.took.candidates = started.elapsed();
        Ok((engine, report))
    }

    /// The key that seals page tokens; kept in the store so that tokens
    /// outlive restarts.
    pub fn page_token_key(&self) -> &[u8; 32] {
        &self.page_token_key
    }

    /// The loaded taxonomy.
    pub fn taxonomy(&self) -> &Taxonomy {
        &self.taxonomy
    }

    /// The extractor.
    pub fn extractor(&self) -> &Extractor {
        &self.extractor
    }

    /// The catalogue.
    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// Searches competency labels; returns up to `limit` of the hits that
    /// pass `filter`. A filtered search looks at the best 1000 label matches.
    pub fn search_competencies(
        &self,
        query: &str,
        filter: &CompetencyFilter,
        limit: usize,
    ) -> Result<Vec<SearchHit>, Error> {
        if query.trim().is_empty() {
            return Err(ValidationError::field("query", "must not be empty").into());
        }
        if filter.is_empty() {
            return Ok(self.taxonomy.search().search(query, limit)?);
        }
        let mut hits = self.taxonomy.search().search(query, usize::MAX)?;
        hits.retain(|hit| filter.matches(&self.taxonomy, hit.competency));
        hits.truncate(limit);
        Ok(hits)
    }

    /// Extracts competencies from text.
    pub fn extract(&self, text: &str, options: &ExtractOptions) -> Vec<Extraction> {
        self.extractor.extract(text, options)
    }

    /// Occupations a text names or describes, best first.
    pub fn infer_occupations(&self, text: &str, top_k: usize) -> Vec<OccupationMatch> {
        self.extractor.infer_occupations(text, top_k)
    }

    /// Extracts competencies of the taxonomies named by `taxonomy_ids` only
    /// (all when empty): the filter removes answers, it does not change how
    /// the others rank; the same competency in several taxonomies is one
    /// answer (see [`crate::extract::Scope`]). Says how the text was read.
    pub fn extract_from(
        &self,
        text: &str,
        options: &ExtractOptions,
        taxonomy_ids: &[String],
    ) -> Extracted {
        let scope = Scope::of(&self.taxonomy, taxonomy_ids);
        self.extractor.extract_in(text, options, &scope)
    }

    /// Occupations of the taxonomies named by `taxonomy_ids` only (all when
    /// empty), crosswalk equivalents merged into one answer.
    pub fn infer_occupations_from(
        &self,
        text: &str,
        top_k: usize,
        taxonomy_ids: &[String],
    ) -> Vec<OccupationMatch> {
        let scope = Scope::of(&self.taxonomy, taxonomy_ids);
        self.extractor.infer_occupations_in(text, top_k, &scope)
    }

    /// Ranks credentials for a job.
    pub fn match_credentials(&self, query: &MatchQuery) -> Result<MatchOutcome, Error> {
        self.check_job(&query.job)?;
        Ok(matching::match_credentials(
            &self.taxonomy,
            &self.extractor,
            &self.catalog,
            query,
        )?)
    }

    /// The job a request names: a stored job of the tenant (NOT_FOUND when it
    /// has none with that id) or the posting sent with the request.
    pub fn resolve_job(&self, tenant: &TenantId, source: JobSource) -> Result<JobPosting, Error> {
        match source {
            JobSource::Stored(id) => self.job(tenant, &id),
            JobSource::Inline(job) => {
                self.check_job(&job)?;
                Ok(job)
            }
        }
    }

    /// The gap between held competencies and a job.
    pub fn analyze_gap(&self, query: &GapQuery) -> Result<GapAnalysis, Error> {
        Ok(query.analyze(&self.taxonomy, &self.extractor)?)
    }

    /// The credentials that close a gap best within the constraints.
    pub fn plan_upskilling(
        &self,
        query: &GapQuery,
        constraints: &PlanConstraints,
    ) -> Result<Plan, Error> {
        Ok(planning::plan_upskilling(
            &self.taxonomy,
            &self.extractor,
            &self.catalog,
            query,
            constraints,
        )?)
    }
}

/// The embedded sample merged with the imported releases selected by `pins`
/// (newest of each taxonomy otherwise); imported concepts supersede sample
/// concepts with the same URI. With it, the concept vectors of each release:
/// the sample's computed now, an imported release's read from beside its
/// snapshot (computed and stored there when missing or stale).
#[tracing::instrument(skip(pins, embedder), fields(data_dir = %data_dir.display()))]
fn load_taxonomy(
    data_dir: &Path,
    pins: &[TaxonomyVersion],
    embedder: &dyn Embedder,
) -> Result<(Taxonomy, Vec<ReleaseVectors>), Error> {
    let installed = InstalledTaxonomies::new(data_dir);
    let selected = installed.select(pins).map_err(|error| match error {
        TaxonomyError::NotImported(_) => Error::FailedPrecondition(error.to_string()),
        other => Error::from(other),
    })?;
    let sample = sample_part()?;
    let mut releases = vec![ReleaseVectors::new(
        &sample,
        vectors::compute(embedder, &sample),
    )];
    let mut parts = vec![sample];
    for version in &selected {
        let part = installed.load(version)?;
        let path = installed.vectors_path(version)?;
        let (concept_vectors, computed) = vectors::load_or_compute(&path, embedder, &part)?;
        if computed {
            tracing::info!(release = %format!("{}/{}", version.id, version.version),
                embedder = embedder.id(), "computed concept vectors");
        }
        releases.push(ReleaseVectors::new(&part, concept_vectors));
        parts.push(part);
    }
    let taxonomy = Taxonomy::assemble_with_index(parts, Some(&data_dir.join("label-index")))?;
    Ok((taxonomy, releases))
}

/// The database file inside a data directory.
pub fn store_path(data_dir: &Path) -> PathBuf {
    data_dir.join("skillmatch.redb")
}
