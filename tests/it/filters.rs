//! Filter semantics of ListCredentials and MatchCredentials: cost with currency
//! conversion, hours, delivery modes, assessed, accredited and language.

use crate::support;

use skillmatch::pb;
use skillmatch::pb::DeliveryMode::{Blended, InPerson, Online};
use support::fixtures::{credential, junior_data_analyst, match_request, money};
use support::{TestServer, start_fresh};

/// Provider of the credentials this file upserts; every case filters on it.
const PROVIDER: &str = "Filter Lab";

struct Spec {
    id: &'static str,
    cost: (f64, &'static str),
    hours: f64,
    mode: pb::DeliveryMode,
    language: &'static str,
    assessed: bool,
    accredited: bool,
}

const SPECS: [Spec; 5] = [
    Spec {
        id: "f-eur-100",
        cost: (100.0, "EUR"),
        hours: 10.0,
        mode: Online,
        language: "en",
        assessed: true,
        accredited: false,
    },
    Spec {
        id: "f-gbp-100",
        cost: (100.0, "GBP"),
        hours: 20.0,
        mode: InPerson,
        language: "en-GB",
        assessed: false,
        accredited: true,
    },
    Spec {
        id: "f-usd-100",
        cost: (100.0, "USD"),
        hours: 40.0,
        mode: Blended,
        language: "de",
        assessed: true,
        accredited: true,
    },
    Spec {
        // XTS is the ISO 4217 testing code: valid, but without a reference rate.
        id: "f-xts-1",
        cost: (1.0, "XTS"),
        hours: 5.0,
        mode: Online,
        language: "fr",
        assessed: true,
        accredited: false,
    },
    Spec {
        id: "f-free",
        cost: (0.0, "EUR"),
        hours: 0.0,
        mode: Online,
        language: "en",
        assessed: false,
        accredited: false,
    },
];

fn build(spec: &Spec) -> pb::Microcredential {
    let mut built = credential(spec.id);
    built.provider = PROVIDER.to_owned();
    built.cost = Some(money(spec.cost.0, spec.cost.1));
    built.hours = Some(spec.hours);
    built.delivery_mode = spec.mode.into();
    built.language = spec.language.to_owned();
    built.assessed = spec.assessed;
    built.accredited_by = if spec.accredited {
        vec!["Test Board".to_owned()]
    } else {
        Vec::new()
    };
    built
}

async fn server_with_specs() -> (tempfile::TempDir, TestServer) {
    let (dir, server) = start_fresh().await;
    server
        .catalog()
        .upsert_credentials(pb::UpsertCredentialsRequest {
            credentials: SPECS.iter().map(build).collect(),
        })
        .await
        .expect("upsert filter fixtures");
    (dir, server)
}

/// Lists this file's credentials through `filter` and compares the ids.
async fn check(server: &TestServer, filter: pb::CredentialFilter, expected: &[&str]) {
    let filter = pb::CredentialFilter {
        provider: PROVIDER.to_owned(),
        ..filter
    };
    let found: Vec<String> = server
        .catalog()
        .list_credentials(pb::ListCredentialsRequest {
            page_size: 500,
            page_token: String::new(),
            filter: Some(filter.clone()),
        })
        .await
        .expect("list")
        .into_inner()
        .credentials
        .into_iter()
        .map(|c| c.id)
        .collect();
    let mut expected: Vec<&str> = expected.to_vec();
    expected.sort_unstable();
    assert_eq!(found, expected, "filter {filter:?}");
}

fn max_cost(amount: f64, currency: &str) -> pb::CredentialFilter {
    pb::CredentialFilter {
        max_cost: Some(money(amount, currency)),
        ..pb::CredentialFilter::default()
    }
}

#[tokio::test]
async fn max_cost_converts_currencies_and_excludes_unknown_rates() {
    let (_dir, server) = server_with_specs().await;
    // 100 GBP is worth more than 100 EUR, 100 USD less; XTS has no rate.
    check(
        &server,
        max_cost(100.0, "EUR"),
        &["f-eur-100", "f-usd-100", "f-free"],
    )
    .await;
    check(
        &server,
        max_cost(125.0, "EUR"),
        &["f-eur-100", "f-gbp-100", "f-usd-100", "f-free"],
    )
    .await;
    check(
        &server,
        max_cost(100.0, "GBP"),
        &["f-eur-100", "f-gbp-100", "f-usd-100", "f-free"],
    )
    .await;
    check(&server, max_cost(99.0, "USD"), &["f-free"]).await;
    check(&server, max_cost(0.0, "EUR"), &["f-free"]).await;
    // Without a rate for the limit only prices in the same currency compare.
    check(&server, max_cost(1.0, "XTS"), &["f-xts-1"]).await;
}

#[tokio::test]
async fn max_hours_is_inclusive() {
    let (_dir, server) = server_with_specs().await;
    for (hours, expected) in [
        (20.0, &["f-eur-100", "f-gbp-100", "f-xts-1", "f-free"][..]),
        (19.5, &["f-eur-100", "f-xts-1", "f-free"][..]),
        (0.0, &["f-free"][..]),
    ] {
        let filter = pb::CredentialFilter {
            max_hours: Some(hours),
            ..pb::CredentialFilter::default()
        };
        check(&server, filter, expected).await;
    }
}

#[tokio::test]
async fn delivery_modes_allow_any_listed_mode() {
    let (_dir, server) = server_with_specs().await;
    for (modes, expected) in [
        (vec![Online], &["f-eur-100", "f-xts-1", "f-free"][..]),
        (vec![InPerson, Blended], &["f-gbp-100", "f-usd-100"][..]),
        (
            Vec::new(),
            &["f-eur-100", "f-gbp-100", "f-usd-100", "f-xts-1", "f-free"][..],
        ),
    ] {
        let filter = pb::CredentialFilter {
            delivery_modes: modes.into_iter().map(i32::from).collect(),
            ..pb::CredentialFilter::default()
        };
        check(&server, filter, expected).await;
    }
}

#[tokio::test]
async fn assessed_and_accredited_are_required_when_asked() {
    let (_dir, server) = server_with_specs().await;
    let assessed = pb::CredentialFilter {
        require_assessed: true,
        ..pb::CredentialFilter::default()
    };
    check(&server, assessed, &["f-eur-100", "f-usd-100", "f-xts-1"]).await;
    let accredited = pb::CredentialFilter {
        require_accredited: true,
        ..pb::CredentialFilter::default()
    };
    check(&server, accredited, &["f-gbp-100", "f-usd-100"]).await;
    let both = pb::CredentialFilter {
        require_assessed: true,
        require_accredited: true,
        ..pb::CredentialFilter::default()
    };
    check(&server, both, &["f-usd-100"]).await;
}

#[tokio::test]
async fn language_matches_the_primary_subtag() {
    let (_dir, server) = server_with_specs().await;
    for (language, expected) in [
        ("en", &["f-eur-100", "f-gbp-100", "f-free"][..]),
        ("EN-US", &["f-eur-100", "f-gbp-100", "f-free"][..]),
        ("de", &["f-usd-100"][..]),
        ("it", &[][..]),
    ] {
        let filter = pb::CredentialFilter {
            language: language.to_owned(),
            ..pb::CredentialFilter::default()
        };
        check(&server, filter, expected).await;
    }
}

#[tokio::test]
async fn conditions_combine_with_and() {
    let (_dir, server) = server_with_specs().await;
    let filter = pb::CredentialFilter {
        max_cost: Some(money(150.0, "EUR")),
        delivery_modes: vec![Online.into()],
        require_assessed: true,
        language: "en".to_owned(),
        ..pb::CredentialFilter::default()
    };
    check(&server, filter, &["f-eur-100"]).await;
}

#[tokio::test]
async fn match_results_respect_the_filter() {
    let (_dir, server) = start_fresh().await;
    let mut request = match_request(junior_data_analyst(), 100);
    request.filter = Some(pb::CredentialFilter {
        max_cost: Some(money(300.0, "EUR")),
        delivery_modes: vec![Online.into()],
        ..pb::CredentialFilter::default()
    });
    let matches = server
        .matcher()
        .match_credentials(request)
        .await
        .expect("filtered match")
        .into_inner()
        .matches;
    let ids: Vec<&str> = matches
        .iter()
        .map(|m| m.credential.as_ref().expect("credential").id.as_str())
        .collect();
    assert!(ids.contains(&"data-sql-foundations"), "{ids:?}");
    assert!(ids.contains(&"data-excel-cleaning"), "{ids:?}");
    // Blended, and 749 EUR: filtered out although it matches best unfiltered.
    assert!(!ids.contains(&"data-dashboards-powerbi"), "{ids:?}");
    assert!(
        !ids.contains(&"data-analyst-professional-certificate"),
        "{ids:?}"
    );
    for found in &matches {
        let credential = found.credential.as_ref().expect("credential");
        assert_eq!(
            credential.delivery_mode,
            i32::from(Online),
            "{}",
            credential.id
        );
        let cost = credential.cost.as_ref().expect("cost");
        let eur = skillmatch::domain::Money::new(cost.amount, &cost.currency)
            .expect("valid price")
            .in_eur()
            .expect("sample currencies have reference rates");
        assert!(eur <= 300.0 + 1e-9, "{} costs {cost:?}", credential.id);
    }
}

/// A credential of this file's provider that publishes no cost, hours,
/// delivery mode or language: an assessment.
fn unknown_markers() -> pb::Microcredential {
    let mut built = credential("f-unknown");
    built.provider = PROVIDER.to_owned();
    built.cost = None;
    built.hours = None;
    built.delivery_mode = pb::DeliveryMode::Unspecified.into();
    built.language = String::new();
    built.kind = pb::CredentialKind::Assessment.into();
    built
}

#[tokio::test]
async fn every_marker_filter_excludes_unknown_unless_included() {
    let (_dir, server) = server_with_specs().await;
    server
        .catalog()
        .upsert_credentials(pb::UpsertCredentialsRequest {
            credentials: vec![unknown_markers()],
        })
        .await
        .expect("upsert");
    let conditions = [
        max_cost(1000.0, "EUR"),
        pb::CredentialFilter {
            max_hours: Some(1000.0),
            ..pb::CredentialFilter::default()
        },
        pb::CredentialFilter {
            delivery_modes: vec![Online.into(), InPerson.into(), Blended.into()],
            ..pb::CredentialFilter::default()
        },
        pb::CredentialFilter {
            language: "en".to_owned(),
            ..pb::CredentialFilter::default()
        },
    ];
    for condition in conditions {
        let without = list_ids(&server, condition.clone()).await;
        assert!(!without.contains(&"f-unknown".to_owned()), "{condition:?}");
        let with = list_ids(
            &server,
            pb::CredentialFilter {
                include_unknown: true,
                ..condition.clone()
            },
        )
        .await;
        assert!(with.contains(&"f-unknown".to_owned()), "{condition:?}");
        assert_eq!(
            with.len(),
            without.len() + 1,
            "known values are still checked"
        );
    }
    check(
        &server,
        pb::CredentialFilter {
            kinds: vec![pb::CredentialKind::Assessment.into()],
            ..pb::CredentialFilter::default()
        },
        &["f-unknown"],
    )
    .await;
}

#[tokio::test]
async fn kinds_are_checked() {
    let (_dir, server) = start_fresh().await;
    for (kinds, field) in [
        (
            vec![pb::CredentialKind::Unspecified.into()],
            "filter.kinds[0]",
        ),
        (vec![99], "filter.kinds[0]"),
        (vec![1, 2, 3, 1], "filter.kinds"),
    ] {
        let status = server
            .catalog()
            .list_credentials(pb::ListCredentialsRequest {
                page_size: 10,
                page_token: String::new(),
                filter: Some(pb::CredentialFilter {
                    kinds,
                    ..pb::CredentialFilter::default()
                }),
            })
            .await
            .expect_err(field);
        support::violations::assert_violates(&status, field);
    }
}

async fn list_ids(server: &TestServer, filter: pb::CredentialFilter) -> Vec<String> {
    server
        .catalog()
        .list_credentials(pb::ListCredentialsRequest {
            page_size: 500,
            page_token: String::new(),
            filter: Some(pb::CredentialFilter {
                provider: PROVIDER.to_owned(),
                ..filter
            }),
        })
        .await
        .expect("list")
        .into_inner()
        .credentials
        .into_iter()
        .map(|c| c.id)
        .collect()
}
