//! Restores and erasure: `skillmatch restore --erasure-log <live data dir>`
//! erases from the restored store the records deleted in the live one after
//! the backup was taken; without it they come back, and the command says so.

use std::ffi::OsStr;
use std::path::Path;
use std::process::Output;

use skillmatch::engine::store_path;
use skillmatch::store::{RecordKind, Store};

fn run(args: &[&OsStr]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_skillmatch"))
        .args(args)
        .output()
        .unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn open(data: &Path) -> Store {
    std::fs::create_dir_all(data).unwrap();
    Store::open(&store_path(data)).unwrap()
}

fn restore(backup: &Path, into: &Path, log: Option<&Path>) -> Output {
    let mut args: Vec<&OsStr> = vec![
        "--data-dir".as_ref(),
        into.as_os_str(),
        "restore".as_ref(),
        "--from".as_ref(),
        backup.as_os_str(),
    ];
    if let Some(log) = log {
        args.extend(["--erasure-log".as_ref(), log.as_os_str()]);
    }
    run(&args)
}

#[test]
fn a_restore_with_the_erasure_log_brings_back_no_record_erased_after_the_backup() {
    let dir = tempfile::tempdir().unwrap();
    let live = dir.path().join("live");
    {
        let store = open(&live);
        for kind in [RecordKind::Candidate, RecordKind::Job] {
            store
                .put_records(
                    kind,
                    "default",
                    &[
                        ("kept", b"{\"k\":1}".to_vec()),
                        ("erased-after", b"{\"e\":1}".to_vec()),
                    ],
                )
                .unwrap();
        }
    }
    let backup = dir.path().join("backup");
    let backed = run(&[
        "--data-dir".as_ref(),
        live.as_os_str(),
        "backup".as_ref(),
        "--out".as_ref(),
        backup.as_os_str(),
    ]);
    assert!(backed.status.success(), "{}", stderr(&backed));
    {
        let store = open(&live);
        for kind in [RecordKind::Candidate, RecordKind::Job] {
            assert!(
                store
                    .delete_record(kind, "default", "erased-after")
                    .unwrap()
            );
        }
    }

    let replayed = dir.path().join("replayed");
    let output = restore(&backup, &replayed, Some(&live));
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stderr(&output).contains("2 records deleted since the backup erased"));
    let store = open(&replayed);
    for kind in [RecordKind::Candidate, RecordKind::Job] {
        assert_eq!(
            store.get_record(kind, "default", "erased-after").unwrap(),
            None
        );
        assert!(store.get_record(kind, "default", "kept").unwrap().is_some());
    }
    drop(store);

    // Another store's log is refused, and the half-made restore removed.
    let stranger = dir.path().join("stranger");
    drop(open(&stranger));
    let refused_into = dir.path().join("refused");
    let output = restore(&backup, &refused_into, Some(&stranger));
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("not the erasure log"),
        "{}",
        stderr(&output)
    );
    assert_eq!(std::fs::read_dir(&refused_into).unwrap().count(), 0);

    // Without the log, the erased records are back, and the command says so.
    let plain = dir.path().join("plain");
    let output = restore(&backup, &plain, None);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stderr(&output).contains("--erasure-log"));
    let store = open(&plain);
    assert!(
        store
            .get_record(RecordKind::Candidate, "default", "erased-after")
            .unwrap()
            .is_some()
    );
}
