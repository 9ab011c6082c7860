//! `skillmatch loadgen`: drives a running server with a fixed number of
//! calls in flight and reports throughput, latency percentiles and errors.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use skillmatch::pb;
use skillmatch::pb::candidate_service_client::CandidateServiceClient;
use skillmatch::pb::match_service_client::MatchServiceClient;
use skillmatch::pb::taxonomy_service_client::TaxonomyServiceClient;
use tonic::transport::{Certificate, Channel, ClientTlsConfig, Endpoint};

use super::{LoadRpc, LoadgenArgs};

/// Calls in flight per connection.
const CALLS_PER_CONNECTION: usize = 16;

const TITLE: &str = "Junior data analyst";
const POSTING: &str = "We are looking for a junior data analyst to join our reporting team. \
You will clean and prepare data with SQL and Python, build dashboards and pivot tables in Excel, \
analyse sales figures with statistics, and present your findings to stakeholders. \
Experience with databases, data visualisation and project management is a plus. \
You communicate clearly in English, work well in a team and keep documentation up to date.";

/// What one worker saw.
#[derive(Default)]
struct Tally {
    ok: Vec<Duration>,
    errors: BTreeMap<String, usize>,
}

fn job() -> pb::JobPosting {
    pb::JobPosting {
        title: TITLE.into(),
        description: POSTING.into(),
        ..Default::default()
    }
}

fn request<T>(message: T, key: Option<&str>) -> anyhow::Result<tonic::Request<T>> {
    let mut request = tonic::Request::new(message);
    if let Some(key) = key {
        request.metadata_mut().insert(
            "authorization",
            format!("Bearer {key}")
                .parse()
                .context("the API key is not a valid header value")?,
        );
    }
    Ok(request)
}

async fn call(rpc: LoadRpc, channel: &Channel, key: Option<&str>) -> anyhow::Result<()> {
    match rpc {
        LoadRpc::Extract => {
            let message = pb::ExtractCompetenciesRequest {
                text: format!("{TITLE}\n{POSTING}"),
                ..Default::default()
            };
            TaxonomyServiceClient::new(channel.clone())
                .extract_competencies(request(message, key)?)
                .await?;
        }
        LoadRpc::Match => {
            let message = pb::MatchCredentialsRequest {
                job: Some(job()),
                top_k: 10,
                ..Default::default()
            };
            MatchServiceClient::new(channel.clone())
                .match_credentials(request(message, key)?)
                .await?;
        }
        LoadRpc::Rank => {
            let message = pb::RankCandidatesRequest {
                job: Some(job()),
                top_k: 10,
                ..Default::default()
            };
            MatchServiceClient::new(channel.clone())
                .rank_candidates(request(message, key)?)
                .await?;
        }
    }
    Ok(())
}

fn code_of(error: &anyhow::Error) -> String {
    match error.downcast_ref::<tonic::Status>() {
        Some(status) => format!("{:?}", status.code()),
        None => "transport".to_owned(),
    }
}

/// Candidate competencies drawn from the sample taxonomy, deterministically.
fn seed_candidates(count: usize) -> Vec<pb::Candidate> {
    let uris: Vec<&str> = skillmatch::taxonomy::SAMPLE_COMPETENCIES_JSONL
        .lines()
        .filter_map(|line| {
            let start = line.find("\"uri\": \"")? + 8;
            let end = start + line[start..].find('"')?;
            Some(&line[start..end])
        })
        .filter(|uri| uri.contains("/skill/"))
        .collect();
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    (0..count)
        .map(|index| {
            let mut competencies: Vec<pb::DeclaredCompetency> = Vec::new();
            while competencies.len() < 6.min(uris.len()) {
                let uri = uris[(next() % uris.len() as u64) as usize];
                if competencies.iter().all(|held| held.uri != uri) {
                    competencies.push(pb::DeclaredCompetency {
                        uri: uri.to_owned(),
                        last_used_on: format!("202{}-0{}-15", 2 + next() % 4, 1 + next() % 9),
                        ..Default::default()
                    });
                }
            }
            pb::Candidate {
                id: format!("loadgen-{index:06}"),
                display_name: format!("Load candidate {index}"),
                competencies,
                ..Default::default()
            }
        })
        .collect()
}

async fn connect(args: &LoadgenArgs) -> anyhow::Result<Channel> {
    let mut endpoint = Endpoint::from_shared(args.server.clone())
        .with_context(|| format!("invalid server URL {}", args.server))?
        .tcp_nodelay(true);
    if let Some(ca) = &args.tls_ca {
        let pem = std::fs::read(ca).with_context(|| format!("reading {}", ca.display()))?;
        endpoint = endpoint
            .tls_config(ClientTlsConfig::new().ca_certificate(Certificate::from_pem(pem)))?;
    }
    endpoint
        .connect()
        .await
        .with_context(|| format!("connecting to {}", args.server))
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1].as_secs_f64() * 1000.0
}

pub(super) fn run(args: &LoadgenArgs) -> anyhow::Result<()> {
    anyhow::ensure!(args.concurrency > 0, "--concurrency must be at least 1");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(drive(args))
}

async fn drive(args: &LoadgenArgs) -> anyhow::Result<()> {
    let connections = args.concurrency.div_ceil(CALLS_PER_CONNECTION);
    let mut channels = Vec::with_capacity(connections);
    for _ in 0..connections {
        channels.push(connect(args).await?);
    }
    if args.seed_candidates > 0 {
        let mut client = CandidateServiceClient::new(channels[0].clone());
        for batch in seed_candidates(args.seed_candidates).chunks(1000) {
            let message = pb::BatchUpsertCandidatesRequest {
                candidates: batch.to_vec(),
            };
            client
                .batch_upsert_candidates(request(message, args.key.as_deref())?)
                .await
                .context("seeding candidates")?;
        }
        eprintln!("stored {} synthetic candidates", args.seed_candidates);
    }
    let key: Option<Arc<str>> = args.key.as_deref().map(Arc::from);
    let warmup = Duration::from_secs(args.warmup_secs);
    let measured = Duration::from_secs(args.duration_secs);
    let started = Instant::now();
    let measure_from = started + warmup;
    let end = measure_from + measured;
    let mut workers = Vec::with_capacity(args.concurrency);
    for worker in 0..args.concurrency {
        let channel = channels[worker % channels.len()].clone();
        let key = key.clone();
        let rpc = args.rpc;
        workers.push(tokio::spawn(async move {
            let mut tally = Tally::default();
            loop {
                let began = Instant::now();
                if began >= end {
                    return tally;
                }
                let outcome = call(rpc, &channel, key.as_deref()).await;
                if began < measure_from {
                    continue;
                }
                match outcome {
                    Ok(()) => tally.ok.push(began.elapsed()),
                    Err(error) => *tally.errors.entry(code_of(&error)).or_default() += 1,
                }
            }
        }));
    }
    let mut ok = Vec::new();
    let mut errors: BTreeMap<String, usize> = BTreeMap::new();
    for worker in workers {
        let tally = worker.await.context("a load worker failed")?;
        ok.extend(tally.ok);
        for (code, count) in tally.errors {
            *errors.entry(code).or_default() += count;
        }
    }
    ok.sort();
    let seconds = measured.as_secs_f64();
    let failed: usize = errors.values().sum();
    let report = serde_json::json!({
        "rpc": format!("{:?}", args.rpc).to_lowercase(),
        "concurrency": args.concurrency,
        "connections": connections,
        "seconds": seconds,
        "ok": ok.len(),
        "errors": errors,
        "throughput_per_sec": ok.len() as f64 / seconds,
        "p50_ms": percentile(&ok, 0.50),
        "p99_ms": percentile(&ok, 0.99),
        "p999_ms": percentile(&ok, 0.999),
        "max_ms": ok.last().map_or(0.0, |max| max.as_secs_f64() * 1000.0),
    });
    if args.json {
        println!("{report}");
    } else {
        println!(
            "{} at concurrency {} over {:.0} s: {} ok ({:.1}/s), {} failed {:?}; latency p50 {:.2} ms, p99 {:.2} ms, p99.9 {:.2} ms",
            report["rpc"].as_str().unwrap_or_default(),
            args.concurrency,
            seconds,
            ok.len(),
            ok.len() as f64 / seconds,
            failed,
            errors,
            percentile(&ok, 0.50),
            percentile(&ok, 0.99),
            percentile(&ok, 0.999),
        );
    }
    Ok(())
}
