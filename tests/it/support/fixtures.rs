//! Test data: competency URIs of the embedded taxonomy, builders for
//! credentials and job postings, and the files under `tests/fixtures/`.

use std::path::{Path, PathBuf};

use skillmatch::pb;

/// A file or folder under `tests/fixtures/`.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// "use spreadsheets software" (alternative label "Excel").
pub const SPREADSHEETS: &str =
    "http://data.europa.eu/esco/skill/1973c966-f236-40c9-b2d4-5d71a89019be";
/// "perform data cleansing".
pub const DATA_CLEANSING: &str =
    "http://data.europa.eu/esco/skill/50b100ea-74fd-4706-99db-3e4ca55e51b8";
/// "SQL".
pub const SQL: &str = "http://data.europa.eu/esco/skill/598de5b0-5b58-4ea7-8058-a4bc4d18c742";

/// Number of credentials in the embedded catalogue `index/credentials.jsonl`.
pub const SAMPLE_CREDENTIALS: usize = 99;

/// A valid credential: online, English, assessed, 10 hours, 100 EUR, teaching spreadsheets.
pub fn credential(id: &str) -> pb::Microcredential {
    pb::Microcredential {
        id: id.to_owned(),
        title: format!("Test credential {id}"),
        provider: "Test Provider".to_owned(),
        description: "A short course written for the integration tests.".to_owned(),
        learning_outcomes: vec!["Build a workbook with formulas".to_owned()],
        competencies: vec![pb::TaughtCompetency {
            uri: SPREADSHEETS.to_owned(),
            assessed: true,
            ..pb::TaughtCompetency::default()
        }],
        hours: Some(10.0),
        cost: Some(money(100.0, "EUR")),
        delivery_mode: pb::DeliveryMode::Online.into(),
        language: "en".to_owned(),
        assessed: true,
        ..pb::Microcredential::default()
    }
}

/// An amount of money.
pub fn money(amount: f64, currency: &str) -> pb::Money {
    pb::Money {
        amount,
        currency: currency.to_owned(),
    }
}

/// An inline job posting from a title and a description.
pub fn job(title: &str, description: &str) -> pb::JobPosting {
    pb::JobPosting {
        title: title.to_owned(),
        description: description.to_owned(),
        ..pb::JobPosting::default()
    }
}

/// The posting of the done criterion.
pub fn junior_data_analyst() -> pb::JobPosting {
    job(
        "Junior data analyst",
        "clean data in Excel and SQL, build dashboards",
    )
}

/// A MatchCredentials request for a job, with explanations.
pub fn match_request(job: pb::JobPosting, top_k: i32) -> pb::MatchCredentialsRequest {
    pb::MatchCredentialsRequest {
        job: Some(job),
        top_k,
        explain: true,
        ..pb::MatchCredentialsRequest::default()
    }
}
