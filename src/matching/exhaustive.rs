//! The straightforward matching path: every credential that teaches a
//! competency linked to a need, or that BM25 finds, is scored and explained
//! through URI strings, then sorted. Kept as the oracle the indexed path is
//! tested against (and timed against in the bench); compiled only for tests
//! and with the `oracles` feature, never into the shipped library.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::credential_score::{Lexical, score_one};
use super::{CredentialMatch, MatchOutcome, MatchQuery, TEXT_CANDIDATES, normalised_text};
use crate::catalog::{Catalog, CatalogError};
use crate::domain::Microcredential;
use crate::extract::Extractor;
use crate::needs::{CoverageMap, job_needs};
use crate::taxonomy::Taxonomy;

/// Ranks the catalogue's credentials for a job by scoring every candidate.
pub fn match_credentials_exhaustive(
    taxonomy: &Taxonomy,
    extractor: &Extractor,
    catalog: &Catalog,
    query: &MatchQuery,
) -> Result<MatchOutcome, CatalogError> {
    let needs = job_needs(taxonomy, extractor, &query.job);
    let coverage = CoverageMap::new(taxonomy, &needs);
    let text = query.job.text();
    let job_vector = catalog.embed_query(&text);
    let mut candidates: BTreeMap<String, (Arc<Microcredential>, f32)> = catalog
        .teaching_any(coverage.uris())
        .into_iter()
        .map(|c| (c.id.to_string(), (c, 0.0)))
        .collect();
    for (credential, bm25) in catalog.text_search(&text, TEXT_CANDIDATES)? {
        candidates
            .entry(credential.id.to_string())
            .or_insert((credential, 0.0))
            .1 = bm25;
    }
    let best_bm25 = candidates
        .values()
        .map(|(_, bm25)| *bm25)
        .fold(0.0f32, f32::max);
    let mut matches: Vec<CredentialMatch> = candidates
        .into_values()
        .filter(|(credential, _)| query.filter.accepts(credential))
        .map(|(credential, bm25)| {
            let vector = catalog.with_teaching(|index| {
                index.ordinal(&credential.id).map_or(0.0, |ordinal| {
                    index.vector_similarity(ordinal, job_vector.as_ref())
                })
            });
            let lexical = Lexical {
                text: normalised_text(bm25, best_bm25),
                vector,
            };
            score_one(&coverage, &needs, credential, lexical)
        })
        .filter(|m| m.score > 0.0)
        .collect();
    matches.sort_by(best_first);
    let end = query.offset.saturating_add(query.top_k);
    let more = matches.len() > end;
    matches.truncate(end);
    matches.drain(..query.offset.min(matches.len()));
    Ok(MatchOutcome {
        needs,
        matches,
        more,
    })
}

/// Orders matches best first, equal scores in id order.
fn best_first(a: &CredentialMatch, b: &CredentialMatch) -> std::cmp::Ordering {
    b.score
        .total_cmp(&a.score)
        .then_with(|| a.credential.id.cmp(&b.credential.id))
}
