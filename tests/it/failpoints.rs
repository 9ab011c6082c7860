//! Failure injection (the `fail` crate, `--features failpoints`) on the
//! store's commits and on the snapshot and backup renames: a write whose
//! commit fails is refused and leaves no trace in the store or the indexes;
//! a candidate snapshot whose rename fails leaves the previous one, which the
//! next start recognises as behind the store; a backup whose rename fails
//! leaves no backup a restore would take. Run alone:
//! `cargo test --features failpoints --test it failpoints::` (failpoints are
//! process-wide, so these tests hold `FailScenario`, one at a time).

#![cfg(feature = "failpoints")]

use std::collections::BTreeSet;
use std::sync::Arc;

use skillmatch::engine::{Engine, EngineConfig};
use skillmatch::pb;
use skillmatch::pb::candidate_service_client::CandidateServiceClient;
use tonic::transport::Channel;

use crate::support::records::{SQL, analyst_job, candidate, declared};
use crate::support::{TestServer, fixtures};

fn person(id: &str) -> pb::UpsertCandidateRequest {
    pb::UpsertCandidateRequest {
        candidate: Some(candidate(id, "", vec![declared(SQL, "2025-01-01")])),
        cv_document: None,
    }
}

async fn stored(client: &mut CandidateServiceClient<Channel>) -> BTreeSet<String> {
    client
        .list_candidates(pb::ListCandidatesRequest {
            page_size: 500,
            page_token: String::new(),
        })
        .await
        .unwrap()
        .into_inner()
        .candidates
        .into_iter()
        .map(|c| c.id)
        .collect()
}

async fn ranked(server: &TestServer) -> BTreeSet<String> {
    server
        .matcher()
        .rank_candidates(pb::RankCandidatesRequest {
            job: Some(analyst_job()),
            top_k: 1000,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .rankings
        .into_iter()
        .map(|r| r.candidate_id)
        .collect()
}

/// Every file under `dir`.
fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

fn ids(ids: &[&str]) -> BTreeSet<String> {
    ids.iter().map(|id| (*id).to_owned()).collect()
}

#[tokio::test]
async fn a_failed_record_commit_is_refused_and_leaves_no_trace() {
    let scenario = fail::FailScenario::setup();
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path()).await;
    let mut client = CandidateServiceClient::new(server.channel().await);
    client.upsert_candidate(person("before")).await.unwrap();

    fail::cfg("store-records-commit", "return").unwrap();
    let refused = client.upsert_candidate(person("lost")).await.unwrap_err();
    fail::remove("store-records-commit");
    assert_eq!(refused.code(), tonic::Code::Internal, "{refused:?}");
    // The key taken for the refused write is zeroed again: only the stored
    // record's key is left in the key file.
    let keys = std::fs::read(skillmatch::store::key_file_path(
        &skillmatch::engine::store_path(dir.path()),
    ))
    .unwrap();
    let live_keys = keys[32..]
        .chunks(32)
        .filter(|slot| slot.iter().any(|byte| *byte != 0))
        .count();
    assert_eq!(live_keys, 1);

    client.upsert_candidate(person("after")).await.unwrap();
    assert_eq!(stored(&mut client).await, ids(&["after", "before"]));
    assert_eq!(ranked(&server).await, ids(&["after", "before"]));
    let server = server.restart().await;
    let mut client = CandidateServiceClient::new(server.channel().await);
    assert_eq!(stored(&mut client).await, ids(&["after", "before"]));
    assert_eq!(ranked(&server).await, ids(&["after", "before"]));
    server.stop().await;
    scenario.teardown();
}

#[tokio::test]
async fn a_failed_credential_commit_is_refused_and_leaves_no_trace() {
    let scenario = fail::FailScenario::setup();
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path()).await;
    let mut catalog = server.catalog();
    let upsert = |id: &str| pb::UpsertCredentialsRequest {
        credentials: vec![fixtures::credential(id)],
    };
    fail::cfg("store-credentials-commit", "return").unwrap();
    let refused = catalog.upsert_credentials(upsert("fp-lost")).await;
    fail::remove("store-credentials-commit");
    assert_eq!(refused.unwrap_err().code(), tonic::Code::Internal);
    catalog.upsert_credentials(upsert("fp-kept")).await.unwrap();

    let matched: BTreeSet<String> = server
        .matcher()
        .match_credentials(pb::MatchCredentialsRequest {
            job: Some(analyst_job()),
            page_size: 100,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .matches
        .into_iter()
        .filter_map(|m| m.credential.map(|c| c.id))
        .filter(|id| id.starts_with("fp-"))
        .collect();
    assert_eq!(matched, ids(&["fp-kept"]));
    let missing = catalog
        .get_credential(pb::GetCredentialRequest {
            id: "fp-lost".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(missing.code(), tonic::Code::NotFound);
    server.stop().await;
    scenario.teardown();
}

#[tokio::test]
async fn a_failed_snapshot_rename_keeps_the_old_snapshot_and_the_next_start_catches_up() {
    let scenario = fail::FailScenario::setup();
    let dir = tempfile::tempdir().unwrap();
    // A first snapshot holding one candidate, written at a clean stop.
    let server = TestServer::start(dir.path()).await;
    let mut client = CandidateServiceClient::new(server.channel().await);
    client.upsert_candidate(person("old")).await.unwrap();
    server.stop().await;

    let server = TestServer::start(dir.path()).await;
    let mut client = CandidateServiceClient::new(server.channel().await);
    client.upsert_candidate(person("new")).await.unwrap();
    // The stop's snapshot is written but its rename fails: the old one stays.
    fail::cfg("candidate-snapshot-rename", "return").unwrap();
    server.stop().await;
    fail::remove("candidate-snapshot-rename");
    // The failpoint was reached: the new snapshot is left under its
    // temporary name, never renamed over the old one.
    let temporary: Vec<_> = walk(dir.path())
        .into_iter()
        .filter(|path| path.extension().is_some_and(|ext| ext == "tmp"))
        .collect();
    assert!(
        !temporary.is_empty(),
        "no snapshot was written under a temporary name"
    );

    let server = TestServer::start(dir.path()).await;
    let mut client = CandidateServiceClient::new(server.channel().await);
    assert_eq!(stored(&mut client).await, ids(&["new", "old"]));
    assert_eq!(ranked(&server).await, ids(&["new", "old"]));
    server.stop().await;
    scenario.teardown();
}

#[tokio::test]
async fn a_failed_backup_rename_leaves_nothing_to_restore() {
    let scenario = fail::FailScenario::setup();
    let dir = tempfile::tempdir().unwrap();
    let backups = tempfile::tempdir().unwrap();
    let target = backups.path().join("nightly");
    let config = EngineConfig::new(dir.path());
    let engine = tokio::task::spawn_blocking(move || Arc::new(Engine::open(&config).unwrap().0))
        .await
        .unwrap();
    let (first, second) = {
        let engine = engine.clone();
        let target = target.clone();
        tokio::task::spawn_blocking(move || {
            fail::cfg("backup-rename", "return").unwrap();
            let first = engine.backup(&target);
            fail::remove("backup-rename");
            let refused_restore = skillmatch::engine::restore(
                &target,
                &tempfile::tempdir().unwrap().path().join("d"),
            );
            assert!(refused_restore.is_err(), "a failed backup was restorable");
            (first, engine.backup(&target))
        })
        .await
        .unwrap()
    };
    assert!(
        first.is_err(),
        "the injected rename failure was not reported"
    );
    second.expect("a backup after the failure");
    let restored = tempfile::tempdir().unwrap();
    let into = restored.path().join("data");
    skillmatch::engine::restore(&target, &into).expect("the later backup restores");
    drop(engine);
    scenario.teardown();
}
