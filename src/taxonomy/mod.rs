//! The loaded taxonomies: competencies by URI, their hierarchy and relations,
//! and label search over them.

pub mod esco;
mod sample;
mod search;

use std::collections::HashMap;

pub use sample::{SAMPLE_COMPETENCIES_JSONL, load_sample};
pub use search::{LabelSearch, SearchHit};

use crate::domain::{Competency, Occupation, TaxonomyVersion};

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
    occupation_by_uri: HashMap<String, usize>,
    search: LabelSearch,
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
    /// Builds a taxonomy from competencies of one release. Links to URIs that
    /// are not loaded are dropped; they cannot be resolved or explained.
    pub fn build(
        version: TaxonomyVersion,
        competencies: Vec<Competency>,
        occupations: Vec<Occupation>,
    ) -> Result<Self, TaxonomyError> {
        let mut by_uri = HashMap::with_capacity(competencies.len());
        for (index, competency) in competencies.iter().enumerate() {
            let idx = CompetencyIdx(u32::try_from(index).expect("fewer than 2^32 competencies"));
            if by_uri.insert(competency.uri.clone(), idx).is_some() {
                return Err(TaxonomyError::DuplicateUri(competency.uri.clone()));
            }
        }
        let resolve = |uris: &[String]| -> Vec<CompetencyIdx> {
            uris.iter()
                .filter_map(|uri| by_uri.get(uri).copied())
                .collect()
        };
        let broader: Vec<Vec<CompetencyIdx>> =
            competencies.iter().map(|c| resolve(&c.broader)).collect();
        let mut narrower = vec![Vec::new(); competencies.len()];
        for (child, parents) in broader.iter().enumerate() {
            for parent in parents {
                narrower[parent.0 as usize].push(CompetencyIdx(child as u32));
            }
        }
        let mut related: Vec<Vec<CompetencyIdx>> =
            competencies.iter().map(|c| resolve(&c.related)).collect();
        for index in 0..related.len() {
            for other in related[index].clone() {
                let back = &mut related[other.0 as usize];
                if !back.contains(&CompetencyIdx(index as u32)) {
                    back.push(CompetencyIdx(index as u32));
                }
            }
        }
        let search = LabelSearch::build(&competencies)?;
        let occupation_by_uri = occupations
            .iter()
            .enumerate()
            .map(|(index, occupation)| (occupation.uri.clone(), index))
            .collect();
        Ok(Self {
            occupations,
            occupation_by_uri,
            version_of: vec![0; competencies.len()],
            versions: vec![version],
            competencies,
            by_uri,
            broader,
            narrower,
            related,
            search,
        })
    }

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
        self.occupation_by_uri
            .get(uri)
            .map(|&i| &self.occupations[i])
    }

    /// Label search (preferred and alternative labels, prefix, typo tolerant).
    pub fn search(&self) -> &LabelSearch {
        &self.search
    }
}
