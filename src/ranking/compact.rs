//! Compact candidate evidence for scanning large pools: 16 bytes per piece
//! of evidence, no strings. Explanations are built from the full record.

use super::plan::CompetencyKey;
use super::{CandidateProfile, EvidenceKind};
use crate::domain::{Date, Proficiency, RecordId};

/// One piece of evidence, compactly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CompactEvidence {
    /// Competency key.
    pub key: CompetencyKey,
    /// Kind of evidence.
    pub kind: EvidenceKind,
    /// Stated proficiency.
    pub proficiency: Option<Proficiency>,
    /// Days since 1970 of last use or issue.
    pub dated: Option<i32>,
    /// Days since 1970 of expiry.
    pub expires: Option<i32>,
}

/// A candidate as the scanner sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompactProfile {
    /// Candidate id.
    pub id: RecordId,
    /// Evidence.
    pub evidence: Box<[CompactEvidence]>,
}

fn days(date: Option<Date>) -> Option<i32> {
    date.and_then(|d| i32::try_from(d.days()).ok())
}

impl CompactProfile {
    /// Compacts a profile; `key_of` maps a URI to its key.
    pub fn new(profile: &CandidateProfile, mut key_of: impl FnMut(&str) -> CompetencyKey) -> Self {
        Self {
            id: profile.id.clone(),
            evidence: profile
                .evidence
                .iter()
                .map(|e| CompactEvidence {
                    key: e.idx.map_or_else(|| key_of(&e.uri), |idx| idx.0),
                    kind: e.kind,
                    proficiency: e.proficiency,
                    dated: days(e.dated),
                    expires: days(e.expires),
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Importance, JobPosting, RequiredCompetency};
    use crate::needs::JobNeed;
    use crate::ranking::scan::score;
    use crate::ranking::{Evidence, JobPlan, assess, min_proficiencies};
    use crate::taxonomy::{CompetencyIdx, load_sample};

    /// The scanner's score equals the explained score on random profiles.
    #[test]
    fn compact_scores_equal_full_assessments() {
        let taxonomy = load_sample().unwrap();
        let mut state = 0x1234_5678_9abc_def1_u64;
        let mut next = |n: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % n as u64) as usize
        };
        let kinds = [
            EvidenceKind::VerifiedCredential,
            EvidenceKind::AssessedCredential,
            EvidenceKind::Credential,
            EvidenceKind::Declared,
            EvidenceKind::CvText,
        ];
        let levels = [None, Some(Proficiency::Basic), Some(Proficiency::Expert)];
        let as_of = Date::parse("2026-06-01").unwrap();
        for round in 0..200 {
            let required: Vec<RequiredCompetency> = (0..1 + next(6))
                .map(|i| RequiredCompetency {
                    uri: taxonomy
                        .get(CompetencyIdx(next(taxonomy.len()) as u32))
                        .uri
                        .clone(),
                    importance: if i % 2 == 0 {
                        Importance::Essential
                    } else {
                        Importance::Optional
                    },
                    min_proficiency: levels[next(3)],
                })
                .chain(std::iter::once(RequiredCompetency {
                    uri: "urn:custom:skill".into(),
                    importance: Importance::Essential,
                    min_proficiency: None,
                }))
                .collect();
            let job = JobPosting {
                competencies: required.clone(),
                ..JobPosting::default()
            };
            let needs: Vec<JobNeed> = required
                .iter()
                .map(|r| JobNeed::explicit(&taxonomy, r))
                .collect();
            let evidence = (0..next(25))
                .map(|_| {
                    let uri = if next(10) == 0 {
                        "urn:custom:skill".to_owned()
                    } else {
                        taxonomy
                            .get(CompetencyIdx(next(taxonomy.len()) as u32))
                            .uri
                            .clone()
                    };
                    Evidence {
                        idx: taxonomy.idx(&uri),
                        uri,
                        kind: kinds[next(5)],
                        source: String::new(),
                        dated: (next(4) > 0).then(|| Date::from_days(14_000 + next(7000) as i64)),
                        expires: (next(3) == 0)
                            .then(|| Date::from_days(19_000 + next(3000) as i64)),
                        proficiency: levels[next(3)],
                    }
                })
                .collect();
            let profile = CandidateProfile {
                id: RecordId::parse("c").unwrap(),
                evidence,
                credentials: Vec::new(),
            };
            let full = assess(
                &taxonomy,
                &needs,
                &min_proficiencies(&job, &needs),
                &profile,
                as_of,
            );
            let plan = JobPlan::new(&taxonomy, &job, &needs, as_of);
            let base = taxonomy.len() as u32;
            let compact = CompactProfile::new(&profile, |_| base);
            let unknown: Vec<(CompetencyKey, u16)> =
                plan.unknown.iter().map(|(_, need)| (base, *need)).collect();
            let fast = score(&plan, &unknown, &compact, &mut Vec::new());
            assert!(
                (fast - full.score).abs() < 1e-12,
                "round {round}: {fast} != {}",
                full.score
            );
        }
    }
}
