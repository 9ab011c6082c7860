//! Online backup under write load, restore into an empty data directory,
//! and the checks on both. The restored store must hold exactly a prefix of
//! the acknowledged writes: every write acknowledged before the backup
//! began, and nothing that was not acknowledged or that began after the
//! backup returned.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use crate::support::TestServer;
use skillmatch::Hardening;
use skillmatch::pb;
use skillmatch::pb::admin_service_client::AdminServiceClient;
use skillmatch::pb::job_service_client::JobServiceClient;
use tonic::Code;
use tonic::transport::Channel;

/// Most writes the writer makes; it stops earlier once told.
const MAX_WRITES: usize = 3000;

fn job(n: usize) -> pb::JobPosting {
    pb::JobPosting {
        id: format!("job-{n:05}"),
        title: format!("Data analyst {n}"),
        description: "SQL, Python and dashboards".into(),
        ..Default::default()
    }
}

async fn all_job_ids(channel: Channel) -> Vec<String> {
    let mut client = JobServiceClient::new(channel);
    let mut ids = Vec::new();
    let mut token = String::new();
    loop {
        let page = client
            .list_jobs(pb::ListJobsRequest {
                page_size: 100,
                page_token: token,
            })
            .await
            .unwrap()
            .into_inner();
        ids.extend(page.jobs.into_iter().map(|job| job.id));
        if page.next_page_token.is_empty() {
            return ids;
        }
        token = page.next_page_token;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_under_write_load_restores_a_prefix_of_acknowledged_writes() {
    let backups = tempfile::tempdir().unwrap();
    let server = TestServer::builder()
        .hardening(Hardening {
            backup_dir: Some(backups.path().to_owned()),
            ..Hardening::default()
        })
        .start()
        .await;
    let channel = server.plain().await.unwrap();

    // One writer, one write at a time: commit order is id order.
    let acknowledged = Arc::new(AtomicUsize::new(0));
    let started = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (acknowledged, started, stop) = (acknowledged.clone(), started.clone(), stop.clone());
        let mut client = JobServiceClient::new(channel.clone());
        tokio::spawn(async move {
            for n in 0..MAX_WRITES {
                if stop.load(Ordering::SeqCst) {
                    break;
                }
                started.store(n + 1, Ordering::SeqCst);
                client
                    .upsert_job(pb::UpsertJobRequest { job: Some(job(n)) })
                    .await
                    .unwrap();
                acknowledged.store(n + 1, Ordering::SeqCst);
            }
        })
    };
    while acknowledged.load(Ordering::SeqCst) < 30 {
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    let mut admin = AdminServiceClient::new(channel.clone());
    let before = acknowledged.load(Ordering::SeqCst);
    let reply = admin
        .create_backup(pb::CreateBackupRequest {
            name: "under-load".into(),
        })
        .await
        .unwrap()
        .into_inner();
    let after = started.load(Ordering::SeqCst);
    // Writes go on after the backup.
    let target = after + 20;
    while acknowledged.load(Ordering::SeqCst) < target.min(MAX_WRITES) {
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    stop.store(true, Ordering::SeqCst);
    writer.await.unwrap();
    let total = acknowledged.load(Ordering::SeqCst);
    assert!(reply.store_bytes > 0);

    // A second backup of the same name is refused; a bad name is a field violation.
    let again = admin
        .create_backup(pb::CreateBackupRequest {
            name: "under-load".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(again.code(), Code::FailedPrecondition);
    let long = admin
        .create_backup(pb::CreateBackupRequest {
            name: "a".repeat(skillmatch::api::MAX_BACKUP_NAME + 1),
        })
        .await
        .unwrap_err();
    assert_eq!(long.code(), Code::InvalidArgument);
    let climbing = admin
        .create_backup(pb::CreateBackupRequest { name: "..".into() })
        .await
        .unwrap_err();
    assert_eq!(climbing.code(), Code::InvalidArgument);
    server.stop().await;

    // Restore into an empty directory and serve it.
    let restored_dir = tempfile::tempdir().unwrap();
    let data_dir = restored_dir.path().join("data");
    skillmatch::engine::restore(Path::new(&reply.path), &data_dir).unwrap();
    let restored = TestServer::builder().data_dir(&data_dir).start().await;
    let mut ids = all_job_ids(restored.plain().await.unwrap()).await;
    // Listed in stored (hashed key) order; the prefix is about ids.
    ids.sort();
    let expected: Vec<String> = (0..ids.len()).map(|n| job(n).id).collect();
    eprintln!(
        "acknowledged before the backup {before}, begun when it returned {after}, in the backup {}, written in all {total}",
        ids.len()
    );
    assert_eq!(ids, expected, "the backup holds a prefix of the writes");
    assert!(
        ids.len() >= before,
        "every write acknowledged before the backup is in it"
    );
    assert!(
        ids.len() <= after,
        "no write begun after the backup returned is in it"
    );
    assert!(ids.len() < total, "writes after the backup are not in it");
    restored.stop().await;
}

#[tokio::test]
async fn without_a_backup_folder_the_call_is_refused() {
    let server = TestServer::builder().start().await;
    let refused = AdminServiceClient::new(server.plain().await.unwrap())
        .create_backup(pb::CreateBackupRequest {
            name: "nightly".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Code::FailedPrecondition);
    server.stop().await;
}

#[test]
fn the_cli_backs_up_an_idle_data_directory_and_restores_only_into_an_empty_one() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let store = skillmatch::store::Store::open(&{
        std::fs::create_dir_all(&data).unwrap();
        skillmatch::engine::store_path(&data)
    })
    .unwrap();
    drop(store);
    let run = |args: &[&std::ffi::OsStr]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_skillmatch"))
            .args(args)
            .output()
            .unwrap()
    };
    let out = dir.path().join("backup");
    let backed = run(&[
        "--data-dir".as_ref(),
        data.as_os_str(),
        "backup".as_ref(),
        "--out".as_ref(),
        out.as_os_str(),
    ]);
    assert!(
        backed.status.success(),
        "{}",
        String::from_utf8_lossy(&backed.stderr)
    );
    assert!(skillmatch::engine::store_path(&out).is_file());

    let restored = dir.path().join("restored");
    let ok = run(&[
        "--data-dir".as_ref(),
        restored.as_os_str(),
        "restore".as_ref(),
        "--from".as_ref(),
        out.as_os_str(),
    ]);
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert!(skillmatch::engine::store_path(&restored).is_file());
    // Not over a data directory that holds something.
    let refused = run(&[
        "--data-dir".as_ref(),
        data.as_os_str(),
        "restore".as_ref(),
        "--from".as_ref(),
        out.as_os_str(),
    ]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("empty data directory"));
}
