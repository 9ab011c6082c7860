//! The integration tests, in one binary: each module drives a real server
//! (in-process on 127.0.0.1:0, or the built executable) through its public
//! API. One binary links the crate once, which keeps the build short.

mod backup;
mod candidate_snapshot;
mod catalog;
mod cli;
mod crash_restart;
mod crash_safety;
mod credential_standards;
mod cv_documents;
mod erasure_restore;
mod failpoints;
mod field_limits;
mod filters;
mod gap_plan;
mod http_json;
mod http_readme;
mod keys;
mod loadgen;
mod match_paths;
mod matching;
mod message_limits;
mod metrics;
mod minilm;
mod normalize;
mod operations;
mod overload;
mod persistence;
mod probe_defects;
mod ranking_stream;
mod readme_examples;
mod real_taxonomy_import;
mod records;
mod records_durability;
mod served_equivalents;
mod stored_sources;
mod support;
mod taxonomy;
mod taxonomy_readers;
mod taxonomy_service;
mod tls;
mod validator_properties;
