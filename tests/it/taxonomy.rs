//! TaxonomyService: GetCompetency and SearchCompetencies over the embedded taxonomy.

use crate::support;

use skillmatch::pb;
use skillmatch::pb::taxonomy_service_client::TaxonomyServiceClient;
use support::fixtures::{DATA_CLEANSING, SPREADSHEETS};
use support::start_fresh;
use support::violations::{assert_not_found, assert_violates};
use tonic::transport::Channel;

async fn search(
    client: &mut TaxonomyServiceClient<Channel>,
    query: &str,
) -> pb::SearchCompetenciesResponse {
    client
        .search_competencies(pb::SearchCompetenciesRequest {
            query: query.to_owned(),
            page_size: 5,
            page_token: String::new(),
            ..Default::default()
        })
        .await
        .unwrap_or_else(|status| panic!("search {query:?}: {status:?}"))
        .into_inner()
}

/// Asserts that searching `query` finds the competency `uri` first.
async fn check_first(client: &mut TaxonomyServiceClient<Channel>, query: &str, uri: &str) {
    let found = search(client, query).await;
    let uris: Vec<&str> = found.competencies.iter().map(|c| c.uri.as_str()).collect();
    assert_eq!(
        uris.first().copied(),
        Some(uri),
        "query {query:?} found {uris:?}"
    );
    assert_eq!(found.hits.len(), found.competencies.len());
}

#[tokio::test]
async fn get_competency_returns_labels_links_and_taxonomy() {
    let (_dir, server) = start_fresh().await;
    let mut client = server.taxonomy();
    let competency = client
        .get_competency(pb::GetCompetencyRequest {
            uri: SPREADSHEETS.to_owned(),
        })
        .await
        .expect("known competency")
        .into_inner()
        .competency
        .expect("competency set");
    assert_eq!(competency.uri, SPREADSHEETS);
    assert_eq!(competency.preferred_label, "use spreadsheets software");
    assert!(competency.alt_labels.iter().any(|label| label == "Excel"));
    assert!(
        competency
            .related_uris
            .iter()
            .any(|uri| uri == DATA_CLEANSING)
    );
    assert!(!competency.taxonomy.expect("taxonomy version").id.is_empty());
}

#[tokio::test]
async fn get_competency_rejects_unknown_and_empty_uris() {
    let (_dir, server) = start_fresh().await;
    let mut client = server.taxonomy();
    let unknown = client
        .get_competency(pb::GetCompetencyRequest {
            uri: "http://data.europa.eu/esco/skill/no-such-skill".to_owned(),
        })
        .await
        .expect_err("unknown uri");
    assert_not_found(&unknown);
    let empty = client
        .get_competency(pb::GetCompetencyRequest { uri: String::new() })
        .await
        .expect_err("empty uri");
    assert_violates(&empty, "uri");
}

#[tokio::test]
async fn search_finds_labels_synonyms_prefixes_and_typos() {
    let (_dir, server) = start_fresh().await;
    let mut client = server.taxonomy();
    for (query, uri) in [
        ("use spreadsheets software", SPREADSHEETS),
        ("spreadsheet", SPREADSHEETS),
        ("Excel", SPREADSHEETS),
        ("spreadsh", SPREADSHEETS),
        ("spredsheet", SPREADSHEETS),
        ("data cleaning", DATA_CLEANSING),
    ] {
        check_first(&mut client, query, uri).await;
    }
}

#[tokio::test]
async fn search_reports_the_matched_label() {
    let (_dir, server) = start_fresh().await;
    let mut client = server.taxonomy();
    let found = search(&mut client, "Excel").await;
    let hit = found.hits.first().expect("a hit");
    assert_eq!(hit.matched_label, "Excel");
    assert!(hit.score > 0.0);
}

#[tokio::test]
async fn search_pages_continue_without_repeats() {
    let (_dir, server) = start_fresh().await;
    let mut client = server.taxonomy();
    let mut request = pb::SearchCompetenciesRequest {
        query: "data".to_owned(),
        page_size: 3,
        page_token: String::new(),
        ..Default::default()
    };
    let mut seen = Vec::new();
    for _ in 0..100 {
        let page = client
            .search_competencies(request.clone())
            .await
            .expect("search page")
            .into_inner();
        assert!(page.competencies.len() <= 3);
        seen.extend(page.competencies.into_iter().map(|c| c.uri));
        if page.next_page_token.is_empty() {
            break;
        }
        request.page_token = page.next_page_token;
    }
    assert!(seen.len() > 3, "expected more than one page, got {seen:?}");
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), seen.len(), "repeated results: {seen:?}");
}

#[tokio::test]
async fn search_rejects_invalid_requests() {
    let (_dir, server) = start_fresh().await;
    let mut client = server.taxonomy();
    let valid = pb::SearchCompetenciesRequest {
        query: "excel".to_owned(),
        page_size: 5,
        page_token: String::new(),
        ..Default::default()
    };
    let cases = [
        (
            pb::SearchCompetenciesRequest {
                query: "   ".to_owned(),
                ..valid.clone()
            },
            "query",
        ),
        (
            pb::SearchCompetenciesRequest {
                page_size: -1,
                ..valid.clone()
            },
            "page_size",
        ),
        (
            pb::SearchCompetenciesRequest {
                page_token: "not-a-token".to_owned(),
                ..valid.clone()
            },
            "page_token",
        ),
    ];
    for (request, field) in cases {
        let status = client
            .search_competencies(request)
            .await
            .expect_err("invalid request");
        assert_violates(&status, field);
    }
}

#[tokio::test]
async fn search_token_of_another_query_is_rejected() {
    let (_dir, server) = start_fresh().await;
    let mut client = server.taxonomy();
    let first = client
        .search_competencies(pb::SearchCompetenciesRequest {
            query: "data".to_owned(),
            page_size: 1,
            page_token: String::new(),
            ..Default::default()
        })
        .await
        .expect("first page")
        .into_inner();
    assert!(!first.next_page_token.is_empty());
    let status = client
        .search_competencies(pb::SearchCompetenciesRequest {
            query: "excel".to_owned(),
            page_size: 1,
            page_token: first.next_page_token,
            ..Default::default()
        })
        .await
        .expect_err("token of another query");
    assert_violates(&status, "page_token");
}
