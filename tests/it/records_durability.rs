//! Durability and erasure of candidate records: a SIGKILLed server loses no
//! acknowledged write, and an erased candidate leaves no byte on disk.

use crate::support::records;
use crate::support::spawn_binary;

use std::path::Path;

use records::*;
use skillmatch::pb;
use skillmatch::pb::candidate_service_client::CandidateServiceClient;

fn files_under(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(files_under(&path));
        } else {
            files.push(path);
        }
    }
    files
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle)
}

/// Asserts that no file under `dir` holds `canary`.
fn assert_absent(dir: &Path, canary: &str, when: &str) {
    let files = files_under(dir);
    assert!(!files.is_empty());
    for file in files {
        let bytes = std::fs::read(&file).unwrap();
        assert!(
            !contains(&bytes, canary.as_bytes()),
            "{when}: {} still holds the erased data",
            file.display()
        );
    }
}

#[tokio::test]
async fn an_erased_candidate_leaves_no_byte_on_disk() {
    let dir = tempfile::tempdir().unwrap();
    let canary = format!("canary-{:016x}", std::process::id() as u64 * 0x9E37_79B9);
    let server = TestServer::builder()
        .data_dir(dir.path())
        .keys()
        .start()
        .await;
    let key = server.keys.a_write.clone();
    let mut client = server.candidates();
    let others: Vec<pb::Candidate> = (0..50)
        .map(|i| {
            let mut other = candidate(&format!("other-{i}"), "", vec![declared(SQL, "")]);
            other.cv_text = format!("Other person {i} writes SQL reports. {}", "x".repeat(500));
            other
        })
        .collect();
    client
        .batch_upsert_candidates(authed(
            &key,
            pb::BatchUpsertCandidatesRequest { candidates: others },
        ))
        .await
        .unwrap();
    // Two versions of the person, so an old copy would linger too if it could.
    // The id carries the canary too: the candidate index snapshot holds ids.
    for version in 0..2 {
        let mut person = candidate(&canary, &format!("{canary} name"), vec![]);
        person.cv_text = format!("Version {version}: {canary} ran SQL audits. ").repeat(300);
        client
            .upsert_candidate(authed(
                &key,
                pb::UpsertCandidateRequest {
                    candidate: Some(person),
                    cv_document: None,
                },
            ))
            .await
            .unwrap();
    }
    // A larger record stored after the person: compaction alone cannot move
    // it into the person's freed pages, so it would leave their bytes there.
    let mut later = candidate("later-and-larger", "", vec![declared(SQL, "")]);
    later.cv_text = "A long career in SQL reporting. ".repeat(2000);
    client
        .upsert_candidate(authed(
            &key,
            pb::UpsertCandidateRequest {
                candidate: Some(later),
                cv_document: None,
            },
        ))
        .await
        .unwrap();
    // Records are stored sealed: the store never holds the canary in clear,
    // while the candidate reads back whole.
    let store_file = skillmatch::engine::store_path(dir.path());
    assert!(!contains(
        &std::fs::read(&store_file).unwrap(),
        canary.as_bytes()
    ));
    let got = client
        .get_candidate(authed(&key, pb::GetCandidateRequest { id: canary.clone() }))
        .await
        .unwrap()
        .into_inner()
        .candidate
        .unwrap();
    assert!(got.cv_text.starts_with("Version 1: "));
    assert!(got.cv_text.contains(&canary));
    // The replaced version's text is nowhere in clear either (its key was
    // erased at the replace: see the store's unit tests).
    assert_absent(dir.path(), "Version 0: ", "after the replace returned");
    // A clean stop writes the candidate index snapshot, with the person in it.
    server.stop().await;
    let snapshot = dir.path().join(skillmatch::engine::CANDIDATE_SNAPSHOT_FILE);
    assert!(
        contains(&std::fs::read(&snapshot).unwrap(), canary.as_bytes()),
        "the scan must see the candidate in the index snapshot before erasure"
    );
    let server = TestServer::builder()
        .data_dir(dir.path())
        .keys()
        .start()
        .await;
    let key = server.keys.a_write.clone();
    let mut client = server.candidates();
    client
        .delete_candidate(authed(
            &key,
            pb::DeleteCandidateRequest { id: canary.clone() },
        ))
        .await
        .unwrap();
    // Right after the acknowledgement, with the server still running.
    assert_absent(dir.path(), &canary, "after DeleteCandidate returned");

    // The others are intact, before and after a restart.
    let list = pb::ListCandidatesRequest {
        page_size: 500,
        page_token: String::new(),
    };
    let listed = client
        .list_candidates(authed(&server.keys.a_read, list.clone()))
        .await
        .unwrap()
        .into_inner()
        .candidates;
    assert_eq!(listed.len(), 51);
    server.stop().await;
    assert!(snapshot.exists(), "the scan covers a rewritten snapshot");
    assert_absent(dir.path(), &canary, "after shutdown");
    let server = TestServer::builder()
        .data_dir(dir.path())
        .keys()
        .start()
        .await;
    let listed = server
        .candidates()
        .list_candidates(authed(&server.keys.a_read, list))
        .await
        .unwrap()
        .into_inner()
        .candidates;
    assert_eq!(listed.len(), 51);
    server.stop().await;
}

#[tokio::test]
async fn a_deleted_job_leaves_no_byte_on_disk() {
    let dir = tempfile::tempdir().unwrap();
    let canary = format!("job-canary-{:016x}", std::process::id() as u64 * 0x51_7CC1);
    let server = TestServer::builder()
        .data_dir(dir.path())
        .keys()
        .start()
        .await;
    let key = server.keys.a_write.clone();
    let mut jobs = server.jobs();
    for (id, description) in [
        ("erase-job", format!("{canary} needs SQL. ").repeat(400)),
        ("later-job", "A long posting about SQL. ".repeat(3000)),
    ] {
        let mut posting = job(id, &[(SQL, pb::Importance::Essential)]);
        posting.description = description;
        jobs.upsert_job(authed(&key, pb::UpsertJobRequest { job: Some(posting) }))
            .await
            .unwrap();
    }
    let store_file = skillmatch::engine::store_path(dir.path());
    assert!(!contains(
        &std::fs::read(&store_file).unwrap(),
        canary.as_bytes()
    ));
    let stored = jobs
        .get_job(authed(
            &key,
            pb::GetJobRequest {
                id: "erase-job".into(),
            },
        ))
        .await
        .unwrap()
        .into_inner()
        .job
        .unwrap();
    assert!(stored.description.contains(&canary));
    jobs.delete_job(authed(
        &key,
        pb::DeleteJobRequest {
            id: "erase-job".into(),
        },
    ))
    .await
    .unwrap();
    assert_absent(dir.path(), &canary, "after DeleteJob returned");
    jobs.get_job(authed(
        &key,
        pb::GetJobRequest {
            id: "later-job".into(),
        },
    ))
    .await
    .unwrap();
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn erasures_lose_no_concurrent_acknowledged_write() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::builder()
        .data_dir(dir.path())
        .keys()
        .start()
        .await;
    let key = server.keys.a_write.clone();
    let doomed: Vec<pb::Candidate> = (0..12)
        .map(|i| candidate(&format!("doomed-{i:02}"), "", vec![declared(SQL, "")]))
        .collect();
    server
        .candidates()
        .batch_upsert_candidates(authed(
            &key,
            pb::BatchUpsertCandidatesRequest { candidates: doomed },
        ))
        .await
        .unwrap();
    // Three writers upsert while three deleters erase, each erasure a rewrite.
    let mut writers = Vec::new();
    for writer in 0..3 {
        let mut client = server.candidates();
        let key = key.clone();
        writers.push(tokio::spawn(async move {
            let mut acknowledged = Vec::new();
            for i in 0..25 {
                let id = format!("w{writer}-{i:03}");
                let mut person = candidate(&id, "", vec![declared(SQL, "2025-01-01")]);
                person.cv_text = format!("{id} writes SQL.");
                client
                    .upsert_candidate(authed(
                        &key,
                        pb::UpsertCandidateRequest {
                            candidate: Some(person),
                            cv_document: None,
                        },
                    ))
                    .await
                    .unwrap();
                acknowledged.push(id);
            }
            acknowledged
        }));
    }
    let mut deleters = Vec::new();
    for deleter in 0..3 {
        let mut client = server.candidates();
        let key = key.clone();
        deleters.push(tokio::spawn(async move {
            for i in (deleter..12).step_by(3) {
                client
                    .delete_candidate(authed(
                        &key,
                        pb::DeleteCandidateRequest {
                            id: format!("doomed-{i:02}"),
                        },
                    ))
                    .await
                    .unwrap();
            }
        }));
    }
    let mut acknowledged = Vec::new();
    for writer in writers {
        acknowledged.extend(writer.await.unwrap());
    }
    for deleter in deleters {
        deleter.await.unwrap();
    }
    let expected: std::collections::BTreeSet<String> = acknowledged.into_iter().collect();
    let list = pb::ListCandidatesRequest {
        page_size: 500,
        page_token: String::new(),
    };
    let stored = |candidates: Vec<pb::Candidate>| -> std::collections::BTreeSet<String> {
        candidates.into_iter().map(|c| c.id).collect()
    };
    let listed = server
        .candidates()
        .list_candidates(authed(&key, list.clone()))
        .await
        .unwrap()
        .into_inner()
        .candidates;
    assert_eq!(stored(listed), expected);
    server.stop().await;
    let server = TestServer::builder()
        .data_dir(dir.path())
        .keys()
        .start()
        .await;
    let listed = server
        .candidates()
        .list_candidates(authed(&key_of(&server), list))
        .await
        .unwrap()
        .into_inner()
        .candidates;
    assert_eq!(stored(listed), expected, "after a restart");
    server.stop().await;
}

fn key_of(server: &TestServer) -> String {
    server.keys.a_read.clone()
}

#[tokio::test]
async fn acknowledged_writes_survive_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let server = spawn_binary(dir.path(), &["--log-level", "warn"]);
    let addr = server.addr.clone();
    let channel = tonic::transport::Channel::from_shared(format!("http://{addr}"))
        .unwrap()
        .connect()
        .await
        .unwrap();
    let (acked_tx, mut acked_rx) = tokio::sync::mpsc::unbounded_channel::<String>();
    // Four writers upsert as fast as they can; each acknowledged id is recorded.
    let mut writers = Vec::new();
    for writer in 0..4 {
        let mut client = CandidateServiceClient::new(channel.clone());
        let acked = acked_tx.clone();
        writers.push(tokio::spawn(async move {
            for i in 0.. {
                let id = format!("w{writer}-{i:05}");
                let mut person = candidate(&id, "", vec![declared(SQL, "2025-01-01")]);
                person.cv_text = format!("{id} writes SQL.");
                let request = pb::UpsertCandidateRequest {
                    candidate: Some(person),
                    cv_document: None,
                };
                if client.upsert_candidate(request).await.is_err() {
                    break;
                }
                if acked.send(id).is_err() {
                    break;
                }
            }
        }));
    }
    drop(acked_tx);
    let mut acknowledged = Vec::new();
    while acknowledged.len() < 200 {
        acknowledged.push(acked_rx.recv().await.unwrap());
    }
    // Kill mid-stream: writers are still sending.
    server.kill();
    for writer in writers {
        writer.await.unwrap();
    }
    while let Ok(id) = acked_rx.try_recv() {
        acknowledged.push(id);
    }

    let server = spawn_binary(dir.path(), &["--log-level", "warn"]);
    let addr = server.addr.clone();
    let mut client = CandidateServiceClient::connect(format!("http://{addr}"))
        .await
        .unwrap();
    for id in &acknowledged {
        let got = client
            .get_candidate(pb::GetCandidateRequest { id: id.clone() })
            .await
            .unwrap_or_else(|status| panic!("acknowledged {id} lost: {status}"));
        assert_eq!(&got.into_inner().candidate.unwrap().id, id);
    }
    server.kill();
}

/// Inode and bytes of every file under `dir`.
fn file_states(dir: &Path) -> std::collections::BTreeMap<std::path::PathBuf, (u64, Vec<u8>)> {
    files_under(dir)
        .into_iter()
        .map(|path| {
            let inode = std::os::unix::fs::MetadataExt::ino(&std::fs::metadata(&path).unwrap());
            let bytes = std::fs::read(&path).unwrap();
            (path, (inode, bytes))
        })
        .collect()
}

/// Positions where two byte strings differ (the longer one's tail too).
fn differing_bytes(before: &[u8], after: &[u8]) -> usize {
    let common = before.len().min(after.len());
    (0..common).filter(|&i| before[i] != after[i]).count() + before.len().abs_diff(after.len())
}

/// What a deletion writes does not depend on how many records are stored:
/// no file is rewritten (every file keeps its inode), the key file changes
/// in one 32-byte slot only (zeroed, same length), the erasure log grows by
/// one line, and only the index snapshot, which holds ids, is removed.
#[tokio::test]
async fn a_deletion_zeroes_one_key_and_rewrites_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path()).await;
    let key = server.keys.a_write.clone();
    let mut client = server.candidates();
    for batch in 0..3 {
        let people: Vec<pb::Candidate> = (0..100)
            .map(|i| {
                let mut person =
                    candidate(&format!("p{batch}-{i:03}"), "", vec![declared(SQL, "")]);
                person.cv_text = format!("Person {batch}-{i} writes SQL. {}", "y".repeat(300));
                person
            })
            .collect();
        client
            .batch_upsert_candidates(authed(
                &key,
                pb::BatchUpsertCandidatesRequest { candidates: people },
            ))
            .await
            .unwrap();
    }
    let before = file_states(dir.path());
    client
        .delete_candidate(authed(
            &key,
            pb::DeleteCandidateRequest {
                id: "p1-050".into(),
            },
        ))
        .await
        .unwrap();
    let after = file_states(dir.path());
    let store_file = skillmatch::engine::store_path(dir.path());
    let key_file = skillmatch::store::key_file_path(&store_file);
    let log_file = skillmatch::store::erasure_log_path(&store_file);
    for (path, (inode, bytes)) in &before {
        let Some((inode_after, bytes_after)) = after.get(path) else {
            assert_eq!(
                path.file_name().unwrap(),
                skillmatch::engine::CANDIDATE_SNAPSHOT_FILE,
                "only the index snapshot may go"
            );
            continue;
        };
        assert_eq!(inode, inode_after, "{} was replaced", path.display());
        if *path == key_file {
            assert_eq!(bytes.len(), bytes_after.len());
            let changed = differing_bytes(bytes, bytes_after);
            assert!(
                (1..=32).contains(&changed),
                "{changed} bytes of the key file changed"
            );
        } else if *path == log_file {
            assert_eq!(&bytes_after[..bytes.len()], bytes.as_slice());
            let appended = &bytes_after[bytes.len()..];
            assert_eq!(appended.iter().filter(|b| **b == b'\n').count(), 1);
            assert!(appended.len() < 256, "{} bytes logged", appended.len());
            assert!(!contains(appended, b"p1-050"), "the log holds no id");
        }
    }
    assert!(
        after.keys().all(|path| before.contains_key(path)),
        "no file was created"
    );
    server.stop().await;
}
