//! Fixtures of the tenant-records tests: keyed requests, candidates, jobs.

use skillmatch::pb;

pub use super::fixtures::SQL;
pub use super::server::TestServer;
pub use super::violations::violated_fields;

/// A request carrying `authorization: Bearer key`.
pub fn authed<T>(key: &str, message: T) -> tonic::Request<T> {
    let mut request = tonic::Request::new(message);
    request
        .metadata_mut()
        .insert("authorization", format!("Bearer {key}").parse().unwrap());
    request
}

/// A URI of the sample taxonomy from the first 8 hex digits of its id.
pub fn skill(prefix: &str) -> String {
    let text = skillmatch::taxonomy::SAMPLE_COMPETENCIES_JSONL;
    let needle = format!("http://data.europa.eu/esco/skill/{prefix}");
    let start = text.find(&needle).expect("known skill");
    let end = start + text[start..].find('"').unwrap();
    text[start..end].to_owned()
}

/// A declared competency.
pub fn declared(uri: &str, last_used_on: &str) -> pb::DeclaredCompetency {
    pb::DeclaredCompetency {
        uri: uri.to_owned(),
        last_used_on: last_used_on.to_owned(),
        proficiency: 0,
    }
}

/// A candidate with declared competencies.
pub fn candidate(id: &str, name: &str, competencies: Vec<pb::DeclaredCompetency>) -> pb::Candidate {
    pb::Candidate {
        id: id.to_owned(),
        display_name: name.to_owned(),
        competencies,
        ..pb::Candidate::default()
    }
}

/// A job with explicit essential competencies only.
pub fn job(id: &str, uris: &[(&str, pb::Importance)]) -> pb::JobPosting {
    pb::JobPosting {
        id: id.to_owned(),
        competencies: uris
            .iter()
            .map(|(uri, importance)| pb::RequiredCompetency {
                uri: (*uri).to_owned(),
                importance: (*importance).into(),
                min_proficiency: 0,
            })
            .collect(),
        ..pb::JobPosting::default()
    }
}

/// An inline job needing SQL and spreadsheets, no id: the job the crash and
/// failure-injection tests rank and match against.
pub fn analyst_job() -> pb::JobPosting {
    pb::JobPosting {
        title: "Analyst".into(),
        competencies: vec![
            pb::RequiredCompetency {
                uri: SQL.into(),
                ..Default::default()
            },
            pb::RequiredCompetency {
                uri: super::fixtures::SPREADSHEETS.into(),
                ..Default::default()
            },
        ],
        ..Default::default()
    }
}
