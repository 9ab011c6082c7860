//! The candidate index snapshot: loaded at open when it reflects the store,
//! rebuilt when missing, behind or corrupt, with identical rankings either
//! way; removed at delete and rewritten without the erased candidate. A
//! catalogue change re-derives the evidence of the candidates holding the
//! changed credential at once, and snapshots go on after it.

use std::path::Path;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use skillmatch::auth::{Authenticator, TenantId};
use skillmatch::domain::{
    AlignmentSource, Candidate, CredentialBatch, CredentialId, Date, DeclaredCompetency,
    HeldCredential, Importance, JobPosting, Microcredential, RecordId, RequiredCompetency,
    TaughtCompetency,
};
use skillmatch::engine::{
    CANDIDATE_SNAPSHOT_FILE, Engine, EngineConfig, JobSource, RankOutcome, RankQuery,
};
use skillmatch::taxonomy::CompetencyIdx;

pub(crate) fn tenant() -> TenantId {
    Authenticator::Open
        .authenticate(&tonic::metadata::MetadataMap::new())
        .unwrap()
        .tenant()
        .clone()
}

pub(crate) fn open(dir: &Path) -> (Engine, bool) {
    let config = EngineConfig::new(dir);
    let (engine, report) = Engine::open(&config).unwrap();
    (engine, report.candidate_snapshot_loaded)
}

fn uris(engine: &Engine) -> Vec<String> {
    let taxonomy = engine.taxonomy();
    (0..taxonomy.len())
        .map(|i| taxonomy.get(CompetencyIdx(i as u32)).uri.clone())
        .collect()
}

fn candidates(engine: &Engine, rng: &mut StdRng, from: usize, count: usize) -> Vec<Candidate> {
    let uris = uris(engine);
    let credentials: Vec<_> = engine
        .list_credentials(&Default::default(), None, 20)
        .0
        .into_iter()
        .map(|c| c.id.clone())
        .collect();
    (from..from + count)
        .map(|i| Candidate {
            id: RecordId::parse(&format!("person-{i:04}")).unwrap(),
            display_name: Some(format!("Person {i}")),
            credentials: (0..rng.random_range(0..3))
                .map(|_| {
                    let issued = 16_000 + rng.random_range(0..4000);
                    HeldCredential {
                        credential_id: Some(
                            credentials[rng.random_range(0..credentials.len())].clone(),
                        ),
                        title: String::new(),
                        issuer: String::new(),
                        issued: Some(Date::from_days(issued)),
                        expires: (rng.random_range(0..3) == 0)
                            .then(|| Date::from_days(issued + rng.random_range(300..3000))),
                        verified: rng.random_range(0..2) == 0,
                    }
                })
                .collect(),
            competencies: (0..rng.random_range(2..12))
                .map(|_| DeclaredCompetency {
                    uri: uris[rng.random_range(0..uris.len())].clone(),
                    last_used: Some(Date::from_days(15_000 + rng.random_range(0..5000))),
                    proficiency: None,
                })
                .collect(),
            cv_text: "Wrote SQL reports and managed a team.".into(),
            cv_competencies: Vec::new(),
        })
        .collect()
}

/// Every ranking of a few fixed jobs, with explanations, as text.
fn rankings(engine: &Engine) -> String {
    let uris = uris(engine);
    let mut rng = StdRng::seed_from_u64(99);
    (0..8)
        .map(|_| {
            let needed = (0..rng.random_range(2..7))
                .map(|_| uris[rng.random_range(0..uris.len())].clone())
                .collect();
            let outcome = rank_for_essentials(engine, needed, 15, true);
            format!("{:?} {:?}", outcome.ranked, outcome.names)
        })
        .collect()
}

fn snapshot(dir: &Path) -> std::path::PathBuf {
    dir.join(CANDIDATE_SNAPSHOT_FILE)
}

#[test]
fn a_current_snapshot_is_loaded_and_ranks_as_a_rebuilt_index() {
    let dir = tempfile::tempdir().unwrap();
    let mut rng = StdRng::seed_from_u64(1);
    let (engine, loaded) = open(dir.path());
    assert!(!loaded, "nothing to load in a new data directory");
    let batch = candidates(&engine, &mut rng, 0, 300);
    engine.upsert_candidates(&tenant(), batch).unwrap();
    let expected = rankings(&engine);
    assert!(expected.contains("person-"));
    drop(engine);
    assert!(snapshot(dir.path()).exists(), "closing writes the snapshot");

    let (engine, loaded) = open(dir.path());
    assert!(loaded, "the snapshot is current");
    assert_eq!(rankings(&engine), expected);
    drop(engine);

    std::fs::remove_file(snapshot(dir.path())).unwrap();
    let (engine, loaded) = open(dir.path());
    assert!(!loaded, "a missing snapshot means a rebuild");
    assert!(
        snapshot(dir.path()).exists(),
        "a rebuild writes the snapshot"
    );
    assert_eq!(rankings(&engine), expected);
}

/// Copies a data directory as a crash would leave it: every committed
/// write is on disk, nothing done at close is.
fn crash_image(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            crash_image(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[test]
fn a_snapshot_behind_the_store_is_brought_up_to_date_from_the_change_log() {
    let dir = tempfile::tempdir().unwrap();
    let mut rng = StdRng::seed_from_u64(2);
    let (engine, _) = open(dir.path());
    engine
        .upsert_candidates(&tenant(), candidates(&engine, &mut rng, 0, 200))
        .unwrap();
    assert!(engine.save_candidate_snapshot().unwrap());
    let old = std::fs::read(snapshot(dir.path())).unwrap();
    // Changes the snapshot does not hold: replaced and new candidates.
    engine
        .upsert_candidates(&tenant(), candidates(&engine, &mut rng, 150, 100))
        .unwrap();
    let expected = rankings(&engine);
    // The process dies here, before it could write a new snapshot.
    let crashed = tempfile::tempdir().unwrap();
    crash_image(dir.path(), crashed.path());
    drop(engine);

    let (engine, loaded) = open(crashed.path());
    assert!(loaded, "the snapshot is loaded and the changes re-read");
    assert_eq!(rankings(&engine), expected);
    drop(engine);
    std::fs::remove_file(snapshot(crashed.path())).unwrap();
    let (engine, loaded) = open(crashed.path());
    assert!(!loaded);
    assert_eq!(rankings(&engine), expected, "as a rebuilt index");

    // Where the process closed cleanly, the newer snapshot pruned the log:
    // the old snapshot, put back, cannot be brought up to date.
    std::fs::write(snapshot(dir.path()), old).unwrap();
    let (engine, loaded) = open(dir.path());
    assert!(!loaded, "an older snapshot than the log reaches is rebuilt");
    assert_eq!(rankings(&engine), expected);
}

#[test]
fn a_snapshot_older_than_a_deletion_is_not_replayed_but_rebuilt() {
    let dir = tempfile::tempdir().unwrap();
    let mut rng = StdRng::seed_from_u64(5);
    let (engine, _) = open(dir.path());
    engine
        .upsert_candidates(&tenant(), candidates(&engine, &mut rng, 0, 120))
        .unwrap();
    assert!(engine.save_candidate_snapshot().unwrap());
    let old = std::fs::read(snapshot(dir.path())).unwrap();
    let gone = RecordId::parse("person-0003").unwrap();
    engine.delete_candidate(&tenant(), &gone).unwrap();
    engine
        .upsert_candidates(&tenant(), candidates(&engine, &mut rng, 100, 40))
        .unwrap();
    let expected = rankings(&engine);
    drop(engine);
    // As if the process had died between the deletion's commit and the
    // removal of the snapshot: the log no longer reaches back to it.
    std::fs::write(snapshot(dir.path()), old).unwrap();

    let (engine, loaded) = open(dir.path());
    assert!(!loaded, "a snapshot from before a deletion is never used");
    assert_eq!(rankings(&engine), expected);
}

#[test]
fn a_corrupt_snapshot_is_ignored_and_rebuilt() {
    let dir = tempfile::tempdir().unwrap();
    let mut rng = StdRng::seed_from_u64(3);
    let (engine, _) = open(dir.path());
    engine
        .upsert_candidates(&tenant(), candidates(&engine, &mut rng, 0, 200))
        .unwrap();
    let expected = rankings(&engine);
    drop(engine);
    let mut bytes = std::fs::read(snapshot(dir.path())).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x01;
    std::fs::write(snapshot(dir.path()), &bytes).unwrap();

    let (engine, loaded) = open(dir.path());
    assert!(!loaded, "a corrupt snapshot is not loaded");
    assert_eq!(rankings(&engine), expected);
    drop(engine);
    let (_engine, loaded) = open(dir.path());
    assert!(loaded, "the rebuild replaced the corrupt snapshot");
}

#[test]
fn deleting_a_candidate_removes_the_snapshot_until_it_is_rewritten_without_them() {
    let dir = tempfile::tempdir().unwrap();
    let mut rng = StdRng::seed_from_u64(4);
    let (engine, _) = open(dir.path());
    let mut batch = candidates(&engine, &mut rng, 0, 50);
    batch[7].id = RecordId::parse("erasable-zq8x").unwrap();
    engine.upsert_candidates(&tenant(), batch).unwrap();
    assert!(engine.save_candidate_snapshot().unwrap());
    let holds = |path: &Path| {
        std::fs::read(path)
            .unwrap()
            .windows(b"erasable-zq8x".len())
            .any(|w| w == b"erasable-zq8x")
    };
    assert!(holds(&snapshot(dir.path())), "the snapshot holds the id");

    let id = RecordId::parse("erasable-zq8x").unwrap();
    engine.delete_candidate(&tenant(), &id).unwrap();
    assert!(
        !snapshot(dir.path()).exists(),
        "deleting removes the snapshot"
    );
    let expected = rankings(&engine);
    assert!(!expected.contains("erasable-zq8x"));
    drop(engine);
    assert!(!holds(&snapshot(dir.path())), "the new snapshot lacks them");

    let (engine, loaded) = open(dir.path());
    assert!(loaded);
    assert_eq!(rankings(&engine), expected);
}

/// The candidates ranked for a job needing `uri` alone, with their scores.
fn ranked_for(engine: &Engine, uri: &str) -> Vec<(String, u64)> {
    rank_for_essentials(engine, vec![uri.to_owned()], 1000, false)
        .ranked
        .iter()
        .map(|r| (r.profile.id.to_string(), r.assessment.score.to_bits()))
        .collect()
}

/// The tenant's candidates ranked for an inline job needing `uris`, each essential.
fn rank_for_essentials(
    engine: &Engine,
    uris: Vec<String>,
    top_k: usize,
    with_names: bool,
) -> RankOutcome {
    let job = JobPosting {
        competencies: uris
            .into_iter()
            .map(|uri| RequiredCompetency {
                uri,
                importance: Importance::Essential,
                min_proficiency: None,
            })
            .collect(),
        ..JobPosting::default()
    };
    let query = RankQuery {
        job: JobSource::Inline(job),
        candidate_ids: Vec::new(),
        top_k,
        as_of: Date::parse("2026-06-01").unwrap(),
        with_names,
    };
    engine.rank_candidates(&tenant(), &query).unwrap()
}

pub(crate) fn ranks(engine: &Engine, uri: &str, id: &str) -> bool {
    ranked_for(engine, uri)
        .iter()
        .any(|(ranked, _)| ranked == id)
}

/// `credential` teaching exactly `uri` (plus what its text yields).
pub(crate) fn teaching(credential: &Microcredential, uri: &str) -> Microcredential {
    Microcredential {
        competencies: vec![TaughtCompetency {
            uri: uri.to_owned(),
            proficiency: None,
            assessed: false,
            source: AlignmentSource::Provider,
            resolved_from: None,
        }],
        ..credential.clone()
    }
}

pub(crate) fn upsert_credential(engine: &Engine, credential: Microcredential) {
    engine
        .upsert_credentials(CredentialBatch::new(vec![credential]).unwrap())
        .unwrap();
}

/// A candidate holding `credential` by id, with nothing else that could
/// evidence `avoid`.
pub(crate) fn holder(
    engine: &Engine,
    id: &str,
    credential: &CredentialId,
    avoid: &str,
) -> Candidate {
    let declared = uris(engine).into_iter().find(|u| u != avoid).unwrap();
    Candidate {
        id: RecordId::parse(id).unwrap(),
        display_name: None,
        credentials: vec![HeldCredential {
            credential_id: Some(credential.clone()),
            title: String::new(),
            issuer: String::new(),
            issued: Some(Date::parse("2025-01-01").unwrap()),
            expires: None,
            verified: true,
        }],
        competencies: vec![DeclaredCompetency {
            uri: declared,
            last_used: None,
            proficiency: None,
        }],
        cv_text: String::new(),
        cv_competencies: Vec::new(),
    }
}

/// A new credential cloned from the first sample one, as stored, and a
/// competency it does not teach.
pub(crate) fn new_credential(engine: &Engine, id: &str) -> (Microcredential, String) {
    let sample = engine.list_credentials(&Default::default(), None, 1).0;
    let credential = Microcredential {
        id: CredentialId::parse(id).unwrap(),
        ..(*sample[0]).clone()
    };
    upsert_credential(engine, credential.clone());
    let stored = (*engine.credential(&credential.id).unwrap()).clone();
    let untaught = uris(engine)
        .into_iter()
        .rev()
        .find(|u| stored.competencies.iter().all(|t| &t.uri != u))
        .unwrap();
    engine.delete_credential(&stored.id).unwrap();
    (stored, untaught)
}

#[test]
fn a_holder_ranks_for_what_their_credential_teaches_now_without_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let mut rng = StdRng::seed_from_u64(6);
    let (engine, _) = open(dir.path());
    let (original, x) = new_credential(&engine, "snap-cred");
    // Held by id before the catalogue has it, among others who do not hold it.
    let mut batch = candidates(&engine, &mut rng, 0, 60);
    batch.push(holder(&engine, "the-holder", &original.id, &x));
    engine.upsert_candidates(&tenant(), batch).unwrap();
    assert!(
        !ranks(&engine, &x, "the-holder"),
        "nothing evidences it yet"
    );

    upsert_credential(&engine, teaching(&original, &x));
    assert!(
        ranks(&engine, &x, "the-holder"),
        "the credential teaches it now"
    );
    upsert_credential(&engine, original.clone());
    assert!(!ranks(&engine, &x, "the-holder"), "changed back");
    upsert_credential(&engine, teaching(&original, &x));
    assert!(ranks(&engine, &x, "the-holder"));
    engine.delete_credential(&original.id).unwrap();
    assert!(!ranks(&engine, &x, "the-holder"), "deleted");
}

#[test]
fn after_a_catalogue_change_a_snapshot_is_written_and_a_restart_loads_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut rng = StdRng::seed_from_u64(7);
    let (engine, _) = open(dir.path());
    let (original, x) = new_credential(&engine, "snap-cred");
    let mut batch = candidates(&engine, &mut rng, 0, 150);
    for n in 0..5 {
        batch.push(holder(&engine, &format!("holder-{n}"), &original.id, &x));
    }
    engine.upsert_candidates(&tenant(), batch).unwrap();
    assert!(engine.save_candidate_snapshot().unwrap());
    let before = ranked_for(&engine, &x);

    upsert_credential(&engine, teaching(&original, &x));
    assert!(
        engine.save_candidate_snapshot().unwrap(),
        "a snapshot follows the catalogue change"
    );
    let expected = (rankings(&engine), ranked_for(&engine, &x));
    assert_ne!(expected.1, before, "the holders rank for it now");
    // Candidates who do not hold the credential rank as they did.
    let others = |ranked: &[(String, u64)]| -> Vec<(String, u64)> {
        ranked
            .iter()
            .filter(|(id, _)| !id.starts_with("holder-"))
            .cloned()
            .collect()
    };
    assert_eq!(others(&expected.1), others(&before));
    // The process dies here; only what was written survives.
    let crashed = tempfile::tempdir().unwrap();
    crash_image(dir.path(), crashed.path());
    drop(engine);

    let (engine, loaded) = open(crashed.path());
    assert!(loaded, "the snapshot taken after the change is loaded");
    assert_eq!((rankings(&engine), ranked_for(&engine, &x)), expected);
    engine.delete_credential(&original.id).unwrap();
    let expected = (rankings(&engine), ranked_for(&engine, &x));
    assert_eq!(expected.1, before, "deleted: as before it taught it");
    drop(engine);

    let (engine, loaded) = open(crashed.path());
    assert!(loaded, "closing after the deletion wrote a snapshot");
    assert_eq!((rankings(&engine), ranked_for(&engine, &x)), expected);
    drop(engine);
    std::fs::remove_file(snapshot(crashed.path())).unwrap();
    let (engine, loaded) = open(crashed.path());
    assert!(!loaded);
    assert_eq!(
        (rankings(&engine), ranked_for(&engine, &x)),
        expected,
        "as a rebuilt index"
    );
}

#[test]
fn candidate_writes_racing_credential_changes_end_as_a_rebuilt_index() {
    let dir = tempfile::tempdir().unwrap();
    let (engine, _) = open(dir.path());
    let (original, x) = new_credential(&engine, "snap-cred");
    std::thread::scope(|scope| {
        scope.spawn(|| {
            for round in 0..40 {
                let batch = (0..10)
                    .map(|n| holder(&engine, &format!("holder-{round}-{n}"), &original.id, &x))
                    .collect();
                engine.upsert_candidates(&tenant(), batch).unwrap();
            }
        });
        scope.spawn(|| {
            for round in 0..41 {
                match round % 2 {
                    0 => upsert_credential(&engine, teaching(&original, &x)),
                    _ => upsert_credential(&engine, original.clone()),
                }
            }
        });
    });
    let live = ranked_for(&engine, &x);
    assert_eq!(
        live.len(),
        400,
        "every holder ranks: the credential teaches it"
    );
    assert!(engine.save_candidate_snapshot().unwrap());
    drop(engine);
    std::fs::remove_file(snapshot(dir.path())).unwrap();
    let (engine, loaded) = open(dir.path());
    assert!(!loaded);
    assert_eq!(ranked_for(&engine, &x), live, "as a rebuilt index");
}
