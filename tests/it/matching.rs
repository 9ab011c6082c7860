//! MatchService: the done criterion, ranking cases pinned data-driven style,
//! explanations, top_k and invalid input.

use crate::support;

use skillmatch::pb;
use support::fixtures::{SQL, job, junior_data_analyst, match_request, money};
use support::violations::assert_violates;
use support::{TestServer, start_fresh};

async fn matches(
    server: &TestServer,
    request: pb::MatchCredentialsRequest,
) -> Vec<pb::CredentialMatch> {
    server
        .matcher()
        .match_credentials(request)
        .await
        .expect("match")
        .into_inner()
        .matches
}

fn id(found: &pb::CredentialMatch) -> &str {
    &found.credential.as_ref().expect("credential set").id
}

/// A posting and the credentials that must rank within its first `within` results.
struct Case {
    title: &'static str,
    description: &'static str,
    within: usize,
    expected: &'static [&'static str],
}

async fn check(server: &TestServer, case: &Case) {
    let found = matches(server, match_request(job(case.title, case.description), 10)).await;
    let top: Vec<&str> = found.iter().take(case.within).map(id).collect();
    for expected in case.expected {
        assert!(
            top.contains(expected),
            "{:?}: expected {expected} in the top {}, got {top:?}",
            case.title,
            case.within
        );
    }
}

#[tokio::test]
async fn junior_data_analyst_gets_explained_data_credentials_first() {
    let (_dir, server) = start_fresh().await;
    let found = matches(&server, match_request(junior_data_analyst(), 10)).await;
    assert!(found.len() >= 4, "only {} matches", found.len());
    for result in &found[..4] {
        assert!(
            id(result).starts_with("data-"),
            "top 4: {:?}",
            found.iter().map(id).collect::<Vec<_>>()
        );
        let explanation = result.explanation.as_ref().expect("explained");
        assert!(
            !explanation.covered.is_empty(),
            "{} covers nothing",
            id(result)
        );
        for covered in &explanation.covered {
            let competency = covered.job_competency.as_ref().expect("job competency");
            assert!(!competency.uri.is_empty());
            assert!(!competency.preferred_label.is_empty());
            assert!(
                explanation.summary.contains(&competency.preferred_label),
                "summary {:?} does not name {:?}",
                explanation.summary,
                competency.preferred_label
            );
        }
    }
}

#[tokio::test]
async fn postings_rank_their_credentials_first() {
    let (_dir, server) = start_fresh().await;
    let cases = [
        Case {
            title: "Junior data analyst",
            description: "clean data in Excel and SQL, build dashboards",
            within: 1,
            expected: &["data-analyst-professional-certificate"],
        },
        Case {
            title: "Junior data analyst",
            description: "clean data in Excel and SQL, build dashboards",
            within: 5,
            expected: &[
                "data-excel-cleaning",
                "data-dashboards-powerbi",
                "data-sql-foundations",
            ],
        },
        Case {
            title: "Welder",
            description: "MIG welding of steel",
            within: 1,
            expected: &["welding-arc-mig"],
        },
        Case {
            title: "Nursery assistant",
            description: "safeguarding children, paediatric first aid",
            within: 4,
            expected: &[
                "early-years-practitioner-certificate",
                "edu-paediatric-first-aid",
                "edu-safeguarding-children",
            ],
        },
        Case {
            title: "Electrician",
            description: "install EV charging points",
            within: 1,
            expected: &["ev-charging-installation"],
        },
        Case {
            title: "Solar technician",
            description: "maintain solar PV panels",
            within: 2,
            expected: &["solar-pv-installation", "solar-pv-maintenance"],
        },
        Case {
            title: "Forklift driver",
            description: "",
            within: 1,
            expected: &["forklift-operator"],
        },
    ];
    for case in &cases {
        check(&server, case).await;
    }
}

#[tokio::test]
async fn explicit_competencies_alone_find_credentials_teaching_them() {
    let (_dir, server) = start_fresh().await;
    let mut posting = job("", "");
    posting.competencies = vec![pb::RequiredCompetency {
        uri: SQL.to_owned(),
        importance: pb::Importance::Essential.into(),
        min_proficiency: pb::Proficiency::Unspecified.into(),
    }];
    let response = server
        .matcher()
        .match_credentials(match_request(posting, 5))
        .await
        .expect("match")
        .into_inner();
    let need = response
        .job_competencies
        .first()
        .expect("one job competency");
    assert_eq!(need.competency.as_ref().expect("competency").uri, SQL);
    assert_eq!(need.source, i32::from(pb::RequirementSource::Explicit));
    let top: Vec<&str> = response.matches.iter().map(id).collect();
    assert!(top.contains(&"data-sql-foundations"), "{top:?}");
    let first = response.matches.first().expect("a match");
    let covered = &first.explanation.as_ref().expect("explained").covered;
    assert_eq!(
        covered[0]
            .job_competency
            .as_ref()
            .expect("job competency")
            .uri,
        SQL
    );
}

#[tokio::test]
async fn extracted_needs_carry_their_evidence() {
    let (_dir, server) = start_fresh().await;
    let response = server
        .matcher()
        .match_credentials(match_request(junior_data_analyst(), 3))
        .await
        .expect("match")
        .into_inner();
    assert!(!response.job_competencies.is_empty());
    for need in &response.job_competencies {
        assert_eq!(need.source, i32::from(pb::RequirementSource::Extracted));
        assert!(!need.evidence.is_empty(), "{need:?}");
        assert!(need.weight > 0.0);
    }
}

#[tokio::test]
async fn scores_are_ordered_bounded_and_top_k_limits() {
    let (_dir, server) = start_fresh().await;
    let found = matches(&server, match_request(junior_data_analyst(), 3)).await;
    assert_eq!(found.len(), 3);
    for pair in found.windows(2) {
        assert!(pair[0].score >= pair[1].score, "not best first");
    }
    for result in &found {
        assert!(
            (0.0..=1.0).contains(&result.score),
            "score {}",
            result.score
        );
        let components = result
            .explanation
            .as_ref()
            .and_then(|e| e.components)
            .expect("components");
        assert!((0.0..=1.0).contains(&components.coverage));
        assert!((0.0..=1.0).contains(&components.text));
        assert!(
            components.vector > 0.0 && components.vector <= 1.0,
            "vector {}",
            components.vector
        );
        assert!((1.0..=1.1).contains(&components.quality_boost));
    }
    let default = matches(&server, match_request(junior_data_analyst(), 0)).await;
    assert_eq!(default.len(), 10);
}

#[tokio::test]
async fn explanations_only_when_asked() {
    let (_dir, server) = start_fresh().await;
    let mut request = match_request(junior_data_analyst(), 3);
    request.explain = false;
    let found = matches(&server, request).await;
    assert!(!found.is_empty());
    assert!(found.iter().all(|m| m.explanation.is_none()));
}

#[tokio::test]
async fn invalid_match_requests_name_the_field() {
    let (_dir, server) = start_fresh().await;
    let mut client = server.matcher();
    let valid = match_request(junior_data_analyst(), 5);
    let mut blank_uri = junior_data_analyst();
    blank_uri.competencies = vec![pb::RequiredCompetency::default()];
    let cases = [
        (
            pb::MatchCredentialsRequest {
                job: None,
                ..valid.clone()
            },
            "job",
        ),
        (
            pb::MatchCredentialsRequest {
                job: Some(job(" ", "")),
                ..valid.clone()
            },
            "job",
        ),
        (
            pb::MatchCredentialsRequest {
                top_k: -1,
                ..valid.clone()
            },
            "top_k",
        ),
        (
            pb::MatchCredentialsRequest {
                job: Some(blank_uri),
                ..valid.clone()
            },
            "job.competencies[0].uri",
        ),
        (
            pb::MatchCredentialsRequest {
                filter: Some(pb::CredentialFilter {
                    max_cost: Some(money(10.0, "Euro")),
                    ..pb::CredentialFilter::default()
                }),
                ..valid.clone()
            },
            "filter.max_cost.currency",
        ),
    ];
    for (request, field) in cases {
        let status = client.match_credentials(request).await.expect_err(field);
        assert_violates(&status, field);
    }
}

#[tokio::test]
async fn upserted_and_deleted_credentials_enter_and_leave_the_ranking() {
    let (_dir, server) = start_fresh().await;
    let mut catalog = server.catalog();
    let mut added = support::fixtures::credential("test-pivot-tables");
    added.title = "Pivot tables for junior data analysts".to_owned();
    catalog
        .upsert_credentials(pb::UpsertCredentialsRequest {
            credentials: vec![added],
        })
        .await
        .expect("upsert");
    let ranked = |found: Vec<pb::CredentialMatch>| -> Vec<String> {
        found.iter().map(|m| id(m).to_owned()).collect()
    };
    let with = ranked(matches(&server, match_request(junior_data_analyst(), 100)).await);
    assert!(with.iter().any(|i| i == "test-pivot-tables"), "{with:?}");
    catalog
        .delete_credential(pb::DeleteCredentialRequest {
            id: "test-pivot-tables".to_owned(),
        })
        .await
        .expect("delete");
    let without = ranked(matches(&server, match_request(junior_data_analyst(), 100)).await);
    assert!(
        !without.iter().any(|i| i == "test-pivot-tables"),
        "{without:?}"
    );
}

fn ids(found: &[pb::CredentialMatch]) -> Vec<String> {
    found.iter().map(|m| id(m).to_owned()).collect()
}

#[tokio::test]
async fn pages_follow_one_another_and_tokens_are_bound_to_their_query() {
    let (_dir, server) = start_fresh().await;
    let mut client = server.matcher();
    let whole = matches(&server, match_request(junior_data_analyst(), 30)).await;
    assert!(whole.len() > 14, "only {} matches", whole.len());

    let mut paged = Vec::new();
    let mut request = pb::MatchCredentialsRequest {
        page_size: 7,
        ..match_request(junior_data_analyst(), 0)
    };
    for _ in 0..2 {
        let page = client
            .match_credentials(request.clone())
            .await
            .expect("page")
            .into_inner();
        assert_eq!(page.matches.len(), 7);
        assert!(!page.next_page_token.is_empty());
        paged.extend(page.matches);
        request.page_token = page.next_page_token;
    }
    assert_eq!(ids(&paged), ids(&whole[..14]));
    let scores = |found: &[pb::CredentialMatch]| found.iter().map(|m| m.score).collect::<Vec<_>>();
    assert_eq!(scores(&paged), scores(&whole[..14]));

    let other_job = pb::MatchCredentialsRequest {
        job: Some(job("Welder", "weld steel structures")),
        ..request.clone()
    };
    let status = client.match_credentials(other_job).await.expect_err("job");
    assert_violates(&status, "page_token");
    let other_filter = pb::MatchCredentialsRequest {
        filter: Some(pb::CredentialFilter {
            require_assessed: true,
            ..pb::CredentialFilter::default()
        }),
        ..request.clone()
    };
    let status = client
        .match_credentials(other_filter)
        .await
        .expect_err("filter");
    assert_violates(&status, "page_token");
    let garbage = pb::MatchCredentialsRequest {
        page_token: "not a token".to_owned(),
        ..request
    };
    let status = client
        .match_credentials(garbage)
        .await
        .expect_err("garbage");
    assert_violates(&status, "page_token");
}

#[tokio::test]
async fn the_last_page_has_no_token() {
    let (_dir, server) = start_fresh().await;
    let mut client = server.matcher();
    let posting = job("", "SQL");
    let last_page = client
        .match_credentials(match_request(posting, 100))
        .await
        .expect("match")
        .into_inner();
    assert!(!last_page.matches.is_empty());
    assert!(
        last_page.matches.len() < 100,
        "{} matches for SQL",
        last_page.matches.len()
    );
    assert!(last_page.next_page_token.is_empty());
}

#[tokio::test]
async fn job_and_job_id_are_exclusive_and_job_ids_are_checked() {
    let (_dir, server) = start_fresh().await;
    let mut client = server.matcher();
    let both = pb::MatchCredentialsRequest {
        job_id: "analyst".to_owned(),
        ..match_request(junior_data_analyst(), 5)
    };
    let status = client.match_credentials(both).await.expect_err("both");
    assert_violates(&status, "job");
    let bad_id = pb::MatchCredentialsRequest {
        job_id: "has spaces".to_owned(),
        job: None,
        ..match_request(junior_data_analyst(), 5)
    };
    let status = client.match_credentials(bad_id).await.expect_err("bad id");
    assert_violates(&status, "job_id");
    let absent = pb::MatchCredentialsRequest {
        job_id: "no-such-job".to_owned(),
        job: None,
        ..match_request(junior_data_analyst(), 5)
    };
    let status = client.match_credentials(absent).await.expect_err("absent");
    assert_eq!(status.code(), tonic::Code::NotFound, "{status:?}");
}

#[tokio::test]
async fn explanations_say_which_markers_are_not_published() {
    let (_dir, server) = start_fresh().await;
    let mut unpriced = support::fixtures::credential("test-unpriced-sql");
    unpriced.title = "SQL queries for analysts".to_owned();
    unpriced.competencies[0].uri = SQL.to_owned();
    unpriced.cost = None;
    unpriced.hours = None;
    server
        .catalog()
        .upsert_credentials(pb::UpsertCredentialsRequest {
            credentials: vec![unpriced],
        })
        .await
        .expect("upsert");
    let found = matches(
        &server,
        match_request(job("SQL analyst", "Writes SQL queries."), 50),
    )
    .await;
    let unpriced = found
        .iter()
        .find(|m| id(m) == "test-unpriced-sql")
        .expect("ranked");
    let summary = &unpriced.explanation.as_ref().expect("explained").summary;
    assert!(summary.ends_with("Unknown: cost, hours."), "{summary}");
    let known = found
        .iter()
        .find(|m| id(m) != "test-unpriced-sql")
        .expect("another match");
    let summary = &known.explanation.as_ref().expect("explained").summary;
    assert!(!summary.contains("Unknown:"), "{summary}");
}
