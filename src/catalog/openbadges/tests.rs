//! The Open Badges reader on hand-made fixtures and records.

use super::*;
use crate::domain::DeliveryMode;

const GOOD: &str = include_str!("../../../tests/fixtures/openbadges/achievements.json");
const MALFORMED: &str = include_str!("../../../tests/fixtures/openbadges/malformed.jsonl");

#[test]
fn maps_achievements_and_achievements_inside_credentials() {
    let parsed = parse_credentials_openbadges(GOOD);
    assert!(parsed.rejected.is_empty(), "{:?}", parsed.rejected);
    assert_eq!(parsed.credentials.len(), 2);

    let cleaning = &parsed.credentials[0];
    assert_eq!(cleaning.id.as_str(), "data-cleaning");
    assert_eq!(cleaning.title, "Data Cleaning with Spreadsheets");
    assert_eq!(cleaning.provider, "Northbridge Digital Academy");
    assert_eq!(
        cleaning.learning_outcomes,
        [
            "Learners must:",
            "remove duplicates from a sales export",
            "document every cleaning step"
        ]
    );
    assert_eq!(cleaning.competencies.len(), 2);
    assert_eq!(cleaning.competencies[0].source, AlignmentSource::Provider);
    assert_eq!(cleaning.frameworks, ["ESCO"]);
    assert_eq!(cleaning.credits.as_ref().map(|c| c.value), Some(2.0));
    assert_eq!(
        cleaning.cost.map(|c| (c.amount, c.currency.to_string())),
        Some((79.0, "GBP".to_owned()))
    );
    assert_eq!(cleaning.hours, Some(12.0));
    assert_eq!(cleaning.delivery_mode, Some(DeliveryMode::Online));

    let first_aid = &parsed.credentials[1];
    assert_eq!(
        first_aid.id.as_str(),
        "urn:uuid:2a0a4f5e-8d0c-4bde-9b8e-0a7c1d3f5e21"
    );
    assert_eq!(
        first_aid.provider,
        "https://badges.example.org/issuers/harbour"
    );
    assert_eq!(first_aid.language.as_deref(), Some("en-GB"));
    assert_eq!(first_aid.delivery_mode, Some(DeliveryMode::InPerson));
}

#[test]
fn reads_leniently_and_rejects_only_unusable_records() {
    let parsed = parse_credentials_openbadges(MALFORMED);
    let expected = [
        (5, "not an Open Badges 3.0 Achievement"),
        (6, "duplicate id good"),
        (7, "no name"),
    ];
    crate::catalog::jsonl::assert_rejected(&parsed, &expected);
    let ids: Vec<&str> = parsed.credentials.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(
        ids,
        ["good", "odd-type", "no-price", "no-target", "bad-language"]
    );
    let odd = &parsed.credentials[1];
    assert_eq!(odd.published_type.as_deref(), Some("Nanodegree"));
    assert_eq!(
        parsed.reports[1].outcome("kind"),
        Some(FieldOutcome::Resolved)
    );
    assert_eq!(
        parsed.credentials[2].cost, None,
        "no price: unknown, not free"
    );
    let no_target = &parsed.reports[3];
    assert_eq!(no_target.named_competencies[0].name, "SQL");
    assert_eq!(no_target.named_competencies[0].published_uri, None);
    let bad_language = &parsed.credentials[4];
    assert_eq!(
        bad_language.language.as_deref(),
        Some("en"),
        "a language name"
    );
    assert_eq!(
        bad_language.delivery_mode, None,
        "video is not a delivery mode"
    );
    assert_eq!(parsed.reports.len(), 8);
}

#[test]
fn reads_vc_1_1_credentials_without_achievement_ids_and_clr_wrappers() {
    let plugfest = serde_json::json!({
        "@context": ["https://www.w3.org/2018/credentials/v1", "https://example.org/plugfest-1-context.json"],
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"type": "Profile", "id": "did:key:z6Mk", "name": "Jobs for the Future (JFF)"},
        "issuanceDate": "2022-05-01T00:00:00Z",
        "credentialSubject": {"type": "AchievementSubject", "achievement": {
            "type": "Achievement", "name": "Plugfest badge", "achievementType": "Module"
        }}
    });
    let parsed = parse_credentials_openbadges(&plugfest.to_string());
    assert!(parsed.rejected.is_empty(), "{:?}", parsed.rejected);
    let badge = &parsed.credentials[0];
    assert!(badge.id.as_str().starts_with("ob-"), "{}", badge.id);
    let again = parse_credentials_openbadges(&plugfest.to_string());
    assert_eq!(
        again.credentials[0].id, badge.id,
        "derived ids are deterministic"
    );
    assert_eq!(badge.provider, "Jobs for the Future (JFF)");
    assert_eq!(
        (badge.hours, badge.cost, badge.delivery_mode),
        (None, None, None)
    );
    assert!(
        parsed.reports[0].fields[0]
            .detail
            .starts_with("Verifiable Credentials 1.1"),
        "{:?}",
        parsed.reports[0].fields[0]
    );

    let clr = serde_json::json!({
        "type": ["VerifiableCredential", "ClrCredential"],
        "issuer": {"id": "https://uni.example/issuer", "name": "Example University"},
        "credentialSubject": {
            "verifiableCredential": [
                {"type": ["VerifiableCredential", "AchievementCredential"],
                 "issuer": {"id": "https://uni.example/issuer", "name": "Example University"},
                 "credentialSubject": {"achievement": {"id": "https://uni.example/a/one?v=1", "type": ["Achievement"], "name": "One"}}},
                {"type": ["VerifiableCredential", "OpenBadgeCredential"],
                 "credentialSubject": {"achievement": {"id": "https://uni.example/a/two", "type": ["Achievement"], "name": "Two"}}}
            ],
            "achievement": [
                {"id": "https://uni.example/a/two", "type": ["Achievement"], "name": "Two"},
                {"id": "https://uni.example/a/three", "type": ["Achievement"], "name": "Three"}
            ]
        }
    });
    let parsed = parse_credentials_openbadges(&clr.to_string());
    let ids: Vec<&str> = parsed.credentials.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["one.v-1", "two", "three"]);
    assert_eq!(parsed.credentials[0].provider, "Example University");
}
