//! The gRPC edge: service implementations that convert protobuf to domain
//! types, run the engine off the async executor, and convert back.
//! Only this module (and `pb`) knows about protobuf.

mod admin;
mod candidates;
mod catalog;
pub mod convert;
mod deadline;
mod documents;
pub mod http;
mod jobs;
mod matching;
pub mod paging;
mod planning;
mod ranking;
mod ranking_stream;
mod records_paging;
mod status;
mod taxonomy;

use std::sync::Arc;

use tonic::Status;

pub use admin::{AdminApi, MAX_BACKUP_NAME};
pub use candidates::CandidateApi;
pub use catalog::CatalogApi;
pub use deadline::DeadlineLayer;
pub use jobs::JobApi;
pub use matching::MatchApi;
pub use taxonomy::TaxonomyApi;

use crate::engine::Engine;
use crate::error::Error;

/// The fully qualified names of the skillmatch services, as health reports them.
pub const SERVICE_NAMES: [&str; 6] = [
    "skillmatch.v1.TaxonomyService",
    "skillmatch.v1.CatalogService",
    "skillmatch.v1.MatchService",
    "skillmatch.v1.CandidateService",
    "skillmatch.v1.JobService",
    "skillmatch.v1.AdminService",
];

/// Runs engine work on the blocking pool so the executor never waits on it.
async fn blocking<T, F>(engine: &Arc<Engine>, work: F) -> Result<T, Status>
where
    T: Send + 'static,
    F: FnOnce(&Engine) -> Result<T, Error> + Send + 'static,
{
    let engine = engine.clone();
    let token = crate::cancel::current_call();
    tokio::task::spawn_blocking(move || crate::cancel::run_as(token, || work(&engine)))
        .await
        .map_err(|join| Status::internal(format!("worker failed: {join}")))?
        .map_err(Status::from)
}
