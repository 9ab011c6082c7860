//! What an import resolves against the taxonomy and the catalogue, after
//! reading: competencies published by name (or aligned to a framework that
//! is not a taxonomy), occupation codes, and links to records that are not
//! in the catalogue.

use super::report::{FieldOutcome, RecordReport, ResolvedCompetency};
use crate::domain::{
    AlignmentSource, CredentialId, Microcredential, PublishedCompetency, TaughtCompetency,
};
use crate::extract::{ExtractOptions, Extractor, TextKind};
use crate::taxonomy::Taxonomy;

/// A published name resolves to its best extracted competency only when the
/// extraction scores at least this. Published names are short statements
/// without a body, so their scores are low: on the development records
/// (EVALUATION.md, "Credential standards") 20 of 21 resolutions scoring 0.15
/// or more were plausible, against 12 of 21 between 0.10 and 0.15. It is on
/// the raw (uncalibrated) scale of the fused score with the name's vector
/// read whole, and so is the resolved score ([`Extractor::extract_name_raw`]).
pub const MIN_RESOLUTION_SCORE: f64 = 0.15;

/// Prefix of O*NET occupation URIs (see docs/TAXONOMIES.md).
const ONET_OCCUPATION: &str = "https://www.onetonline.org/link/summary/";

/// Resolves the named competencies and occupation codes a record's report
/// holds, adding the resolved competencies to the credential (marked
/// extracted, with the published name, framework and score) and the
/// occupations (the O*NET occupation of a SOC code, and the ESCO
/// occupations the crosswalk links it to) when the taxonomy has them.
pub fn resolve_published(
    taxonomy: &Taxonomy,
    extractor: &Extractor,
    credential: &mut Microcredential,
    report: &mut RecordReport,
) {
    let options = ExtractOptions {
        top_k: 1,
        min_score: MIN_RESOLUTION_SCORE,
        // A competency's name, never a job title.
        kind: TextKind::Sentence,
    };
    for named in &mut report.named_competencies {
        if let Some(known) = named
            .published_uri
            .as_deref()
            .and_then(|u| taxonomy.by_uri(u))
        {
            named.resolved = Some(ResolvedCompetency {
                uri: known.uri.clone(),
                label: known.preferred_label.clone(),
                score: 1.0,
            });
            continue;
        }
        let Some(best) = extractor
            .extract_name_raw(&named.name, &options)
            .into_iter()
            .next()
        else {
            continue;
        };
        let competency = taxonomy.get(best.competency);
        named.resolved = Some(ResolvedCompetency {
            uri: competency.uri.clone(),
            label: competency.preferred_label.clone(),
            score: best.score,
        });
        if credential
            .competencies
            .iter()
            .any(|t| t.uri == competency.uri)
        {
            continue;
        }
        credential.competencies.push(TaughtCompetency {
            uri: competency.uri.clone(),
            proficiency: None,
            assessed: named.assessed,
            source: AlignmentSource::Extracted,
            resolved_from: Some(PublishedCompetency {
                name: named.name.clone(),
                framework: named.framework.clone(),
                score: best.score,
            }),
        });
    }
    for occupation in &mut report.occupations {
        let code = if occupation.code.contains('.') {
            occupation.code.clone()
        } else {
            format!("{}.00", occupation.code)
        };
        let Some(index) = taxonomy.occupation_index(&format!("{ONET_OCCUPATION}{code}")) else {
            continue;
        };
        let found = &taxonomy.occupations()[index];
        occupation.resolved_uri = Some(found.uri.clone());
        for uri in std::iter::once(&found.uri).chain(&found.linked) {
            if !credential.occupations.contains(uri) {
                credential.occupations.push(uri.clone());
            }
        }
    }
    if !report.occupations.is_empty() {
        let resolved = report
            .occupations
            .iter()
            .filter(|o| o.resolved_uri.is_some())
            .count();
        report.field(
            "occupations",
            if resolved == report.occupations.len() {
                FieldOutcome::Resolved
            } else {
                FieldOutcome::Unknown
            },
            format!(
                "{resolved} of {} occupation codes resolved to imported O*NET occupations",
                report.occupations.len()
            ),
        );
    }
    report.settle();
}

/// Keeps the links (prerequisites, parts, larger credentials) whose target
/// `exists` (in the catalogue or the batch being imported) and reports the
/// others as ignored: a link becomes a stack or a prerequisite only when
/// both ends are in the catalogue.
pub fn keep_known_links(
    credential: &mut Microcredential,
    report: &mut RecordReport,
    exists: impl Fn(&CredentialId) -> bool,
) {
    for (field, links) in [
        ("prerequisites", &mut credential.prerequisites),
        ("has_part", &mut credential.has_part),
        ("part_of", &mut credential.part_of),
    ] {
        let missing: Vec<String> = links
            .iter()
            .filter(|id| !exists(id))
            .map(ToString::to_string)
            .collect();
        if missing.is_empty() {
            continue;
        }
        links.retain(|id| exists(id));
        report.field(
            field,
            FieldOutcome::Ignored,
            format!(
                "links to records not in the catalogue: {}",
                missing.join(", ")
            ),
        );
    }
    report.settle();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::report::{NamedCompetency, PublishedOccupation};
    use crate::domain::{Occupation, TaxonomyVersion};
    use crate::taxonomy::{TaxonomyPart, sample_part};

    const ESCO_OCCUPATION: &str = "http://data.europa.eu/esco/occupation/systems-analyst";

    fn taxonomy() -> Taxonomy {
        let onet = TaxonomyPart {
            version: TaxonomyVersion {
                id: "onet".into(),
                version: "29.3".into(),
            },
            competencies: Vec::new(),
            occupations: vec![Occupation {
                uri: format!("{ONET_OCCUPATION}15-1121.00"),
                preferred_label: "Computer Systems Analysts".into(),
                code: "15-1121.00".into(),
                linked: vec![ESCO_OCCUPATION.into()],
                ..Occupation::default()
            }],
        };
        Taxonomy::assemble(vec![sample_part().unwrap(), onet]).unwrap()
    }

    fn unresolved(name: &str, uri: Option<&str>) -> NamedCompetency {
        NamedCompetency {
            name: name.into(),
            framework: Some("Exam blueprint".into()),
            assessed: true,
            published_uri: uri.map(str::to_owned),
            resolved: None,
        }
    }

    #[test]
    fn names_and_soc_codes_resolve_and_the_rest_is_reported() {
        let taxonomy = taxonomy();
        let extractor = Extractor::new(&taxonomy);
        let mut credential: Microcredential =
            serde_json::from_str(r#"{"id":"exam","title":"Exam"}"#).unwrap();
        let mut report = RecordReport::new(1, None);
        let sql = "http://data.europa.eu/esco/skill/598de5b0-5b58-4ea7-8058-a4bc4d18c742";
        report.named_competencies = vec![
            unresolved("data analytics", None),
            unresolved("Structured Query Language", Some(sql)),
            unresolved("Anthropology & Sociology", None),
        ];
        report.occupations = vec![
            PublishedOccupation {
                code: "15-1121".into(),
                name: Some("Computer Systems Analysts".into()),
                framework: None,
                resolved_uri: None,
            },
            PublishedOccupation {
                code: "99-9999.00".into(),
                name: None,
                framework: None,
                resolved_uri: None,
            },
        ];
        resolve_published(&taxonomy, &extractor, &mut credential, &mut report);

        let analytics = &credential.competencies[0];
        assert_eq!(taxonomy.label(&analytics.uri), "data analytics");
        assert_eq!(analytics.source, AlignmentSource::Extracted);
        assert!(analytics.assessed);
        let published = analytics
            .resolved_from
            .as_ref()
            .expect("published name kept");
        assert_eq!(published.name, "data analytics");
        assert_eq!(published.framework.as_deref(), Some("Exam blueprint"));
        assert!(published.score >= MIN_RESOLUTION_SCORE);
        assert_eq!(
            report.named_competencies[1]
                .resolved
                .as_ref()
                .map(|r| r.score),
            Some(1.0),
            "a taxonomy URI resolves to itself"
        );
        assert!(report.named_competencies[2].resolved.is_none());
        assert_eq!(
            credential.occupations,
            [
                format!("{ONET_OCCUPATION}15-1121.00"),
                ESCO_OCCUPATION.to_owned()
            ],
            "the O*NET occupation and its crosswalked ESCO one"
        );
        assert!(report.occupations[1].resolved_uri.is_none());
        assert_eq!(report.outcome("occupations"), Some(FieldOutcome::Unknown));
        assert_eq!(
            report.status,
            crate::catalog::RecordStatus::ImportedWithWarnings
        );
    }

    #[test]
    fn links_to_absent_records_are_dropped_and_reported() {
        let mut credential: Microcredential = serde_json::from_str(
            r#"{"id":"a","title":"A","prerequisites":["b","gone"],"part_of":["c"]}"#,
        )
        .unwrap();
        let mut report = RecordReport::new(1, None);
        keep_known_links(&mut credential, &mut report, |id| id.as_str() != "gone");
        assert_eq!(credential.prerequisites.len(), 1);
        assert_eq!(credential.part_of.len(), 1);
        assert_eq!(report.outcome("prerequisites"), Some(FieldOutcome::Ignored));
        assert_eq!(report.outcome("part_of"), None);
    }
}
