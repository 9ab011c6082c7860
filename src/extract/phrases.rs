//! Exact phrase matching of competency labels in text, on normalised tokens.

use std::collections::{HashMap, HashSet};

use super::terms::stem;
use super::{EvidenceSpan, Reason};
use crate::taxonomy::Taxonomy;
use crate::text::{self, Token};

/// Labels shorter than this (in characters) are too ambiguous to match alone.
const MIN_LABEL_CHARS: usize = 2;

/// Maps normalised label token sequences to the concepts (competencies or
/// occupations, by dense index) they name.
#[derive(Debug, Default)]
pub struct PhraseMatcher {
    phrases: HashMap<String, Vec<(u32, Reason)>>,
    /// Every token-level prefix of every label key, so a scan stops as soon
    /// as no label continues the window.
    prefixes: HashSet<String>,
    max_tokens: usize,
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

fn key_of(tokens: &[Token]) -> String {
    tokens
        .iter()
        .map(|t| stem(&t.norm))
        .collect::<Vec<_>>()
        .join(" ")
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
            let labels = std::iter::once((preferred, Reason::PreferredLabel))
                .chain(alt.iter().map(|l| (l.as_str(), Reason::AltLabel)))
                .chain(hidden.iter().map(|l| (l.as_str(), Reason::HiddenLabel)));
            for (label, reason) in labels {
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
        self.max_tokens = self.max_tokens.max(tokens.len());
        for end in 1..tokens.len() {
            self.prefixes.insert(key_of(&tokens[..end]));
        }
        let entries = self.phrases.entry(key_of(&tokens)).or_default();
        if !entries.iter().any(|(other, _)| *other == idx) {
            entries.push((idx, reason));
        }
    }

    /// Every concept whose label occurs in the text, with all occurrences.
    pub fn find(&self, input: &str) -> Vec<PhraseHit> {
        let tokens = text::tokenize(input);
        let mut found: HashMap<u32, PhraseHit> = HashMap::new();
        for start in 0..tokens.len() {
            let mut key = String::new();
            for len in 1..=self.max_tokens.min(tokens.len() - start) {
                let window = &tokens[start..start + len];
                if len > 1 {
                    key.push(' ');
                }
                key.push_str(&stem(&window[len - 1].norm));
                let Some(entries) = self.phrases.get(&key) else {
                    if self.prefixes.contains(&key) {
                        continue;
                    }
                    break;
                };
                let (begin, end) = (window[0].start, window[len - 1].end);
                let span = EvidenceSpan {
                    start: text::char_offset(input, begin),
                    end: text::char_offset(input, end),
                    text: input[begin..end].to_owned(),
                };
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
