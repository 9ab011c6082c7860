//! Durability: upserts and deletes survive a restart on the same data
//! directory, and a changed embedded catalogue is re-seeded and re-indexed.

use crate::support;

use std::path::Path;
use std::sync::Arc;

use skillmatch::catalog::{Catalog, SeedReport};
use skillmatch::domain::CredentialId;
use skillmatch::pb;
use skillmatch::store::Store;
use skillmatch::taxonomy::load_sample;
use support::fixtures::{SAMPLE_CREDENTIALS, credential};
use support::violations::assert_not_found;
use support::{TestServer, start_fresh};

async fn get(server: &TestServer, id: &str) -> Result<pb::Microcredential, tonic::Status> {
    server
        .catalog()
        .get_credential(pb::GetCredentialRequest { id: id.to_owned() })
        .await
        .map(|response| response.into_inner().credential.expect("credential set"))
}

async fn count(server: &TestServer) -> usize {
    server
        .catalog()
        .list_credentials(pb::ListCredentialsRequest {
            page_size: 500,
            ..pb::ListCredentialsRequest::default()
        })
        .await
        .expect("list")
        .into_inner()
        .credentials
        .len()
}

#[tokio::test]
async fn upserts_survive_a_restart() {
    let (_dir, server) = start_fresh().await;
    let sent = credential("test-durable");
    server
        .catalog()
        .upsert_credentials(pb::UpsertCredentialsRequest {
            credentials: vec![sent.clone()],
        })
        .await
        .expect("upsert");
    let server = server.restart().await;
    let stored = get(&server, "test-durable").await.expect("still there");
    assert_eq!(stored.title, sent.title);
    assert_eq!(stored.cost, sent.cost);
    assert_eq!(count(&server).await, SAMPLE_CREDENTIALS + 1);
    server.stop().await;
}

#[tokio::test]
async fn deletes_survive_a_restart_even_of_embedded_credentials() {
    let (_dir, server) = start_fresh().await;
    let mut catalog = server.catalog();
    catalog
        .upsert_credentials(pb::UpsertCredentialsRequest {
            credentials: vec![credential("test-deleted")],
        })
        .await
        .expect("upsert");
    for id in ["test-deleted", "data-sql-foundations"] {
        catalog
            .delete_credential(pb::DeleteCredentialRequest { id: id.to_owned() })
            .await
            .expect("delete");
    }
    drop(catalog);
    let server = server.restart().await;
    assert_not_found(&get(&server, "test-deleted").await.unwrap_err());
    // The embedded catalogue is not re-applied while it is unchanged.
    assert_not_found(&get(&server, "data-sql-foundations").await.unwrap_err());
    assert_eq!(count(&server).await, SAMPLE_CREDENTIALS - 1);
    server.stop().await;
}

#[tokio::test]
async fn matching_works_after_a_restart() {
    let (_dir, server) = start_fresh().await;
    let server = server.restart().await;
    let found = server
        .matcher()
        .match_credentials(support::fixtures::match_request(
            support::fixtures::junior_data_analyst(),
            1,
        ))
        .await
        .expect("match")
        .into_inner()
        .matches;
    assert_eq!(
        found[0].credential.as_ref().expect("credential").id,
        "data-analyst-professional-certificate"
    );
    server.stop().await;
}

/// One JSON Lines record of a minimal valid credential.
fn seed_line(id: &str, title: &str) -> String {
    serde_json::json!({
        "id": id,
        "title": title,
        "hours": 3,
        "cost": {"amount": 0, "currency": "EUR"},
        "delivery_mode": "online",
        "language": "en",
    })
    .to_string()
}

/// Opens the catalogue of `dir` with a seed, as the engine does at start.
fn open_catalog(dir: &Path, seed: &str) -> (Catalog, SeedReport) {
    let store = Arc::new(Store::open(&dir.join("skillmatch.redb")).expect("store"));
    let taxonomy = Arc::new(load_sample().expect("taxonomy"));
    Catalog::open(store, taxonomy, &dir.join("catalog-index"), seed).expect("catalog")
}

fn ids(catalog: &Catalog) -> Vec<String> {
    let (page, _) = catalog.list(&Default::default(), None, 1000);
    page.iter().map(|c| c.id.to_string()).collect()
}

fn text_hits(catalog: &Catalog, text: &str) -> Vec<String> {
    catalog
        .text_search(text, 10)
        .expect("text search")
        .into_iter()
        .map(|(credential, _)| credential.id.to_string())
        .collect()
}

#[test]
fn a_changed_seed_is_reseeded_and_reindexed() {
    let dir = tempfile::tempdir().expect("data dir");
    let first = [
        seed_line("seed-kept", "Welding basics"),
        seed_line("seed-dropped", "Pottery glazing"),
    ]
    .join("\n");
    let second = [
        seed_line("seed-kept", "Welding basics"),
        seed_line("seed-added", "Beekeeping essentials"),
    ]
    .join("\n");

    let (catalog, report) = open_catalog(dir.path(), &first);
    assert!(report.reseeded);
    assert_eq!(ids(&catalog), ["seed-dropped", "seed-kept"]);
    assert_eq!(text_hits(&catalog, "pottery"), ["seed-dropped"]);
    // A credential a client added is not part of any seed.
    let mut own: skillmatch::domain::Microcredential =
        serde_json::from_str(&seed_line("client-own", "Beekeeping for clients")).unwrap();
    own.description = "Hives and honey.".to_owned();
    catalog.upsert(vec![own]).expect("client upsert");
    drop(catalog);

    let (catalog, report) = open_catalog(dir.path(), &first);
    assert!(!report.reseeded, "an unchanged seed is not re-applied");
    assert_eq!(ids(&catalog), ["client-own", "seed-dropped", "seed-kept"]);
    drop(catalog);

    let (catalog, report) = open_catalog(dir.path(), &second);
    assert!(report.reseeded);
    assert_eq!(report.credentials, 2);
    assert_eq!(ids(&catalog), ["client-own", "seed-added", "seed-kept"]);
    assert!(text_hits(&catalog, "pottery").is_empty());
    let beekeeping = text_hits(&catalog, "beekeeping");
    assert!(
        beekeeping.contains(&"seed-added".to_owned()),
        "{beekeeping:?}"
    );
    assert!(
        beekeeping.contains(&"client-own".to_owned()),
        "{beekeeping:?}"
    );
    let dropped = CredentialId::parse("seed-dropped").unwrap();
    assert!(catalog.get(&dropped).is_err());
}

#[test]
fn a_lost_index_is_rebuilt_from_the_store() {
    let dir = tempfile::tempdir().expect("data dir");
    let seed = seed_line("seed-only", "Beekeeping essentials");
    let (catalog, _) = open_catalog(dir.path(), &seed);
    drop(catalog);
    std::fs::remove_dir_all(dir.path().join("catalog-index")).expect("remove index");
    let (catalog, report) = open_catalog(dir.path(), &seed);
    assert!(!report.reseeded);
    assert_eq!(text_hits(&catalog, "beekeeping"), ["seed-only"]);
}
