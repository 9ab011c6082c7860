//! Defects found by probing the running server, each reproduced through the
//! real server: non-finite numbers that poisoned the store, unbounded texts
//! and lists, a shutdown held open by a stream, oversized errors, repeated
//! credentials, wrong field paths, readable page tokens, and silently
//! accepted unknown values.

use crate::support;

use std::time::Duration;

use skillmatch::ServerOptions;
use skillmatch::domain::limits::{
    MAX_JOB_COMPETENCIES, MAX_LEARNING_OUTCOMES, MAX_NAME_CHARS, MAX_QUERY_CHARS, MAX_TEXT_CHARS,
};
use skillmatch::pb;
use support::TestServer;
use support::fixtures::{self, credential, job, match_request};
use support::violations::{assert_violates, violated_fields};
use tonic::Code;

const SPREADSHEETS: &str = fixtures::SPREADSHEETS;

async fn upsert(server: &TestServer, credentials: Vec<pb::Microcredential>) -> tonic::Status {
    server
        .catalog()
        .upsert_credentials(pb::UpsertCredentialsRequest { credentials })
        .await
        .expect_err("refused")
}

#[tokio::test]
async fn non_finite_and_negative_numbers_are_refused_and_the_store_stays_readable() {
    let (dir, server) = support::start_fresh().await;
    for value in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, -5.0] {
        let mut with_credits = credential("cr-x");
        with_credits.credits = Some(pb::Credits {
            value,
            system: "ECTS".into(),
        });
        let status = upsert(&server, vec![with_credits]).await;
        assert_violates(&status, "credentials[0].credits.value");
        let mut with_hours = credential("cr-y");
        with_hours.hours = Some(value);
        assert_violates(
            &upsert(&server, vec![with_hours]).await,
            "credentials[0].hours",
        );
        let mut with_cost = credential("cr-z");
        with_cost.cost = Some(fixtures::money(value, "EUR"));
        assert_eq!(
            upsert(&server, vec![with_cost]).await.code(),
            Code::InvalidArgument
        );
        let mut request = match_request(job("Data analyst", ""), 5);
        request.filter = Some(pb::CredentialFilter {
            max_hours: Some(value),
            ..pb::CredentialFilter::default()
        });
        let status = server
            .matcher()
            .match_credentials(request)
            .await
            .expect_err("refused");
        assert_violates(&status, "filter.max_hours");
    }
    // The server still starts on the same data directory and serves.
    let server = server.restart().await;
    let listed = server
        .catalog()
        .list_credentials(pb::ListCredentialsRequest::default())
        .await
        .expect("lists")
        .into_inner();
    assert!(!listed.credentials.is_empty());
    server.stop().await;
    drop(dir);
}

#[tokio::test]
async fn an_unreadable_record_is_quarantined_instead_of_stopping_the_start() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path()).await;
    server.stop().await;
    {
        // A row as an older version could have written it: credits null.
        let db = redb::Database::open(dir.path().join("skillmatch.redb")).unwrap();
        let txn = db.begin_write().unwrap();
        {
            let table: redb::TableDefinition<&str, &[u8]> =
                redb::TableDefinition::new("credentials");
            let mut table = txn.open_table(table).unwrap();
            table
                .insert(
                    "cr-poisoned",
                    br#"{"id":"cr-poisoned","title":"x","hours":1,"cost":{"amount":1,"currency":"EUR"},"delivery_mode":"online","language":"en","credits":{"value":null,"system":"ECTS"}}"#.as_slice(),
                )
                .unwrap();
        }
        txn.commit().unwrap();
    }
    // A candidate row that opens but holds no readable candidate.
    skillmatch::store::Store::open(&dir.path().join("skillmatch.redb"))
        .unwrap()
        .put_records(
            skillmatch::store::RecordKind::Candidate,
            "default",
            &[("c-broken", b"{not json".to_vec())],
        )
        .unwrap();
    let server = TestServer::start(dir.path()).await;
    let status = server
        .catalog()
        .get_credential(pb::GetCredentialRequest {
            id: "cr-poisoned".into(),
        })
        .await
        .expect_err("quarantined");
    assert_eq!(status.code(), Code::NotFound);
    let found = server
        .matcher()
        .match_credentials(match_request(fixtures::junior_data_analyst(), 5))
        .await
        .expect("the rest is served")
        .into_inner();
    assert!(!found.matches.is_empty());
    server.stop().await;
    let store = skillmatch::store::Store::open(&dir.path().join("skillmatch.redb")).unwrap();
    let quarantined: Vec<(String, String)> = store
        .quarantined()
        .unwrap()
        .into_iter()
        .map(|record| (record.table, record.id))
        .collect();
    assert_eq!(
        quarantined,
        [
            ("candidates".to_owned(), "c-broken".to_owned()),
            ("credentials".to_owned(), "cr-poisoned".to_owned())
        ]
    );
}

#[tokio::test]
async fn search_queries_are_bounded_and_long_terms_stay_cheap() {
    let (_dir, server) = support::start_fresh().await;
    let mut client = server.taxonomy();
    let status = client
        .search_competencies(pb::SearchCompetenciesRequest {
            query: "a".repeat(MAX_QUERY_CHARS + 1),
            ..pb::SearchCompetenciesRequest::default()
        })
        .await
        .expect_err("too long");
    assert_violates(&status, "query");
    // At the limit: one long term, which is matched exactly, not fuzzily.
    client
        .search_competencies(pb::SearchCompetenciesRequest {
            query: "q".repeat(MAX_QUERY_CHARS),
            ..pb::SearchCompetenciesRequest::default()
        })
        .await
        .expect("answers");
    let status = client
        .search_competencies(pb::SearchCompetenciesRequest {
            query: "python".into(),
            taxonomy_ids: vec!["no-such-taxonomy".into()],
            reuse_levels: vec!["no-such-level".into()],
            ..pb::SearchCompetenciesRequest::default()
        })
        .await
        .expect_err("unknown filter values");
    let fields = violated_fields(&status);
    assert!(fields.contains(&"taxonomy_ids[0]".to_owned()), "{fields:?}");
    assert!(fields.contains(&"reuse_levels[0]".to_owned()), "{fields:?}");
    server.stop().await;
}

#[tokio::test]
async fn texts_and_lists_have_documented_maxima() {
    let (_dir, server) = support::start_fresh().await;
    let long_text = "word ".repeat(MAX_TEXT_CHARS / 5 + 1);
    let status = server
        .matcher()
        .match_credentials(match_request(job("Analyst", &long_text), 5))
        .await
        .expect_err("too long");
    assert_violates(&status, "job.description");
    let mut big = credential("cr-big");
    big.description = long_text.clone();
    big.title = "t".repeat(MAX_NAME_CHARS + 1);
    big.learning_outcomes = vec!["outcome".into(); MAX_LEARNING_OUTCOMES + 1];
    let status = upsert(&server, vec![big]).await;
    let fields = violated_fields(&status);
    for field in ["description", "title", "learning_outcomes"] {
        assert!(
            fields.contains(&format!("credentials[0].{field}")),
            "{field}: {fields:?}"
        );
    }
    // At the limits, accepted.
    let mut at_limit = credential("cr-at-limit");
    at_limit.description = "w".repeat(MAX_TEXT_CHARS);
    at_limit.learning_outcomes = vec!["outcome".into(); MAX_LEARNING_OUTCOMES];
    server
        .catalog()
        .upsert_credentials(pb::UpsertCredentialsRequest {
            credentials: vec![at_limit],
        })
        .await
        .expect("at the limits");
    let mut many = job("Analyst", "");
    many.competencies = (0..=MAX_JOB_COMPETENCIES)
        .map(|index| pb::RequiredCompetency {
            uri: format!("urn:x:{index}"),
            ..pb::RequiredCompetency::default()
        })
        .collect();
    let status = server
        .matcher()
        .match_credentials(match_request(many, 5))
        .await
        .expect_err("too many");
    assert_violates(&status, "job.competencies");
    server.stop().await;
}

#[tokio::test]
async fn duplicate_and_unknown_competencies_in_a_job_are_refused() {
    let (_dir, server) = support::start_fresh().await;
    let required = |uri: &str| pb::RequiredCompetency {
        uri: uri.to_owned(),
        ..pb::RequiredCompetency::default()
    };
    let mut twice = job("Analyst", "");
    twice.competencies = vec![required(SPREADSHEETS), required(SPREADSHEETS)];
    let status = server
        .matcher()
        .match_credentials(match_request(twice, 5))
        .await
        .expect_err("duplicate");
    assert_violates(&status, "job.competencies[1].uri");
    let mut unknown = job("Analyst", "");
    unknown.competencies = vec![required("http://example.org/not-a-skill")];
    let status = server
        .matcher()
        .match_credentials(match_request(unknown, 5))
        .await
        .expect_err("unknown");
    assert_violates(&status, "job.competencies[0].uri");
    let mut request = match_request(job("Analyst", ""), 5);
    request.filter = Some(pb::CredentialFilter {
        language: "!!".into(),
        ..pb::CredentialFilter::default()
    });
    let status = server
        .matcher()
        .match_credentials(request)
        .await
        .expect_err("bad language");
    assert_violates(&status, "filter.language");
    server.stop().await;
}

#[tokio::test]
async fn an_expired_server_deadline_is_deadline_exceeded() {
    let dir = tempfile::tempdir().unwrap();
    let options = ServerOptions {
        request_timeout: Duration::from_millis(1),
        ..ServerOptions::default()
    };
    let server = TestServer::builder()
        .data_dir(dir.path())
        .options(options)
        .start()
        .await;
    let description = "Analyse data in spreadsheets and report to managers. ".repeat(1500);
    let status = server
        .matcher()
        .match_credentials(match_request(job("Data analyst", &description), 5))
        .await
        .expect_err("past the deadline");
    assert_eq!(status.code(), Code::DeadlineExceeded, "{status:?}");
    server.stop().await;
}

#[tokio::test]
async fn an_open_health_watch_does_not_hold_shutdown() {
    use tonic_health::pb::HealthCheckRequest;
    use tonic_health::pb::health_client::HealthClient;

    let dir = tempfile::tempdir().unwrap();
    let options = ServerOptions {
        shutdown_grace: Duration::from_millis(500),
        ..ServerOptions::default()
    };
    let mut server = TestServer::builder()
        .data_dir(dir.path())
        .options(options)
        .start()
        .await;
    let channel = server.channel().await;
    let mut watch = HealthClient::new(channel.clone())
        .watch(HealthCheckRequest::default())
        .await
        .expect("watch opens")
        .into_inner();
    watch
        .message()
        .await
        .expect("first status")
        .expect("a status");
    server.begin_shutdown();
    let stopped = tokio::time::timeout(Duration::from_secs(20), server.wait())
        .await
        .expect("the server returned within the grace period and some slack");
    stopped.expect("server stops cleanly");
    // A new connection is refused at once, not left waiting in the backlog.
    let refused = tokio::time::timeout(
        Duration::from_secs(5),
        tokio::net::TcpStream::connect(server.addr()),
    )
    .await
    .expect("answered at once");
    assert!(refused.is_err(), "the listener was closed");
    drop((watch, channel));
    server.stop().await;
}

#[tokio::test]
async fn errors_stay_small_however_many_violations() {
    let (_dir, server) = support::start_fresh().await;
    let credentials: Vec<pb::Microcredential> = (0..500)
        .map(|index| {
            let mut bad = credential(&format!("cr-{index}"));
            bad.hours = Some(-1.0);
            bad.language = "x".repeat(900);
            bad
        })
        .collect();
    let status = upsert(&server, credentials).await;
    assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
    let fields = violated_fields(&status);
    assert_eq!(fields.len(), 21, "20 listed and one that counts the rest");
    assert!(status.message().len() < 1_000);
    let status = server
        .taxonomy()
        .get_competency(pb::GetCompetencyRequest {
            uri: format!("http://example.org/{}", "u".repeat(1_900)),
        })
        .await
        .expect_err("not found");
    assert_eq!(status.code(), Code::NotFound);
    assert!(status.message().len() < 400, "{}", status.message().len());
    server.stop().await;
}

#[tokio::test]
async fn list_tokens_are_opaque_and_bound_to_the_filter() {
    let (_dir, server) = support::start_fresh().await;
    let mut client = server.catalog();
    let english = Some(pb::CredentialFilter {
        language: "en".into(),
        ..pb::CredentialFilter::default()
    });
    let first = client
        .list_credentials(pb::ListCredentialsRequest {
            page_size: 2,
            page_token: String::new(),
            filter: english.clone(),
        })
        .await
        .unwrap()
        .into_inner();
    let token = first.next_page_token;
    assert!(!token.is_empty());
    let last_id = &first.credentials.last().unwrap().id;
    assert!(!token.contains(last_id.as_str()));
    assert!(
        !String::from_utf8_lossy(&hex::decode(&token).unwrap_or_default())
            .contains(last_id.as_str())
    );
    client
        .list_credentials(pb::ListCredentialsRequest {
            page_size: 2,
            page_token: token.clone(),
            filter: english,
        })
        .await
        .expect("same filter");
    let status = client
        .list_credentials(pb::ListCredentialsRequest {
            page_size: 2,
            page_token: token,
            filter: None,
        })
        .await
        .expect_err("another filter");
    assert_violates(&status, "page_token");
    server.stop().await;
}
