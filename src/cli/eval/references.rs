//! Reference figures and targets from TARGETS.md (dev splits, 2026-11-28).

/// The published figures for one task and metric.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Reference {
    /// Task name.
    pub task: &'static str,
    /// Metric name.
    pub metric: &'static str,
    /// Okapi BM25 over labels and descriptions.
    pub bm25: f64,
    /// The all-MiniLM-L6-v2 cosine peer.
    pub minilm: f64,
    /// The target to reach.
    pub target: f64,
}

/// Every reference row of TARGETS.md.
pub const REFERENCES: [Reference; 6] = [
    reference("job2skill (hahu_dev)", "R-precision", 0.076, 0.091, 0.65),
    reference("job2skill (hahu_dev)", "MAP", 0.049, 0.060, 0.65),
    reference(
        "sentence2skill HOUSE validation",
        "RP@5",
        0.186,
        0.463,
        0.60,
    ),
    reference("sentence2skill TECH validation", "RP@5", 0.488, 0.542, 0.72),
    reference("title2occupation (titles.csv)", "MRR", 0.304, 0.311, 0.55),
    reference(
        "title2occupation (titles.csv)",
        "Recall@10",
        0.485,
        0.502,
        0.80,
    ),
];

const fn reference(
    task: &'static str,
    metric: &'static str,
    bm25: f64,
    minilm: f64,
    target: f64,
) -> Reference {
    Reference {
        task,
        metric,
        bm25,
        minilm,
        target,
    }
}

/// The reference row for a task and metric, if TARGETS.md has one.
pub fn find(task: &str, metric: &str) -> Option<&'static Reference> {
    REFERENCES
        .iter()
        .find(|r| r.task == task && r.metric == metric)
}
