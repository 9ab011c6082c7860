//! skillmatch: matches job postings to the microcredentials that teach their
//! competencies and to the candidates who hold them, explaining every match
//! competency by competency.
//!
//! See `ARCHITECTURE.md` for the map of the code.

pub mod api;
pub mod auth;
pub mod cancel;
pub mod catalog;
pub mod config;
pub mod domain;
pub mod embed;
pub mod engine;
pub mod error;
pub mod eval;
pub mod extract;
pub mod hardening;
pub mod listener;
pub mod matching;
pub mod metrics;
pub mod observe;
pub mod overload;
pub mod planning;
pub mod ranking;
pub mod server;

pub use server::{Hardening, ServerOptions, serve, serve_hardened, serve_with_auth};
pub mod store;
pub mod taxonomy;
pub mod telemetry;
pub mod text;
pub mod tls;

/// Generated protobuf and gRPC code. Only `api` converts to and from it.
pub mod pb {
    #![allow(missing_docs, clippy::all, clippy::pedantic)]
    tonic::include_proto!("skillmatch.v1");
    /// Encoded descriptor set of `skillmatch.v1`, for reflection.
    pub const FILE_DESCRIPTOR_SET: &[u8] =
        tonic::include_file_descriptor_set!("skillmatch_descriptor");
}
