//! Plans over small hand-made catalogues: prerequisites and their order,
//! stacks, budgets, uncovered reasons, currencies.

use std::sync::Arc;

use serde_json::json;

use super::*;
use crate::domain::{DeliveryMode, Importance, JobPosting, Money, RequiredCompetency};
use crate::extract::Extractor;
use crate::store::Store;
use crate::taxonomy::load_sample;

struct Fixture {
    taxonomy: Arc<Taxonomy>,
    extractor: Extractor,
    catalog: Catalog,
    _dir: tempfile::TempDir,
}

/// A credential line: id, price in EUR, hours, taught URIs, prerequisites, parts.
fn credential(
    id: &str,
    eur: f64,
    hours: f64,
    teaches: &[&str],
    prerequisites: &[&str],
    has_part: &[&str],
) -> serde_json::Value {
    json!({
        "id": id, "title": format!("Credential {id}"), "hours": hours,
        "cost": {"amount": eur, "currency": "EUR"}, "delivery_mode": "online", "language": "en",
        "competencies": teaches.iter().map(|uri| json!({"uri": uri})).collect::<Vec<_>>(),
        "prerequisites": prerequisites, "has_part": has_part,
    })
}

fn fixture(credentials: &[serde_json::Value]) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let taxonomy = Arc::new(load_sample().unwrap());
    let store = Arc::new(Store::open(&dir.path().join("db.redb")).unwrap());
    let seed: String = credentials.iter().map(|c| format!("{c}\n")).collect();
    let (catalog, _) =
        Catalog::open(store, taxonomy.clone(), &dir.path().join("index"), &seed).unwrap();
    Fixture {
        extractor: Extractor::new(&taxonomy),
        taxonomy,
        catalog,
        _dir: dir,
    }
}

fn query(needs: &[(&str, Importance)]) -> GapQuery {
    GapQuery {
        held: Vec::new(),
        job: JobPosting {
            competencies: needs
                .iter()
                .map(|(uri, importance)| RequiredCompetency {
                    uri: (*uri).to_owned(),
                    importance: *importance,
                    min_proficiency: None,
                })
                .collect(),
            ..JobPosting::default()
        },
    }
}

fn essential(uris: &[&'static str]) -> GapQuery {
    query(
        &uris
            .iter()
            .map(|uri| (*uri, Importance::Essential))
            .collect::<Vec<_>>(),
    )
}

impl Fixture {
    fn plan(&self, query: &GapQuery, constraints: &PlanConstraints) -> Plan {
        plan_upskilling(
            &self.taxonomy,
            &self.extractor,
            &self.catalog,
            query,
            constraints,
        )
        .unwrap()
    }
}

fn ids(plan: &Plan) -> Vec<&str> {
    plan.steps
        .iter()
        .map(|s| s.credential.id.as_str())
        .collect()
}

fn budget(eur: f64) -> PlanConstraints {
    PlanConstraints {
        max_total_cost: Some(Money::new(eur, "EUR").unwrap()),
        ..PlanConstraints::default()
    }
}

#[test]
fn prerequisites_are_included_transitively_and_come_first() {
    let f = fixture(&[
        credential("z-advanced", 300.0, 30.0, &["urn:t:1"], &["m-middle"], &[]),
        credential("m-middle", 200.0, 20.0, &[], &["a-basics"], &[]),
        credential("a-basics", 100.0, 10.0, &[], &[], &[]),
    ]);
    let plan = f.plan(&essential(&["urn:t:1"]), &PlanConstraints::default());
    assert_eq!(ids(&plan), ["a-basics", "m-middle", "z-advanced"]);
    let flags: Vec<bool> = plan.steps.iter().map(|s| s.added_as_prerequisite).collect();
    assert_eq!(flags, [true, true, false]);
    assert_eq!(plan.steps[0].required_by[0].as_str(), "m-middle");
    assert_eq!(plan.total_cost.amount, 600.0);
    assert_eq!(plan.total_hours, 60.0);
    assert_eq!(plan.method, Method::Exact);
    assert_eq!(plan.covered[0].credential.as_str(), "z-advanced");

    // The prerequisites count against the budget: 599 EUR cannot buy the chain.
    let plan = f.plan(&essential(&["urn:t:1"]), &budget(599.0));
    assert!(plan.steps.is_empty());
    assert_eq!(plan.uncovered[0].reason, UncoveredReason::OverBudget);
}

#[test]
fn a_cheaper_bundle_replaces_its_parts() {
    let f = fixture(&[
        credential("part-x", 150.0, 10.0, &["urn:t:1"], &[], &[]),
        credential("part-y", 150.0, 10.0, &["urn:t:2"], &[], &[]),
        credential("bundle", 250.0, 20.0, &[], &[], &["part-x", "part-y"]),
    ]);
    let plan = f.plan(
        &essential(&["urn:t:1", "urn:t:2"]),
        &PlanConstraints::default(),
    );
    assert_eq!(ids(&plan), ["bundle"]);
    assert_eq!(plan.total_cost.amount, 250.0);
    assert_eq!(plan.steps[0].covers, ["urn:t:1", "urn:t:2"]);
    assert_eq!(plan.stacks.len(), 1);
    assert!(!plan.stacks[0].by_parts);
    assert_eq!(plan.stacks[0].parts_cost, Some(300.0));
    assert!(plan.stacks[0].note.contains("300.00 EUR"));
}

#[test]
fn completing_a_stack_wins_a_tie() {
    // Both {part-x, part-y} and {other-x, part-y} cost 300 EUR and 20 hours;
    // only the first completes the certificate.
    let f = fixture(&[
        credential("other-x", 150.0, 10.0, &["urn:t:1"], &[], &[]),
        credential("part-x", 150.0, 10.0, &["urn:t:1"], &[], &[]),
        credential("part-y", 150.0, 10.0, &["urn:t:2"], &[], &[]),
        credential("certificate", 900.0, 20.0, &[], &[], &["part-x", "part-y"]),
    ]);
    let plan = f.plan(
        &essential(&["urn:t:1", "urn:t:2"]),
        &PlanConstraints::default(),
    );
    assert_eq!(ids(&plan), ["part-x", "part-y"]);
    assert_eq!(plan.stacks.len(), 1);
    assert!(plan.stacks[0].by_parts);
    assert_eq!(plan.stacks[0].credential.id.as_str(), "certificate");
}

#[test]
fn the_budget_is_respected_and_importance_decides() {
    let f = fixture(&[
        credential(
            "teaches-essential",
            200.0,
            10.0,
            &["urn:t:essential"],
            &[],
            &[],
        ),
        credential(
            "teaches-optional",
            100.0,
            10.0,
            &["urn:t:optional"],
            &[],
            &[],
        ),
    ]);
    let needs = query(&[
        ("urn:t:essential", Importance::Essential),
        ("urn:t:optional", Importance::Optional),
    ]);
    let plan = f.plan(&needs, &budget(250.0));
    assert_eq!(ids(&plan), ["teaches-essential"]);
    assert!(plan.total_cost.amount <= 250.0);
    assert_eq!(plan.uncovered.len(), 1);
    assert_eq!(plan.uncovered[0].need.uri, "urn:t:optional");
    assert_eq!(plan.uncovered[0].reason, UncoveredReason::OverBudget);

    let plan = f.plan(&needs, &budget(300.0));
    assert_eq!(ids(&plan), ["teaches-essential", "teaches-optional"]);
    assert!(plan.uncovered.is_empty());

    let hours_only = PlanConstraints {
        max_total_hours: Some(15.0),
        ..PlanConstraints::default()
    };
    assert_eq!(ids(&f.plan(&needs, &hours_only)), ["teaches-essential"]);
}

#[test]
fn uncovered_competencies_say_why() {
    let mut in_person = credential("in-person", 50.0, 5.0, &["urn:t:in-person"], &[], &[]);
    in_person["delivery_mode"] = json!("in_person");
    let f = fixture(&[
        in_person,
        credential("online", 50.0, 5.0, &["urn:t:online"], &[], &[]),
        credential(
            "needs-missing",
            10.0,
            1.0,
            &["urn:t:dangling"],
            &["not-there"],
            &[],
        ),
    ]);
    let online_only = PlanConstraints {
        delivery_modes: vec![DeliveryMode::Online],
        ..PlanConstraints::default()
    };
    let plan = f.plan(
        &essential(&[
            "urn:t:online",
            "urn:t:in-person",
            "urn:t:nowhere",
            "urn:t:dangling",
        ]),
        &online_only,
    );
    assert_eq!(ids(&plan), ["online"]);
    let reasons: Vec<(&str, UncoveredReason)> = plan
        .uncovered
        .iter()
        .map(|u| (u.need.uri.as_str(), u.reason))
        .collect();
    assert_eq!(
        reasons,
        [
            ("urn:t:in-person", UncoveredReason::ExcludedByConstraints),
            ("urn:t:nowhere", UncoveredReason::NotInCatalogue),
            ("urn:t:dangling", UncoveredReason::ExcludedByConstraints),
        ]
    );
}

#[test]
fn held_competencies_are_not_planned_and_prices_convert() {
    let mut pounds = credential("pounds", 100.0, 5.0, &["urn:t:2"], &[], &[]);
    pounds["cost"] = json!({"amount": 100.0, "currency": "GBP"});
    let f = fixture(&[
        credential("teaches-1", 10.0, 1.0, &["urn:t:1"], &[], &[]),
        pounds,
    ]);
    let mut needs = essential(&["urn:t:1", "urn:t:2"]);
    needs.held = vec!["urn:t:1".into()];
    let plan = f.plan(&needs, &budget(1000.0));
    assert_eq!(ids(&plan), ["pounds"]);
    assert_eq!(plan.gap.matched.len(), 1);
    assert!(
        (plan.total_cost.amount - 117.0).abs() < 1e-9,
        "{:?}",
        plan.total_cost
    );
    assert_eq!(plan.total_cost.currency.as_str(), "EUR");

    let in_dollars = PlanConstraints {
        max_total_cost: Some(Money::new(1000.0, "USD").unwrap()),
        ..PlanConstraints::default()
    };
    let plan = f.plan(&needs, &in_dollars);
    assert_eq!(plan.total_cost.currency.as_str(), "USD");
    assert!((plan.total_cost.amount - 117.0 / 0.92).abs() < 1e-9);
}

#[test]
fn narrower_teaching_covers_and_bad_constraints_are_field_violations() {
    const SQL: &str = "http://data.europa.eu/esco/skill/598de5b0-5b58-4ea7-8058-a4bc4d18c742";
    const QUERY_LANGUAGES: &str =
        "http://data.europa.eu/esco/skill/9cf681c7-89ec-470c-b651-7fe03786f586";
    let f = fixture(&[credential("sql", 100.0, 10.0, &[SQL], &[], &[])]);
    let plan = f.plan(&essential(&[QUERY_LANGUAGES]), &PlanConstraints::default());
    assert_eq!(ids(&plan), ["sql"]);

    let bad = PlanConstraints {
        max_total_cost: Some(Money::new(10.0, "XYZ").unwrap()),
        max_total_hours: Some(-1.0),
        ..PlanConstraints::default()
    };
    let error = plan_upskilling(
        &f.taxonomy,
        &f.extractor,
        &f.catalog,
        &essential(&[SQL]),
        &bad,
    )
    .unwrap_err();
    let fields: Vec<&str> = error
        .violations()
        .iter()
        .map(|v| v.field.as_str())
        .collect();
    assert_eq!(
        fields,
        [
            "constraints.max_total_cost.currency",
            "constraints.max_total_hours"
        ]
    );
}

/// A credential line with no price or hours published.
fn unpriced(id: &str, teaches: &[&str]) -> serde_json::Value {
    json!({
        "id": id, "title": format!("Credential {id}"),
        "competencies": teaches.iter().map(|uri| json!({"uri": uri})).collect::<Vec<_>>(),
    })
}

#[test]
fn an_unknown_cost_is_never_taken_as_free() {
    let f = fixture(&[
        unpriced("a-unpriced", &["urn:t:1"]),
        credential("b-priced", 900.0, 90.0, &["urn:t:1"], &[], &[]),
    ]);
    let plan = f.plan(&essential(&["urn:t:1"]), &PlanConstraints::default());
    assert_eq!(
        ids(&plan),
        ["b-priced"],
        "a known price beats an unknown one, however high"
    );
    assert!(plan.unknown_cost.is_empty());
    assert!(plan.unknowns_note().is_empty());
}

#[test]
fn an_unknown_cost_enters_a_plan_without_budget_and_is_named() {
    let f = fixture(&[
        unpriced("a-unpriced", &["urn:t:1"]),
        credential("b-priced", 100.0, 10.0, &["urn:t:2"], &[], &[]),
    ]);
    let needs = essential(&["urn:t:1", "urn:t:2"]);
    let plan = f.plan(&needs, &PlanConstraints::default());
    assert_eq!(ids(&plan), ["a-unpriced", "b-priced"]);
    assert_eq!(plan.steps[0].cost, None);
    assert_eq!(plan.steps[0].hours, None);
    assert_eq!(plan.total_cost.amount, 100.0, "the known prices only");
    assert_eq!(plan.total_hours, 10.0);
    assert_eq!(plan.unknown_cost[0].as_str(), "a-unpriced");
    assert_eq!(plan.unknown_hours[0].as_str(), "a-unpriced");
    let note = plan.unknowns_note();
    assert!(
        note.contains("cost of a-unpriced is unknown") && note.contains("lower bound"),
        "{note}"
    );

    let within_budget = f.plan(&needs, &budget(1000.0));
    assert_eq!(
        ids(&within_budget),
        ["b-priced"],
        "nothing shows an unknown price fits a budget"
    );
    assert_eq!(
        within_budget.uncovered[0].reason,
        UncoveredReason::ExcludedByConstraints
    );
    let hours_budget = PlanConstraints {
        max_total_hours: Some(100.0),
        ..PlanConstraints::default()
    };
    assert_eq!(ids(&f.plan(&needs, &hours_budget)), ["b-priced"]);
    let online_only = PlanConstraints {
        delivery_modes: vec![DeliveryMode::Online],
        ..PlanConstraints::default()
    };
    assert_eq!(
        ids(&f.plan(&needs, &online_only)),
        ["b-priced"],
        "an unknown delivery mode is not online"
    );
}
