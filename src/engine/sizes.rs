//! What the engine holds, for the metrics endpoint.

use super::Engine;
use crate::metrics::Sizes;

impl Engine {
    /// Counts of competencies, credentials, candidates and jobs, the store's
    /// size and the candidate snapshot's age. Blocking (reads the store); a
    /// count the store cannot give is logged and reported as 0.
    pub fn sizes(&self) -> Sizes {
        let store = self.store.sizes().unwrap_or_else(|error| {
            tracing::warn!(%error, "cannot measure the store");
            crate::store::StoreSizes::default()
        });
        let snapshot_age_secs = std::fs::metadata(self.candidate_snapshot.path())
            .and_then(|meta| meta.modified())
            .ok()
            .and_then(|written| written.elapsed().ok())
            .map(|age| age.as_secs());
        Sizes {
            competencies: self.taxonomy.len() as u64,
            credentials: self.catalog.len() as u64,
            candidates: store.candidates,
            jobs: store.jobs,
            store_bytes: store.file_bytes,
            snapshot_age_secs,
        }
    }
}
