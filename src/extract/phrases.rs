//! Exact phrase matching of competency labels in text, on normalised tokens.

use std::collections::HashMap;

use super::{Extraction, Reason, Span};
use crate::taxonomy::{CompetencyIdx, Taxonomy};
use crate::text::{self, Token};

/// Labels shorter than this (in characters) are too ambiguous to match alone.
const MIN_LABEL_CHARS: usize = 2;

/// Maps normalised label token sequences to the competencies they name.
#[derive(Debug, Default)]
pub struct PhraseMatcher {
    phrases: HashMap<String, Vec<(CompetencyIdx, Reason)>>,
    max_tokens: usize,
}

/// A light, symmetric stemmer: drops a plural `s` so `dashboards` meets `dashboard`.
fn stem(word: &str) -> &str {
    if word.len() > 3 && word.ends_with('s') && !word.ends_with("ss") {
        &word[..word.len() - 1]
    } else {
        word
    }
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
    pub fn new(taxonomy: &Taxonomy) -> Self {
        let mut matcher = Self::default();
        for (position, competency) in taxonomy.competencies().iter().enumerate() {
            let idx = CompetencyIdx(position as u32);
            let labels =
                std::iter::once((competency.preferred_label.as_str(), Reason::PreferredLabel))
                    .chain(
                        competency
                            .alt_labels
                            .iter()
                            .map(|l| (l.as_str(), Reason::AltLabel)),
                    )
                    .chain(
                        competency
                            .hidden_labels
                            .iter()
                            .map(|l| (l.as_str(), Reason::HiddenLabel)),
                    );
            for (label, reason) in labels {
                matcher.add(label, idx, reason);
            }
        }
        matcher
    }

    fn add(&mut self, label: &str, idx: CompetencyIdx, reason: Reason) {
        let tokens = text::tokenize(label);
        if tokens.is_empty() || label.trim().chars().count() < MIN_LABEL_CHARS {
            return;
        }
        self.max_tokens = self.max_tokens.max(tokens.len());
        let entries = self.phrases.entry(key_of(&tokens)).or_default();
        if !entries.iter().any(|(other, _)| *other == idx) {
            entries.push((idx, reason));
        }
    }

    /// Every competency whose label occurs in the text, with all occurrences.
    pub fn find(&self, input: &str) -> Vec<Extraction> {
        let tokens = text::tokenize(input);
        let mut found: HashMap<CompetencyIdx, Extraction> = HashMap::new();
        for start in 0..tokens.len() {
            for len in 1..=self.max_tokens.min(tokens.len() - start) {
                let window = &tokens[start..start + len];
                let Some(entries) = self.phrases.get(&key_of(window)) else {
                    continue;
                };
                let (begin, end) = (window[0].start, window[len - 1].end);
                let span = Span {
                    start: text::char_offset(input, begin),
                    end: text::char_offset(input, end),
                    text: input[begin..end].to_owned(),
                };
                for &(idx, reason) in entries {
                    let extraction = found.entry(idx).or_insert_with(|| Extraction {
                        competency: idx,
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
    }
}
