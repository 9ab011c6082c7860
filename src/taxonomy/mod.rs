//! The loaded taxonomies: competencies by URI, their hierarchy and relations,
//! and label search over them.

mod assemble;
pub mod crosswalk;
pub mod esco;
mod filter;
pub mod import;
mod installed;
mod label_search;
mod label_search_on_disk;
pub mod onet;
mod release_file;
mod sample;
pub mod vectors;

use std::collections::HashMap;

pub use assemble::TaxonomyPart;
pub use filter::CompetencyFilter;
pub use installed::{InstalledTaxonomies, compare_versions, version_from_dir_name};
pub use label_search::{LabelSearch, SearchHit};
pub use sample::{SAMPLE_COMPETENCIES_JSONL, load_sample, sample_part};

use crate::domain::{Competency, Occupation, TaxonomyVersion, Violations};

/// Dense index of a competency inside one [`Taxonomy`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CompetencyIdx(pub u32);

/// How one competency relates to another in the taxonomy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Relation {
    /// The same competency.
    Same,
    /// The first is narrower than (a child of) the second.
    Narrower,
    /// The first is broader than (a parent of) the second.
    Broader,
    /// Explicitly related.
    Related,
}

/// Errors building a taxonomy.
#[derive(Debug, thiserror::Error)]
pub enum TaxonomyError {
    /// A line of a JSON Lines file could not be read.
    #[error("line {line}: {reason}")]
    BadLine {
        /// 1-based line number.
        line: usize,
        /// What was wrong.
        reason: String,
    },
    /// A release file could not be read.
    #[error("{file}: {reason}")]
    BadFile {
        /// The file.
        file: String,
        /// What was wrong.
        reason: String,
    },
    /// Two competencies share a URI.
    #[error("duplicate competency uri {0}")]
    DuplicateUri(String),
    /// The label index could not be built.
    #[error("label index: {0}")]
    Index(#[from] tantivy::TantivyError),
    /// A file of the data directory could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file or directory.
        path: String,
        /// Cause.
        source: std::io::Error,
    },
    /// A stored snapshot could not be encoded or decoded.
    #[error("snapshot {path}: {reason}")]
    Snapshot {
        /// The snapshot file.
        path: String,
        /// What was wrong.
        reason: String,
    },
    /// A taxonomy id or version cannot name a folder of the data directory.
    #[error("invalid taxonomy {field} {value:?}: use letters, digits, '.', '-' and '_'")]
    BadName {
        /// `id` or `version`.
        field: &'static str,
        /// The value given.
        value: String,
    },
    /// A pinned taxonomy version is not imported.
    #[error("taxonomy {0} is not imported in this data directory")]
    NotImported(String),
}

/// Competencies with their relations, read-only once built.
pub struct Taxonomy {
    competencies: Vec<Competency>,
    versions: Vec<TaxonomyVersion>,
    version_of: Vec<u16>,
    by_uri: HashMap<String, CompetencyIdx>,
    broader: Vec<Vec<CompetencyIdx>>,
    narrower: Vec<Vec<CompetencyIdx>>,
    related: Vec<Vec<CompetencyIdx>>,
    occupations: Vec<Occupation>,
    occupation_version_of: Vec<u16>,
    occupation_by_uri: HashMap<String, usize>,
    occupation_links: Vec<Vec<usize>>,
    search: LabelSearch,
    filter_values: filter::FilterValues,
}

impl std::fmt::Debug for Taxonomy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Taxonomy")
            .field("competencies", &self.competencies.len())
            .field("versions", &self.versions)
            .finish_non_exhaustive()
    }
}

impl Taxonomy {
    /// Number of competencies.
    pub fn len(&self) -> usize {
        self.competencies.len()
    }

    /// Whether no competency is loaded.
    pub fn is_empty(&self) -> bool {
        self.competencies.is_empty()
    }

    /// All competencies in index order.
    pub fn competencies(&self) -> &[Competency] {
        &self.competencies
    }

    /// Looks a competency up by URI.
    pub fn idx(&self, uri: &str) -> Option<CompetencyIdx> {
        self.by_uri.get(uri).copied()
    }

    /// Records a violation at `field` when `uri` names no loaded competency.
    pub fn check_competency(&self, uri: &str, field: &str, violations: &mut Violations) {
        if !uri.trim().is_empty() && self.idx(uri).is_none() {
            violations.add(field, "is not a competency of a loaded taxonomy");
        }
    }

    /// The reuse levels and collections a filter may name.
    pub(crate) fn filter_values(&self) -> &filter::FilterValues {
        &self.filter_values
    }

    /// Records a violation for each id that names no loaded taxonomy release.
    pub fn check_taxonomy_ids(&self, ids: &[String], field: &str, violations: &mut Violations) {
        for (index, id) in ids.iter().enumerate() {
            if !self.versions.iter().any(|version| &version.id == id) {
                let known: Vec<&str> = self.versions.iter().map(|v| v.id.as_str()).collect();
                violations.add(
                    format!("{field}[{index}]"),
                    format!("is not a loaded taxonomy ({})", known.join(", ")),
                );
            }
        }
    }

    /// The competency at an index.
    pub fn get(&self, idx: CompetencyIdx) -> &Competency {
        &self.competencies[idx.0 as usize]
    }

    /// Looks a competency up by URI.
    pub fn by_uri(&self, uri: &str) -> Option<&Competency> {
        self.idx(uri).map(|idx| self.get(idx))
    }

    /// The preferred label of a URI, or the URI itself when it is not loaded.
    pub fn label<'a>(&'a self, uri: &'a str) -> &'a str {
        self.by_uri(uri).map_or(uri, |c| c.preferred_label.as_str())
    }

    /// The release a competency comes from.
    pub fn version_of(&self, idx: CompetencyIdx) -> &TaxonomyVersion {
        &self.versions[self.version_of[idx.0 as usize] as usize]
    }

    /// Per competency (index order), the position in [`Self::versions`] of
    /// the release it comes from.
    pub fn competency_releases(&self) -> &[u16] {
        &self.version_of
    }

    /// Per occupation (index order), the position in [`Self::versions`] of
    /// the release it comes from.
    pub fn occupation_releases(&self) -> &[u16] {
        &self.occupation_version_of
    }

    /// Every release loaded, in load order (later ones supersede earlier
    /// concepts with the same URI).
    pub fn versions(&self) -> &[TaxonomyVersion] {
        &self.versions
    }

    /// The competencies (by index) of each taxonomy id, releases of one id
    /// together, ids in the order first met.
    pub fn competencies_by_taxonomy_id(&self) -> Vec<(&str, Vec<u32>)> {
        self.by_taxonomy_id(&self.version_of)
    }

    /// The occupations (by index) of each taxonomy id, as
    /// [`Self::competencies_by_taxonomy_id`].
    pub fn occupations_by_taxonomy_id(&self) -> Vec<(&str, Vec<u32>)> {
        self.by_taxonomy_id(&self.occupation_version_of)
    }

    /// The positions of `releases` (a release per concept) grouped by the
    /// taxonomy id of their release; ids are compared once per release,
    /// not once per concept.
    fn by_taxonomy_id(&self, releases: &[u16]) -> Vec<(&str, Vec<u32>)> {
        let mut groups: Vec<(&str, Vec<u32>)> = Vec::new();
        let mut group_of_release: Vec<Option<usize>> = vec![None; self.versions.len()];
        for (concept, &release) in (0u32..).zip(releases) {
            let group = *group_of_release[usize::from(release)].get_or_insert_with(|| {
                let id = self.versions[usize::from(release)].id.as_str();
                groups
                    .iter()
                    .position(|(known, _)| *known == id)
                    .unwrap_or_else(|| {
                        groups.push((id, Vec::new()));
                        groups.len() - 1
                    })
            });
            groups[group].1.push(concept);
        }
        groups
    }

    /// The release most competencies come from: the one a response names
    /// when it names a single taxonomy version.
    pub fn primary_version(&self) -> &TaxonomyVersion {
        let mut counts = vec![0usize; self.versions.len()];
        for &version in &self.version_of {
            counts[version as usize] += 1;
        }
        let best = (0..counts.len())
            .max_by_key(|&i| (counts[i], i))
            .unwrap_or_default();
        &self.versions[best]
    }

    /// Direct broader competencies.
    pub fn broader(&self, idx: CompetencyIdx) -> &[CompetencyIdx] {
        &self.broader[idx.0 as usize]
    }

    /// Direct narrower competencies.
    pub fn narrower(&self, idx: CompetencyIdx) -> &[CompetencyIdx] {
        &self.narrower[idx.0 as usize]
    }

    /// Related competencies (symmetric).
    pub fn related(&self, idx: CompetencyIdx) -> &[CompetencyIdx] {
        &self.related[idx.0 as usize]
    }

    /// How `a` relates to `b`: the same, a direct narrower or broader concept,
    /// or explicitly related; `None` when unrelated. Siblings under one
    /// parent do not count: in ESCO a parent can have hundreds of children.
    pub fn relation(&self, a: CompetencyIdx, b: CompetencyIdx) -> Option<Relation> {
        if a == b {
            return Some(Relation::Same);
        }
        if self.broader(a).contains(&b) {
            return Some(Relation::Narrower);
        }
        if self.broader(b).contains(&a) {
            return Some(Relation::Broader);
        }
        if self.related(a).contains(&b) {
            return Some(Relation::Related);
        }
        None
    }

    /// All occupations.
    pub fn occupations(&self) -> &[Occupation] {
        &self.occupations
    }

    /// Looks an occupation up by URI.
    pub fn occupation(&self, uri: &str) -> Option<&Occupation> {
        self.occupation_index(uri).map(|i| &self.occupations[i])
    }

    /// The index of an occupation in [`Taxonomy::occupations`].
    pub fn occupation_index(&self, uri: &str) -> Option<usize> {
        self.occupation_by_uri.get(uri).copied()
    }

    /// The release an occupation (by index) comes from.
    pub fn occupation_version_of(&self, index: usize) -> &TaxonomyVersion {
        &self.versions[self.occupation_version_of[index] as usize]
    }

    /// Loaded occupations of other taxonomies linked to this one by a
    /// crosswalk, in either direction.
    pub fn linked_occupations(&self, index: usize) -> &[usize] {
        &self.occupation_links[index]
    }

    /// Label search (preferred and alternative labels, prefix, typo tolerant).
    pub fn search(&self) -> &LabelSearch {
        &self.search
    }
}
