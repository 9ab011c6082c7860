//! Failure injection (the `fail` crate, `--features failpoints`) on the
//! store's commits and on the snapshot and backup renames: a write whose
//! commit fails is refused and leaves no trace in the store or the indexes;
//! a candidate snapshot whose rename fails leaves the previous one, which the
//! next start recognises as behind the store; a backup whose rename fails
//! leaves no backup a restore would take; keys a crash left unzeroed (a
//! commit whose key erasure or whose own commit failed) are zeroed at the
//! next open, found through the table of slots in use; a candidate write
//! whose evidence was built before a credential change commits after it
//! with evidence from the changed catalogue. Run alone:
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

/// The slots of the key file that hold a key.
fn live_keys(store_path: &std::path::Path) -> usize {
    let keys = std::fs::read(skillmatch::store::key_file_path(store_path)).unwrap();
    keys[32..]
        .chunks(32)
        .filter(|slot| slot.iter().any(|byte| *byte != 0))
        .count()
}

#[test]
fn keys_left_by_interrupted_writes_are_zeroed_at_the_next_open_and_no_live_key_is() {
    use skillmatch::store::{RecordKind, SlotSource, Store};
    let scenario = fail::FailScenario::setup();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.redb");
    let store = Store::open(&path).unwrap();
    let put = |store: &Store, kind, id: &str, body: &[u8]| {
        store.put_records(kind, "t", &[(id, body.to_vec())])
    };
    for id in ["a", "b", "c"] {
        put(&store, RecordKind::Candidate, id, b"{\"v\":1}").unwrap();
    }
    put(&store, RecordKind::Job, "j", b"{}").unwrap();
    assert_eq!(live_keys(&path), 4);

    // Committed, but the keys they free are not zeroed (as after a crash
    // right after the commit): a deletion and a replacement.
    fail::cfg("store-key-erase", "return").unwrap();
    assert!(
        store
            .delete_record(RecordKind::Candidate, "t", "b")
            .is_err()
    );
    assert!(put(&store, RecordKind::Candidate, "c", b"{\"v\":2}").is_err());
    // Neither committed nor zeroed: a write whose commit failed and whose
    // clean-up failed too (as after a crash before the commit).
    fail::cfg("store-records-commit", "return").unwrap();
    assert!(put(&store, RecordKind::Candidate, "d", b"{}").is_err());
    fail::remove("store-records-commit");
    fail::remove("store-key-erase");
    assert_eq!(
        live_keys(&path),
        6,
        "the three live records' keys and three no record needs"
    );
    drop(store);

    let store = Store::open(&path).unwrap();
    assert_eq!(store.slot_source(), SlotSource::Table);
    assert_eq!(store.orphan_keys_erased(), 3);
    assert_eq!(live_keys(&path), 3, "a, the new c and j");
    let get = |kind, id| store.get_record(kind, "t", id).unwrap();
    assert_eq!(get(RecordKind::Candidate, "a"), Some(b"{\"v\":1}".to_vec()));
    assert_eq!(get(RecordKind::Candidate, "b"), None);
    assert_eq!(get(RecordKind::Candidate, "c"), Some(b"{\"v\":2}".to_vec()));
    assert_eq!(get(RecordKind::Candidate, "d"), None);
    assert_eq!(get(RecordKind::Job, "j"), Some(b"{}".to_vec()));
    drop(store);
    let store = Store::open(&path).unwrap();
    assert_eq!(store.orphan_keys_erased(), 0);
    assert_eq!(live_keys(&path), 3);
    scenario.teardown();
}

#[test]
fn a_candidate_write_racing_a_credential_change_takes_the_changed_catalogue() {
    use crate::candidate_snapshot::{
        holder, new_credential, open, ranks, teaching, tenant, upsert_credential,
    };
    use std::sync::Mutex;
    use std::sync::mpsc::channel;

    let scenario = fail::FailScenario::setup();
    let dir = tempfile::tempdir().unwrap();
    let (engine, _) = open(dir.path());
    let (original, x) = new_credential(&engine, "race-cred");
    upsert_credential(&engine, original.clone());
    let (reached, on_reached) = channel();
    let (resume, on_resume) = channel::<()>();
    let on_resume = Mutex::new(on_resume);
    // Only this test's writer pauses: other tests may write meanwhile.
    const WRITER: &str = "late-holder-writer";
    fail::cfg_callback("candidate-profiles-built", move || {
        if std::thread::current().name() == Some(WRITER) {
            reached.send(()).unwrap();
            let _ = on_resume.lock().unwrap().recv();
        }
    })
    .unwrap();
    std::thread::scope(|scope| {
        let writer = std::thread::Builder::new()
            .name(WRITER.to_owned())
            .spawn_scoped(scope, || {
                let late = holder(&engine, "late-holder", &original.id, &x);
                engine.upsert_candidates(&tenant(), vec![late]).unwrap();
            })
            .unwrap();
        // The candidate's evidence is built from the catalogue before the
        // change; the change commits (and re-derives its holders, not yet
        // including them) before the candidate's write does.
        on_reached.recv().unwrap();
        fail::remove("candidate-profiles-built");
        upsert_credential(&engine, teaching(&original, &x));
        resume.send(()).unwrap();
        writer.join().unwrap();
    });
    assert!(
        ranks(&engine, &x, "late-holder"),
        "their evidence is that of the changed credential"
    );
    scenario.teardown();
}
