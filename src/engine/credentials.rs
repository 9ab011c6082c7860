//! The engine's catalogue operations: credentials in and out.

use std::collections::HashSet;
use std::sync::Arc;

use crate::catalog::{
    CredentialFilter, ParsedCredentials, RecordStatus, UpsertReport, add_extracted_competencies,
    keep_known_links, resolve_published,
};
use crate::domain::{CredentialBatch, CredentialId, Microcredential};
use crate::error::Error;
use crate::ranking::same_evidence;

use super::Engine;

impl Engine {
    /// Inserts or replaces the credentials of one request in one
    /// transaction; reports references to absent credentials.
    pub fn upsert_credentials(&self, batch: CredentialBatch) -> Result<UpsertReport, Error> {
        let mut credentials = batch.into_inner();
        self.add_extracted_competencies(&mut credentials)?;
        self.upsert_and_rederive(credentials)
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
        self.upsert_and_rederive(parsed.credentials.clone())
    }

    /// Deletes a credential; the candidates holding it lose its evidence.
    pub fn delete_credential(&self, id: &CredentialId) -> Result<(), Error> {
        let _changing = self.lock_catalog_writes();
        let generation = self.catalog.delete(id)?;
        self.rederive_holders(std::slice::from_ref(id), generation);
        Ok(())
    }

    /// Stores credentials (see [`Catalog::upsert_checked`]) and re-derives
    /// the evidence of the candidates holding one whose evidence changed.
    ///
    /// [`Catalog::upsert_checked`]: crate::catalog::Catalog::upsert_checked
    fn upsert_and_rederive(
        &self,
        credentials: Vec<Microcredential>,
    ) -> Result<UpsertReport, Error> {
        let _changing = self.lock_catalog_writes();
        let changed = self.evidence_changed(&credentials);
        let report = self.catalog.upsert_checked(credentials)?;
        self.rederive_holders(&changed, report.generation);
        Ok(report)
    }

    /// Ids of the credentials whose holders' evidence replacing the
    /// catalogue's with these changes: new ones (a candidate may hold one by
    /// id already) and those teaching otherwise. Call it holding
    /// `catalog_writes`, so the catalogue does not change meanwhile.
    fn evidence_changed(&self, credentials: &[Microcredential]) -> Vec<CredentialId> {
        credentials
            .iter()
            .filter(|new| {
                self.catalog
                    .get(&new.id)
                    .map_or(true, |old| !same_evidence(&old, new))
            })
            .map(|c| c.id.clone())
            .collect()
    }

    fn lock_catalog_writes(&self) -> std::sync::MutexGuard<'_, ()> {
        self.catalog_writes
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Proficiency;
    use crate::engine::EngineConfig;

    /// A credential changes its holders' evidence when it is new or teaches
    /// otherwise, not when only its text or price changed.
    #[test]
    fn only_new_credentials_or_changed_teaching_change_evidence() {
        let dir = tempfile::tempdir().unwrap();
        let (engine, _) = Engine::open(&EngineConfig::new(dir.path())).unwrap();
        let stored = (*engine
            .list_credentials(&CredentialFilter::default(), None, 1)
            .0[0])
            .clone();
        let renamed = Microcredential {
            title: format!("{} (renamed)", stored.title),
            hours: Some(1234.0),
            ..stored.clone()
        };
        let mut leveled = stored.clone();
        leveled.competencies[0].proficiency = match leveled.competencies[0].proficiency {
            Some(Proficiency::Expert) => Some(Proficiency::Basic),
            _ => Some(Proficiency::Expert),
        };
        let mut fewer = stored.clone();
        fewer.competencies.pop();
        let new = Microcredential {
            id: CredentialId::parse("brand-new").unwrap(),
            ..stored.clone()
        };
        let changed =
            engine.evidence_changed(&[stored.clone(), renamed, leveled, fewer, new.clone()]);
        assert_eq!(
            changed,
            [stored.id.clone(), stored.id.clone(), new.id],
            "the one teaching to another level, the one teaching fewer, the new one"
        );
    }
}
