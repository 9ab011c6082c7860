//! The shared vocabulary of matching, ranking and planning: what a job
//! needs (its competencies, each with its importance and where it came from)
//! and how a held or taught competency covers a needed one.

mod coverage;
mod job_needs;

pub use coverage::{
    CoverageKind, CoverageMap, Covered, best_of, coverage_links, relate, relate_looked_up,
};
pub use job_needs::{JobNeed, NeedSource, job_needs};
