//! AnalyzeGap and PlanUpskilling through the real server on a free port,
//! over the embedded sample taxonomy and catalogue.

use crate::support::TestServer;

use skillmatch::pb;
use tonic::Code;
use tonic_types::StatusExt;

const SKILL: &str = "http://data.europa.eu/esco/skill/";
/// A sample competency (install low voltage wiring) that no sample credential teaches.
const NOWHERE: &str = "http://data.europa.eu/esco/skill/fd60bbcc-c3b6-4fa5-936c-eef5ae0a2d44";

fn skill(id: &str) -> String {
    format!("{SKILL}{id}")
}

fn sql() -> String {
    skill("598de5b0-5b58-4ea7-8058-a4bc4d18c742")
}

fn data_cleansing() -> String {
    skill("50b100ea-74fd-4706-99db-3e4ca55e51b8")
}

fn spreadsheets() -> String {
    skill("1973c966-f236-40c9-b2d4-5d71a89019be")
}

fn job() -> pb::JobPosting {
    let required = |uri: String, importance: pb::Importance| pb::RequiredCompetency {
        uri,
        importance: importance.into(),
        min_proficiency: pb::Proficiency::Unspecified.into(),
    };
    pb::JobPosting {
        competencies: vec![
            required(sql(), pb::Importance::Essential),
            required(data_cleansing(), pb::Importance::Essential),
            required(NOWHERE.to_owned(), pb::Importance::Optional),
        ],
        ..pb::JobPosting::default()
    }
}

fn uris(items: &[pb::GapItem]) -> Vec<String> {
    items
        .iter()
        .map(|item| item.competency.as_ref().unwrap().uri.clone())
        .collect()
}

#[tokio::test]
async fn gap_and_plan_over_the_sample_catalogue() {
    let running = TestServer::builder().start().await;

    let gap = running
        .matcher()
        .analyze_gap(pb::AnalyzeGapRequest {
            held_competency_uris: vec![spreadsheets()],
            job: Some(job()),
            ..pb::AnalyzeGapRequest::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(gap.matched.is_empty());
    assert_eq!(uris(&gap.partial), [data_cleansing()]);
    assert_eq!(gap.partial[0].relation(), pb::HeldRelation::Related);
    assert_eq!(
        gap.partial[0].held_competency.as_ref().unwrap().uri,
        spreadsheets()
    );
    assert_eq!(uris(&gap.missing), [sql(), NOWHERE.to_owned()]);

    let plan = running
        .matcher()
        .plan_upskilling(pb::PlanUpskillingRequest {
            held_competency_uris: vec![spreadsheets()],
            job: Some(job()),
            constraints: Some(pb::PlanConstraints {
                max_total_cost: Some(pb::Money {
                    amount: 1000.0,
                    currency: "EUR".into(),
                }),
                max_total_hours: None,
                delivery_modes: vec![pb::DeliveryMode::Online.into()],
                require_assessed: false,
                require_accredited: false,
            }),
            ..pb::PlanUpskillingRequest::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(plan.optimal);
    assert_eq!(plan.method(), pb::PlanMethod::Exact);
    let total = plan.total_cost.as_ref().unwrap();
    assert_eq!(total.currency, "EUR");
    assert!(total.amount <= 1000.0);
    let ids: Vec<&str> = plan
        .credentials
        .iter()
        .map(|p| p.credential.as_ref().unwrap().id.as_str())
        .collect();
    assert_eq!(
        ids,
        ["data-sql-foundations"],
        "the cheapest online SQL course"
    );
    let sum: f64 = plan
        .credentials
        .iter()
        .map(|p| p.cost.as_ref().unwrap().amount)
        .sum();
    assert!((sum - total.amount).abs() < 1e-9);
    assert_eq!(plan.covered.len(), 1);
    assert_eq!(plan.covered[0].competency.as_ref().unwrap().uri, sql());
    assert_eq!(plan.uncovered.len(), 1);
    assert_eq!(plan.uncovered[0].competency.as_ref().unwrap().uri, NOWHERE);
    assert_eq!(
        plan.uncovered[0].reason(),
        pb::UncoveredReason::NotInCatalogue
    );
    // Every credential comes after its prerequisites.
    for (position, planned) in plan.credentials.iter().enumerate() {
        for prerequisite in &planned.credential.as_ref().unwrap().prerequisites {
            assert!(ids[..position].contains(&prerequisite.as_str()));
        }
    }

    running.stop().await;
}

#[tokio::test]
async fn a_bad_plan_request_names_the_fields() {
    let running = TestServer::builder().start().await;
    let status = running
        .matcher()
        .plan_upskilling(pb::PlanUpskillingRequest {
            held_competency_uris: vec![String::new()],
            job: None,
            constraints: Some(pb::PlanConstraints {
                max_total_cost: Some(pb::Money {
                    amount: 100.0,
                    currency: "XYZ".into(),
                }),
                max_total_hours: Some(-3.0),
                delivery_modes: vec![pb::DeliveryMode::Unspecified.into()],
                require_assessed: false,
                require_accredited: false,
            }),
            ..pb::PlanUpskillingRequest::default()
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    let bad_request = status.get_details_bad_request().expect("field violations");
    let fields: Vec<&str> = bad_request
        .field_violations
        .iter()
        .map(|v| v.field.as_str())
        .collect();
    assert_eq!(
        fields,
        [
            "held_competency_uris[0]",
            "job",
            "constraints.delivery_modes[0]",
            "constraints.max_total_cost.currency",
            "constraints.max_total_hours",
        ]
    );
    running.stop().await;
}

fn credential(id: &str, prerequisites: &[&str]) -> pb::Microcredential {
    pb::Microcredential {
        id: id.to_owned(),
        title: format!("Credential {id}"),
        hours: Some(10.0),
        cost: Some(pb::Money {
            amount: 100.0,
            currency: "EUR".into(),
        }),
        delivery_mode: pb::DeliveryMode::Online.into(),
        language: "en".into(),
        prerequisites: prerequisites.iter().map(|p| (*p).to_owned()).collect(),
        ..pb::Microcredential::default()
    }
}

#[tokio::test]
async fn upserts_reject_prerequisite_cycles_and_report_dangling_references() {
    let running = TestServer::builder().start().await;
    let status = running
        .catalog()
        .upsert_credentials(pb::UpsertCredentialsRequest {
            credentials: vec![
                credential("cycle-a", &["cycle-b"]),
                credential("cycle-b", &["cycle-a"]),
            ],
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    let violations = status.get_details_bad_request().unwrap().field_violations;
    assert_eq!(violations.len(), 1);
    assert_eq!(violations[0].field, "credentials[0].prerequisites");
    assert!(
        violations[0]
            .description
            .contains("cycle-a -> cycle-b -> cycle-a")
    );

    let stored = running
        .catalog()
        .upsert_credentials(pb::UpsertCredentialsRequest {
            credentials: vec![credential("needs-absent", &["absent"])],
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(stored.upserted_count, 1);
    assert_eq!(
        stored.dangling_references,
        [pb::DanglingReference {
            credential_id: "needs-absent".into(),
            field: "prerequisites".into(),
            target_id: "absent".into(),
        }]
    );
    running.stop().await;
}

#[tokio::test]
async fn a_plan_names_credentials_of_unknown_cost_and_hours() {
    let running = TestServer::builder().start().await;
    let mut unpriced = credential("unpriced-nowhere", &[]);
    unpriced.cost = None;
    unpriced.hours = None;
    unpriced.competencies = vec![pb::TaughtCompetency {
        uri: NOWHERE.to_owned(),
        ..pb::TaughtCompetency::default()
    }];
    running
        .catalog()
        .upsert_credentials(pb::UpsertCredentialsRequest {
            credentials: vec![unpriced],
        })
        .await
        .unwrap();
    let request = |constraints: Option<pb::PlanConstraints>| pb::PlanUpskillingRequest {
        held_competency_uris: vec![spreadsheets(), sql(), data_cleansing()],
        job: Some(job()),
        constraints,
        ..pb::PlanUpskillingRequest::default()
    };
    let plan = running
        .matcher()
        .plan_upskilling(request(None))
        .await
        .unwrap()
        .into_inner();
    let step = &plan.credentials[0];
    assert_eq!(step.credential.as_ref().unwrap().id, "unpriced-nowhere");
    assert_eq!((step.cost.as_ref(), step.hours), (None, None));
    assert_eq!(plan.unknown_cost_credential_ids, ["unpriced-nowhere"]);
    assert_eq!(plan.unknown_hours_credential_ids, ["unpriced-nowhere"]);
    assert_eq!(plan.total_cost.as_ref().unwrap().amount, 0.0);
    assert!(
        plan.note.contains("cost of unpriced-nowhere is unknown"),
        "{}",
        plan.note
    );

    let budgeted = running
        .matcher()
        .plan_upskilling(request(Some(pb::PlanConstraints {
            max_total_cost: Some(pb::Money {
                amount: 10_000.0,
                currency: "EUR".into(),
            }),
            ..pb::PlanConstraints::default()
        })))
        .await
        .unwrap()
        .into_inner();
    assert!(budgeted.credentials.is_empty());
    assert_eq!(
        budgeted.uncovered[0].reason(),
        pb::UncoveredReason::ExcludedByConstraints
    );
    running.stop().await;
}
