//! Runs the three tasks through the public [`Extractor`] API, or through the
//! engine as `serve` runs it, and scores them.

use std::collections::HashSet;
use std::hash::Hash;
use std::time::Instant;

use super::datasets::{PostingCase, SkillCase, TitleCase};
use super::metrics::{
    Mean, average_precision, ndcg_at, r_precision, recall_at, reciprocal_rank, rp_at,
};
use skillmatch::engine::Engine;
use skillmatch::extract::{
    ExtractOptions, Extracted, Extraction, Extractor, OccupationMatch, Reading, Scope, TextKind,
};
use skillmatch::taxonomy::CompetencyIdx;

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

fn full_ranking(kind: TextKind) -> ExtractOptions {
    ExtractOptions {
        top_k: SKILL_RANKING_DEPTH,
        min_score: 0.0,
        kind,
    }
}

/// One ranked answer: a concept and the concepts of other taxonomies it
/// carries as the same answer (crosswalk or same-label equivalents).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer<T> {
    /// The concept answered.
    pub concept: T,
    /// Its equivalents in other taxonomies, carried by the same answer.
    pub equivalents: Vec<T>,
}

impl From<Extraction> for Answer<CompetencyIdx> {
    fn from(extraction: Extraction) -> Self {
        Self {
            concept: extraction.competency,
            equivalents: extraction.equivalents,
        }
    }
}

impl From<OccupationMatch> for Answer<usize> {
    fn from(occupation: OccupationMatch) -> Self {
        Self {
            concept: occupation.occupation,
            equivalents: occupation.equivalents,
        }
    }
}

/// A text's competency answers, best first, and how the engine read the
/// text to find them.
#[derive(Debug)]
pub struct SkillAnswers {
    /// How the text was read: a posting, a job title or a sentence.
    pub reading: Reading,
    /// The competencies answered.
    pub answers: Vec<Answer<CompetencyIdx>>,
}

impl From<Extracted> for SkillAnswers {
    fn from(extracted: Extracted) -> Self {
        Self {
            reading: extracted.reading,
            answers: extracted
                .competencies
                .into_iter()
                .map(Answer::from)
                .collect(),
        }
    }
}

/// What the tasks rank with: an extractor, or the engine as `serve` runs it.
pub trait Answers: Sync {
    /// Competencies of a text of that kind, best first, down to
    /// [`SKILL_RANKING_DEPTH`], with how the text was read.
    fn skills(&self, text: &str, kind: TextKind) -> SkillAnswers;
    /// Occupations of a text, best first, at most `depth`.
    fn occupations(&self, text: &str, depth: usize) -> Vec<Answer<usize>>;
}

impl Answers for Extractor {
    fn skills(&self, text: &str, kind: TextKind) -> SkillAnswers {
        self.extract_in(text, &full_ranking(kind), &Scope::all())
            .into()
    }

    fn occupations(&self, text: &str, depth: usize) -> Vec<Answer<usize>> {
        self.infer_occupations(text, depth)
            .into_iter()
            .map(Answer::from)
            .collect()
    }
}

/// The engine's ExtractCompetencies and InferOccupations with a taxonomy
/// filter (none when empty), as the gRPC services call them.
#[derive(Debug)]
pub struct Served<'a> {
    /// The opened engine.
    pub engine: &'a Engine,
    /// The request's `taxonomy_ids`.
    pub taxonomy_ids: Vec<String>,
}

impl Answers for Served<'_> {
    fn skills(&self, text: &str, kind: TextKind) -> SkillAnswers {
        self.engine
            .extract_from(text, &full_ranking(kind), &self.taxonomy_ids)
            .into()
    }

    fn occupations(&self, text: &str, depth: usize) -> Vec<Answer<usize>> {
        self.engine
            .infer_occupations_from(text, depth, &self.taxonomy_ids)
            .into_iter()
            .map(Answer::from)
            .collect()
    }
}

/// The ranking as scored against gold: each answer counts as the gold
/// concept it carries (itself or an equivalent) not credited earlier, else
/// as a miss (`None`); so an O*NET answer counts for an ESCO gold concept
/// only when it carries that concept's URI, and never twice.
pub fn credited<T: Copy + Eq + Hash>(answers: &[Answer<T>], gold: &HashSet<T>) -> Vec<Option<T>> {
    let mut credited: HashSet<T> = HashSet::new();
    answers
        .iter()
        .map(|answer| {
            let hit = std::iter::once(&answer.concept)
                .chain(&answer.equivalents)
                .copied()
                .find(|c| gold.contains(c) && !credited.contains(c));
            if let Some(c) = hit {
                credited.insert(c);
            }
            hit
        })
        .collect()
}

fn gold_set<T: Copy + Eq + Hash>(gold: &HashSet<T>) -> HashSet<Option<T>> {
    gold.iter().map(|&g| Some(g)).collect()
}

/// The skill ranking of every text, timed: the rankings and the seconds
/// they took together.
fn timed_skills<'a>(
    ranker: &dyn Answers,
    texts: impl Iterator<Item = &'a str>,
    kind: TextKind,
) -> (Vec<SkillAnswers>, f64) {
    let started = Instant::now();
    let rankings = texts.map(|text| ranker.skills(text, kind)).collect();
    (rankings, started.elapsed().as_secs_f64())
}

/// job2skill: R-precision, MAP, Recall@20, nDCG@20, and the share of
/// postings whose gold occupation is the first inferred.
pub fn job_to_skills(
    task: &'static str,
    ranker: &dyn Answers,
    cases: &[PostingCase],
) -> TaskOutcome {
    let (mut rp, mut map, mut recall, mut ndcg, mut first) = Default::default();
    let (rankings, seconds) = timed_skills(
        ranker,
        cases.iter().map(|case| case.text.as_str()),
        TextKind::Inferred,
    );
    for (case, ranked) in cases.iter().zip(&rankings) {
        let ranking = credited(&ranked.answers, &case.gold);
        let gold = gold_set(&case.gold);
        Mean::add(&mut rp, r_precision(&ranking, &gold));
        Mean::add(&mut map, average_precision(&ranking, &gold));
        Mean::add(&mut recall, recall_at(&ranking, &gold, 20));
        Mean::add(&mut ndcg, ndcg_at(&ranking, &gold, 20));
        let top = ranker.occupations(&case.text, 1);
        let occupation: HashSet<usize> = std::iter::once(case.occupation).collect();
        Mean::add(
            &mut first,
            f64::from(u8::from(
                credited(&top, &occupation)
                    .first()
                    .is_some_and(Option::is_some),
            )),
        );
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
            figure(GOLD_OCCUPATION_FIRST, &first),
        ],
    }
}

/// Metric name of the share of postings whose gold occupation is inferred first.
pub const GOLD_OCCUPATION_FIRST: &str = "gold occupation first";

/// Metric name of the share of one-line texts sent without a kind that the
/// engine read as job titles.
pub const READ_AS_JOB_TITLE: &str = "read as a job title";

/// The share of texts that the engine read as job titles in `rankings`
/// (texts sent without a kind).
fn read_as_job_titles(rankings: &[SkillAnswers]) -> Mean {
    let mut share = Mean::default();
    for ranked in rankings {
        share.add(f64::from(u8::from(ranked.reading == Reading::JobTitle)));
    }
    share
}

/// sentence2skill: RP@5 and RP@10.
pub fn sentence_to_skills(
    task: &'static str,
    ranker: &dyn Answers,
    cases: &[SkillCase],
) -> TaskOutcome {
    let (mut rp5, mut rp10) = (Mean::default(), Mean::default());
    let (rankings, seconds) = timed_skills(
        ranker,
        cases.iter().map(|case| case.text.as_str()),
        TextKind::Inferred,
    );
    for (case, ranked) in cases.iter().zip(&rankings) {
        let ranking = credited(&ranked.answers, &case.gold);
        let gold = gold_set(&case.gold);
        rp5.add(rp_at(&ranking, &gold, 5));
        rp10.add(rp_at(&ranking, &gold, 10));
    }
    let titles = read_as_job_titles(&rankings);
    TaskOutcome {
        task,
        items: cases.len(),
        seconds,
        figures: vec![
            figure("RP@5", &rp5),
            figure("RP@10", &rp10),
            figure(READ_AS_JOB_TITLE, &titles),
        ],
    }
}

/// title2skill: R-precision and MAP of a title's competencies, asked for
/// as a text of `kind`, against the essential skills of its occupation.
pub fn title_to_skills(
    task: &'static str,
    ranker: &dyn Answers,
    cases: &[SkillCase],
    kind: TextKind,
) -> TaskOutcome {
    let (mut rp, mut map) = (Mean::default(), Mean::default());
    let (rankings, seconds) =
        timed_skills(ranker, cases.iter().map(|case| case.text.as_str()), kind);
    for (case, ranked) in cases.iter().zip(&rankings) {
        let ranking = credited(&ranked.answers, &case.gold);
        let gold = gold_set(&case.gold);
        rp.add(r_precision(&ranking, &gold));
        map.add(average_precision(&ranking, &gold));
    }
    let mut figures = vec![figure("R-precision", &rp), figure("MAP", &map)];
    if kind == TextKind::Inferred {
        figures.push(figure(READ_AS_JOB_TITLE, &read_as_job_titles(&rankings)));
    }
    TaskOutcome {
        task,
        items: cases.len(),
        seconds,
        figures,
    }
}

/// title2occupation (MRR, Recall@1, @5, @10; titles whose gold occupation is
/// not in the taxonomy count as misses) on every case and, from the same
/// rankings, on the cases `keep` marks (reported as `subset_task`).
pub fn title_to_occupation_split(
    task: &'static str,
    subset_task: &'static str,
    ranker: &dyn Answers,
    cases: &[TitleCase],
    keep: &[bool],
) -> (TaskOutcome, TaskOutcome) {
    let started = Instant::now();
    let rankings: Vec<Vec<Answer<usize>>> = cases
        .iter()
        .map(|case| ranker.occupations(&case.text, OCCUPATION_RANKING_DEPTH))
        .collect();
    let seconds = started.elapsed().as_secs_f64();
    let mut all: [Mean; 4] = Default::default();
    let mut subset: [Mean; 4] = Default::default();
    let mut subset_items = 0;
    for ((case, answers), &kept) in cases.iter().zip(&rankings).zip(keep) {
        let gold: HashSet<usize> = case.gold.into_iter().collect();
        let ranking = credited(answers, &gold);
        let gold = gold_set(&gold);
        let values = [
            reciprocal_rank(&ranking, &gold),
            recall_at(&ranking, &gold, 1),
            recall_at(&ranking, &gold, 5),
            recall_at(&ranking, &gold, 10),
        ];
        for (mean, value) in all.iter_mut().zip(values) {
            mean.add(value);
        }
        if kept {
            subset_items += 1;
            for (mean, value) in subset.iter_mut().zip(values) {
                mean.add(value);
            }
        }
    }
    let outcome = |task, items, means: &[Mean; 4], seconds| TaskOutcome {
        task,
        items,
        seconds,
        figures: vec![
            figure("MRR", &means[0]),
            figure("Recall@1", &means[1]),
            figure("Recall@5", &means[2]),
            figure("Recall@10", &means[3]),
        ],
    };
    (
        outcome(task, cases.len(), &all, seconds),
        outcome(subset_task, subset_items, &subset, 0.0),
    )
}

fn figure(metric: &'static str, mean: &Mean) -> Figure {
    Figure {
        metric,
        value: mean.value(),
        interval: mean.interval(),
    }
}
