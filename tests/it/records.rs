//! Candidates, jobs, tenancy, authentication and candidate ranking through
//! the real server on 127.0.0.1:0.

use crate::support::records;

use rand::rngs::StdRng;
use rand::{Rng as _, SeedableRng};
use std::collections::{BTreeMap, BTreeSet};

use records::*;
use skillmatch::pb;
use tonic::Code;

const AS_OF: &str = "2026-06-01";

#[tokio::test]
async fn calls_without_a_good_key_are_unauthenticated_and_roles_are_enforced() {
    let server = TestServer::keyed().await;
    let mut candidates = server.candidates();
    let list = pb::ListCandidatesRequest::default();

    let missing = candidates.list_candidates(list.clone()).await.unwrap_err();
    assert_eq!(missing.code(), Code::Unauthenticated);
    let wrong = candidates
        .list_candidates(authed("sm_not-a-key", list.clone()))
        .await
        .unwrap_err();
    assert_eq!(wrong.code(), Code::Unauthenticated);
    let mut basic = tonic::Request::new(list.clone());
    basic
        .metadata_mut()
        .insert("authorization", "Basic abc".parse().unwrap());
    assert_eq!(
        candidates.list_candidates(basic).await.unwrap_err().code(),
        Code::Unauthenticated
    );

    let keys = &server.keys;
    candidates
        .list_candidates(authed(&keys.a_read, list))
        .await
        .unwrap();
    let upsert = pb::UpsertCandidateRequest {
        candidate: Some(candidate("c1", "", vec![declared(SQL, "")])),
        cv_document: None,
    };
    let denied = candidates
        .upsert_candidate(authed(&keys.a_read, upsert.clone()))
        .await
        .unwrap_err();
    assert_eq!(denied.code(), Code::PermissionDenied);
    candidates
        .upsert_candidate(authed(&keys.a_write, upsert))
        .await
        .unwrap();

    // The shared catalogue: everyone reads, only admins write.
    let mut catalog = server.catalog();
    catalog
        .list_credentials(authed(&keys.a_read, pb::ListCredentialsRequest::default()))
        .await
        .unwrap();
    let delete = pb::DeleteCredentialRequest {
        id: "data-sql-foundations".into(),
    };
    assert_eq!(
        catalog
            .delete_credential(authed(&keys.a_write, delete.clone()))
            .await
            .unwrap_err()
            .code(),
        Code::PermissionDenied
    );
    catalog
        .delete_credential(authed(&keys.admin, delete))
        .await
        .unwrap();

    // Health stays open.
    let mut health = tonic_health::pb::health_client::HealthClient::new(server.channel().await);
    health
        .check(tonic_health::pb::HealthCheckRequest {
            service: "skillmatch.v1.CandidateService".into(),
        })
        .await
        .unwrap();
    server.stop().await;
}

#[tokio::test]
async fn candidates_round_trip_and_paginate() {
    let server = TestServer::keyed().await;
    let key = server.keys.a_write.clone();
    let mut client = server.candidates();
    let mut stored = candidate("c-00", "Ada", vec![declared(SQL, "2025-01-31")]);
    stored.cv_text = "Five years of Python and SQL reporting.".into();
    stored.credentials = vec![pb::HeldCredential {
        credential_id: "data-sql-foundations".into(),
        issued_on: "2024-05-01".into(),
        expires_on: "2027-05-01".into(),
        verified: true,
        ..pb::HeldCredential::default()
    }];
    let reply = client
        .upsert_candidate(authed(
            &key,
            pb::UpsertCandidateRequest {
                candidate: Some(stored.clone()),
                cv_document: None,
            },
        ))
        .await
        .unwrap()
        .into_inner()
        .candidate
        .unwrap();
    assert!(
        reply
            .cv_competencies
            .iter()
            .any(|c| c.uri == SQL && c.evidence.iter().any(|e| e.text == "SQL")),
        "{:?}",
        reply.cv_competencies
    );
    let got = client
        .get_candidate(authed(&key, pb::GetCandidateRequest { id: "c-00".into() }))
        .await
        .unwrap()
        .into_inner()
        .candidate
        .unwrap();
    assert_eq!(got, reply);
    assert_eq!(got.credentials, stored.credentials);

    let batch: Vec<pb::Candidate> = (1..7)
        .map(|i| candidate(&format!("c-{i:02}"), "", vec![declared(SQL, "")]))
        .collect();
    let count = client
        .batch_upsert_candidates(authed(
            &key,
            pb::BatchUpsertCandidatesRequest { candidates: batch },
        ))
        .await
        .unwrap()
        .into_inner()
        .upserted_count;
    assert_eq!(count, 6);

    let mut seen = Vec::new();
    let mut token = String::new();
    loop {
        let page = client
            .list_candidates(authed(
                &key,
                pb::ListCandidatesRequest {
                    page_size: 3,
                    page_token: token.clone(),
                },
            ))
            .await
            .unwrap()
            .into_inner();
        assert!(page.candidates.len() <= 3);
        seen.extend(page.candidates.into_iter().map(|c| c.id));
        if page.next_page_token.is_empty() {
            break;
        }
        token = page.next_page_token;
    }
    // Pages follow the stored (hashed key) order, that of one whole listing;
    // together they hold every candidate once.
    let whole: Vec<String> = client
        .list_candidates(authed(
            &key,
            pb::ListCandidatesRequest {
                page_size: 100,
                page_token: String::new(),
            },
        ))
        .await
        .unwrap()
        .into_inner()
        .candidates
        .into_iter()
        .map(|c| c.id)
        .collect();
    assert_eq!(seen, whole);
    seen.sort();
    let expected: Vec<String> = (0..7).map(|i| format!("c-{i:02}")).collect();
    assert_eq!(seen, expected);

    let bad_size = client
        .list_candidates(authed(
            &key,
            pb::ListCandidatesRequest {
                page_size: -1,
                page_token: String::new(),
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&bad_size), ["page_size"]);
    let bad_token = client.list_jobs_like_token(&key).await;
    assert_eq!(violated_fields(&bad_token), ["page_token"]);

    client
        .delete_candidate(authed(
            &key,
            pb::DeleteCandidateRequest { id: "c-03".into() },
        ))
        .await
        .unwrap();
    let gone = client
        .get_candidate(authed(&key, pb::GetCandidateRequest { id: "c-03".into() }))
        .await
        .unwrap_err();
    assert_eq!(gone.code(), Code::NotFound);
    server.stop().await;
}

/// A token of another list is rejected.
trait ForeignToken {
    async fn list_jobs_like_token(&mut self, key: &str) -> tonic::Status;
}

impl ForeignToken
    for pb::candidate_service_client::CandidateServiceClient<tonic::transport::Channel>
{
    async fn list_jobs_like_token(&mut self, key: &str) -> tonic::Status {
        // The readable token format of earlier versions, naming this very
        // list: it must be refused now that tokens are sealed.
        let token = hex_token("candidates", "c-01");
        self.list_candidates(authed(
            key,
            pb::ListCandidatesRequest {
                page_size: 2,
                page_token: token,
            },
        ))
        .await
        .unwrap_err()
    }
}

fn hex_token(kind: &str, cursor: &str) -> String {
    hex::encode(format!("{kind}\n{cursor}"))
}

#[tokio::test]
async fn bad_records_get_field_violations() {
    let server = TestServer::keyed().await;
    let key = server.keys.a_write.clone();
    let mut client = server.candidates();
    let bad = pb::Candidate {
        id: "has space".into(),
        credentials: vec![pb::HeldCredential {
            issued_on: "2026-02-30".into(),
            ..pb::HeldCredential::default()
        }],
        competencies: vec![declared("", "yesterday")],
        ..pb::Candidate::default()
    };
    let status = client
        .upsert_candidate(authed(
            &key,
            pb::UpsertCandidateRequest {
                candidate: Some(bad),
                cv_document: None,
            },
        ))
        .await
        .unwrap_err();
    let fields: BTreeSet<String> = violated_fields(&status).into_iter().collect();
    // An invalid id hides none of the others: the record's limits and
    // required fields are checked too.
    let expected: BTreeSet<String> = [
        "candidate.id",
        "candidate.credentials[0].issued_on",
        "candidate.credentials[0].title",
        "candidate.competencies[0].uri",
        "candidate.competencies[0].last_used_on",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    assert_eq!(fields, expected);

    let no_title = pb::Candidate {
        id: "ok".into(),
        credentials: vec![pb::HeldCredential::default()],
        ..pb::Candidate::default()
    };
    let status = client
        .upsert_candidate(authed(
            &key,
            pb::UpsertCandidateRequest {
                candidate: Some(no_title),
                cv_document: None,
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&status), ["candidate.credentials[0].title"]);

    let mut jobs = server.jobs();
    let status = jobs
        .upsert_job(authed(
            &key,
            pb::UpsertJobRequest {
                job: Some(pb::JobPosting {
                    id: String::new(),
                    title: "Analyst".into(),
                    ..pb::JobPosting::default()
                }),
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&status), ["job.id"]);

    let mut matching = server.matcher();
    let status = matching
        .rank_candidates(authed(&key, pb::RankCandidatesRequest::default()))
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&status), ["job"]);
    server.stop().await;
}

fn rank_request(job: pb::JobPosting, anonymize: bool) -> pb::RankCandidatesRequest {
    pb::RankCandidatesRequest {
        job: Some(job),
        explain: true,
        anonymize,
        top_k: 50,
        as_of: AS_OF.into(),
        ..pb::RankCandidatesRequest::default()
    }
}

#[tokio::test]
async fn identical_candidates_score_identically_whatever_their_id_and_name() {
    let server = TestServer::keyed().await;
    let key = server.keys.a_write.clone();
    let mut client = server.candidates();
    let python = skill("ccd0a1d9");
    for (id, name) in [
        ("zz-last", "Zoë Zimmermann"),
        ("aa-first", "Adebayo Okafor"),
    ] {
        let mut person = candidate(
            id,
            name,
            vec![declared(SQL, "2025-03-01"), declared(&python, "2019-01-01")],
        );
        person.cv_text = "Built dashboards with SQL.".into();
        person.credentials = vec![pb::HeldCredential {
            credential_id: "data-python-analytics".into(),
            issued_on: "2023-01-01".into(),
            ..pb::HeldCredential::default()
        }];
        client
            .upsert_candidate(authed(
                &key,
                pb::UpsertCandidateRequest {
                    candidate: Some(person),
                    cv_document: None,
                },
            ))
            .await
            .unwrap();
    }
    let job = job(
        "",
        &[
            (SQL, pb::Importance::Essential),
            (&python, pb::Importance::Optional),
        ],
    );
    let mut matching = server.matcher();
    let named = matching
        .rank_candidates(authed(&key, rank_request(job.clone(), false)))
        .await
        .unwrap()
        .into_inner()
        .rankings;
    assert_eq!(named.len(), 2);
    assert_eq!(named[0].score, named[1].score);
    assert_eq!(
        named[0].explanation.as_ref().unwrap().competencies,
        named[1].explanation.as_ref().unwrap().competencies
    );
    assert_eq!(named[0].candidate_id, "aa-first", "ties break by id");
    assert_eq!(named[0].display_name, "Adebayo Okafor");
    let anonymous = matching
        .rank_candidates(authed(&key, rank_request(job, true)))
        .await
        .unwrap()
        .into_inner()
        .rankings;
    assert!(anonymous.iter().all(|r| r.display_name.is_empty()));
    assert_eq!(anonymous[0].score, named[0].score);
    server.stop().await;
}

/// A seeded generator, so failures replay.
struct Rng(StdRng);

impl Rng {
    fn seeded(seed: u64) -> Self {
        Self(StdRng::seed_from_u64(seed))
    }

    fn below(&mut self, n: u64) -> u64 {
        self.0.random_range(0..n)
    }
}

#[tokio::test]
async fn tenants_never_see_each_others_records() {
    let server = TestServer::keyed().await;
    let keys = [server.keys.a_write.clone(), server.keys.b_write.clone()];
    let mut candidates = server.candidates();
    let mut jobs = server.jobs();
    let mut matching = server.matcher();
    let skills = [SQL.to_owned(), skill("ccd0a1d9"), skill("7ee4c2ea")];
    let stored_job = job("shared-job", &[(SQL, pb::Importance::Essential)]);
    // Both tenants use the same ids; the model says what each must see.
    let mut model: [BTreeMap<String, String>; 2] = [BTreeMap::new(), BTreeMap::new()];
    let mut job_model: [bool; 2] = [false, false];
    let mut rng = Rng::seeded(0x5eed_1234_abcd_0001);
    for step in 0..300 {
        let tenant = rng.below(2) as usize;
        let key = &keys[tenant];
        let id = format!("p{}", rng.below(6));
        match rng.below(7) {
            0 | 1 => {
                let uri = &skills[rng.below(3) as usize];
                let name = format!("{id} of tenant {tenant} at step {step}");
                candidates
                    .upsert_candidate(authed(
                        key,
                        pb::UpsertCandidateRequest {
                            candidate: Some(candidate(&id, &name, vec![declared(uri, "")])),
                            cv_document: None,
                        },
                    ))
                    .await
                    .unwrap();
                model[tenant].insert(id, name);
            }
            2 => {
                let result = candidates
                    .delete_candidate(authed(key, pb::DeleteCandidateRequest { id: id.clone() }))
                    .await;
                match model[tenant].remove(&id) {
                    Some(_) => {
                        result.unwrap();
                    }
                    None => assert_eq!(result.unwrap_err().code(), Code::NotFound, "step {step}"),
                }
            }
            3 => {
                let result = candidates
                    .get_candidate(authed(key, pb::GetCandidateRequest { id: id.clone() }))
                    .await;
                match model[tenant].get(&id) {
                    Some(name) => assert_eq!(
                        &result.unwrap().into_inner().candidate.unwrap().display_name,
                        name,
                        "step {step}"
                    ),
                    None => assert_eq!(result.unwrap_err().code(), Code::NotFound, "step {step}"),
                }
            }
            4 => {
                let mut listed: Vec<String> = candidates
                    .list_candidates(authed(key, pb::ListCandidatesRequest::default()))
                    .await
                    .unwrap()
                    .into_inner()
                    .candidates
                    .into_iter()
                    .map(|c| c.display_name)
                    .collect();
                // Listed in stored (hashed key) order, not id order.
                listed.sort();
                let mut expected: Vec<String> = model[tenant].values().cloned().collect();
                expected.sort();
                assert_eq!(listed, expected, "step {step}");
            }
            5 => {
                let request = pb::RankCandidatesRequest {
                    job: Some(pb::JobPosting {
                        id: String::new(),
                        ..stored_job.clone()
                    }),
                    top_k: 100,
                    ..pb::RankCandidatesRequest::default()
                };
                let ranked = matching
                    .rank_candidates(authed(key, request))
                    .await
                    .unwrap()
                    .into_inner()
                    .rankings;
                for ranking in &ranked {
                    assert_eq!(
                        model[tenant].get(&ranking.candidate_id),
                        Some(&ranking.display_name),
                        "step {step}: ranked someone the tenant does not have"
                    );
                }
            }
            _ => {
                if rng.below(2) == 0 {
                    jobs.upsert_job(authed(
                        key,
                        pb::UpsertJobRequest {
                            job: Some(stored_job.clone()),
                        },
                    ))
                    .await
                    .unwrap();
                    job_model[tenant] = true;
                }
                let result = jobs
                    .get_job(authed(
                        key,
                        pb::GetJobRequest {
                            id: "shared-job".into(),
                        },
                    ))
                    .await;
                assert_eq!(result.is_ok(), job_model[tenant], "step {step}");
                let by_id = matching
                    .rank_candidates(authed(
                        key,
                        pb::RankCandidatesRequest {
                            job_id: "shared-job".into(),
                            ..pb::RankCandidatesRequest::default()
                        },
                    ))
                    .await;
                assert_eq!(by_id.is_ok(), job_model[tenant], "step {step}");
            }
        }
    }
    server.stop().await;
}

/// One candidate's line in a pinned ranking: id, then per job competency its
/// status and evidence kind.
fn pinned(rankings: &[pb::CandidateRanking]) -> Vec<String> {
    rankings
        .iter()
        .map(|r| {
            let parts: Vec<String> = r
                .explanation
                .as_ref()
                .unwrap()
                .competencies
                .iter()
                .map(|c| {
                    let status = pb::MatchStatus::try_from(c.status).unwrap().as_str_name();
                    match &c.evidence {
                        Some(e) => format!(
                            "{}/{}/{}{}",
                            status.trim_start_matches("MATCH_STATUS_"),
                            pb::EvidenceCoverage::try_from(e.coverage)
                                .unwrap()
                                .as_str_name()
                                .trim_start_matches("EVIDENCE_COVERAGE_"),
                            pb::EvidenceKind::try_from(e.kind)
                                .unwrap()
                                .as_str_name()
                                .trim_start_matches("EVIDENCE_KIND_"),
                            if e.expired { "/EXPIRED" } else { "" }
                        ),
                        None => status.trim_start_matches("MATCH_STATUS_").to_owned(),
                    }
                })
                .collect();
            format!("{} {:.3} {}", r.candidate_id, r.score, parts.join(" "))
        })
        .collect()
}

fn held(credential_id: &str, issued: &str, expires: &str, verified: bool) -> pb::HeldCredential {
    pb::HeldCredential {
        credential_id: credential_id.into(),
        issued_on: issued.into(),
        expires_on: expires.into(),
        verified,
        ..pb::HeldCredential::default()
    }
}

#[tokio::test]
async fn ranking_order_and_explanations_are_pinned() {
    let server = TestServer::keyed().await;
    let key = server.keys.a_write.clone();
    let mut client = server.candidates();
    let python = skill("ccd0a1d9");
    let statistics = skill("7ee4c2ea");
    let query_languages = skill("75f839c2");
    let people = vec![
        pb::Candidate {
            credentials: vec![held("data-sql-foundations", "2025-09-01", "", true)],
            ..candidate("verified", "", vec![declared(&python, "2026-01-01")])
        },
        pb::Candidate {
            credentials: vec![held("data-sql-foundations", "2025-09-01", "", false)],
            ..candidate("assessed", "", vec![declared(&python, "2026-01-01")])
        },
        candidate(
            "declared",
            "",
            vec![declared(SQL, "2026-01-01"), declared(&python, "2026-01-01")],
        ),
        candidate(
            "stale",
            "",
            vec![declared(SQL, "2014-01-01"), declared(&python, "2014-01-01")],
        ),
        pb::Candidate {
            credentials: vec![held(
                "data-sql-foundations",
                "2019-09-01",
                "2021-09-01",
                true,
            )],
            ..candidate("expired", "", vec![declared(&python, "2026-01-01")])
        },
        pb::Candidate {
            cv_text: "Analyst writing SQL and Python every day.".into(),
            ..candidate("cv-only", "", vec![])
        },
        candidate(
            "related",
            "",
            vec![declared(&query_languages, "2026-01-01")],
        ),
        candidate(
            "unrelated",
            "",
            vec![declared(&skill("e5d1f825"), "2026-01-01")],
        ),
    ];
    client
        .batch_upsert_candidates(authed(
            &key,
            pb::BatchUpsertCandidatesRequest { candidates: people },
        ))
        .await
        .unwrap();
    let job = job(
        "",
        &[
            (SQL, pb::Importance::Essential),
            (&python, pb::Importance::Essential),
            (&statistics, pb::Importance::Optional),
        ],
    );
    let rankings = server
        .matcher()
        .rank_candidates(authed(&key, rank_request(job.clone(), false)))
        .await
        .unwrap()
        .into_inner()
        .rankings;
    let lines = pinned(&rankings);
    // SQL (essential, 1.0), Python (essential, 1.0), statistics (optional, 0.5):
    // verified credential 1.0 > assessed 0.8 > declared 0.6 > expired (x0.5, aged
    // 6.75 years) > CV text 0.4 x undated 0.8 > declared 12 years ago (x0.5) >
    // related only (0.4 x 0.6). The CSS developer evidences nothing and is left out.
    let expected = [
        "verified 0.640 MATCHED/EXACT/VERIFIED_CREDENTIAL MATCHED/EXACT/DECLARED MISSING",
        "assessed 0.560 MATCHED/EXACT/ASSESSED_CREDENTIAL MATCHED/EXACT/DECLARED MISSING",
        "declared 0.480 MATCHED/EXACT/DECLARED MATCHED/EXACT/DECLARED MISSING",
        "expired 0.381 PARTIAL/EXACT/VERIFIED_CREDENTIAL/EXPIRED MATCHED/EXACT/DECLARED MISSING",
        "cv-only 0.256 MATCHED/EXACT/CV_TEXT MATCHED/EXACT/CV_TEXT MISSING",
        "stale 0.240 MATCHED/EXACT/DECLARED MATCHED/EXACT/DECLARED MISSING",
        "related 0.096 PARTIAL/RELATED/DECLARED MISSING MISSING",
    ];
    assert_eq!(lines, expected, "\n{}", lines.join("\n"));

    // A given list is ranked whole, zero scores included; unknown ids are NOT_FOUND.
    let mut matching = server.matcher();
    let listed = |ids: &[&str]| pb::RankCandidatesRequest {
        candidate_ids: ids.iter().map(|id| (*id).to_owned()).collect(),
        ..rank_request(job.clone(), true)
    };
    let given = matching
        .rank_candidates(authed(&key, listed(&["unrelated", "stale"])))
        .await
        .unwrap()
        .into_inner()
        .rankings;
    let given: Vec<(String, f64)> = given
        .into_iter()
        .map(|r| (r.candidate_id, (r.score * 1000.0).round() / 1000.0))
        .collect();
    assert_eq!(
        given,
        [("stale".to_owned(), 0.24), ("unrelated".to_owned(), 0.0)]
    );
    let ghost = matching
        .rank_candidates(authed(&key, listed(&["stale", "ghost"])))
        .await
        .unwrap_err();
    assert_eq!(ghost.code(), Code::NotFound);
    let twice = matching
        .rank_candidates(authed(&key, listed(&["stale", "stale"])))
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&twice), ["candidate_ids[1]"]);
    server.stop().await;
}

#[tokio::test]
async fn match_jobs_lists_fitting_jobs_with_their_gaps() {
    let server = TestServer::keyed().await;
    let key = server.keys.a_write.clone();
    let python = skill("ccd0a1d9");
    let css = skill("e5d1f825");
    server
        .candidates()
        .upsert_candidate(authed(
            &key,
            pb::UpsertCandidateRequest {
                candidate: Some(candidate(
                    "ada",
                    "Ada",
                    vec![declared(SQL, "2026-01-01"), declared(&python, "2026-01-01")],
                )),
                cv_document: None,
            },
        ))
        .await
        .unwrap();
    let mut jobs = server.jobs();
    for job in [
        job(
            "fits",
            &[
                (SQL, pb::Importance::Essential),
                (&python, pb::Importance::Essential),
            ],
        ),
        job(
            "nearly",
            &[
                (SQL, pb::Importance::Essential),
                (&css, pb::Importance::Essential),
            ],
        ),
        job("elsewhere", &[(&css, pb::Importance::Essential)]),
    ] {
        jobs.upsert_job(authed(&key, pb::UpsertJobRequest { job: Some(job) }))
            .await
            .unwrap();
    }
    let matches = server
        .matcher()
        .match_jobs(authed(
            &key,
            pb::MatchJobsRequest {
                candidate_id: "ada".into(),
                as_of: AS_OF.into(),
                ..pb::MatchJobsRequest::default()
            },
        ))
        .await
        .unwrap()
        .into_inner()
        .matches;
    let summary: Vec<(String, Vec<String>)> = matches
        .iter()
        .map(|m| {
            (
                m.job.as_ref().unwrap().id.clone(),
                m.missing
                    .iter()
                    .map(|c| c.preferred_label.clone())
                    .collect(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("fits".to_owned(), vec![]),
            ("nearly".to_owned(), vec!["CSS".to_owned()]),
        ]
    );
    assert!(matches[0].score > matches[1].score);
    server.stop().await;
}

#[tokio::test]
async fn two_authorization_headers_are_refused() {
    let server = TestServer::keyed().await;
    let mut request = authed(&server.keys.a_write, pb::ListCandidatesRequest::default());
    request.metadata_mut().append(
        "authorization",
        format!("Bearer {}", server.keys.b_write).parse().unwrap(),
    );
    let status = server
        .candidates()
        .list_candidates(request)
        .await
        .unwrap_err();
    assert_eq!(status.code(), tonic::Code::Unauthenticated, "{status:?}");
    server.stop().await;
}

#[tokio::test]
async fn an_expiry_before_issue_names_the_wire_field() {
    let server = TestServer::keyed().await;
    let candidate = pb::Candidate {
        id: "c-dates".into(),
        credentials: vec![pb::HeldCredential {
            title: "First aid".into(),
            issued_on: "2025-05-01".into(),
            expires_on: "2024-05-01".into(),
            ..pb::HeldCredential::default()
        }],
        ..pb::Candidate::default()
    };
    let status = server
        .candidates()
        .upsert_candidate(authed(
            &server.keys.a_write,
            pb::UpsertCandidateRequest {
                candidate: Some(candidate),
                cv_document: None,
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(
        violated_fields(&status),
        ["candidate.credentials[0].expires_on"]
    );
    server.stop().await;
}

#[tokio::test]
async fn explained_rankings_are_bounded_in_count() {
    let server = TestServer::keyed().await;
    let request = pb::RankCandidatesRequest {
        job: Some(job("", &[(SQL, pb::Importance::Essential)])),
        top_k: 101,
        explain: true,
        ..pb::RankCandidatesRequest::default()
    };
    let status = server
        .matcher()
        .rank_candidates(authed(&server.keys.a_read, request))
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&status), ["top_k"]);
    server.stop().await;
}
