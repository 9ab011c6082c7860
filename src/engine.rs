//! The engine: the loaded taxonomy, the extractor and the catalogue, opened
//! from a data directory, with the operations the API serves. Everything here
//! is synchronous; the API runs it off the async executor.

mod backup;
mod candidate_index;
mod gap_source;
mod ranking;
mod records;
mod sizes;

pub use backup::{BackupReport, backup_store, restore};
pub use candidate_index::SNAPSHOT_FILE as CANDIDATE_SNAPSHOT_FILE;
pub use gap_source::{GapSource, HeldSource};
pub use ranking::{RankedBatch, Ranking};
pub use records::{JobFit, JobSource, MAX_CANDIDATE_BATCH, RankOutcome, RankQuery};

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::auth::TenantId;
use crate::catalog::{
    Catalog, CatalogError, CredentialFilter, ParsedCredentials, RecordStatus,
    SAMPLE_CREDENTIALS_JSONL, SeedReport, UpsertReport, add_extracted_competencies,
    keep_known_links, resolve_published,
};
use crate::domain::{
    CredentialId, JobPosting, Microcredential, TaxonomyVersion, ValidationError, Violations,
};
use crate::embed::{Embedder, default_embedder};
use crate::error::Error;
use crate::extract::{
    ConceptSpace, ExtractOptions, Extraction, Extractor, OccupationMatch, ReleaseVectors, Scope,
};
use crate::matching::{self, MatchOutcome, MatchQuery};
use crate::planning::{self, GapAnalysis, GapQuery, Plan, PlanConstraints};
use crate::store::Store;
use crate::taxonomy::{
    CompetencyFilter, InstalledTaxonomies, SearchHit, Taxonomy, TaxonomyError, sample_part, vectors,
};

/// Most credentials one upsert may carry.
pub const MAX_UPSERT_BATCH: usize = 1000;

/// Where the engine keeps its state.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// Data directory; created when absent.
    pub data_dir: PathBuf,
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
    /// writes in the order the store committed them.
    record_writes: std::sync::Mutex<()>,
    /// The key that seals page tokens (kept in the store).
    page_token_key: [u8; 32],
}

impl Engine {
    /// Opens (or creates) the data directory and loads everything, with the
    /// newest imported release of each taxonomy.
    pub fn open(config: &EngineConfig) -> Result<(Self, OpenReport), Error> {
        Self::open_with_taxonomies(config, &[])
    }

    /// Opens the data directory like [`Engine::open`], loading the pinned
    /// release of each taxonomy named in `pins` instead of its newest.
    pub fn open_with_taxonomies(
        config: &EngineConfig,
        pins: &[TaxonomyVersion],
    ) -> Result<(Self, OpenReport), Error> {
        Self::open_with(config, pins, default_embedder())
    }

    /// Opens the data directory like [`Engine::open_with_taxonomies`], with
    /// `embedder` for the vector score: each release's concept vectors are
    /// read from beside its snapshot, or computed and stored there first
    /// when missing or made by another embedder.
    pub fn open_with(
        config: &EngineConfig,
        pins: &[TaxonomyVersion],
        embedder: Arc<dyn Embedder>,
    ) -> Result<(Self, OpenReport), Error> {
        std::fs::create_dir_all(&config.data_dir).map_err(|error| {
            Error::FailedPrecondition(format!(
                "cannot create data directory {}: {error}",
                config.data_dir.display()
            ))
        })?;
        let store = Store::open(&store_path(&config.data_dir))?;
        if store.erase_if_pending()? {
            tracing::info!("rewrote the store to finish erasures");
        }
        let store = Arc::new(store);
        let (taxonomy, releases) = load_taxonomy(&config.data_dir, pins, embedder.as_ref())?;
        let taxonomy = Arc::new(taxonomy);
        let extractor = Extractor::served(&taxonomy, embedder.clone(), &releases);
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
        let mut report = OpenReport {
            competencies: taxonomy.len(),
            occupations: taxonomy.occupations().len(),
            taxonomies: taxonomy.versions().to_vec(),
            credentials: catalog.len(),
            seed,
            candidate_snapshot_loaded: false,
        };
        let candidate_snapshot = candidate_index::CandidateSnapshot::new(
            &config.data_dir,
            &taxonomy,
            extractor.space().map(ConceptSpace::embedder_id),
            &store,
        )?;
        let page_token_key = store.page_token_key()?;
        let mut engine = Self {
            page_token_key,
            candidates: candidate_index::empty(taxonomy.len()),
            taxonomy,
            extractor,
            catalog,
            store,
            candidate_snapshot,
            record_writes: std::sync::Mutex::new(()),
        };
        report.candidate_snapshot_loaded = candidate_index::open(&mut engine)?;
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

    /// Searches competency labels; returns up to `limit` hits.
    pub fn search_competencies(&self, query: &str, limit: usize) -> Result<Vec<SearchHit>, Error> {
        if query.trim().is_empty() {
            return Err(ValidationError::field("query", "must not be empty").into());
        }
        Ok(self.taxonomy.search().search(query, limit)?)
    }

    /// Searches competency labels and keeps the hits that pass `filter`;
    /// returns up to `limit` of them. A filtered search looks at the best
    /// 1000 label matches.
    pub fn search_competencies_filtered(
        &self,
        query: &str,
        filter: &CompetencyFilter,
        limit: usize,
    ) -> Result<Vec<SearchHit>, Error> {
        if filter.is_empty() {
            return self.search_competencies(query, limit);
        }
        let mut hits = self.search_competencies(query, usize::MAX)?;
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
    /// answer (see [`crate::extract::Scope`]).
    pub fn extract_from(
        &self,
        text: &str,
        options: &ExtractOptions,
        taxonomy_ids: &[String],
    ) -> Vec<Extraction> {
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

    /// Inserts or replaces credentials after checking the batch.
    pub fn upsert_credentials(&self, credentials: Vec<Microcredential>) -> Result<usize, Error> {
        self.upsert_credentials_reporting(credentials)
            .map(|report| report.upserted)
    }

    /// Inserts or replaces credentials after checking the batch and its
    /// references; reports references to absent credentials.
    pub fn upsert_credentials_reporting(
        &self,
        credentials: Vec<Microcredential>,
    ) -> Result<UpsertReport, Error> {
        check_batch(&credentials)?;
        self.import_credentials_reporting(credentials)
    }

    /// Imports an already validated file's credentials in one transaction,
    /// without the per-request batch limit.
    pub fn import_credentials(&self, credentials: Vec<Microcredential>) -> Result<usize, Error> {
        self.import_credentials_reporting(credentials)
            .map(|report| report.upserted)
    }

    /// [`Self::import_credentials`], reporting references to absent credentials.
    pub fn import_credentials_reporting(
        &self,
        mut credentials: Vec<Microcredential>,
    ) -> Result<UpsertReport, Error> {
        for credential in &mut credentials {
            crate::cancel::checkpoint()?;
            add_extracted_competencies(&self.taxonomy, &self.extractor, credential);
        }
        Ok(self.catalog.upsert_checked(credentials)?)
    }

    /// Imports a parsed file's credentials in one transaction. First, for
    /// each record with a report (CTDL, Open Badges): the competencies it
    /// names without a taxonomy URI are resolved through the competency
    /// extractor, its occupation codes to O*NET (and crosswalked ESCO)
    /// occupations, and links to records neither in the catalogue nor in
    /// the file are dropped and reported. `parsed` keeps the credentials as
    /// stored and the updated reports.
    pub fn import_parsed(&self, parsed: &mut ParsedCredentials) -> Result<UpsertReport, Error> {
        let batch: std::collections::HashSet<CredentialId> =
            parsed.credentials.iter().map(|c| c.id.clone()).collect();
        for credential in &mut parsed.credentials {
            let report = parsed.reports.iter_mut().find(|r| {
                r.status != RecordStatus::Rejected
                    && r.id.as_deref() == Some(credential.id.as_str())
            });
            if let Some(report) = report {
                resolve_published(&self.taxonomy, &self.extractor, credential, report);
                keep_known_links(credential, report, |id| {
                    batch.contains(id) || self.catalog.get(id).is_ok()
                });
            }
            add_extracted_competencies(&self.taxonomy, &self.extractor, credential);
        }
        Ok(self.catalog.upsert_checked(parsed.credentials.clone())?)
    }

    /// Deletes a credential.
    pub fn delete_credential(&self, id: &CredentialId) -> Result<(), Error> {
        Ok(self.catalog.delete(id)?)
    }

    /// One credential.
    pub fn credential(&self, id: &CredentialId) -> Result<Arc<Microcredential>, Error> {
        Ok(self.catalog.get(id)?)
    }

    /// A page of credentials.
    pub fn list_credentials(
        &self,
        filter: &CredentialFilter,
        after: Option<&CredentialId>,
        limit: usize,
    ) -> (Vec<Arc<Microcredential>>, bool) {
        self.catalog.list(filter, after, limit)
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

fn check_batch(credentials: &[Microcredential]) -> Result<(), ValidationError> {
    let mut violations = Violations::default();
    violations.check(!credentials.is_empty(), "credentials", "must not be empty");
    violations.check(
        credentials.len() <= MAX_UPSERT_BATCH,
        "credentials",
        &format!("at most {MAX_UPSERT_BATCH} per request"),
    );
    let mut seen = std::collections::HashSet::new();
    for (index, credential) in credentials.iter().enumerate() {
        if !seen.insert(&credential.id) {
            violations.add(
                format!("credentials[{index}].id"),
                "repeats an earlier id in this request",
            );
        }
        if let Err(error) = credential.validate() {
            violations.extend(error, &format!("credentials[{index}]."));
        }
    }
    violations.finish(())
}
