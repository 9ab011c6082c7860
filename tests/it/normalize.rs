//! NormalizeCompetencies: raw skill strings to their best competencies, in
//! request order, over gRPC and HTTP/JSON, with its limits enforced one past.

use crate::support::TestServer;
use crate::support::violations::violated_fields;
use serde_json::json;
use skillmatch::api::convert::normalize::{MAX_NORMALIZE_SKILLS, MAX_SKILL_CHARS};
use skillmatch::pb;
use skillmatch::pb::taxonomy_service_client::TaxonomyServiceClient;

const NORMALIZE: &str = "/skillmatch.v1.TaxonomyService/NormalizeCompetencies";
const SQL: &str = "http://data.europa.eu/esco/skill/598de5b0-5b58-4ea7-8058-a4bc4d18c742";

fn request(skills: &[&str]) -> pb::NormalizeCompetenciesRequest {
    pb::NormalizeCompetenciesRequest {
        skills: skills.iter().map(|s| (*s).to_owned()).collect(),
        ..Default::default()
    }
}

#[tokio::test]
async fn each_string_gets_its_best_competencies_in_request_order() {
    let server = TestServer::builder().start().await;
    let mut client = TaxonomyServiceClient::new(server.channel().await);
    let raw = ["SQL", "machine-learning", "xyzzy", "MS Excel"];
    let answer = client
        .normalize_competencies(request(&raw))
        .await
        .unwrap()
        .into_inner();
    let echoed: Vec<&str> = answer.skills.iter().map(|s| s.raw.as_str()).collect();
    assert_eq!(echoed, raw);
    let best = |i: usize| {
        answer.skills[i].competencies[0]
            .competency
            .as_ref()
            .unwrap()
    };
    assert_eq!(best(0).uri, SQL);
    assert_eq!(best(1).preferred_label, "machine learning");
    assert!(
        answer.skills[2].competencies.is_empty(),
        "nonsense names nothing"
    );
    assert!(!answer.skills[3].competencies.is_empty());
    for skill in &answer.skills {
        assert!(skill.competencies.len() <= 3, "default top_k");
        for found in &skill.competencies {
            assert!((0.05..=1.0).contains(&found.score), "{}", found.score);
            for span in &found.evidence {
                let chars: Vec<char> = skill.raw.chars().collect();
                let end = usize::try_from(span.end).unwrap();
                assert!(end <= chars.len(), "evidence inside the raw string");
            }
        }
    }
    assert!(answer.taxonomy_version.is_some());

    let over_http = server
        .rpc(NORMALIZE, "", &json!({ "skills": raw, "topK": 1 }))
        .await;
    assert_eq!(over_http.status, 200, "{over_http:?}");
    let json = over_http.json();
    assert_eq!(
        json["skills"][0]["competencies"][0]["competency"]["uri"],
        SQL
    );
    assert_eq!(
        json["skills"][0]["competencies"].as_array().unwrap().len(),
        1
    );
    server.stop().await;
}

#[tokio::test]
async fn limits_hold_at_the_maximum_and_fail_one_past() {
    let server = TestServer::builder().start().await;
    let mut client = TaxonomyServiceClient::new(server.channel().await);
    let skills = [
        "SQL",
        "Python",
        "project management",
        "spreadsheets",
        "teamwork",
    ];
    let at_limit: Vec<&str> = skills
        .iter()
        .cycle()
        .take(MAX_NORMALIZE_SKILLS)
        .copied()
        .collect();
    let started = std::time::Instant::now();
    let answer = client
        .normalize_competencies(request(&at_limit))
        .await
        .unwrap()
        .into_inner();
    eprintln!("{MAX_NORMALIZE_SKILLS} strings in {:?}", started.elapsed());
    assert_eq!(answer.skills.len(), MAX_NORMALIZE_SKILLS);

    let one_past: Vec<&str> = skills
        .iter()
        .cycle()
        .take(MAX_NORMALIZE_SKILLS + 1)
        .copied()
        .collect();
    let status = client
        .normalize_competencies(request(&one_past))
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&status), ["skills"]);

    let longest = "a".repeat(MAX_SKILL_CHARS);
    let too_long = "a".repeat(MAX_SKILL_CHARS + 1);
    client
        .normalize_competencies(request(&[longest.as_str()]))
        .await
        .unwrap();
    let status = client
        .normalize_competencies(request(&["SQL", too_long.as_str()]))
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&status), ["skills[1]"]);

    let over_http = server
        .rpc(NORMALIZE, "", &json!({ "skills": one_past }))
        .await;
    assert_eq!(over_http.status, 400);
    assert_eq!(over_http.violated_fields(), ["skills"]);
    let empty = server.rpc(NORMALIZE, "", &json!({ "skills": [] })).await;
    assert_eq!(empty.violated_fields(), ["skills"]);
    server.stop().await;
}
