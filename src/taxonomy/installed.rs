//! The imported taxonomy releases of a data directory, side by side:
//! `DATA_DIR/taxonomies/<id>/<version>/taxonomy.bin`, one snapshot each.

use std::cmp::Ordering;
use std::path::{Path, PathBuf};

use super::release_file::{read_release, write_release};
use super::{TaxonomyError, TaxonomyPart};
use crate::domain::TaxonomyVersion;

const FOLDER: &str = "taxonomies";
const SNAPSHOT: &str = "taxonomy.bin";
const VECTORS: &str = "vectors.bin";

/// The imported releases of one data directory.
#[derive(Debug, Clone)]
pub struct InstalledTaxonomies {
    root: PathBuf,
}

impl InstalledTaxonomies {
    /// The releases kept in `data_dir` (the folder need not exist yet).
    pub fn new(data_dir: &Path) -> Self {
        Self {
            root: data_dir.join(FOLDER),
        }
    }

    /// Where the snapshot of a release lives.
    pub fn snapshot_path(&self, version: &TaxonomyVersion) -> Result<PathBuf, TaxonomyError> {
        check_name("id", &version.id)?;
        check_name("version", &version.version)?;
        Ok(self
            .root
            .join(&version.id)
            .join(&version.version)
            .join(SNAPSHOT))
    }

    /// Where the concept vectors of a release live (beside its snapshot).
    pub fn vectors_path(&self, version: &TaxonomyVersion) -> Result<PathBuf, TaxonomyError> {
        Ok(self.snapshot_path(version)?.with_file_name(VECTORS))
    }

    /// Stores a release, replacing an earlier import of the same release.
    /// Returns where, and whether the stored bytes changed.
    pub fn install(&self, part: &TaxonomyPart) -> Result<(PathBuf, bool), TaxonomyError> {
        let path = self.snapshot_path(&part.version)?;
        let changed = write_release(&path, part)?;
        Ok((path, changed))
    }

    /// Reads one stored release.
    pub fn load(&self, version: &TaxonomyVersion) -> Result<TaxonomyPart, TaxonomyError> {
        let path = self.snapshot_path(version)?;
        if !path.exists() {
            return Err(TaxonomyError::NotImported(format!(
                "{}/{}",
                version.id, version.version
            )));
        }
        read_release(&path)
    }

    /// Every stored release, ordered by id and then oldest version first.
    pub fn list(&self) -> Result<Vec<TaxonomyVersion>, TaxonomyError> {
        let mut found = Vec::new();
        for id in subfolders(&self.root)? {
            for version in subfolders(&self.root.join(&id))? {
                let candidate = TaxonomyVersion {
                    id: id.clone(),
                    version,
                };
                if self.snapshot_path(&candidate)?.exists() {
                    found.push(candidate);
                }
            }
        }
        found.sort_by(|a, b| {
            a.id.cmp(&b.id)
                .then_with(|| compare_versions(&a.version, &b.version))
        });
        Ok(found)
    }

    /// The releases to load: the newest of each taxonomy, except where
    /// `pins` names the version to use. A pin that is not stored is an error.
    pub fn select(&self, pins: &[TaxonomyVersion]) -> Result<Vec<TaxonomyVersion>, TaxonomyError> {
        let stored = self.list()?;
        for pin in pins {
            if !stored.contains(pin) {
                return Err(TaxonomyError::NotImported(format!(
                    "{}/{}",
                    pin.id, pin.version
                )));
            }
        }
        let mut chosen: Vec<TaxonomyVersion> = Vec::new();
        for candidate in stored {
            if let Some(pin) = pins.iter().find(|pin| pin.id == candidate.id) {
                if *pin != candidate {
                    continue;
                }
            }
            match chosen.last_mut() {
                // `list` puts newer versions of one id later.
                Some(last) if last.id == candidate.id => *last = candidate,
                _ => chosen.push(candidate),
            }
        }
        Ok(chosen)
    }
}

fn subfolders(dir: &Path) -> Result<Vec<String>, TaxonomyError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => {
            return Err(TaxonomyError::Io {
                path: dir.display().to_string(),
                source,
            });
        }
    };
    Ok(entries
        .filter_map(Result::ok)
        .filter(|entry| entry.file_type().is_ok_and(|t| t.is_dir()))
        .filter_map(|entry| entry.file_name().into_string().ok())
        .filter(|name| is_safe_name(name))
        .collect())
}

fn is_safe_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
}

fn check_name(field: &'static str, value: &str) -> Result<(), TaxonomyError> {
    if is_safe_name(value) {
        Ok(())
    } else {
        Err(TaxonomyError::BadName {
            field,
            value: value.to_owned(),
        })
    }
}

/// Orders release names the way people read them: `v1.10` after `v1.9`,
/// numbers compared as numbers, a leading `v` ignored.
pub fn compare_versions(a: &str, b: &str) -> Ordering {
    fn parts(version: &str) -> Vec<Result<u64, &str>> {
        version
            .trim_start_matches(['v', 'V'])
            .split(|c: char| !c.is_ascii_alphanumeric())
            .map(|part| part.parse::<u64>().map_err(|_| part))
            .collect()
    }
    parts(a).cmp(&parts(b)).then_with(|| a.cmp(b))
}

/// The release a folder name announces after the taxonomy id:
/// `esco-v1.1.1` gives `v1.1.1`, `onet-29.3` gives `29.3`.
pub fn version_from_dir_name(id: &str, dir: &Path) -> Option<String> {
    let name = dir.file_name()?.to_str()?;
    let version = name.strip_prefix(id)?.trim_start_matches(['-', '_', ' ']);
    let version = version.replace(' ', "-");
    is_safe_name(&version).then_some(version)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::taxonomy::sample_part;

    fn version(id: &str, version: &str) -> TaxonomyVersion {
        TaxonomyVersion {
            id: id.into(),
            version: version.into(),
        }
    }

    #[test]
    fn versions_compare_numerically() {
        assert_eq!(compare_versions("v1.10", "v1.9"), Ordering::Greater);
        assert_eq!(compare_versions("v1.1.1", "v1.2.0"), Ordering::Less);
        assert_eq!(compare_versions("29.3", "29.10"), Ordering::Less);
    }

    #[test]
    fn folder_names_give_versions() {
        assert_eq!(
            version_from_dir_name("esco", Path::new("/d/esco-v1.1.1")).as_deref(),
            Some("v1.1.1")
        );
        assert_eq!(
            version_from_dir_name("onet", Path::new("../onet-29.3/")).as_deref(),
            Some("29.3")
        );
        assert_eq!(version_from_dir_name("esco", Path::new("/d/release")), None);
    }

    #[test]
    fn newest_release_is_selected_unless_pinned() {
        let dir = tempfile::tempdir().unwrap();
        let installed = InstalledTaxonomies::new(dir.path());
        assert!(installed.select(&[]).unwrap().is_empty());
        let mut part = sample_part().unwrap();
        for v in ["v1.1.1", "v1.2.0", "v1.10"] {
            part.version = version("esco", v);
            installed.install(&part).unwrap();
        }
        part.version = version("onet", "29.3");
        installed.install(&part).unwrap();
        assert_eq!(
            installed.select(&[]).unwrap(),
            vec![version("esco", "v1.10"), version("onet", "29.3")]
        );
        assert_eq!(
            installed.select(&[version("esco", "v1.1.1")]).unwrap(),
            vec![version("esco", "v1.1.1"), version("onet", "29.3")]
        );
        assert!(installed.select(&[version("esco", "v9")]).is_err());
        assert!(
            installed
                .install(&TaxonomyPart {
                    version: version("../x", "1"),
                    ..part
                })
                .is_err()
        );
    }
}
