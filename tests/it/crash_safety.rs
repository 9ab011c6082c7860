//! Crash safety at random moments: the real `skillmatch serve` binary takes
//! credentials, candidates and jobs from several clients at once while
//! SIGKILL arrives at a random point, five rounds over one data directory.
//! After each restart every acknowledged write is there, nothing that was
//! never sent appears, and the indexes agree with the store: every stored
//! candidate is ranked and every stored credential is matched.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::support::spawn_binary;

use rand::Rng;
use skillmatch::pb;
use skillmatch::pb::candidate_service_client::CandidateServiceClient;
use skillmatch::pb::catalog_service_client::CatalogServiceClient;
use skillmatch::pb::job_service_client::JobServiceClient;
use skillmatch::pb::match_service_client::MatchServiceClient;
use tonic::transport::Channel;

use crate::support::fixtures;
use crate::support::records::{SQL, analyst_job, candidate, declared};

const ROUNDS: usize = 5;
/// Candidate ids per writer and round: the writers upsert these over and
/// over (new records first, then replacements), so the store never holds
/// more candidates than one RankCandidates call returns (`top_k` 1000)
/// and the check that every stored candidate is ranked stays complete
/// however fast the machine writes.
const CANDIDATE_IDS: usize = 1000 / (ROUNDS * 2);
/// A bound on any writer's calls; the kill ends them long before.
const MAX_WRITES: usize = 1_000_000;

/// Ids sent and ids acknowledged, per kind of record.
#[derive(Default)]
struct Ledger {
    sent: BTreeSet<String>,
    acked: BTreeSet<String>,
}

type Shared = Arc<Mutex<Ledger>>;

async fn connect(addr: &str) -> Channel {
    Channel::from_shared(format!("http://{addr}"))
        .unwrap()
        .connect()
        .await
        .unwrap()
}

/// Runs `write` for ids `{prefix}-{n}` (`n` below `distinct`, cycling)
/// until it fails (the server died), recording each id before it is sent
/// and again once acknowledged.
fn writer<F, Fut>(
    prefix: String,
    distinct: usize,
    ledger: Shared,
    mut write: F,
) -> tokio::task::JoinHandle<()>
where
    F: FnMut(String) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = Result<(), tonic::Status>> + Send,
{
    tokio::spawn(async move {
        for n in 0..MAX_WRITES {
            let id = format!("{prefix}-{:05}", n % distinct);
            ledger.lock().unwrap().sent.insert(id.clone());
            if write(id.clone()).await.is_err() {
                return;
            }
            ledger.lock().unwrap().acked.insert(id);
        }
    })
}

async fn list_all_candidates(client: &mut CandidateServiceClient<Channel>) -> BTreeSet<String> {
    let mut ids = BTreeSet::new();
    let mut token = String::new();
    loop {
        let page = client
            .list_candidates(pb::ListCandidatesRequest {
                page_size: 500,
                page_token: token,
            })
            .await
            .unwrap()
            .into_inner();
        ids.extend(page.candidates.into_iter().map(|c| c.id));
        if page.next_page_token.is_empty() {
            return ids;
        }
        token = page.next_page_token;
    }
}

async fn list_all_jobs(client: &mut JobServiceClient<Channel>) -> BTreeSet<String> {
    let mut ids = BTreeSet::new();
    let mut token = String::new();
    loop {
        let page = client
            .list_jobs(pb::ListJobsRequest {
                page_size: 500,
                page_token: token,
            })
            .await
            .unwrap()
            .into_inner();
        ids.extend(page.jobs.into_iter().map(|j| j.id));
        if page.next_page_token.is_empty() {
            return ids;
        }
        token = page.next_page_token;
    }
}

async fn list_test_credentials(client: &mut CatalogServiceClient<Channel>) -> BTreeSet<String> {
    let mut ids = BTreeSet::new();
    let mut token = String::new();
    loop {
        let page = client
            .list_credentials(pb::ListCredentialsRequest {
                page_size: 500,
                page_token: token,
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
        ids.extend(
            page.credentials
                .into_iter()
                .map(|c| c.id)
                .filter(|id| id.starts_with("crash-")),
        );
        if page.next_page_token.is_empty() {
            return ids;
        }
        token = page.next_page_token;
    }
}

/// The checks after a restart; `what` names the round for messages.
async fn verify(addr: &str, ledgers: &[(&str, &Shared)], what: &str) -> usize {
    let channel = connect(addr).await;
    let mut candidates = CandidateServiceClient::new(channel.clone());
    let mut jobs = JobServiceClient::new(channel.clone());
    let mut catalog = CatalogServiceClient::new(channel.clone());
    let mut matcher = MatchServiceClient::new(channel);
    let stored_candidates = list_all_candidates(&mut candidates).await;
    let stored_jobs = list_all_jobs(&mut jobs).await;
    let stored_credentials = list_test_credentials(&mut catalog).await;
    for (kind, ledger) in ledgers {
        let ledger = ledger.lock().unwrap();
        let stored = match *kind {
            "candidate" => &stored_candidates,
            "job" => &stored_jobs,
            _ => &stored_credentials,
        };
        let lost: Vec<_> = ledger.acked.difference(stored).collect();
        assert!(
            lost.is_empty(),
            "{what}: acknowledged {kind}s lost: {lost:?}"
        );
        let invented: Vec<_> = stored.difference(&ledger.sent).collect();
        assert!(
            invented.is_empty(),
            "{what}: {kind}s never sent: {invented:?}"
        );
    }
    // Every acknowledged record reads back whole, not only listed.
    let latest: Vec<String> = ledgers[0]
        .1
        .lock()
        .unwrap()
        .acked
        .iter()
        .rev()
        .take(20)
        .cloned()
        .collect();
    for id in &latest {
        let got = candidates
            .get_candidate(pb::GetCandidateRequest { id: id.clone() })
            .await
            .unwrap_or_else(|status| panic!("{what}: candidate {id}: {status}"));
        assert_eq!(got.into_inner().candidate.unwrap().competencies.len(), 1);
    }
    // The candidate index agrees with the store: each stored candidate (all
    // declare SQL) is ranked for a job needing SQL, and no other.
    let ranked: BTreeSet<String> = matcher
        .rank_candidates(pb::RankCandidatesRequest {
            job: Some(analyst_job()),
            top_k: 1000,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .rankings
        .into_iter()
        .map(|r| r.candidate_id)
        .collect();
    assert_eq!(
        ranked, stored_candidates,
        "{what}: ranked vs stored candidates"
    );
    // The credential index agrees with the store: every stored test
    // credential (all teach spreadsheets) is matched, and no erased one.
    let mut matched = BTreeSet::new();
    let mut token = String::new();
    loop {
        let page = matcher
            .match_credentials(pb::MatchCredentialsRequest {
                job: Some(analyst_job()),
                page_size: 100,
                page_token: token,
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
        matched.extend(
            page.matches
                .into_iter()
                .filter_map(|m| m.credential.map(|c| c.id))
                .filter(|id| id.starts_with("crash-")),
        );
        if page.next_page_token.is_empty() {
            break;
        }
        token = page.next_page_token;
    }
    assert_eq!(
        matched, stored_credentials,
        "{what}: matched vs stored credentials"
    );
    stored_candidates.len() + stored_jobs.len() + stored_credentials.len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn acknowledged_writes_survive_sigkill_at_random_moments() {
    let dir = tempfile::tempdir().unwrap();
    let candidates: Shared = Shared::default();
    let jobs: Shared = Shared::default();
    let credentials: Shared = Shared::default();
    let ledgers = [
        ("candidate", &candidates),
        ("job", &jobs),
        ("credential", &credentials),
    ];
    let mut rng = rand::rng();
    let mut stored = 0;
    for round in 0..ROUNDS {
        let server = spawn_binary(dir.path(), &["--log-level", "warn"]);
        let addr = server.addr.clone();
        if round > 0 {
            stored = verify(&addr, &ledgers, &format!("restart {round}")).await;
        }
        let channel = connect(&addr).await;
        let mut writers = Vec::new();
        for client in 0..2 {
            let api = CandidateServiceClient::new(channel.clone());
            writers.push(writer(
                format!("r{round}c{client}"),
                CANDIDATE_IDS,
                candidates.clone(),
                move |id| {
                    let mut person = candidate(&id, "", vec![declared(SQL, "2025-01-01")]);
                    person.cv_text = format!("{id} writes SQL queries.");
                    let request = pb::UpsertCandidateRequest {
                        candidate: Some(person),
                        cv_document: None,
                    };
                    let mut api = api.clone();
                    async move { api.upsert_candidate(request).await.map(|_| ()) }
                },
            ));
        }
        let api = JobServiceClient::new(channel.clone());
        writers.push(writer(
            format!("r{round}j"),
            MAX_WRITES,
            jobs.clone(),
            move |id| {
                let mut posting = analyst_job();
                posting.id = id;
                let mut api = api.clone();
                async move {
                    api.upsert_job(pb::UpsertJobRequest { job: Some(posting) })
                        .await
                        .map(|_| ())
                }
            },
        ));
        let api = CatalogServiceClient::new(channel.clone());
        writers.push(writer(
            format!("crash-r{round}"),
            MAX_WRITES,
            credentials.clone(),
            move |id| {
                let mut api = api.clone();
                async move {
                    api.upsert_credentials(pb::UpsertCredentialsRequest {
                        credentials: vec![fixtures::credential(&id)],
                    })
                    .await
                    .map(|_| ())
                }
            },
        ));
        // SIGKILL at a random moment while all of them are writing.
        let delay = rng.random_range(150..1200);
        tokio::time::sleep(Duration::from_millis(delay)).await;
        server.kill();
        for writer in writers {
            tokio::time::timeout(Duration::from_secs(30), writer)
                .await
                .expect("a writer hung after the kill")
                .unwrap();
        }
        let counts: Vec<String> = ledgers
            .iter()
            .map(|(kind, ledger)| {
                let ledger = ledger.lock().unwrap();
                format!("{kind}s {}/{}", ledger.acked.len(), ledger.sent.len())
            })
            .collect();
        eprintln!(
            "round {round}: SIGKILL after {delay} ms; acknowledged/sent so far: {}",
            counts.join(", ")
        );
    }
    let server = spawn_binary(dir.path(), &["--log-level", "warn"]);
    let addr = server.addr.clone();
    stored = stored.max(verify(&addr, &ledgers, "final restart").await);
    server.kill();
    let acked: usize = ledgers
        .iter()
        .map(|(_, ledger)| ledger.lock().unwrap().acked.len())
        .sum();
    assert!(
        acked > 0 && stored >= acked,
        "{acked} acknowledged, {stored} stored"
    );
}
