//! Label search over competencies: one tantivy document per label, matched
//! exactly, by prefix, and with typo tolerance. The index lives in memory or,
//! for imported taxonomies, in the data directory (see `label_search_on_disk`).

use std::collections::HashMap;

use tantivy::collector::TopDocs;
use tantivy::columnar::Column;
use tantivy::query::{BooleanQuery, BoostQuery, FuzzyTermQuery, Occur, Query, TermQuery};
use tantivy::schema::{
    Field, IndexRecordOption, NumericOptions, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::tokenizer::{AsciiFoldingFilter, LowerCaser, SimpleTokenizer, TextAnalyzer};
use tantivy::{Index, IndexReader, Term, doc};

use super::{CompetencyIdx, TaxonomyError};
use crate::domain::Competency;
use crate::text;

const ANALYZER: &str = "label";
const MAX_RESULTS: usize = 1000;
/// Query terms searched; later ones are ignored. With the term length bound
/// below, this bounds the automata a query builds, whatever its text.
const MAX_QUERY_TERMS: usize = 16;
/// Terms longer than this are matched exactly only: a typo-tolerant or
/// prefix automaton grows with the term.
const MAX_FUZZY_TERM_CHARS: usize = 32;

/// A competency found by label search.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchHit {
    /// The competency.
    pub competency: CompetencyIdx,
    /// Relevance, higher is better, comparable within one query.
    pub score: f64,
    /// The label that matched best.
    pub matched_label: String,
}

/// The label index. Each tantivy document is one label; its fast field
/// `entry` points into `entries`, which holds the competency and the label.
pub struct LabelSearch {
    index: Index,
    reader: IndexReader,
    label: Field,
    entries: Vec<(CompetencyIdx, String)>,
}

const ENTRY: &str = "entry";

/// One document per label: `entry` (fast) points into the entries, `label` is searched.
pub(super) fn label_schema() -> Schema {
    let mut schema = Schema::builder();
    schema.add_u64_field(ENTRY, NumericOptions::default().set_fast());
    schema.add_text_field(
        "label",
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(ANALYZER)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        ),
    );
    schema.build()
}

/// Every label of every competency, in index order: the documents' order.
pub(super) fn label_entries(competencies: &[Competency]) -> Vec<(CompetencyIdx, String)> {
    let mut entries = Vec::new();
    for (position, c) in competencies.iter().enumerate() {
        let competency = CompetencyIdx(u32::try_from(position).expect("fewer than 2^32"));
        entries.extend(c.all_labels().map(|text| (competency, text.to_owned())));
    }
    entries
}

fn register_analyzer(index: &Index) {
    index.tokenizers().register(
        ANALYZER,
        TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(LowerCaser)
            .filter(AsciiFoldingFilter)
            .build(),
    );
}

/// Writes one document per entry into an empty index and commits.
pub(super) fn fill(
    index: &Index,
    entries: &[(CompetencyIdx, String)],
) -> Result<(), TaxonomyError> {
    register_analyzer(index);
    let schema = index.schema();
    let (entry, label) = (schema.get_field(ENTRY)?, schema.get_field("label")?);
    let mut writer = index.writer_with_num_threads(1, 100_000_000)?;
    for (position, (_, text)) in entries.iter().enumerate() {
        writer.add_document(doc!(entry => position as u64, label => text.as_str()))?;
    }
    writer.commit()?;
    writer.wait_merging_threads()?;
    Ok(())
}

impl LabelSearch {
    /// Indexes every preferred, alternative and hidden label, in memory.
    pub fn build(competencies: &[Competency]) -> Result<Self, TaxonomyError> {
        let index = Index::create_in_ram(label_schema());
        let entries = label_entries(competencies);
        fill(&index, &entries)?;
        Self::from_index(index, entries)
    }

    /// Serves an index holding `entries` in order (built by [`fill`]).
    pub(super) fn from_index(
        index: Index,
        entries: Vec<(CompetencyIdx, String)>,
    ) -> Result<Self, TaxonomyError> {
        register_analyzer(&index);
        let label = index.schema().get_field("label")?;
        let reader = index.reader()?;
        Ok(Self {
            index,
            reader,
            label,
            entries,
        })
    }

    /// Number of labels indexed.
    pub fn label_count(&self) -> usize {
        self.entries.len()
    }

    /// Finds competencies for a query, best first, at most `limit` of them
    /// (and never more than 1000).
    pub fn search(&self, query: &str, limit: usize) -> Result<Vec<SearchHit>, TaxonomyError> {
        let tokens: Vec<String> = text::tokenize(query)
            .into_iter()
            .take(MAX_QUERY_TERMS)
            .map(|t| t.norm.into_string())
            .collect();
        if tokens.is_empty() {
            return Ok(Vec::new());
        }
        let limit = limit.min(MAX_RESULTS);
        let query_norm = tokens.join(" ");
        let searcher = self.reader.searcher();
        let docs = searcher.search(
            &self.build_query(&tokens),
            &TopDocs::with_limit(limit * 4 + 16).order_by_score(),
        )?;
        let mut columns: HashMap<u32, Column<u64>> = HashMap::new();
        let mut best: HashMap<CompetencyIdx, SearchHit> = HashMap::new();
        for (score, address) in docs {
            let column = match columns.entry(address.segment_ord) {
                std::collections::hash_map::Entry::Occupied(found) => found.into_mut(),
                std::collections::hash_map::Entry::Vacant(slot) => slot.insert(
                    searcher
                        .segment_reader(address.segment_ord)
                        .fast_fields()
                        .u64(ENTRY)?,
                ),
            };
            let Some((competency, label)) = column
                .first(address.doc_id)
                .and_then(|entry| self.entries.get(entry as usize))
            else {
                continue;
            };
            let score = f64::from(score) + whole_label_bonus(&text::normalize(label), &query_norm);
            let hit = best.entry(*competency).or_insert_with(|| SearchHit {
                competency: *competency,
                score: f64::MIN,
                matched_label: String::new(),
            });
            if score > hit.score {
                hit.score = score;
                hit.matched_label.clone_from(label);
            }
        }
        let mut hits: Vec<SearchHit> = best.into_values().collect();
        hits.sort_by(|a, b| {
            b.score
                .total_cmp(&a.score)
                .then(a.competency.cmp(&b.competency))
        });
        hits.truncate(limit);
        Ok(hits)
    }

    fn build_query(&self, tokens: &[String]) -> BooleanQuery {
        let last = tokens.len() - 1;
        let clauses = tokens
            .iter()
            .enumerate()
            .map(|(position, token)| {
                let term = Term::from_field_text(self.label, token);
                let mut variants: Vec<(Occur, Box<dyn Query>)> = vec![(
                    Occur::Should,
                    Box::new(BoostQuery::new(
                        Box::new(TermQuery::new(term.clone(), IndexRecordOption::WithFreqs)),
                        3.0,
                    )),
                )];
                let chars = token.chars().count();
                if chars > MAX_FUZZY_TERM_CHARS {
                    return (
                        Occur::Should,
                        Box::new(BooleanQuery::new(variants)) as Box<dyn Query>,
                    );
                }
                if position == last && chars >= 2 {
                    variants.push((
                        Occur::Should,
                        Box::new(BoostQuery::new(
                            Box::new(FuzzyTermQuery::new_prefix(term.clone(), 0, true)),
                            1.5,
                        )),
                    ));
                }
                let distance = match chars {
                    0..=3 => 0,
                    4..=7 => 1,
                    _ => 2,
                };
                if distance > 0 {
                    variants.push((
                        Occur::Should,
                        Box::new(FuzzyTermQuery::new(term, distance, true)),
                    ));
                }
                (
                    Occur::Should,
                    Box::new(BooleanQuery::new(variants)) as Box<dyn Query>,
                )
            })
            .collect();
        BooleanQuery::new(clauses)
    }
}

/// Puts a label equal to the whole query first, and labels starting with it next.
fn whole_label_bonus(label_norm: &str, query_norm: &str) -> f64 {
    if label_norm == query_norm {
        100.0
    } else if label_norm.starts_with(query_norm) {
        10.0
    } else {
        0.0
    }
}

impl std::fmt::Debug for LabelSearch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LabelSearch")
            .field("labels", &self.entries.len())
            .field("index", &self.index.schema().num_fields())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use crate::taxonomy::load_sample;

    #[test]
    fn finds_labels_exactly_by_prefix_and_with_typos() {
        let taxonomy = load_sample().unwrap();
        for (query, label) in [
            ("python", "Python"),
            ("pyth", "Python"),
            ("spreadhseets", "spreadsheets"),
        ] {
            let hits = taxonomy.search().search(query, 5).unwrap();
            assert!(
                hits.iter().any(|hit| hit.matched_label.contains(label)),
                "{query}: {hits:?}"
            );
        }
    }
}
