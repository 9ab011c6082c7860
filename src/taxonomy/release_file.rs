//! One imported release in a compact binary file
//! (a magic header, a format version, then the release in postcard), written
//! atomically so a reader sees the old file or the new one, never a mix.

use std::fs::File;
use std::io::Write;
use std::path::Path;

use super::{TaxonomyError, TaxonomyPart};

/// Identifies a skillmatch taxonomy snapshot.
const MAGIC: &[u8; 8] = b"SMTAXSNP";
/// Bumped whenever the encoded layout of [`TaxonomyPart`] changes.
const FORMAT: u32 = 1;

pub(super) fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> TaxonomyError + '_ {
    move |source| TaxonomyError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// Writes a release to `path`: into a temporary file beside it, synced, then
/// renamed over `path`, and the folder synced. Returns `false`, writing
/// nothing, when `path` already holds exactly this release.
pub(super) fn write_release(path: &Path, part: &TaxonomyPart) -> Result<bool, TaxonomyError> {
    let mut bytes = Vec::with_capacity(1 << 20);
    bytes.extend_from_slice(MAGIC);
    bytes.extend_from_slice(&FORMAT.to_le_bytes());
    let bytes = postcard::to_extend(part, bytes).map_err(|error| TaxonomyError::Snapshot {
        path: path.display().to_string(),
        reason: error.to_string(),
    })?;
    if std::fs::read(path).is_ok_and(|existing| existing == bytes) {
        return Ok(false);
    }
    write_atomically(path, &bytes)?;
    Ok(true)
}

/// Writes `bytes` to `path` so a reader sees the old file or the new one:
/// into a temporary file beside it, synced, renamed over `path`, and the
/// folder synced.
pub(super) fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), TaxonomyError> {
    let folder = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(folder).map_err(io_error(folder))?;
    let temporary = path.with_extension("tmp");
    let mut file = File::create(&temporary).map_err(io_error(&temporary))?;
    file.write_all(bytes).map_err(io_error(&temporary))?;
    file.sync_all().map_err(io_error(&temporary))?;
    drop(file);
    std::fs::rename(&temporary, path).map_err(io_error(path))?;
    File::open(folder)
        .and_then(|dir| dir.sync_all())
        .map_err(io_error(folder))
}

/// Reads a release written by [`write_release`].
pub(super) fn read_release(path: &Path) -> Result<TaxonomyPart, TaxonomyError> {
    let bytes = std::fs::read(path).map_err(io_error(path))?;
    let bad = |reason: String| TaxonomyError::Snapshot {
        path: path.display().to_string(),
        reason,
    };
    let header = MAGIC.len() + 4;
    if bytes.len() < header || &bytes[..MAGIC.len()] != MAGIC {
        return Err(bad("not a taxonomy snapshot".into()));
    }
    let format = u32::from_le_bytes(bytes[MAGIC.len()..header].try_into().expect("4 bytes"));
    if format != FORMAT {
        return Err(bad(format!(
            "format {format}, this build reads {FORMAT}; import the release again"
        )));
    }
    postcard::from_bytes(&bytes[header..]).map_err(|error| bad(error.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::taxonomy::sample_part;

    #[test]
    fn snapshots_round_trip_and_reject_other_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a").join("taxonomy.bin");
        let part = sample_part().unwrap();
        assert!(write_release(&path, &part).unwrap());
        assert!(!write_release(&path, &part).unwrap(), "same release again");
        assert_eq!(read_release(&path).unwrap(), part);
        std::fs::write(&path, b"something else").unwrap();
        assert!(matches!(
            read_release(&path),
            Err(TaxonomyError::Snapshot { .. })
        ));
    }
}
