//! An in-memory inverted index over concept labels (one document per
//! distinct label of a concept), scored with Okapi BM25 and with idf
//! coverage. Built once; a query accumulates postings into per-label sums
//! and keeps each concept's best label.

use std::sync::Mutex;

use rustc_hash::FxHashMap;

use super::Reason;
use super::terms::label_terms;

/// BM25 term-frequency saturation.
const K1: f32 = 1.2;
/// BM25 length normalisation.
const B: f32 = 0.75;

/// A concept's labels tagged with their kind: the preferred label, then the
/// alternative ones, then the hidden ones.
pub fn tagged_labels<'a>(
    preferred: &'a str,
    alt: &'a [String],
    hidden: &'a [String],
) -> impl Iterator<Item = (&'a str, Reason)> + 'a {
    std::iter::once((preferred, Reason::PreferredLabel))
        .chain(alt.iter().map(|l| (l.as_str(), Reason::AltLabel)))
        .chain(hidden.iter().map(|l| (l.as_str(), Reason::HiddenLabel)))
}

/// A concept's best-matching label for one query.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LabelMatch {
    /// Dense index of the concept.
    pub concept: u32,
    /// Index of the label inside the index.
    pub label: u32,
    /// BM25 of the label against the query.
    pub bm25: f32,
    /// Share of the label's idf mass present in the query, in [0, 1].
    pub coverage: f32,
    /// Idf mass of the label's terms present in the query.
    pub matched_idf: f32,
}

/// One label of one concept.
#[derive(Debug, Clone)]
struct LabelDoc {
    kind: Reason,
    terms: Vec<u32>,
}

/// Inverted index over labels.
#[derive(Debug, Default)]
pub struct LabelIndex {
    /// Accumulators kept between queries, so a query does not allocate them.
    spare: Mutex<Vec<Scratch>>,
    term_ids: FxHashMap<String, u32>,
    idf: Vec<f32>,
    postings: Postings,
    labels: Vec<LabelDoc>,
    /// Per label: its concept and the idf mass of its terms, apart from the
    /// rest of the label so that a query's pass over its matches reads
    /// only these.
    label_concept: Vec<u32>,
    label_idf_total: Vec<f32>,
    concepts: usize,
}

/// Every term's postings in one block: the labels using term `t` are
/// `labels[offsets[t]..offsets[t + 1]]`, with the term's BM25 weight in each
/// at the same places of `bm25`.
#[derive(Debug, Default)]
struct Postings {
    offsets: Vec<usize>,
    labels: Vec<u32>,
    bm25: Vec<f32>,
}

impl Postings {
    fn range(&self, term: u32) -> std::ops::Range<usize> {
        self.offsets[term as usize]..self.offsets[term as usize + 1]
    }
}

/// Reusable per-query accumulators, sized to the index.
#[derive(Debug, Default)]
pub struct Scratch {
    /// Per label: its sums (matched idf 0: not touched yet), side by side
    /// so a posting reads and writes one place.
    sums: Vec<LabelSums>,
    /// The labels touched so far, in the order first touched, in the first
    /// places; one place more than there are labels, so that a place can be
    /// written before it is known to be needed.
    touched: Vec<u32>,
    /// Per concept: its best label so far and that label's rank value.
    best: Vec<Option<(LabelMatch, f32)>>,
    /// Concepts with a best label, in the order first found.
    found: Vec<u32>,
}

/// A label's sums over a query's postings.
#[derive(Debug, Clone, Copy, Default)]
struct LabelSums {
    /// The idf of the query terms it holds.
    idf: f32,
    /// Their BM25, weighted by the query's weights.
    bm25: f32,
}

impl LabelIndex {
    /// Indexes concepts given as lists of (label, kind), in concept order.
    /// Duplicate labels of one concept keep their first (strongest) kind.
    pub fn build<'a>(concepts: impl Iterator<Item = Vec<(&'a str, Reason)>>) -> Self {
        let mut index = Self::default();
        for (position, labels) in concepts.enumerate() {
            let concept = u32::try_from(position).expect("fewer than 2^32 concepts");
            let mut seen: Vec<Vec<u32>> = Vec::new();
            for (label, kind) in labels {
                let mut ids: Vec<u32> = label_terms(label)
                    .into_iter()
                    .map(|term| index.term_id(term))
                    .collect();
                ids.sort_unstable();
                if ids.is_empty() || seen.contains(&ids) {
                    continue;
                }
                seen.push(ids.clone());
                index.labels.push(LabelDoc { kind, terms: ids });
                index.label_concept.push(concept);
            }
            index.concepts = position + 1;
        }
        index.finish();
        index
    }

    fn term_id(&mut self, term: String) -> u32 {
        let next = u32::try_from(self.term_ids.len()).expect("fewer than 2^32 terms");
        *self.term_ids.entry(term).or_insert(next)
    }

    fn finish(&mut self) {
        let terms = self.term_ids.len();
        let mut df = vec![0u32; terms];
        for doc in &self.labels {
            let mut unique = doc.terms.clone();
            unique.dedup();
            for t in unique {
                df[t as usize] += 1;
            }
        }
        let n = self.labels.len() as f32;
        self.idf = df
            .iter()
            .map(|&d| (1.0 + (n - d as f32 + 0.5) / (d as f32 + 0.5)).ln())
            .collect();
        let average = self.labels.iter().map(|d| d.terms.len()).sum::<usize>() as f32 / n.max(1.0);
        let mut postings: Vec<Vec<(u32, f32)>> = vec![Vec::new(); terms];
        for (label, doc) in self.labels.iter_mut().enumerate() {
            let norm = K1 * (1.0 - B + B * doc.terms.len() as f32 / average.max(1.0));
            let mut unique = doc.terms.clone();
            unique.dedup();
            let mut idf_total = 0.0;
            for t in unique {
                let tf = doc.terms.iter().filter(|&&x| x == t).count() as f32;
                let idf = self.idf[t as usize];
                idf_total += idf;
                postings[t as usize].push((label as u32, idf * tf * (K1 + 1.0) / (tf + norm)));
            }
            self.label_idf_total.push(idf_total);
            doc.terms.dedup();
        }
        let mut offsets = Vec::with_capacity(terms + 1);
        offsets.push(0);
        for list in &postings {
            offsets.push(offsets[offsets.len() - 1] + list.len());
        }
        let flat = postings.into_iter().flatten();
        let (labels, bm25) = flat.unzip();
        self.postings = Postings {
            offsets,
            labels,
            bm25,
        };
    }

    /// Whether `query` (term ids, sorted) holds one of the label's rarest
    /// terms (those of the highest idf).
    pub fn holds_rarest(&self, label: u32, query: &[(u32, f32)]) -> bool {
        let terms = &self.labels[label as usize].terms;
        let most = terms
            .iter()
            .map(|&t| self.idf[t as usize])
            .fold(0.0f32, f32::max);
        terms.iter().any(|&t| {
            self.idf[t as usize] >= most - 1e-6
                && query.binary_search_by_key(&t, |&(id, _)| id).is_ok()
        })
    }

    /// Number of concepts indexed.
    pub fn concept_count(&self) -> usize {
        self.concepts
    }

    /// Number of labels indexed.
    pub fn label_count(&self) -> usize {
        self.labels.len()
    }

    /// The term id of a stemmed term, when any label uses it.
    pub fn term(&self, term: &str) -> Option<u32> {
        self.term_ids.get(term).copied()
    }

    /// Inverse document frequency of a term over labels.
    pub fn idf(&self, term: u32) -> f32 {
        self.idf[term as usize]
    }

    /// The kind of a label (preferred, alternative, hidden).
    pub fn kind(&self, label: u32) -> Reason {
        self.labels[label as usize].kind
    }

    /// The concept a label belongs to.
    pub fn concept(&self, label: u32) -> u32 {
        self.label_concept[label as usize]
    }

    /// The distinct term ids of a label.
    pub fn label_terms(&self, label: u32) -> &[u32] {
        &self.labels[label as usize].terms
    }

    /// The labels of a concept (none when all of its labels were empty).
    pub fn labels_of(&self, concept: u32) -> std::ops::Range<u32> {
        let start = self.label_concept.partition_point(|&c| c < concept);
        let end = self.label_concept.partition_point(|&c| c <= concept);
        let id = |at: usize| u32::try_from(at).expect("fewer than 2^32 labels");
        id(start)..id(end)
    }

    /// Accumulators for this index, reused from earlier queries when possible;
    /// hand them back with [`Self::give_back`].
    pub fn take_scratch(&self) -> Scratch {
        let spare = self.spare.lock().map(|mut v| v.pop()).unwrap_or(None);
        spare.unwrap_or_else(|| self.scratch())
    }

    /// Keeps accumulators for the next query.
    pub fn give_back(&self, scratch: Scratch) {
        if let Ok(mut spare) = self.spare.lock() {
            spare.push(scratch);
        }
    }

    /// Fresh accumulators for this index.
    pub fn scratch(&self) -> Scratch {
        Scratch {
            sums: vec![LabelSums::default(); self.labels.len()],
            touched: vec![0; self.labels.len() + 1],
            best: vec![None; self.concepts],
            found: Vec::new(),
        }
    }

    /// Scores every label sharing a term with the query (distinct term ids
    /// with weights) and returns each concept's best label by `rank`.
    pub fn search(
        &self,
        query: &[(u32, f32)],
        scratch: &mut Scratch,
        rank: impl Fn(&LabelMatch) -> f32,
    ) -> Vec<LabelMatch> {
        self.accumulate::<true>(query, scratch, rank, |_| true)
    }

    /// The labels whose distinct terms are exactly `terms` (distinct term
    /// ids, sorted), read from the postings of the rarest of them.
    pub fn labels_with_terms<'a>(&'a self, terms: &'a [u32]) -> impl Iterator<Item = u32> + 'a {
        let rarest = terms
            .iter()
            .copied()
            .min_by_key(|&t| self.label_frequency(t));
        rarest.into_iter().flat_map(move |t| {
            self.postings.labels[self.postings.range(t)]
                .iter()
                .copied()
                .filter(move |&label| self.labels[label as usize].terms == terms)
        })
    }

    /// The concepts with a label that uses `term` (once per such label).
    pub fn concepts_with_term(&self, term: u32) -> impl Iterator<Item = u32> + '_ {
        self.postings.labels[self.postings.range(term)]
            .iter()
            .map(|&label| self.label_concept[label as usize])
    }

    /// How many labels use a term.
    pub fn label_frequency(&self, term: u32) -> usize {
        self.postings.range(term).len()
    }

    /// [`Self::search`] by idf coverage alone, keeping only the labels that
    /// pass `keep`: BM25 is not summed, so every match's `bm25` is 0 and
    /// `rank` and `keep` read its coverage and matched idf.
    pub fn search_coverage(
        &self,
        query: &[(u32, f32)],
        scratch: &mut Scratch,
        rank: impl Fn(&LabelMatch) -> f32,
        keep: impl Fn(&LabelMatch) -> bool,
    ) -> Vec<LabelMatch> {
        self.accumulate::<false>(query, scratch, rank, keep)
    }

    /// Sums each touched label's matched idf (and, with `BM25`, its BM25)
    /// over the query's postings in query order, then keeps each concept's
    /// best label by `rank` among those that pass `keep`.
    fn accumulate<const BM25: bool>(
        &self,
        query: &[(u32, f32)],
        scratch: &mut Scratch,
        rank: impl Fn(&LabelMatch) -> f32,
        keep: impl Fn(&LabelMatch) -> bool,
    ) -> Vec<LabelMatch> {
        if scratch.sums.len() != self.labels.len() || scratch.best.len() != self.concepts {
            *scratch = self.scratch();
        }
        // Each label is written to the next place of `touched` and the place
        // is kept when the label's sum was still 0 (idf is positive): no
        // branch and no growth in the loop over the postings.
        let mut touched = 0;
        for &(term, weight) in query {
            let idf = self.idf[term as usize];
            let range = self.postings.range(term);
            let labels = &self.postings.labels[range.clone()];
            for (&label, &bm25) in labels.iter().zip(&self.postings.bm25[range]) {
                let sums = &mut scratch.sums[label as usize];
                scratch.touched[touched] = label;
                touched += usize::from(sums.idf == 0.0);
                sums.idf += idf;
                if BM25 {
                    sums.bm25 += weight * bm25;
                }
            }
        }
        for &label in &scratch.touched[..touched] {
            // Without BM25 its sum stays 0.
            let LabelSums {
                idf: matched_idf,
                bm25,
            } = std::mem::take(&mut scratch.sums[label as usize]);
            let concept = self.label_concept[label as usize];
            let idf_total = self.label_idf_total[label as usize];
            let found = LabelMatch {
                concept,
                label,
                bm25,
                coverage: (matched_idf / idf_total.max(f32::EPSILON)).min(1.0),
                matched_idf,
            };
            if !keep(&found) {
                continue;
            }
            let value = rank(&found);
            let slot = &mut scratch.best[concept as usize];
            match slot {
                Some((_, old)) if *old >= value => {}
                Some(_) => *slot = Some((found, value)),
                None => {
                    *slot = Some((found, value));
                    scratch.found.push(concept);
                }
            }
        }
        let best = &mut scratch.best;
        let mut found = Vec::with_capacity(scratch.found.len());
        found.extend(
            scratch
                .found
                .drain(..)
                .filter_map(|concept| best[concept as usize].take().map(|(m, _)| m)),
        );
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_labels_cover_fully_and_concepts_keep_their_best_label() {
        let index = LabelIndex::build(
            vec![
                vec![
                    ("registered nurse", Reason::PreferredLabel),
                    ("nurse", Reason::AltLabel),
                ],
                vec![("nurse educator", Reason::PreferredLabel)],
                vec![("software developer", Reason::PreferredLabel)],
            ]
            .into_iter(),
        );
        let nurse = index.term("nurse").unwrap();
        let mut scratch = index.scratch();
        let found = index.search(&[(nurse, 1.0)], &mut scratch, |m| m.bm25);
        assert_eq!(found.len(), 2);
        let first = found.iter().find(|m| m.concept == 0).unwrap();
        assert!((first.coverage - 1.0).abs() < 1e-6);
        assert_eq!(index.kind(first.label), Reason::AltLabel);
        let educator = found.iter().find(|m| m.concept == 1).unwrap();
        assert!(educator.coverage < 1.0 && educator.bm25 < first.bm25);
        assert!(index.term("nurses").is_none());
    }

    #[test]
    fn labels_with_exactly_the_given_terms_are_found_in_any_order() {
        let index = LabelIndex::build(
            vec![
                vec![("registered nurse", Reason::PreferredLabel)],
                vec![("nurse", Reason::PreferredLabel)],
                vec![("nurse registered", Reason::AltLabel)],
            ]
            .into_iter(),
        );
        let term = |t: &str| index.term(t).unwrap();
        let mut both = vec![term("nurse"), term("registered")];
        both.sort_unstable();
        assert_eq!(index.labels_with_terms(&both).collect::<Vec<_>>(), [0, 2]);
        assert_eq!(
            index
                .labels_with_terms(&[term("nurse")])
                .collect::<Vec<_>>(),
            [1]
        );
        assert_eq!(index.labels_with_terms(&[]).count(), 0);
    }

    #[test]
    fn a_concept_without_terms_has_no_labels_and_moves_no_other() {
        let index = LabelIndex::build(
            vec![
                vec![
                    ("registered nurse", Reason::PreferredLabel),
                    ("nurse", Reason::AltLabel),
                ],
                vec![("", Reason::PreferredLabel)],
                vec![("cook", Reason::PreferredLabel)],
            ]
            .into_iter(),
        );
        assert_eq!(index.labels_of(0), 0..2);
        assert!(index.labels_of(1).is_empty());
        assert_eq!(index.labels_of(2), 2..3);
        assert!(index.labels_of(3).is_empty());
        let cook = index.term("cook").unwrap();
        assert_eq!(index.label_terms(2), &[cook]);
    }
}
