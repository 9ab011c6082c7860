//! The credentials of one upsert request, with the rules of a batch.

use std::collections::HashSet;

use super::limits::MAX_UPSERT_BATCH;
use super::{Microcredential, ValidationError, Violations};

/// One to [`MAX_UPSERT_BATCH`] credentials with distinct ids. Each
/// credential comes validated from its conversion (the API's or an
/// importer's); the batch adds the rules that span credentials.
#[derive(Debug, Clone)]
pub struct CredentialBatch(Vec<Microcredential>);

impl CredentialBatch {
    /// Checks the batch rules; violations name `credentials` or
    /// `credentials[i].id`.
    pub fn new(credentials: Vec<Microcredential>) -> Result<Self, ValidationError> {
        let mut violations = Violations::default();
        violations.check(!credentials.is_empty(), "credentials", "must not be empty");
        violations.check(
            credentials.len() <= MAX_UPSERT_BATCH,
            "credentials",
            &format!("at most {MAX_UPSERT_BATCH} per request"),
        );
        let mut seen = HashSet::new();
        for (index, credential) in credentials.iter().enumerate() {
            if !seen.insert(&credential.id) {
                violations.add(
                    format!("credentials[{index}].id"),
                    "repeats an earlier id in this request",
                );
            }
        }
        violations.finish(())?;
        Ok(Self(credentials))
    }

    /// The credentials, in request order.
    pub fn into_inner(self) -> Vec<Microcredential> {
        self.0
    }
}
