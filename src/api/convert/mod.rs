//! Conversions between protobuf messages and domain types. Inbound conversions
//! destructure messages exhaustively, so a new proto field fails to compile
//! until it is handled here.

mod candidate;
mod competency;
pub mod credential;
pub mod document;
pub mod extraction;
mod filter;
pub mod gap_plan;
mod job;
pub mod match_request;
pub mod normalize;
mod occupation;
pub mod search_request;

pub use candidate::{candidate_from_pb, candidate_to_pb, optional_date};
pub use competency::{ConceptView, competency_ref, competency_to_pb, taxonomy_version_to_pb};
pub use credential::{
    credential_to_pb, delivery_mode_from_pb, delivery_modes_from_pb, kind_to_pb, kinds_from_pb,
};
pub use extraction::{
    ExtractQuery, InferQuery, extraction_to_pb, occupation_match_to_pb, reading_to_pb,
};
pub use filter::filter_from_pb;
pub use job::{importance_to_pb, job_from_pb, job_to_pb};
pub use normalize::NormalizeQuery;
pub use occupation::{occupation_ref, occupation_to_pb};
pub use search_request::SearchQuery;
