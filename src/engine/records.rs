//! Tenant records on the engine: candidates and jobs, ranking candidates for
//! a job and matching jobs to a candidate. Every operation is scoped to the
//! caller's tenant; the store keys every record by `(tenant, id)`.

use std::collections::HashSet;

use super::Engine;
use super::candidate_index::IndexedCatalog;
use crate::auth::TenantId;
use crate::domain::{
    Candidate, CvCompetency, Date, JobPosting, RecordId, ValidationError, Violations,
};
use crate::error::Error;
use crate::extract::{ExtractOptions, TextKind};
use crate::needs::{JobNeed, job_needs};
use crate::ranking::{
    Assessment, CandidateProfile, RankedCandidate, assess, build_profile, min_proficiencies,
};
use crate::store::{RecordKind, StoredRecord};

/// Most candidates one batch upsert may carry.
pub const MAX_CANDIDATE_BATCH: usize = 1000;
/// Competencies extracted from a CV.
const CV_COMPETENCIES: usize = 30;

/// The job a ranking is for.
#[derive(Debug, Clone)]
pub enum JobSource {
    /// A stored job of the tenant.
    Stored(RecordId),
    /// A posting sent with the request.
    Inline(JobPosting),
}

/// A candidate-ranking request in domain terms.
#[derive(Debug, Clone)]
pub struct RankQuery {
    /// The job.
    pub job: JobSource,
    /// Candidates to rank; empty means every candidate with any evidence.
    pub candidate_ids: Vec<RecordId>,
    /// Number of results.
    pub top_k: usize,
    /// Date recency and expiry are judged on.
    pub as_of: Date,
    /// Whether to look up display names.
    pub with_names: bool,
}

/// The result of a ranking.
#[derive(Debug, Clone)]
pub struct RankOutcome {
    /// What the job was taken to need.
    pub needs: Vec<JobNeed>,
    /// Best first.
    pub ranked: Vec<RankedCandidate>,
    /// Display names, parallel to `ranked`; `None` when anonymised or unnamed.
    pub names: Vec<Option<String>>,
}

/// One job a candidate fits or nearly fits.
#[derive(Debug, Clone)]
pub struct JobFit {
    /// The job.
    pub job: JobPosting,
    /// What it needs.
    pub needs: Vec<JobNeed>,
    /// How the candidate covers it.
    pub assessment: Assessment,
}

fn decode<T: serde::de::DeserializeOwned>(record: &StoredRecord) -> Result<T, Error> {
    serde_json::from_slice(&record.json).map_err(|error| {
        Error::internal(
            format!("reading record {}/{}", record.tenant, record.id),
            error,
        )
    })
}

fn encode<T: serde::Serialize>(value: &T) -> Result<Vec<u8>, Error> {
    serde_json::to_vec(value).map_err(|error| Error::internal("encoding a record", error))
}

pub(super) fn not_found(kind: &'static str, id: &RecordId) -> Error {
    Error::NotFound {
        kind,
        id: id.to_string(),
    }
}

impl Engine {
    fn lock_record_writes(&self) -> std::sync::MutexGuard<'_, IndexedCatalog> {
        self.record_writes
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The index evidence of candidates, derived from the catalogue as it is now.
    fn profiles_of(&self, candidates: &[Candidate]) -> Vec<CandidateProfile> {
        candidates.iter().map(|c| self.profile_of(c)).collect()
    }

    /// The index evidence of one candidate, derived from the catalogue as
    /// it is now.
    pub(super) fn profile_of(&self, candidate: &Candidate) -> CandidateProfile {
        build_profile(&self.taxonomy, &self.extractor, &self.catalog, candidate)
    }

    fn extract_cv(&self, candidate: &mut Candidate) {
        let options = ExtractOptions {
            top_k: CV_COMPETENCIES,
            // A CV of one line holds what it names, not its job's every competency.
            kind: TextKind::Sentence,
            ..ExtractOptions::default()
        };
        candidate.cv_competencies = self
            .extractor
            .extract(&candidate.cv_text, &options)
            .into_iter()
            .map(|found| CvCompetency {
                uri: self.taxonomy.get(found.competency).uri.clone(),
                score: found.score,
                evidence: found.evidence,
            })
            .collect();
    }

    /// Validates, extracts CV competencies and stores candidates in one
    /// durable transaction, then indexes them. Returns them as stored.
    pub fn upsert_candidates(
        &self,
        tenant: &TenantId,
        mut candidates: Vec<Candidate>,
    ) -> Result<Vec<Candidate>, Error> {
        let mut violations = Violations::default();
        violations.check(!candidates.is_empty(), "candidates", "must not be empty");
        violations.check(
            candidates.len() <= MAX_CANDIDATE_BATCH,
            "candidates",
            &format!("at most {MAX_CANDIDATE_BATCH} per request"),
        );
        let mut seen = HashSet::new();
        for (index, candidate) in candidates.iter().enumerate() {
            if !seen.insert(candidate.id.clone()) {
                violations.add(
                    format!("candidates[{index}].id"),
                    "repeats an earlier id in this request",
                );
            }
            if let Err(error) = candidate.validate() {
                violations.extend(error, &format!("candidates[{index}]."));
            }
            for (position, declared) in candidate.competencies.iter().enumerate() {
                self.taxonomy.check_competency(
                    &declared.uri,
                    &format!("candidates[{index}].competencies[{position}].uri"),
                    &mut violations,
                );
            }
        }
        violations.finish(())?;
        for candidate in &mut candidates {
            crate::cancel::checkpoint()?;
            self.extract_cv(candidate);
        }
        let rederived = self.lock_record_writes().rederived();
        let mut profiles = self.profiles_of(&candidates);
        let encoded = candidates
            .iter()
            .map(|c| Ok((c.id.as_str(), encode(c)?)))
            .collect::<Result<Vec<_>, Error>>()?;
        fail::fail_point!("candidate-profiles-built");
        let ordered = self.lock_record_writes();
        if ordered.rederived() != rederived {
            // A catalogue change's holders were re-derived meanwhile; these
            // profiles may hold evidence from the catalogue before it.
            profiles = self.profiles_of(&candidates);
        }
        self.store
            .put_records(RecordKind::Candidate, tenant.as_str(), &encoded)?;
        for profile in &profiles {
            self.candidates.put(tenant, profile);
        }
        Ok(candidates)
    }

    /// One candidate of the tenant.
    pub fn candidate(&self, tenant: &TenantId, id: &RecordId) -> Result<Candidate, Error> {
        self.get_record(RecordKind::Candidate, "candidate", tenant, id)
    }

    /// A page of the tenant's candidates after `after`; and whether more follow.
    pub fn list_candidates(
        &self,
        tenant: &TenantId,
        after: Option<&RecordId>,
        limit: usize,
    ) -> Result<(Vec<Candidate>, bool), Error> {
        self.list_record_page(RecordKind::Candidate, tenant, after, limit)
    }

    /// Erases a candidate from the store, the index and the index snapshot
    /// (removed, to be rewritten without them); when it returns, no file of
    /// the data directory holds a readable byte of them: the store erased
    /// the key every stored version of the candidate was sealed with.
    pub fn delete_candidate(&self, tenant: &TenantId, id: &RecordId) -> Result<(), Error> {
        let _ordered = self.lock_record_writes();
        let existed =
            self.store
                .delete_record(RecordKind::Candidate, tenant.as_str(), id.as_str())?;
        self.candidates.remove(tenant, id);
        if !existed {
            return Err(not_found("candidate", id));
        }
        self.candidate_snapshot.invalidate()
    }

    /// Stores a job durably; its id is required.
    pub fn upsert_job(&self, tenant: &TenantId, job: JobPosting) -> Result<JobPosting, Error> {
        let id = RecordId::parse(&job.id).map_err(|error| error.within("job."))?;
        self.check_job(&job)?;
        self.store.put_records(
            RecordKind::Job,
            tenant.as_str(),
            &[(id.as_str(), encode(&job)?)],
        )?;
        Ok(job)
    }

    /// One job of the tenant.
    pub fn job(&self, tenant: &TenantId, id: &RecordId) -> Result<JobPosting, Error> {
        self.get_record(RecordKind::Job, "job", tenant, id)
    }

    /// A page of the tenant's jobs after `after`; and whether more follow.
    pub fn list_jobs(
        &self,
        tenant: &TenantId,
        after: Option<&RecordId>,
        limit: usize,
    ) -> Result<(Vec<JobPosting>, bool), Error> {
        self.list_record_page(RecordKind::Job, tenant, after, limit)
    }

    /// Deletes a job of the tenant; when it returns, no file of the data
    /// directory holds a readable byte of it (its key is erased).
    pub fn delete_job(&self, tenant: &TenantId, id: &RecordId) -> Result<(), Error> {
        if self
            .store
            .delete_record(RecordKind::Job, tenant.as_str(), id.as_str())?
        {
            Ok(())
        } else {
            Err(not_found("job", id))
        }
    }

    /// The tenant's jobs the candidate fits or nearly fits, best first.
    pub fn match_jobs(
        &self,
        tenant: &TenantId,
        candidate_id: &RecordId,
        top_k: usize,
        min_score: f64,
        as_of: Date,
    ) -> Result<Vec<JobFit>, Error> {
        let candidate = self.candidate(tenant, candidate_id)?;
        let profile = self.profile_of(&candidate);
        let mut fits = Vec::new();
        let mut after: Option<RecordId> = None;
        loop {
            let (page, more) = self.list_jobs(tenant, after.as_ref(), 500)?;
            after = page.last().map(|j| RecordId::parse(&j.id)).transpose()?;
            for job in page {
                let needs = job_needs(&self.taxonomy, &self.extractor, &job);
                let minimums = min_proficiencies(&job, &needs);
                let assessment = assess(&self.taxonomy, &needs, &minimums, &profile, as_of);
                if assessment.score > 0.0 && assessment.score >= min_score {
                    fits.push(JobFit {
                        job,
                        needs,
                        assessment,
                    });
                }
            }
            if !more {
                break;
            }
        }
        fits.sort_by(|a, b| {
            b.assessment
                .score
                .total_cmp(&a.assessment.score)
                .then_with(|| a.job.id.cmp(&b.job.id))
        });
        fits.truncate(top_k);
        Ok(fits)
    }
}

impl Engine {
    /// A job's own rules ([`JobPosting::validate`]) and, against the loaded
    /// taxonomy, that every competency it lists exists: an unknown URI would
    /// silently match nothing. Field paths start with `job.`.
    pub(super) fn check_job(&self, job: &JobPosting) -> Result<(), ValidationError> {
        let mut violations = Violations::default();
        violations.take(job.validate(), "job.");
        for (index, required) in job.competencies.iter().enumerate() {
            self.taxonomy.check_competency(
                &required.uri,
                &format!("job.competencies[{index}].uri"),
                &mut violations,
            );
        }
        violations.finish(())
    }
}

impl Engine {
    /// One record of a tenant, decoded; NOT_FOUND names it as `what`.
    fn get_record<T: serde::de::DeserializeOwned>(
        &self,
        kind: RecordKind,
        what: &'static str,
        tenant: &TenantId,
        id: &RecordId,
    ) -> Result<T, Error> {
        let json = self
            .store
            .get_record(kind, tenant.as_str(), id.as_str())?
            .ok_or_else(|| not_found(what, id))?;
        serde_json::from_slice(&json).map_err(|error| Error::internal("reading a record", error))
    }

    /// A page of a tenant's records after `after`, decoded; and whether more follow.
    fn list_record_page<T: serde::de::DeserializeOwned>(
        &self,
        kind: RecordKind,
        tenant: &TenantId,
        after: Option<&RecordId>,
        limit: usize,
    ) -> Result<(Vec<T>, bool), Error> {
        let (page, more) =
            self.store
                .list_records(kind, tenant.as_str(), after.map(RecordId::as_str), limit)?;
        let page = page.iter().map(decode).collect::<Result<_, _>>()?;
        Ok((page, more))
    }
}
