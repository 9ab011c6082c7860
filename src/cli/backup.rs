//! `skillmatch backup` and `skillmatch restore`.

use std::path::Path;

use anyhow::Context;
use skillmatch::engine::{backup_store, restore as restore_into, store_path};
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

pub(super) fn restore(from: &Path, data_dir: &Path) -> anyhow::Result<()> {
    let report = restore_into(from, data_dir)?;
    eprintln!(
        "restored {} into {}: store {} bytes, {} taxonomy files; indexes are rebuilt at the next start",
        from.display(),
        report.directory.display(),
        report.store_bytes,
        report.taxonomy_files
    );
    Ok(())
}
