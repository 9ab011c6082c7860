//! The posting-list index against the straightforward scan on random pools
//! (seeded): the same candidates, in the same order, with the same scores,
//! after random puts, replacements and removals, in several tenants; and its
//! snapshot, which must load to an index that ranks the same.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sha2::Digest as _;

use super::*;
use crate::auth::{KeyRing, TenantId};
use crate::domain::{
    CredentialId, Date, Importance, JobPosting, Proficiency, RecordId, RequiredCompetency,
};
use crate::needs::JobNeed;
use crate::taxonomy::{CompetencyIdx, Taxonomy, load_sample};

const CUSTOM: [&str; 2] = ["urn:custom:one", "urn:custom:two"];

fn tenants() -> Vec<TenantId> {
    let mut text = String::new();
    for (key, tenant) in [("key-a", "tenant-a"), ("key-b", "tenant-b")] {
        let digest = hex::encode(sha2::Sha256::digest(key.as_bytes()));
        text.push_str(&format!(
            "[[keys]]\nsha256 = \"{digest}\"\ntenant = \"{tenant}\"\nrole = \"read\"\n"
        ));
    }
    let ring = KeyRing::parse(&text).unwrap();
    ["key-a", "key-b"]
        .iter()
        .map(|key| ring.caller(key).unwrap().tenant().clone())
        .collect()
}

fn uri(rng: &mut StdRng, taxonomy: &Taxonomy) -> String {
    if rng.random_range(0..12) == 0 {
        CUSTOM[rng.random_range(0..CUSTOM.len())].to_owned()
    } else {
        let idx = CompetencyIdx(rng.random_range(0..taxonomy.len() as u32));
        taxonomy.get(idx).uri.clone()
    }
}

fn level(rng: &mut StdRng) -> Option<Proficiency> {
    [
        None,
        Some(Proficiency::Basic),
        Some(Proficiency::Advanced),
        Some(Proficiency::Expert),
    ][rng.random_range(0..4)]
}

fn profile(rng: &mut StdRng, taxonomy: &Taxonomy, id: usize) -> CandidateProfile {
    let kinds = [
        EvidenceKind::VerifiedCredential,
        EvidenceKind::AssessedCredential,
        EvidenceKind::Credential,
        EvidenceKind::Declared,
        EvidenceKind::CvText,
    ];
    let evidence = (0..rng.random_range(0..20))
        .map(|_| {
            let uri = uri(rng, taxonomy);
            Evidence {
                idx: taxonomy.idx(&uri),
                uri,
                kind: kinds[rng.random_range(0..kinds.len())],
                source: String::new(),
                dated: (rng.random_range(0..4) > 0)
                    .then(|| Date::from_days(14_000 + rng.random_range(0..7000))),
                expires: (rng.random_range(0..3) == 0)
                    .then(|| Date::from_days(19_000 + rng.random_range(0..3000))),
                proficiency: level(rng),
            }
        })
        .collect();
    CandidateProfile {
        id: RecordId::parse(&format!("c{id:05}")).unwrap(),
        evidence,
        credentials: (0..rng.random_range(0..4))
            .map(|_| credential(rng.random_range(0..CREDENTIALS)))
            .collect(),
    }
}

/// Credentials the random candidates hold, from `cred-0` up.
const CREDENTIALS: usize = 12;

fn credential(n: usize) -> CredentialId {
    CredentialId::parse(&format!("cred-{n}")).unwrap()
}

/// A random job, compiled, with its needs and minimums.
fn job(rng: &mut StdRng, taxonomy: &Taxonomy) -> (JobPlan, Vec<JobNeed>, JobPosting) {
    let required: Vec<RequiredCompetency> = (0..1 + rng.random_range(0..8))
        .map(|_| RequiredCompetency {
            uri: uri(rng, taxonomy),
            importance: if rng.random_range(0..3) == 0 {
                Importance::Optional
            } else {
                Importance::Essential
            },
            min_proficiency: level(rng),
        })
        .collect();
    let needs: Vec<JobNeed> = required
        .iter()
        .map(|r| JobNeed::explicit(taxonomy, r))
        .collect();
    let job = JobPosting {
        competencies: required,
        ..JobPosting::default()
    };
    let as_of = Date::from_days(19_000 + rng.random_range(0..3000));
    (JobPlan::new(taxonomy, &job, &needs, as_of), needs, job)
}

/// Both indexes over the same random pool of two tenants, after random
/// replacements and removals.
fn pools(
    rng: &mut StdRng,
    taxonomy: &Taxonomy,
    tenants: &[TenantId],
) -> (
    MemoryCandidateIndex,
    ScanCandidateIndex,
    Vec<CandidateProfile>,
) {
    let fast = MemoryCandidateIndex::new(taxonomy.len());
    let scan = ScanCandidateIndex::new(taxonomy.len());
    let mut live = Vec::new();
    for id in 0..700 {
        let tenant = &tenants[id % 2];
        let candidate = profile(rng, taxonomy, id);
        fast.put(tenant, &candidate);
        scan.put(tenant, &candidate);
        live.push(candidate);
    }
    for _ in 0..300 {
        let id = rng.random_range(0..700);
        let tenant = &tenants[id % 2];
        if rng.random_range(0..2) == 0 {
            fast.remove(tenant, &live[id].id);
            scan.remove(tenant, &live[id].id);
        } else {
            let candidate = profile(rng, taxonomy, id);
            fast.put(tenant, &candidate);
            scan.put(tenant, &candidate);
            live[id] = candidate;
        }
    }
    (fast, scan, live)
}

/// The same ids in the same order with bit-identical scores.
fn assert_same(fast: &[(RecordId, f64)], scan: &[(RecordId, f64)], what: &str) {
    assert_eq!(fast.len(), scan.len(), "{what}: lengths differ");
    for (i, (f, s)) in fast.iter().zip(scan).enumerate() {
        assert_eq!(f.0, s.0, "{what}: rank {i}");
        assert_eq!(f.1.to_bits(), s.1.to_bits(), "{what}: score at rank {i}");
    }
}

fn compare(
    fast: &dyn CandidateIndex,
    scan: &dyn CandidateIndex,
    tenants: &[TenantId],
    rng: &mut StdRng,
    taxonomy: &Taxonomy,
    live: &[CandidateProfile],
) {
    for round in 0..60 {
        let (plan, needs, posting) = job(rng, taxonomy);
        let tenant = &tenants[round % 2];
        for limit in [0, 1, 7, 40, 1000] {
            let what = format!("round {round}, top {limit}");
            let f = fast.top(tenant, &plan, Pool::WithEvidence, limit);
            let s = scan.top(tenant, &plan, Pool::WithEvidence, limit);
            assert_same(&f, &s, &what);
            // The score is the one the explanation gives.
            let minimums = min_proficiencies(&posting, &needs);
            for (id, score) in &f {
                let full = live.iter().find(|p| &p.id == id).unwrap();
                let assessed = assess(taxonomy, &needs, &minimums, full, plan.as_of);
                assert!((assessed.score - score).abs() < 1e-12, "{what}: {id}");
            }
        }
        let only: Vec<RecordId> = (0..rng.random_range(1..60))
            .map(|_| live[rng.random_range(0..live.len())].id.clone())
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        let what = format!("round {round}, listed");
        let f = fast.top(tenant, &plan, Pool::Listed(&only), 25);
        let s = scan.top(tenant, &plan, Pool::Listed(&only), 25);
        assert_same(&f, &s, &what);
        for tenant in tenants {
            assert_eq!(fast.count(tenant), scan.count(tenant));
        }
        let held: Vec<CredentialId> = (0..rng.random_range(0..4))
            .map(|_| credential(rng.random_range(0..CREDENTIALS + 2)))
            .collect();
        let mut expected: Vec<(String, RecordId)> = live
            .iter()
            .enumerate()
            .filter(|(i, p)| fast.contains(&tenants[i % 2], &p.id))
            .filter(|(_, p)| p.credentials.iter().any(|id| held.contains(id)))
            .map(|(i, p)| (tenants[i % 2].as_str().to_owned(), p.id.clone()))
            .collect();
        expected.sort();
        assert_eq!(fast.holders(&held), expected, "round {round}: {held:?}");
        assert_eq!(scan.holders(&held), expected, "round {round}: {held:?}");
    }
}

#[test]
fn posting_lists_rank_exactly_as_the_full_scan() {
    let taxonomy = load_sample().unwrap();
    let tenants = tenants();
    let mut rng = StdRng::seed_from_u64(0x5ca1_ab1e);
    for _pool in 0..3 {
        let (fast, scan, live) = pools(&mut rng, &taxonomy, &tenants);
        compare(&fast, &scan, &tenants, &mut rng, &taxonomy, &live);
    }
}

#[test]
fn a_loaded_snapshot_ranks_exactly_as_the_index_it_was_saved_from() {
    let taxonomy = load_sample().unwrap();
    let tenants = tenants();
    let mut rng = StdRng::seed_from_u64(0x0005_a9e5);
    let (fast, scan, live) = pools(&mut rng, &taxonomy, &tenants);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("snapshot");
    assert!(fast.save_snapshot(&path, b"stamp-1").unwrap());
    assert!(!snapshot_temporary_path(&path).exists());
    let loaded = MemoryCandidateIndex::load_snapshot(&path, b"stamp-1", taxonomy.len())
        .unwrap()
        .expect("a current snapshot loads");
    compare(&loaded, &scan, &tenants, &mut rng, &taxonomy, &live);
    // It goes on changing like the index it came from.
    let changed = profile(&mut rng, &taxonomy, 3);
    loaded.put(&tenants[1], &changed);
    scan.put(&tenants[1], &changed);
    loaded.remove(&tenants[0], &live[10].id);
    scan.remove(&tenants[0], &live[10].id);
    let mut live = live;
    live[3] = changed;
    compare(&loaded, &scan, &tenants, &mut rng, &taxonomy, &live);
}

#[test]
fn a_snapshot_of_another_stamp_or_taxonomy_is_not_loaded() {
    let taxonomy = load_sample().unwrap();
    let tenants = tenants();
    let mut rng = StdRng::seed_from_u64(7);
    let (fast, _, _) = pools(&mut rng, &taxonomy, &tenants);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("snapshot");
    let missing = MemoryCandidateIndex::load_snapshot(&path, b"stamp", taxonomy.len()).unwrap();
    assert!(missing.is_none());
    fast.save_snapshot(&path, b"stamp").unwrap();
    let behind = MemoryCandidateIndex::load_snapshot(&path, b"stamp+1", taxonomy.len()).unwrap();
    assert!(behind.is_none());
    let other = MemoryCandidateIndex::load_snapshot(&path, b"stamp", taxonomy.len() + 1).unwrap();
    assert!(other.is_none());
}

#[test]
fn a_corrupt_or_cut_snapshot_is_an_error() {
    let taxonomy = load_sample().unwrap();
    let tenants = tenants();
    let mut rng = StdRng::seed_from_u64(8);
    let (fast, _, _) = pools(&mut rng, &taxonomy, &tenants);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("snapshot");
    fast.save_snapshot(&path, b"stamp").unwrap();
    let bytes = std::fs::read(&path).unwrap();
    for position in [0, 9, bytes.len() / 3, bytes.len() / 2, bytes.len() - 1] {
        let mut flipped = bytes.clone();
        flipped[position] ^= 0x40;
        std::fs::write(&path, &flipped).unwrap();
        let read = MemoryCandidateIndex::load_snapshot(&path, b"stamp", taxonomy.len());
        assert!(read.is_err(), "a flipped byte at {position} is caught");
    }
    for len in [0, 20, bytes.len() / 2, bytes.len() - 1] {
        std::fs::write(&path, &bytes[..len]).unwrap();
        let read = MemoryCandidateIndex::load_snapshot(&path, b"stamp", taxonomy.len());
        assert!(read.is_err(), "a snapshot cut at {len} bytes is caught");
    }
}

/// Evidence of `uri` of a kind, dated `as_of` or undated.
fn piece(taxonomy: &Taxonomy, uri: &str, kind: EvidenceKind, dated: Option<Date>) -> Evidence {
    Evidence {
        idx: taxonomy.idx(uri),
        uri: uri.to_owned(),
        kind,
        source: String::new(),
        dated,
        expires: None,
        proficiency: None,
    }
}

#[test]
fn blocks_that_cannot_reach_the_top_are_skipped_with_the_same_result() {
    let taxonomy = load_sample().unwrap();
    let tenant = &tenants()[0];
    let mut rng = StdRng::seed_from_u64(0x0b10_c4ed);
    let (plan, _, job) = job(&mut rng, &taxonomy);
    let uris: Vec<&str> = job
        .competencies
        .iter()
        .map(|c| c.uri.as_str())
        .filter(|uri| taxonomy.idx(uri).is_some())
        .collect();
    assert!(!uris.is_empty(), "the seed gives a job with taxonomy needs");
    let mut postings = super::tenant::TenantPostings::default();
    let scan = ScanCandidateIndex::new(taxonomy.len());
    let blocks = 12;
    // Weak evidence (CV text, undated, some needs only) in every block but
    // the last, whose candidates hold fresh verified credentials for all.
    for id in 0..blocks * super::postings::BLOCK {
        let strong = id >= (blocks - 1) * super::postings::BLOCK;
        let evidence = uris
            .iter()
            .filter(|_| strong || rng.random_range(0..2) == 0)
            .map(|uri| match strong {
                true => piece(
                    &taxonomy,
                    uri,
                    EvidenceKind::VerifiedCredential,
                    Some(plan.as_of),
                ),
                false => piece(&taxonomy, uri, EvidenceKind::CvText, None),
            })
            .collect();
        let candidate = CandidateProfile {
            id: RecordId::parse(&format!("c{id:05}")).unwrap(),
            evidence,
            credentials: Vec::new(),
        };
        scan.put(tenant, &candidate);
        postings.put(&CompactProfile::new(&candidate, |_| u32::MAX), &[]);
    }
    let query = super::index::query(&plan, &std::collections::HashMap::new());
    // How many blocks parallel workers score depends on their timing (a
    // worker may score weak blocks while another is still on the strong
    // one); one worker takes them strictly best bound first, so the count
    // of skipped blocks is exact there.
    let one_worker = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    for limit in [1, 10, super::postings::BLOCK] {
        let (fast, scored) = one_worker.install(|| postings.top_counted(&query, limit));
        let expected = scan.top(tenant, &plan, Pool::WithEvidence, limit);
        assert_same(&fast, &expected, &format!("top {limit}"));
        assert!(
            scored < blocks,
            "top {limit}: {scored} of {blocks} blocks scored"
        );
    }
    // Past one block's worth, weak candidates enter and every block counts.
    let limit = 3 * super::postings::BLOCK;
    let (fast, scored) = postings.top_counted(&query, limit);
    assert_same(
        &fast,
        &scan.top(tenant, &plan, Pool::WithEvidence, limit),
        "top 3 blocks",
    );
    assert_eq!(scored, blocks, "top {limit}");
}
