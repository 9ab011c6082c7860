//! The vector side of extraction: every competency's and occupation's vector
//! (computed once per release by the configured [`Embedder`], see
//! `taxonomy::vectors`) in one matrix per kind, indexed like the taxonomy,
//! and the cosine of a text's vector with all of them.

use std::ops::Range;
use std::sync::Arc;

use ndarray::{Array1, Array2};

use super::EvidenceSpan;
use super::occupations::TitleVotesIn;
use super::spans::{sentences, span};
use super::terms::terms;
use crate::domain::TaxonomyVersion;
use crate::embed::{
    Embedder, Embedding, EmbeddingMatrix, OccupationPrior, ResolvedNeighbours, ScreenedMatrix,
};
use crate::taxonomy::vectors::{self, ConceptVectors};
use crate::taxonomy::{CompetencyIdx, Taxonomy, TaxonomyPart};

/// The vectors of one release's concepts with the URIs of their rows.
#[derive(Debug, Clone)]
pub struct ReleaseVectors {
    /// The release.
    pub version: TaxonomyVersion,
    /// URI of each competency row.
    pub competency_uris: Vec<String>,
    /// URI of each occupation row.
    pub occupation_uris: Vec<String>,
    /// The vectors.
    pub vectors: ConceptVectors,
}

impl ReleaseVectors {
    /// Pairs a release with its vectors.
    pub fn new(part: &TaxonomyPart, vectors: ConceptVectors) -> Self {
        Self {
            version: part.version.clone(),
            competency_uris: part.competencies.iter().map(|c| c.uri.clone()).collect(),
            occupation_uris: part.occupations.iter().map(|o| o.uri.clone()).collect(),
            vectors,
        }
    }
}

/// Concept vectors of a whole taxonomy and the embedder for texts.
#[derive(Debug)]
pub struct ConceptSpace {
    embedder: Arc<dyn Embedder>,
    skills: ScreenedMatrix,
    occupations: EmbeddingMatrix,
    /// The embedder's occupation prior per occupation (taxonomy order), if
    /// it has one.
    occupation_prior: Option<Array1<f32>>,
    /// The embedder's title votes by occupation (taxonomy index), if it
    /// has them.
    title_votes: Option<TitleVotesIn>,
    /// The embedder's vacancy title vectors by occupation (taxonomy
    /// index), if it has them.
    title_neighbours: Option<ResolvedNeighbours>,
}

/// A text's vector and the cosine of every competency with it.
#[derive(Debug, Clone)]
pub struct TextVectors {
    /// Cosine per competency (taxonomy index order): exact for every
    /// competency above the floor it was computed for, at most that floor
    /// for the others ([`ScreenedMatrix::cosines_above`]).
    pub skills: Array1<f32>,
    /// Competencies whose cosine a phrase window of the text raised, each
    /// with that window (a range of the text's terms), in the order
    /// raised: a competency's last entry is its closest window.
    pub raised_by: Vec<(CompetencyIdx, Range<usize>)>,
}

impl TextVectors {
    /// The phrase window closest to a competency, if one came closer than
    /// the whole text.
    pub fn closest_window(&self, competency: CompetencyIdx) -> Option<Range<usize>> {
        self.raised_by
            .iter()
            .rev()
            .find(|(c, _)| *c == competency)
            .map(|(_, window)| window.clone())
    }
}

/// The embedder's occupation prior of each occupation of the taxonomy.
fn prior_of(embedder: &dyn Embedder, taxonomy: &Taxonomy) -> Option<Array1<f32>> {
    let prior: &OccupationPrior = embedder.occupation_prior()?;
    Some(
        taxonomy
            .occupations()
            .iter()
            .map(|o| prior.of(&o.uri))
            .collect(),
    )
}

/// The embedder's title votes with occupations by taxonomy index.
fn votes_of(embedder: &dyn Embedder, taxonomy: &Taxonomy) -> Option<TitleVotesIn> {
    let votes = embedder
        .title_votes()?
        .resolve(|uri| occupation_at(taxonomy, uri));
    Some(TitleVotesIn::new(votes, taxonomy))
}

/// The embedder's title neighbours with occupations by taxonomy index.
fn neighbours_of(embedder: &dyn Embedder, taxonomy: &Taxonomy) -> Option<ResolvedNeighbours> {
    Some(
        embedder
            .title_neighbours()?
            .resolve(|uri| occupation_at(taxonomy, uri)),
    )
}

/// The taxonomy index of the occupation `uri` names, as the learnt files
/// resolve it.
fn occupation_at(taxonomy: &Taxonomy, uri: &str) -> Option<u32> {
    u32::try_from(taxonomy.occupation_index(uri)?).ok()
}

impl ConceptSpace {
    /// Places each release's rows at the taxonomy index of its concepts;
    /// concepts superseded by a later release take that release's rows, and
    /// concepts of no listed release stay zero (no vector score).
    pub fn assemble(
        embedder: Arc<dyn Embedder>,
        taxonomy: &Taxonomy,
        releases: &[ReleaseVectors],
    ) -> Self {
        let dim = embedder.dim();
        let mut skills = Array2::<f32>::zeros((taxonomy.len(), dim));
        let mut occupations = Array2::<f32>::zeros((taxonomy.occupations().len(), dim));
        for release in releases {
            if release.vectors.embedder != embedder.id() {
                continue;
            }
            let rows = release.vectors.competencies.rows();
            for (row, uri) in release.competency_uris.iter().enumerate() {
                if let Some(idx) = taxonomy.idx(uri) {
                    if *taxonomy.version_of(idx) == release.version {
                        skills.row_mut(idx.0 as usize).assign(&rows.row(row));
                    }
                }
            }
            let rows = release.vectors.occupations.rows();
            for (row, uri) in release.occupation_uris.iter().enumerate() {
                if let Some(index) = taxonomy.occupation_index(uri) {
                    if *taxonomy.occupation_version_of(index) == release.version {
                        occupations.row_mut(index).assign(&rows.row(row));
                    }
                }
            }
        }
        Self {
            occupation_prior: prior_of(embedder.as_ref(), taxonomy),
            title_votes: votes_of(embedder.as_ref(), taxonomy),
            title_neighbours: neighbours_of(embedder.as_ref(), taxonomy),
            embedder,
            skills: ScreenedMatrix::new(EmbeddingMatrix::from_rows(skills)),
            occupations: EmbeddingMatrix::from_rows(occupations),
        }
    }

    /// Embeds every concept of the taxonomy now, with nothing persisted
    /// (tests, and taxonomies built in memory).
    pub fn compute(embedder: Arc<dyn Embedder>, taxonomy: &Taxonomy) -> Self {
        let part = TaxonomyPart {
            version: taxonomy.primary_version().clone(),
            competencies: taxonomy.competencies().to_vec(),
            occupations: taxonomy.occupations().to_vec(),
        };
        let vectors = vectors::compute(embedder.as_ref(), &part);
        Self {
            occupation_prior: prior_of(embedder.as_ref(), taxonomy),
            title_votes: votes_of(embedder.as_ref(), taxonomy),
            title_neighbours: neighbours_of(embedder.as_ref(), taxonomy),
            embedder,
            skills: ScreenedMatrix::new(vectors.competencies),
            occupations: vectors.occupations,
        }
    }

    /// The embedder.
    pub fn embedder(&self) -> &Arc<dyn Embedder> {
        &self.embedder
    }

    /// Id of the embedder.
    pub fn embedder_id(&self) -> &str {
        self.embedder.id()
    }

    /// The occupation vectors (taxonomy order).
    pub fn occupations(&self) -> &EmbeddingMatrix {
        &self.occupations
    }

    /// The embedder's prior of every occupation (taxonomy order), in
    /// [0, 1], when the embedder has one ([`OccupationPrior`]).
    pub fn occupation_prior(&self) -> Option<&Array1<f32>> {
        self.occupation_prior.as_ref()
    }

    /// The embedder's title votes, occupations by taxonomy index
    /// ([`crate::embed::TitleVotes`]), when the embedder has them.
    pub fn title_votes(&self) -> Option<&TitleVotesIn> {
        self.title_votes.as_ref()
    }

    /// The embedder's vacancy titles' vectors, occupations by taxonomy
    /// index ([`crate::embed::TitleNeighbours`]), when the embedder has them.
    pub fn title_neighbours(&self) -> Option<&ResolvedNeighbours> {
        self.title_neighbours.as_ref()
    }

    /// The embedder's learnt fusion of a title's candidate occupations
    /// ([`crate::embed::TitleFusion`]), when the embedder has one.
    pub fn title_fusion(&self) -> Option<&crate::embed::TitleFusion> {
        self.embedder.title_fusion()
    }

    /// The cosine of a text's vector (made by this space's embedder) with
    /// every occupation's vector (taxonomy order).
    pub fn occupation_cosines_of(&self, query: &Embedding) -> Array1<f32> {
        self.occupations.cosines(query)
    }

    /// Scores every competency against a text's vector (made by this
    /// space's embedder); the cosines at or below `floor` (which map to no
    /// vector score) may be int8 estimates.
    pub fn score_of(&self, query: &Embedding, floor: f32) -> TextVectors {
        TextVectors {
            skills: self.skills.cosines_above(query, floor),
            raised_by: Vec::new(),
        }
    }

    /// The exact cosine of a text's vector (made by this space's embedder)
    /// with each of some competencies', in their order.
    pub fn competency_cosines(&self, query: &Embedding, competencies: &[usize]) -> Vec<f32> {
        self.skills.exact().cosines_at(query, competencies)
    }

    /// The sentence of `input` closest to each competency, as evidence of a
    /// semantic match: one batch embeds the sentences, then one small product
    /// per competency. A competency with no close sentence gets the whole text.
    pub fn evidence(&self, input: &str, competencies: &[CompetencyIdx]) -> Vec<EvidenceSpan> {
        let all = terms(input);
        let ranges: Vec<(usize, usize)> = sentences(input, &all)
            .into_iter()
            .filter_map(|s| Some((s.first()?.token.start, s.last()?.token.end)))
            .collect();
        let whole = (
            all.first().map_or(0, |t| t.token.start),
            all.last().map_or(input.len(), |t| t.token.end),
        );
        if ranges.len() <= 1 {
            return competencies
                .iter()
                .map(|_| span(input, whole.0, whole.1))
                .collect();
        }
        let texts: Vec<&str> = ranges.iter().map(|&(b, e)| &input[b..e]).collect();
        let sentence_vectors = self.embedder.embed_batch(&texts);
        competencies
            .iter()
            .map(|c| {
                let concept = self.skills.exact().rows().row(c.0 as usize).to_owned();
                let best = Embedding::normalize(concept).and_then(|concept| {
                    let cosines = sentence_vectors.cosines(&concept);
                    (0..cosines.len()).max_by(|&a, &b| cosines[a].total_cmp(&cosines[b]))
                });
                let (begin, end) = best.map_or(whole, |i| ranges[i]);
                span(input, begin, end)
            })
            .collect()
    }
}
