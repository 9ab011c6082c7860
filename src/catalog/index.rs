//! The tantivy full-text index over credential text (BM25), kept on disk in
//! the data directory and stamped with the catalogue generation it reflects.

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::Path;

use std::sync::{Mutex, PoisonError};
use tantivy::directory::MmapDirectory;
use tantivy::query::Bm25Weight;
use tantivy::schema::{Field, IndexRecordOption, STORED, STRING, Schema, TEXT, Value};
use tantivy::tokenizer::TokenStream;

use tantivy::{
    DocAddress, DocId, Index, IndexReader, IndexWriter, Searcher, TantivyDocument, Term, doc,
};

use crate::domain::{CredentialId, Microcredential};
use crate::taxonomy::Taxonomy;

const WRITER_MEMORY_BYTES: usize = 50_000_000;
/// Decompressed doc-store blocks kept per segment (16 KiB each, so at most
/// 16 MiB). Only the id is stored, some hundreds of ids to a block, so this
/// holds the whole store of a catalogue of about 500,000 credentials and
/// fetching a hit's id rarely decompresses a block; tantivy's default of 100
/// blocks is smaller than the store of 100,000 credentials (at least 183).
const DOC_STORE_CACHE_BLOCKS: usize = 1_024;
/// At most this many query terms are used: those with the highest tf-idf in
/// the text (the "more like this" selection), so long postings stay fast.
const MAX_QUERY_TERMS: usize = 32;

/// Field handles of the credential index.
#[derive(Debug, Clone, Copy)]
struct Fields {
    id: Field,
    title: Field,
    body: Field,
    skills: Field,
    provider: Field,
}

/// The credential index.
pub struct CredentialIndex {
    index: Index,
    reader: IndexReader,
    writer: Mutex<IndexWriter>,
    fields: Fields,
}

impl std::fmt::Debug for CredentialIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CredentialIndex").finish_non_exhaustive()
    }
}

fn schema() -> (Schema, Fields) {
    let mut builder = Schema::builder();
    let fields = Fields {
        id: builder.add_text_field("id", STRING | STORED),
        title: builder.add_text_field("title", TEXT),
        body: builder.add_text_field("body", TEXT),
        skills: builder.add_text_field("skills", TEXT),
        provider: builder.add_text_field("provider", TEXT),
    };
    (builder.build(), fields)
}

impl CredentialIndex {
    /// Opens the index in `dir`, creating it when absent.
    pub fn open(dir: &Path) -> tantivy::Result<Self> {
        std::fs::create_dir_all(dir)?;
        let (schema, fields) = schema();
        let directory = MmapDirectory::open(dir)?;
        let index = Index::open_or_create(directory, schema)?;
        let writer = index.writer_with_num_threads(1, WRITER_MEMORY_BYTES)?;
        let reader = index
            .reader_builder()
            .doc_store_cache_num_blocks(DOC_STORE_CACHE_BLOCKS)
            .try_into()?;
        Ok(Self {
            index,
            reader,
            writer: Mutex::new(writer),
            fields,
        })
    }

    /// The catalogue generation of the last commit, 0 for a new index.
    pub fn generation(&self) -> tantivy::Result<u64> {
        let metas = self.index.load_metas()?;
        Ok(metas
            .payload
            .and_then(|payload| payload.parse().ok())
            .unwrap_or(0))
    }

    /// Replaces the documents of these credentials and deletes those ids,
    /// then commits stamped with `generation`.
    pub fn apply(
        &self,
        taxonomy: &Taxonomy,
        upserts: &[Microcredential],
        deletes: &[CredentialId],
        generation: u64,
    ) -> tantivy::Result<()> {
        let mut writer = self.writer.lock().unwrap_or_else(PoisonError::into_inner);
        for id in deletes.iter().chain(upserts.iter().map(|c| &c.id)) {
            writer.delete_term(Term::from_field_text(self.fields.id, id.as_str()));
        }
        for credential in upserts {
            writer.add_document(self.document(taxonomy, credential))?;
        }
        self.commit(&mut writer, generation)
    }

    /// Drops every document and indexes `all` afresh.
    pub fn rebuild(
        &self,
        taxonomy: &Taxonomy,
        all: &[Microcredential],
        generation: u64,
    ) -> tantivy::Result<()> {
        let mut writer = self.writer.lock().unwrap_or_else(PoisonError::into_inner);
        writer.delete_all_documents()?;
        for credential in all {
            writer.add_document(self.document(taxonomy, credential))?;
        }
        self.commit(&mut writer, generation)
    }

    fn commit(&self, writer: &mut IndexWriter, generation: u64) -> tantivy::Result<()> {
        let mut prepared = writer.prepare_commit()?;
        prepared.set_payload(&generation.to_string());
        prepared.commit()?;
        self.reader.reload()
    }

    fn document(&self, taxonomy: &Taxonomy, credential: &Microcredential) -> TantivyDocument {
        let f = self.fields;
        let body = std::iter::once(credential.description.as_str())
            .chain(credential.learning_outcomes.iter().map(String::as_str))
            .collect::<Vec<_>>()
            .join("\n");
        let skills = credential
            .competencies
            .iter()
            .map(|taught| taxonomy.label(&taught.uri))
            .collect::<Vec<_>>()
            .join("\n");
        doc!(
            f.id => credential.id.as_str(),
            f.title => credential.title.as_str(),
            f.body => body,
            f.skills => skills,
            f.provider => credential.provider.as_str(),
        )
    }

    /// BM25 over title (x2), competency labels (x1.5), description and outcomes,
    /// and provider (x0.5): the best `limit` credentials for a free text.
    pub fn search(&self, text: &str, limit: usize) -> tantivy::Result<Vec<(CredentialId, f32)>> {
        let searcher = self.reader.searcher();
        let terms = self.query_terms(&searcher, text)?;
        if terms.is_empty() || limit == 0 {
            return Ok(Vec::new());
        }
        let mut clauses = Vec::new();
        for term_text in &terms {
            for (field, boost) in self.boosted_fields() {
                let term = Term::from_field_text(field, term_text);
                let weight = Bm25Weight::for_terms(&searcher, std::slice::from_ref(&term))?;
                clauses.push((term, weight.boost_by(boost)));
            }
        }
        let top = bm25_top(&searcher, &clauses, limit)?;
        let f = self.fields;
        let mut hits = Vec::with_capacity(top.len());
        for (score, address) in top {
            let document: TantivyDocument = searcher.doc(address)?;
            if let Some(id) = document.get_first(f.id).and_then(|v| v.as_str())
                && let Ok(id) = CredentialId::parse(id)
            {
                hits.push((id, score));
            }
        }
        Ok(hits)
    }

    /// The fields a query term is looked up in, with the boost of each.
    fn boosted_fields(&self) -> [(Field, f32); 4] {
        let f = self.fields;
        [
            (f.title, 2.0),
            (f.skills, 1.5),
            (f.body, 1.0),
            (f.provider, 0.5),
        ]
    }

    /// The analysed terms of the text with the highest tf-idf against the
    /// credential descriptions; terms no credential uses are dropped.
    fn query_terms(&self, searcher: &Searcher, text: &str) -> tantivy::Result<Vec<String>> {
        let mut analyzer = self.index.tokenizer_for_field(self.fields.body)?;
        let mut stream = analyzer.token_stream(text);
        let mut frequencies: HashMap<String, u32> = HashMap::new();
        while stream.advance() {
            *frequencies.entry(stream.token().text.clone()).or_default() += 1;
        }
        let documents = searcher.num_docs().max(1) as f64;
        let mut weighted = Vec::with_capacity(frequencies.len());
        for (term, frequency) in frequencies {
            let f = self.fields;
            let mut document_frequency = 0;
            for field in [f.title, f.skills, f.body] {
                document_frequency += searcher.doc_freq(&Term::from_field_text(field, &term))?;
            }
            if document_frequency > 0 {
                let idf = (documents / document_frequency as f64).ln_1p();
                weighted.push((f64::from(frequency).sqrt() * idf, term));
            }
        }
        weighted.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
        Ok(weighted
            .into_iter()
            .take(MAX_QUERY_TERMS)
            .map(|(_, term)| term)
            .collect())
    }
}

thread_local! {
    /// Per-document score sums of one segment, reused across queries on a
    /// thread; every touched entry is reset before a query returns.
    static SUMS: RefCell<Vec<f32>> = const { RefCell::new(Vec::new()) };
}

/// The `limit` live documents with the highest sum of their clauses' BM25
/// (tantivy's per-term scores: `Bm25Weight::score` of the document's field
/// norm and term frequency), best first, ties by document address.
///
/// Term at a time: each clause's posting list is read block by block and
/// added into a dense array of per-document sums. A posting query's 32 terms
/// in 4 fields make up to 128 lists; tantivy's block-WAND union over as many
/// term scorers re-sorts them by document at every scored candidate, which
/// cost more than reading every posting outright.
fn bm25_top(
    searcher: &Searcher,
    clauses: &[(Term, Bm25Weight)],
    limit: usize,
) -> tantivy::Result<Vec<(f32, DocAddress)>> {
    let mut found: Vec<(f32, DocAddress)> = Vec::new();
    for (ordinal, segment) in (0u32..).zip(searcher.segment_readers()) {
        SUMS.with_borrow_mut(|sums| -> tantivy::Result<()> {
            sums.clear();
            sums.resize(segment.max_doc() as usize, 0.0);
            let mut touched: Vec<DocId> = Vec::new();
            for (term, weight) in clauses {
                let inverted = segment.inverted_index(term.field())?;
                let Some(mut block) =
                    inverted.read_block_postings(term, IndexRecordOption::WithFreqs)?
                else {
                    continue;
                };
                let norms = segment.get_fieldnorms_reader(term.field())?;
                while !block.docs().is_empty() {
                    for (at, &doc) in block.docs().iter().enumerate() {
                        let sum = &mut sums[doc as usize];
                        if *sum == 0.0 {
                            touched.push(doc);
                        }
                        *sum += weight.score(norms.fieldnorm_id(doc), block.freq(at));
                    }
                    block.advance();
                }
            }
            let alive = segment.alive_bitset();
            for doc in touched {
                let score = std::mem::take(&mut sums[doc as usize]);
                if alive.is_none_or(|a| a.is_alive(doc)) {
                    found.push((score, DocAddress::new(ordinal, doc)));
                }
            }
            Ok(())
        })?;
    }
    let best_first = |a: &(f32, DocAddress), b: &(f32, DocAddress)| {
        b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1))
    };
    if found.len() > limit {
        found.select_nth_unstable_by(limit, best_first);
        found.truncate(limit);
    }
    found.sort_unstable_by(best_first);
    Ok(found)
}

#[cfg(test)]
mod tests {
    use tantivy::collector::TopDocs;
    use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query, TermQuery};

    use super::*;
    use crate::taxonomy::load_sample;

    /// A seeded catalogue of word soup over a small vocabulary, so that terms
    /// repeat within and across fields and many scores tie or nearly tie.
    fn credentials(seed: u64, count: usize) -> Vec<Microcredential> {
        const WORDS: [&str; 24] = [
            "data",
            "analysis",
            "sql",
            "nursing",
            "care",
            "patient",
            "python",
            "safety",
            "welding",
            "steel",
            "cooking",
            "food",
            "hygiene",
            "teaching",
            "children",
            "first",
            "aid",
            "finance",
            "audit",
            "risk",
            "forklift",
            "warehouse",
            "sales",
            "retail",
        ];
        let mut state = seed;
        let mut next = move |n: usize| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (state >> 33) as usize % n
        };
        (0..count)
            .map(|i| {
                let mut words = |n: usize| {
                    (0..1 + next(n))
                        .map(|_| WORDS[next(WORDS.len())])
                        .collect::<Vec<_>>()
                        .join(" ")
                };
                serde_json::from_value(serde_json::json!({
                    "id": format!("c{i}"),
                    "title": words(4),
                    "provider": words(2),
                    "description": words(30),
                    "learning_outcomes": [words(8), words(8)],
                }))
                .unwrap()
            })
            .collect()
    }

    /// tantivy's own evaluation of the same query: a union of boosted term
    /// queries collected by `TopDocs`.
    fn tantivy_top(index: &CredentialIndex, text: &str, limit: usize) -> Vec<(CredentialId, f32)> {
        let searcher = index.reader.searcher();
        let f = index.fields;
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for term in index.query_terms(&searcher, text).unwrap() {
            for (field, boost) in index.boosted_fields() {
                let query = TermQuery::new(
                    Term::from_field_text(field, &term),
                    IndexRecordOption::WithFreqs,
                );
                clauses.push((
                    Occur::Should,
                    Box::new(BoostQuery::new(Box::new(query), boost)),
                ));
            }
        }
        let top = searcher
            .search(
                &BooleanQuery::new(clauses),
                &TopDocs::with_limit(limit).order_by_score(),
            )
            .unwrap();
        top.into_iter()
            .map(|(score, address)| {
                let document: TantivyDocument = searcher.doc(address).unwrap();
                let id = document.get_first(f.id).and_then(|v| v.as_str()).unwrap();
                (CredentialId::parse(id).unwrap(), score)
            })
            .collect()
    }

    #[test]
    fn term_at_a_time_agrees_with_tantivys_union_over_segments_and_deletes() {
        let dir = tempfile::tempdir().unwrap();
        let index = CredentialIndex::open(dir.path()).unwrap();
        let taxonomy = load_sample().unwrap();
        let all = credentials(7, 600);
        // Three commits (three segments), then replacements and deletes, so
        // that some segments hold deleted documents.
        for (generation, chunk) in (1..).zip(all.chunks(200)) {
            index.apply(&taxonomy, chunk, &[], generation).unwrap();
        }
        let replaced = credentials(8, 50);
        let deleted: Vec<CredentialId> = all[300..340].iter().map(|c| c.id.clone()).collect();
        index.apply(&taxonomy, &replaced, &deleted, 4).unwrap();
        assert!(index.reader.searcher().segment_readers().len() > 1);
        let queries = [
            "Data analysis with SQL and Python",
            "nursing care patient safety first aid",
            "warehouse forklift safety food hygiene cooking teaching children retail sales",
            "audit",
            "no word of this is indexed",
        ];
        for text in queries {
            for limit in [1, 7, 100, 1_000] {
                let ours = index.search(text, limit).unwrap();
                let theirs = tantivy_top(&index, text, limit);
                assert_eq!(ours.len(), theirs.len(), "{text:?} {limit}");
                for (at, ((id, score), (their_id, their_score))) in
                    ours.iter().zip(&theirs).enumerate()
                {
                    // Scores are sums of the same per-term scores in another
                    // order: equal to rounding.
                    let tolerance = 1e-5 * their_score.abs().max(1.0);
                    assert!((score - their_score).abs() <= tolerance, "{text:?} {at}");
                    if id != their_id {
                        // Only documents whose scores tie to rounding swap.
                        let (_, swapped) = theirs.iter().find(|(i, _)| i == id).unwrap();
                        assert!((swapped - their_score).abs() <= tolerance, "{text:?} {at}");
                    }
                }
                assert!(ours.iter().all(|(id, _)| !deleted.contains(id)));
            }
        }
    }
}
