//! StreamRankCandidates and upskilling plans in rankings, through the real
//! server on 127.0.0.1:0.

use crate::support::records;

use rand::rngs::StdRng;
use rand::{Rng as _, SeedableRng};
use tokio_stream::StreamExt as _;

use records::*;
use skillmatch::pb;
use tonic::Code;

const AS_OF: &str = "2026-06-01";

/// Sample-taxonomy skills the pool draws from.
const POOL_SKILLS: [&str; 6] = [
    "598de5b0", "ccd0a1d9", "e5d1f825", "1973c966", "0af062de", "3cd569a2",
];

/// Upserts `count` seeded candidates into tenant A.
async fn seed_pool(server: &TestServer, count: usize) {
    let mut rng = StdRng::seed_from_u64(0x5eed_0005);
    let skills: Vec<String> = POOL_SKILLS.iter().map(|s| skill(s)).collect();
    let people = (0..count)
        .map(|i| {
            let held = (0..1 + rng.random_range(0..4))
                .map(|_| {
                    let year = 2012 + rng.random_range(0..14);
                    declared(
                        &skills[rng.random_range(0..skills.len())],
                        &format!("{year}-03-01"),
                    )
                })
                .collect();
            candidate(&format!("cand-{i:03}"), &format!("Person {i}"), held)
        })
        .collect();
    server
        .candidates()
        .batch_upsert_candidates(authed(
            &server.keys.a_write,
            pb::BatchUpsertCandidatesRequest { candidates: people },
        ))
        .await
        .unwrap();
}

fn pool_job() -> pb::JobPosting {
    job(
        "",
        &[
            (&skill("598de5b0"), pb::Importance::Essential),
            (&skill("ccd0a1d9"), pb::Importance::Essential),
            (&skill("e5d1f825"), pb::Importance::Optional),
        ],
    )
}

fn stream_request(top_k: i32, batch_size: i32) -> pb::StreamRankCandidatesRequest {
    pb::StreamRankCandidatesRequest {
        job: Some(pool_job()),
        top_k,
        batch_size,
        explain: true,
        as_of: AS_OF.into(),
        ..pb::StreamRankCandidatesRequest::default()
    }
}

/// Every message of a stream, or the status that ended it.
async fn collect(
    server: &TestServer,
    key: &str,
    request: pb::StreamRankCandidatesRequest,
) -> Result<Vec<pb::StreamRankCandidatesResponse>, tonic::Status> {
    let mut stream = server
        .matcher()
        .stream_rank_candidates(authed(key, request))
        .await?
        .into_inner();
    let mut messages = Vec::new();
    while let Some(message) = stream.next().await {
        messages.push(message?);
    }
    Ok(messages)
}

async fn unary(server: &TestServer, key: &str, top_k: i32) -> Vec<pb::CandidateRanking> {
    server
        .matcher()
        .rank_candidates(authed(
            key,
            pb::RankCandidatesRequest {
                job: Some(pool_job()),
                top_k,
                explain: true,
                as_of: AS_OF.into(),
                ..pb::RankCandidatesRequest::default()
            },
        ))
        .await
        .unwrap()
        .into_inner()
        .rankings
}

#[tokio::test]
async fn the_stream_is_the_unary_ranking_in_batches() {
    let server = TestServer::keyed().await;
    // At most 100 explained rankings fit one unary response: a pool of 90.
    seed_pool(&server, 90).await;
    let key = server.keys.a_read.clone();
    let whole = unary(&server, &key, 100).await;
    assert!(whole.len() > 45, "most of the pool has evidence");

    let messages = collect(&server, &key, stream_request(0, 7)).await.unwrap();
    let sizes: Vec<usize> = messages.iter().map(|m| m.rankings.len()).collect();
    let (last, full) = sizes.split_last().unwrap();
    assert!(full.iter().all(|&n| n == 7), "{sizes:?}");
    assert!((1..=7).contains(last), "{sizes:?}");
    let streamed: Vec<pb::CandidateRanking> =
        messages.into_iter().flat_map(|m| m.rankings).collect();
    assert_eq!(
        streamed, whole,
        "same rankings, same order, same explanations"
    );

    // top_k cuts the stream; the default batch holds 100.
    let first = collect(&server, &key, stream_request(25, 0)).await.unwrap();
    assert_eq!(first.len(), 1);
    assert_eq!(first[0].rankings, whole[..25]);
    assert_eq!(unary(&server, &key, 25).await, whole[..25]);

    // A client that stops reading after the first batch does not disturb
    // the server, and anonymised streams carry no names.
    let mut request = stream_request(0, 5);
    request.anonymize = true;
    let mut stream = server
        .matcher()
        .stream_rank_candidates(authed(&key, request))
        .await
        .unwrap()
        .into_inner();
    let batch = stream.next().await.unwrap().unwrap();
    assert_eq!(batch.rankings.len(), 5);
    assert!(batch.rankings.iter().all(|r| r.display_name.is_empty()));
    drop(stream);
    assert_eq!(unary(&server, &key, 100).await, whole);
    server.stop().await;
}

#[tokio::test]
async fn the_stream_keeps_to_the_callers_tenant_and_role() {
    let server = TestServer::keyed().await;
    seed_pool(&server, 20).await;
    let keys = &server.keys;

    let unauthenticated = server
        .matcher()
        .stream_rank_candidates(stream_request(0, 0))
        .await
        .unwrap_err();
    assert_eq!(unauthenticated.code(), Code::Unauthenticated);
    let wrong = collect(&server, "sm_not-a-key", stream_request(0, 0))
        .await
        .unwrap_err();
    assert_eq!(wrong.code(), Code::Unauthenticated);

    // Tenant B sees none of tenant A's candidates, by pool or by id.
    assert!(
        collect(&server, &keys.b_write, stream_request(0, 0))
            .await
            .unwrap()
            .is_empty()
    );
    let mut by_id = stream_request(0, 0);
    by_id.candidate_ids = vec!["cand-001".into()];
    let hidden = collect(&server, &keys.b_write, by_id.clone())
        .await
        .unwrap_err();
    assert_eq!(hidden.code(), Code::NotFound);
    let seen = collect(&server, &keys.a_read, by_id).await.unwrap();
    assert_eq!(seen[0].rankings[0].candidate_id, "cand-001");

    // A stored job of tenant A is not tenant B's.
    server
        .jobs()
        .upsert_job(authed(
            &keys.a_write,
            pb::UpsertJobRequest {
                job: Some(pb::JobPosting {
                    id: "job-a".into(),
                    ..pool_job()
                }),
            },
        ))
        .await
        .unwrap();
    let stored = pb::StreamRankCandidatesRequest {
        job_id: "job-a".into(),
        job: None,
        ..stream_request(0, 0)
    };
    assert_eq!(
        collect(&server, &keys.b_write, stored.clone())
            .await
            .unwrap_err()
            .code(),
        Code::NotFound
    );
    assert!(
        !collect(&server, &keys.a_read, stored)
            .await
            .unwrap()
            .is_empty()
    );
    server.stop().await;
}

#[tokio::test]
async fn bad_stream_requests_name_their_fields() {
    let server = TestServer::keyed().await;
    let key = server.keys.a_read.clone();
    let bad = pb::StreamRankCandidatesRequest {
        top_k: -1,
        batch_size: -3,
        candidate_ids: vec!["ok".into(), "ok".into(), "not valid".into()],
        as_of: "yesterday".into(),
        plan: Some(pb::PlanConstraints {
            max_total_cost: Some(pb::Money {
                amount: 100.0,
                currency: "XXX".into(),
            }),
            ..pb::PlanConstraints::default()
        }),
        ..pb::StreamRankCandidatesRequest::default()
    };
    let status = collect(&server, &key, bad).await.unwrap_err();
    assert_eq!(
        violated_fields(&status),
        [
            "batch_size",
            "job",
            "candidate_ids[1]",
            "candidate_ids[2]",
            "top_k",
            "as_of",
            "plan.max_total_cost.currency",
        ]
    );
    let both = pb::StreamRankCandidatesRequest {
        job_id: "x".into(),
        ..stream_request(0, 0)
    };
    let status = collect(&server, &key, both).await.unwrap_err();
    assert_eq!(violated_fields(&status), ["job"]);
    server.stop().await;
}

fn sql_and_css_job() -> pb::JobPosting {
    job(
        "",
        &[
            (SQL, pb::Importance::Essential),
            (&skill("e5d1f825"), pb::Importance::Essential),
        ],
    )
}

fn plan_request(max_eur: f64) -> pb::RankCandidatesRequest {
    pb::RankCandidatesRequest {
        job: Some(sql_and_css_job()),
        explain: true,
        as_of: AS_OF.into(),
        plan: Some(pb::PlanConstraints {
            max_total_cost: Some(pb::Money {
                amount: max_eur,
                currency: "EUR".into(),
            }),
            ..pb::PlanConstraints::default()
        }),
        ..pb::RankCandidatesRequest::default()
    }
}

#[tokio::test]
async fn rankings_carry_the_plan_that_closes_each_gap() {
    let server = TestServer::keyed().await;
    let css = skill("e5d1f825");
    server
        .candidates()
        .batch_upsert_candidates(authed(
            &server.keys.a_write,
            pb::BatchUpsertCandidatesRequest {
                candidates: vec![
                    candidate("ada", "Ada", vec![declared(&css, "2026-01-01")]),
                    candidate(
                        "bo",
                        "Bo",
                        vec![declared(SQL, "2026-01-01"), declared(&css, "2026-01-01")],
                    ),
                ],
            },
        ))
        .await
        .unwrap();
    let key = server.keys.a_read.clone();
    let mut matching = server.matcher();
    let rankings = matching
        .rank_candidates(authed(&key, plan_request(1000.0)))
        .await
        .unwrap()
        .into_inner()
        .rankings;
    let ids: Vec<&str> = rankings.iter().map(|r| r.candidate_id.as_str()).collect();
    assert_eq!(ids, ["bo", "ada"]);

    // Bo lacks nothing: an empty plan.
    let bo = rankings[0].plan.as_ref().unwrap();
    assert!(bo.credentials.is_empty() && bo.uncovered.is_empty());

    // Ada misses SQL; her plan's credentials teach it.
    let ada = &rankings[1];
    let missing: Vec<&str> = ada
        .explanation
        .as_ref()
        .unwrap()
        .competencies
        .iter()
        .filter(|c| c.status == pb::MatchStatus::Missing as i32)
        .map(|c| c.job_competency.as_ref().unwrap().uri.as_str())
        .collect();
    assert_eq!(missing, [SQL]);
    let plan = ada.plan.as_ref().unwrap();
    let covered: Vec<&str> = plan
        .covered
        .iter()
        .map(|c| c.competency.as_ref().unwrap().uri.as_str())
        .collect();
    assert_eq!(covered, [SQL]);
    assert!(plan.uncovered.is_empty());
    assert!(
        plan.credentials
            .iter()
            .any(|c| c.covers.iter().any(|covered| covered.uri == SQL)),
        "{plan:?}"
    );
    // It is the plan PlanUpskilling gives for her, the stored candidate.
    let direct = matching
        .plan_upskilling(authed(
            &key,
            pb::PlanUpskillingRequest {
                held_competency_uris: Vec::new(),
                candidate_id: "ada".to_owned(),
                job: Some(sql_and_css_job()),
                job_id: String::new(),
                constraints: plan_request(1000.0).plan,
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(plan, &direct);

    // Under a budget no SQL credential fits, SQL stays uncovered, and says why.
    let tight = matching
        .rank_candidates(authed(&key, plan_request(100.0)))
        .await
        .unwrap()
        .into_inner()
        .rankings;
    let plan = tight[1].plan.as_ref().unwrap();
    assert!(plan.credentials.is_empty());
    let uncovered: Vec<(&str, i32)> = plan
        .uncovered
        .iter()
        .map(|u| (u.competency.as_ref().unwrap().uri.as_str(), u.reason))
        .collect();
    assert_eq!(uncovered, [(SQL, pb::UncoveredReason::OverBudget as i32)]);

    // Without `plan`, no plans; the stream carries the same plans as the unary call.
    let plain = pb::RankCandidatesRequest {
        plan: None,
        ..plan_request(0.0)
    };
    let rankings_without = matching
        .rank_candidates(authed(&key, plain))
        .await
        .unwrap()
        .into_inner()
        .rankings;
    assert!(rankings_without.iter().all(|r| r.plan.is_none()));
    let streamed = collect(
        &server,
        &key,
        pb::StreamRankCandidatesRequest {
            job: Some(sql_and_css_job()),
            explain: true,
            as_of: AS_OF.into(),
            plan: plan_request(100.0).plan,
            batch_size: 1,
            ..pb::StreamRankCandidatesRequest::default()
        },
    )
    .await
    .unwrap();
    let streamed: Vec<pb::CandidateRanking> =
        streamed.into_iter().flat_map(|m| m.rankings).collect();
    assert_eq!(streamed, tight);
    server.stop().await;
}
