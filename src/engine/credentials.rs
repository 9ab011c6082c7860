//! The engine's catalogue operations: credentials in and out.

use std::collections::HashSet;
use std::sync::Arc;

use crate::catalog::{
    CredentialFilter, ParsedCredentials, RecordStatus, UpsertReport, add_extracted_competencies,
    keep_known_links, resolve_published,
};
use crate::domain::{CredentialBatch, CredentialId, Microcredential};
use crate::error::Error;

use super::Engine;

impl Engine {
    /// Inserts or replaces the credentials of one request in one
    /// transaction; reports references to absent credentials.
    pub fn upsert_credentials(&self, batch: CredentialBatch) -> Result<UpsertReport, Error> {
        let mut credentials = batch.into_inner();
        self.add_extracted_competencies(&mut credentials)?;
        Ok(self.catalog.upsert_checked(credentials)?)
    }

    /// Imports a parsed file's credentials in one transaction, without the
    /// per-request batch limit. First, for each record with a report (CTDL,
    /// Open Badges): the competencies it names without a taxonomy URI are
    /// resolved through the competency extractor, its occupation codes to
    /// O*NET (and crosswalked ESCO) occupations, and links to records
    /// neither in the catalogue nor in the file are dropped and reported.
    /// `parsed` keeps the credentials as stored and the updated reports.
    pub fn import_parsed(&self, parsed: &mut ParsedCredentials) -> Result<UpsertReport, Error> {
        let batch: HashSet<CredentialId> =
            parsed.credentials.iter().map(|c| c.id.clone()).collect();
        for credential in &mut parsed.credentials {
            let report = parsed.reports.iter_mut().find(|r| {
                r.status != RecordStatus::Rejected
                    && r.id.as_deref() == Some(credential.id.as_str())
            });
            if let Some(report) = report {
                resolve_published(&self.taxonomy, &self.extractor, credential, report);
                keep_known_links(credential, report, |id| {
                    batch.contains(id) || self.catalog.get(id).is_ok()
                });
            }
        }
        self.add_extracted_competencies(&mut parsed.credentials)?;
        Ok(self.catalog.upsert_checked(parsed.credentials.clone())?)
    }

    /// Deletes a credential.
    pub fn delete_credential(&self, id: &CredentialId) -> Result<(), Error> {
        Ok(self.catalog.delete(id)?)
    }

    /// One credential.
    pub fn credential(&self, id: &CredentialId) -> Result<Arc<Microcredential>, Error> {
        Ok(self.catalog.get(id)?)
    }

    /// A page of credentials.
    pub fn list_credentials(
        &self,
        filter: &CredentialFilter,
        after: Option<&CredentialId>,
        limit: usize,
    ) -> (Vec<Arc<Microcredential>>, bool) {
        self.catalog.list(filter, after, limit)
    }

    /// Adds to each credential the competencies the extractor finds in
    /// its text; stops at the call's cancellation.
    fn add_extracted_competencies(&self, credentials: &mut [Microcredential]) -> Result<(), Error> {
        for credential in credentials {
            crate::cancel::checkpoint()?;
            add_extracted_competencies(&self.taxonomy, &self.extractor, credential);
        }
        Ok(())
    }
}
