//! Skill ranking: label evidence in the text (whole labels as phrases, and
//! most of a label's words inside one sentence) fused with the essential
//! skills of the occupations the text is about.

use rustc_hash::{FxHashMap, FxHashSet};

use super::best_first::rank_key;
use super::occupations::RankedOccupation;
use super::phrases::PhraseMatcher;
use super::semantic::TextVectors;
use super::skill_labels::{LabelRef, SkillLabels};
use super::spans::{self, merged_spans, sentence_ranges};
use super::terms::TextTerm;
use super::tuning::Tuning;
use super::{EvidenceSpan, Reading, Reason};
use crate::taxonomy::{CompetencyIdx, Taxonomy};

/// Text score of a label whose words all occur in one sentence but not as a phrase.
const SCATTERED_LABEL_SCORE: f32 = 0.7;

/// A skill with its fused score, evidence and reason.
#[derive(Debug, Clone, PartialEq)]
pub struct RankedSkill {
    /// The competency.
    pub competency: CompetencyIdx,
    /// Fused score in [0, 1].
    pub score: f32,
    /// Where its evidence spans come from ([`SkillIndex::evidence`]).
    pub evidence: Evidence,
    /// The strongest reason.
    pub reason: Reason,
}

/// Where a ranked skill's evidence spans come from. A text has hundreds of
/// candidates and an answer returns a few, so the spans of a label matched
/// in a sentence, and of an occupation, are made only for those returned.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum Evidence {
    /// Spans already made (whole labels found as phrases).
    Spans(Vec<EvidenceSpan>),
    /// The words of label `label` (of the skill label indexes) among the
    /// terms `all[sentence]` of the text.
    Label {
        /// The label.
        label: LabelRef,
        /// The sentence's terms.
        sentence: std::ops::Range<usize>,
    },
    /// The evidence of the ranked occupation at this position.
    Occupation(usize),
    /// None yet: only the vector score found the skill.
    #[default]
    None,
}

impl Evidence {
    /// Whether the evidence has no span.
    pub fn is_empty(&self, occupations: &[RankedOccupation]) -> bool {
        match self {
            Self::Spans(spans) => spans.is_empty(),
            // Every label match shares a term with its sentence.
            Self::Label { .. } => false,
            Self::Occupation(at) => occupations.get(*at).is_none_or(|o| o.evidence.is_empty()),
            Self::None => true,
        }
    }
}

#[derive(Debug, Clone, Default)]
struct TextEvidence {
    score: f32,
    evidence: Evidence,
    reason: Option<Reason>,
}

/// Label indexes over the skills of a taxonomy, and each occupation's essential skills.
#[derive(Debug)]
pub struct SkillIndex {
    phrases: PhraseMatcher,
    labels: SkillLabels,
    essential: Vec<Vec<CompetencyIdx>>,
    /// Per competency: its broader, narrower and related competencies, each
    /// with the reason it would be extracted for (seen from the neighbour).
    links: Vec<Vec<(CompetencyIdx, Reason)>>,
}

impl SkillIndex {
    /// Indexes every skill label and resolves occupations' essential skills.
    pub fn new(taxonomy: &Taxonomy) -> Self {
        let labels = SkillLabels::new(taxonomy);
        let essential = taxonomy
            .occupations()
            .iter()
            .map(|o| {
                o.essential
                    .iter()
                    .filter_map(|uri| taxonomy.idx(uri))
                    .collect()
            })
            .collect();
        let links = (0..taxonomy.len())
            .map(|i| {
                let idx = CompetencyIdx(u32::try_from(i).expect("fewer than 2^32"));
                let tagged = |list: &[CompetencyIdx], reason: Reason| {
                    list.iter().map(move |&n| (n, reason)).collect::<Vec<_>>()
                };
                let mut out = tagged(taxonomy.broader(idx), Reason::Broader);
                out.extend(tagged(taxonomy.narrower(idx), Reason::Narrower));
                out.extend(tagged(taxonomy.related(idx), Reason::Related));
                out
            })
            .collect();
        Self {
            phrases: PhraseMatcher::for_competencies(taxonomy),
            labels,
            essential,
            links,
        }
    }

    /// Whether the terms are, whole, one of a competency's labels.
    pub fn is_one_label(&self, all: &[TextTerm]) -> bool {
        self.phrases.is_one_label(all)
    }

    /// For each term of `all` that `wanted` keeps, the competencies with a
    /// label that uses it, once per label ([`SkillLabels::competencies_by_term`]).
    pub fn competencies_by_term(
        &self,
        all: &[TextTerm],
        wanted: impl Fn(&TextTerm) -> bool,
    ) -> Vec<Vec<CompetencyIdx>> {
        self.labels.competencies_by_term(all, wanted)
    }

    /// Skills of a text, best first, given the occupations inferred for it
    /// and, when an embedder is configured, the cosine of the text with every
    /// competency. Candidates are the skills with label or occupation
    /// evidence plus the `semantic_candidates` closest by cosine; a skill
    /// only the cosine found has reason [`Reason::Semantic`] and no evidence
    /// yet (the caller picks the closest sentence for the few it returns).
    pub fn rank(
        &self,
        input: &str,
        all: &[TextTerm],
        occupations: &[RankedOccupation],
        semantic: Option<&TextVectors>,
        tuning: &Tuning,
        reading: Reading,
    ) -> Vec<RankedSkill> {
        let has_body = reading.has_body();
        let mut text = self.text_evidence(input, all, tuning);
        if !has_body {
            // Postings name hundreds of skills, whose neighbours would add
            // ~1.3 ms per posting for +0.005 R-precision (BENCHMARKS.md).
            self.add_linked(&mut text, tuning);
        }
        let propagated = self.propagate(occupations, reading.trusts_occupations(), tuning);
        let semantic_weight = semantic.map_or(0.0, |_| tuning.semantic_weight_for(has_body));
        let vector = |c: CompetencyIdx| {
            semantic.map_or(0.0, |v| {
                super::occupations::vector_score(v.skills[c.0 as usize], tuning.semantic_floor)
            })
        };
        let text_weight = tuning.text_weight_for(has_body);
        let total = text_weight + 1.0 + semantic_weight;
        let mut ranked: Vec<RankedSkill> = Vec::with_capacity(text.len() + propagated.len());
        for (competency, (weight, from)) in &propagated {
            let own = text.remove(competency).unwrap_or_default();
            // Occupation evidence weighs 1: the other weights are relative to it.
            let occupation_part = *weight;
            let text_part = text_weight * own.score;
            let (evidence, reason) = match own.reason {
                Some(reason) if text_part >= occupation_part => (own.evidence, reason),
                _ => (Evidence::Occupation(*from), Reason::Occupation),
            };
            ranked.push(RankedSkill {
                competency: *competency,
                score: (occupation_part + text_part + semantic_weight * vector(*competency))
                    / total,
                evidence,
                reason,
            });
        }
        for (competency, own) in text {
            ranked.push(RankedSkill {
                competency,
                score: (text_weight * own.score + semantic_weight * vector(competency)) / total,
                evidence: own.evidence,
                reason: own.reason.unwrap_or(Reason::Semantic),
            });
        }
        if let Some(vectors) = semantic.filter(|_| semantic_weight > 0.0) {
            let seen: FxHashSet<CompetencyIdx> = ranked.iter().map(|r| r.competency).collect();
            for competency in nearest(&vectors.skills, tuning.semantic_candidates) {
                if seen.contains(&competency) {
                    continue;
                }
                let score = semantic_weight * vector(competency) / total;
                if score > 0.0 {
                    ranked.push(RankedSkill {
                        competency,
                        score,
                        evidence: Evidence::None,
                        reason: Reason::Semantic,
                    });
                }
            }
        }
        best_first(ranked)
    }

    /// Essential skills of the top occupations, weighted by a softmax over
    /// their scores and, unless the occupations are `trusted` (a posting's
    /// or a job title's), by how completely the text names its best
    /// occupation (a sentence that names none propagates little):
    /// (weight in [0, 1], index of the strongest occupation).
    fn propagate(
        &self,
        occupations: &[RankedOccupation],
        trusted: bool,
        tuning: &Tuning,
    ) -> FxHashMap<CompetencyIdx, (f32, usize)> {
        let top = &occupations[..occupations.len().min(tuning.propagated_occupations)];
        let mut out: FxHashMap<CompetencyIdx, (f32, usize)> = FxHashMap::default();
        let Some(best) = top.first().map(|o| o.score) else {
            return out;
        };
        // A posting's body describes the job whatever its title says, and a
        // job title names nothing but its job, so their occupations are
        // trusted fully; a sentence's only as far as its title match.
        let confidence = if trusted {
            1.0
        } else {
            top[0].title_match.powf(tuning.title_match_power)
        };
        let temperature = tuning.occupation_temperature.max(1e-3);
        let weights: Vec<f32> = top
            .iter()
            .map(|o| ((o.score - best) / temperature).exp())
            .collect();
        let sum: f32 = weights.iter().sum();
        for (position, (occupation, weight)) in top.iter().zip(&weights).enumerate() {
            let share = confidence * weight / sum;
            for &skill in &self.essential[occupation.occupation] {
                out.entry(skill).or_insert((0.0, position)).0 += share;
            }
        }
        out
    }

    /// Broader, narrower and related competencies of those the text names,
    /// at the neighbour's text score times the link's weight, with its spans.
    fn add_linked(&self, found: &mut FxHashMap<CompetencyIdx, TextEvidence>, tuning: &Tuning) {
        let weight = |reason: Reason| match reason {
            Reason::Broader => tuning.broader_weight,
            Reason::Narrower => tuning.narrower_weight,
            _ => tuning.related_weight,
        };
        if tuning.broader_weight <= 0.0
            && tuning.narrower_weight <= 0.0
            && tuning.related_weight <= 0.0
        {
            return;
        }
        // Best (score, reason, source) per neighbour first; spans are cloned
        // only for the neighbours that end up taking them. Sources are read
        // in index order, so of two sources giving a neighbour the same
        // score the first in the taxonomy lends its reason and spans.
        let mut best: FxHashMap<CompetencyIdx, (f32, Reason, CompetencyIdx)> = FxHashMap::default();
        let mut sources: Vec<(&CompetencyIdx, &TextEvidence)> = found.iter().collect();
        sources.sort_unstable_by_key(|(competency, _)| **competency);
        for (competency, own) in sources {
            for &(neighbour, reason) in &self.links[competency.0 as usize] {
                let score = own.score * weight(reason);
                if score <= 0.0 || found.get(&neighbour).is_some_and(|e| e.score >= score) {
                    continue;
                }
                let slot = best.entry(neighbour).or_insert((0.0, reason, *competency));
                if score > slot.0 {
                    *slot = (score, reason, *competency);
                }
            }
        }
        for (neighbour, (score, reason, source)) in best {
            let evidence = found[&source].evidence.clone();
            found.insert(
                neighbour,
                TextEvidence {
                    score,
                    evidence,
                    reason: Some(reason),
                },
            );
        }
    }

    /// Whole labels found as phrases (1.0 / 0.9 / 0.8 by label kind), and
    /// labels with most of their idf mass inside one sentence (0.7 × coverage).
    fn text_evidence(
        &self,
        input: &str,
        all: &[TextTerm],
        tuning: &Tuning,
    ) -> FxHashMap<CompetencyIdx, TextEvidence> {
        let mut found: FxHashMap<CompetencyIdx, TextEvidence> = FxHashMap::default();
        for hit in self.phrases.find_terms(input, all) {
            found.insert(
                CompetencyIdx(hit.concept),
                TextEvidence {
                    score: hit.score as f32,
                    evidence: Evidence::Spans(hit.evidence),
                    reason: Some(hit.reason),
                },
            );
        }
        let sentences = sentence_ranges(input, all);
        self.labels
            .partial_matches(all, &sentences, tuning.min_coverage, |m| {
                let score = SCATTERED_LABEL_SCORE * m.coverage;
                let entry = found.entry(m.competency).or_default();
                if score <= entry.score {
                    return;
                }
                *entry = TextEvidence {
                    score,
                    evidence: Evidence::Label {
                        label: m.label,
                        sentence: m.sentence,
                    },
                    reason: Some(if m.coverage >= 0.999 {
                        m.kind
                    } else {
                        Reason::Semantic
                    }),
                };
            });
        found
    }
}

impl SkillIndex {
    /// The spans of a ranked skill's evidence in `input`, whose terms are
    /// `all` and whose ranked occupations are `occupations`.
    pub fn evidence(
        &self,
        input: &str,
        all: &[TextTerm],
        occupations: &[RankedOccupation],
        evidence: Evidence,
    ) -> Vec<EvidenceSpan> {
        match evidence {
            Evidence::Spans(spans) => spans,
            Evidence::Label { label, sentence } => {
                merged_spans(input, &self.labels.words_of(label, &all[sentence]))
            }
            Evidence::Occupation(at) => occupations
                .get(at)
                .map(|o| o.evidence.clone())
                .unwrap_or_default(),
            Evidence::None => Vec::new(),
        }
    }
}

/// Skills by score descending, then competency index. Competencies are
/// distinct, so the order is total and an unstable sort of small keys gives
/// the one possible result; each skill then moves once.
fn best_first(ranked: Vec<RankedSkill>) -> Vec<RankedSkill> {
    let mut order: Vec<(u64, u32)> = ranked
        .iter()
        .zip(0u32..)
        .map(|(s, at)| (rank_key(s.score, s.competency.0), at))
        .collect();
    order.sort_unstable();
    let mut slots: Vec<Option<RankedSkill>> = ranked.into_iter().map(Some).collect();
    order
        .into_iter()
        .filter_map(|(_, at)| slots[at as usize].take())
        .collect()
}

/// The `n` competencies with the highest cosines, in no particular order.
fn nearest(cosines: &ndarray::Array1<f32>, n: usize) -> Vec<CompetencyIdx> {
    super::occupations::nearest_rows(cosines, n)
        .into_iter()
        .map(CompetencyIdx)
        .collect()
}

/// Whether a text has a body after its title line (a posting, not a sentence or a title).
pub fn has_body(input: &str) -> bool {
    spans::title_end(input) < input.trim_end().len()
}
