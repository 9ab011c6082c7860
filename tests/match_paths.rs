//! The indexed matching path (posting lists of credential ordinals, lazy
//! best-first selection, page-only explanations) returns exactly what the
//! exhaustive path returns: seeded random catalogues, with deletes and
//! replacements, random jobs, filters and pages.

use std::sync::Arc;

use rand::rngs::StdRng;
use rand::{Rng as _, SeedableRng};
use skillmatch::catalog::{Catalog, CredentialFilter};
use skillmatch::domain::{
    AlignmentSource, CredentialId, DeliveryMode, Importance, JobPosting, Microcredential, Money,
    RequiredCompetency, TaughtCompetency,
};
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
                })
                .collect(),
            hours: (1 + self.below(100)) as f64,
            cost: Money::new(self.below(600) as f64, ["EUR", "USD"][self.below(2)]).unwrap(),
            delivery_mode: MODES[self.below(3)],
            language: "en".into(),
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
    let credentials: Vec<Microcredential> =
        (0..400).map(|n| world.credential(&taxonomy, n)).collect();
    catalog.upsert(credentials).unwrap();
    let mut compared = 0;
    let mut nonempty = 0;
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
        }
    }
    assert_eq!(compared, 240);
    assert!(nonempty > 150, "only {nonempty} queries found anything");
}
