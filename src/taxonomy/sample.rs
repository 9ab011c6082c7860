//! The embedded sample taxonomy shipped in `index/competencies.jsonl`.

use super::{Taxonomy, TaxonomyError, TaxonomyPart};
use crate::domain::{Competency, TaxonomyVersion};

/// The sample competencies, compiled into the binary.
pub const SAMPLE_COMPETENCIES_JSONL: &str = include_str!("../../index/competencies.jsonl");

/// Parses competencies from JSON Lines (one [`Competency`] per line, blank lines skipped).
pub fn parse_competencies_jsonl(text: &str) -> Result<Vec<Competency>, TaxonomyError> {
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(index, line)| {
            serde_json::from_str(line).map_err(|error| TaxonomyError::BadLine {
                line: index + 1,
                reason: error.to_string(),
            })
        })
        .collect()
}

/// The embedded sample as a release, to merge imported releases over.
pub fn sample_part() -> Result<TaxonomyPart, TaxonomyError> {
    Ok(TaxonomyPart {
        version: TaxonomyVersion::sample(),
        competencies: parse_competencies_jsonl(SAMPLE_COMPETENCIES_JSONL)?,
        occupations: Vec::new(),
    })
}

/// Builds the embedded sample taxonomy.
pub fn load_sample() -> Result<Taxonomy, TaxonomyError> {
    Taxonomy::assemble(vec![sample_part()?])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sample_taxonomy_loads_with_links() {
        let taxonomy = load_sample().unwrap();
        assert!(taxonomy.len() >= 150, "{} competencies", taxonomy.len());
        let linked = (0..taxonomy.len())
            .filter(|&i| {
                !taxonomy
                    .broader(super::super::CompetencyIdx(i as u32))
                    .is_empty()
            })
            .count();
        assert!(
            linked > 10,
            "only {linked} competencies have a broader link"
        );
    }
}
