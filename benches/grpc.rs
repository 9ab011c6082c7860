//! The served RPCs measured through the generated tonic clients: a real
//! skillmatch server in-process on `127.0.0.1:0` over a temporary data
//! directory with ESCO v1.1.1 imported (the library path of `skillmatch
//! import esco`), and clients in the same process.
//!
//! - ExtractCompetencies on real NHS Jobs postings (title + description) at
//!   concurrency 1, 8 and 32: postings/s, p50, p99;
//! - InferOccupations on the postings' titles at concurrency 8;
//! - MatchCredentials on postings (embedded catalogue) at concurrency 8;
//! - overhead: near-empty calls through the same stack (health Check, and
//!   GetCredential of a known id, which also passes our interceptor and
//!   protobuf conversion and reads the in-memory catalogue view) against
//!   ExtractCompetencies, in latency and in process CPU
//!   (utime + stime from /proc/self/stat; clients and server together).
//!
//! `cargo bench --bench grpc [-- CALLS]` (CALLS per level, default 400); the
//! data folder is `../shared/data` or `$SKILLMATCH_SHARED_DATA`, and
//! `$SKILLMATCH_COMPUTE_SLOTS` sets the server's compute slots (0: no limit)
//! as it does for `serve`. Without
//! `--bench` (under `cargo test`) it makes a few calls against the embedded
//! sample taxonomy, without importing ESCO, and exits.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use prost::Message as _;
use serde::Deserialize;
use skillmatch::engine::{Engine, EngineConfig};
use skillmatch::pb;
use skillmatch::pb::catalog_service_client::CatalogServiceClient;
use skillmatch::pb::match_service_client::MatchServiceClient;
use skillmatch::pb::taxonomy_service_client::TaxonomyServiceClient;
use skillmatch::taxonomy::InstalledTaxonomies;
use skillmatch::taxonomy::import::read_esco_part;
use skillmatch::{ServerOptions, serve};
use tokio::net::TcpListener;
use tonic::transport::{Channel, Endpoint};
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_client::HealthClient;

/// A credential of the embedded catalogue, for GetCredential.
const KNOWN_CREDENTIAL: &str = "data-analyst-professional-certificate";

#[derive(Deserialize)]
struct Posting {
    title: String,
    description: String,
}

/// Which RPC a worker calls.
#[derive(Clone, Copy, Debug)]
enum Call {
    Extract(pb::ConceptView),
    Infer(pb::ConceptView),
    Match,
    GetCredential,
    Health,
}

/// One worker's clients, on its own connection.
struct Clients {
    taxonomy: TaxonomyServiceClient<Channel>,
    catalog: CatalogServiceClient<Channel>,
    matcher: MatchServiceClient<Channel>,
    health: HealthClient<Channel>,
}

impl Clients {
    async fn connect(addr: std::net::SocketAddr) -> Self {
        let channel = Endpoint::from_shared(format!("http://{addr}"))
            .expect("valid endpoint")
            .connect()
            .await
            .expect("connect to the bench server");
        Self {
            taxonomy: TaxonomyServiceClient::new(channel.clone())
                .max_decoding_message_size(16 * 1024 * 1024),
            catalog: CatalogServiceClient::new(channel.clone()),
            matcher: MatchServiceClient::new(channel.clone()),
            health: HealthClient::new(channel),
        }
    }

    /// Makes one call; the response's encoded size in bytes.
    async fn call(&mut self, call: Call, posting: &Posting) -> usize {
        match call {
            Call::Extract(view) => {
                let response = self
                    .taxonomy
                    .extract_competencies(pb::ExtractCompetenciesRequest {
                        text: format!("{}\n{}", posting.title, posting.description),
                        top_k: 20,
                        min_score: None,
                        taxonomy_ids: Vec::new(),
                        view: view.into(),
                        document: None,
                        text_kind: 0,
                    })
                    .await
                    .expect("ExtractCompetencies succeeds");
                response.get_ref().encoded_len()
            }
            Call::Infer(view) => {
                let response = self
                    .taxonomy
                    .infer_occupations(pb::InferOccupationsRequest {
                        text: posting.title.clone(),
                        top_k: 10,
                        taxonomy_ids: Vec::new(),
                        view: view.into(),
                    })
                    .await
                    .expect("InferOccupations succeeds");
                response.get_ref().encoded_len()
            }
            Call::Match => {
                let response = self
                    .matcher
                    .match_credentials(pb::MatchCredentialsRequest {
                        job: Some(pb::JobPosting {
                            title: posting.title.clone(),
                            description: posting.description.clone(),
                            ..Default::default()
                        }),
                        top_k: 10,
                        explain: true,
                        ..Default::default()
                    })
                    .await
                    .expect("MatchCredentials succeeds");
                response.get_ref().encoded_len()
            }
            Call::GetCredential => {
                let response = self
                    .catalog
                    .get_credential(pb::GetCredentialRequest {
                        id: KNOWN_CREDENTIAL.to_owned(),
                    })
                    .await
                    .expect("GetCredential succeeds");
                response.get_ref().encoded_len()
            }
            Call::Health => {
                let response = self
                    .health
                    .check(HealthCheckRequest {
                        service: String::new(),
                    })
                    .await
                    .expect("health Check succeeds");
                response.get_ref().encoded_len()
            }
        }
    }
}

/// Process CPU time (user + system, every thread, live or exited) from
/// /proc/self/stat, in seconds; `None` where it cannot be read.
fn process_cpu() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which is in parentheses and may hold spaces).
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the whole line, 12 and 13 here (from 1).
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    // USER_HZ, which is 100 on Linux for every architecture we run on.
    Some((utime + stime) / 100.0)
}

/// One level's figures.
struct Level {
    calls: usize,
    wall: Duration,
    p50: Duration,
    p99: Duration,
    cpu_per_call: Option<Duration>,
    bytes_per_call: usize,
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let rank = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

/// `calls` calls of `call` from `concurrency` workers, each on its own
/// connection, taking postings in turn.
async fn run(
    addr: std::net::SocketAddr,
    postings: &Arc<Vec<Posting>>,
    call: Call,
    concurrency: usize,
    calls: usize,
) -> Level {
    let mut workers = Vec::with_capacity(concurrency);
    for _ in 0..concurrency {
        workers.push(Clients::connect(addr).await);
    }
    let next = Arc::new(AtomicUsize::new(0));
    let cpu_before = process_cpu();
    let started = Instant::now();
    let tasks: Vec<_> = workers
        .into_iter()
        .map(|mut clients| {
            let next = Arc::clone(&next);
            let postings = Arc::clone(postings);
            tokio::spawn(async move {
                let mut times = Vec::new();
                let mut bytes = 0;
                loop {
                    let n = next.fetch_add(1, Ordering::Relaxed);
                    if n >= calls {
                        return (times, bytes);
                    }
                    let posting = &postings[n % postings.len()];
                    let call_started = Instant::now();
                    bytes += clients.call(call, posting).await;
                    times.push(call_started.elapsed());
                }
            })
        })
        .collect();
    let mut times = Vec::with_capacity(calls);
    let mut bytes = 0;
    for task in tasks {
        let (worker_times, worker_bytes) = task.await.expect("bench worker");
        times.extend(worker_times);
        bytes += worker_bytes;
    }
    let wall = started.elapsed();
    let cpu_per_call = cpu_before
        .zip(process_cpu())
        .map(|(before, after)| Duration::from_secs_f64((after - before) / calls as f64));
    times.sort();
    Level {
        calls,
        wall,
        p50: percentile(&times, 0.5),
        p99: percentile(&times, 0.99),
        cpu_per_call,
        bytes_per_call: bytes / calls.max(1),
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn report(name: &str, concurrency: usize, level: &Level) {
    let cpu = level
        .cpu_per_call
        .map_or_else(|| "n/a".to_owned(), |c| format!("{:.3} ms", ms(c)));
    println!(
        "{name:<22} c={concurrency:<3} n {:<5} {:>8.1} calls/s  p50 {:>8.3} ms  p99 {:>8.3} ms  cpu/call {cpu}  {:>7} B/response",
        level.calls,
        level.calls as f64 / level.wall.as_secs_f64(),
        ms(level.p50),
        ms(level.p99),
        level.bytes_per_call,
    );
}

/// The default server options, with `SKILLMATCH_COMPUTE_SLOTS` (as `serve`
/// reads it) when set, to compare slot counts with one binary.
fn server_options() -> ServerOptions {
    let defaults = ServerOptions::default();
    let compute_slots = std::env::var("SKILLMATCH_COMPUTE_SLOTS")
        .map_or(defaults.compute_slots, |slots| {
            slots.parse().expect("SKILLMATCH_COMPUTE_SLOTS is a count")
        });
    ServerOptions {
        compute_slots,
        ..defaults
    }
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.trim().to_owned())
        .unwrap_or_else(|_| "n/a".to_owned())
}

fn machine() {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_owned())
        })
        .unwrap_or_else(|| "n/a".to_owned());
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    let commit = std::process::Command::new("git")
        .args(["rev-parse", "--short", "HEAD"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map_or_else(
            || "n/a".to_owned(),
            |o| String::from_utf8_lossy(&o.stdout).trim().to_owned(),
        );
    println!("commit {commit}; nproc {cores}; cpu {cpu}");
    println!("loadavg {}", loadavg());
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let calls = std::env::args()
        .skip(1)
        .find_map(|a| a.parse::<usize>().ok())
        .unwrap_or(400);
    let data = std::env::var_os("SKILLMATCH_SHARED_DATA").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data"),
        PathBuf::from,
    );
    let esco = data.join("esco-v1.1.1");
    let nhs = data.join("nhs-jobs-2020-sample/nhs_jobs_sample.jsonl");
    if !esco.exists() || !nhs.exists() {
        println!(
            "skipping the gRPC bench: {} or {} is absent (set SKILLMATCH_SHARED_DATA)",
            esco.display(),
            nhs.display()
        );
        return;
    }
    let postings: Vec<Posting> = std::fs::read_to_string(&nhs)
        .expect("NHS sample readable")
        .lines()
        .filter_map(|l| serde_json::from_str::<Posting>(l).ok())
        .take(if full { calls.max(1) } else { 8 })
        .collect();
    assert!(
        !postings.is_empty(),
        "no parseable posting in {}",
        nhs.display()
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    runtime.block_on(bench(full, calls, &esco, postings));
}

async fn bench(full: bool, calls: usize, esco: &Path, postings: Vec<Posting>) {
    machine();
    let dir = tempfile::tempdir().expect("temporary data directory");
    let data_dir = dir.path().to_path_buf();
    let started = Instant::now();
    if full {
        let esco = esco.to_path_buf();
        let into = data_dir.clone();
        tokio::task::spawn_blocking(move || {
            let part = read_esco_part(&esco, "v1.1.1").expect("ESCO release readable");
            InstalledTaxonomies::new(&into)
                .install(&part)
                .expect("ESCO stored");
        })
        .await
        .expect("import task");
        println!(
            "import ESCO v1.1.1: {:.2} s",
            started.elapsed().as_secs_f64()
        );
    } else {
        println!("smoke run: embedded sample taxonomy, a few calls (`--bench` for the full run)");
    }
    let started = Instant::now();
    let config = EngineConfig::new(data_dir);
    let (engine, _report) = tokio::task::spawn_blocking(move || Engine::open(&config))
        .await
        .expect("engine open task")
        .expect("engine opens");
    println!("Engine::open: {:.2} s", started.elapsed().as_secs_f64());
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind a free port");
    let addr = listener.local_addr().expect("bound address");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let options = server_options();
    println!("compute slots {} (0: no limit)", options.compute_slots);
    let server = tokio::spawn(serve(listener, Arc::new(engine), options, async move {
        let _ = stopped.await;
    }));
    let mean_chars = postings
        .iter()
        .map(|p| p.title.chars().count() + 1 + p.description.chars().count())
        .sum::<usize>()
        / postings.len();
    println!(
        "postings: {} distinct (mean {mean_chars} chars), top_k 20",
        postings.len()
    );
    let postings = Arc::new(postings);
    let (calls, empty_calls) = if full { (calls, 10 * calls) } else { (4, 4) };

    // Warm-up: connections, the label index's caches, the blocking pool.
    let basic = pb::ConceptView::Basic;
    run(
        addr,
        &postings,
        Call::Extract(basic),
        2,
        if full { 40 } else { 2 },
    )
    .await;
    run(addr, &postings, Call::Health, 2, if full { 200 } else { 2 }).await;

    println!("loadavg before {}", loadavg());
    let mut extract_c1 = None;
    for concurrency in [1, 8, 32] {
        let level = run(addr, &postings, Call::Extract(basic), concurrency, calls).await;
        report("ExtractCompetencies", concurrency, &level);
        if concurrency == 1 {
            extract_c1 = Some(level);
        }
    }
    // The full view is what every response carried before the basic one
    // became the default; measured in the same run, side by side.
    report(
        "Extract (full view)",
        8,
        &run(
            addr,
            &postings,
            Call::Extract(pb::ConceptView::Full),
            8,
            calls,
        )
        .await,
    );
    report(
        "InferOccupations",
        8,
        &run(addr, &postings, Call::Infer(basic), 8, calls).await,
    );
    report(
        "Infer (full view)",
        8,
        &run(
            addr,
            &postings,
            Call::Infer(pb::ConceptView::Full),
            8,
            calls,
        )
        .await,
    );
    report(
        "MatchCredentials",
        8,
        &run(addr, &postings, Call::Match, 8, calls).await,
    );
    let health_c1 = run(addr, &postings, Call::Health, 1, empty_calls).await;
    report("health Check", 1, &health_c1);
    let get_c1 = run(addr, &postings, Call::GetCredential, 1, empty_calls).await;
    report("GetCredential", 1, &get_c1);
    report(
        "GetCredential",
        8,
        &run(addr, &postings, Call::GetCredential, 8, empty_calls).await,
    );
    println!("loadavg after {}", loadavg());

    if let Some(extract) = extract_c1 {
        for (name, empty) in [("health Check", &health_c1), ("GetCredential", &get_c1)] {
            let cpu = empty
                .cpu_per_call
                .zip(extract.cpu_per_call)
                .filter(|(_, e)| !e.is_zero())
                .map_or_else(
                    || "n/a".to_owned(),
                    |(c, e)| format!("{:.1} %", 100.0 * c.as_secs_f64() / e.as_secs_f64()),
                );
            println!(
                "overhead ({name} / ExtractCompetencies, c=1): latency p50 {:.3} / {:.3} ms = {:.1} %; CPU per call share {cpu}",
                ms(empty.p50),
                ms(extract.p50),
                100.0 * empty.p50.as_secs_f64() / extract.p50.as_secs_f64(),
            );
        }
    }
    let _ = stop.send(());
    server
        .await
        .expect("server task")
        .expect("server shut down cleanly");
}
