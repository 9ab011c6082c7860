//! The tantivy full-text index over credential text (BM25), kept on disk in
//! the data directory and stamped with the catalogue generation it reflects.

use std::collections::HashMap;
use std::path::Path;

use std::sync::{Mutex, PoisonError};
use tantivy::collector::TopDocs;
use tantivy::directory::MmapDirectory;
use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query, TermQuery};
use tantivy::schema::{Field, IndexRecordOption, STORED, STRING, Schema, TEXT, Value};
use tantivy::tokenizer::TokenStream;

use tantivy::{Index, IndexReader, IndexWriter, Searcher, TantivyDocument, Term, doc};

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
        let f = self.fields;
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for term_text in &terms {
            for (field, boost) in [
                (f.title, 2.0),
                (f.skills, 1.5),
                (f.body, 1.0),
                (f.provider, 0.5),
            ] {
                let query = TermQuery::new(
                    Term::from_field_text(field, term_text),
                    IndexRecordOption::WithFreqs,
                );
                clauses.push((
                    Occur::Should,
                    Box::new(BoostQuery::new(Box::new(query), boost)),
                ));
            }
        }
        let top = searcher.search(
            &BooleanQuery::new(clauses),
            &TopDocs::with_limit(limit).order_by_score(),
        )?;
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
