//! Property tests of the request validators: converting any request message
//! never panics, anything accepted satisfies the documented limits (so
//! anything past a limit is refused), every refusal names a field, and the
//! money, amount, score and date checks accept exactly what they document.

use proptest::prelude::*;
use proptest::test_runner::Config;
use skillmatch::api::convert::{candidate_from_pb, filter_from_pb, job_from_pb};
use skillmatch::domain::limits::{
    MAX_AMOUNT, MAX_FILTER_COMPETENCIES, MAX_JOB_COMPETENCIES, MAX_LEARNING_OUTCOMES,
    MAX_NAME_CHARS, MAX_TEXT_CHARS, MAX_URI_CHARS,
};
use skillmatch::domain::{Date, MAX_ID_LEN, Microcredential, Money, ValidationError, Violations};
use skillmatch::pb;

const CV_BYTES: usize = 64 * 1024;
const CANDIDATE_ITEMS: usize = 500;

fn config() -> Config {
    Config {
        cases: 96,
        failure_persistence: None,
        ..Config::default()
    }
}

/// Strings that matter to a limit of `max` characters: short arbitrary
/// Unicode, and strings of one- and two-byte characters at and one past it.
fn text(max: usize) -> impl Strategy<Value = String> {
    prop_oneof![
        4 => proptest::collection::vec(any::<char>(), 0..12).prop_map(String::from_iter),
        1 => Just(String::new()),
        1 => Just("a".repeat(max)),
        1 => Just("é".repeat(max)),
        1 => Just("a".repeat(max + 1)),
        1 => Just("é".repeat(max + 1)),
        1 => (0..=max + 1).prop_map(|n| "x".repeat(n)),
    ]
}

/// An id: valid shapes and invalid ones.
fn id() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("c-1".to_owned()),
        Just("a".repeat(MAX_ID_LEN)),
        text(MAX_ID_LEN),
    ]
}

/// A count around `max`.
fn count(max: usize) -> impl Strategy<Value = usize> {
    prop_oneof![0..4usize, Just(max), Just(max + 1)]
}

/// The next larger float of a positive finite `value`.
fn next_up(value: f64) -> f64 {
    f64::from_bits(value.to_bits() + 1)
}

/// Numbers: ordinary ones, the bounds, one step past them, and non-finite ones.
fn amount() -> impl Strategy<Value = f64> {
    prop_oneof![
        any::<f64>(),
        0.0..2.0e9,
        -10.0..0.0,
        Just(0.0),
        Just(-0.0),
        Just(MAX_AMOUNT),
        Just(next_up(MAX_AMOUNT)),
        Just(1.0),
        Just(next_up(1.0)),
        Just(f64::NAN),
        Just(f64::INFINITY),
        Just(f64::NEG_INFINITY),
    ]
}

fn currency() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("EUR".to_owned()),
        Just("eur".to_owned()),
        Just("EURO".to_owned()),
        Just(String::new()),
        proptest::collection::vec(any::<char>(), 0..5).prop_map(String::from_iter),
    ]
}

fn date() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("2026-02-28".to_owned()),
        Just("2026-02-30".to_owned()),
        Just("2024-02-29".to_owned()),
        (1800i32..3100, 0u32..14, 0u32..33).prop_map(|(y, m, d)| format!("{y:04}-{m:02}-{d:02}")),
        text(10),
    ]
}

fn repeated<T: Clone + std::fmt::Debug, S: Strategy<Value = T>>(
    max: usize,
    item: impl Fn() -> S,
) -> impl Strategy<Value = Vec<T>> {
    (count(max), item(), proptest::collection::vec(item(), 0..3)).prop_map(|(n, filler, few)| {
        if n < 4 {
            few.into_iter().take(n).collect()
        } else {
            vec![filler; n]
        }
    })
}

fn held() -> impl Strategy<Value = pb::HeldCredential> {
    (
        id(),
        text(MAX_NAME_CHARS),
        text(MAX_NAME_CHARS),
        date(),
        date(),
        any::<bool>(),
    )
        .prop_map(
            |(credential_id, title, issuer, issued_on, expires_on, verified)| pb::HeldCredential {
                credential_id,
                title,
                issuer,
                issued_on,
                expires_on,
                verified,
            },
        )
}

fn declared() -> impl Strategy<Value = pb::DeclaredCompetency> {
    (text(MAX_URI_CHARS), date(), -1i32..6).prop_map(|(uri, last_used_on, proficiency)| {
        pb::DeclaredCompetency {
            uri,
            last_used_on,
            proficiency,
        }
    })
}

fn candidate() -> impl Strategy<Value = pb::Candidate> {
    (
        id(),
        text(MAX_NAME_CHARS),
        repeated(CANDIDATE_ITEMS, held),
        repeated(CANDIDATE_ITEMS, declared),
        prop_oneof![
            text(100),
            Just("a".repeat(CV_BYTES)),
            Just("é".repeat(CV_BYTES / 2 + 1))
        ],
    )
        .prop_map(
            |(id, display_name, credentials, competencies, cv_text)| pb::Candidate {
                id,
                display_name,
                credentials,
                competencies,
                cv_text,
                cv_competencies: Vec::new(),
            },
        )
}

fn job() -> impl Strategy<Value = pb::JobPosting> {
    let required = || {
        (text(MAX_URI_CHARS), -1i32..4, -1i32..6).prop_map(|(uri, importance, min_proficiency)| {
            pb::RequiredCompetency {
                uri,
                importance,
                min_proficiency,
            }
        })
    };
    (
        id(),
        text(MAX_NAME_CHARS),
        prop_oneof![
            text(50),
            Just("w ".repeat(MAX_TEXT_CHARS / 2)),
            Just("w".repeat(MAX_TEXT_CHARS + 1))
        ],
        repeated(MAX_JOB_COMPETENCIES, required),
        text(MAX_NAME_CHARS),
    )
        .prop_map(
            |(id, title, description, competencies, location)| pb::JobPosting {
                id,
                title,
                description,
                competencies,
                location,
                remote: false,
            },
        )
}

fn credential() -> impl Strategy<Value = pb::Microcredential> {
    (
        (id(), text(MAX_NAME_CHARS), text(MAX_NAME_CHARS)),
        repeated(MAX_LEARNING_OUTCOMES, || text(MAX_NAME_CHARS)),
        (
            proptest::option::of(amount()),
            proptest::option::of((amount(), currency())),
            proptest::option::of(amount()),
        ),
        (text(MAX_URI_CHARS), text(12), -1i32..5),
    )
        .prop_map(
            |(
                (id, title, provider),
                learning_outcomes,
                (hours, cost, credits),
                (url, language, kind),
            )| {
                pb::Microcredential {
                    id,
                    title,
                    provider,
                    learning_outcomes,
                    hours,
                    cost: cost.map(|(amount, currency)| pb::Money { amount, currency }),
                    credits: credits.map(|value| pb::Credits {
                        value,
                        system: "ECTS".into(),
                    }),
                    url,
                    language,
                    kind,
                    ..Default::default()
                }
            },
        )
}

fn filter() -> impl Strategy<Value = pb::CredentialFilter> {
    (
        proptest::option::of((amount(), currency())),
        proptest::option::of(amount()),
        repeated(40, || -1i32..5),
        text(12),
        text(MAX_NAME_CHARS),
        repeated(MAX_FILTER_COMPETENCIES, || text(MAX_URI_CHARS)),
        repeated(4, || -1i32..5),
    )
        .prop_map(
            |(max_cost, max_hours, delivery_modes, language, provider, competency_uris, kinds)| {
                pb::CredentialFilter {
                    max_cost: max_cost.map(|(amount, currency)| pb::Money { amount, currency }),
                    max_hours,
                    delivery_modes,
                    language,
                    provider,
                    competency_uris,
                    kinds,
                    ..Default::default()
                }
            },
        )
}

fn chars(text: &str) -> usize {
    text.chars().count()
}

/// Every refusal names at least one field, and every field it names.
fn names_fields(error: &ValidationError) -> bool {
    !error.violations().is_empty() && error.violations().iter().all(|v| !v.field.is_empty())
}

fn in_amount_range(value: f64) -> bool {
    value.is_finite() && (0.0..=MAX_AMOUNT).contains(&value)
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn candidates_accepted_are_within_their_limits(message in candidate()) {
        let sent = message.clone();
        match candidate_from_pb(message) {
            Ok(candidate) => {
                prop_assert!(candidate.id.as_str().len() <= MAX_ID_LEN);
                prop_assert!(candidate.display_name.as_deref().is_none_or(|n| chars(n) <= MAX_NAME_CHARS));
                prop_assert!(candidate.cv_text.len() <= CV_BYTES);
                prop_assert!(candidate.credentials.len() <= CANDIDATE_ITEMS);
                prop_assert!(candidate.competencies.len() <= CANDIDATE_ITEMS);
                for held in &sent.credentials {
                    prop_assert!(chars(&held.title) <= MAX_NAME_CHARS);
                    prop_assert!(chars(&held.issuer) <= MAX_NAME_CHARS);
                    prop_assert!(held.issued_on.is_empty() || held.issued_on.len() == 10);
                }
                for declared in &candidate.competencies {
                    prop_assert!(chars(&declared.uri) <= MAX_URI_CHARS);
                }
            }
            Err(error) => prop_assert!(names_fields(&error), "{error}"),
        }
    }

    #[test]
    fn jobs_accepted_are_within_their_limits(message in job()) {
        match job_from_pb(message, "job.") {
            Ok(job) => {
                prop_assert!(chars(&job.id) <= MAX_ID_LEN);
                prop_assert!(chars(&job.title) <= MAX_NAME_CHARS);
                prop_assert!(chars(&job.description) <= MAX_TEXT_CHARS);
                prop_assert!(chars(&job.location) <= MAX_NAME_CHARS);
                prop_assert!(job.competencies.len() <= MAX_JOB_COMPETENCIES);
                for required in &job.competencies {
                    prop_assert!(!required.uri.trim().is_empty());
                    prop_assert!(chars(&required.uri) <= MAX_URI_CHARS);
                }
            }
            Err(error) => {
                prop_assert!(names_fields(&error), "{error}");
                prop_assert!(error.violations().iter().all(|v| v.field.starts_with("job")), "{error}");
            }
        }
    }

    #[test]
    fn credentials_accepted_are_within_their_limits(message in credential()) {
        match Microcredential::try_from(message) {
            Ok(credential) => {
                prop_assert!(credential.id.as_str().len() <= MAX_ID_LEN);
                prop_assert!(!credential.title.trim().is_empty());
                prop_assert!(chars(&credential.title) <= MAX_NAME_CHARS);
                prop_assert!(chars(&credential.provider) <= MAX_NAME_CHARS);
                prop_assert!(credential.learning_outcomes.len() <= MAX_LEARNING_OUTCOMES);
                prop_assert!(credential.learning_outcomes.iter().all(|o| chars(o) <= MAX_NAME_CHARS));
                prop_assert!(credential.hours.is_none_or(in_amount_range));
                prop_assert!(credential.cost.is_none_or(|cost| in_amount_range(cost.amount)));
                prop_assert!(credential.credits.as_ref().is_none_or(|c| in_amount_range(c.value)));
                prop_assert!(credential.url.as_deref().is_none_or(|u| chars(u) <= MAX_URI_CHARS));
            }
            Err(error) => prop_assert!(names_fields(&error), "{error}"),
        }
    }

    #[test]
    fn filters_accepted_are_within_their_limits(message in filter()) {
        match filter_from_pb(Some(message), "filter.") {
            Ok(filter) => {
                prop_assert!(filter.max_cost.is_none_or(|m| m.amount.is_finite() && m.amount >= 0.0));
                prop_assert!(filter.max_hours.is_none_or(in_amount_range));
                prop_assert!(filter.delivery_modes.len() <= 32);
                prop_assert!(filter.kinds.len() <= 3);
                prop_assert!(filter.provider.as_deref().is_none_or(|p| chars(p) <= MAX_NAME_CHARS));
                prop_assert!(filter.competency_uris.len() <= MAX_FILTER_COMPETENCIES);
                prop_assert!(filter.competency_uris.iter().all(|u| chars(u) <= MAX_URI_CHARS));
            }
            Err(error) => {
                prop_assert!(names_fields(&error), "{error}");
                prop_assert!(error.violations().iter().all(|v| v.field.starts_with("filter.")), "{error}");
            }
        }
    }

    #[test]
    fn money_is_accepted_exactly_when_finite_non_negative_and_an_iso_code(
        value in amount(),
        code in currency(),
    ) {
        let valid_code = code.len() == 3 && code.bytes().all(|b| b.is_ascii_uppercase());
        let valid_amount = value.is_finite() && value >= 0.0;
        prop_assert_eq!(Money::new(value, &code).is_ok(), valid_code && valid_amount);
    }

    #[test]
    fn amounts_and_scores_are_accepted_exactly_in_their_ranges(value in amount()) {
        let mut amounts = Violations::default();
        amounts.check_amount("a", value);
        prop_assert_eq!(amounts.is_empty(), in_amount_range(value));
        let mut scores = Violations::default();
        scores.check_unit_score("s", value);
        prop_assert_eq!(scores.is_empty(), value.is_finite() && (0.0..=1.0).contains(&value));
    }

    #[test]
    fn dates_parse_exactly_the_valid_calendar_days(
        year in 1800i32..3100,
        month in 0u32..14,
        day in 0u32..33,
    ) {
        let raw = format!("{year:04}-{month:02}-{day:02}");
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
        let days = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => 0,
        };
        let valid = (1900..=2999).contains(&year) && (1..=days).contains(&day);
        let parsed = Date::parse(&raw);
        prop_assert_eq!(parsed.is_ok(), valid, "{}", raw);
        if let Ok(date) = parsed {
            prop_assert_eq!(date.to_string(), raw);
        }
    }

    #[test]
    fn date_parsing_never_panics(raw in text(10)) {
        if let Ok(date) = Date::parse(&raw) {
            prop_assert_eq!(date.to_string(), raw);
        }
    }
}
