//! The gRPC edge: service implementations that convert protobuf to domain
//! types, run the engine off the async executor, and convert back.
//! Only this module (and `pb`) knows about protobuf.

mod candidates;
mod catalog;
pub mod convert;
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

pub use candidates::CandidateApi;
pub use catalog::CatalogApi;
pub use jobs::JobApi;
pub use matching::MatchApi;
pub use taxonomy::TaxonomyApi;

use crate::engine::Engine;
use crate::error::Error;

/// Runs engine work on the blocking pool so the executor never waits on it.
async fn blocking<T, F>(engine: &Arc<Engine>, work: F) -> Result<T, Status>
where
    T: Send + 'static,
    F: FnOnce(&Engine) -> Result<T, Error> + Send + 'static,
{
    let engine = engine.clone();
    tokio::task::spawn_blocking(move || work(&engine))
        .await
        .map_err(|join| Status::internal(format!("worker failed: {join}")))?
        .map_err(Status::from)
}
