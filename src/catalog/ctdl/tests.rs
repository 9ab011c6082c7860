//! The CTDL reader on hand-made fixtures and records.

use super::*;
use crate::catalog::report::RecordStatus;
use crate::domain::DeliveryMode;

const GOOD: &str = include_str!("../../../tests/fixtures/ctdl/credentials.json");
const MALFORMED: &str = include_str!("../../../tests/fixtures/ctdl/malformed.jsonl");

#[test]
fn maps_a_graph_of_credentials_and_organisations() {
    let parsed = parse_credentials_ctdl(GOOD);
    assert!(parsed.rejected.is_empty(), "{:?}", parsed.rejected);
    let ids: Vec<&str> = parsed.credentials.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(
        ids,
        ["ce-sql-basics", "ce-dashboards", "ce-data-certificate"]
    );

    let sql = &parsed.credentials[0];
    assert_eq!(sql.title, "SQL Basics");
    assert_eq!(sql.provider, "Northbridge Digital Academy");
    assert_eq!(sql.accredited_by, ["Digital Skills Quality Board"]);
    assert_eq!(
        sql.cost.map(|c| (c.amount, c.currency.to_string())),
        Some((249.0, "EUR".to_owned()))
    );
    assert_eq!(sql.hours, Some(24.0));
    assert_eq!(sql.delivery_mode, Some(DeliveryMode::Online));
    assert!(sql.assessed);
    assert_eq!(sql.language.as_deref(), Some("en"));
    assert_eq!(sql.competencies.len(), 1);
    assert!(
        sql.competencies[0]
            .uri
            .ends_with("598de5b0-5b58-4ea7-8058-a4bc4d18c742")
    );
    assert!(sql.competencies[0].assessed);
    assert_eq!(sql.frameworks, ["http://data.europa.eu/esco/skill"]);
    assert_eq!(sql.part_of[0].as_str(), "ce-data-certificate");
    assert_eq!(
        sql.url.as_deref(),
        Some("https://example.org/courses/sql-basics")
    );

    let dashboards = &parsed.credentials[1];
    assert_eq!(dashboards.provider, "Datenwerk Akademie");
    assert_eq!(
        dashboards.language.as_deref(),
        Some("de"),
        "from the name's language map"
    );
    assert_eq!(dashboards.cost.map(|c| c.amount), Some(199.5));
    assert_eq!(dashboards.hours, Some(20.0), "the maximum duration");
    assert_eq!(dashboards.delivery_mode, Some(DeliveryMode::InPerson));
    assert_eq!(dashboards.prerequisites[0].as_str(), "ce-sql-basics");
    assert!(!dashboards.assessed);

    let certificate = &parsed.credentials[2];
    assert_eq!(
        certificate.cost.map(|c| c.amount),
        Some(600.0),
        "priced profiles are summed"
    );
    assert_eq!(certificate.hours, Some(120.0), "three full-time weeks");
    assert_eq!(certificate.delivery_mode, Some(DeliveryMode::Blended));
    assert_eq!(certificate.has_part.len(), 2);
    assert!(
        certificate.prerequisites.is_empty(),
        "required parts are parts, not prerequisites"
    );
    assert_eq!(certificate.accredited_by, ["Digital Skills Quality Board"]);
}

#[test]
fn reads_leniently_and_rejects_only_unusable_records() {
    let parsed = parse_credentials_ctdl(MALFORMED);
    let expected = [(6, "not valid JSON"), (7, "duplicate id ce-good")];
    crate::catalog::jsonl::assert_rejected(&parsed, &expected);
    let ids: Vec<&str> = parsed.credentials.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "ce-good",
            "ce-course",
            "ce-no-cost",
            "ce-bad-currency",
            "ce-bad-duration",
            "ce-no-delivery"
        ]
    );
    let by_id = |id: &str| {
        parsed
            .credentials
            .iter()
            .find(|c| c.id.as_str() == id)
            .unwrap()
    };
    let report = |id: &str| {
        parsed
            .reports
            .iter()
            .find(|r| r.id.as_deref() == Some(id) && r.status != RecordStatus::Rejected)
            .unwrap()
    };
    assert_eq!(by_id("ce-course").kind, CredentialKind::LearningOpportunity);
    assert_eq!(by_id("ce-course").cost, None);
    assert_eq!(by_id("ce-no-cost").cost, None, "unknown, not free");
    assert_eq!(
        report("ce-no-cost").outcome("cost"),
        Some(FieldOutcome::Unknown)
    );
    let usd = by_id("ce-bad-currency").cost.unwrap();
    assert_eq!((usd.amount, usd.currency.as_str()), (1000.0, "USD"));
    assert_eq!(
        report("ce-bad-currency").outcome("cost"),
        Some(FieldOutcome::Resolved)
    );
    assert_eq!(by_id("ce-bad-duration").hours, None);
    assert_eq!(
        report("ce-bad-duration").outcome("hours"),
        Some(FieldOutcome::Unknown)
    );
    assert_eq!(by_id("ce-no-delivery").delivery_mode, None);
    assert_eq!(report("ce-good").status, RecordStatus::ImportedWithWarnings);
    assert_eq!(parsed.reports.len(), 8, "one report per record");
    assert_eq!(parsed.reports[5].status, RecordStatus::Rejected);
}

#[test]
fn ranges_named_competencies_languages_and_several_costs() {
    let record = serde_json::json!({
        "@id": "https://example.org/resources/ce-exam?v=2",
        "@type": "ceterms:AssessmentProfile",
        "ceterms:name": "Data Exam",
        "ceterms:inLanguage": ["English", "English"],
        "ceterms:estimatedDuration": [{"ceterms:minimumDuration": "PT2H", "ceterms:maximumDuration": "P1D"}],
        "ceterms:estimatedCost": [
            {"ceterms:price": 35, "ceterms:currency": "US Dollar", "ceterms:audienceType": [{"ceterms:targetNodeName": "Citizen"}]},
            {"ceterms:price": 40.0, "ceterms:currency": "USD"}
        ],
        "ceterms:assesses": [
            {"ceterms:targetNodeName": "use SQL", "ceterms:frameworkName": "Exam blueprint"},
            {"ceterms:targetNode": "http://data.europa.eu/esco/skill/x"}
        ],
        "ceterms:occupationType": [{"ceterms:codedNotation": "15-1121.00", "ceterms:frameworkName": "Standard Occupational Classification"}],
        "ceterms:naics": ["51"]
    });
    let parsed = parse_credentials_ctdl(&record.to_string());
    assert!(parsed.rejected.is_empty(), "{:?}", parsed.rejected);
    let exam = &parsed.credentials[0];
    let report = &parsed.reports[0];
    assert_eq!(exam.id.as_str(), "ce-exam.v-2");
    assert_eq!(report.outcome("id"), Some(FieldOutcome::Resolved));
    assert_eq!(exam.kind, CredentialKind::Assessment);
    assert!(exam.assessed);
    assert_eq!((exam.min_hours, exam.hours), (Some(2.0), Some(8.0)));
    assert_eq!(exam.language.as_deref(), Some("en"));
    assert_eq!(report.outcome("language"), Some(FieldOutcome::Resolved));
    assert_eq!(exam.cost_profiles.len(), 2);
    assert_eq!(
        exam.cost_profiles[0].label.as_deref(),
        Some("audience: Citizen")
    );
    assert_eq!(exam.cost.map(|c| c.amount), Some(75.0));
    assert_eq!(exam.competencies.len(), 1);
    assert!(exam.competencies[0].assessed);
    assert_eq!(report.named_competencies.len(), 1);
    assert_eq!(report.named_competencies[0].name, "use SQL");
    assert_eq!(
        report.named_competencies[0].framework.as_deref(),
        Some("Exam blueprint")
    );
    assert_eq!(report.occupations[0].code, "15-1121.00");
    assert_eq!(report.outcome("ceterms:naics"), Some(FieldOutcome::Ignored));
    assert_eq!(
        exam.published_type.as_deref(),
        Some("ceterms:AssessmentProfile")
    );
}

#[test]
fn a_cost_without_currency_is_kept_but_unknown() {
    let record = serde_json::json!({
        "@id": "ce-course", "@type": "ceterms:LearningOpportunityProfile", "ceterms:name": "Course",
        "ceterms:estimatedCost": [{"ceterms:price": 200.0}, {"ceterms:price": 300.0}]
    });
    let parsed = parse_credentials_ctdl(&record.to_string());
    let course = &parsed.credentials[0];
    assert_eq!(course.cost, None);
    assert_eq!(course.cost_profiles.len(), 2);
    assert_eq!(course.cost_profiles[1].currency, None);
    for unusable in [
        serde_json::json!({"@id": "ce-x", "@type": "ceterms:Course"}),
        serde_json::json!({"@id": "ce-x", "@type": "ceterms:CredentialOrganization2", "ceterms:name": "X"}),
        serde_json::json!({"@id": "ce-x", "ceterms:name": "X"}),
    ] {
        let parsed = parse_credentials_ctdl(&unusable.to_string());
        assert_eq!(parsed.rejected.len(), 1, "{unusable}");
        assert_eq!(parsed.reports[0].status, RecordStatus::Rejected);
    }
}
