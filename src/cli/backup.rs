//! `skillmatch backup` and `skillmatch restore`.

use std::path::Path;

use anyhow::Context;
use skillmatch::engine::{backup_store, erasure_log_of, restore_with_erasures, store_path};
use skillmatch::store::Store;

pub(super) fn backup(data_dir: &Path, out: &Path) -> anyhow::Result<()> {
    let store = Store::open(&store_path(data_dir)).with_context(|| {
        format!(
            "opening {}; while a server runs on it, back up through AdminService/CreateBackup instead",
            data_dir.display()
        )
    })?;
    let report = backup_store(&store, out)?;
    eprintln!(
        "backed up {} into {}: store {} bytes, {} taxonomy files",
        data_dir.display(),
        report.directory.display(),
        report.store_bytes,
        report.taxonomy_files
    );
    Ok(())
}

pub(super) fn restore(
    from: &Path,
    data_dir: &Path,
    erasure_log: Option<&Path>,
) -> anyhow::Result<()> {
    let log = erasure_log.map(erasure_log_of);
    let report = restore_with_erasures(from, data_dir, log.as_deref())?;
    eprintln!(
        "restored {} into {}: store {} bytes, {} taxonomy files; indexes are rebuilt at the next start",
        from.display(),
        report.directory.display(),
        report.store_bytes,
        report.taxonomy_files
    );
    match &log {
        Some(log) => eprintln!(
            "replayed {}: {} records deleted since the backup erased",
            log.display(),
            report.erasures_replayed
        ),
        None => eprintln!(
            "no --erasure-log given: records deleted since the backup are back; restore again with --erasure-log <live data dir> to erase them"
        ),
    }
    Ok(())
}
