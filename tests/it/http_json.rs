//! The HTTP/JSON edge on the gRPC port: every RPC in proto3 JSON through a
//! real HTTP/1.1 client, answered by the same implementation gRPC calls, with
//! the same authentication and limits, and errors as Connect JSON bodies.

use crate::support::records::authed;
use std::time::Duration;

use crate::support::TestServer;
use prost::Message;
use serde_json::json;
use skillmatch::ServerOptions;
use skillmatch::api::http::OPENAPI_JSON;
use skillmatch::pb;
use skillmatch::pb::taxonomy_service_client::TaxonomyServiceClient;

const EXTRACT: &str = "/skillmatch.v1.TaxonomyService/ExtractCompetencies";
const UPSERT_CANDIDATE: &str = "/skillmatch.v1.CandidateService/UpsertCandidate";
const STREAM_RANK: &str = "/skillmatch.v1.MatchService/StreamRankCandidates";
const SQL: &str = "http://data.europa.eu/esco/skill/598de5b0-5b58-4ea7-8058-a4bc4d18c742";
const POSTING: &str = "Data analyst. We need strong SQL and Python, machine learning a plus.";

#[tokio::test]
async fn extraction_over_http_is_the_grpc_answer_in_proto3_json() {
    let server = TestServer::keyed().await;
    let answer = server
        .rpc(
            EXTRACT,
            &server.keys.a_read,
            &json!({ "text": POSTING, "topK": 5 }),
        )
        .await;
    assert_eq!(answer.status, 200, "{answer:?}");
    assert_eq!(answer.content_type, "application/json");
    let raw = answer.json();
    let first = &raw["competencies"][0];
    assert!(first["competency"]["preferredLabel"].is_string(), "{raw}");
    assert!(
        first["reason"]
            .as_str()
            .unwrap()
            .starts_with("EXTRACTION_REASON_"),
        "enums by name: {raw}"
    );
    let over_http: pb::ExtractCompetenciesResponse = serde_json::from_slice(&answer.body).unwrap();

    let mut grpc = TaxonomyServiceClient::new(server.channel().await);
    let request = pb::ExtractCompetenciesRequest {
        text: POSTING.into(),
        top_k: 5,
        ..Default::default()
    };
    let over_grpc = grpc
        .extract_competencies(authed(&server.keys.a_read, request))
        .await
        .unwrap()
        .into_inner();
    assert!(!over_grpc.competencies.is_empty());
    assert_eq!(over_http, over_grpc);
    server.stop().await;
}

#[tokio::test]
async fn every_rpc_of_the_protos_answers_at_its_documented_path() {
    let server = TestServer::keyed().await;
    let descriptors = prost_types::FileDescriptorSet::decode(pb::FILE_DESCRIPTOR_SET).unwrap();
    let mut rpc_paths: Vec<String> = descriptors
        .file
        .iter()
        .filter(|file| file.package() == "skillmatch.v1")
        .flat_map(|file| &file.service)
        .flat_map(|service| {
            service
                .method
                .iter()
                .map(move |m| format!("/skillmatch.v1.{}/{}", service.name(), m.name()))
        })
        .collect();
    rpc_paths.sort();
    let document: serde_json::Value = serde_json::from_str(OPENAPI_JSON).unwrap();
    let mut documented: Vec<String> = document["paths"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    documented.sort();
    assert_eq!(
        documented, rpc_paths,
        "every RPC is documented, nothing else"
    );

    for path in &rpc_paths {
        let answer = server.rpc(path, &server.keys.a_write, &json!({})).await;
        assert!(
            answer.status < 500 && answer.status != 404 && answer.status != 415,
            "{path}: {answer:?}"
        );
        if answer.status != 200 {
            assert_eq!(answer.content_type, "application/json", "{path}");
            let code = answer.json()["code"].as_str().unwrap().to_owned();
            assert!(
                [
                    "invalid_argument",
                    "not_found",
                    "failed_precondition",
                    "permission_denied"
                ]
                .contains(&code.as_str()),
                "{path}: {code}"
            );
        }
    }
    server.stop().await;
}

#[tokio::test]
async fn the_same_keys_and_roles_apply() {
    let server = TestServer::keyed().await;
    let candidate = json!({ "candidate": { "id": "c-1", "displayName": "Ada",
        "competencies": [{ "uri": SQL, "lastUsedOn": "2026-01-01" }] } });

    let missing = server.rpc(UPSERT_CANDIDATE, "", &candidate).await;
    assert_eq!(missing.status, 401);
    assert_eq!(missing.json()["code"], "unauthenticated");
    let unknown = server.rpc(UPSERT_CANDIDATE, "not-a-key", &candidate).await;
    assert_eq!(unknown.status, 401);
    let read_only = server
        .rpc(UPSERT_CANDIDATE, &server.keys.a_read, &candidate)
        .await;
    assert_eq!(read_only.status, 403);
    assert_eq!(read_only.json()["code"], "permission_denied");

    let stored = server
        .rpc(UPSERT_CANDIDATE, &server.keys.a_write, &candidate)
        .await;
    assert_eq!(stored.status, 200, "{stored:?}");
    assert_eq!(stored.json()["candidate"]["displayName"], "Ada");
    let read = server
        .rpc(
            "/skillmatch.v1.CandidateService/GetCandidate",
            &server.keys.a_read,
            &json!({ "id": "c-1" }),
        )
        .await;
    assert_eq!(read.json()["candidate"]["id"], "c-1");
    server.stop().await;
}

#[tokio::test]
async fn field_violations_and_limits_are_the_grpc_ones() {
    let options = ServerOptions {
        max_message_bytes: 200_000,
        request_timeout: Duration::from_secs(30),
        ..ServerOptions::default()
    };
    let server = TestServer::builder().options(options).start().await;
    let max = 100_000;
    let at_limit = server
        .rpc(EXTRACT, "", &json!({ "text": "a".repeat(max) }))
        .await;
    assert_eq!(at_limit.status, 200, "{at_limit:?}");
    let one_past = server
        .rpc(EXTRACT, "", &json!({ "text": "a".repeat(max + 1) }))
        .await;
    assert_eq!(one_past.status, 400);
    assert_eq!(one_past.violated_fields(), ["text"]);

    let body_at_limit = format!("{{\"text\": \"{}\"}}", "b".repeat(200_000 - 12));
    assert_eq!(body_at_limit.len(), 200_000);
    let answer = server
        .send(
            "POST",
            EXTRACT,
            &[("content-type", "application/json")],
            body_at_limit,
        )
        .await;
    assert_eq!(answer.status, 400, "too long a text, not too large a body");
    assert_eq!(answer.violated_fields(), ["text"]);
    let body_past_limit = format!("{{\"text\": \"{}\"}}", "b".repeat(200_000 - 11));
    let answer = server
        .send(
            "POST",
            EXTRACT,
            &[("content-type", "application/json")],
            body_past_limit,
        )
        .await;
    assert_eq!(answer.status, 400);
    assert_eq!(answer.json()["code"], "out_of_range");
    server.stop().await;
}

#[tokio::test]
async fn malformed_requests_get_connect_errors() {
    let server = TestServer::builder().start().await;
    let json_header = [("content-type", "application/json")];

    let broken = server
        .send("POST", EXTRACT, &json_header, "{\"text\": ")
        .await;
    assert_eq!(broken.status, 400);
    assert_eq!(broken.violated_fields(), ["body"]);
    let wrong_type = server.rpc(EXTRACT, "", &json!({ "text": 7 })).await;
    assert_eq!(wrong_type.violated_fields(), ["body"]);
    let unknown_field = server.rpc(EXTRACT, "", &json!({ "txt": "SQL" })).await;
    assert_eq!(unknown_field.violated_fields(), ["body"]);
    let snake_case_names = server
        .rpc(EXTRACT, "", &json!({ "text": "SQL", "top_k": 1 }))
        .await;
    assert_eq!(
        snake_case_names.status, 200,
        "proto field names are accepted too"
    );
    assert_eq!(
        snake_case_names.json()["competencies"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    let text = server
        .send("POST", EXTRACT, &[("content-type", "text/plain")], "SQL")
        .await;
    assert_eq!(text.status, 415);
    let get = server.send("GET", EXTRACT, &[], "").await;
    assert_eq!(get.status, 405);
    let no_rpc = server
        .rpc("/skillmatch.v1.TaxonomyService/Nothing", "", &json!({}))
        .await;
    assert_eq!(
        no_rpc.status, 404,
        "no such route, as a Connect server answers"
    );
    let nowhere = server.send("GET", "/nowhere", &[], "").await;
    assert_eq!(nowhere.status, 404);

    let document = server.send("GET", "/openapi.json", &[], "").await;
    assert_eq!(document.status, 200);
    assert_eq!(document.content_type, "application/json");
    assert_eq!(document.body, OPENAPI_JSON.as_bytes());
    server.stop().await;
}

#[tokio::test]
async fn the_ranking_stream_is_newline_delimited_json() {
    let server = TestServer::keyed().await;
    for (id, name) in [("c-1", "Ada"), ("c-2", "Grace"), ("c-3", "Edsger")] {
        let candidate = json!({ "candidate": { "id": id, "displayName": name,
            "competencies": [{ "uri": SQL, "lastUsedOn": "2026-01-01" }] } });
        let stored = server
            .rpc(UPSERT_CANDIDATE, &server.keys.a_write, &candidate)
            .await;
        assert_eq!(stored.status, 200, "{stored:?}");
    }
    let request = json!({
        "job": { "title": "Analyst", "competencies": [
            { "uri": SQL, "importance": "IMPORTANCE_ESSENTIAL" }] },
        "batchSize": 1,
        "asOf": "2026-06-01",
    });
    let answer = server.rpc(STREAM_RANK, &server.keys.a_read, &request).await;
    assert_eq!(answer.status, 200, "{answer:?}");
    assert_eq!(answer.content_type, "application/x-ndjson");
    let text = std::str::from_utf8(&answer.body).unwrap();
    assert!(text.ends_with('\n'));
    let batches: Vec<pb::StreamRankCandidatesResponse> = text
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(batches.len(), 3, "one line per message: {text}");
    let mut ids: Vec<String> = batches
        .iter()
        .flat_map(|b| &b.rankings)
        .map(|r| r.candidate_id.clone())
        .collect();
    ids.sort();
    assert_eq!(ids, ["c-1", "c-2", "c-3"]);

    let neither = server
        .rpc(STREAM_RANK, &server.keys.a_read, &json!({}))
        .await;
    assert_eq!(
        neither.status, 400,
        "a refused stream is a plain error: {neither:?}"
    );
    assert_eq!(neither.json()["code"], "invalid_argument");
    server.stop().await;
}

#[tokio::test]
async fn the_page_and_its_assets_are_served_from_the_binary() {
    let server = TestServer::builder().start().await;
    for (path, content_type) in [
        ("/", "text/html; charset=utf-8"),
        ("/app.js", "text/javascript; charset=utf-8"),
        ("/app.css", "text/css; charset=utf-8"),
    ] {
        let answer = server.send("GET", path, &[], "").await;
        assert_eq!(answer.status, 200, "{path}");
        assert_eq!(answer.content_type, content_type, "{path}");
        let text = std::str::from_utf8(&answer.body).unwrap();
        assert!(!text.contains("://"), "{path} loads nothing from elsewhere");
    }
    let script = server.send("GET", "/app.js", &[], "").await;
    let script = std::str::from_utf8(&script.body).unwrap();
    assert!(
        script.contains("/skillmatch.v1."),
        "the page calls the HTTP/JSON API"
    );
    server.stop().await;
}
