//! The synthetic candidates of the benches: seeded by the caller, so every
//! run builds the same pool.

use rand::Rng as _;
use rand::rngs::StdRng;

use skillmatch::auth::{Authenticator, TenantId};
use skillmatch::domain::{
    Candidate, CredentialId, Date, DeclaredCompetency, HeldCredential, RecordId,
};

/// A date between 2012 and 2026.
pub fn date(rng: &mut StdRng) -> Date {
    let days = Date::parse("2012-01-01").unwrap().days() + rng.random_range(0..14 * 365) as i64;
    Date::from_days(days)
}

/// A candidate with ESCO-like counts: 6-20 declared skills, 0-3 credentials
/// (a third of them verified), a short CV naming two skills; its id is
/// `cand-` and `index` in eight digits.
pub fn synthetic_candidate(
    rng: &mut StdRng,
    index: usize,
    uris: &[String],
    labels: &[String],
    credentials: &[CredentialId],
) -> Candidate {
    let declared = 6 + rng.random_range(0..15);
    let competencies = (0..declared)
        .map(|_| DeclaredCompetency {
            uri: uris[rng.random_range(0..uris.len())].clone(),
            last_used: Some(date(rng)),
            proficiency: None,
        })
        .collect();
    let held = (0..rng.random_range(0..4))
        .map(|_| HeldCredential {
            credential_id: Some(credentials[rng.random_range(0..credentials.len())].clone()),
            title: String::new(),
            issuer: String::new(),
            issued: Some(date(rng)),
            expires: None,
            verified: rng.random_range(0..3) == 0,
        })
        .collect();
    let cv_text = format!(
        "Experienced in {} and {}.",
        labels[rng.random_range(0..labels.len())],
        labels[rng.random_range(0..labels.len())]
    );
    Candidate {
        id: RecordId::parse(&format!("cand-{index:08}")).unwrap(),
        display_name: None,
        credentials: held,
        competencies,
        cv_text,
        cv_competencies: Vec::new(),
    }
}

/// The tenant the benches store their candidates in: an open server's.
pub fn open_tenant() -> TenantId {
    Authenticator::Open
        .authenticate(&tonic::metadata::MetadataMap::new())
        .expect("an open server admits every call")
        .tenant()
        .clone()
}
