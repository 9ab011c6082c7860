//! The candidate index snapshot: loaded at open when it reflects the store,
//! rebuilt when missing, behind or corrupt, with identical rankings either
//! way; removed at delete and rewritten without the erased candidate.

use std::path::Path;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use skillmatch::auth::{Authenticator, TenantId};
use skillmatch::domain::{
    Candidate, Date, DeclaredCompetency, HeldCredential, Importance, JobPosting, RecordId,
    RequiredCompetency,
};
use skillmatch::engine::{CANDIDATE_SNAPSHOT_FILE, Engine, EngineConfig, JobSource, RankQuery};
use skillmatch::taxonomy::CompetencyIdx;

fn tenant() -> TenantId {
    Authenticator::Open
        .authenticate(&tonic::metadata::MetadataMap::new())
        .unwrap()
        .tenant()
        .clone()
}

fn open(dir: &Path) -> (Engine, bool) {
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
            let job = JobPosting {
                competencies: (0..rng.random_range(2..7))
                    .map(|_| RequiredCompetency {
                        uri: uris[rng.random_range(0..uris.len())].clone(),
                        importance: Importance::Essential,
                        min_proficiency: None,
                    })
                    .collect(),
                ..JobPosting::default()
            };
            let query = RankQuery {
                job: JobSource::Inline(job),
                candidate_ids: Vec::new(),
                top_k: 15,
                as_of: Date::parse("2026-06-01").unwrap(),
                with_names: true,
            };
            let outcome = engine.rank_candidates(&tenant(), &query).unwrap();
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
