//! Which credentials teach each competency, on dense integer ordinals: the
//! posting lists MatchCredentials walks instead of URI strings. Part of the
//! in-memory catalogue view, updated with it on every committed change.

use std::collections::HashMap;
use std::sync::Arc;

use crate::domain::{CredentialId, Microcredential};
use crate::embed::Embedding;
use crate::taxonomy::{CompetencyIdx, Taxonomy};

/// A credential's dense position in the view; reused after a delete.
pub type Ordinal = u32;

/// The quality markers soft boosts read, copied out of the credential so
/// scoring a candidate touches no credential record.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct QualityMarkers {
    /// Learning is assessed before award.
    pub assessed: bool,
    /// Accredited by at least one body.
    pub accredited: bool,
    /// Part of, or made of, other credentials.
    pub stackable: bool,
}

impl QualityMarkers {
    /// The markers of a credential.
    pub fn of(credential: &Microcredential) -> Self {
        Self {
            assessed: credential.assessed,
            accredited: credential.is_accredited(),
            stackable: credential.is_stackable(),
        }
    }
}

/// Credentials by ordinal and, per taught competency, the ordinals of the
/// credentials that teach it.
#[derive(Debug, Default)]
pub struct TeachingIndex {
    slots: Vec<Option<Arc<Microcredential>>>,
    markers: Vec<QualityMarkers>,
    /// Embeddings of the credentials' title, description and outcomes.
    vectors: VectorRows,
    ordinals: HashMap<CredentialId, Ordinal>,
    free: Vec<Ordinal>,
    /// Posting lists of taxonomy competencies, by [`CompetencyIdx`].
    by_competency: Vec<Vec<Ordinal>>,
    /// Posting lists of taught URIs the taxonomy does not have.
    by_other_uri: HashMap<String, Vec<Ordinal>>,
}

impl TeachingIndex {
    /// Adds a credential (whose id is not in the index) with its text embedding.
    pub(super) fn insert(
        &mut self,
        taxonomy: &Taxonomy,
        credential: &Arc<Microcredential>,
        vector: Option<Embedding>,
    ) {
        let ordinal = match self.free.pop() {
            Some(free) => free,
            None => {
                self.slots.push(None);
                self.markers.push(QualityMarkers::default());
                Ordinal::try_from(self.slots.len() - 1).expect("fewer than 2^32 credentials")
            }
        };
        self.slots[ordinal as usize] = Some(credential.clone());
        self.markers[ordinal as usize] = QualityMarkers::of(credential);
        self.vectors.set(ordinal, vector.as_ref());
        self.ordinals.insert(credential.id.clone(), ordinal);
        for taught in &credential.competencies {
            self.list_mut(taxonomy, &taught.uri).push(ordinal);
        }
    }

    /// Removes a credential when present.
    pub(super) fn remove(&mut self, taxonomy: &Taxonomy, credential: &Microcredential) {
        let Some(ordinal) = self.ordinals.remove(&credential.id) else {
            return;
        };
        for taught in &credential.competencies {
            self.list_mut(taxonomy, &taught.uri)
                .retain(|&other| other != ordinal);
        }
        self.slots[ordinal as usize] = None;
        self.vectors.set(ordinal, None);
        self.free.push(ordinal);
    }

    fn list_mut(&mut self, taxonomy: &Taxonomy, uri: &str) -> &mut Vec<Ordinal> {
        match taxonomy.idx(uri) {
            Some(CompetencyIdx(idx)) => {
                let idx = idx as usize;
                if self.by_competency.len() <= idx {
                    self.by_competency.resize_with(idx + 1, Vec::new);
                }
                &mut self.by_competency[idx]
            }
            None => self.by_other_uri.entry(uri.to_owned()).or_default(),
        }
    }

    /// One past the largest ordinal in use: the size of per-ordinal scratch arrays.
    pub fn ordinal_bound(&self) -> usize {
        self.slots.len()
    }

    /// The credential at an ordinal, `None` for a free one.
    pub fn credential(&self, ordinal: Ordinal) -> Option<&Arc<Microcredential>> {
        self.slots.get(ordinal as usize)?.as_ref()
    }

    /// The quality markers of the credential at an ordinal (all false for a free one).
    pub fn markers(&self, ordinal: Ordinal) -> QualityMarkers {
        self.markers
            .get(ordinal as usize)
            .copied()
            .unwrap_or_default()
    }

    /// Cosine of the credential's text embedding with the job's, clamped to
    /// [0, 1]; 0 when either has no embedding.
    pub fn vector_similarity(&self, ordinal: Ordinal, job: Option<&Embedding>) -> f64 {
        match (self.vectors.row(ordinal), job) {
            (Some(credential), Some(job)) => {
                f64::from(job.cosine_with_row(credential)).clamp(0.0, 1.0)
            }
            _ => 0.0,
        }
    }

    /// Whether the credential at an ordinal has a text embedding.
    pub fn has_vector(&self, ordinal: Ordinal) -> bool {
        self.vectors.row(ordinal).is_some()
    }

    /// The ordinal of a credential id.
    pub fn ordinal(&self, id: &CredentialId) -> Option<Ordinal> {
        self.ordinals.get(id).copied()
    }

    /// Ordinals of the credentials teaching a taxonomy competency.
    pub fn teaching(&self, competency: CompetencyIdx) -> &[Ordinal] {
        self.by_competency
            .get(competency.0 as usize)
            .map_or(&[], Vec::as_slice)
    }

    /// Ordinals of the credentials teaching a URI the taxonomy does not have.
    pub fn teaching_other(&self, uri: &str) -> &[Ordinal] {
        self.by_other_uri.get(uri).map_or(&[], Vec::as_slice)
    }
}

/// Credential embeddings by ordinal in one contiguous array of rows, so
/// scoring candidates reads rows of one allocation instead of a heap array
/// per credential.
#[derive(Debug, Default)]
struct VectorRows {
    /// Row `o` is `components[o * dim..(o + 1) * dim]`.
    components: Vec<f32>,
    /// Whether ordinal `o` has an embedding (none without an embedder, for a
    /// text with no content, or for a free ordinal).
    present: Vec<bool>,
    /// Dimension of the rows: that of the first embedding stored.
    dim: usize,
}

impl VectorRows {
    /// Stores (or clears) the embedding of an ordinal.
    fn set(&mut self, ordinal: Ordinal, vector: Option<&Embedding>) {
        let at = ordinal as usize;
        if self.present.len() <= at {
            self.present.resize(at + 1, false);
        }
        self.present[at] = false;
        let Some(vector) = vector else {
            return;
        };
        let components = vector.view();
        if self.dim == 0 {
            self.dim = components.len();
        }
        assert_eq!(
            components.len(),
            self.dim,
            "credential embeddings of one catalogue have one dimension"
        );
        let end = (at + 1) * self.dim;
        if self.components.len() < end {
            self.components.resize(end, 0.0);
        }
        for (stored, &component) in self.components[at * self.dim..end]
            .iter_mut()
            .zip(components.iter())
        {
            *stored = component;
        }
        self.present[at] = true;
    }

    /// The embedding of an ordinal, when it has one.
    fn row(&self, ordinal: Ordinal) -> Option<&[f32]> {
        let at = ordinal as usize;
        if !self.present.get(at).copied().unwrap_or(false) {
            return None;
        }
        self.components.get(at * self.dim..(at + 1) * self.dim)
    }
}
