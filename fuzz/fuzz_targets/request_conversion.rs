//! Any bytes, decoded as a request message (the first byte picks which) and
//! converted to domain types: conversion never panics, and an accepted
//! message's text fields stay within their documented limits.

#![no_main]

use libfuzzer_sys::fuzz_target;
use prost::Message;
use skillmatch::api::convert::{
    SearchQuery, candidate_from_pb, filter_from_pb, job_from_pb,
};
use skillmatch::domain::Microcredential;
use skillmatch::domain::limits::{MAX_NAME_CHARS, MAX_TEXT_CHARS};
use skillmatch::pb;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, bytes)) = data.split_first() else {
        return;
    };
    match selector % 5 {
        0 => {
            if let Ok(message) = pb::Candidate::decode(bytes) {
                if let Ok(candidate) = candidate_from_pb(message) {
                    assert!(candidate.cv_text.len() <= 64 * 1024);
                    assert!(
                        candidate
                            .display_name
                            .is_none_or(|name| name.chars().count() <= MAX_NAME_CHARS)
                    );
                }
            }
        }
        1 => {
            if let Ok(message) = pb::JobPosting::decode(bytes) {
                if let Ok(job) = job_from_pb(message, "job.") {
                    assert!(job.description.chars().count() <= MAX_TEXT_CHARS);
                    assert!(job.title.chars().count() <= MAX_NAME_CHARS);
                }
            }
        }
        2 => {
            if let Ok(message) = pb::Microcredential::decode(bytes) {
                if let Ok(credential) = Microcredential::try_from(message) {
                    assert!(credential.title.chars().count() <= MAX_NAME_CHARS);
                    assert!(credential.description.chars().count() <= MAX_TEXT_CHARS);
                }
            }
        }
        3 => {
            if let Ok(message) = pb::CredentialFilter::decode(bytes) {
                let _ = filter_from_pb(Some(message), "filter.");
            }
        }
        _ => {
            if let Ok(message) = pb::SearchCompetenciesRequest::decode(bytes) {
                let _ = SearchQuery::try_from(message);
            }
        }
    }
});
