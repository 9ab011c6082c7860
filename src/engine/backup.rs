//! Backups of a data directory while the engine serves, and restores into
//! an empty data directory.
//!
//! A backup is a directory holding `skillmatch.redb` (the store as it was
//! at one moment, see `store/backup.rs`), `skillmatch.keys` (the record
//! keys at that moment) and `taxonomies/` (the imported releases, which
//! never change once installed). Records erased after the backup are still
//! readable in it; a restore given the live data directory's erasure log
//! erases them again before the restored store serves. Search indexes and the
//! candidate snapshot are derived from those and rebuilt at the first start
//! after a restore. A backup is written under `NAME.partial` and renamed to
//! `NAME` once complete.

use std::path::{Path, PathBuf};

use super::{Engine, store_path};
use crate::error::Error;
use crate::store::{Store, erasure_log_path, key_file_path};

/// The folder of imported taxonomy releases in a data directory.
const TAXONOMIES: &str = "taxonomies";

/// What a backup or restore copied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupReport {
    /// The backup directory.
    pub directory: PathBuf,
    /// Bytes of the store copy.
    pub store_bytes: u64,
    /// Taxonomy files copied.
    pub taxonomy_files: usize,
    /// Records a restore deleted by replaying an erasure log.
    pub erasures_replayed: usize,
}

fn io_error(path: &Path) -> impl Fn(std::io::Error) -> Error + '_ {
    move |error| Error::internal(format!("backup file {}", path.display()), error)
}

/// Whether `dir` is absent or an empty directory.
fn absent_or_empty(dir: &Path) -> Result<bool, Error> {
    match std::fs::read_dir(dir) {
        Ok(mut entries) => Ok(entries.next().is_none()),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(true),
        Err(error) => Err(io_error(dir)(error)),
    }
}

/// Copies the tree `from` into `to` (created), syncing every file; the
/// number of files copied. A missing `from` copies nothing.
fn copy_tree(from: &Path, to: &Path) -> Result<usize, Error> {
    if !from.exists() {
        return Ok(0);
    }
    std::fs::create_dir_all(to).map_err(io_error(to))?;
    let mut files = 0;
    for entry in std::fs::read_dir(from).map_err(io_error(from))? {
        let entry = entry.map_err(io_error(from))?;
        let source = entry.path();
        let target = to.join(entry.file_name());
        let kind = entry.file_type().map_err(io_error(&source))?;
        if kind.is_dir() {
            files += copy_tree(&source, &target)?;
        } else if kind.is_file() {
            // Files half-written by an installer are never renamed into
            // place; skip them.
            if source.extension().is_some_and(|ext| ext == "tmp") {
                continue;
            }
            std::fs::copy(&source, &target).map_err(io_error(&source))?;
            std::fs::File::open(&target)
                .and_then(|file| file.sync_all())
                .map_err(io_error(&target))?;
            files += 1;
        }
    }
    sync_dir(to)?;
    Ok(files)
}

fn sync_dir(dir: &Path) -> Result<(), Error> {
    std::fs::File::open(dir)
        .and_then(|handle| handle.sync_all())
        .map_err(io_error(dir))
}

impl Engine {
    /// Writes a backup of the data directory to `directory`, which must not
    /// exist (or be empty), while reads and writes go on. Blocking.
    pub fn backup(&self, directory: &Path) -> Result<BackupReport, Error> {
        backup_store(&self.store, directory)
    }
}

/// Writes a backup of the data directory of `store` (the folder holding its
/// file) to `directory`, which must not exist or be empty. Blocking.
pub fn backup_store(store: &Store, directory: &Path) -> Result<BackupReport, Error> {
    if !absent_or_empty(directory)? {
        return Err(Error::FailedPrecondition(format!(
            "backup directory {} exists and is not empty",
            directory.display()
        )));
    }
    let data_dir = store
        .path()
        .parent()
        .map(Path::to_owned)
        .unwrap_or_default();
    let mut partial = directory.as_os_str().to_owned();
    partial.push(".partial");
    let partial = PathBuf::from(partial);
    if partial.exists() {
        std::fs::remove_dir_all(&partial).map_err(io_error(&partial))?;
    }
    std::fs::create_dir_all(&partial).map_err(io_error(&partial))?;
    let written = (|| {
        let store_bytes = store.backup_to(&store_path(&partial))?;
        let taxonomy_files = copy_tree(&data_dir.join(TAXONOMIES), &partial.join(TAXONOMIES))?;
        sync_dir(&partial)?;
        Ok::<_, Error>((store_bytes, taxonomy_files))
    })();
    let (store_bytes, taxonomy_files) = match written {
        Ok(written) => written,
        Err(error) => {
            let _ = std::fs::remove_dir_all(&partial);
            return Err(error);
        }
    };
    if directory.exists() {
        std::fs::remove_dir(directory).map_err(io_error(directory))?;
    }
    fail::fail_point!("backup-rename", |_| Err(io_error(directory)(
        std::io::Error::other("failpoint")
    )));
    std::fs::rename(&partial, directory).map_err(io_error(directory))?;
    if let Some(parent) = directory
        .parent()
        .filter(|parent| !parent.as_os_str().is_empty())
    {
        sync_dir(parent)?;
    }
    tracing::info!(
        directory = %directory.display(),
        store_bytes,
        taxonomy_files,
        "backup written"
    );
    Ok(BackupReport {
        directory: directory.to_owned(),
        store_bytes,
        taxonomy_files,
        erasures_replayed: 0,
    })
}

/// Restores the backup in `backup` into `data_dir`, which must not exist or
/// be empty; no server may run on it. The copied store is opened once to
/// check it. Indexes are rebuilt at the next start. Records erased since
/// the backup are restored too: see [`restore_with_erasures`]. Blocking.
pub fn restore(backup: &Path, data_dir: &Path) -> Result<BackupReport, Error> {
    restore_with_erasures(backup, data_dir, None)
}

/// The erasure log an `--erasure-log` argument names: the file itself, or
/// the one of the store in a data directory.
pub fn erasure_log_of(path: &Path) -> PathBuf {
    if path.is_dir() {
        erasure_log_path(&store_path(path))
    } else {
        path.to_owned()
    }
}

/// [`restore`], then, given the erasure log of the data directory the
/// backup was taken from (see `store/erasure.rs`), deletes from the
/// restored store every record deleted there after the backup, so a
/// restore brings back no erased record. Blocking.
pub fn restore_with_erasures(
    backup: &Path,
    data_dir: &Path,
    erasure_log: Option<&Path>,
) -> Result<BackupReport, Error> {
    let source = store_path(backup);
    if !source.is_file() {
        return Err(Error::FailedPrecondition(format!(
            "{} is not a backup: it has no {}",
            backup.display(),
            source.display()
        )));
    }
    let source_keys = key_file_path(&source);
    if !source_keys.is_file() {
        return Err(Error::FailedPrecondition(format!(
            "{} is not a backup of this version: it has no {}",
            backup.display(),
            source_keys.display()
        )));
    }
    if !absent_or_empty(data_dir)? {
        return Err(Error::FailedPrecondition(format!(
            "restore needs an empty data directory; {} is not empty",
            data_dir.display()
        )));
    }
    std::fs::create_dir_all(data_dir).map_err(io_error(data_dir))?;
    let target = store_path(data_dir);
    for (from, to) in [(&source, &target), (&source_keys, &key_file_path(&target))] {
        std::fs::copy(from, to).map_err(io_error(from))?;
        std::fs::File::open(to)
            .and_then(|file| file.sync_all())
            .map_err(io_error(to))?;
    }
    let taxonomy_files = copy_tree(&backup.join(TAXONOMIES), &data_dir.join(TAXONOMIES))?;
    sync_dir(data_dir)?;
    let replayed = Store::open(&target)
        .map_err(Error::from)
        .and_then(|store| match erasure_log {
            Some(log) => store
                .replay_erasures(log)
                .map_err(|error| Error::FailedPrecondition(error.to_string())),
            None => Ok(0),
        });
    let erasures_replayed = match replayed {
        Ok(replayed) => replayed,
        Err(error) => {
            // The directory was empty: everything in it is this restore's,
            // and a restore that did not erase what it should is not left
            // behind to be served.
            for entry in std::fs::read_dir(data_dir).map_err(io_error(data_dir))? {
                let path = entry.map_err(io_error(data_dir))?.path();
                let _ = if path.is_dir() {
                    std::fs::remove_dir_all(&path)
                } else {
                    std::fs::remove_file(&path)
                };
            }
            return Err(error);
        }
    };
    let store_bytes = std::fs::metadata(&target).map_err(io_error(&target))?.len();
    Ok(BackupReport {
        directory: data_dir.to_owned(),
        store_bytes,
        taxonomy_files,
        erasures_replayed,
    })
}
