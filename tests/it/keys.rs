//! Key lifecycle through the CLI against a running server: `keys add`
//! (with expiry), `keys list` (never the key), `keys revoke` taking effect
//! without a restart.

use std::ffi::OsStr;

use crate::support::binary::{run_binary, run_binary_ok};
use std::path::Path;
use std::time::Duration;

use crate::support::TestServer;
use skillmatch::auth::{Authenticator, KeyRing, RECHECK};
use skillmatch::pb::taxonomy_service_client::TaxonomyServiceClient;
use tonic::Code;
use tonic::transport::Channel;

fn keys(args: &[&str], file: &Path) -> String {
    let mut all: Vec<&OsStr> = vec![OsStr::new("keys")];
    all.extend(args.iter().map(OsStr::new));
    all.extend([OsStr::new("--file"), file.as_os_str()]);
    run_binary_ok(all)
}

async fn search(channel: Channel, key: &str) -> Result<(), tonic::Status> {
    let mut request = tonic::Request::new(skillmatch::pb::SearchCompetenciesRequest {
        query: "sql".into(),
        ..Default::default()
    });
    request
        .metadata_mut()
        .insert("authorization", format!("Bearer {key}").parse().unwrap());
    TaxonomyServiceClient::new(channel)
        .search_competencies(request)
        .await
        .map(|_| ())
}

#[tokio::test]
async fn keys_are_listed_without_secrets_and_revoked_without_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("keys.toml");
    let live = keys(&["add", "--tenant", "acme", "--role", "write"], &file)
        .trim()
        .to_owned();
    let stale = keys(
        &[
            "add",
            "--tenant",
            "acme",
            "--role",
            "read",
            "--expires",
            "2001-01-01",
        ],
        &file,
    )
    .trim()
    .to_owned();

    let table = keys(&["list"], &file);
    assert!(!table.contains(&live) && !table.contains(&stale), "{table}");
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines.len(), 3, "{table}");
    assert!(lines[0].starts_with("ID"), "{table}");
    assert!(lines[1].contains("acme") && lines[1].contains("write"));
    assert!(lines[1].contains("active") && lines[1].contains("never"));
    assert!(lines[2].contains("expired") && lines[2].contains("2001-01-01T00:00:00Z"));
    let live_id = lines[1].split_whitespace().next().unwrap().to_owned();

    let ring = KeyRing::read(&file).unwrap();
    let server = TestServer::builder()
        .auth(Authenticator::Keys(ring.clone()))
        .start()
        .await;
    let channel = server.plain().await.unwrap();
    search(channel.clone(), &live)
        .await
        .expect("an active key works");
    let expired = search(channel.clone(), &stale).await.unwrap_err();
    assert_eq!(expired.code(), Code::Unauthenticated);

    // Last use shows once the server saved it.
    ring.save_usage().unwrap();
    let json = keys(&["list", "--json"], &file);
    let first: serde_json::Value = serde_json::from_str(json.lines().next().unwrap()).unwrap();
    assert_eq!(first["id"], live_id.as_str());
    assert!(first["last_used"].is_string(), "{json}");

    let revoked = run_binary([
        OsStr::new("keys"),
        OsStr::new("revoke"),
        OsStr::new("--id"),
        OsStr::new(&live_id),
        OsStr::new("--file"),
        file.as_os_str(),
    ]);
    assert!(revoked.status.success());
    tokio::time::sleep(RECHECK + Duration::from_millis(100)).await;
    let refused = search(channel.clone(), &live).await.unwrap_err();
    assert_eq!(
        refused.code(),
        Code::Unauthenticated,
        "revoked without a restart"
    );
    let json = keys(&["list", "--json"], &file);
    let first: serde_json::Value = serde_json::from_str(json.lines().next().unwrap()).unwrap();
    assert_eq!(first["status"], "revoked");

    let unknown = run_binary([
        OsStr::new("keys"),
        OsStr::new("revoke"),
        OsStr::new("--id"),
        OsStr::new("ffffffffffff"),
        OsStr::new("--file"),
        file.as_os_str(),
    ]);
    assert!(!unknown.status.success());
    server.stop().await;
}
