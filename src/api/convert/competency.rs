//! Competencies to protobuf.

use crate::domain::{CompetencyKind, TaxonomyVersion};
use crate::pb;
use crate::taxonomy::{CompetencyIdx, Taxonomy};

/// A taxonomy version as protobuf.
pub fn taxonomy_version_to_pb(version: &TaxonomyVersion) -> pb::TaxonomyVersion {
    pb::TaxonomyVersion {
        id: version.id.clone(),
        version: version.version.clone(),
    }
}

/// A full competency, with its links and taxonomy version.
pub fn competency_to_pb(taxonomy: &Taxonomy, idx: CompetencyIdx) -> pb::Competency {
    let competency = taxonomy.get(idx);
    let uris = |links: &[CompetencyIdx]| -> Vec<String> {
        links
            .iter()
            .map(|link| taxonomy.get(*link).uri.clone())
            .collect()
    };
    let kind = match competency.kind {
        CompetencyKind::Skill => pb::CompetencyType::Skill,
        CompetencyKind::Knowledge => pb::CompetencyType::Knowledge,
        CompetencyKind::Attitude => pb::CompetencyType::Attitude,
    };
    pb::Competency {
        uri: competency.uri.clone(),
        preferred_label: competency.preferred_label.clone(),
        alt_labels: competency.alt_labels.clone(),
        hidden_labels: competency.hidden_labels.clone(),
        description: competency.description.clone(),
        r#type: kind.into(),
        reuse_level: competency.reuse_level.clone().unwrap_or_default(),
        broader_uris: uris(taxonomy.broader(idx)),
        narrower_uris: uris(taxonomy.narrower(idx)),
        related_uris: uris(taxonomy.related(idx)),
        taxonomy: Some(taxonomy_version_to_pb(taxonomy.version_of(idx))),
        collections: competency.collections.clone(),
    }
}

/// A URI with its preferred label (the URI again when it is not loaded).
pub fn competency_ref(taxonomy: &Taxonomy, uri: &str) -> pb::CompetencyRef {
    pb::CompetencyRef {
        uri: uri.to_owned(),
        preferred_label: taxonomy.label(uri).to_owned(),
    }
}
