//! Overload: past the concurrency limit calls are shed at once with
//! RESOURCE_EXHAUSTED and a RetryInfo, admitted calls keep their latency,
//! health checks are still answered, and a key over its rate is refused
//! while other keys are not. Loopback only; every loop is bounded.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::support::TestServer;
use skillmatch::Hardening;
use skillmatch::auth::{Authenticator, KeyRing, Role, append_key};
use skillmatch::metrics::Metrics;
use skillmatch::overload::RateLimiter;
use skillmatch::pb::taxonomy_service_client::TaxonomyServiceClient;
use tonic::Code;
use tonic::transport::Channel;
use tonic_health::pb::health_client::HealthClient;
use tonic_types::StatusExt;

const LIMIT: usize = 2;
const CLIENTS: usize = 4 * LIMIT;
const CALLS_PER_CLIENT: usize = 12;

fn posting() -> String {
    "Data analyst: clean data with SQL and Python, build dashboards in Excel, \
     report statistics to stakeholders and manage databases. "
        .repeat(60)
}

async fn extract(channel: Channel, text: String) -> (Duration, Result<(), tonic::Status>) {
    let mut client = TaxonomyServiceClient::new(channel);
    let started = Instant::now();
    let outcome = client
        .extract_competencies(skillmatch::pb::ExtractCompetenciesRequest {
            text,
            ..Default::default()
        })
        .await
        .map(|_| ());
    (started.elapsed(), outcome)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn past_the_limit_calls_are_shed_fast_and_health_is_answered() {
    let metrics = Arc::new(Metrics::new());
    let server = TestServer::builder()
        .hardening(Hardening {
            max_concurrent_calls: LIMIT,
            metrics: Some(metrics.clone()),
            ..Hardening::default()
        })
        .start()
        .await;
    let text = posting();

    // Unloaded latency, one call at a time.
    let channel = server.plain().await.unwrap();
    let mut baseline = Vec::new();
    for _ in 0..10 {
        let (elapsed, outcome) = extract(channel.clone(), text.clone()).await;
        outcome.unwrap();
        baseline.push(elapsed);
    }
    baseline.sort();

    // Four times as many clients as the limit, each on its own connection.
    let mut tasks = Vec::new();
    for _ in 0..CLIENTS {
        let channel = server.plain().await.unwrap();
        let text = text.clone();
        tasks.push(tokio::spawn(async move {
            let mut results = Vec::new();
            for _ in 0..CALLS_PER_CLIENT {
                let (elapsed, outcome) = extract(channel.clone(), text.clone()).await;
                // A well-behaved client waits as RetryInfo says.
                let wait = outcome
                    .as_ref()
                    .err()
                    .and_then(|status| status.get_details_retry_info())
                    .and_then(|info| info.retry_delay);
                results.push((elapsed, outcome));
                if let Some(wait) = wait {
                    tokio::time::sleep(wait).await;
                }
            }
            results
        }));
    }
    // Health is answered while the load runs.
    let mut health = HealthClient::new(server.plain().await.unwrap());
    let mut health_latencies = Vec::new();
    for _ in 0..10 {
        let started = Instant::now();
        let reply = health
            .check(tonic_health::pb::HealthCheckRequest {
                service: String::new(),
            })
            .await
            .expect("health is answered under saturation");
        assert_eq!(reply.into_inner().status, 1, "SERVING");
        health_latencies.push(started.elapsed());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    let mut admitted = Vec::new();
    let mut shed = Vec::new();
    for task in tasks {
        for (elapsed, outcome) in task.await.unwrap() {
            match outcome {
                Ok(()) => admitted.push(elapsed),
                Err(status) => {
                    assert_eq!(status.code(), Code::ResourceExhausted, "{status:?}");
                    let retry = status
                        .get_details_retry_info()
                        .and_then(|info| info.retry_delay)
                        .expect("a shed call carries RetryInfo");
                    assert!(retry > Duration::ZERO);
                    shed.push(elapsed);
                }
            }
        }
    }
    admitted.sort();
    shed.sort();
    health_latencies.sort();
    let base_p99 = percentile(&baseline, 0.99);
    let admitted_p99 = percentile(&admitted, 0.99);
    let shed_p99 = percentile(&shed, 0.99);
    eprintln!(
        "baseline p50 {:?} p99 {base_p99:?}; admitted {} p50 {:?} p99 {admitted_p99:?}; shed {} p50 {:?} p99 {shed_p99:?}; health max {:?}",
        percentile(&baseline, 0.5),
        admitted.len(),
        percentile(&admitted, 0.5),
        shed.len(),
        percentile(&shed, 0.5),
        health_latencies.last().unwrap(),
    );
    assert_eq!(admitted.len() + shed.len(), CLIENTS * CALLS_PER_CLIENT);
    assert!(!shed.is_empty(), "at 4x the limit some calls must be shed");
    assert!(
        admitted.len() >= CALLS_PER_CLIENT,
        "the server kept serving"
    );
    // Shed calls fail fast: faster than an admitted call's typical latency.
    assert!(
        shed_p99 < percentile(&admitted, 0.5).max(Duration::from_millis(50)),
        "shed calls must fail fast"
    );
    // Admitted calls do not queue behind the excess: their p99 stays within
    // a bound of the unloaded p99 (without the limit, 4x the calls share
    // the cores and every call slows down).
    assert!(
        admitted_p99 <= base_p99 * 3 + Duration::from_millis(100),
        "admitted p99 {admitted_p99:?} against unloaded p99 {base_p99:?}"
    );
    assert!(*health_latencies.last().unwrap() < Duration::from_secs(1));

    let text = metrics.render();
    let counted = text
        .lines()
        .find(|line| line.starts_with("skillmatch_rpc_shed_total{reason=\"saturated\"}"))
        .and_then(|line| line.rsplit(' ').next())
        .and_then(|value| value.parse::<f64>().ok())
        .expect("shed counter exposed");
    assert_eq!(counted as usize, shed.len());
    server.stop().await;
}

#[tokio::test]
async fn a_key_over_its_rate_is_refused_and_others_are_not() {
    let keys_dir = tempfile::tempdir().unwrap();
    let file = keys_dir.path().join("keys.toml");
    let busy = append_key(&file, "acme", Role::Read).unwrap();
    let quiet = append_key(&file, "acme", Role::Read).unwrap();
    let ring = KeyRing::read(&file).unwrap();
    let server = TestServer::builder()
        .auth(Authenticator::Keys(ring))
        .hardening(Hardening {
            rate_limiter: Some(Arc::new(RateLimiter::new(2.0, 3))),
            ..Hardening::default()
        })
        .start()
        .await;
    let mut client = TaxonomyServiceClient::new(server.plain().await.unwrap());
    let search = |key: &str| {
        let mut request = tonic::Request::new(skillmatch::pb::SearchCompetenciesRequest {
            query: "sql".into(),
            ..Default::default()
        });
        request
            .metadata_mut()
            .insert("authorization", format!("Bearer {key}").parse().unwrap());
        request
    };
    for _ in 0..3 {
        client.search_competencies(search(&busy)).await.unwrap();
    }
    let refused = client.search_competencies(search(&busy)).await.unwrap_err();
    assert_eq!(refused.code(), Code::ResourceExhausted);
    let retry = refused
        .get_details_retry_info()
        .and_then(|info| info.retry_delay)
        .unwrap();
    assert!(
        retry > Duration::ZERO && retry <= Duration::from_millis(500),
        "{retry:?}"
    );
    client
        .search_competencies(search(&quiet))
        .await
        .expect("another key has its own rate");
    // A wrong key is refused by authentication, not charged to a bucket.
    let unknown = client
        .search_competencies(search("sm_wrong"))
        .await
        .unwrap_err();
    assert_eq!(unknown.code(), Code::Unauthenticated);
    tokio::time::sleep(retry).await;
    client
        .search_competencies(search(&busy))
        .await
        .expect("the key has a call again after the suggested delay");
    server.stop().await;
}
