//! Runs the three tasks through the public [`Extractor`] API and scores them.

use std::collections::HashSet;
use std::time::Instant;

use super::datasets::{PostingCase, SentenceCase, TitleCase};
use super::metrics::{
    Mean, average_precision, ndcg_at, r_precision, recall_at, reciprocal_rank, rp_at,
};
use crate::extract::{ExtractOptions, Extractor};
use crate::taxonomy::CompetencyIdx;

/// How deep skill rankings are requested (AP past this depth counts as a miss).
pub const SKILL_RANKING_DEPTH: usize = 1000;
/// How deep occupation rankings are requested for the reciprocal rank.
pub const OCCUPATION_RANKING_DEPTH: usize = 100;

/// One metric's mean over a task's queries.
#[derive(Debug, Clone, PartialEq)]
pub struct Figure {
    /// Metric name, as in TARGETS.md.
    pub metric: &'static str,
    /// Macro-averaged value in [0, 1].
    pub value: f64,
    /// 95 % bootstrap interval of the value over the task's queries.
    pub interval: (f64, f64),
}

/// The outcome of one task.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskOutcome {
    /// Task name, as in TARGETS.md.
    pub task: &'static str,
    /// Queries evaluated.
    pub items: usize,
    /// Wall time spent in the extractor, in seconds.
    pub seconds: f64,
    /// The figures.
    pub figures: Vec<Figure>,
}

impl TaskOutcome {
    /// Queries per second through the extractor.
    pub fn throughput(&self) -> f64 {
        if self.seconds > 0.0 {
            self.items as f64 / self.seconds
        } else {
            0.0
        }
    }
}

fn full_ranking() -> ExtractOptions {
    ExtractOptions {
        top_k: SKILL_RANKING_DEPTH,
        min_score: 0.0,
    }
}

fn skill_ranking(extractor: &Extractor, text: &str) -> Vec<CompetencyIdx> {
    extractor
        .extract(text, &full_ranking())
        .into_iter()
        .map(|e| e.competency)
        .collect()
}

/// job2skill: R-precision, MAP, Recall@20, nDCG@20.
pub fn job_to_skills(
    task: &'static str,
    extractor: &Extractor,
    cases: &[PostingCase],
) -> TaskOutcome {
    let (mut rp, mut map, mut recall, mut ndcg) = Default::default();
    let started = Instant::now();
    let rankings: Vec<Vec<CompetencyIdx>> = cases
        .iter()
        .map(|case| skill_ranking(extractor, &case.text))
        .collect();
    let seconds = started.elapsed().as_secs_f64();
    for (case, ranking) in cases.iter().zip(&rankings) {
        Mean::add(&mut rp, r_precision(ranking, &case.gold));
        Mean::add(&mut map, average_precision(ranking, &case.gold));
        Mean::add(&mut recall, recall_at(ranking, &case.gold, 20));
        Mean::add(&mut ndcg, ndcg_at(ranking, &case.gold, 20));
    }
    TaskOutcome {
        task,
        items: cases.len(),
        seconds,
        figures: vec![
            figure("R-precision", &rp),
            figure("MAP", &map),
            figure("Recall@20", &recall),
            figure("nDCG@20", &ndcg),
        ],
    }
}

/// sentence2skill: RP@5 and RP@10.
pub fn sentence_to_skills(
    task: &'static str,
    extractor: &Extractor,
    cases: &[SentenceCase],
) -> TaskOutcome {
    let (mut rp5, mut rp10) = (Mean::default(), Mean::default());
    let started = Instant::now();
    let rankings: Vec<Vec<CompetencyIdx>> = cases
        .iter()
        .map(|case| skill_ranking(extractor, &case.text))
        .collect();
    let seconds = started.elapsed().as_secs_f64();
    for (case, ranking) in cases.iter().zip(&rankings) {
        rp5.add(rp_at(ranking, &case.gold, 5));
        rp10.add(rp_at(ranking, &case.gold, 10));
    }
    TaskOutcome {
        task,
        items: cases.len(),
        seconds,
        figures: vec![figure("RP@5", &rp5), figure("RP@10", &rp10)],
    }
}

/// title2occupation: MRR, Recall@1, @5, @10. Titles whose gold occupation
/// is not in the taxonomy count as misses.
pub fn title_to_occupation(
    task: &'static str,
    extractor: &Extractor,
    cases: &[TitleCase],
) -> TaskOutcome {
    let started = Instant::now();
    let rankings: Vec<Vec<usize>> = cases
        .iter()
        .map(|case| {
            extractor
                .infer_occupations(&case.text, OCCUPATION_RANKING_DEPTH)
                .into_iter()
                .map(|m| m.occupation)
                .collect()
        })
        .collect();
    let seconds = started.elapsed().as_secs_f64();
    let (mut mrr, mut r1, mut r5, mut r10) = Default::default();
    for (case, ranking) in cases.iter().zip(&rankings) {
        let gold: HashSet<usize> = case.gold.into_iter().collect();
        Mean::add(&mut mrr, reciprocal_rank(ranking, &gold));
        Mean::add(&mut r1, recall_at(ranking, &gold, 1));
        Mean::add(&mut r5, recall_at(ranking, &gold, 5));
        Mean::add(&mut r10, recall_at(ranking, &gold, 10));
    }
    TaskOutcome {
        task,
        items: cases.len(),
        seconds,
        figures: vec![
            figure("MRR", &mrr),
            figure("Recall@1", &r1),
            figure("Recall@5", &r5),
            figure("Recall@10", &r10),
        ],
    }
}

fn figure(metric: &'static str, mean: &Mean) -> Figure {
    Figure {
        metric,
        value: mean.value(),
        interval: mean.interval(),
    }
}
