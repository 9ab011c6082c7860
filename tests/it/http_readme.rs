//! The README's HTTP/JSON examples work as printed: every `curl` line of the
//! "Calling the API over HTTP/JSON" section is parsed and sent, exactly, to
//! an in-process server through a real HTTP client, and the error body it
//! shows is the one the server gives.

use crate::support::TestServer;

const SECTION: &str = "## Calling the API over HTTP/JSON";
const README_ORIGIN: &str = "http://localhost:50051";

fn section() -> &'static str {
    let readme = include_str!("../../README.md");
    let start = readme.find(SECTION).expect("the HTTP/JSON section");
    let rest = &readme[start + SECTION.len()..];
    &rest[..rest.find("\n## ").unwrap_or(rest.len())]
}

/// Splits a shell line into words; single quotes only, as the README writes them.
fn words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut quoted = false;
    let mut any = false;
    for ch in line.chars() {
        match ch {
            '\'' => {
                quoted = !quoted;
                any = true;
            }
            ' ' if !quoted => {
                if any {
                    words.push(std::mem::take(&mut word));
                    any = false;
                }
            }
            _ => {
                word.push(ch);
                any = true;
            }
        }
    }
    assert!(!quoted, "unbalanced quotes in {line}");
    if any {
        words.push(word);
    }
    words
}

struct Curl {
    method: String,
    path: String,
    headers: Vec<(String, String)>,
    body: String,
}

fn parse(line: &str) -> Curl {
    let words = words(line);
    assert_eq!(words[0], "curl");
    let mut curl = Curl {
        method: "GET".into(),
        path: String::new(),
        headers: Vec::new(),
        body: String::new(),
    };
    let mut rest = words[1..].iter();
    while let Some(word) = rest.next() {
        match word.as_str() {
            "-s" => {}
            "-X" => curl.method = rest.next().unwrap().clone(),
            "-H" => {
                let header = rest.next().unwrap();
                let (name, value) = header.split_once(':').unwrap();
                curl.headers.push((name.trim().into(), value.trim().into()));
            }
            "-d" => curl.body = rest.next().unwrap().clone(),
            url => {
                curl.path = url
                    .strip_prefix(README_ORIGIN)
                    .unwrap_or_else(|| panic!("README URLs use {README_ORIGIN}: {url}"))
                    .into();
            }
        }
    }
    curl
}

#[tokio::test]
async fn the_readme_curl_examples_answer_as_shown() {
    let server = TestServer::builder().start().await;
    let lines: Vec<&str> = section()
        .lines()
        .filter(|line| line.starts_with("curl "))
        .collect();
    assert!(lines.len() >= 3, "the section shows its examples");
    for line in lines {
        let curl = parse(line);
        let headers: Vec<(&str, &str)> = curl
            .headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        let answer = server
            .send(&curl.method, &curl.path, &headers, curl.body.clone())
            .await;
        assert_eq!(answer.status, 200, "{line}: {answer:?}");
        let text = std::str::from_utf8(&answer.body).unwrap();
        for json_line in text.lines() {
            let value: serde_json::Value = serde_json::from_str(json_line).unwrap();
            assert!(value.get("error").is_none(), "{line}: {value}");
        }
        if curl.path.ends_with("UpsertCandidate") {
            let stored = &answer.json()["candidate"];
            assert!(
                stored["cvText"].as_str().is_some_and(|t| !t.is_empty()),
                "{line}"
            );
            assert!(
                stored["cvCompetencies"]
                    .as_array()
                    .is_some_and(|c| !c.is_empty()),
                "{line}"
            );
        }
        if curl.path.ends_with("ExtractCompetencies") || curl.path.ends_with("MatchCredentials") {
            assert!(
                answer.json().as_object().is_some_and(|o| !o.is_empty()),
                "{line}"
            );
        }
    }
    server.stop().await;
}

#[tokio::test]
async fn the_readme_error_body_is_the_servers() {
    let server = TestServer::builder().start().await;
    let section = section();
    let start = section.find("```json\n").expect("the error example") + "```json\n".len();
    let shown: serde_json::Value =
        serde_json::from_str(&section[start..start + section[start..].find("```").unwrap()])
            .unwrap();
    let answer = server
        .rpc(
            "/skillmatch.v1.TaxonomyService/GetCompetency",
            "",
            &serde_json::json!({ "uri": "" }),
        )
        .await;
    assert_eq!(answer.status, 400);
    assert_eq!(answer.json(), shown);
    server.stop().await;
}
