//! The indexed matching path (posting lists of credential ordinals, lazy
//! best-first selection, page-only explanations) returns exactly what the
//! exhaustive path returns: seeded random catalogues, with deletes and
//! replacements, random jobs, filters and pages.

use std::sync::Arc;

use rand::rngs::StdRng;
use rand::{Rng as _, SeedableRng};
use skillmatch::catalog::{Catalog, CredentialFilter};
use skillmatch::domain::{
    AlignmentSource, CredentialId, CredentialKind, DeliveryMode, Importance, JobPosting,
    Microcredential, Money, RequiredCompetency, TaughtCompetency,
};
use skillmatch::embed::default_embedder;
use skillmatch::extract::Extractor;
use skillmatch::matching::{
    MatchOutcome, MatchQuery, match_credentials, match_credentials_exhaustive,
};
use skillmatch::store::Store;
use skillmatch::taxonomy::{Taxonomy, load_sample};

const MODES: [DeliveryMode; 3] = [
    DeliveryMode::Online,
    DeliveryMode::InPerson,
    DeliveryMode::Blended,
];

struct World {
    rng: StdRng,
    uris: Vec<String>,
}

impl World {
    fn below(&mut self, n: usize) -> usize {
        self.rng.random_range(0..n)
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    /// A taxonomy URI, or now and then one the taxonomy does not have.
    fn uri(&mut self) -> String {
        if self.chance(5) {
            format!("urn:skillmatch-test:other-{}", self.below(4))
        } else {
            self.taxonomy_uri()
        }
    }

    fn taxonomy_uri(&mut self) -> String {
        let at = self.below(self.uris.len());
        self.uris[at].clone()
    }

    fn credential(&mut self, taxonomy: &Taxonomy, n: usize) -> Microcredential {
        let mut taught: Vec<String> = Vec::new();
        for _ in 0..1 + self.below(5) {
            let uri = self.uri();
            if !taught.contains(&uri) {
                taught.push(uri);
            }
        }
        let labels: Vec<&str> = taught.iter().map(|u| taxonomy.label(u)).collect();
        let part_of = if self.chance(20) {
            vec![CredentialId::parse("bundle").unwrap()]
        } else {
            Vec::new()
        };
        Microcredential {
            id: CredentialId::parse(&format!("c-{n:03}")).unwrap(),
            title: format!("{} course", labels[0]),
            provider: format!("Provider {}", self.below(3)),
            description: labels.join(", "),
            learning_outcomes: labels.iter().map(|l| format!("Able to {l}")).collect(),
            competencies: taught
                .into_iter()
                .map(|uri| TaughtCompetency {
                    uri,
                    proficiency: None,
                    assessed: self.chance(50),
                    source: AlignmentSource::Provider,
                    resolved_from: None,
                })
                .collect(),
            kind: CredentialKind::Credential,
            hours: (!self.chance(10)).then(|| (1 + self.below(100)) as f64),
            min_hours: None,
            cost: (!self.chance(10)).then(|| {
                Money::new(self.below(600) as f64, ["EUR", "USD"][self.below(2)]).unwrap()
            }),
            cost_profiles: Vec::new(),
            delivery_mode: (!self.chance(10)).then(|| MODES[self.below(3)]),
            language: (!self.chance(10)).then(|| "en".into()),
            assessed: self.chance(60),
            accredited_by: if self.chance(30) {
                vec!["Board".into()]
            } else {
                Vec::new()
            },
            frameworks: Vec::new(),
            part_of,
            has_part: Vec::new(),
            prerequisites: Vec::new(),
            eqf_level: None,
            credits: None,
            validity_months: None,
            url: None,
            published_type: None,
            occupations: Vec::new(),
        }
    }

    fn job(&mut self, taxonomy: &Taxonomy) -> JobPosting {
        let mut competencies: Vec<RequiredCompetency> = Vec::new();
        for _ in 0..self.below(5) {
            let uri = self.uri();
            if competencies.iter().all(|c| c.uri != uri) {
                competencies.push(RequiredCompetency {
                    uri,
                    importance: [Importance::Essential, Importance::Optional][self.below(2)],
                    min_proficiency: None,
                });
            }
        }
        let words: Vec<String> = (0..self.below(4))
            .map(|_| {
                let uri = self.taxonomy_uri();
                taxonomy.label(&uri).to_owned()
            })
            .collect();
        JobPosting {
            title: words.first().cloned().unwrap_or_default(),
            description: words.join(" and "),
            competencies,
            ..JobPosting::default()
        }
    }

    fn filter(&mut self) -> CredentialFilter {
        let mut filter = CredentialFilter::default();
        if self.chance(30) {
            filter.max_cost = Some(Money::new(self.below(500) as f64, "EUR").unwrap());
        }
        if self.chance(20) {
            filter.delivery_modes = vec![MODES[self.below(3)]];
        }
        filter.require_assessed = self.chance(20);
        filter.require_accredited = self.chance(10);
        if self.chance(20) {
            filter.max_hours = Some(self.below(100) as f64);
        }
        if self.chance(10) {
            filter.language = Some("en".into());
        }
        filter.include_unknown = self.chance(50);
        filter
    }
}

fn summary(outcome: &MatchOutcome) -> String {
    let mut lines = vec![format!("needs {:?} more {}", outcome.needs, outcome.more)];
    for found in &outcome.matches {
        lines.push(format!(
            "{} {:?} {:?} {:?} {:?}",
            found.credential.id, found.score, found.components, found.covered, found.not_covered
        ));
    }
    lines.join("\n")
}

#[test]
fn the_indexed_path_returns_what_the_exhaustive_path_returns() {
    let taxonomy = Arc::new(load_sample().unwrap());
    let extractor = Extractor::new(&taxonomy);
    let mut world = World {
        rng: StdRng::seed_from_u64(7),
        uris: taxonomy
            .competencies()
            .iter()
            .map(|c| c.uri.clone())
            .collect(),
    };
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(Store::open(&dir.path().join("paths.redb")).unwrap());
    let (catalog, _) =
        Catalog::open(store, taxonomy.clone(), &dir.path().join("index"), "").unwrap();
    let catalog = catalog.with_embedder(default_embedder());
    let credentials: Vec<Microcredential> =
        (0..400).map(|n| world.credential(&taxonomy, n)).collect();
    catalog.upsert(credentials).unwrap();
    let mut compared = 0;
    let mut nonempty = 0;
    let mut vectored = 0;
    for round in 0..4 {
        if round > 0 {
            // Deletes free ordinals; replacements and new credentials reuse them.
            for _ in 0..40 {
                let id = CredentialId::parse(&format!("c-{:03}", world.below(400))).unwrap();
                let _ = catalog.delete(&id);
            }
            let changed: Vec<Microcredential> = (0..30)
                .map(|_| {
                    let n = world.below(450);
                    let credential = world.credential(&taxonomy, n);
                    (credential.id.clone(), credential)
                })
                .collect::<std::collections::BTreeMap<_, _>>()
                .into_values()
                .collect();
            catalog.upsert(changed).unwrap();
        }
        for _ in 0..60 {
            let query = MatchQuery {
                job: world.job(&taxonomy),
                filter: world.filter(),
                top_k: 1 + world.below(15),
                offset: if world.chance(30) { world.below(40) } else { 0 },
            };
            let fast = match_credentials(&taxonomy, &extractor, &catalog, &query).unwrap();
            let oracle =
                match_credentials_exhaustive(&taxonomy, &extractor, &catalog, &query).unwrap();
            assert_eq!(summary(&fast), summary(&oracle), "query {query:?}");
            compared += 1;
            nonempty += usize::from(!oracle.matches.is_empty());
            for found in &oracle.matches {
                let vector = found.components.vector;
                assert!((0.0..=1.0).contains(&vector), "vector score {vector}");
            }
            vectored += usize::from(oracle.matches.iter().any(|m| m.components.vector > 0.0));
        }
    }
    assert_eq!(compared, 240);
    assert!(nonempty > 150, "only {nonempty} queries found anything");
    assert!(
        vectored > 150,
        "only {vectored} queries had a vector score above 0"
    );
}

fn plain_credential(id: &str, title: &str, description: &str, uri: &str) -> Microcredential {
    Microcredential {
        id: CredentialId::parse(id).unwrap(),
        title: title.into(),
        provider: "Provider".into(),
        description: description.into(),
        learning_outcomes: Vec::new(),
        competencies: vec![TaughtCompetency {
            uri: uri.into(),
            proficiency: None,
            assessed: false,
            source: AlignmentSource::Provider,
            resolved_from: None,
        }],
        kind: CredentialKind::Credential,
        hours: Some(10.0),
        min_hours: None,
        cost: Some(Money::new(0.0, "EUR").unwrap()),
        cost_profiles: Vec::new(),
        delivery_mode: Some(DeliveryMode::Online),
        language: Some("en".into()),
        assessed: false,
        accredited_by: Vec::new(),
        frameworks: Vec::new(),
        part_of: Vec::new(),
        has_part: Vec::new(),
        prerequisites: Vec::new(),
        eqf_level: None,
        credits: None,
        validity_months: None,
        url: None,
        published_type: None,
        occupations: Vec::new(),
    }
}

/// Ids best first by both paths, after checking that they agree.
fn ranked(taxonomy: &Taxonomy, catalog: &Catalog, query: &MatchQuery) -> Vec<MatchOutcome> {
    let extractor = Extractor::new(taxonomy);
    let fast = match_credentials(taxonomy, &extractor, catalog, query).unwrap();
    let oracle = match_credentials_exhaustive(taxonomy, &extractor, catalog, query).unwrap();
    assert_eq!(summary(&fast), summary(&oracle));
    vec![fast, oracle]
}

/// A physician's job that needs `uri`, essential.
fn physician_job(uri: &str) -> JobPosting {
    JobPosting {
        title: "Physician".into(),
        description: "Treats patients in hospital wards.".into(),
        competencies: vec![RequiredCompetency {
            uri: uri.into(),
            importance: Importance::Essential,
            min_proficiency: None,
        }],
        ..JobPosting::default()
    }
}

#[test]
fn the_vector_score_orders_credentials_equal_in_coverage_and_text() {
    let taxonomy = Arc::new(load_sample().unwrap());
    let uri = "urn:skillmatch-test:care";
    // No word of the job is in either credential: BM25 is 0 for both, and
    // both teach the one required competency.
    let credentials = vec![
        plain_credential(
            "a-ledgers",
            "Bookkeeping basics",
            "Balance sheets and invoices.",
            uri,
        ),
        plain_credential(
            "b-medicine",
            "Clinical medicine for doctors",
            "Diagnosis and nursing of sick people.",
            uri,
        ),
    ];
    let query = MatchQuery {
        job: physician_job(uri),
        filter: CredentialFilter::default(),
        top_k: 5,
        offset: 0,
    };
    let order = |outcome: &MatchOutcome| -> Vec<String> {
        outcome
            .matches
            .iter()
            .map(|m| m.credential.id.to_string())
            .collect()
    };
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(Store::open(&dir.path().join("vector.redb")).unwrap());
    let (catalog, _) =
        Catalog::open(store, taxonomy.clone(), &dir.path().join("index"), "").unwrap();
    catalog.upsert(credentials).unwrap();
    for outcome in ranked(&taxonomy, &catalog, &query) {
        // Without an embedder the two tie and the smaller id comes first.
        assert_eq!(order(&outcome), ["a-ledgers", "b-medicine"]);
        assert!(outcome.matches.iter().all(|m| m.components.vector == 0.0));
    }
    let catalog = catalog.with_embedder(default_embedder());
    let mut ledgers_before = 0.0;
    for outcome in ranked(&taxonomy, &catalog, &query) {
        assert_eq!(
            order(&outcome),
            ["b-medicine", "a-ledgers"],
            "{}",
            summary(&outcome)
        );
        let [medicine, ledgers] = [&outcome.matches[0], &outcome.matches[1]];
        assert_eq!(medicine.components.coverage, ledgers.components.coverage);
        assert_eq!(medicine.components.text, 0.0);
        assert_eq!(ledgers.components.text, 0.0);
        assert!(medicine.components.vector > ledgers.components.vector);
        assert!(medicine.components.vector <= 1.0 && ledgers.components.vector >= 0.0);
        ledgers_before = ledgers.components.vector;
    }
    // Replacing a credential re-embeds its new text.
    catalog
        .upsert(vec![plain_credential(
            "a-ledgers",
            "Hospital physician training",
            "Treating patients on wards.",
            uri,
        )])
        .unwrap();
    for outcome in ranked(&taxonomy, &catalog, &query) {
        let ledgers = outcome
            .matches
            .iter()
            .find(|m| m.credential.id.as_str() == "a-ledgers")
            .expect("still matched");
        assert!(
            ledgers.components.vector > ledgers_before,
            "{}",
            summary(&outcome)
        );
    }
}

/// Credentials equal in coverage and text (none shares a word with the job)
/// and in quality markers in pairs, so the vector score alone decides most of
/// the order: pages of every size and offset, with and without a filter, are
/// what the exhaustive path returns. The indexed path computes vector scores
/// only for candidates that can still reach the page, so a wrong bound would
/// show here as a credential missing from a page.
#[test]
fn pages_decided_by_the_vector_score_match_the_exhaustive_path() {
    let taxonomy = Arc::new(load_sample().unwrap());
    let uri = "urn:skillmatch-test:care";
    let topics = [
        "Infirmary ward nursing",
        "Clinical diagnosis",
        "Bookkeeping and invoices",
        "Patient treatment plans",
        "Warehouse forklift driving",
        "Surgical theatre assistance",
        "Spreadsheet formulas",
        "Emergency medicine triage",
        "Garden landscaping",
        "Medical records coding",
    ];
    let mut credentials = Vec::new();
    for (n, topic) in topics.iter().enumerate() {
        for copy in 0..4 {
            let mut credential = plain_credential(
                &format!("v-{n:02}-{copy}"),
                &format!("{topic} level {copy}"),
                &format!("{topic}, part {copy}."),
                uri,
            );
            credential.assessed = copy % 2 == 1;
            if copy == 3 {
                credential.delivery_mode = Some(DeliveryMode::InPerson);
            }
            credentials.push(credential);
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(Store::open(&dir.path().join("vector-pages.redb")).unwrap());
    let (catalog, _) =
        Catalog::open(store, taxonomy.clone(), &dir.path().join("index"), "").unwrap();
    catalog.upsert(credentials).unwrap();
    let catalog = catalog.with_embedder(default_embedder());
    let online = CredentialFilter {
        delivery_modes: vec![DeliveryMode::Online],
        ..CredentialFilter::default()
    };
    let mut distinct_vectors = std::collections::BTreeSet::new();
    for filter in [CredentialFilter::default(), online] {
        for top_k in [1, 2, 3, 5, 8, 40] {
            for offset in [0, 1, 4, 13, 39] {
                let query = MatchQuery {
                    job: physician_job(uri),
                    filter: filter.clone(),
                    top_k,
                    offset,
                };
                for outcome in ranked(&taxonomy, &catalog, &query) {
                    for found in &outcome.matches {
                        assert_eq!(found.components.text, 0.0);
                        distinct_vectors.insert(found.components.vector.to_bits());
                    }
                }
            }
        }
    }
    assert!(
        distinct_vectors.len() > 20,
        "the vector score decides little: {} distinct values",
        distinct_vectors.len()
    );
}

#[test]
fn teaching_any_lists_each_teacher_once_in_id_order_after_replacements_and_deletes() {
    let taxonomy = Arc::new(load_sample().unwrap());
    let (care, code) = ("urn:skillmatch-test:care", "urn:skillmatch-test:code");
    let teaching_both = |id: &str| {
        let mut credential = plain_credential(id, "Both", "Care and code.", care);
        let mut second = credential.competencies[0].clone();
        second.uri = code.into();
        credential.competencies.push(second.clone());
        // A URI listed twice still finds the credential once.
        credential.competencies.push(second);
        credential
    };
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(Store::open(&dir.path().join("teaching.redb")).unwrap());
    let (catalog, _) =
        Catalog::open(store, taxonomy.clone(), &dir.path().join("index"), "").unwrap();
    catalog
        .upsert(vec![
            teaching_both("m-both"),
            plain_credential("z-care", "Care", "Care.", care),
            plain_credential("a-code", "Code", "Code.", code),
            teaching_both("b-both"),
        ])
        .unwrap();
    let ids = |uris: &[&str]| -> Vec<String> {
        catalog
            .teaching_any(uris.iter().copied())
            .iter()
            .map(|c| c.id.to_string())
            .collect()
    };
    assert_eq!(
        ids(&[code, care, code]),
        ["a-code", "b-both", "m-both", "z-care"]
    );
    assert_eq!(ids(&[care]), ["b-both", "m-both", "z-care"]);
    assert!(ids(&["urn:skillmatch-test:absent"]).is_empty());
    // A replacement that no longer teaches `care` is found only through `code`.
    catalog
        .upsert(vec![plain_credential("m-both", "Code", "Code.", code)])
        .unwrap();
    assert_eq!(ids(&[care]), ["b-both", "z-care"]);
    assert_eq!(ids(&[code]), ["a-code", "b-both", "m-both"]);
    catalog
        .delete(&CredentialId::parse("b-both").unwrap())
        .unwrap();
    assert_eq!(ids(&[care, code]), ["a-code", "m-both", "z-care"]);
}
