//! The engine: the loaded taxonomy, the extractor and the catalogue, opened
//! from a data directory, with the operations the API serves. Everything here
//! is synchronous; the API runs it off the async executor.

mod records;

pub use records::{JobFit, JobSource, MAX_CANDIDATE_BATCH, RankOutcome, RankQuery};

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::catalog::{
    Catalog, CatalogError, CredentialFilter, SAMPLE_CREDENTIALS_JSONL, SeedReport,
};
use crate::domain::{CredentialId, Microcredential, ValidationError, Violations};
use crate::error::Error;
use crate::extract::{ExtractOptions, Extraction, Extractor};
use crate::matching::{self, MatchOutcome, MatchQuery};
use crate::store::Store;
use crate::taxonomy::{SearchHit, Taxonomy, load_sample};

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
    /// Credentials in the catalogue.
    pub credentials: usize,
    /// What seeding the embedded catalogue did.
    pub seed: SeedReport,
}

/// The engine.
#[derive(Debug)]
pub struct Engine {
    taxonomy: Arc<Taxonomy>,
    extractor: Extractor,
    catalog: Catalog,
    store: Arc<Store>,
    candidates: Arc<dyn crate::ranking::CandidateIndex>,
    /// Held across a record write and its index update, so the index applies
    /// writes in the order the store committed them.
    record_writes: std::sync::Mutex<()>,
}

impl Engine {
    /// Opens (or creates) the data directory and loads everything.
    pub fn open(config: &EngineConfig) -> Result<(Self, OpenReport), Error> {
        std::fs::create_dir_all(&config.data_dir).map_err(|error| {
            Error::FailedPrecondition(format!(
                "cannot create data directory {}: {error}",
                config.data_dir.display()
            ))
        })?;
        let mut store = Store::open(&store_path(&config.data_dir))?;
        if store.compact_if_erased()? {
            tracing::info!("compacted the store after erasures");
        }
        let store = Arc::new(store);
        let taxonomy = Arc::new(load_sample()?);
        let extractor = Extractor::new(&taxonomy);
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
        let report = OpenReport {
            competencies: taxonomy.len(),
            credentials: catalog.len(),
            seed,
        };
        let taxonomy_len = taxonomy.len();
        let engine = Self {
            taxonomy,
            extractor,
            catalog,
            store,
            candidates: records::new_index(taxonomy_len),
            record_writes: std::sync::Mutex::new(()),
        };
        records::load_index(&engine)?;
        Ok((engine, report))
    }

    /// The loaded taxonomy.
    pub fn taxonomy(&self) -> &Taxonomy {
        &self.taxonomy
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

    /// Extracts competencies from text.
    pub fn extract(&self, text: &str, options: &ExtractOptions) -> Vec<Extraction> {
        self.extractor.extract(text, options)
    }

    /// Inserts or replaces credentials after checking the batch.
    pub fn upsert_credentials(&self, credentials: Vec<Microcredential>) -> Result<usize, Error> {
        check_batch(&credentials)?;
        Ok(self.catalog.upsert(credentials)?)
    }

    /// Imports an already validated file's credentials in one transaction,
    /// without the per-request batch limit.
    pub fn import_credentials(&self, credentials: Vec<Microcredential>) -> Result<usize, Error> {
        Ok(self.catalog.upsert(credentials)?)
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
        if query.job.title.trim().is_empty()
            && query.job.description.trim().is_empty()
            && query.job.competencies.is_empty()
        {
            return Err(ValidationError::field(
                "job",
                "needs a title, a description or at least one competency",
            )
            .into());
        }
        Ok(matching::match_credentials(
            &self.taxonomy,
            &self.extractor,
            &self.catalog,
            query,
        )?)
    }
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
