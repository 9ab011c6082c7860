//! Job postings from protobuf.

use super::credential::{proficiency_from_pb, proficiency_to_pb};
use crate::domain::{
    Importance, JobPosting, MAX_ID_LEN, RequiredCompetency, ValidationError, Violations,
};
use crate::pb;

/// Importance as its wire value.
pub fn importance_to_pb(importance: Importance) -> pb::Importance {
    match importance {
        Importance::Essential => pb::Importance::Essential,
        Importance::Optional => pb::Importance::Optional,
    }
}

fn importance_from_pb(value: i32, field: &str) -> Result<Importance, ValidationError> {
    match pb::Importance::try_from(value) {
        Ok(pb::Importance::Unspecified | pb::Importance::Essential) => Ok(Importance::Essential),
        Ok(pb::Importance::Optional) => Ok(Importance::Optional),
        Err(_) => Err(ValidationError::field(field, "is not a known importance")),
    }
}

/// A job posting; `prefix` is its field path in the request (e.g. `job.`).
pub fn job_from_pb(job: pb::JobPosting, prefix: &str) -> Result<JobPosting, ValidationError> {
    let pb::JobPosting {
        id,
        title,
        description,
        competencies,
        location,
        remote,
    } = job;
    let mut violations = Violations::default();
    // Stored postings' ids are checked in full by JobService; an inline
    // posting's optional id is only bounded.
    violations.check_chars(&format!("{prefix}id"), &id, MAX_ID_LEN);
    let competencies = competencies
        .into_iter()
        .enumerate()
        .filter_map(|(index, required)| {
            let pb::RequiredCompetency {
                uri,
                importance,
                min_proficiency,
            } = required;
            let field = format!("{prefix}competencies[{index}].");
            let importance =
                violations.take(importance_from_pb(importance, "importance"), &field)?;
            let min_proficiency = violations.take(
                proficiency_from_pb(min_proficiency, "min_proficiency"),
                &field,
            )?;
            Some(RequiredCompetency {
                uri,
                importance,
                min_proficiency,
            })
        })
        .collect();
    let job = JobPosting {
        id,
        title,
        description,
        competencies,
        location,
        remote,
    };
    violations.take(job.validate(), prefix);
    violations.finish(job)
}

/// A job posting as protobuf.
pub fn job_to_pb(job: &JobPosting) -> pb::JobPosting {
    pb::JobPosting {
        id: job.id.clone(),
        title: job.title.clone(),
        description: job.description.clone(),
        competencies: job
            .competencies
            .iter()
            .map(|required| pb::RequiredCompetency {
                uri: required.uri.clone(),
                importance: importance_to_pb(required.importance).into(),
                min_proficiency: proficiency_to_pb(required.min_proficiency).into(),
            })
            .collect(),
        location: job.location.clone(),
        remote: job.remote,
    }
}
