//! Shared harness of the records tests: a real server on 127.0.0.1:0 over a
//! temporary data directory, with API keys for two tenants.

#![allow(dead_code)]

use std::path::Path;
use std::sync::Arc;

use skillmatch::auth::{Authenticator, KeyRing, Role, append_key};
use skillmatch::engine::{Engine, EngineConfig};
use skillmatch::pb;
use skillmatch::pb::candidate_service_client::CandidateServiceClient;
use skillmatch::pb::catalog_service_client::CatalogServiceClient;
use skillmatch::pb::job_service_client::JobServiceClient;
use skillmatch::pb::match_service_client::MatchServiceClient;
use tonic::transport::Channel;

pub const SQL: &str = "http://data.europa.eu/esco/skill/598de5b0-5b58-4ea7-8058-a4bc4d18c742";

/// Keys of the running server.
pub struct Keys {
    pub a_read: String,
    pub a_write: String,
    pub b_write: String,
    pub admin: String,
}

/// A running server.
pub struct TestServer {
    pub channel: Channel,
    pub keys: Keys,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    handle: Option<tokio::task::JoinHandle<()>>,
    _dir: Option<tempfile::TempDir>,
}

impl TestServer {
    /// Starts a keyed server over a fresh temporary directory.
    pub async fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut server = Self::start_in(dir.path()).await;
        server._dir = Some(dir);
        server
    }

    /// Starts a keyed server over `data_dir` (keys in `data_dir/../keys-<n>.toml`).
    pub async fn start_in(data_dir: &Path) -> Self {
        let key_dir = tempfile::tempdir().unwrap();
        let key_file = key_dir.path().join("keys.toml");
        let keys = Keys {
            a_read: append_key(&key_file, "tenant-a", Role::Read).unwrap(),
            a_write: append_key(&key_file, "tenant-a", Role::Write).unwrap(),
            b_write: append_key(&key_file, "tenant-b", Role::Write).unwrap(),
            admin: append_key(&key_file, "tenant-a", Role::Admin).unwrap(),
        };
        let ring = KeyRing::read(&key_file).unwrap();
        let config = EngineConfig::new(data_dir);
        let engine = tokio::task::spawn_blocking(move || Engine::open(&config).unwrap().0)
            .await
            .unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let handle = tokio::spawn(async move {
            skillmatch::serve_with_auth(
                listener,
                Arc::new(engine),
                skillmatch::ServerOptions::default(),
                Authenticator::Keys(ring),
                async {
                    let _ = rx.await;
                },
            )
            .await
            .unwrap();
        });
        let channel = Channel::from_shared(format!("http://{addr}"))
            .unwrap()
            .connect()
            .await
            .unwrap();
        Self {
            channel,
            keys,
            shutdown: Some(tx),
            handle: Some(handle),
            _dir: None,
        }
    }

    /// Stops the server and waits until it released the data directory.
    pub async fn stop(mut self) {
        drop(self.channel.clone());
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(handle) = self.handle.take() {
            handle.await.unwrap();
        }
    }

    pub fn candidates(&self) -> CandidateServiceClient<Channel> {
        CandidateServiceClient::new(self.channel.clone())
    }

    pub fn jobs(&self) -> JobServiceClient<Channel> {
        JobServiceClient::new(self.channel.clone())
    }

    pub fn matching(&self) -> MatchServiceClient<Channel> {
        MatchServiceClient::new(self.channel.clone())
    }

    pub fn catalog(&self) -> CatalogServiceClient<Channel> {
        CatalogServiceClient::new(self.channel.clone())
    }
}

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

/// Field paths of an INVALID_ARGUMENT status's violations.
pub fn violated_fields(status: &tonic::Status) -> Vec<String> {
    use tonic_types::StatusExt;
    assert_eq!(status.code(), tonic::Code::InvalidArgument, "{status:?}");
    status
        .get_details_bad_request()
        .map(|bad| bad.field_violations.into_iter().map(|v| v.field).collect())
        .unwrap_or_default()
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
                uri: crate::support::common::fixtures::SPREADSHEETS.into(),
                ..Default::default()
            },
        ],
        ..Default::default()
    }
}
