//! Imports the real ESCO v1.1.1 and O*NET 29.3 releases from ../shared/data (or the folder
//! named by `SKILLMATCH_SHARED_DATA`) when it is there (skips with a message
//! otherwise): read, store, reload, and serve lookups
//! from the reloaded taxonomy. Timing is measured by
//! `cargo bench --bench taxonomy_import`, not here.

use std::path::{Path, PathBuf};

use skillmatch::engine::{Engine, EngineConfig};
use skillmatch::extract::ExtractOptions;
use skillmatch::taxonomy::InstalledTaxonomies;
use skillmatch::taxonomy::import::{read_esco_part, read_onet_part};
use skillmatch::taxonomy::onet::{self, occupation_uri};

fn shared_data() -> PathBuf {
    std::env::var_os("SKILLMATCH_SHARED_DATA").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data"),
        PathBuf::from,
    )
}

#[test]
fn real_esco_release_imports_and_reloads_its_snapshot() {
    let release = shared_data().join("esco-v1.1.1");
    if !release.exists() {
        eprintln!("skipping: {} is absent", release.display());
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let installed = InstalledTaxonomies::new(dir.path());
    let part = read_esco_part(&release, "v1.1.1").unwrap();
    assert_eq!(part.competencies.len(), 13_896);
    assert_eq!(part.occupations.len(), 3_007);
    let (_, changed) = installed.install(&part).unwrap();
    assert!(changed);
    let (_, changed) = installed.install(&part).unwrap();
    assert!(!changed, "importing the same release again changes nothing");
    assert_eq!(installed.load(&part.version).unwrap(), part);
}

/// Serving lookups from a data directory holding the real release. Building
/// the label index of 14k concepts is slow in a debug build, so this runs on
/// request: `cargo test --release --test real_taxonomy_import -- --ignored`.
#[test]
#[ignore = "slow in debug builds; run with --release -- --ignored"]
fn real_esco_release_serves_after_restart() {
    let release = shared_data().join("esco-v1.1.1");
    if !release.exists() {
        eprintln!("skipping: {} is absent", release.display());
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let part = read_esco_part(&release, "v1.1.1").unwrap();
    InstalledTaxonomies::new(dir.path()).install(&part).unwrap();
    let (engine, report) = Engine::open(&EngineConfig::new(dir.path())).unwrap();
    assert_eq!(report.taxonomies.last(), Some(&part.version));
    assert!(report.competencies >= 13_896);
    assert_eq!(report.occupations, 3_007);
    let taxonomy = engine.taxonomy();
    assert_eq!(taxonomy.primary_version(), &part.version);
    let python = taxonomy
        .by_uri("http://data.europa.eu/esco/skill/ccd0a1d9-afda-43d9-b901-96344886e14d")
        .unwrap();
    assert_eq!(python.preferred_label, "Python (computer programming)");
    let hits = engine
        .search_competencies("python", &Default::default(), 5)
        .unwrap();
    assert!(
        hits.iter().any(|hit| taxonomy
            .get(hit.competency)
            .preferred_label
            .contains("Python")),
        "{hits:?}"
    );
    let found = engine.extract(
        "We are looking for a data analyst who knows Python and SQL.",
        &ExtractOptions::default(),
    );
    assert!(!found.is_empty());
    let occupations = engine.infer_occupations("software developer", 3);
    assert!(
        occupations
            .iter()
            .any(|o| taxonomy.occupations()[o.occupation].preferred_label == "software developer"),
        "{occupations:?}"
    );
    // The occupation prior (how often vacancy titles name an occupation)
    // must not take first place from an occupation whose preferred label is
    // the whole title, also where the title segmentation splits the label
    // ("fruit and vegetable preserver", "waiter/waitress", the HVAC
    // drafter's).
    let displaced: Vec<&str> = taxonomy
        .occupations()
        .iter()
        .enumerate()
        .filter(|(at, o)| {
            engine
                .infer_occupations(&o.preferred_label, 1)
                .first()
                .is_none_or(|first| first.occupation != *at)
        })
        .map(|(_, o)| o.preferred_label.as_str())
        .collect();
    assert!(displaced.is_empty(), "{displaced:?}");
}

#[test]
fn real_onet_release_imports_with_the_crosswalk() {
    let data = shared_data();
    let (release, crosswalk) = (
        data.join("onet-29.3"),
        data.join("esco-onet-crosswalk/crosswalk_esco_onet.csv"),
    );
    if !release.exists() || !crosswalk.exists() {
        eprintln!(
            "skipping: {} or {} is absent",
            release.display(),
            crosswalk.display()
        );
        return;
    }
    let part = read_onet_part(&release, "29.3", Some(&crosswalk)).unwrap();
    assert_eq!(part.occupations.len(), 1_016);
    let linked = part
        .occupations
        .iter()
        .filter(|o| !o.linked.is_empty())
        .count();
    assert_eq!(linked, 940, "O*NET codes named by the crosswalk");
    let developers = part
        .occupations
        .iter()
        .find(|o| o.uri == occupation_uri("15-1252.00"))
        .unwrap();
    assert_eq!(developers.preferred_label, "Software Developers");
    assert!(developers.alt_labels.len() > 20);
    assert!(developers.description.contains("Tasks:"));
    assert!(!developers.optional.is_empty(), "technology skills");
    let executives = part
        .occupations
        .iter()
        .find(|o| o.uri == occupation_uri("11-1011.00"))
        .unwrap();
    assert!(
        !executives.essential.is_empty(),
        "rated skills and knowledge"
    );
    assert_eq!(
        executives.importance.len(),
        35 + 33,
        "every element rated once"
    );
    let technologies = part
        .competencies
        .iter()
        .filter(|c| onet::is_technology_uri(&c.uri))
        .count();
    assert_eq!(
        technologies, 8_734,
        "distinct technology examples, less the 41 named as a commodity"
    );
    let labels: std::collections::HashSet<String> = part
        .competencies
        .iter()
        .filter(|c| c.uri.starts_with("urn:onet:"))
        .map(|c| skillmatch::text::normalize(&c.preferred_label))
        .collect();
    assert_eq!(
        labels.len(),
        part.competencies
            .iter()
            .filter(|c| c.uri.starts_with("urn:onet:"))
            .count(),
        "no two technology skills or commodities share a label"
    );
    let dir = tempfile::tempdir().unwrap();
    let installed = InstalledTaxonomies::new(dir.path());
    installed.install(&part).unwrap();
    assert_eq!(installed.load(&part.version).unwrap(), part);
}
