//! MatchCredentials, AnalyzeGap and PlanUpskilling on stored records: a job
//! by `job_id` and a candidate by `candidate_id`, always of the caller's
//! tenant, through the real server with API keys.

use crate::support::records;

use records::{SQL, TestServer, authed, candidate, declared, job, violated_fields};
use skillmatch::pb;
use tonic::Code;

const SPREADSHEETS: &str = "http://data.europa.eu/esco/skill/1973c966-f236-40c9-b2d4-5d71a89019be";
const DATA_CLEANSING: &str =
    "http://data.europa.eu/esco/skill/50b100ea-74fd-4706-99db-3e4ca55e51b8";
/// A sample competency (install low voltage wiring) that no sample credential teaches.
const NOWHERE: &str = "http://data.europa.eu/esco/skill/fd60bbcc-c3b6-4fa5-936c-eef5ae0a2d44";

fn analyst_posting(id: &str) -> pb::JobPosting {
    pb::JobPosting {
        id: id.to_owned(),
        title: "Junior data analyst".to_owned(),
        description: "clean data in Excel and SQL, build dashboards".to_owned(),
        ..pb::JobPosting::default()
    }
}

async fn store_job(server: &TestServer, key: &str, posting: pb::JobPosting) {
    server
        .jobs()
        .upsert_job(authed(key, pb::UpsertJobRequest { job: Some(posting) }))
        .await
        .expect("job stored");
}

fn match_ids(response: &pb::MatchCredentialsResponse) -> Vec<(String, f64)> {
    response
        .matches
        .iter()
        .map(|m| (m.credential.as_ref().unwrap().id.clone(), m.score))
        .collect()
}

#[tokio::test]
async fn a_stored_job_matches_like_its_posting_and_only_for_its_tenant() {
    let server = TestServer::keyed().await;
    let keys = &server.keys;
    store_job(&server, &keys.a_write, analyst_posting("analyst")).await;
    let mut matcher = server.matcher();

    let by_id = pb::MatchCredentialsRequest {
        job_id: "analyst".to_owned(),
        page_size: 4,
        explain: true,
        ..pb::MatchCredentialsRequest::default()
    };
    let stored = matcher
        .match_credentials(authed(&keys.a_read, by_id.clone()))
        .await
        .expect("match by job_id")
        .into_inner();
    let inline = pb::MatchCredentialsRequest {
        job: Some(analyst_posting("")),
        page_size: 4,
        explain: true,
        ..pb::MatchCredentialsRequest::default()
    };
    let posted = matcher
        .match_credentials(authed(&keys.a_read, inline.clone()))
        .await
        .expect("match inline")
        .into_inner();
    assert_eq!(stored.matches.len(), 4);
    assert_eq!(match_ids(&stored), match_ids(&posted));
    assert_eq!(stored.job_competencies, posted.job_competencies);

    // The second page by job_id continues the first; its token does not fit the inline query.
    let next = matcher
        .match_credentials(authed(
            &keys.a_read,
            pb::MatchCredentialsRequest {
                page_token: stored.next_page_token.clone(),
                ..by_id.clone()
            },
        ))
        .await
        .expect("second page")
        .into_inner();
    let first_eight = matcher
        .match_credentials(authed(
            &keys.a_read,
            pb::MatchCredentialsRequest {
                page_size: 8,
                ..by_id.clone()
            },
        ))
        .await
        .expect("eight")
        .into_inner();
    let mut both = match_ids(&stored);
    both.extend(match_ids(&next));
    assert_eq!(both, match_ids(&first_eight));
    let status = matcher
        .match_credentials(authed(
            &keys.a_read,
            pb::MatchCredentialsRequest {
                page_token: stored.next_page_token,
                ..inline
            },
        ))
        .await
        .expect_err("token of another query");
    assert_eq!(violated_fields(&status), ["page_token"]);

    // Tenant B has no job "analyst": the body cannot name another tenant's job.
    let status = matcher
        .match_credentials(authed(&keys.b_write, by_id))
        .await
        .expect_err("other tenant");
    assert_eq!(status.code(), Code::NotFound, "{status:?}");
    let status = matcher
        .match_credentials(pb::MatchCredentialsRequest {
            job_id: "analyst".to_owned(),
            ..pb::MatchCredentialsRequest::default()
        })
        .await
        .expect_err("no key");
    assert_eq!(status.code(), Code::Unauthenticated);
    server.stop().await;
}

fn gap_job() -> pb::JobPosting {
    job(
        "gap-job",
        &[
            (SQL, pb::Importance::Essential),
            (DATA_CLEANSING, pb::Importance::Essential),
            (NOWHERE, pb::Importance::Optional),
        ],
    )
}

/// Candidate "ana": a verified SQL credential of the catalogue and declared spreadsheets.
async fn store_candidate(server: &TestServer, key: &str) {
    let mut ana = candidate("ana", "Ana", vec![declared(SPREADSHEETS, "2025-01-01")]);
    ana.credentials = vec![pb::HeldCredential {
        credential_id: "data-sql-foundations".to_owned(),
        issued_on: "2024-06-01".to_owned(),
        verified: true,
        ..pb::HeldCredential::default()
    }];
    server
        .candidates()
        .upsert_candidate(authed(
            key,
            pb::UpsertCandidateRequest {
                candidate: Some(ana),
                cv_document: None,
            },
        ))
        .await
        .expect("candidate stored");
}

/// Competency URIs the catalogue credential teaches.
async fn taught_by(server: &TestServer, key: &str, id: &str) -> Vec<String> {
    server
        .catalog()
        .get_credential(authed(key, pb::GetCredentialRequest { id: id.to_owned() }))
        .await
        .expect("credential")
        .into_inner()
        .credential
        .unwrap()
        .competencies
        .into_iter()
        .map(|c| c.uri)
        .collect()
}

fn lists(gap: &pb::AnalyzeGapResponse) -> [Vec<(String, String)>; 3] {
    let items = |items: &[pb::GapItem]| {
        items
            .iter()
            .map(|i| {
                let held = i.held_competency.as_ref().map(|h| h.uri.clone());
                (
                    i.competency.as_ref().unwrap().uri.clone(),
                    held.unwrap_or_default(),
                )
            })
            .collect()
    };
    [
        items(&gap.matched),
        items(&gap.partial),
        items(&gap.missing),
    ]
}

#[tokio::test]
async fn a_stored_candidate_is_a_gap_source_of_its_tenant() {
    let server = TestServer::keyed().await;
    let keys = &server.keys;
    store_candidate(&server, &keys.a_write).await;
    store_job(&server, &keys.a_write, gap_job()).await;
    let mut matcher = server.matcher();

    let by_candidate = pb::AnalyzeGapRequest {
        candidate_id: "ana".to_owned(),
        job_id: "gap-job".to_owned(),
        ..pb::AnalyzeGapRequest::default()
    };
    let gap = matcher
        .analyze_gap(authed(&keys.a_read, by_candidate.clone()))
        .await
        .expect("gap of a stored candidate")
        .into_inner();
    // The same as listing what the candidate's credential teaches and what they declared.
    let mut held = taught_by(&server, &keys.a_read, "data-sql-foundations").await;
    held.push(SPREADSHEETS.to_owned());
    let by_uris = matcher
        .analyze_gap(authed(
            &keys.a_read,
            pb::AnalyzeGapRequest {
                held_competency_uris: held,
                job: Some(gap_job()),
                ..pb::AnalyzeGapRequest::default()
            },
        ))
        .await
        .expect("gap of listed competencies")
        .into_inner();
    assert_eq!(lists(&gap), lists(&by_uris));
    assert_eq!(lists(&gap)[0], [(SQL.to_owned(), SQL.to_owned())]);
    assert_eq!(
        gap.matched[0].held_evidence,
        "verified credential data-sql-foundations"
    );
    assert_eq!(lists(&gap)[2], [(NOWHERE.to_owned(), String::new())]);
    for item in gap.partial.iter().chain(&gap.matched) {
        assert!(!item.held_evidence.is_empty(), "{item:?}");
    }
    assert!(by_uris.matched.iter().all(|i| i.held_evidence.is_empty()));

    // The plan targets the candidate's missing competencies only.
    let plan = matcher
        .plan_upskilling(authed(
            &keys.a_read,
            pb::PlanUpskillingRequest {
                candidate_id: "ana".to_owned(),
                job_id: "gap-job".to_owned(),
                ..pb::PlanUpskillingRequest::default()
            },
        ))
        .await
        .expect("plan of a stored candidate")
        .into_inner();
    assert_eq!(lists(plan.gap.as_ref().unwrap()), lists(&gap));
    let uncovered: Vec<&str> = plan
        .uncovered
        .iter()
        .map(|u| u.competency.as_ref().unwrap().uri.as_str())
        .collect();
    assert_eq!(uncovered, [NOWHERE]);
    assert!(plan.covered.is_empty(), "nothing else is missing");

    // Tenant B sees neither the candidate nor the job.
    let status = matcher
        .analyze_gap(authed(&keys.b_write, by_candidate.clone()))
        .await
        .expect_err("other tenant");
    assert_eq!(status.code(), Code::NotFound, "{status:?}");
    store_job(&server, &keys.b_write, gap_job()).await;
    let status = matcher
        .plan_upskilling(authed(
            &keys.b_write,
            pb::PlanUpskillingRequest {
                candidate_id: "ana".to_owned(),
                job_id: "gap-job".to_owned(),
                ..pb::PlanUpskillingRequest::default()
            },
        ))
        .await
        .expect_err("other tenant's candidate");
    assert_eq!(status.code(), Code::NotFound, "{status:?}");
    assert!(status.message().contains("candidate"), "{status:?}");
    server.stop().await;
}

#[tokio::test]
async fn gap_sources_are_exclusive_and_checked() {
    let server = TestServer::keyed().await;
    let keys = &server.keys;
    let mut matcher = server.matcher();
    let cases = [
        (
            pb::AnalyzeGapRequest {
                candidate_id: "ana".to_owned(),
                held_competency_uris: vec![SQL.to_owned()],
                job: Some(gap_job()),
                ..pb::AnalyzeGapRequest::default()
            },
            vec!["candidate_id"],
        ),
        (
            pb::AnalyzeGapRequest {
                candidate_id: "not an id".to_owned(),
                job_id: "gap-job".to_owned(),
                job: Some(gap_job()),
                ..pb::AnalyzeGapRequest::default()
            },
            vec!["candidate_id", "job"],
        ),
        (
            pb::AnalyzeGapRequest {
                candidate_id: "ana".to_owned(),
                ..pb::AnalyzeGapRequest::default()
            },
            vec!["job"],
        ),
    ];
    for (request, fields) in cases {
        let status = matcher
            .analyze_gap(authed(&keys.a_read, request))
            .await
            .expect_err("invalid");
        assert_eq!(violated_fields(&status), fields);
    }
    let status = matcher
        .analyze_gap(authed(
            &keys.a_read,
            pb::AnalyzeGapRequest {
                candidate_id: "nobody".to_owned(),
                job: Some(gap_job()),
                ..pb::AnalyzeGapRequest::default()
            },
        ))
        .await
        .expect_err("absent candidate");
    assert_eq!(status.code(), Code::NotFound, "{status:?}");
    server.stop().await;
}
