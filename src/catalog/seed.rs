//! The embedded sample catalogue in `index/credentials.jsonl`: written to the
//! store on first start, and again whenever its content changes.

use super::{CatalogError, parse_credentials_jsonl};
use crate::domain::CredentialId;
use crate::store::{CatalogChange, Store};

/// The sample credentials, compiled into the binary.
pub const SAMPLE_CREDENTIALS_JSONL: &str = include_str!("../../index/credentials.jsonl");

const SEED_HASH: &str = "seed_hash";
const SEED_IDS: &str = "seed_ids";

/// What seeding did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeedReport {
    /// Whether the seed was (re)written this time.
    pub reseeded: bool,
    /// Credentials in the seed.
    pub credentials: usize,
}

/// Writes the seed when its hash differs from the one stored, deleting
/// credentials that an earlier seed added and this one no longer has.
pub(super) fn apply_seed(store: &Store, seed_jsonl: &str) -> Result<SeedReport, CatalogError> {
    let hash = blake3::hash(seed_jsonl.as_bytes());
    let parsed = parse_credentials_jsonl(seed_jsonl);
    if let Some(bad) = parsed.rejected.first() {
        return Err(CatalogError::BadSeed {
            line: bad.line,
            reason: bad.reason.clone(),
        });
    }
    let credentials = parsed.credentials.len();
    if store.meta(SEED_HASH)?.as_deref() == Some(hash.as_bytes().as_slice()) {
        return Ok(SeedReport {
            reseeded: false,
            credentials,
        });
    }
    let previous: Vec<CredentialId> = store
        .meta(SEED_IDS)?
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or_default();
    let ids: Vec<CredentialId> = parsed.credentials.iter().map(|c| c.id.clone()).collect();
    let stale: Vec<CredentialId> = previous
        .into_iter()
        .filter(|id| !ids.contains(id))
        .collect();
    let ids_json = serde_json::to_vec(&ids).unwrap_or_default();
    store.apply_catalog_change(&CatalogChange {
        upserts: &parsed.credentials,
        deletes: &stale,
        meta: vec![(SEED_HASH, hash.as_bytes().to_vec()), (SEED_IDS, ids_json)],
    })?;
    tracing::info!(
        credentials,
        removed = stale.len(),
        "embedded catalogue seeded"
    );
    Ok(SeedReport {
        reseeded: true,
        credentials,
    })
}
