//! The gRPC edge: service implementations that convert protobuf to domain
//! types, run the engine off the async executor (`workers.rs`), and
//! convert back.
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
mod workers;

pub use admin::{AdminApi, MAX_BACKUP_NAME};
pub use candidates::CandidateApi;
pub use catalog::CatalogApi;
pub use deadline::DeadlineLayer;
pub use jobs::JobApi;
pub use matching::MatchApi;
pub use taxonomy::TaxonomyApi;
pub use workers::{Workers, default_compute_slots};

/// The fully qualified names of the skillmatch services, as health reports them.
pub const SERVICE_NAMES: [&str; 6] = [
    "skillmatch.v1.TaxonomyService",
    "skillmatch.v1.CatalogService",
    "skillmatch.v1.MatchService",
    "skillmatch.v1.CandidateService",
    "skillmatch.v1.JobService",
    "skillmatch.v1.AdminService",
];
