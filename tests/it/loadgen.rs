//! `skillmatch loadgen` against a live in-process server on loopback, for
//! one second each: it reports calls, throughput and percentiles, and counts
//! shed calls as errors by code.

use crate::support::TestServer;
use skillmatch::Hardening;

fn loadgen(addr: std::net::SocketAddr, args: &[&str]) -> serde_json::Value {
    let output = tokio::task::block_in_place(|| {
        std::process::Command::new(env!("CARGO_BIN_EXE_skillmatch"))
            .args(["loadgen", "--server", &format!("http://{addr}")])
            .args(["--duration-secs", "1", "--warmup-secs", "0", "--json"])
            .args(args)
            .output()
            .unwrap()
    });
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn loadgen_reports_throughput_and_percentiles() {
    let server = TestServer::builder().start().await;
    let report = loadgen(server.addr(), &["--rpc", "extract", "--concurrency", "2"]);
    assert!(report["ok"].as_u64().unwrap() > 0, "{report}");
    assert!(report["errors"].as_object().unwrap().is_empty(), "{report}");
    let p50 = report["p50_ms"].as_f64().unwrap();
    let p99 = report["p99_ms"].as_f64().unwrap();
    assert!(p50 > 0.0 && p50 <= p99 && p99 <= report["p999_ms"].as_f64().unwrap());

    let ranked = loadgen(
        server.addr(),
        &[
            "--rpc",
            "rank",
            "--concurrency",
            "1",
            "--seed-candidates",
            "50",
        ],
    );
    assert!(ranked["ok"].as_u64().unwrap() > 0, "{ranked}");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn loadgen_counts_shed_calls() {
    let server = TestServer::builder()
        .hardening(Hardening {
            max_concurrent_calls: 1,
            ..Hardening::default()
        })
        .start()
        .await;
    let report = loadgen(server.addr(), &["--rpc", "match", "--concurrency", "4"]);
    assert!(report["ok"].as_u64().unwrap() > 0, "{report}");
    assert!(
        report["errors"]["ResourceExhausted"].as_u64().unwrap_or(0) > 0,
        "{report}"
    );
    server.stop().await;
}
