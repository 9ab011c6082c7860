//! Exact phrase matching of competency labels in text, on normalised tokens.

use super::label_index::tagged_labels;
use super::spans::span_of;
use super::terms::{TextTerm, stem, terms};
use super::{EvidenceSpan, Reason};
use crate::taxonomy::Taxonomy;
use crate::text;
use rustc_hash::FxHashMap as FastMap;

/// Labels shorter than this (in characters) are too ambiguous to match alone.
const MIN_LABEL_CHARS: usize = 2;

/// Maps normalised label token sequences to the concepts (competencies or
/// occupations, by dense index) they name: a trie over stemmed terms, so a
/// scan from each token of a text follows integer edges and stops as soon
/// as no label continues the window.
#[derive(Debug)]
pub struct PhraseMatcher {
    /// Id of every stemmed term used by a label.
    terms: FastMap<String, u32>,
    /// Trie edges: (node, term id) -> child node; node 0 is the root.
    children: FastMap<(u32, u32), u32>,
    /// Per node: the concepts whose label ends there, with the label kind.
    ends: Vec<Vec<(u32, Reason)>>,
}

impl Default for PhraseMatcher {
    fn default() -> Self {
        Self {
            terms: FastMap::default(),
            children: FastMap::default(),
            ends: vec![Vec::new()],
        }
    }
}

/// A concept whose label occurs in a text.
#[derive(Debug, Clone, PartialEq)]
pub struct PhraseHit {
    /// Dense index of the concept.
    pub concept: u32,
    /// Confidence of the best label kind.
    pub score: f64,
    /// Every occurrence.
    pub evidence: Vec<EvidenceSpan>,
    /// The best label kind.
    pub reason: Reason,
}

impl PhraseMatcher {
    /// Indexes every label of every competency.
    pub fn for_competencies(taxonomy: &Taxonomy) -> Self {
        Self::from_labels(taxonomy.competencies().iter().map(|c| {
            (
                c.preferred_label.as_str(),
                c.alt_labels.as_slice(),
                c.hidden_labels.as_slice(),
            )
        }))
    }

    /// Indexes every label of every occupation.
    pub fn for_occupations(taxonomy: &Taxonomy) -> Self {
        Self::from_labels(taxonomy.occupations().iter().map(|o| {
            (
                o.preferred_label.as_str(),
                o.alt_labels.as_slice(),
                o.hidden_labels.as_slice(),
            )
        }))
    }

    /// Indexes concepts given as (preferred, alternative, hidden) labels, in index order.
    pub fn from_labels<'a>(
        concepts: impl Iterator<Item = (&'a str, &'a [String], &'a [String])>,
    ) -> Self {
        let mut matcher = Self::default();
        for (position, (preferred, alt, hidden)) in concepts.enumerate() {
            let concept = u32::try_from(position).expect("fewer than 2^32 concepts");
            for (label, reason) in tagged_labels(preferred, alt, hidden) {
                matcher.add(label, concept, reason);
            }
        }
        matcher
    }

    fn add(&mut self, label: &str, idx: u32, reason: Reason) {
        let tokens = text::tokenize(label);
        if tokens.is_empty() || label.trim().chars().count() < MIN_LABEL_CHARS {
            return;
        }
        let mut node = 0;
        for token in &tokens {
            let next_term = u32::try_from(self.terms.len()).expect("fewer than 2^32 terms");
            let term = *self
                .terms
                .entry(stem(&token.norm).into_owned())
                .or_insert(next_term);
            let next_node = u32::try_from(self.ends.len()).expect("fewer than 2^32 nodes");
            node = *self.children.entry((node, term)).or_insert(next_node);
            if node == next_node {
                self.ends.push(Vec::new());
            }
        }
        let entries = &mut self.ends[node as usize];
        if !entries.iter().any(|(other, _)| *other == idx) {
            entries.push((idx, reason));
        }
    }

    /// Whether the terms, all of them in order, are one label.
    pub fn is_one_label(&self, text_terms: &[TextTerm]) -> bool {
        let mut node = 0;
        for t in text_terms {
            let Some(&next) = self
                .terms
                .get(t.term.as_str())
                .and_then(|&term| self.children.get(&(node, term)))
            else {
                return false;
            };
            node = next;
        }
        !self.ends[node as usize].is_empty()
    }

    /// Every concept whose label occurs in the text, with all occurrences.
    pub fn find(&self, input: &str) -> Vec<PhraseHit> {
        self.find_terms(input, &terms(input))
    }

    /// [`Self::find`] on the text's terms (as `terms::terms` gives them).
    pub fn find_terms(&self, input: &str, text_terms: &[TextTerm]) -> Vec<PhraseHit> {
        let ids: Vec<Option<u32>> = text_terms
            .iter()
            .map(|t| self.terms.get(t.term.as_str()).copied())
            .collect();
        let mut found: FastMap<u32, PhraseHit> = FastMap::default();
        for start in 0..ids.len() {
            let mut node = 0;
            for (end, id) in ids.iter().enumerate().skip(start) {
                let Some(&next) = id.and_then(|term| self.children.get(&(node, term))) else {
                    break;
                };
                node = next;
                let entries = &self.ends[node as usize];
                if entries.is_empty() {
                    continue;
                }
                let span = span_of(input, &text_terms[start], &text_terms[end]);
                for &(idx, reason) in entries {
                    let extraction = found.entry(idx).or_insert_with(|| PhraseHit {
                        concept: idx,
                        score: 0.0,
                        evidence: Vec::new(),
                        reason,
                    });
                    let score = reason_score(reason);
                    if score > extraction.score {
                        extraction.score = score;
                        extraction.reason = reason;
                    }
                    extraction.evidence.push(span.clone());
                }
            }
        }
        found.into_values().collect()
    }
}

/// Confidence of a label match by label kind.
fn reason_score(reason: Reason) -> f64 {
    match reason {
        Reason::PreferredLabel => 1.0,
        Reason::AltLabel => 0.9,
        Reason::HiddenLabel => 0.8,
        _ => 0.5,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matcher(label: &str) -> PhraseMatcher {
        let none: &[String] = &[];
        PhraseMatcher::from_labels(std::iter::once((label, none, none)))
    }

    #[test]
    fn phrases_meet_their_plurals_through_the_crate_stemmer() {
        assert_eq!(
            matcher("data privacy policy")
                .find("our privacy policies")
                .len(),
            0
        );
        assert_eq!(
            matcher("privacy policy")
                .find("write data privacy policies")
                .len(),
            1
        );
        assert_eq!(
            matcher("project status")
                .find("report the project status")
                .len(),
            1
        );
        assert_eq!(
            matcher("project statu")
                .find("report the project status")
                .len(),
            0
        );
    }
}
