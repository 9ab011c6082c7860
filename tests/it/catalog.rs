//! CatalogService: upsert, get, list with paging, delete, and invalid input.

use crate::support;

use std::collections::BTreeSet;

use skillmatch::pb;
use skillmatch::pb::catalog_service_client::CatalogServiceClient;
use support::fixtures::{SAMPLE_CREDENTIALS, SPREADSHEETS, credential, money};
use support::start_fresh;
use support::violations::{assert_not_found, assert_violates};
use tonic::transport::Channel;

async fn upsert(
    client: &mut CatalogServiceClient<Channel>,
    credentials: Vec<pb::Microcredential>,
) -> Result<i32, tonic::Status> {
    client
        .upsert_credentials(pb::UpsertCredentialsRequest { credentials })
        .await
        .map(|response| response.into_inner().upserted_count)
}

async fn get(
    client: &mut CatalogServiceClient<Channel>,
    id: &str,
) -> Result<pb::Microcredential, tonic::Status> {
    client
        .get_credential(pb::GetCredentialRequest { id: id.to_owned() })
        .await
        .map(|response| response.into_inner().credential.expect("credential set"))
}

/// Every credential id, following `next_page_token` to the end.
async fn list_all_ids(
    client: &mut CatalogServiceClient<Channel>,
    page_size: i32,
    filter: Option<pb::CredentialFilter>,
) -> Vec<String> {
    let mut ids = Vec::new();
    let mut page_token = String::new();
    loop {
        let page = client
            .list_credentials(pb::ListCredentialsRequest {
                page_size,
                page_token,
                filter: filter.clone(),
            })
            .await
            .expect("list page")
            .into_inner();
        if page_size > 0 {
            assert!(page.credentials.len() <= page_size as usize);
        }
        ids.extend(page.credentials.into_iter().map(|c| c.id));
        if page.next_page_token.is_empty() {
            return ids;
        }
        page_token = page.next_page_token;
    }
}

#[tokio::test]
async fn get_returns_an_embedded_credential_with_labels() {
    let (_dir, server) = start_fresh().await;
    let mut client = server.catalog();
    let found = get(&mut client, "data-sql-foundations")
        .await
        .expect("embedded credential");
    assert_eq!(found.id, "data-sql-foundations");
    assert!(!found.title.is_empty());
    assert_eq!(found.delivery_mode, i32::from(pb::DeliveryMode::Online));
    assert!(!found.competencies.is_empty());
    assert!(
        found
            .competencies
            .iter()
            .all(|taught| !taught.preferred_label.is_empty())
    );
}

#[tokio::test]
async fn upsert_then_get_round_trips_every_field() {
    let (_dir, server) = start_fresh().await;
    let mut client = server.catalog();
    let mut sent = credential("test-round-trip");
    sent.accredited_by = vec!["Test Board".to_owned()];
    sent.frameworks = vec!["EQF".to_owned()];
    sent.part_of = vec!["data-analyst-professional-certificate".to_owned()];
    sent.prerequisites = vec!["data-excel-cleaning".to_owned()];
    sent.eqf_level = Some(4);
    sent.credits = Some(pb::Credits {
        value: 2.0,
        system: "ECTS".to_owned(),
    });
    sent.validity_months = Some(24);
    sent.url = "https://example.org/course".to_owned();
    sent.language = "de-AT".to_owned();
    sent.kind = pb::CredentialKind::LearningOpportunity.into();
    sent.min_hours = Some(6.0);
    sent.cost_profiles = vec![cost_profile(100.0, "tuition")];
    sent.published_type = "t".repeat(100);
    sent.occupation_uris = vec!["u".repeat(512); 32];
    assert_eq!(
        upsert(&mut client, vec![sent.clone()])
            .await
            .expect("upsert"),
        1
    );

    let mut stored = get(&mut client, "test-round-trip").await.expect("stored");
    assert_eq!(
        stored.competencies[0].preferred_label,
        "use spreadsheets software"
    );
    assert_eq!(
        stored.competencies[0].source,
        i32::from(pb::AlignmentSource::Provider)
    );
    // The server fills in labels and the default alignment source.
    stored.competencies[0].preferred_label.clear();
    stored.competencies[0].source = sent.competencies[0].source;
    assert_eq!(stored, sent);
}

#[tokio::test]
async fn upsert_replaces_by_id() {
    let (_dir, server) = start_fresh().await;
    let mut client = server.catalog();
    upsert(&mut client, vec![credential("test-replace")])
        .await
        .expect("first version");
    let mut second = credential("test-replace");
    second.title = "Second version".to_owned();
    upsert(&mut client, vec![second])
        .await
        .expect("second version");
    let stored = get(&mut client, "test-replace").await.expect("stored");
    assert_eq!(stored.title, "Second version");
    let all = list_all_ids(&mut client, 500, None).await;
    assert_eq!(all.len(), SAMPLE_CREDENTIALS + 1);
}

#[tokio::test]
async fn delete_removes_and_then_reports_not_found() {
    let (_dir, server) = start_fresh().await;
    let mut client = server.catalog();
    client
        .delete_credential(pb::DeleteCredentialRequest {
            id: "data-sql-foundations".to_owned(),
        })
        .await
        .expect("delete embedded credential");
    assert_not_found(&get(&mut client, "data-sql-foundations").await.unwrap_err());
    let again = client
        .delete_credential(pb::DeleteCredentialRequest {
            id: "data-sql-foundations".to_owned(),
        })
        .await
        .expect_err("second delete");
    assert_not_found(&again);
    let all = list_all_ids(&mut client, 0, None).await;
    assert!(!all.iter().any(|id| id == "data-sql-foundations"));
}

#[tokio::test]
async fn unknown_ids_are_not_found_and_malformed_ids_invalid() {
    let (_dir, server) = start_fresh().await;
    let mut client = server.catalog();
    assert_not_found(&get(&mut client, "no-such-credential").await.unwrap_err());
    assert_violates(&get(&mut client, "").await.unwrap_err(), "id");
    assert_violates(&get(&mut client, "has spaces").await.unwrap_err(), "id");
    let status = client
        .delete_credential(pb::DeleteCredentialRequest {
            id: "no-such-credential".to_owned(),
        })
        .await
        .expect_err("unknown id");
    assert_not_found(&status);
}

#[tokio::test]
async fn list_pages_of_seven_cover_the_catalogue_once() {
    let (_dir, server) = start_fresh().await;
    let mut client = server.catalog();
    upsert(
        &mut client,
        vec![credential("aaa-first"), credential("zzz-last")],
    )
    .await
    .expect("upsert");
    let paged = list_all_ids(&mut client, 7, None).await;
    let whole = list_all_ids(&mut client, 500, None).await;
    assert_eq!(whole.len(), SAMPLE_CREDENTIALS + 2);
    assert_eq!(paged, whole, "pages of 7 differ from one page");
    let unique: BTreeSet<&String> = paged.iter().collect();
    assert_eq!(unique.len(), paged.len(), "duplicates across pages");
    let mut sorted = paged.clone();
    sorted.sort();
    assert_eq!(paged, sorted, "not in id order");
    assert_eq!(paged.first().map(String::as_str), Some("aaa-first"));
    assert_eq!(paged.last().map(String::as_str), Some("zzz-last"));
}

#[tokio::test]
async fn list_default_page_size_is_fifty_and_large_sizes_clamp() {
    let (_dir, server) = start_fresh().await;
    let mut client = server.catalog();
    let first = client
        .list_credentials(pb::ListCredentialsRequest::default())
        .await
        .expect("default page")
        .into_inner();
    assert_eq!(first.credentials.len(), 50);
    assert!(!first.next_page_token.is_empty());
    let huge = client
        .list_credentials(pb::ListCredentialsRequest {
            page_size: i32::MAX,
            ..pb::ListCredentialsRequest::default()
        })
        .await
        .expect("clamped page")
        .into_inner();
    assert_eq!(huge.credentials.len(), SAMPLE_CREDENTIALS);
    assert!(huge.next_page_token.is_empty());
}

#[tokio::test]
async fn list_rejects_negative_page_size_and_foreign_tokens() {
    let (_dir, server) = start_fresh().await;
    let mut client = server.catalog();
    for (request, field) in [
        (
            pb::ListCredentialsRequest {
                page_size: -1,
                ..pb::ListCredentialsRequest::default()
            },
            "page_size",
        ),
        (
            pb::ListCredentialsRequest {
                page_token: "garbage".to_owned(),
                ..pb::ListCredentialsRequest::default()
            },
            "page_token",
        ),
        (
            pb::ListCredentialsRequest {
                filter: Some(pb::CredentialFilter {
                    max_cost: Some(money(100.0, "euro")),
                    ..pb::CredentialFilter::default()
                }),
                ..pb::ListCredentialsRequest::default()
            },
            "filter.max_cost.currency",
        ),
        (
            pb::ListCredentialsRequest {
                filter: Some(pb::CredentialFilter {
                    max_hours: Some(-3.0),
                    ..pb::CredentialFilter::default()
                }),
                ..pb::ListCredentialsRequest::default()
            },
            "filter.max_hours",
        ),
        (
            pb::ListCredentialsRequest {
                filter: Some(pb::CredentialFilter {
                    delivery_modes: vec![pb::DeliveryMode::Unspecified.into()],
                    ..pb::CredentialFilter::default()
                }),
                ..pb::ListCredentialsRequest::default()
            },
            "filter.delivery_modes[0]",
        ),
    ] {
        let status = client
            .list_credentials(request)
            .await
            .expect_err("invalid list request");
        assert_violates(&status, field);
    }
}

/// A published price with a label.
fn cost_profile(amount: f64, label: &str) -> pb::CostProfile {
    pb::CostProfile {
        amount,
        currency: "EUR".to_owned(),
        label: label.to_owned(),
    }
}

#[tokio::test]
async fn unknown_markers_are_stored_and_returned_as_unknown() {
    let (_dir, server) = start_fresh().await;
    let mut client = server.catalog();
    let mut sent = credential("test-unknown");
    sent.hours = None;
    sent.cost = None;
    sent.delivery_mode = pb::DeliveryMode::Unspecified.into();
    sent.language = String::new();
    sent.kind = pb::CredentialKind::Assessment.into();
    sent.cost_profiles = vec![pb::CostProfile {
        amount: 200.0,
        currency: String::new(),
        label: "members".to_owned(),
    }];
    upsert(&mut client, vec![sent.clone()]).await.unwrap();
    let found = get(&mut client, "test-unknown").await.unwrap();
    assert_eq!(found.hours, None, "unknown hours are not 0");
    assert_eq!(found.cost, None, "unknown cost is not free");
    assert_eq!(
        found.delivery_mode,
        i32::from(pb::DeliveryMode::Unspecified)
    );
    assert_eq!(found.language, "");
    assert_eq!(found.kind, i32::from(pb::CredentialKind::Assessment));
    assert_eq!(found.cost_profiles, sent.cost_profiles);

    let mut ranged = credential("test-ranged");
    ranged.min_hours = Some(2.0);
    upsert(&mut client, vec![ranged]).await.unwrap();
    let found = get(&mut client, "test-ranged").await.unwrap();
    assert_eq!((found.min_hours, found.hours), (Some(2.0), Some(10.0)));
    assert_eq!(
        found.kind,
        i32::from(pb::CredentialKind::Credential),
        "UNSPECIFIED reads as a credential"
    );
}

/// Upserting this credential must fail with a violation of `field`.
struct InvalidCase {
    field: &'static str,
    spoil: fn(&mut pb::Microcredential),
}

#[tokio::test]
async fn upsert_names_the_invalid_field() {
    let (_dir, server) = start_fresh().await;
    let mut client = server.catalog();
    let cases = [
        InvalidCase {
            field: "credentials[0].cost.currency",
            spoil: |c| c.cost = Some(money(10.0, "eur")),
        },
        InvalidCase {
            field: "credentials[0].cost.amount",
            spoil: |c| c.cost = Some(money(-1.0, "EUR")),
        },
        InvalidCase {
            field: "credentials[0].delivery_mode",
            spoil: |c| c.delivery_mode = 99,
        },
        InvalidCase {
            field: "credentials[0].kind",
            spoil: |c| c.kind = 99,
        },
        InvalidCase {
            field: "credentials[0].min_hours",
            spoil: |c| c.min_hours = Some(11.0),
        },
        InvalidCase {
            field: "credentials[0].cost_profiles",
            spoil: |c| c.cost_profiles = vec![cost_profile(1.0, ""); 17],
        },
        InvalidCase {
            field: "credentials[0].cost_profiles[0].label",
            spoil: |c| c.cost_profiles = vec![cost_profile(1.0, &"x".repeat(201))],
        },
        InvalidCase {
            field: "credentials[0].published_type",
            spoil: |c| c.published_type = "t".repeat(101),
        },
        InvalidCase {
            field: "credentials[0].occupation_uris",
            spoil: |c| c.occupation_uris = vec!["urn:o".to_owned(); 33],
        },
        InvalidCase {
            field: "credentials[0].occupation_uris[0]",
            spoil: |c| c.occupation_uris = vec!["u".repeat(513)],
        },
        InvalidCase {
            field: "credentials[0].cost_profiles[0].currency",
            spoil: |c| {
                c.cost_profiles = vec![pb::CostProfile {
                    currency: "US Dollar".to_owned(),
                    ..cost_profile(1.0, "")
                }]
            },
        },
        InvalidCase {
            field: "credentials[0].id",
            spoil: |c| c.id = "bad id".to_owned(),
        },
        InvalidCase {
            field: "credentials[0].title",
            spoil: |c| c.title = " ".to_owned(),
        },
        InvalidCase {
            field: "credentials[0].language",
            spoil: |c| c.language = "English".to_owned(),
        },
        InvalidCase {
            field: "credentials[0].hours",
            spoil: |c| c.hours = Some(-2.0),
        },
        InvalidCase {
            field: "credentials[0].eqf_level",
            spoil: |c| c.eqf_level = Some(9),
        },
        InvalidCase {
            field: "credentials[0].competencies[0].uri",
            spoil: |c| c.competencies[0].uri = String::new(),
        },
        InvalidCase {
            field: "credentials[0].part_of",
            spoil: |c| c.part_of = vec![c.id.clone()],
        },
    ];
    for case in cases {
        let mut spoiled = credential("test-invalid");
        (case.spoil)(&mut spoiled);
        let status = upsert(&mut client, vec![spoiled])
            .await
            .expect_err(case.field);
        assert_violates(&status, case.field);
    }
    assert_not_found(&get(&mut client, "test-invalid").await.unwrap_err());
}

#[tokio::test]
async fn upsert_reports_every_bad_credential_and_stores_none() {
    let (_dir, server) = start_fresh().await;
    let mut client = server.catalog();
    let mut second = credential("test-second");
    second.cost = Some(money(10.0, "EURO"));
    let mut third = credential("test-third");
    third.delivery_mode = 99;
    let status = upsert(&mut client, vec![credential("test-first"), second, third])
        .await
        .expect_err("batch with bad credentials");
    assert_violates(&status, "credentials[1].cost.currency");
    assert_violates(&status, "credentials[2].delivery_mode");
    assert_not_found(&get(&mut client, "test-first").await.unwrap_err());
}

#[tokio::test]
async fn upsert_rejects_empty_batches_and_repeated_ids() {
    let (_dir, server) = start_fresh().await;
    let mut client = server.catalog();
    assert_violates(
        &upsert(&mut client, Vec::new()).await.unwrap_err(),
        "credentials",
    );
    let repeated = upsert(
        &mut client,
        vec![credential("test-twice"), credential("test-twice")],
    )
    .await
    .expect_err("repeated id");
    assert_violates(&repeated, "credentials[1].id");
}

#[tokio::test]
async fn upserted_credentials_are_listed_by_competency() {
    let (_dir, server) = start_fresh().await;
    let mut client = server.catalog();
    upsert(&mut client, vec![credential("test-by-competency")])
        .await
        .expect("upsert");
    let teaching = list_all_ids(
        &mut client,
        0,
        Some(pb::CredentialFilter {
            competency_uris: vec![SPREADSHEETS.to_owned()],
            ..pb::CredentialFilter::default()
        }),
    )
    .await;
    assert!(teaching.iter().any(|id| id == "test-by-competency"));
    assert!(teaching.iter().any(|id| id == "data-excel-cleaning"));
    assert!(!teaching.iter().any(|id| id == "welding-arc-mig"));
}
