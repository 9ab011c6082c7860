//! The matching path MatchCredentials serves: coverage accumulated over the
//! catalogue's per-competency posting lists of credential ordinals, a
//! best-first selection that orders and filters only the credentials that
//! can enter the page, and explanations built for the returned page only. Its results
//! are identical to [`super::match_credentials_exhaustive`] (a seeded
//! randomized test compares them).

use std::cell::RefCell;
use std::sync::Arc;

use super::credential_score::{Lexical, score_one};
use super::{
    MatchOutcome, MatchQuery, ScoreComponents, TEXT_CANDIDATES, blended_score, boost_for,
    normalised_text,
};
use crate::catalog::{Catalog, CatalogError, CredentialFilter, Ordinal, TeachingIndex};
use crate::domain::Microcredential;
use crate::embed::Embedding;
use crate::extract::Extractor;
use crate::needs::{CoverageMap, JobNeed, coverage_links, job_needs};
use crate::taxonomy::Taxonomy;

/// Per-ordinal accumulators, reused across queries on a thread and reset
/// through the list of ordinals a query touched.
#[derive(Debug, Default)]
struct Scoreboard {
    coverage: Vec<f64>,
    bm25: Vec<f32>,
    /// 1 + the last need that reached the ordinal; 0 when none did.
    last_need: Vec<u32>,
    listed: Vec<bool>,
    touched: Vec<Ordinal>,
}

thread_local! {
    static SCOREBOARD: RefCell<Scoreboard> = RefCell::new(Scoreboard::default());
}

impl Scoreboard {
    fn prepare(&mut self, bound: usize) {
        for &ordinal in &self.touched {
            let at = ordinal as usize;
            self.coverage[at] = 0.0;
            self.bm25[at] = 0.0;
            self.last_need[at] = 0;
            self.listed[at] = false;
        }
        self.touched.clear();
        if self.coverage.len() < bound {
            self.coverage.resize(bound, 0.0);
            self.bm25.resize(bound, 0.0);
            self.last_need.resize(bound, 0);
            self.listed.resize(bound, false);
        }
    }

    fn touch(&mut self, ordinal: Ordinal) {
        let at = ordinal as usize;
        if !self.listed[at] {
            self.listed[at] = true;
            self.touched.push(ordinal);
        }
    }

    /// Adds each need's weight share times the most direct coverage kind to
    /// every credential teaching a competency linked to it. Links come most
    /// direct first, so the first visit of a credential for a need is its best.
    fn add_coverage(&mut self, taxonomy: &Taxonomy, index: &TeachingIndex, needs: &[JobNeed]) {
        let total_weight: f64 = needs.iter().map(|n| n.weight).sum();
        if total_weight <= 0.0 {
            return;
        }
        for (position, need) in needs.iter().enumerate() {
            let stamp = u32::try_from(position + 1).unwrap_or(u32::MAX);
            let visit = |board: &mut Self, ordinals: &[Ordinal], factor: f64| {
                for &ordinal in ordinals {
                    let at = ordinal as usize;
                    if board.last_need[at] == stamp {
                        continue;
                    }
                    board.last_need[at] = stamp;
                    board.coverage[at] += need.weight / total_weight * factor;
                    board.touch(ordinal);
                }
            };
            match need.idx {
                Some(idx) => {
                    for (linked, kind) in coverage_links(taxonomy, idx) {
                        visit(self, index.teaching(linked), kind.factor());
                    }
                }
                None => visit(self, index.teaching_other(&need.uri), 1.0),
            }
        }
    }
}

/// What [`select`] scores candidates against.
struct Scoring<'a> {
    has_needs: bool,
    best_bm25: f32,
    job_vector: Option<&'a Embedding>,
}

/// The first `wanted` credentials passing `filter`, best first (higher
/// score, then smaller id), with their text-side components; and whether
/// more pass. Candidates are sorted on the score alone; ids are compared only
/// within a run of equal scores, and only runs reached before the page is
/// full are ordered and filtered: the rest cannot enter it.
fn select(
    board: &Scoreboard,
    index: &TeachingIndex,
    scoring: &Scoring<'_>,
    filter: &CredentialFilter,
    wanted: usize,
) -> (Vec<(Arc<Microcredential>, Lexical)>, bool) {
    let lexical = |ordinal: Ordinal| Lexical {
        text: normalised_text(board.bm25[ordinal as usize], scoring.best_bm25),
        vector: index.vector_similarity(ordinal, scoring.job_vector),
    };
    let mut scored: Vec<(f64, &Arc<Microcredential>, Ordinal)> = board
        .touched
        .iter()
        .filter_map(|&ordinal| {
            let credential = index.credential(ordinal)?;
            let at = ordinal as usize;
            let parts = lexical(ordinal);
            let components = ScoreComponents {
                // Shares of needs that are all covered sum to 1 up to rounding.
                coverage: board.coverage[at].min(1.0),
                text: parts.text,
                vector: parts.vector,
                quality_boost: boost_for(index.markers(ordinal)),
            };
            let score = blended_score(&components, scoring.has_needs);
            (score > 0.0).then_some((score, credential, ordinal))
        })
        .collect();
    scored.sort_unstable_by(|a, b| b.0.total_cmp(&a.0));
    let mut accepted = Vec::new();
    for run in scored.chunk_by_mut(|a, b| a.0 == b.0) {
        run.sort_unstable_by(|a, b| a.1.id.cmp(&b.1.id));
        for &(_, credential, ordinal) in run.iter() {
            if !filter.accepts(credential) {
                continue;
            }
            if accepted.len() == wanted {
                return (accepted, true);
            }
            accepted.push((credential.clone(), lexical(ordinal)));
        }
    }
    (accepted, false)
}

/// Ranks the catalogue's credentials for a job.
pub fn match_credentials(
    taxonomy: &Taxonomy,
    extractor: &Extractor,
    catalog: &Catalog,
    query: &MatchQuery,
) -> Result<MatchOutcome, CatalogError> {
    let needs = job_needs(taxonomy, extractor, &query.job);
    let text = query.job.text();
    let hits = catalog.text_search(&text, TEXT_CANDIDATES)?;
    let job_vector = catalog.embed_query(&text);
    let best_bm25 = hits.iter().map(|(_, bm25)| *bm25).fold(0.0f32, f32::max);
    let wanted = query.offset.saturating_add(query.top_k);
    let (selected, more) = catalog.with_teaching(|index| {
        SCOREBOARD.with_borrow_mut(|board| {
            board.prepare(index.ordinal_bound());
            board.add_coverage(taxonomy, index, &needs);
            for (credential, bm25) in &hits {
                if let Some(ordinal) = index.ordinal(&credential.id) {
                    board.bm25[ordinal as usize] = *bm25;
                    board.touch(ordinal);
                }
            }
            let scoring = Scoring {
                has_needs: !needs.is_empty(),
                best_bm25,
                job_vector: job_vector.as_ref(),
            };
            select(board, index, &scoring, &query.filter, wanted)
        })
    });
    let page: Vec<_> = selected.into_iter().skip(query.offset).collect();
    let matches = if page.is_empty() {
        Vec::new()
    } else {
        let coverage = CoverageMap::new(taxonomy, &needs);
        page.into_iter()
            .map(|(credential, lexical)| score_one(&coverage, &needs, credential, lexical))
            .collect()
    };
    Ok(MatchOutcome {
        needs,
        matches,
        more,
    })
}
