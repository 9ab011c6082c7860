//! The Prometheus endpoint, scraped over HTTP after real calls: counts by
//! method and status code, latency histograms, calls in flight, record
//! counts and store size; and request ids returned in response metadata.

use std::sync::Arc;
use std::time::Duration;

use crate::support::TestServer;
use skillmatch::Hardening;
use skillmatch::metrics::{Metrics, bind_metrics};
use skillmatch::pb::taxonomy_service_client::TaxonomyServiceClient;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const SEARCH: &str = "/skillmatch.v1.TaxonomyService/SearchCompetencies";

async fn get(addr: std::net::SocketAddr, path: &str) -> String {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(
            format!("GET {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n").as_bytes(),
        )
        .await
        .unwrap();
    let mut response = String::new();
    tokio::time::timeout(
        Duration::from_secs(10),
        stream.read_to_string(&mut response),
    )
    .await
    .expect("the endpoint answers within 10 s")
    .unwrap();
    response
}

fn value(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find(|line| line.starts_with(series) && line[series.len()..].starts_with(' '))
        .and_then(|line| line.rsplit(' ').next())
        .and_then(|value| value.parse().ok())
}

#[tokio::test]
async fn the_endpoint_reports_calls_latencies_and_sizes() {
    let metrics = Arc::new(Metrics::new());
    let server = TestServer::builder()
        .hardening(Hardening {
            metrics: Some(metrics.clone()),
            ..Hardening::default()
        })
        .start()
        .await;
    let (metrics_addr, endpoint) = bind_metrics("127.0.0.1:0".parse().unwrap(), metrics)
        .await
        .unwrap();
    let mut client = TaxonomyServiceClient::new(server.plain().await.unwrap());
    let search = |query: &str| skillmatch::pb::SearchCompetenciesRequest {
        query: query.into(),
        ..Default::default()
    };

    let mut request = tonic::Request::new(search("sql"));
    request
        .metadata_mut()
        .insert("x-request-id", "order-4711".parse().unwrap());
    let reply = client.search_competencies(request).await.unwrap();
    assert_eq!(reply.metadata().get("x-request-id").unwrap(), "order-4711");
    let reply = client.search_competencies(search("python")).await.unwrap();
    let made = reply
        .metadata()
        .get("x-request-id")
        .unwrap()
        .to_str()
        .unwrap();
    assert_eq!(made.len(), 24, "an id is made when the client sends none");
    let refused = client.search_competencies(search("")).await.unwrap_err();
    assert_eq!(refused.code(), tonic::Code::InvalidArgument);
    assert!(
        refused.metadata().get("x-request-id").is_some(),
        "errors carry the request id too"
    );

    // The server counts a call when its response body is gone; poll briefly.
    let mut text = String::new();
    for _ in 0..50 {
        text = get(metrics_addr, "/metrics").await;
        if value(&text, "skillmatch_rpc_in_flight") == Some(0.0)
            && value(
                &text,
                &format!("skillmatch_rpc_calls_total{{method=\"{SEARCH}\",code=\"OK\"}}"),
            ) == Some(2.0)
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    assert!(text.contains("text/plain; version=0.0.4"), "{text}");
    let ok = format!("skillmatch_rpc_calls_total{{method=\"{SEARCH}\",code=\"OK\"}}");
    assert_eq!(value(&text, &ok), Some(2.0), "{text}");
    let invalid =
        format!("skillmatch_rpc_calls_total{{method=\"{SEARCH}\",code=\"INVALID_ARGUMENT\"}}");
    assert_eq!(value(&text, &invalid), Some(1.0), "{text}");
    let count = format!("skillmatch_rpc_duration_seconds_count{{method=\"{SEARCH}\"}}");
    assert_eq!(value(&text, &count), Some(3.0), "{text}");
    assert!(text.contains("skillmatch_rpc_duration_seconds_bucket{le=\"0.0005\",method="));
    assert_eq!(
        value(&text, "skillmatch_rpc_in_flight"),
        Some(0.0),
        "{text}"
    );
    assert!(value(&text, "skillmatch_records{kind=\"credentials\"}").unwrap() > 0.0);
    assert!(value(&text, "skillmatch_records{kind=\"competencies\"}").unwrap() > 0.0);
    assert_eq!(
        value(&text, "skillmatch_records{kind=\"candidates\"}"),
        Some(0.0)
    );
    assert!(value(&text, "skillmatch_store_bytes").unwrap() > 0.0);
    assert!(value(&text, "skillmatch_candidate_snapshot_age_seconds").is_some());
    // Both searches took a compute slot; the refused one never asked.
    assert_eq!(
        value(&text, "skillmatch_compute_wait_seconds_count"),
        Some(2.0),
        "{text}"
    );
    assert_eq!(value(&text, "skillmatch_compute_waiting"), Some(0.0));

    let missing = get(metrics_addr, "/other").await;
    assert!(missing.starts_with("HTTP/1.1 404"), "{missing}");
    endpoint.abort();
    server.stop().await;
}
