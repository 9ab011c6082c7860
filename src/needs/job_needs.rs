//! What a job needs: its explicit competencies, then those extracted from its text.

use crate::domain::{Importance, JobPosting, RequiredCompetency};
use crate::extract::{ExtractOptions, Extractor, TextKind};
use crate::taxonomy::{CompetencyIdx, Taxonomy};

/// How many competencies are taken from a posting's text.
const EXTRACTED_NEEDS: usize = 15;
/// Extracted competencies weigh this much of an explicit essential one, times their confidence.
const EXTRACTED_WEIGHT: f64 = 0.8;

/// Where a need comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NeedSource {
    /// Listed by the client.
    Explicit,
    /// Extracted from the text; the evidence is the matched text.
    Extracted {
        /// Text that evidences it.
        evidence: String,
    },
}

/// A competency the job needs.
#[derive(Debug, Clone, PartialEq)]
pub struct JobNeed {
    /// Competency URI.
    pub uri: String,
    /// Its index when the taxonomy has it.
    pub idx: Option<CompetencyIdx>,
    /// Essential or optional.
    pub importance: Importance,
    /// Explicit or extracted.
    pub source: NeedSource,
    /// Weight before normalisation.
    pub weight: f64,
}

impl JobNeed {
    /// The need a competency the job lists explicitly stands for.
    pub fn explicit(taxonomy: &Taxonomy, required: &RequiredCompetency) -> Self {
        Self {
            uri: required.uri.clone(),
            idx: taxonomy.idx(&required.uri),
            importance: required.importance,
            source: NeedSource::Explicit,
            weight: required.importance.weight(),
        }
    }
}

/// Explicit needs first; extracted ones are added unless already explicit.
pub fn job_needs(taxonomy: &Taxonomy, extractor: &Extractor, job: &JobPosting) -> Vec<JobNeed> {
    let mut needs: Vec<JobNeed> = job
        .competencies
        .iter()
        .map(|required| JobNeed::explicit(taxonomy, required))
        .collect();
    // A posting that is a title alone is read as a job title, whose
    // occupations lend their essential competencies in full.
    let kind = if job.is_title_only() {
        TextKind::JobTitle
    } else {
        TextKind::Inferred
    };
    let options = ExtractOptions {
        top_k: EXTRACTED_NEEDS,
        kind,
        ..ExtractOptions::default()
    };
    for extraction in extractor.extract(&job.text(), &options) {
        let uri = &taxonomy.get(extraction.competency).uri;
        if needs.iter().any(|need| &need.uri == uri) {
            continue;
        }
        needs.push(JobNeed {
            uri: uri.clone(),
            idx: Some(extraction.competency),
            importance: Importance::Essential,
            source: NeedSource::Extracted {
                evidence: extraction
                    .evidence
                    .first()
                    .map(|span| span.text.clone())
                    .unwrap_or_default(),
            },
            weight: EXTRACTED_WEIGHT * extraction.score,
        });
    }
    needs
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Competency, Occupation, TaxonomyVersion};

    #[test]
    fn a_job_that_is_a_title_alone_needs_what_its_occupation_needs() {
        let occupation = Occupation {
            uri: "o:nurse".into(),
            preferred_label: "registered nurse".into(),
            essential: vec!["s:care".into()],
            ..Occupation::default()
        };
        let taxonomy = Taxonomy::build(
            TaxonomyVersion::sample(),
            vec![Competency::skill("s:care", "provide patient care")],
            vec![occupation],
        )
        .unwrap();
        let extractor = Extractor::new(&taxonomy);
        let needs = |title: &str, description: &str| -> Vec<String> {
            let job = JobPosting {
                title: title.into(),
                description: description.into(),
                ..JobPosting::default()
            };
            job_needs(&taxonomy, &extractor, &job)
                .into_iter()
                .map(|need| need.uri)
                .collect()
        };
        // The title names its occupation in part; read as a sentence it
        // would lend it almost nothing.
        assert_eq!(needs("Night Nurse Practitioner", ""), ["s:care"]);
        assert_eq!(needs("", "Night Nurse Practitioner"), Vec::<String>::new());
    }
}
