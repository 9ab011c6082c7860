//! Occupations to protobuf.

use super::{ConceptView, taxonomy_version_to_pb};
use crate::pb;
use crate::taxonomy::Taxonomy;

/// An occupation (by index into [`Taxonomy::occupations`]) in `view`, with
/// its taxonomy version and crosswalk counterparts.
pub fn occupation_to_pb(taxonomy: &Taxonomy, index: usize, view: ConceptView) -> pb::Occupation {
    let occupation = &taxonomy.occupations()[index];
    let mut crosswalk_uris: Vec<String> = occupation.linked.clone();
    let linked_occupations = taxonomy
        .linked_occupations(index)
        .iter()
        .map(|&other| {
            let uri = &taxonomy.occupations()[other].uri;
            if !crosswalk_uris.contains(uri) {
                crosswalk_uris.push(uri.clone());
            }
            occupation_ref(taxonomy, other)
        })
        .collect();
    let basic = pb::Occupation {
        uri: occupation.uri.clone(),
        preferred_label: occupation.preferred_label.clone(),
        code: occupation.code.clone(),
        taxonomy: Some(taxonomy_version_to_pb(
            taxonomy.occupation_version_of(index),
        )),
        linked_occupations,
        ..pb::Occupation::default()
    };
    if view == ConceptView::Basic {
        return basic;
    }
    pb::Occupation {
        alt_labels: occupation.alt_labels.clone(),
        hidden_labels: occupation.hidden_labels.clone(),
        description: occupation.description.clone(),
        isco_group: occupation.isco_group.clone(),
        essential_competency_uris: occupation.essential.clone(),
        optional_competency_uris: occupation.optional.clone(),
        crosswalk_uris,
        ..basic
    }
}

/// An occupation's URI, preferred label and taxonomy version.
pub fn occupation_ref(taxonomy: &Taxonomy, index: usize) -> pb::OccupationRef {
    let occupation = &taxonomy.occupations()[index];
    pb::OccupationRef {
        uri: occupation.uri.clone(),
        preferred_label: occupation.preferred_label.clone(),
        taxonomy: Some(taxonomy_version_to_pb(
            taxonomy.occupation_version_of(index),
        )),
    }
}
