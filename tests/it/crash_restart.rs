//! Restart after a crash: the real binary is killed with SIGKILL after
//! acknowledged writes, restarted, and must hold every acknowledged write,
//! load the candidate index snapshot written in the background (re-reading
//! only what changed after it) and rank exactly as an index rebuilt from
//! the store.

use crate::support::records;
use crate::support::{Spawned, spawn_binary};

use std::path::Path;
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use records::*;
use skillmatch::pb;
use skillmatch::pb::candidate_service_client::CandidateServiceClient;
use skillmatch::pb::match_service_client::MatchServiceClient;
use tonic::transport::Channel;

/// A running `skillmatch serve` and what its start-up log said.
struct Served {
    process: Spawned,
    channel: Channel,
    /// Whether the start loaded the candidate index snapshot.
    loaded_snapshot: bool,
}

/// Starts the binary on `data_dir` with JSON logs, background candidate
/// snapshots every `snapshot_secs` (0: none), and waits until it listens.
async fn serve(data_dir: &Path, snapshot_secs: u64) -> Served {
    let secs = snapshot_secs.to_string();
    let process = spawn_binary(
        data_dir,
        &[
            "--log-level",
            "info",
            "--log-format",
            "json",
            "--candidate-snapshot-secs",
            &secs,
        ],
    );
    let loaded_snapshot = process
        .log
        .iter()
        .find(|line| line.contains("engine ready"))
        .map(|line| line.contains("\"candidate_snapshot_loaded\":true"));
    let channel = Channel::from_shared(format!("http://{}", process.addr))
        .unwrap()
        .connect()
        .await
        .unwrap();
    Served {
        process,
        channel,
        loaded_snapshot: loaded_snapshot.expect("an engine ready line"),
    }
}

impl Served {
    fn kill(self) {
        self.process.kill();
    }

    fn stop(self) {
        self.process.terminate();
    }

    fn candidates(&self) -> CandidateServiceClient<Channel> {
        CandidateServiceClient::new(self.channel.clone())
    }
}

/// Distinct skill URIs of the sample taxonomy.
fn skills() -> Vec<String> {
    let text = skillmatch::taxonomy::SAMPLE_COMPETENCIES_JSONL;
    let needle = "http://data.europa.eu/esco/skill/";
    let mut uris: Vec<String> = text
        .match_indices(needle)
        .map(|(start, _)| {
            let end = start + text[start..].find('"').unwrap();
            text[start..end].to_owned()
        })
        .collect();
    uris.sort();
    uris.dedup();
    uris.truncate(40);
    uris
}

fn person(id: &str, rng: &mut StdRng, skills: &[String]) -> pb::Candidate {
    let declared_skills = (0..rng.random_range(1..6))
        .map(|_| {
            let uri = &skills[rng.random_range(0..skills.len())];
            let year = rng.random_range(2015..2026);
            declared(uri, &format!("{year}-03-01"))
        })
        .collect();
    let mut person = candidate(id, &format!("Name of {id}"), declared_skills);
    person.cv_text = format!("{id} wrote SQL reports.");
    person
}

/// Upserts in batches of 50; the ids acknowledged.
async fn upsert(served: &Served, people: Vec<pb::Candidate>) -> Vec<String> {
    let mut client = served.candidates();
    let mut acknowledged = Vec::new();
    for batch in people.chunks(50) {
        client
            .batch_upsert_candidates(pb::BatchUpsertCandidatesRequest {
                candidates: batch.to_vec(),
            })
            .await
            .unwrap();
        acknowledged.extend(batch.iter().map(|c| c.id.clone()));
    }
    acknowledged
}

/// Rankings of a few fixed jobs, with explanations, as text.
async fn rankings(served: &Served, skills: &[String]) -> String {
    let mut client = MatchServiceClient::new(served.channel.clone());
    let mut rng = StdRng::seed_from_u64(77);
    let mut text = String::new();
    for i in 0..6 {
        let needs: Vec<(&str, pb::Importance)> = (0..rng.random_range(1..4))
            .map(|_| {
                (
                    skills[rng.random_range(0..skills.len())].as_str(),
                    pb::Importance::Essential,
                )
            })
            .collect();
        let mut needs = needs;
        needs.sort();
        needs.dedup();
        let request = pb::RankCandidatesRequest {
            job: Some(job(&format!("job-{i}"), &needs)),
            explain: true,
            top_k: 40,
            as_of: "2026-06-01".into(),
            ..pb::RankCandidatesRequest::default()
        };
        let ranked = client.rank_candidates(request).await.unwrap().into_inner();
        text.push_str(&format!("{:?}\n", ranked.rankings));
    }
    text
}

/// The stored state of every id: its candidate as the server returns it.
async fn stored(served: &Served, ids: &[String]) -> Vec<pb::Candidate> {
    let mut client = served.candidates();
    let mut found = Vec::new();
    for id in ids {
        let got = client
            .get_candidate(pb::GetCandidateRequest { id: id.clone() })
            .await
            .unwrap_or_else(|status| panic!("acknowledged {id} lost: {status}"));
        found.push(got.into_inner().candidate.unwrap());
    }
    found
}

fn snapshot_holds(dir: &Path, needle: &str) -> bool {
    std::fs::read(dir.join(skillmatch::engine::CANDIDATE_SNAPSHOT_FILE)).is_ok_and(|bytes| {
        bytes
            .windows(needle.len())
            .any(|window| window == needle.as_bytes())
    })
}

#[tokio::test]
async fn a_sigkilled_server_restarts_from_its_snapshot_with_every_acknowledged_write() {
    let dir = tempfile::tempdir().unwrap();
    let skills = skills();
    let mut rng = StdRng::seed_from_u64(13);

    // A first server writes a base and stops cleanly: the snapshot holds it.
    let served = serve(dir.path(), 0).await;
    let base: Vec<pb::Candidate> = (0..300)
        .map(|i| person(&format!("person-{i:04}"), &mut rng, &skills))
        .collect();
    let mut acknowledged = upsert(&served, base).await;
    served.stop();

    // The second loads it, takes new and replaced candidates, writes a
    // snapshot of them in the background, takes more, and is killed.
    let served = serve(dir.path(), 1).await;
    assert!(
        served.loaded_snapshot,
        "a clean stop leaves a current snapshot"
    );
    let tail: Vec<pb::Candidate> = (250..360)
        .map(|i| person(&format!("person-{i:04}"), &mut rng, &skills))
        .collect();
    acknowledged.extend(upsert(&served, tail).await);
    let deadline = Instant::now() + Duration::from_secs(60);
    while !snapshot_holds(dir.path(), "person-0359") {
        assert!(
            Instant::now() < deadline,
            "no background snapshot within 60 s"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let late: Vec<pb::Candidate> = (340..400)
        .map(|i| person(&format!("person-{i:04}"), &mut rng, &skills))
        .collect();
    acknowledged.extend(upsert(&served, late).await);
    let expected_rankings = rankings(&served, &skills).await;
    served.kill();
    acknowledged.sort();
    acknowledged.dedup();
    assert_eq!(acknowledged.len(), 400);

    // After the kill: the snapshot is loaded, the changes after it re-read.
    let served = serve(dir.path(), 0).await;
    assert!(served.loaded_snapshot, "the restart loads the snapshot");
    let after_kill = stored(&served, &acknowledged).await;
    let restarted_rankings = rankings(&served, &skills).await;
    assert!(restarted_rankings.contains("person-03"));
    served.kill();
    assert_eq!(restarted_rankings, expected_rankings);

    // An index rebuilt from the store ranks exactly the same.
    std::fs::remove_file(dir.path().join(skillmatch::engine::CANDIDATE_SNAPSHOT_FILE)).unwrap();
    let served = serve(dir.path(), 0).await;
    assert!(!served.loaded_snapshot, "no snapshot: a rebuild");
    assert_eq!(stored(&served, &acknowledged).await, after_kill);
    assert_eq!(rankings(&served, &skills).await, expected_rankings);
    served.stop();
}
