//! Competencies to protobuf.

use crate::domain::{CompetencyKind, TaxonomyVersion, ValidationError};
use crate::pb;
use crate::taxonomy::{CompetencyIdx, Taxonomy};

/// How much of each concept a response carries (AIP-157 partial responses).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ConceptView {
    /// URI, preferred label, type, taxonomy and release; occupations also
    /// their code and crosswalk counterparts. The default.
    #[default]
    Basic,
    /// The whole record.
    Full,
}

impl ConceptView {
    /// The view a request asks for; UNSPECIFIED is BASIC.
    pub fn from_pb(value: i32, field: &str) -> Result<Self, ValidationError> {
        match pb::ConceptView::try_from(value) {
            Ok(pb::ConceptView::Unspecified | pb::ConceptView::Basic) => Ok(Self::Basic),
            Ok(pb::ConceptView::Full) => Ok(Self::Full),
            Err(_) => Err(ValidationError::field(
                field,
                "must be CONCEPT_VIEW_BASIC or CONCEPT_VIEW_FULL",
            )),
        }
    }
}

/// A taxonomy version as protobuf.
pub fn taxonomy_version_to_pb(version: &TaxonomyVersion) -> pb::TaxonomyVersion {
    pb::TaxonomyVersion {
        id: version.id.clone(),
        version: version.version.clone(),
    }
}

/// A competency in `view`: the basic fields, or the whole record with its
/// labels, description and links.
pub fn competency_to_pb(
    taxonomy: &Taxonomy,
    idx: CompetencyIdx,
    view: ConceptView,
) -> pb::Competency {
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
    let basic = pb::Competency {
        uri: competency.uri.clone(),
        preferred_label: competency.preferred_label.clone(),
        r#type: kind.into(),
        taxonomy: Some(taxonomy_version_to_pb(taxonomy.version_of(idx))),
        ..pb::Competency::default()
    };
    if view == ConceptView::Basic {
        return basic;
    }
    pb::Competency {
        alt_labels: competency.alt_labels.clone(),
        hidden_labels: competency.hidden_labels.clone(),
        description: competency.description.clone(),
        reuse_level: competency.reuse_level.clone().unwrap_or_default(),
        broader_uris: uris(taxonomy.broader(idx)),
        narrower_uris: uris(taxonomy.narrower(idx)),
        related_uris: uris(taxonomy.related(idx)),
        collections: competency.collections.clone(),
        ..basic
    }
}

/// A URI with its preferred label (the URI again when it is not loaded).
pub fn competency_ref(taxonomy: &Taxonomy, uri: &str) -> pb::CompetencyRef {
    pb::CompetencyRef {
        uri: uri.to_owned(),
        preferred_label: taxonomy.label(uri).to_owned(),
    }
}
