//! Time to serve after a crash: the real binary is killed with SIGKILL and
//! started again, and the bench times from the spawn to the first answered
//! RankCandidates call. Two ways in one run, alternated:
//!
//! - from the candidate index snapshot (written in the background while
//!   serving) plus the tail replay of the candidates changed after it: here
//!   `TAIL` candidates upserted over gRPC after the snapshot, then the kill;
//! - a full rebuild of the index from the store (the snapshot removed), as
//!   every start after a crash did before background snapshots.
//!
//! Then, for comparison, a start after a clean stop (SIGTERM, which writes
//! a current snapshot): no tail to replay.
//!
//! `cargo bench --bench crash_restart` fills 100,000 candidates
//! (`SKILLMATCH_BENCH_CANDIDATES` sets the pool). Without `--bench` (under
//! `cargo test --all-targets`) it runs a smoke version on 2,000.
//! `SKILLMATCH_BENCH_KEEP_DIR` names a directory the data directory after
//! the clean stop is copied into, to profile a start outside the bench.
//! `SKILLMATCH_BENCH_SERVERS` lists server binaries (comma-separated) to
//! compare on the same directories, alternated round by round; by default
//! the one built with the bench.
//!
//! Every copy put back before a start is synced first: the starts must not
//! pay for writing back gigabytes of copied pages, which no real restart
//! has to (the server syncs what it commits).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng as _, SeedableRng};

use skillmatch::auth::{Authenticator, TenantId};
use skillmatch::domain::{Candidate, Date, DeclaredCompetency, RecordId};
use skillmatch::engine::{CANDIDATE_SNAPSHOT_FILE, Engine, EngineConfig};
use skillmatch::pb;
use skillmatch::pb::candidate_service_client::CandidateServiceClient;
use skillmatch::pb::match_service_client::MatchServiceClient;

/// Candidates written after the snapshot, before the kill.
const TAIL: usize = 1_000;
/// Restarts timed per way.
const ROUNDS: usize = 3;

fn synthetic(rng: &mut StdRng, index: usize, uris: &[String]) -> Candidate {
    let competencies = (0..6 + rng.random_range(0..15))
        .map(|_| DeclaredCompetency {
            uri: uris[rng.random_range(0..uris.len())].clone(),
            last_used: Some(Date::from_days(15_000 + rng.random_range(0..5_000))),
            proficiency: None,
        })
        .collect();
    Candidate {
        id: RecordId::parse(&format!("cand-{index:08}")).unwrap(),
        display_name: Some(format!("Person {index}")),
        credentials: Vec::new(),
        competencies,
        cv_text: "Writes SQL reports and leads a small team.".to_owned(),
        cv_competencies: Vec::new(),
    }
}

fn uris(engine: &Engine) -> Vec<String> {
    let taxonomy = engine.taxonomy();
    (0..taxonomy.len())
        .map(|i| {
            taxonomy
                .get(skillmatch::taxonomy::CompetencyIdx(i as u32))
                .uri
                .clone()
        })
        .collect()
}

fn fill(engine: &Engine, tenant: &TenantId, count: usize, uris: &[String]) -> f64 {
    let mut rng = StdRng::seed_from_u64(0x0c4a_5e00_0001);
    let started = Instant::now();
    let mut index = 0;
    while index < count {
        let batch: Vec<Candidate> = (index..(index + 1000).min(count))
            .map(|i| synthetic(&mut rng, i, uris))
            .collect();
        index += batch.len();
        engine.upsert_candidates(tenant, batch).unwrap();
    }
    started.elapsed().as_secs_f64()
}

/// Starts the binary and returns it with its address once it listens.
fn spawn(server: &Path, data_dir: &Path) -> (Child, String) {
    let mut child = Command::new(server)
        .args(["serve", "--addr", "127.0.0.1:0", "--log-level", "warn"])
        .args(["--candidate-snapshot-secs", "0", "--data-dir"])
        .arg(data_dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let addr = loop {
        let line = lines.next().expect("server exited").unwrap();
        if let Some(addr) = line.strip_prefix("listening on ") {
            break addr.trim().to_owned();
        }
    };
    std::thread::spawn(move || for _ in lines {});
    (child, format!("http://{addr}"))
}

fn kill(mut child: Child) {
    child.kill().unwrap();
    child.wait().unwrap();
}

/// Stops the server cleanly (SIGTERM) and waits for it to exit.
fn stop(mut child: Child) {
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    assert!(child.wait().unwrap().success());
}

fn rank_request(uris: &[String]) -> pb::RankCandidatesRequest {
    pb::RankCandidatesRequest {
        job: Some(pb::JobPosting {
            id: "bench-job".into(),
            competencies: uris[..3]
                .iter()
                .map(|uri| pb::RequiredCompetency {
                    uri: uri.clone(),
                    importance: pb::Importance::Essential.into(),
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        }),
        top_k: 10,
        as_of: "2026-06-01".into(),
        ..Default::default()
    }
}

/// Spawn to first answered RankCandidates; the server is left running.
async fn time_to_serve(
    server: &Path,
    data_dir: &Path,
    uris: &[String],
) -> (Duration, Child, usize) {
    let started = Instant::now();
    let (child, addr) = spawn(server, data_dir);
    let mut client = MatchServiceClient::connect(addr).await.unwrap();
    let ranked = client
        .rank_candidates(rank_request(uris))
        .await
        .unwrap()
        .into_inner()
        .rankings
        .len();
    (started.elapsed(), child, ranked)
}

/// Time to serve; the server is killed after its first answer.
async fn serve_once(server: &Path, data_dir: &Path, uris: &[String]) -> Duration {
    let (took, child, ranked) = time_to_serve(server, data_dir, uris).await;
    assert!(ranked > 0);
    kill(child);
    took
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
            std::fs::File::open(&target).unwrap().sync_all().unwrap();
        }
    }
}

/// Empties `dir` and copies `pristine` into it.
fn restore(pristine: &Path, dir: &Path) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            std::fs::remove_dir_all(path).unwrap();
        } else {
            std::fs::remove_file(path).unwrap();
        }
    }
    copy_tree(pristine, dir);
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn secs(times: &[Duration]) -> String {
    times
        .iter()
        .map(|t| format!("{:.2}", t.as_secs_f64()))
        .collect::<Vec<_>>()
        .join(", ")
}

#[tokio::main]
async fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let count: usize = if full {
        std::env::var("SKILLMATCH_BENCH_CANDIDATES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(100_000)
    } else {
        2_000
    };
    let load = || std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let commit = Command::new("git")
        .args(["rev-parse", "--short", "HEAD"])
        .output()
        .map(|out| String::from_utf8_lossy(&out.stdout).trim().to_owned())
        .unwrap_or_default();
    println!("commit {commit}; loadavg before: {}", load().trim());
    let dir = tempfile::tempdir().unwrap();
    let config = EngineConfig::new(dir.path());
    let tenant = Authenticator::Open
        .authenticate(&tonic::metadata::MetadataMap::new())
        .unwrap()
        .tenant()
        .clone();
    let (engine, _) = Engine::open(&config).unwrap();
    let uris = uris(&engine);
    let fill_secs = fill(&engine, &tenant, count, &uris);
    drop(engine); // writes the snapshot
    println!("candidates: {count}, filled in {fill_secs:.1} s");

    let servers: Vec<PathBuf> = std::env::var("SKILLMATCH_BENCH_SERVERS")
        .map(|list| list.split(',').map(PathBuf::from).collect())
        .unwrap_or_else(|_| vec![PathBuf::from(env!("CARGO_BIN_EXE_skillmatch"))]);

    // The tail: upserted after the snapshot, then the kill.
    let (child, addr) = spawn(&servers[0], dir.path());
    let mut client = CandidateServiceClient::connect(addr).await.unwrap();
    let mut rng = StdRng::seed_from_u64(7);
    let tail: Vec<pb::Candidate> = (0..TAIL)
        .map(|i| {
            let candidate = synthetic(&mut rng, count + i, &uris);
            pb::Candidate {
                id: candidate.id.to_string(),
                display_name: candidate.display_name.unwrap_or_default(),
                competencies: candidate
                    .competencies
                    .iter()
                    .map(|c| pb::DeclaredCompetency {
                        uri: c.uri.clone(),
                        last_used_on: c.last_used.map(|d| d.to_string()).unwrap_or_default(),
                        ..Default::default()
                    })
                    .collect(),
                cv_text: candidate.cv_text,
                ..Default::default()
            }
        })
        .collect();
    for batch in tail.chunks(500) {
        client
            .batch_upsert_candidates(pb::BatchUpsertCandidatesRequest {
                candidates: batch.to_vec(),
            })
            .await
            .unwrap();
    }
    kill(child);
    // The data directory as the kill left it, put back before every start.
    let pristine = tempfile::tempdir().unwrap();
    copy_tree(dir.path(), pristine.path());
    let snapshot = dir.path().join(CANDIDATE_SNAPSHOT_FILE);

    let mut replayed = vec![Vec::new(); servers.len()];
    let mut rebuilt = vec![Vec::new(); servers.len()];
    for _ in 0..ROUNDS {
        for (s, server) in servers.iter().enumerate() {
            // From the snapshot and the tail.
            restore(pristine.path(), dir.path());
            replayed[s].push(serve_once(server, dir.path(), &uris).await);
            // A full rebuild.
            restore(pristine.path(), dir.path());
            std::fs::remove_file(&snapshot).unwrap();
            rebuilt[s].push(serve_once(server, dir.path(), &uris).await);
        }
    }
    // After a clean stop: started once (which replays the tail), stopped
    // with SIGTERM (which writes a current snapshot), kept aside.
    restore(pristine.path(), dir.path());
    let (_, child, _) = time_to_serve(&servers[0], dir.path(), &uris).await;
    stop(child);
    let clean = tempfile::tempdir().unwrap();
    copy_tree(dir.path(), clean.path());
    if let Some(keep) = std::env::var_os("SKILLMATCH_BENCH_KEEP_DIR") {
        // For profiling a start outside the bench.
        copy_tree(clean.path(), Path::new(&keep));
        println!("the directory after the clean stop is kept in {keep:?}");
    }
    let mut restarted = vec![Vec::new(); servers.len()];
    for _ in 0..ROUNDS {
        for (s, server) in servers.iter().enumerate() {
            restore(clean.path(), dir.path());
            restarted[s].push(serve_once(server, dir.path(), &uris).await);
        }
    }
    for (s, server) in servers.iter().enumerate() {
        println!("server {}:", server.display());
        println!(
            "  time to serve after a clean stop, {} candidates: median {:.2} s ({})",
            count + TAIL,
            median(restarted[s].clone()).as_secs_f64(),
            secs(&restarted[s])
        );
        println!(
            "  time to serve after SIGKILL, {count} candidates + {TAIL} after the snapshot:\n    \
             snapshot + tail replay: median {:.2} s ({})\n    \
             full rebuild:           median {:.2} s ({})",
            median(replayed[s].clone()).as_secs_f64(),
            secs(&replayed[s]),
            median(rebuilt[s].clone()).as_secs_f64(),
            secs(&rebuilt[s])
        );
    }
    println!("loadavg after: {}", load().trim());
}
