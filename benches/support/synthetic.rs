//! The synthetic credential catalogue of the benches: seeded, so every run
//! builds the same one. Each credential teaches 2-6 essential skills of one
//! randomly drawn occupation, with a title, description and outcomes made
//! from their labels.

use rand::rngs::StdRng;
use rand::{Rng as _, SeedableRng};

use skillmatch::domain::{
    AlignmentSource, CredentialId, CredentialKind, DeliveryMode, Microcredential, Money,
    TaughtCompetency,
};
use skillmatch::taxonomy::Taxonomy;

/// A seeded generator, so every run sees the same catalogue.
struct Seeded(StdRng);

impl Seeded {
    fn below(&mut self, n: usize) -> usize {
        self.0.random_range(0..n)
    }
}

/// Credentials teaching 2-6 competencies of one occupation each, so topics cohere.
pub fn synthetic_catalogue(taxonomy: &Taxonomy, count: usize) -> Vec<Microcredential> {
    let mut rng = Seeded(StdRng::seed_from_u64(42));
    let occupations: Vec<_> = taxonomy
        .occupations()
        .iter()
        .filter(|o| o.essential.len() >= 4)
        .collect();
    let modes = [
        DeliveryMode::Online,
        DeliveryMode::InPerson,
        DeliveryMode::Blended,
    ];
    (0..count)
        .map(|n| {
            let occupation = occupations[rng.below(occupations.len())];
            let count = 2 + rng.below(5);
            let mut taught: Vec<String> = Vec::new();
            while taught.len() < count.min(occupation.essential.len()) {
                let uri = &occupation.essential[rng.below(occupation.essential.len())];
                if !taught.contains(uri) {
                    taught.push(uri.clone());
                }
            }
            let labels: Vec<&str> = taught.iter().map(|u| taxonomy.label(u)).collect();
            Microcredential {
                id: CredentialId::parse(&format!("synthetic-{n}")).expect("valid id"),
                title: format!("{} essentials", labels[0]),
                provider: format!("Provider {}", rng.below(500)),
                description: format!(
                    "A short course for aspiring {}: {}.",
                    occupation.preferred_label,
                    labels.join(", ")
                ),
                learning_outcomes: labels.iter().map(|l| format!("Able to {l}")).collect(),
                competencies: taught
                    .into_iter()
                    .map(|uri| TaughtCompetency {
                        uri,
                        proficiency: None,
                        assessed: rng.below(2) == 0,
                        source: AlignmentSource::Provider,
                        resolved_from: None,
                    })
                    .collect(),
                kind: CredentialKind::Credential,
                hours: Some((4 + rng.below(200)) as f64),
                min_hours: None,
                cost: Some(Money::new(rng.below(1500) as f64, "EUR").expect("valid money")),
                cost_profiles: Vec::new(),
                delivery_mode: Some(modes[rng.below(3)]),
                language: Some("en".into()),
                assessed: rng.below(4) != 0,
                accredited_by: if rng.below(2) == 0 {
                    vec!["Board".into()]
                } else {
                    Vec::new()
                },
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
        })
        .collect()
}
