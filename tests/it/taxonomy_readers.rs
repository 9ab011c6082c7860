//! The release readers on the hand-made fixtures in tests/fixtures.

use crate::support::fixtures::fixture;

use skillmatch::domain::{Competency, CompetencyKind};
use skillmatch::taxonomy::crosswalk::read_crosswalk;
use skillmatch::taxonomy::esco::read_esco_dir;
use skillmatch::taxonomy::import::{read_esco_part, read_onet_part};
use skillmatch::taxonomy::onet::{
    OnetRelease, element_uri, occupation_uri, read_onet_dir, technology_uri,
};
use skillmatch::taxonomy::{InstalledTaxonomies, Taxonomy, sample_part};

const SKILL: &str = "http://data.europa.eu/esco/skill/00000000-0000-4000-8000-00000000000";
const OCCUPATION: &str =
    "http://data.europa.eu/esco/occupation/00000000-0000-4000-9000-00000000000";

#[test]
fn esco_reader_reads_labels_relations_hierarchy_and_collections() {
    let release = read_esco_dir(&fixture("esco-mini")).unwrap();
    assert_eq!(release.competencies.len(), 5);
    assert_eq!(release.occupations.len(), 2);
    let python = &release.competencies[0];
    assert_eq!(python.uri, format!("{SKILL}1"));
    assert_eq!(python.preferred_label, "Python (computer programming)");
    assert_eq!(python.alt_labels, ["Python", "Python programming"]);
    assert_eq!(python.hidden_labels, ["pyhton"]);
    assert_eq!(python.kind, CompetencyKind::Knowledge);
    assert_eq!(python.reuse_level.as_deref(), Some("sector-specific"));
    assert_eq!(python.broader, [format!("{SKILL}3")]);
    assert_eq!(python.collections, ["digital"]);
    assert_eq!(release.competencies[3].collections, ["transversal"]);
    assert_eq!(release.competencies[4].related, [format!("{SKILL}1")]);
    let developer = &release.occupations[0];
    assert_eq!(developer.preferred_label, "software developer");
    assert_eq!(developer.alt_labels, ["programmer", "software engineer"]);
    assert_eq!(developer.isco_group, "2512");
    assert_eq!(developer.code, "2512.4");
    assert_eq!(
        developer.essential,
        [format!("{SKILL}1"), format!("{SKILL}3")]
    );
    assert_eq!(developer.optional, [format!("{SKILL}5")]);
}

/// The competency of an O*NET release with this URI.
fn competency<'a>(release: &'a OnetRelease, uri: &str) -> &'a Competency {
    release
        .competencies
        .iter()
        .find(|c| c.uri == uri)
        .unwrap_or_else(|| panic!("{uri} read"))
}

#[test]
fn onet_reader_reads_titles_tasks_ratings_technology_and_crosswalk() {
    let links = read_crosswalk(&fixture("esco-onet-crosswalk/crosswalk_esco_onet.csv")).unwrap();
    let release = read_onet_dir(&fixture("onet-mini"), &links).unwrap();
    assert_eq!(release.occupations.len(), 2);
    let developers = &release.occupations[0];
    assert_eq!(developers.uri, occupation_uri("15-1252.00"));
    assert_eq!(developers.code, "15-1252.00");
    assert_eq!(developers.preferred_label, "Software Developers");
    assert_eq!(
        developers.alt_labels,
        ["Application Developer", "Software Engineer"],
        "reported titles repeating an alternate title are kept once"
    );
    assert!(
        developers
            .description
            .contains("Tasks:\n- Modify existing software")
    );
    assert_eq!(developers.linked, [format!("{OCCUPATION}1")]);
    let programming = element_uri("2.B.3.e");
    assert!(developers.essential.contains(&programming));
    assert!(developers.optional.contains(&element_uri("2.A.1.a")));
    assert!(developers.optional.contains(&technology_uri("C++")));
    let rated = developers
        .importance
        .iter()
        .find(|r| r.uri == programming)
        .unwrap();
    assert!((rated.importance - 0.875).abs() < 1e-9, "IM 4.5 of 1-5");
    let scientists = &release.occupations[1];
    assert_eq!(
        scientists.alt_labels.len(),
        3,
        "{:?}",
        scientists.alt_labels
    );
    assert_eq!(scientists.linked.len(), 2, "ESCO occupation and ISCO group");
    assert!(
        !scientists
            .importance
            .iter()
            .any(|r| r.uri == element_uri("2.A.1.a")),
        "suppressed ratings are left out"
    );
    let python = competency(&release, &technology_uri("Python"));
    assert_eq!(python.preferred_label, "Python");
    assert_eq!(python.broader, ["urn:onet:commodity:43232405"]);
    assert!(python.collections.contains(&"hot-technology".to_owned()));
    assert!(python.collections.contains(&"in-demand".to_owned()));
    assert_eq!(technology_uri("C++"), "urn:onet:technology:C%2B%2B");
    let element = competency(&release, &programming);
    assert_eq!(
        element.description,
        "Writing computer programs for various purposes."
    );
    assert_eq!(
        release
            .competencies
            .iter()
            .filter(|c| c.kind == CompetencyKind::Knowledge && c.uri.contains("descriptor"))
            .count(),
        2
    );
}

#[test]
fn a_technology_example_named_as_its_commodity_is_that_commodity() {
    let release = read_onet_dir(&fixture("onet-mini"), &[]).unwrap();
    let commodity = "urn:onet:commodity:43232110";
    let labelled = |label: &str| {
        release
            .competencies
            .iter()
            .filter(|c| c.preferred_label.eq_ignore_ascii_case(label))
            .map(|c| c.uri.as_str())
            .collect::<Vec<_>>()
    };
    assert_eq!(labelled("spreadsheet software"), [commodity]);
    // Compared as the same-label rule compares labels: punctuation ignored.
    assert!(labelled("spreadsheet-software").is_empty());
    let spreadsheets = competency(&release, commodity);
    assert_eq!(
        spreadsheets.broader,
        ["urn:onet:commodity:43232405"],
        "not its own broader concept; the commodity of another row naming it is"
    );
    assert!(spreadsheets.collections.contains(&"in-demand".to_owned()));
    let scientists = &release.occupations[1];
    assert!(scientists.optional.iter().any(|u| u == commodity));
    assert!(
        !scientists
            .optional
            .contains(&technology_uri("Spreadsheet Software"))
    );
    assert!(
        !release
            .competencies
            .iter()
            .any(|c| c.uri == technology_uri("Spreadsheet-software"))
    );
}

#[test]
fn imported_releases_load_side_by_side_with_links_across_taxonomies() {
    let dir = tempfile::tempdir().unwrap();
    let installed = InstalledTaxonomies::new(dir.path());
    let esco = read_esco_part(&fixture("esco-mini"), "v1.1.1").unwrap();
    let mut newer = esco.clone();
    newer.version.version = "v1.2.0".into();
    newer.competencies[0].preferred_label = "Python".into();
    let onet = read_onet_part(
        &fixture("onet-mini"),
        "29.3",
        Some(&fixture("esco-onet-crosswalk/crosswalk_esco_onet.csv")),
    )
    .unwrap();
    assert!(installed.install(&esco).unwrap().1);
    assert!(
        !installed.install(&esco).unwrap().1,
        "re-import is idempotent"
    );
    installed.install(&newer).unwrap();
    installed.install(&onet).unwrap();
    let mut parts = vec![sample_part().unwrap()];
    for version in installed.select(&[]).unwrap() {
        parts.push(installed.load(&version).unwrap());
    }
    let taxonomy = Taxonomy::assemble(parts).unwrap();
    let python = taxonomy.idx(&format!("{SKILL}1")).unwrap();
    assert_eq!(taxonomy.get(python).preferred_label, "Python");
    assert_eq!(taxonomy.version_of(python).version, "v1.2.0");
    let developer = taxonomy
        .occupation_index(&format!("{OCCUPATION}1"))
        .unwrap();
    let linked = taxonomy.linked_occupations(developer);
    assert_eq!(linked.len(), 1);
    assert_eq!(
        taxonomy.occupations()[linked[0]].uri,
        occupation_uri("15-1252.00")
    );
    assert_eq!(taxonomy.occupation_version_of(linked[0]).id, "onet");
}

#[test]
fn the_engine_loads_the_newest_release_unless_one_is_pinned() {
    use skillmatch::domain::TaxonomyVersion;
    use skillmatch::engine::{Engine, EngineConfig};
    let dir = tempfile::tempdir().unwrap();
    let installed = InstalledTaxonomies::new(dir.path());
    let older = read_esco_part(&fixture("esco-mini"), "v1.9").unwrap();
    let mut newer = older.clone();
    newer.version.version = "v1.10".into();
    installed.install(&older).unwrap();
    installed.install(&newer).unwrap();
    let config = EngineConfig::new(dir.path());
    let python = format!("{SKILL}1");
    let (engine, report) = Engine::open(&config).unwrap();
    assert_eq!(report.taxonomies.last(), Some(&newer.version));
    let taxonomy = engine.taxonomy();
    assert_eq!(
        taxonomy.version_of(taxonomy.idx(&python).unwrap()).version,
        "v1.10"
    );
    drop(engine);
    let pin = TaxonomyVersion {
        id: "esco".into(),
        version: "v1.9".into(),
    };
    let (engine, _) = Engine::open(&config.clone().pinning(vec![pin])).unwrap();
    let taxonomy = engine.taxonomy();
    assert_eq!(
        taxonomy.version_of(taxonomy.idx(&python).unwrap()).version,
        "v1.9"
    );
    drop(engine);
    let missing = TaxonomyVersion {
        id: "esco".into(),
        version: "v2".into(),
    };
    assert!(Engine::open(&config.pinning(vec![missing])).is_err());
}
