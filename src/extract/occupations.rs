//! Occupation inference, three kinds of support fused after scaling each to
//! the best occupation: the title line of a text matched segment by segment
//! against every occupation label with BM25; the whole text matched with
//! BM25 against each occupation's labels and description; and, for texts
//! with a body, the longest occupation label found as a phrase. With an
//! embedder, a fourth: the cosine of the title line's vector with each
//! occupation's vector, mapped linearly from [floor, 1] to [0, 1], for the
//! lexical candidates plus the occupations nearest by cosine. A posting
//! takes part of its support from the whole posting instead of its title
//! line ([`Tuning::posting_share`]). With an embedder that has an
//! occupation prior (how often vacancy titles name each occupation), the
//! prior is a fifth part, not scaled: it weighs a candidate, it finds none.

use std::collections::BinaryHeap;

use ndarray::Array1;

use super::best_first::{BestFirst, rank_key, score_of_key};
use super::label_index::{LabelIndex, tagged_labels};
use super::phrases::PhraseMatcher;
use super::scope::{OccupationAnswer, Scope};
use super::spans::{merged_spans, span_of, title_end, title_segments};
use super::sparse::SparseTable;
use super::terms::TextTerm;
use super::title_neighbours::nearest_titles;
use super::tuning::Tuning;
use super::{EvidenceSpan, Reason};
use crate::embed::{FusionParts, ResolvedNeighbours, ResolvedVotes, TitleFusion, softmax_shares};
use crate::taxonomy::Taxonomy;

/// An occupation with its fused score and what evidences it.
#[derive(Debug, Clone, PartialEq)]
pub struct RankedOccupation {
    /// Index into the taxonomy's occupations.
    pub occupation: usize,
    /// Fused score in [0, 1]; 1 for the best-supported occupation of the text.
    pub score: f32,
    /// Evidence spans in the input.
    pub evidence: Vec<EvidenceSpan>,
    /// The kind of the best matching title label, or `Semantic` for body-only
    /// or vector-only support (the latter evidenced by the whole title line).
    pub reason: Reason,
    /// How completely the title names this occupation, in [0, 1]: the share of
    /// the best label's idf mass found in the title segment times the share of
    /// the segment's idf mass found in the label. 0 without title support.
    pub title_match: f32,
    /// What the score was fused from.
    pub parts: FusionParts,
    /// The candidates this answer carries as one occupation with it
    /// (crosswalk equivalents), as `select` named them.
    pub equivalents: Vec<usize>,
}

/// Label and description indexes over the occupations of a taxonomy: one
/// over all of them, and, when occupations of several taxonomy ids are
/// loaded, one over each id's occupations. A request scoped to one taxonomy
/// ranks its occupations by that taxonomy's own term statistics (BM25's
/// idf, the title-match confidence), as that taxonomy loaded alone would;
/// other requests by the statistics of all the occupations, so that the
/// BM25 support of different taxonomies stays on one scale.
#[derive(Debug)]
pub struct OccupationIndex {
    all: OccupationTexts,
    /// Per taxonomy id with occupations, in the order first loaded; empty
    /// when one id has them all.
    taxonomies: Vec<(String, OccupationTexts)>,
    phrases: PhraseMatcher,
}

/// Label and description indexes over some of the occupations.
#[derive(Debug)]
struct OccupationTexts {
    labels: LabelIndex,
    documents: LabelIndex,
    /// The occupation (taxonomy index) of each concept of the indexes,
    /// ascending; `None`: concept `i` is occupation `i`.
    members: Option<Vec<u32>>,
}

#[derive(Debug, Clone, Default)]
struct Support {
    title: f32,
    title_label: Option<(u32, usize)>,
    title_match: f32,
    document: f32,
    phrase: f32,
    phrase_evidence: Vec<EvidenceSpan>,
    vector: f32,
    vote: f32,
    /// The share of the nearest training titles naming the occupation.
    neighbours: f32,
    /// The best cosine of a nearest training title naming it.
    neighbour_best: f32,
    /// 1 when the whole title line is one of the occupation's labels.
    exact_label: f32,
    /// The fused score, once [`Fusion::score`] has run.
    score: f32,
    parts: FusionParts,
}

/// How a text's candidates' support is fused into one score: each kind
/// of support scaled to the best candidate's and weighed, plus the
/// prior; or, for a title with a learnt fusion, the learnt model over
/// those parts.
#[derive(Debug)]
struct Fusion<'a> {
    /// Per kind of support (title, document, phrase, vector, vote): the
    /// best candidate's.
    maxima: [f32; 5],
    /// Per kind of support: its weight, 0 where no candidate has it.
    weights: [f32; 5],
    gates: Gates<'a>,
    /// The weights' sum.
    total: f32,
}

/// What vacancy titles teach, and how far it weighs a text.
#[derive(Debug, Clone, Copy)]
struct Gates<'a> {
    /// The prior's values and weight, when the prior weighs texts like
    /// this one (a title or a sentence).
    prior: Option<(&'a Array1<f32>, f32)>,
    /// The prior's gate, in [0, 1]: how far no occupation's preferred
    /// label names the title.
    unnamed: f32,
    /// The votes' gate, in [0, 1].
    voted: f32,
    /// Whether the whole title line is an occupation's preferred label.
    named_whole: bool,
}

impl Gates<'_> {
    /// The prior's weight in the linear fusion.
    fn prior_weight(&self) -> f32 {
        self.prior.map_or(0.0, |(_, weight)| weight * self.unnamed)
    }
}

/// What the embedder lends occupation ranking: the cosine of the text's
/// vector with every occupation's, the occupations' prior (both in
/// taxonomy order), and the title votes.
#[derive(Debug, Clone, Copy, Default)]
pub struct Learnt<'a> {
    /// Cosine of the text's vector with each occupation's.
    pub cosines: Option<&'a Array1<f32>>,
    /// Prior of each occupation, in [0, 1].
    pub prior: Option<&'a Array1<f32>>,
    /// Occupations vacancy titles with the text's words name.
    pub votes: Option<&'a TitleVotesIn>,
    /// The learnt fusion that ranks a title's candidates.
    pub fusion: Option<&'a TitleFusion>,
    /// Training vacancy titles, and the title line's cosines with their
    /// vectors (`title_neighbours::cosines`) to find its nearest among
    /// them, for the learnt fusion.
    pub neighbours: Option<(&'a ResolvedNeighbours, &'a Array1<f32>)>,
    /// For answers (InferOccupations): the softmax temperature at which a
    /// posting's candidates are scored as shares of one another.
    pub posting_temperature: Option<f32>,
}

/// Title votes with the taxonomies whose labels turn them off: those
/// whose occupations the votes name (ESCO for the shipped votes).
#[derive(Debug, Clone)]
pub struct TitleVotesIn {
    votes: ResolvedVotes,
    voted: Scope,
}

impl TitleVotesIn {
    /// The votes, resolved to the occupations of `taxonomy`.
    pub fn new(votes: ResolvedVotes, taxonomy: &Taxonomy) -> Self {
        let voted = Scope::holding(taxonomy, votes.occupations());
        Self { votes, voted }
    }
}

/// How many of `all`, the terms of `input` (as [`terms`] gives them), are
/// its title line's; the text has a body when some are left.
pub fn title_terms(input: &str, all: &[TextTerm]) -> usize {
    let end = title_end(input);
    all.partition_point(|t| t.token.start < end)
}

impl OccupationTexts {
    /// Indexes the preferred, alternative and hidden labels plus
    /// `extra_titles` of the occupations (all of them with `members`
    /// `None`), and one document per occupation of its labels and
    /// description.
    fn new(taxonomy: &Taxonomy, extra_titles: &[Vec<String>], members: Option<Vec<u32>>) -> Self {
        let occupations = taxonomy.occupations();
        let chosen: Vec<usize> = match &members {
            Some(members) => members.iter().map(|&o| o as usize).collect(),
            None => (0..occupations.len()).collect(),
        };
        let labels = LabelIndex::build(chosen.iter().map(|&i| {
            let o = &occupations[i];
            tagged_labels(&o.preferred_label, &o.alt_labels, &o.hidden_labels)
                .chain(
                    extra_titles
                        .get(i)
                        .into_iter()
                        .flatten()
                        .map(|l| (l.as_str(), Reason::AltLabel)),
                )
                .collect()
        }));
        let texts: Vec<String> = chosen
            .iter()
            .map(|&i| {
                let o = &occupations[i];
                format!(
                    "{} {} {}",
                    o.preferred_label,
                    o.alt_labels.join(" "),
                    o.description
                )
            })
            .collect();
        let documents =
            LabelIndex::build(texts.iter().map(|t| vec![(t.as_str(), Reason::Semantic)]));
        Self {
            labels,
            documents,
            members,
        }
    }

    /// The occupation of a concept of the indexes.
    fn occupation(&self, concept: u32) -> u32 {
        self.members
            .as_ref()
            .map_or(concept, |members| members[concept as usize])
    }

    /// The concept of an occupation in the indexes, when they hold it.
    fn concept(&self, occupation: u32) -> Option<u32> {
        match &self.members {
            Some(members) => members
                .binary_search(&occupation)
                .ok()
                .map(|at| u32::try_from(at).expect("fewer than 2^32 occupations")),
            None => Some(occupation),
        }
    }

    /// How far a title names an occupation by its preferred label, in
    /// [0, 1]: the best title match of a candidate whose best-matching
    /// label is its preferred label, and 1 where the whole title line is an
    /// occupation's preferred label, even where the segmentation split it
    /// (`fruit and vegetable preserver`, `waiter/waitress`). Alternative
    /// labels do not count: vacancy titles that are exactly one
    /// occupation's alternative label are annotated with that occupation
    /// far less often than those that are its preferred label
    /// (EVALUATION.md, "The prior gated by preferred labels only").
    fn preferred_label_match(&self, title: &[TextTerm], support: &SparseTable<Support>) -> f32 {
        let named = support
            .values()
            .filter_map(|s| Some((s.title_label?.0, s.title_match)))
            .filter(|&(label, _)| self.is_preferred(label))
            .map(|(_, matched)| matched)
            .fold(0.0, f32::max)
            .min(1.0);
        if named < 1.0 && self.is_a_preferred_label(title) {
            1.0
        } else {
            named
        }
    }

    /// Whether the whole title line is exactly an occupation's preferred
    /// label.
    fn is_a_preferred_label(&self, title: &[TextTerm]) -> bool {
        is_a_label(&self.labels, title, |label| self.is_preferred(label))
    }

    /// The labels that are exactly the whole title line, each with its
    /// occupation.
    fn labels_of_whole(&self, title: &[TextTerm]) -> Vec<(u32, u32)> {
        whole_labels(&self.labels, title)
            .into_iter()
            .map(|label| (label, self.occupation(self.labels.concept(label))))
            .collect()
    }

    /// Whether a label is its occupation's preferred label.
    fn is_preferred(&self, label: u32) -> bool {
        self.labels.kind(label) == Reason::PreferredLabel
    }

    /// Whether the whole title line is exactly one of the labels of an
    /// occupation `occupation` accepts (by index).
    fn is_a_label_of(&self, title: &[TextTerm], occupation: impl Fn(u32) -> bool) -> bool {
        is_a_label(&self.labels, title, |label| {
            occupation(self.occupation(self.labels.concept(label)))
        })
    }

    /// Adds every occupation sharing a word with a title segment's labels
    /// or with the text's documents to `support` (as a candidate, with no
    /// support of its own): the candidates outside a request's scope.
    fn candidates(
        &self,
        segments: &[Vec<&TextTerm>],
        all: &[TextTerm],
        tuning: &Tuning,
        support: &mut SparseTable<Support>,
    ) {
        let mut found = |index: &LabelIndex, query: Vec<(u32, f32)>| {
            let mut scratch = index.take_scratch();
            for m in index.search_coverage(&query, &mut scratch, |_| 0.0, |_| true) {
                support.entry(self.occupation(m.concept));
            }
            index.give_back(scratch);
        };
        for segment in segments {
            found(
                &self.labels,
                distinct_query(&self.labels, segment.iter().copied()),
            );
        }
        if tuning.document_weight > 0.0 {
            found(&self.documents, distinct_query(&self.documents, all.iter()));
        }
    }

    /// BM25 of each title segment against every occupation label; later
    /// segments decay.
    fn title_support(
        &self,
        segments: &[Vec<&TextTerm>],
        tuning: &Tuning,
        support: &mut SparseTable<Support>,
    ) {
        let mut scratch = self.labels.take_scratch();
        for (position, segment) in segments.iter().enumerate() {
            let decay = if position == 0 {
                1.0
            } else {
                tuning.segment_decay
            };
            let query = distinct_query(&self.labels, segment.iter().copied());
            let query_idf: f32 = query.iter().map(|&(t, _)| self.labels.idf(t)).sum();
            for found in self.labels.search(&query, &mut scratch, |m| m.bm25) {
                let entry = support.entry(self.occupation(found.concept));
                if found.bm25 * decay > entry.title {
                    entry.title = found.bm25 * decay;
                    entry.title_label = Some((found.label, position));
                    entry.title_match =
                        found.coverage * (found.matched_idf / query_idf.max(f32::EPSILON)).min(1.0);
                }
            }
        }
        self.labels.give_back(scratch);
    }

    fn label_evidence(&self, input: &str, segment: &[&TextTerm], label: u32) -> Vec<EvidenceSpan> {
        let wanted = self.labels.label_terms(label);
        let matched: Vec<&TextTerm> = segment
            .iter()
            .copied()
            .filter(|t| {
                self.labels
                    .term(&t.term)
                    .is_some_and(|id| wanted.contains(&id))
            })
            .collect();
        merged_spans(input, &matched)
    }

    /// Up to five body words shared with the occupation's document, rarest first.
    fn body_evidence(&self, input: &str, body: &[TextTerm], occupation: u32) -> Vec<EvidenceSpan> {
        let Some(document) = self
            .concept(occupation)
            .and_then(|concept| self.documents.labels_of(concept).next())
        else {
            return Vec::new();
        };
        let wanted = self.documents.label_terms(document);
        let mut matched: Vec<(f32, &TextTerm)> = Vec::new();
        for term in body {
            if let Some(id) = self.documents.term(&term.term) {
                if wanted.contains(&id) && !matched.iter().any(|(_, t)| t.term == term.term) {
                    matched.push((self.documents.idf(id), term));
                }
            }
        }
        matched.sort_by(|a, b| b.0.total_cmp(&a.0));
        matched
            .into_iter()
            .take(5)
            .map(|(_, t)| span_of(input, t, t))
            .collect()
    }
}

impl OccupationIndex {
    /// Indexes preferred, alternative and hidden labels plus `extra_titles`
    /// (per occupation, e.g. O*NET titles through a crosswalk; may be
    /// shorter than the occupation list), and one document per occupation of
    /// its labels and description: over all occupations, and over each
    /// taxonomy id's when there are several.
    pub fn new(taxonomy: &Taxonomy, extra_titles: &[Vec<String>]) -> Self {
        let groups = taxonomy.occupations_by_taxonomy_id();
        let taxonomies = if groups.len() > 1 {
            groups
                .into_iter()
                .map(|(id, members)| {
                    (
                        id.to_owned(),
                        OccupationTexts::new(taxonomy, extra_titles, Some(members)),
                    )
                })
                .collect()
        } else {
            Vec::new()
        };
        Self {
            all: OccupationTexts::new(taxonomy, extra_titles, None),
            taxonomies,
            phrases: PhraseMatcher::for_occupations(taxonomy),
        }
    }

    /// The indexes that score a request's occupations: its taxonomy's own
    /// when the scope holds the occupations of one taxonomy id, with the
    /// other taxonomies' (which only find the candidates outside the
    /// scope); else the joint ones.
    fn texts_for(&self, scope: &Scope) -> (&OccupationTexts, Vec<&OccupationTexts>) {
        let mut in_scope = self
            .taxonomies
            .iter()
            .enumerate()
            .filter(|(_, (id, _))| scope.has_taxonomy(id));
        match (in_scope.next(), in_scope.next()) {
            (Some((chosen, (_, texts))), None) if !scope.is_all() => (
                texts,
                self.taxonomies
                    .iter()
                    .enumerate()
                    .filter(|&(at, _)| at != chosen)
                    .map(|(_, (_, other))| other)
                    .collect(),
            ),
            _ => (&self.all, Vec::new()),
        }
    }

    /// Occupations of a text, best first, at most `top_k`. `cosines` holds
    /// the cosine of the text's vector with every occupation's (taxonomy
    /// order), when an embedder is configured.
    #[cfg(test)]
    pub fn rank(
        &self,
        input: &str,
        top_k: usize,
        cosines: Option<&Array1<f32>>,
        tuning: &Tuning,
    ) -> Vec<RankedOccupation> {
        self.rank_selected(
            input,
            &super::terms::terms(input),
            Learnt {
                cosines,
                ..Learnt::default()
            },
            tuning,
            &Scope::all(),
            |ranked, _, _| {
                ranked
                    .iter()
                    .take(top_k)
                    .map(|occupation| OccupationAnswer {
                        occupation,
                        equivalents: Vec::new(),
                        carried: 0.0,
                    })
                    .collect()
            },
        )
    }

    /// Ranks the occupations in `scope` (support is scaled to the best of
    /// them), then builds the evidence of those `select` picks: it gets the
    /// candidates in scope, best first (ordered only as far as it reads),
    /// and those outside the scope (by index), and returns the places to
    /// keep, in order. `all` holds the terms of `input` (as [`terms`] gives
    /// them), `learnt` the cosine of every occupation with the text's
    /// vector and the occupations' prior; for a posting, the title line's
    /// label support weighs 1 minus [`Tuning::posting_share`].
    pub fn rank_selected(
        &self,
        input: &str,
        all: &[TextTerm],
        learnt: Learnt<'_>,
        tuning: &Tuning,
        scope: &Scope,
        select: impl FnOnce(&mut BestFirst, &[usize], &dyn Fn(usize) -> f32) -> Vec<OccupationAnswer>,
    ) -> Vec<RankedOccupation> {
        let (title, body) = all.split_at(title_terms(input, all));
        let has_body = !body.is_empty();
        let title_weight = 1.0 - tuning.posting_share(has_body);
        let segments = title_segments(input, title);
        let (texts, others) = self.texts_for(scope);
        // Room for every occupation from the start: a text's words reach
        // hundreds (a title) to nearly all (a posting) of the occupations'
        // documents.
        let mut support = SparseTable::<Support>::new(self.all.labels.concept_count());
        texts.title_support(&segments, tuning, &mut support);
        if tuning.document_weight > 0.0 {
            let documents = &texts.documents;
            let query = distinct_query(documents, all.iter());
            let mut scratch = documents.take_scratch();
            for found in documents.search(&query, &mut scratch, |m| m.bm25) {
                support.entry(texts.occupation(found.concept)).document = found.bm25;
            }
            documents.give_back(scratch);
        }
        for other in others {
            other.candidates(&segments, all, tuning, &mut support);
        }
        if tuning.phrase_weight > 0.0 && has_body {
            for hit in self.phrases.find_terms(input, all) {
                let longest = hit
                    .evidence
                    .iter()
                    .map(|s| crate::text::tokenize(&s.text).len())
                    .max()
                    .unwrap_or(0);
                let entry = support.entry(hit.concept);
                entry.phrase = longest as f32;
                entry.phrase_evidence = hit.evidence;
            }
        }
        // The learnt fusion ranks a title as vacancy titles taught it,
        // except one that is exactly an occupation's preferred label: that
        // occupation stays first, as without it (of the 3,007 ESCO
        // preferred labels sent as titles, one lost first place to the
        // learnt fusion: EVALUATION.md, "A learnt fusion for titles"). The
        // occupations its nearest training titles name join such a title's
        // candidates (with or without a model to weigh them: eval writes
        // their features for fitting one) before the vector support and
        // the scope reach them.
        let learns = !has_body && (learnt.fusion.is_some() || learnt.neighbours.is_some());
        let whole_title = if learns {
            texts.labels_of_whole(title)
        } else {
            Vec::new()
        };
        let named: Vec<u32> = whole_title
            .iter()
            .filter(|&&(label, _)| texts.is_preferred(label))
            .map(|&(_, occupation)| occupation)
            .collect();
        let named_whole = !named.is_empty();
        let model = learnt.fusion.filter(|_| learns && !named_whole);
        let named_shares = learnt.fusion.is_some() && learns && named_whole;
        if learns && !named_whole {
            for (_, occupation) in whole_title {
                support.entry(occupation).exact_label = 1.0;
            }
        }
        if let Some((neighbours, cosines)) = learnt.neighbours.filter(|_| learns && !named_whole) {
            for vote in nearest_titles(neighbours, cosines) {
                let entry = support.entry(vote.occupation);
                entry.neighbours = vote.share;
                entry.neighbour_best = vote.best;
            }
        }
        let vector_weight = tuning.occupation_vector_weight_for(has_body);
        if let Some(cosines) = learnt.cosines.filter(|_| vector_weight > 0.0) {
            vector_support(cosines, tuning, &mut support);
        }
        let mut outside: Vec<usize> = Vec::new();
        if !scope.is_all() {
            support.retain(|occupation, _| {
                let keep = scope.has_occupation(occupation as usize);
                if !keep {
                    outside.push(occupation as usize);
                }
                keep
            });
            outside.sort_unstable();
        }
        // What vacancy titles teach (the prior, the votes) weighs a title or
        // a sentence as far as no occupation's preferred label matches it
        // whole: a title that is an occupation's preferred label keeps that
        // occupation first however rarely vacancies name it. A posting's
        // candidates are nearly every occupation its words touch; neither
        // weighs them.
        let prior = learnt
            .prior
            .filter(|_| tuning.occupation_prior_weight > 0.0 && !has_body);
        let votes = learnt
            .votes
            .filter(|_| tuning.title_vote_weight > 0.0 && !has_body);
        let unnamed = if prior.is_some() || votes.is_some() {
            1.0 - texts.preferred_label_match(title, &support)
        } else {
            0.0
        };
        // The votes weigh as the prior does, and not at all for a title
        // that is exactly one of an occupation's labels of any kind: on the
        // held-out vacancy titles that are exactly an ESCO alternative
        // label, votes lowered MRR from 0.653 to 0.619 (EVALUATION.md,
        // "Title votes"). Only labels of the taxonomy the votes were learnt
        // on count: an O*NET title is no sign of how vacancy titles name
        // ESCO occupations.
        let voted = match votes {
            Some(v)
                if unnamed > 0.0
                    && !texts.is_a_label_of(title, |o| v.voted.has_occupation(o as usize)) =>
            {
                unnamed
            }
            _ => 0.0,
        };
        if let Some(votes) = votes.filter(|_| voted > 0.0) {
            vote_support(&votes.votes, title, scope, &mut support, &mut outside);
        }
        let Some(fusion) = Fusion::new(
            &support,
            [
                title_weight,
                tuning.document_weight,
                tuning.phrase_weight,
                vector_weight,
                tuning.title_vote_weight * voted,
            ],
            Gates {
                prior: prior.map(|values| (values, tuning.occupation_prior_weight)),
                unnamed,
                voted,
                named_whole,
            },
        ) else {
            return Vec::new();
        };
        fusion.score(&mut support, model);
        if named_shares {
            share_as_named(&mut support, &named);
        }
        let posting_temperature = learnt.posting_temperature.filter(|_| has_body);
        if let Some(temperature) = posting_temperature {
            share_by_softmax(&mut support, temperature);
        }
        let shares = model.is_some() || named_shares || posting_temperature.is_some();
        // Best score first, then lowest index, ordered only as far as
        // `select` reads; the supports are looked up only for those it keeps.
        let mut ranked = BestFirst::new(
            support
                .iter()
                .map(|(occupation, s)| rank_key(s.score, occupation))
                .collect(),
        );
        let share = |o: usize| -> f32 {
            u32::try_from(o)
                .ok()
                .and_then(|o| support.get(o))
                .filter(|_| shares)
                .map_or(0.0, |s| s.score)
        };
        let chosen = select(&mut ranked, &outside, &share);
        chosen
            .into_iter()
            .filter_map(|answer| {
                let s = support.remove(answer.occupation)?;
                Some((answer.occupation, answer.carried, answer.equivalents, s))
            })
            .map(|(occupation, carried, equivalents, s)| {
                let (evidence, reason) = match s.title_label {
                    Some((label, position)) => (
                        texts.label_evidence(input, &segments[position], label),
                        texts.labels.kind(label),
                    ),
                    None if !s.phrase_evidence.is_empty() => (s.phrase_evidence, Reason::Semantic),
                    None => (
                        Some(texts.body_evidence(input, all, occupation))
                            .filter(|e| !e.is_empty())
                            .or_else(|| title_line(input, title))
                            .unwrap_or_default(),
                        Reason::Semantic,
                    ),
                };
                RankedOccupation {
                    occupation: occupation as usize,
                    score: (s.score + carried).min(1.0),
                    evidence,
                    reason,
                    title_match: s.title_match,
                    parts: s.parts,
                    equivalents,
                }
            })
            .collect()
    }
}

impl<'a> Fusion<'a> {
    /// The fusion of `support` with the weights of its five kinds
    /// (title, document, phrase, vector, vote); `None` when no candidate
    /// has support of a weighed kind.
    fn new(support: &SparseTable<Support>, weights: [f32; 5], gates: Gates<'a>) -> Option<Self> {
        let best = |f: fn(&Support) -> f32| support.values().map(f).fold(0.0, f32::max);
        let maxima = [
            best(|s| s.title),
            best(|s| s.document),
            best(|s| s.phrase),
            best(|s| s.vector),
            best(|s| s.vote),
        ];
        let weights = std::array::from_fn(|kind| {
            if maxima[kind] > 0.0 {
                weights[kind]
            } else {
                0.0
            }
        });
        let found: f32 = weights.iter().sum();
        (found > 0.0).then(|| Self {
            maxima,
            weights,
            gates,
            total: found + gates.prior_weight(),
        })
    }

    /// Gives every candidate its parts and score: the weighed sum of its
    /// scaled support and prior over the weights' sum, in [0, 1]; or, with
    /// `learnt`, its softmax share of the learnt model's logits.
    fn score(&self, support: &mut SparseTable<Support>, learnt: Option<&TitleFusion>) {
        let prior_weight = self.gates.prior_weight();
        for (occupation, s) in support.iter_mut() {
            let scaled = |part: f32, kind: usize| {
                if self.maxima[kind] > 0.0 {
                    part / self.maxima[kind]
                } else {
                    0.0
                }
            };
            let parts = [s.title, s.document, s.phrase, s.vector, s.vote];
            // Weight times part, then over the maximum: the order the
            // linear score has always been computed in, to the bit.
            let sum: f32 = (0..5)
                .filter(|&kind| self.maxima[kind] > 0.0)
                .map(|kind| self.weights[kind] * parts[kind] / self.maxima[kind])
                .sum();
            let prior_value = self.gates.prior.map_or(0.0, |(values, _)| {
                values.get(occupation as usize).copied().unwrap_or(0.0)
            });
            s.score = (sum + prior_weight * prior_value) / self.total;
            s.parts = FusionParts {
                fused: s.score,
                title: scaled(s.title, 0),
                document: scaled(s.document, 1),
                vector: scaled(s.vector, 3),
                title_match: s.title_match,
                prior: self.gates.unnamed * prior_value,
                open_prior: if self.gates.named_whole {
                    0.0
                } else {
                    prior_value
                },
                vote: self.gates.voted * scaled(s.vote, 4),
                neighbours: s.neighbours,
                neighbour_best: s.neighbour_best,
                exact_label: s.exact_label,
            };
        }
        if let Some(model) = learnt {
            keep_fused_head(support, LEARNT_CANDIDATES);
            let logits = support.values().map(|s| model.logit(&s.parts)).collect();
            score_shares(support, logits);
        }
    }
}

/// Candidates the learnt title fusion ranks: the first this many by the
/// fused score, as it was fitted on (`skillmatch eval
/// --occupation-features-out` writes them). A title has about 900
/// candidates, most of them touched by one common word; scored by the
/// model, they were outside anything it had been fitted on.
pub const LEARNT_CANDIDATES: usize = 100;

/// Keeps the first `count` candidates by fused score (ties to the lower
/// index, as every ranking here breaks them).
fn keep_fused_head(support: &mut SparseTable<Support>, count: usize) {
    let mut keys: Vec<u64> = support
        .iter()
        .map(|(occupation, s)| rank_key(s.score, occupation))
        .collect();
    if keys.len() <= count || count == 0 {
        return;
    }
    let (_, &mut last, _) = keys.select_nth_unstable(count - 1);
    support.retain(|occupation, s| rank_key(s.score, occupation) <= last);
}

/// The share of held-out vacancy titles that are exactly an ESCO
/// occupation's preferred label whose gold occupation is that one: 0.819
/// of 487 titles.csv titles, 0.786 / 0.822 / 0.847 on the three folds,
/// each ranked by the models learnt without it (EVALUATION.md,
/// "InferOccupations scores on held-out titles and postings").
const NAMED_TITLE_SHARE: f32 = 0.82;

/// Scores a title that is exactly an occupation's preferred label on the
/// scale of the learnt fusion's shares, which rank every other title: the
/// named occupations split [`NAMED_TITLE_SHARE`], and the other candidates
/// the rest in proportion to their fused scores. The fused scores read as
/// confidences would give `head chef` 0.92 for the title `chef`, where
/// such answers were right 0-8 % of the time.
fn share_as_named(support: &mut SparseTable<Support>, named: &[u32]) {
    let is_named = |occupation: u32| named.contains(&occupation);
    let in_support = support
        .iter()
        .filter(|&(occupation, _)| is_named(occupation))
        .count();
    let named_share = if in_support > 0 {
        NAMED_TITLE_SHARE
    } else {
        0.0
    };
    let others: f32 = support
        .iter()
        .filter(|&(occupation, _)| !is_named(occupation))
        .map(|(_, s)| s.score)
        .sum();
    for (occupation, s) in support.iter_mut() {
        s.score = if is_named(occupation) {
            named_share / in_support as f32
        } else if others > 0.0 {
            (1.0 - named_share) * s.score / others
        } else {
            0.0
        };
    }
}

/// Scores a posting's candidates as their softmax shares at `temperature`
/// over the fused scores: the fused scores read as confidences would give
/// the candidates a posting's words touch 0.4-0.6 where such answers were
/// right 3 % of the time; at the temperature that weighs the occupations
/// lending their skills (0.08), the shares are about as often right as
/// they say (EVALUATION.md, "InferOccupations scores on held-out titles and
/// postings").
fn share_by_softmax(support: &mut SparseTable<Support>, temperature: f32) {
    let temperature = temperature.max(1e-3);
    let logits = support.values().map(|s| s.score / temperature).collect();
    score_shares(support, logits);
}

/// Scores each candidate by its softmax share of `logits` (one per
/// candidate, in the support's order).
fn score_shares(support: &mut SparseTable<Support>, mut logits: Vec<f32>) {
    softmax_shares(&mut logits);
    for ((_, s), share) in support.iter_mut().zip(logits) {
        s.score = share;
    }
}

/// Whether the whole title line, segments and parentheses included, has
/// exactly the terms of some label `accept` accepts.
fn is_a_label(labels: &LabelIndex, title: &[TextTerm], accept: impl Fn(u32) -> bool) -> bool {
    whole_labels(labels, title).into_iter().any(accept)
}

/// The labels with exactly the terms of the whole title line, segments and
/// parentheses included.
fn whole_labels(labels: &LabelIndex, title: &[TextTerm]) -> Vec<u32> {
    let wanted: Vec<u32> = distinct_query(labels, title.iter())
        .into_iter()
        .map(|(term, _)| term)
        .collect();
    let mut words: Vec<&str> = title.iter().map(|t| t.term.as_str()).collect();
    words.sort_unstable();
    words.dedup();
    // A word no label uses leaves the title more than any label; a title
    // without known words has no label (`labels_with_terms` finds none).
    if wanted.len() < words.len() {
        return Vec::new();
    }
    labels.labels_with_terms(&wanted).collect()
}

/// The title line as one span, for an occupation only the vector score found.
fn title_line(input: &str, title: &[TextTerm]) -> Option<Vec<EvidenceSpan>> {
    let (first, last) = (title.first()?, title.last()?);
    Some(vec![span_of(input, first, last)])
}

/// Gives every occupation already supported, plus the
/// `occupation_vector_candidates` nearest by cosine, its vector score.
fn vector_support(cosines: &Array1<f32>, tuning: &Tuning, support: &mut SparseTable<Support>) {
    let floor = tuning.occupation_vector_floor;
    for occupation in nearest_rows(cosines, tuning.occupation_vector_candidates) {
        support.entry(occupation);
    }
    for (occupation, s) in support.iter_mut() {
        if let Some(&cosine) = cosines.get(occupation as usize) {
            s.vector = vector_score(cosine, floor);
        }
    }
}

/// Gives every occupation in `scope` a title's words and adjacent word
/// pairs vote for its summed votes (each distinct word or pair counted
/// once), adding it as a candidate; those outside the scope join `outside`.
fn vote_support(
    votes: &ResolvedVotes,
    title: &[TextTerm],
    scope: &Scope,
    support: &mut SparseTable<Support>,
    outside: &mut Vec<usize>,
) {
    let mut features: Vec<String> = title.iter().map(|t| t.term.to_string()).collect();
    features.extend(
        title
            .windows(2)
            .map(|pair| format!("{} {}", pair[0].term, pair[1].term)),
    );
    features.sort_unstable();
    features.dedup();
    let before = outside.len();
    for feature in &features {
        for &(occupation, vote) in votes.of(feature) {
            if scope.is_all() || scope.has_occupation(occupation as usize) {
                support.entry(occupation).vote += vote;
            } else {
                outside.push(occupation as usize);
            }
        }
    }
    if outside.len() > before {
        outside.sort_unstable();
        outside.dedup();
    }
}

/// A cosine mapped linearly from [`floor`, 1] to [0, 1] (0 at or below
/// the floor, as [`vector_floor`] bounds it).
pub fn vector_score(cosine: f32, floor: f32) -> f32 {
    let floor = vector_floor(floor);
    ((cosine - floor) / (1.0 - floor)).clamp(0.0, 1.0)
}

/// The floor [`vector_score`] applies for a tuned floor: within [0, 0.99].
pub fn vector_floor(floor: f32) -> f32 {
    floor.clamp(0.0, 0.99)
}

/// The `n` rows with the highest cosines, in no particular order; of rows
/// with equal cosines the first ones are taken. One pass over the rows
/// keeps the best `n` keys ([`rank_key`]) in a heap. The worst of them is
/// the bar a row must beat; rows are read eight at a time, and a block
/// each of whose cosines is below the bar's (a float comparison, which
/// lanes do eight at once; a row that beats the bar in `total_cmp` order is
/// never below it: a later row with an equal cosine ranks lower, and a NaN
/// or a signed zero is looked at row by row) is passed over whole.
pub fn nearest_rows(cosines: &Array1<f32>, n: usize) -> Vec<u32> {
    match cosines.as_slice() {
        Some(slice) => nearest_of(slice, n),
        None => nearest_of(&cosines.to_vec(), n),
    }
}

fn nearest_of(cosines: &[f32], n: usize) -> Vec<u32> {
    const BLOCK: usize = 8;
    let mut kept: BinaryHeap<u64> = BinaryHeap::with_capacity(n);
    let head = n.min(cosines.len());
    for (row, &cosine) in (0u32..).zip(&cosines[..head]) {
        kept.push(rank_key(cosine, row));
    }
    let Some(&first_bar) = kept.peek() else {
        return Vec::new();
    };
    let mut bar = first_bar;
    let mut bar_cosine = score_of_key(bar);
    let mut offer = |at: u32, cosine: f32, bar: &mut u64, bar_cosine: &mut f32| {
        let key = rank_key(cosine, at);
        if key < *bar {
            if let Some(mut worst) = kept.peek_mut() {
                *worst = key;
            }
            *bar = kept.peek().copied().unwrap_or(key);
            *bar_cosine = score_of_key(*bar);
        }
    };
    let mut blocks = cosines[head..].chunks_exact(BLOCK);
    let mut row = u32::try_from(head).unwrap_or(u32::MAX);
    for block in &mut blocks {
        // `!(c < bar)` rather than `c > bar`: true for a NaN on either side
        // and for equal values, so no row that could beat the bar is passed.
        let below = block
            .iter()
            .fold(true, |all, &cosine| all & (cosine < bar_cosine));
        if !below {
            for (at, &cosine) in (row..).zip(block) {
                offer(at, cosine, &mut bar, &mut bar_cosine);
            }
        }
        row = row.saturating_add(BLOCK as u32);
    }
    for (at, &cosine) in (row..).zip(blocks.remainder()) {
        offer(at, cosine, &mut bar, &mut bar_cosine);
    }
    kept.into_iter().map(|key| key as u32).collect()
}

/// Distinct known terms of a text as a query with unit weights.
pub fn distinct_query<'t>(
    index: &LabelIndex,
    text_terms: impl Iterator<Item = &'t TextTerm>,
) -> Vec<(u32, f32)> {
    let mut ids: Vec<u32> = text_terms.filter_map(|t| index.term(&t.term)).collect();
    ids.sort_unstable();
    ids.dedup();
    ids.into_iter().map(|id| (id, 1.0)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Occupation, TaxonomyVersion};

    #[test]
    fn the_learnt_fusion_ranks_the_head_of_the_fused_ranking() {
        let mut support: SparseTable<Support> = SparseTable::new(8);
        for (occupation, score) in [(5, 0.2), (1, 0.9), (7, 0.5), (3, 0.5), (2, 0.1)] {
            support.entry(occupation).score = score;
        }
        keep_fused_head(&mut support, 3);
        let mut kept: Vec<u32> = support.iter().map(|(o, _)| o).collect();
        kept.sort_unstable();
        // 0.9, then the tie at 0.5 both kept; 0.2 and 0.1 are not.
        assert_eq!(kept, [1, 3, 7]);
        keep_fused_head(&mut support, 2);
        let mut kept: Vec<u32> = support.iter().map(|(o, _)| o).collect();
        kept.sort_unstable();
        // Of the tie, the lower index stays.
        assert_eq!(kept, [1, 3]);
        keep_fused_head(&mut support, 5);
        assert_eq!(support.iter().count(), 2);
    }

    /// Every candidate as an answer of its own, best first.
    fn every_answer(ranked: &mut BestFirst) -> Vec<OccupationAnswer> {
        ranked
            .iter()
            .map(|occupation| OccupationAnswer {
                occupation,
                equivalents: Vec::new(),
                carried: 0.0,
            })
            .collect()
    }

    fn index() -> OccupationIndex {
        OccupationIndex::new(&three_occupations(), &[])
    }

    /// `o:nurse` 0, `o:dev` 1, `o:cook` 2.
    fn three_occupations() -> Taxonomy {
        let occupation = |uri: &str, label: &str| Occupation {
            uri: uri.into(),
            preferred_label: label.into(),
            ..Occupation::default()
        };
        Taxonomy::build(
            TaxonomyVersion::sample(),
            Vec::new(),
            vec![
                occupation("o:nurse", "registered nurse"),
                occupation("o:dev", "software developer"),
                occupation("o:cook", "cook"),
            ],
        )
        .unwrap()
    }

    fn vectors(weight: f32, candidates: usize) -> Tuning {
        Tuning {
            occupation_vector_weight: weight,
            occupation_vector_floor: 0.5,
            occupation_vector_candidates: candidates,
            ..Tuning::default()
        }
    }

    #[test]
    fn cosines_map_linearly_above_the_floor() {
        assert!((vector_score(0.75, 0.5) - 0.5).abs() < 1e-6);
        assert_eq!(vector_score(0.3, 0.5), 0.0);
        assert_eq!(vector_score(1.0, 0.5), 1.0);
    }

    #[test]
    fn nearest_rows_are_the_highest_cosines() {
        let mut rows = nearest_rows(&Array1::from(vec![0.1, 0.9, 0.5, 0.7]), 2);
        rows.sort_unstable();
        assert_eq!(rows, vec![1, 3]);
        assert!(nearest_rows(&Array1::from(vec![0.1]), 0).is_empty());
        assert_eq!(nearest_rows(&Array1::from(vec![0.1]), 3), vec![0]);
    }

    #[test]
    fn nearest_rows_agree_with_a_full_sort_on_long_rows_with_ties() {
        let mut state = 7u64;
        let cosines: Vec<f32> = (0..5_003)
            .map(|i| {
                state = state
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1);
                match i % 997 {
                    0 => f32::NAN,
                    1 | 500 => -0.0,
                    2 | 501 => 0.0,
                    // Few distinct values, so ties are everywhere.
                    _ => ((state >> 40) % 200) as f32 / 100.0 - 1.0,
                }
            })
            .collect();
        for n in [0, 1, 7, 8, 9, 50, 300, 4_000, 5_003, 6_000] {
            let mut keys: Vec<u64> = (0u32..)
                .zip(&cosines)
                .map(|(r, &c)| rank_key(c, r))
                .collect();
            keys.sort_unstable();
            let mut expected: Vec<u32> = keys.iter().take(n).map(|&k| k as u32).collect();
            expected.sort_unstable();
            let mut rows = nearest_rows(&Array1::from(cosines.clone()), n);
            rows.sort_unstable();
            assert_eq!(rows, expected, "n {n}");
        }
    }

    #[test]
    fn of_equal_cosines_the_first_rows_are_nearest() {
        let mut rows = nearest_rows(&Array1::from(vec![-0.2, 0.5, 0.9, 0.5, 0.5, -0.7]), 3);
        rows.sort_unstable();
        assert_eq!(rows, vec![1, 2, 3]);
        let mut rows = nearest_rows(&Array1::from(vec![-0.2, -0.7, -0.1]), 2);
        rows.sort_unstable();
        assert_eq!(rows, vec![0, 2]);
    }

    #[test]
    fn a_title_without_shared_words_finds_its_nearest_occupation_by_vector() {
        let index = index();
        let cosines = Array1::from(vec![0.2, 0.9, 0.6]);
        let ranked = index.rank("programmer", 3, Some(&cosines), &vectors(0.5, 1));
        let found: Vec<usize> = ranked.iter().map(|o| o.occupation).collect();
        assert_eq!(found, vec![1], "only the nearest joins as a candidate");
        assert_eq!(ranked[0].reason, Reason::Semantic);
        assert_eq!(ranked[0].evidence[0].text, "programmer");
        assert!(
            index
                .rank("programmer", 3, Some(&cosines), &vectors(0.0, 1))
                .is_empty()
        );
    }

    #[test]
    fn the_vector_score_reorders_lexical_candidates() {
        let index = index();
        // "registered cook": one title word each for the nurse and the cook.
        let lexical = index.rank("registered cook", 3, None, &vectors(0.0, 0));
        let cook_first = Array1::from(vec![0.1, 0.1, 0.95]);
        let nurse_first = Array1::from(vec![0.95, 0.1, 0.1]);
        let by = |cosines: &Array1<f32>| {
            index.rank("registered cook", 3, Some(cosines), &vectors(2.0, 0))[0].occupation
        };
        assert_eq!(lexical.len(), 2);
        assert_eq!(by(&cook_first), 2);
        assert_eq!(by(&nurse_first), 0);
    }

    /// (occupation, score) ranked for `text` with `prior` per occupation.
    fn ranked_with_prior(text: &str, cosines: &Array1<f32>, prior: &[f32]) -> Vec<(usize, f32)> {
        ranked_in_index_with_prior(&index(), text, cosines, prior)
    }

    /// Every occupation `index` ranks for `text`: (occupation, score), best first.
    fn ranked_all(
        index: &OccupationIndex,
        text: &str,
        learnt: Learnt<'_>,
        tuning: &Tuning,
    ) -> Vec<(usize, f32)> {
        index
            .rank_selected(
                text,
                &crate::extract::terms::terms(text),
                learnt,
                tuning,
                &Scope::all(),
                |ranked, _, _| every_answer(ranked),
            )
            .into_iter()
            .map(|o| (o.occupation, o.score))
            .collect()
    }

    fn ranked_in_index_with_prior(
        index: &OccupationIndex,
        text: &str,
        cosines: &Array1<f32>,
        prior: &[f32],
    ) -> Vec<(usize, f32)> {
        ranked_in_index_with_learnt(index, text, cosines, prior, None)
    }

    /// `text` ranked in `index` with `cosines`, `prior` and `fusion`.
    fn ranked_in_index_with_learnt(
        index: &OccupationIndex,
        text: &str,
        cosines: &Array1<f32>,
        prior: &[f32],
        fusion: Option<&TitleFusion>,
    ) -> Vec<(usize, f32)> {
        let prior = Array1::from(prior.to_vec());
        let tuning = Tuning {
            occupation_prior_weight: 8.0,
            ..vectors(1.0, 3)
        };
        let learnt = Learnt {
            cosines: Some(cosines),
            prior: Some(&prior),
            fusion,
            ..Learnt::default()
        };
        ranked_all(index, text, learnt, &tuning)
    }

    /// A learnt fusion weighing the named features, the others 0.
    fn fusion_of(weights: &[(&str, f32)]) -> TitleFusion {
        let mut text = String::from("title-fusion\t1\n");
        for name in crate::embed::FUSION_FEATURES {
            let weight = weights
                .iter()
                .find(|(n, _)| *n == name)
                .map_or(0.0, |w| w.1);
            text.push_str(&format!("{name}\t{weight}\n"));
        }
        TitleFusion::parse(&text).unwrap()
    }

    /// [`ranked_with_prior`] with a learnt fusion.
    fn ranked_with_fusion(
        text: &str,
        cosines: &Array1<f32>,
        prior: &[f32],
        fusion: &TitleFusion,
    ) -> Vec<(usize, f32)> {
        ranked_in_index_with_learnt(&index(), text, cosines, prior, Some(fusion))
    }

    /// `text` ranked with a fusion weighing only the share of the nearest
    /// training titles, whose one title names `o:cook`; cosines favour
    /// `o:dev`.
    fn ranked_with_cook_neighbours(text: &str) -> Vec<(usize, f32)> {
        use base64::Engine as _;
        let bytes = base64::engine::general_purpose::STANDARD.encode([100u8, 0]);
        let file = format!("title-neighbours\t1\t2\noccupation\to:cook\ntitle\t0\t0.01\t{bytes}\n");
        let taxonomy = three_occupations();
        let neighbours = crate::embed::TitleNeighbours::parse(&file)
            .unwrap()
            .resolve(|uri| u32::try_from(taxonomy.occupation_index(uri)?).ok());
        let query = crate::embed::Embedding::normalize(Array1::from(vec![1.0, 0.0])).unwrap();
        let title_cosines = crate::extract::title_neighbours::cosines(&neighbours, &query);
        let cosines = Array1::from(vec![0.1, 0.9, 0.1]);
        let fusion = fusion_of(&[("neighbours", 20.0), ("vector", 1.0)]);
        let learnt = Learnt {
            cosines: Some(&cosines),
            fusion: Some(&fusion),
            neighbours: Some((&neighbours, &title_cosines)),
            ..Learnt::default()
        };
        ranked_all(&index(), text, learnt, &vectors(1.0, 3))
    }

    #[test]
    fn the_occupations_the_nearest_training_titles_name_weigh_in_the_learnt_fusion() {
        assert_eq!(ranked_with_cook_neighbours("kitchen wizard")[0].0, 2);
    }

    #[test]
    fn a_title_that_is_a_preferred_label_is_ranked_without_its_neighbours() {
        assert_eq!(ranked_with_cook_neighbours("registered nurse")[0].0, 0);
    }

    #[test]
    fn a_learnt_fusion_ranks_a_title_by_its_model_and_scores_softmax_shares() {
        let cosines = Array1::from(vec![0.2, 0.1, 0.9]);
        let by_vector = ranked_with_fusion(
            "registered cook",
            &cosines,
            &[0.0; 3],
            &fusion_of(&[("vector", 10.0)]),
        );
        let by_prior = ranked_with_fusion(
            "registered cook",
            &cosines,
            &[1.0, 0.0, 0.0],
            &fusion_of(&[("open_prior", 10.0)]),
        );
        assert_eq!(by_vector[0].0, 2);
        assert_eq!(by_prior[0].0, 0);
        for ranked in [&by_vector, &by_prior] {
            let total: f32 = ranked.iter().map(|(_, share)| share).sum();
            assert!((total - 1.0).abs() < 1e-5, "{ranked:?}");
            assert!(ranked.windows(2).all(|w| w[0].1 >= w[1].1), "{ranked:?}");
        }
    }

    #[test]
    fn a_title_that_is_a_preferred_label_is_ranked_without_the_learnt_fusion() {
        let cosines = Array1::from(vec![0.9, 0.9, 0.1]);
        let prior = [1.0, 0.0, 0.0];
        let fusion = fusion_of(&[("open_prior", 10.0), ("title", -10.0)]);
        let with = ranked_with_fusion("software developer", &cosines, &prior, &fusion);
        let without = ranked_with_prior("software developer", &cosines, &prior);
        assert_eq!(with[0].0, 1, "{with:?}");
        let order = |ranked: &[(usize, f32)]| ranked.iter().map(|r| r.0).collect::<Vec<_>>();
        assert_eq!(order(&with), order(&without));
        // Scored as the learnt fusion's shares are: the named occupation
        // takes the share such titles name it in, the others split the rest
        // as their fused scores do.
        assert_eq!(with[0].1, NAMED_TITLE_SHARE);
        let rest: f32 = with[1..].iter().map(|r| r.1).sum();
        assert!((rest - (1.0 - NAMED_TITLE_SHARE)).abs() < 1e-5, "{with:?}");
        let fused: f32 = without[1..].iter().map(|r| r.1).sum();
        for (shared, plain) in with[1..].iter().zip(&without[1..]) {
            assert!((shared.1 / rest - plain.1 / fused).abs() < 1e-5, "{with:?}");
        }
    }

    #[test]
    fn a_posting_is_ranked_without_the_learnt_fusion() {
        let posting = "Registered cook\nYou will cook for the ward's patients.";
        let cosines = Array1::from(vec![0.9, 0.1, 0.2]);
        let fusion = fusion_of(&[("vector", -10.0)]);
        let with = ranked_with_fusion(posting, &cosines, &[0.0; 3], &fusion);
        let without = ranked_with_prior(posting, &cosines, &[0.0; 3]);
        assert_eq!(with, without);
    }

    #[test]
    fn a_posting_answered_is_scored_by_softmax_shares_in_the_same_order() {
        let posting = "Registered cook\nYou will cook for the ward's patients.";
        let cosines = Array1::from(vec![0.9, 0.1, 0.2]);
        let tuning = vectors(1.0, 3);
        let learnt = Learnt {
            cosines: Some(&cosines),
            ..Learnt::default()
        };
        let fused = ranked_all(&index(), posting, learnt, &tuning);
        let temperature = 0.08;
        let answered = Learnt {
            posting_temperature: Some(temperature),
            ..learnt
        };
        let shared = ranked_all(&index(), posting, answered, &tuning);
        assert!(fused.len() > 1, "{fused:?}");
        let order = |ranked: &[(usize, f32)]| ranked.iter().map(|r| r.0).collect::<Vec<_>>();
        assert_eq!(order(&shared), order(&fused));
        let total: f32 = shared.iter().map(|r| r.1).sum();
        assert!((total - 1.0).abs() < 1e-5, "{shared:?}");
        let ratio = shared[0].1 / shared[1].1;
        let expected = ((fused[0].1 - fused[1].1) / temperature).exp();
        assert!(
            (ratio / expected - 1.0).abs() < 1e-3,
            "{shared:?} {fused:?}"
        );
    }

    #[test]
    fn the_prior_decides_between_occupations_a_title_names_in_part() {
        let cosines = Array1::from(vec![0.7, 0.1, 0.7]);
        let cook_often = ranked_with_prior("registered cook", &cosines, &[0.1, 0.0, 1.0]);
        let nurse_often = ranked_with_prior("registered cook", &cosines, &[1.0, 0.0, 0.1]);
        assert_eq!(cook_often[0].0, 2);
        assert_eq!(nurse_often[0].0, 0);
    }

    #[test]
    fn a_title_that_is_a_label_keeps_its_occupation_whatever_the_prior() {
        let cosines = Array1::from(vec![0.9, 0.9, 0.1]);
        let without = ranked_with_prior("software developer", &cosines, &[0.0, 0.0, 0.0]);
        let nurse_often = ranked_with_prior("software developer", &cosines, &[1.0, 0.0, 0.0]);
        assert_eq!(nurse_often[0].0, 1);
        assert_eq!(
            nurse_often, without,
            "a whole label match turns the prior off"
        );
    }

    /// (occupation, score) ranked for `text` by labels and title votes
    /// weighing `weight` (`o:nurse` 0, `o:dev` 1, `o:cook` 2).
    fn ranked_with_votes(text: &str, votes: &str, weight: f32) -> Vec<(usize, f32)> {
        ranked_in_with_votes(&three_occupations(), text, votes, weight)
    }

    /// As [`ranked_with_votes`] among the occupations of `taxonomy`.
    fn ranked_in_with_votes(
        taxonomy: &Taxonomy,
        text: &str,
        votes: &str,
        weight: f32,
    ) -> Vec<(usize, f32)> {
        let resolved = crate::embed::TitleVotes::parse(votes)
            .unwrap()
            .resolve(|uri| Some(taxonomy.occupation_index(uri)? as u32));
        let votes = TitleVotesIn::new(resolved, taxonomy);
        let tuning = Tuning {
            title_vote_weight: weight,
            ..vectors(0.0, 0)
        };
        let learnt = Learnt {
            votes: Some(&votes),
            ..Learnt::default()
        };
        ranked_all(&OccupationIndex::new(taxonomy, &[]), text, learnt, &tuning)
    }

    const VOTES: &str = "titles\t50\noccupation\to:dev\noccupation\to:cook\n\
                         feature\tkitchen\t1:4\nfeature\tkitchen crew\t1:2\n\
                         feature\tcrew\t0:1 1:2\n";

    #[test]
    fn title_votes_add_the_occupations_vacancy_titles_name() {
        let without = ranked_with_votes("Kitchen Crew", VOTES, 0.0);
        assert!(without.is_empty(), "no label shares a word: {without:?}");
        let voted = ranked_with_votes("Kitchen Crew", VOTES, 3.0);
        assert_eq!(
            voted[0].0, 2,
            "the cook, which kitchen titles name: {voted:?}"
        );
        assert_eq!(voted[1].0, 1, "the developer, which one crew title names");
        assert!(voted[0].1 > voted[1].1);
        // Beside a partial label match, the votes add their occupations,
        // weighed as far as the title is not that label.
        let plain = ranked_with_votes("kitchen developer", VOTES, 0.0);
        let voted = ranked_with_votes("kitchen developer", VOTES, 3.0);
        assert_eq!(plain.iter().map(|o| o.0).collect::<Vec<_>>(), vec![1]);
        assert_eq!(voted.iter().map(|o| o.0).collect::<Vec<_>>(), vec![1, 2]);
        let stronger = ranked_with_votes("kitchen developer", VOTES, 9.0);
        assert_eq!(stronger[0].0, 2, "{stronger:?}");
    }

    #[test]
    fn a_title_that_is_a_preferred_label_is_not_outvoted() {
        let votes = "titles\t50\noccupation\to:cook\nfeature\tsoftware\t0:9\n\
                     feature\tsoftware developer\t0:9\n";
        let without = ranked_with_votes("software developer", votes, 0.0);
        let voted = ranked_with_votes("software developer", votes, 3.0);
        assert_eq!(
            voted, without,
            "a whole preferred label turns the votes off"
        );
        assert_eq!(voted[0].0, 1);
    }

    #[test]
    fn a_title_that_is_an_alternative_label_is_not_outvoted() {
        let taxonomy = Taxonomy::build(
            TaxonomyVersion::sample(),
            Vec::new(),
            vec![
                with_alt_labels("o:nurse", "registered nurse", &["ward sister"]),
                occupation("o:dev", "software developer", ""),
                occupation("o:cook", "cook", ""),
            ],
        )
        .unwrap();
        let votes = "titles\t50\noccupation\to:cook\nfeature\tward\t0:9\n\
                     feature\tward sister\t0:9\n";
        let ranked = |text: &str, weight: f32| ranked_in_with_votes(&taxonomy, text, votes, weight);
        assert_eq!(ranked("ward sister", 3.0), ranked("ward sister", 0.0));
        assert_eq!(ranked("ward sister", 3.0)[0].0, 0);
        // A title that is no label takes the votes.
        assert_eq!(ranked("ward sister night", 3.0)[0].0, 2);
    }

    #[test]
    fn a_label_of_a_taxonomy_the_votes_do_not_name_leaves_them_on() {
        let clerk = with_alt_labels("o:other", "ward clerk", &["ward sister"]);
        let three = || {
            vec![
                occupation("o:nurse", "registered nurse", ""),
                occupation("o:dev", "software developer", ""),
                occupation("o:cook", "cook", ""),
            ]
        };
        let mut four = three();
        four.push(clerk.clone());
        let one = Taxonomy::assemble(vec![occupations_of("esco", four)]).unwrap();
        let two = Taxonomy::assemble(vec![
            occupations_of("esco", three()),
            occupations_of("onet", vec![clerk]),
        ])
        .unwrap();
        let votes = "titles\t50\noccupation\to:cook\nfeature\tward\t0:9\n\
                     feature\tward sister\t0:9\n";
        let first = |taxonomy: &Taxonomy| {
            let ranked = ranked_in_with_votes(taxonomy, "ward sister", votes, 3.0);
            taxonomy.occupations()[ranked[0].0].uri.clone()
        };
        // The clerk in the votes' taxonomy: its label turns them off.
        assert_eq!(first(&one), "o:other");
        // In a taxonomy of its own, the title is no label the votes know.
        assert_eq!(first(&two), "o:cook");
    }

    /// (occupation, score), best first.
    type Ranked = Vec<(usize, f32)>;

    /// `title` ranked among two occupations of equal cosine, without a
    /// prior and with one that favours the second.
    fn ranked_between(first: Occupation, second: Occupation, title: &str) -> (Ranked, Ranked) {
        let taxonomy =
            Taxonomy::build(TaxonomyVersion::sample(), Vec::new(), vec![first, second]).unwrap();
        let index = OccupationIndex::new(&taxonomy, &[]);
        let cosines = Array1::from(vec![0.9, 0.9]);
        let ranked = |prior: &[f32]| ranked_in_index_with_prior(&index, title, &cosines, prior);
        (ranked(&[0.0, 0.0]), ranked(&[0.0, 1.0]))
    }

    fn with_alt_labels(uri: &str, label: &str, alt_labels: &[&str]) -> Occupation {
        Occupation {
            alt_labels: alt_labels.iter().map(|l| (*l).to_owned()).collect(),
            ..occupation(uri, label, "")
        }
    }

    #[test]
    fn a_label_split_into_segments_still_turns_the_prior_off() {
        let preserver = || occupation("o:preserver", "fruit and vegetable preserver", "");
        let picker = || occupation("o:picker", "fruit picker", "");
        let (without, picker_often) =
            ranked_between(preserver(), picker(), "fruit and vegetable preserver");
        assert_eq!(picker_often[0].0, 0);
        assert_eq!(picker_often, without);
        // A title that is no label takes the prior.
        let (without, picker_often) =
            ranked_between(preserver(), picker(), "fruit and vegetable work");
        assert_ne!(picker_often, without);
    }

    #[test]
    fn a_title_that_is_only_an_alternative_label_takes_the_prior() {
        let (without, porter_often) = ranked_between(
            with_alt_labels("o:cook", "cook", &["kitchen hand"]),
            occupation("o:porter", "kitchen porter", ""),
            "kitchen hand",
        );
        assert_eq!(without[0].0, 0);
        assert_eq!(porter_often[0].0, 1);
    }

    #[test]
    fn a_preferred_label_split_at_a_slash_turns_the_prior_off() {
        let (without, head_often) = ranked_between(
            with_alt_labels("o:waiter", "waiter/waitress", &["waiter"]),
            occupation("o:head", "head waiter", ""),
            "waiter/waitress",
        );
        assert_eq!(head_often[0].0, 0);
        assert_eq!(head_often, without);
    }

    #[test]
    fn a_posting_is_ranked_without_the_prior() {
        let cosines = Array1::from(vec![0.7, 0.1, 0.7]);
        let text = "registered cook\nPrepare meals on a hospital ward.";
        let without = ranked_with_prior(text, &cosines, &[0.0, 0.0, 0.0]);
        assert_eq!(ranked_with_prior(text, &cosines, &[1.0, 0.0, 0.0]), without);
        assert_eq!(ranked_with_prior(text, &cosines, &[0.0, 0.0, 1.0]), without);
    }

    fn occupations_of(id: &str, occupations: Vec<Occupation>) -> crate::taxonomy::TaxonomyPart {
        crate::taxonomy::TaxonomyPart {
            version: TaxonomyVersion {
                id: id.into(),
                version: "1".into(),
            },
            competencies: Vec::new(),
            occupations,
        }
    }

    fn occupation(uri: &str, label: &str, description: &str) -> Occupation {
        Occupation {
            uri: uri.into(),
            preferred_label: label.into(),
            description: description.into(),
            ..Occupation::default()
        }
    }

    fn nursing() -> crate::taxonomy::TaxonomyPart {
        occupations_of(
            "esco",
            vec![
                occupation("e:nurse", "registered nurse", "cares for patients"),
                occupation("e:educator", "nurse educator", "teaches nursing students"),
                occupation("e:cook", "cook", "prepares meals"),
            ],
        )
    }

    /// Another taxonomy whose labels say `nurse` hundreds of times.
    fn specialties() -> crate::taxonomy::TaxonomyPart {
        occupations_of(
            "onet",
            (0..300)
                .map(|i| {
                    let label = format!("nurse specialist {i}");
                    occupation(&format!("o:{i}"), &label, "cares for patients")
                })
                .collect(),
        )
    }

    /// (URI, score, reason, title match, evidence) of the ranked occupations
    /// in scope, and the URIs of the candidates outside it.
    #[allow(clippy::type_complexity)]
    fn ranked_in(
        taxonomy: &Taxonomy,
        text: &str,
        scope: &Scope,
    ) -> (
        Vec<(String, f32, Reason, f32, Vec<EvidenceSpan>)>,
        Vec<String>,
    ) {
        let index = OccupationIndex::new(taxonomy, &[]);
        let uri = |o: usize| taxonomy.occupations()[o].uri.clone();
        let mut outside_uris = Vec::new();
        let ranked = index.rank_selected(
            text,
            &crate::extract::terms::terms(text),
            Learnt::default(),
            &Tuning::default(),
            scope,
            |ranked, outside, _| {
                outside_uris = outside.iter().map(|&o| uri(o)).collect();
                every_answer(ranked)
            },
        );
        let ranked = ranked
            .into_iter()
            .map(|o| {
                (
                    uri(o.occupation),
                    o.score,
                    o.reason,
                    o.title_match,
                    o.evidence,
                )
            })
            .collect();
        (ranked, outside_uris)
    }

    #[test]
    fn a_request_scoped_to_one_taxonomy_ranks_as_that_taxonomy_alone() {
        let alone = Taxonomy::assemble(vec![nursing()]).unwrap();
        let both = Taxonomy::assemble(vec![nursing(), specialties()]).unwrap();
        let ids = vec!["esco".to_owned()];
        for text in [
            "Nurse educator",
            "Nurse educator\nTeach nursing students and cares for patients on the ward.",
        ] {
            let (expected, none_outside) = ranked_in(&alone, text, &Scope::of(&alone, &ids));
            assert_eq!(expected[0].0, "e:educator", "{text}: {expected:?}");
            assert!(none_outside.is_empty());
            let (scoped, outside) = ranked_in(&both, text, &Scope::of(&both, &ids));
            assert_eq!(scoped, expected, "{text}");
            assert_eq!(
                outside.len(),
                300,
                "every nurse specialist is a candidate outside"
            );
            // Without a filter, both taxonomies' statistics weigh the words.
            let (joint, _) = ranked_in(&both, text, &Scope::all());
            let joint_esco: Vec<_> = joint
                .into_iter()
                .filter(|o| o.0.starts_with("e:"))
                .collect();
            assert_ne!(joint_esco, expected, "{text}");
        }
    }

    #[test]
    fn a_posting_takes_support_from_its_whole_text() {
        let index = index();
        let posting = "Registered Partners Ltd\nOur kitchen needs a cook to prepare meals.";
        let all = crate::extract::terms::terms(posting);
        assert_eq!(title_terms(posting, &all), 3, "a body follows");
        let title = "Registered Partners Ltd";
        let alone = crate::extract::terms::terms(title);
        assert_eq!(title_terms(title, &alone), alone.len(), "no body");
        let first =
            |tuning: &str| index.rank(posting, 3, None, &tuning.parse().unwrap())[0].occupation;
        assert_eq!(first("posting_body_share=0"), 0, "the title's nurse");
        assert_eq!(first("posting_body_share=1"), 2, "the body's cook");
    }
}
