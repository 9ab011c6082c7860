//! The competency labels of each loaded taxonomy in a label index of its
//! own, for partial label matches (most of a label's idf mass inside one
//! sentence).
//!
//! A partial match is weighed by term statistics: a label's idf mass, and
//! which terms are too common to start a match. Kept per taxonomy, they are
//! the statistics of that taxonomy's labels alone, so importing another
//! taxonomy beside ESCO (O*NET's thousands of technology and task labels
//! reuse words like `software` and `data`) leaves ESCO's partial matches as
//! they were, and a request filtered to one taxonomy ranks its competencies
//! as that taxonomy alone would (EVALUATION.md, "Served set-ups on held-out
//! folds").
//!
//! A competency named by its label, a product (O*NET technology skills such
//! as `ABC programming language` or `Lombardi Teamworks`), matches in part
//! only when the sentence holds the label's rarest term, the name proper:
//! `Excel` names `Microsoft Excel`, `programming languages` does not name
//! `ABC programming language` (EVALUATION.md, "Product names matched in
//! part only by their name").

use std::ops::Range;

use super::Reason;
use super::label_index::{LabelIndex, tagged_labels};
use super::terms::TextTerm;
use crate::taxonomy::{CompetencyIdx, Taxonomy, onet};

/// Terms used by more than one label in this many are too common to start
/// a partial label match (`and`, `of`, `the`); they still count in coverage.
const COMMON_TERM_SHARE: usize = 50;
/// ... but a term is never too common while it is used by fewer labels than this.
const MIN_COMMON_LABELS: usize = 100;

/// One label of one taxonomy's index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LabelRef {
    taxonomy: u32,
    label: u32,
}

/// A label with at least the wanted share of its idf mass in one sentence.
#[derive(Debug, Clone, PartialEq)]
pub struct PartialMatch {
    /// The competency the label belongs to.
    pub competency: CompetencyIdx,
    /// The label.
    pub label: LabelRef,
    /// The sentence's terms (a range of the text's terms).
    pub sentence: Range<usize>,
    /// Share of the label's idf mass present in the sentence, in [0, 1].
    pub coverage: f32,
    /// The label's kind (preferred, alternative, hidden).
    pub kind: Reason,
}

/// The labels of one taxonomy's competencies.
#[derive(Debug)]
struct TaxonomyLabels {
    index: LabelIndex,
    /// The competency of each concept of `index`.
    competencies: Vec<CompetencyIdx>,
    /// Whether each concept of `index` is a product named by its label.
    products: Vec<bool>,
}

impl TaxonomyLabels {
    /// Terms used by more labels than this are too common to start a
    /// partial label match.
    fn common(&self) -> usize {
        (self.index.label_count() / COMMON_TERM_SHARE).max(MIN_COMMON_LABELS)
    }
}

/// Competency labels, one index per taxonomy id (releases of one taxonomy
/// share it), in the order the taxonomies were loaded.
#[derive(Debug)]
pub struct SkillLabels {
    taxonomies: Vec<TaxonomyLabels>,
}

impl SkillLabels {
    /// Indexes the preferred, alternative and hidden labels of every
    /// competency with the other competencies of its taxonomy.
    pub fn new(taxonomy: &Taxonomy) -> Self {
        let members = taxonomy
            .competencies_by_taxonomy_id()
            .into_iter()
            .map(|(_, members)| members.into_iter().map(CompetencyIdx).collect::<Vec<_>>());
        let taxonomies = members
            .map(|competencies| TaxonomyLabels {
                index: LabelIndex::build(competencies.iter().map(|&idx| {
                    let c = taxonomy.get(idx);
                    tagged_labels(&c.preferred_label, &c.alt_labels, &c.hidden_labels).collect()
                })),
                products: competencies
                    .iter()
                    .map(|&idx| onet::is_technology_uri(&taxonomy.get(idx).uri))
                    .collect(),
                competencies,
            })
            .collect();
        Self { taxonomies }
    }

    /// Calls `found` with every label that has at least `min_coverage` of
    /// its idf mass among the terms of one sentence (`sentences` are ranges
    /// of `all`, the text's terms), each competency's best label per
    /// sentence; terms too common in a taxonomy's labels do not start a
    /// match in it, and a product's label matches only with its rarest term.
    pub fn partial_matches(
        &self,
        all: &[TextTerm],
        sentences: &[Range<usize>],
        min_coverage: f32,
        mut found: impl FnMut(PartialMatch),
    ) {
        let mut query: Vec<(u32, f32)> = Vec::new();
        for (taxonomy, labels) in (0u32..).zip(&self.taxonomies) {
            let index = &labels.index;
            // Each term's id in this index, looked up once.
            let ids: Vec<Option<u32>> = all.iter().map(|t| index.term(&t.term)).collect();
            let common = labels.common();
            let mut scratch = index.take_scratch();
            for range in sentences {
                query.clear();
                query.extend(ids[range.clone()].iter().flatten().map(|&id| (id, 1.0)));
                query.sort_unstable_by_key(|&(id, _)| id);
                query.dedup_by_key(|&mut (id, _)| id);
                query.retain(|&(term, _)| index.label_frequency(term) <= common);
                let matches = index.search_coverage(
                    &query,
                    &mut scratch,
                    |m| m.coverage + 1e-3 * m.matched_idf,
                    |m| {
                        m.coverage >= min_coverage
                            && (!labels.products[m.concept as usize]
                                || index.holds_rarest(m.label, &query))
                    },
                );
                for m in matches {
                    found(PartialMatch {
                        competency: labels.competencies[m.concept as usize],
                        label: LabelRef {
                            taxonomy,
                            label: m.label,
                        },
                        sentence: range.clone(),
                        coverage: m.coverage,
                        kind: index.kind(m.label),
                    });
                }
            }
            index.give_back(scratch);
        }
    }

    /// For each term of `all`, the competencies (of every taxonomy) with a
    /// label that uses it, once per such label; none for the terms `wanted`
    /// turns down.
    pub fn competencies_by_term(
        &self,
        all: &[TextTerm],
        wanted: impl Fn(&TextTerm) -> bool,
    ) -> Vec<Vec<CompetencyIdx>> {
        all.iter()
            .map(|t| {
                if !wanted(t) {
                    return Vec::new();
                }
                self.taxonomies
                    .iter()
                    .filter_map(|labels| Some((labels, labels.index.term(&t.term)?)))
                    .filter(|(labels, term)| labels.index.label_frequency(*term) <= labels.common())
                    .flat_map(|(labels, term)| {
                        labels
                            .index
                            .concepts_with_term(term)
                            .map(|concept| labels.competencies[concept as usize])
                    })
                    .collect()
            })
            .collect()
    }

    /// The terms of `terms` that are words of `label`.
    pub fn words_of<'t>(&self, label: LabelRef, terms: &'t [TextTerm]) -> Vec<&'t TextTerm> {
        let index = &self.taxonomies[label.taxonomy as usize].index;
        let wanted = index.label_terms(label.label);
        terms
            .iter()
            .filter(|t| index.term(&t.term).is_some_and(|id| wanted.contains(&id)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Competency, TaxonomyVersion};
    use crate::extract::spans::sentence_ranges;
    use crate::extract::terms::terms;
    use crate::taxonomy::TaxonomyPart;

    fn competency(uri: &str, label: &str) -> Competency {
        Competency::skill(uri, label)
    }

    fn part(id: &str, competencies: Vec<Competency>) -> TaxonomyPart {
        TaxonomyPart {
            version: TaxonomyVersion {
                id: id.into(),
                version: "1".into(),
            },
            competencies,
            occupations: Vec::new(),
        }
    }

    fn esco() -> TaxonomyPart {
        part(
            "esco",
            vec![
                competency("e:projects", "manage software projects"),
                competency("e:budgets", "manage budgets"),
            ],
        )
    }

    /// Another taxonomy whose labels use `software` hundreds of times, enough
    /// to make it too common to start a match among its labels.
    fn technology() -> TaxonomyPart {
        part(
            "onet",
            (0..300)
                .map(|i| competency(&format!("t:{i}"), &format!("tool{i} software")))
                .collect(),
        )
    }

    /// (competency URI, coverage, label kind) of every partial match in `text`.
    fn matches(taxonomy: &Taxonomy, text: &str) -> Vec<(String, f32, Reason)> {
        let labels = SkillLabels::new(taxonomy);
        let all = terms(text);
        let mut out = Vec::new();
        labels.partial_matches(&all, &sentence_ranges(text, &all), 0.4, |m| {
            let uri = taxonomy.get(m.competency).uri.clone();
            out.push((uri, m.coverage, m.kind));
        });
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out
    }

    #[test]
    fn another_taxonomy_leaves_a_taxonomys_partial_matches_as_they_were() {
        let text = "You will manage our software projects.";
        let alone = Taxonomy::assemble(vec![esco()]).unwrap();
        let both = Taxonomy::assemble(vec![esco(), technology()]).unwrap();
        let expected = matches(&alone, text);
        assert_eq!(expected.len(), 1, "{expected:?}");
        assert_eq!(expected[0].0, "e:projects");
        assert!((expected[0].1 - 1.0).abs() < 1e-6, "{expected:?}");
        let esco_only: Vec<_> = matches(&both, text)
            .into_iter()
            .filter(|m| m.0.starts_with("e:"))
            .collect();
        assert_eq!(esco_only, expected);
    }

    #[test]
    fn each_taxonomy_matches_with_its_own_labels_and_evidence_words() {
        let both = Taxonomy::assemble(vec![esco(), technology()]).unwrap();
        let labels = SkillLabels::new(&both);
        let text = "We use tool7 and other software.";
        let all = terms(text);
        let mut found = Vec::new();
        labels.partial_matches(&all, &sentence_ranges(text, &all), 0.4, |m| found.push(m));
        let tool = found
            .iter()
            .find(|m| both.get(m.competency).uri == "t:7")
            .expect("tool7 software matched");
        assert_eq!(tool.kind, Reason::PreferredLabel);
        let words: Vec<&str> = labels
            .words_of(tool.label, &all[tool.sentence.clone()])
            .iter()
            .map(|t| &text[t.token.start..t.token.end])
            .collect();
        assert_eq!(words, vec!["tool7", "software"]);
    }

    /// Five `<name> programming language` labels among 300 others, so that
    /// `programming language` holds most of each one's idf mass; made
    /// products (O*NET technology skills) by `named`.
    fn languages(id: &str, named: bool) -> TaxonomyPart {
        let uri = |label: &str| {
            if named {
                onet::technology_uri(label)
            } else {
                format!("e:{label}")
            }
        };
        let labels = ["ABC", "ICON", "Rust", "Ada", "Lisp"]
            .iter()
            .map(|name| format!("{name} programming language"))
            .chain(["Microsoft Excel", "Microsoft Word"].map(String::from))
            .chain((0..300).map(|i| format!("tool{i} software")));
        part(
            id,
            labels
                .map(|label| competency(&uri(&label), &label))
                .collect(),
        )
    }

    #[test]
    fn a_product_matches_in_part_only_by_its_name() {
        let products = Taxonomy::assemble(vec![languages("onet", true)]).unwrap();
        let found = |taxonomy: &Taxonomy, text: &str| -> Vec<String> {
            matches(taxonomy, text).into_iter().map(|m| m.0).collect()
        };
        let uri = onet::technology_uri;
        assert_eq!(
            found(&products, "Advanced Excel skills."),
            vec![uri("Microsoft Excel")]
        );
        assert_eq!(
            found(&products, "You know ABC or another language."),
            vec![uri("ABC programming language")]
        );
        // Most of these labels' idf mass, but not the name.
        assert!(found(&products, "Fluent in programming languages.").is_empty());
        // Skills with the same labels match in part as before.
        let skills = Taxonomy::assemble(vec![languages("esco", false)]).unwrap();
        assert_eq!(found(&skills, "Fluent in programming languages.").len(), 5);
    }
}
