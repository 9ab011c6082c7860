//! Label search over competencies: one in-memory tantivy document per label,
//! matched exactly, by prefix, and with typo tolerance.

use std::collections::HashMap;

use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, BoostQuery, FuzzyTermQuery, Occur, Query, TermQuery};
use tantivy::schema::{
    Field, IndexRecordOption, NumericOptions, Schema, TextFieldIndexing, TextOptions, Value,
};
use tantivy::tokenizer::{AsciiFoldingFilter, LowerCaser, SimpleTokenizer, TextAnalyzer};
use tantivy::{Index, IndexReader, TantivyDocument, Term, doc};

use super::{CompetencyIdx, TaxonomyError};
use crate::domain::Competency;
use crate::text;

const ANALYZER: &str = "label";
const MAX_RESULTS: usize = 1000;

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

/// The label index.
pub struct LabelSearch {
    index: Index,
    reader: IndexReader,
    competency: Field,
    label: Field,
    labels: Vec<String>,
}

impl LabelSearch {
    /// Indexes every preferred, alternative and hidden label.
    pub fn build(competencies: &[Competency]) -> Result<Self, TaxonomyError> {
        let mut schema = Schema::builder();
        let competency = schema.add_u64_field(
            "competency",
            NumericOptions::default().set_fast().set_stored(),
        );
        let label = schema.add_text_field(
            "label",
            TextOptions::default().set_stored().set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer(ANALYZER)
                    .set_index_option(IndexRecordOption::WithFreqsAndPositions),
            ),
        );
        let index = Index::create_in_ram(schema.build());
        index.tokenizers().register(
            ANALYZER,
            TextAnalyzer::builder(SimpleTokenizer::default())
                .filter(LowerCaser)
                .filter(AsciiFoldingFilter)
                .build(),
        );
        let mut writer = index.writer_with_num_threads(1, 50_000_000)?;
        let mut labels = Vec::new();
        for (position, c) in competencies.iter().enumerate() {
            for text in c.all_labels() {
                writer.add_document(doc!(competency => position as u64, label => text))?;
                labels.push(text.to_owned());
            }
        }
        writer.commit()?;
        let reader = index.reader()?;
        Ok(Self {
            index,
            reader,
            competency,
            label,
            labels,
        })
    }

    /// Number of labels indexed.
    pub fn label_count(&self) -> usize {
        self.labels.len()
    }

    /// Finds competencies for a query, best first, at most `limit` of them
    /// (and never more than 1000).
    pub fn search(&self, query: &str, limit: usize) -> Result<Vec<SearchHit>, TaxonomyError> {
        let tokens: Vec<String> = text::tokenize(query).into_iter().map(|t| t.norm).collect();
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
        let mut best: HashMap<u64, SearchHit> = HashMap::new();
        for (score, address) in docs {
            let document: TantivyDocument = searcher.doc(address)?;
            let Some(position) = document.get_first(self.competency).and_then(|v| v.as_u64())
            else {
                continue;
            };
            let label = document
                .get_first(self.label)
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_owned();
            let score = f64::from(score) + whole_label_bonus(&text::normalize(&label), &query_norm);
            let entry = best.entry(position).or_insert_with(|| SearchHit {
                competency: CompetencyIdx(position as u32),
                score: f64::MIN,
                matched_label: String::new(),
            });
            if score > entry.score {
                entry.score = score;
                entry.matched_label = label;
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
                if position == last && token.chars().count() >= 2 {
                    variants.push((
                        Occur::Should,
                        Box::new(BoostQuery::new(
                            Box::new(FuzzyTermQuery::new_prefix(term.clone(), 0, true)),
                            1.5,
                        )),
                    ));
                }
                let distance = match token.chars().count() {
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
            .field("labels", &self.labels.len())
            .field("index", &self.index.schema().num_fields())
            .finish()
    }
}
