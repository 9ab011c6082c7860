//! The label index of a loaded set of releases, kept in the data directory
//! so a restart opens it instead of rebuilding it: one folder per distinct
//! label set, named by a digest of the labels and their competencies.

use std::path::Path;

use tantivy::Index;
use tantivy::directory::MmapDirectory;

use super::label_search::{fill, label_entries, label_schema};
use super::{CompetencyIdx, LabelSearch, TaxonomyError};
use crate::domain::Competency;

fn digest(entries: &[(CompetencyIdx, String)]) -> String {
    let mut hasher = blake3::Hasher::new();
    hasher.update(b"skillmatch label index 1\n");
    for (competency, label) in entries {
        hasher.update(&competency.0.to_le_bytes());
        hasher.update(label.as_bytes());
        hasher.update(b"\n");
    }
    hasher.finalize().to_hex()[..32].to_owned()
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> TaxonomyError + '_ {
    move |source| TaxonomyError::Io {
        path: path.display().to_string(),
        source,
    }
}

impl LabelSearch {
    /// Opens the index of these competencies' labels under `folder`, or
    /// builds it there (in a temporary folder renamed into place) when it is
    /// absent or unreadable. Indexes of other label sets are removed.
    pub fn open_or_build(
        competencies: &[Competency],
        folder: &Path,
    ) -> Result<Self, TaxonomyError> {
        let entries = label_entries(competencies);
        let name = digest(&entries);
        let dir = folder.join(&name);
        if dir.join("meta.json").exists() {
            match Index::open_in_dir(&dir) {
                Ok(index) => return Self::from_index(index, entries),
                Err(error) => {
                    tracing::warn!(%error, dir = %dir.display(), "rebuilding label index")
                }
            }
        }
        let building = folder.join(format!("{name}.building"));
        if building.exists() {
            std::fs::remove_dir_all(&building).map_err(io(&building))?;
        }
        std::fs::create_dir_all(&building).map_err(io(&building))?;
        let directory =
            MmapDirectory::open(&building).map_err(|error| TaxonomyError::Snapshot {
                path: building.display().to_string(),
                reason: error.to_string(),
            })?;
        let index = Index::create(directory, label_schema(), tantivy::IndexSettings::default())?;
        fill(&index, &entries)?;
        drop(index);
        if dir.exists() {
            std::fs::remove_dir_all(&dir).map_err(io(&dir))?;
        }
        std::fs::rename(&building, &dir).map_err(io(&dir))?;
        remove_others(folder, &name);
        Self::from_index(Index::open_in_dir(&dir)?, entries)
    }
}

/// Best effort: indexes of label sets no longer loaded only take space.
fn remove_others(folder: &Path, keep: &str) {
    let Ok(children) = std::fs::read_dir(folder) else {
        return;
    };
    for child in children.filter_map(Result::ok) {
        if child.file_name().to_str() != Some(keep) {
            if let Err(error) = std::fs::remove_dir_all(child.path()) {
                tracing::warn!(%error, path = %child.path().display(), "cannot remove old label index");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::taxonomy::{LabelSearch, sample_part};

    #[test]
    fn a_stored_index_is_reopened_and_answers_like_a_fresh_one() {
        let dir = tempfile::tempdir().unwrap();
        let competencies = sample_part().unwrap().competencies;
        let built = LabelSearch::open_or_build(&competencies, dir.path()).unwrap();
        let reopened = LabelSearch::open_or_build(&competencies, dir.path()).unwrap();
        let fresh = LabelSearch::build(&competencies).unwrap();
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        for query in ["python", "spreadsheets", "projct managment"] {
            let expected = fresh.search(query, 10).unwrap();
            assert!(!expected.is_empty(), "{query}");
            assert_eq!(built.search(query, 10).unwrap(), expected);
            assert_eq!(reopened.search(query, 10).unwrap(), expected);
        }
    }
}
