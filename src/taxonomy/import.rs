//! Turning release directories into [`TaxonomyPart`]s ready to install:
//! the ESCO CSV release, and the O*NET database with the crosswalk.

use std::collections::HashSet;
use std::path::Path;

use super::crosswalk::read_crosswalk;
use super::esco::read_esco_dir;
use super::onet::read_onet_dir;
use super::{TaxonomyError, TaxonomyPart};
use crate::domain::TaxonomyVersion;

/// Taxonomy id of ESCO releases.
pub const ESCO_ID: &str = "esco";
/// Taxonomy id of O*NET releases.
pub const ONET_ID: &str = "onet";

/// Reads an ESCO release directory as release `version` of `esco`.
#[tracing::instrument(skip(dir), fields(dir = %dir.display()))]
pub fn read_esco_part(dir: &Path, version: &str) -> Result<TaxonomyPart, TaxonomyError> {
    let release = read_esco_dir(dir)?;
    checked(TaxonomyPart {
        version: TaxonomyVersion {
            id: ESCO_ID.into(),
            version: version.into(),
        },
        competencies: release.competencies,
        occupations: release.occupations,
    })
}

/// Reads an O*NET release directory as release `version` of `onet`, its
/// occupations linked to ESCO through the crosswalk file when one is given.
#[tracing::instrument(skip(dir, crosswalk), fields(dir = %dir.display()))]
pub fn read_onet_part(
    dir: &Path,
    version: &str,
    crosswalk: Option<&Path>,
) -> Result<TaxonomyPart, TaxonomyError> {
    let links = match crosswalk {
        Some(path) => read_crosswalk(path)?,
        None => Vec::new(),
    };
    let release = read_onet_dir(dir, &links)?;
    checked(TaxonomyPart {
        version: TaxonomyVersion {
            id: ONET_ID.into(),
            version: version.into(),
        },
        competencies: release.competencies,
        occupations: release.occupations,
    })
}

/// What [`install_release`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Installed {
    /// The stored snapshot.
    pub path: std::path::PathBuf,
    /// Whether the stored bytes changed (false: the same release was there).
    pub changed: bool,
    /// Whether the concept vectors were computed (false: stored ones fit).
    pub embedded: bool,
}

/// Stores a read release in the data directory beside other releases and
/// computes its concept vectors with `embedder` beside it: what `skillmatch
/// import esco|onet` does after reading the release.
pub fn install_release(
    data_dir: &Path,
    part: &TaxonomyPart,
    embedder: &dyn crate::embed::Embedder,
) -> Result<Installed, TaxonomyError> {
    let installed = super::InstalledTaxonomies::new(data_dir);
    let (path, changed) = installed.install(part)?;
    let (_, embedded) =
        super::vectors::load_or_compute(&installed.vectors_path(&part.version)?, embedder, part)?;
    Ok(Installed {
        path,
        changed,
        embedded,
    })
}

/// Refuses a release that names one URI twice, before it is installed.
fn checked(part: TaxonomyPart) -> Result<TaxonomyPart, TaxonomyError> {
    let mut seen = HashSet::with_capacity(part.competencies.len());
    for uri in part.competencies.iter().map(|c| &c.uri) {
        if !seen.insert(uri) {
            return Err(TaxonomyError::DuplicateUri(uri.clone()));
        }
    }
    let mut seen = HashSet::with_capacity(part.occupations.len());
    for uri in part.occupations.iter().map(|o| &o.uri) {
        if !seen.insert(uri) {
            return Err(TaxonomyError::DuplicateUri(uri.clone()));
        }
    }
    Ok(part)
}
