//! Building a [`Taxonomy`] from one or more releases: later releases
//! supersede concepts of earlier ones that share a URI.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::{CompetencyIdx, LabelSearch, Taxonomy, TaxonomyError};
use crate::domain::{Competency, Occupation, TaxonomyVersion};

/// The concepts of one taxonomy release, as read from a release directory
/// or a snapshot in the data directory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaxonomyPart {
    /// Which taxonomy and release.
    pub version: TaxonomyVersion,
    /// Skills, knowledge and attitudes.
    pub competencies: Vec<Competency>,
    /// Occupations.
    pub occupations: Vec<Occupation>,
}

/// Concepts keyed by URI, each stamped with the index of its release.
struct Merged<T> {
    items: Vec<T>,
    version_of: Vec<u16>,
    by_uri: HashMap<String, usize>,
}

impl<T> Merged<T> {
    fn new() -> Self {
        Self {
            items: Vec::new(),
            version_of: Vec::new(),
            by_uri: HashMap::new(),
        }
    }

    /// Adds one release's items; a URI already present is replaced in place.
    fn add(
        &mut self,
        version: u16,
        items: Vec<T>,
        uri: impl Fn(&T) -> &str,
    ) -> Result<(), TaxonomyError> {
        let mut seen = HashSet::with_capacity(items.len());
        for item in items {
            let key = uri(&item).to_owned();
            if !seen.insert(key.clone()) {
                return Err(TaxonomyError::DuplicateUri(key));
            }
            if let Some(&index) = self.by_uri.get(&key) {
                self.items[index] = item;
                self.version_of[index] = version;
            } else {
                self.by_uri.insert(key, self.items.len());
                self.items.push(item);
                self.version_of.push(version);
            }
        }
        Ok(())
    }
}

impl Taxonomy {
    /// Builds a taxonomy from the concepts of one release. Links to URIs that
    /// are not loaded are dropped; they cannot be resolved or explained.
    pub fn build(
        version: TaxonomyVersion,
        competencies: Vec<Competency>,
        occupations: Vec<Occupation>,
    ) -> Result<Self, TaxonomyError> {
        Self::assemble(vec![TaxonomyPart {
            version,
            competencies,
            occupations,
        }])
    }

    /// Builds one taxonomy from several releases, in order: a concept of a
    /// later release replaces a concept of an earlier one with the same URI.
    /// Each concept remembers the release it comes from.
    pub fn assemble(parts: Vec<TaxonomyPart>) -> Result<Self, TaxonomyError> {
        Self::assemble_with_index(parts, None)
    }

    /// Like [`Taxonomy::assemble`], keeping the label index in `index_folder`
    /// (reopened when it already holds the index of the same labels) instead
    /// of building it in memory.
    pub fn assemble_with_index(
        parts: Vec<TaxonomyPart>,
        index_folder: Option<&Path>,
    ) -> Result<Self, TaxonomyError> {
        let mut versions = Vec::with_capacity(parts.len());
        let mut competencies = Merged::new();
        let mut occupations = Merged::new();
        for (index, part) in parts.into_iter().enumerate() {
            let version = u16::try_from(index).expect("fewer than 2^16 releases");
            versions.push(part.version);
            competencies.add(version, part.competencies, |c: &Competency| &c.uri)?;
            occupations.add(version, part.occupations, |o: &Occupation| &o.uri)?;
        }
        let by_uri: HashMap<String, CompetencyIdx> = competencies
            .by_uri
            .into_iter()
            .map(|(uri, index)| {
                let index = u32::try_from(index).expect("fewer than 2^32 competencies");
                (uri, CompetencyIdx(index))
            })
            .collect();
        let competencies_list = competencies.items;
        let (broader, narrower, related) = links(&competencies_list, &by_uri);
        let occupation_links = occupation_links(&occupations.items, &occupations.by_uri);
        let search = match index_folder {
            Some(folder) => LabelSearch::open_or_build(&competencies_list, folder)?,
            None => LabelSearch::build(&competencies_list)?,
        };
        let filter_values = super::filter::FilterValues::of(&competencies_list);
        Ok(Self {
            filter_values,
            competencies: competencies_list,
            versions,
            version_of: competencies.version_of,
            by_uri,
            broader,
            narrower,
            related,
            occupations: occupations.items,
            occupation_version_of: occupations.version_of,
            occupation_by_uri: occupations.by_uri,
            occupation_links,
            search,
        })
    }
}

type Links = Vec<Vec<CompetencyIdx>>;

/// Broader, narrower and (symmetric) related links between loaded competencies.
fn links(
    competencies: &[Competency],
    by_uri: &HashMap<String, CompetencyIdx>,
) -> (Links, Links, Links) {
    let resolve = |uris: &[String]| -> Vec<CompetencyIdx> {
        let mut resolved: Vec<CompetencyIdx> = uris
            .iter()
            .filter_map(|uri| by_uri.get(uri).copied())
            .collect();
        resolved.dedup();
        resolved
    };
    let broader: Links = competencies.iter().map(|c| resolve(&c.broader)).collect();
    let mut narrower = vec![Vec::new(); competencies.len()];
    for (child, parents) in broader.iter().enumerate() {
        for parent in parents {
            narrower[parent.0 as usize].push(CompetencyIdx(child as u32));
        }
    }
    let mut related: Links = competencies.iter().map(|c| resolve(&c.related)).collect();
    let mut related_sets: Vec<HashSet<CompetencyIdx>> = related
        .iter()
        .map(|links| links.iter().copied().collect())
        .collect();
    for index in 0..related.len() {
        for other in related[index].clone() {
            let this = CompetencyIdx(index as u32);
            if related_sets[other.0 as usize].insert(this) {
                related[other.0 as usize].push(this);
            }
        }
    }
    (broader, narrower, related)
}

/// Crosswalk links between loaded occupations, made symmetric.
fn occupation_links(
    occupations: &[Occupation],
    by_uri: &HashMap<String, usize>,
) -> Vec<Vec<usize>> {
    let mut links = vec![Vec::new(); occupations.len()];
    for (index, occupation) in occupations.iter().enumerate() {
        for uri in &occupation.linked {
            if let Some(&other) = by_uri.get(uri) {
                if other == index {
                    continue;
                }
                if !links[index].contains(&other) {
                    links[index].push(other);
                }
                if !links[other].contains(&index) {
                    links[other].push(index);
                }
            }
        }
    }
    links
}

#[cfg(test)]
mod tests {
    use super::*;

    fn competency(uri: &str, label: &str) -> Competency {
        Competency::skill(uri, label)
    }

    fn version(id: &str) -> TaxonomyVersion {
        TaxonomyVersion {
            id: id.into(),
            version: "1".into(),
        }
    }

    #[test]
    fn later_releases_supersede_earlier_concepts_with_the_same_uri() {
        let taxonomy = Taxonomy::assemble(vec![
            TaxonomyPart {
                version: version("sample"),
                competencies: vec![competency("u:a", "old a"), competency("u:b", "b")],
                occupations: Vec::new(),
            },
            TaxonomyPart {
                version: version("esco"),
                competencies: vec![competency("u:a", "new a"), competency("u:c", "c")],
                occupations: vec![Occupation {
                    uri: "o:1".into(),
                    linked: vec!["o:2".into()],
                    ..Occupation::default()
                }],
            },
            TaxonomyPart {
                version: version("onet"),
                competencies: Vec::new(),
                occupations: vec![Occupation {
                    uri: "o:2".into(),
                    ..Occupation::default()
                }],
            },
        ])
        .unwrap();
        assert_eq!(taxonomy.len(), 3);
        let a = taxonomy.idx("u:a").unwrap();
        assert_eq!(taxonomy.get(a).preferred_label, "new a");
        assert_eq!(taxonomy.version_of(a).id, "esco");
        assert_eq!(
            taxonomy.version_of(taxonomy.idx("u:b").unwrap()).id,
            "sample"
        );
        assert_eq!(taxonomy.primary_version().id, "esco");
        let o2 = taxonomy.occupation_index("o:2").unwrap();
        assert_eq!(taxonomy.occupation_version_of(o2).id, "onet");
        assert_eq!(taxonomy.linked_occupations(o2), &[0]);
        assert_eq!(taxonomy.linked_occupations(0), &[o2]);
    }

    #[test]
    fn a_uri_twice_in_one_release_is_an_error() {
        let result = Taxonomy::build(
            version("x"),
            vec![competency("u:a", "a"), competency("u:a", "a again")],
            Vec::new(),
        );
        assert!(matches!(result, Err(TaxonomyError::DuplicateUri(_))));
    }
}
