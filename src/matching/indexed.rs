//! The matching path MatchCredentials serves: coverage accumulated over the
//! catalogue's per-competency posting lists of credential ordinals, a
//! best-first selection that orders and filters only the credentials that
//! can enter the page, and explanations built for the returned page only. Its results
//! are identical to [`super::match_credentials_exhaustive`] (a seeded
//! randomized test compares them).

use std::cell::RefCell;
use std::collections::BinaryHeap;
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

impl Scoring<'_> {
    /// The components of a candidate with the given vector similarity.
    fn components(
        &self,
        board: &Scoreboard,
        index: &TeachingIndex,
        ordinal: Ordinal,
        vector: f64,
    ) -> ScoreComponents {
        let at = ordinal as usize;
        ScoreComponents {
            // Shares of needs that are all covered sum to 1 up to rounding.
            coverage: board.coverage[at].min(1.0),
            text: normalised_text(board.bm25[at], self.best_bm25),
            vector,
            quality_boost: boost_for(index.markers(ordinal)),
        }
    }

    /// A score no smaller than the candidate's: its score with the largest
    /// vector similarity, 1 (the blend is monotone in it, rounding included).
    /// Exact for a candidate or a job without an embedding.
    fn bound(&self, board: &Scoreboard, index: &TeachingIndex, ordinal: Ordinal) -> f64 {
        let vector = if self.job_vector.is_some() && index.has_vector(ordinal) {
            1.0
        } else {
            0.0
        };
        blended_score(
            &self.components(board, index, ordinal, vector),
            self.has_needs,
        )
    }

    /// The candidate's score and its text-side components.
    fn exact(&self, board: &Scoreboard, index: &TeachingIndex, ordinal: Ordinal) -> (f64, Lexical) {
        let vector = index.vector_similarity(ordinal, self.job_vector);
        let components = self.components(board, index, ordinal, vector);
        let lexical = Lexical {
            text: components.text,
            vector,
        };
        (blended_score(&components, self.has_needs), lexical)
    }
}

/// A candidate with the bound on its score, ordered by the bound.
struct Bounded<'a> {
    bound: f64,
    credential: &'a Arc<Microcredential>,
    ordinal: Ordinal,
}

impl PartialEq for Bounded<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other).is_eq()
    }
}

impl Eq for Bounded<'_> {}

impl PartialOrd for Bounded<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Bounded<'_> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.bound.total_cmp(&other.bound)
    }
}

/// A candidate scored exactly and accepted by the filter.
struct Kept<'a> {
    score: f64,
    credential: &'a Arc<Microcredential>,
    lexical: Lexical,
}

/// Best first: higher score, then smaller id.
fn best_first(a: &Kept<'_>, b: &Kept<'_>) -> std::cmp::Ordering {
    b.score
        .total_cmp(&a.score)
        .then_with(|| a.credential.id.cmp(&b.credential.id))
}

/// The first `wanted` credentials passing `filter`, best first (higher
/// score, then smaller id), with their text-side components; and whether
/// more pass. Candidates are visited in the order of a bound on their score
/// (the score with the largest vector similarity), and the vector similarity
/// is computed only while the bound can still reach the first `wanted + 1`
/// kept so far: a candidate whose bound is below the score of `wanted + 1`
/// accepted ones is below all of them, so it can neither enter the page nor
/// change whether more follow.
fn select(
    board: &Scoreboard,
    index: &TeachingIndex,
    scoring: &Scoring<'_>,
    filter: &CredentialFilter,
    wanted: usize,
) -> (Vec<(Arc<Microcredential>, Lexical)>, bool) {
    // A heap: usually only the first few hundred of some thousands are taken.
    let mut bounded: BinaryHeap<Bounded<'_>> = board
        .touched
        .iter()
        .filter_map(|&ordinal| {
            let credential = index.credential(ordinal)?;
            let bound = scoring.bound(board, index, ordinal);
            // The score is at most the bound, so it is 0 too.
            (bound > 0.0).then_some(Bounded {
                bound,
                credential,
                ordinal,
            })
        })
        .collect();
    let limit = wanted.saturating_add(1);
    let mut kept: Vec<Kept<'_>> = Vec::new();
    // The score of the `limit`-th best kept candidate when `limit` are kept
    // (at most that score after later ones are kept): whatever scores less
    // cannot enter the first `limit`.
    let mut threshold: Option<f64> = None;
    while let Some(Bounded {
        bound,
        credential,
        ordinal,
    }) = bounded.pop()
    {
        if threshold.is_some_and(|threshold| bound < threshold) {
            break;
        }
        let (score, lexical) = scoring.exact(board, index, ordinal);
        if score > 0.0
            && threshold.is_none_or(|threshold| score >= threshold)
            && filter.accepts(credential)
        {
            kept.push(Kept {
                score,
                credential,
                lexical,
            });
        }
        if kept.len() >= limit.saturating_mul(2) || (threshold.is_none() && kept.len() == limit) {
            kept.sort_unstable_by(best_first);
            kept.truncate(limit);
            threshold = Some(kept[limit - 1].score);
        }
    }
    kept.sort_unstable_by(best_first);
    let more = kept.len() > wanted;
    let accepted = kept
        .into_iter()
        .take(wanted)
        .map(|k| (k.credential.clone(), k.lexical))
        .collect();
    (accepted, more)
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
