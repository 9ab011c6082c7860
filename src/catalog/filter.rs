//! Hard filters on the quality markers of credentials.
//!
//! A marker a credential does not publish (hours, cost, delivery mode,
//! language) is unknown. A condition on an unknown marker excludes the
//! credential unless `include_unknown` is set: nothing unpublished is taken
//! to satisfy a limit. A cost in a currency without a reference rate cannot
//! be compared and is excluded either way.

use crate::domain::{CredentialKind, DeliveryMode, Microcredential, Money, primary_language};

/// A filter on quality markers. The default accepts everything.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CredentialFilter {
    /// Maximum cost, compared through reference exchange rates.
    pub max_cost: Option<Money>,
    /// Maximum hours, compared with the exact duration or the upper bound of a range.
    pub max_hours: Option<f64>,
    /// Allowed delivery modes; empty allows all.
    pub delivery_modes: Vec<DeliveryMode>,
    /// Only assessed credentials.
    pub require_assessed: bool,
    /// Only accredited credentials.
    pub require_accredited: bool,
    /// Primary language subtag, lower case.
    pub language: Option<String>,
    /// Provider, compared case-insensitively.
    pub provider: Option<String>,
    /// Only credentials teaching at least one of these URIs.
    pub competency_uris: Vec<String>,
    /// Allowed kinds of catalogue entry; empty allows all.
    pub kinds: Vec<CredentialKind>,
    /// Let credentials through `max_cost`, `max_hours`, `delivery_modes` and
    /// `language` when the marker the condition is on is unknown.
    pub include_unknown: bool,
}

impl CredentialFilter {
    /// Whether a credential passes every set condition.
    pub fn accepts(&self, credential: &Microcredential) -> bool {
        let unknown = self.include_unknown;
        let cost_ok = self
            .max_cost
            .as_ref()
            .is_none_or(|limit| match &credential.cost {
                Some(cost) => cost.at_most(limit) == Some(true),
                None => unknown,
            });
        let hours_ok = self
            .max_hours
            .is_none_or(|limit| credential.hours.map_or(unknown, |h| h <= limit + 1e-9));
        let mode_ok = self.delivery_modes.is_empty()
            || credential
                .delivery_mode
                .map_or(unknown, |mode| self.delivery_modes.contains(&mode));
        let language_ok = self.language.as_deref().is_none_or(|language| {
            credential
                .primary_language()
                .map_or(unknown, |own| own == primary_language(language))
        });
        let provider_ok = self
            .provider
            .as_deref()
            .is_none_or(|provider| provider.eq_ignore_ascii_case(&credential.provider));
        let competency_ok = self.competency_uris.is_empty()
            || credential
                .competencies
                .iter()
                .any(|taught| self.competency_uris.contains(&taught.uri));
        let kind_ok = self.kinds.is_empty() || self.kinds.contains(&credential.kind);
        cost_ok
            && hours_ok
            && mode_ok
            && (!self.require_assessed || credential.assessed)
            && (!self.require_accredited || credential.is_accredited())
            && language_ok
            && provider_ok
            && competency_ok
            && kind_ok
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unknown_markers() -> Microcredential {
        serde_json::from_str(r#"{"id":"u","title":"Unknown markers"}"#).unwrap()
    }

    fn known_markers() -> Microcredential {
        serde_json::from_str(
            r#"{"id":"k","title":"Known","hours":10,"cost":{"amount":100,"currency":"EUR"},
                "delivery_mode":"online","language":"en-GB","kind":"assessment"}"#,
        )
        .unwrap()
    }

    /// Each filter on a marker, alone, with and without `include_unknown`.
    fn marker_filters() -> Vec<(&'static str, CredentialFilter)> {
        vec![
            (
                "max_cost",
                CredentialFilter {
                    max_cost: Some(Money::new(500.0, "EUR").unwrap()),
                    ..CredentialFilter::default()
                },
            ),
            (
                "max_hours",
                CredentialFilter {
                    max_hours: Some(40.0),
                    ..CredentialFilter::default()
                },
            ),
            (
                "delivery_modes",
                CredentialFilter {
                    delivery_modes: vec![DeliveryMode::Online],
                    ..CredentialFilter::default()
                },
            ),
            (
                "language",
                CredentialFilter {
                    language: Some("en".into()),
                    ..CredentialFilter::default()
                },
            ),
        ]
    }

    #[test]
    fn unknown_markers_fail_a_condition_unless_included() {
        let (unknown, known) = (unknown_markers(), known_markers());
        for (name, filter) in marker_filters() {
            assert!(filter.accepts(&known), "{name}: the known value passes");
            assert!(!filter.accepts(&unknown), "{name}: unknown is excluded");
            let including = CredentialFilter {
                include_unknown: true,
                ..filter
            };
            assert!(
                including.accepts(&unknown),
                "{name}: include_unknown lets it through"
            );
            assert!(including.accepts(&known), "{name}: known still passes");
        }
        assert!(
            CredentialFilter::default().accepts(&unknown),
            "no condition, no exclusion"
        );
    }

    #[test]
    fn include_unknown_does_not_pass_known_values_that_fail() {
        let known = known_markers();
        let filter = CredentialFilter {
            max_cost: Some(Money::new(50.0, "EUR").unwrap()),
            max_hours: Some(5.0),
            include_unknown: true,
            ..CredentialFilter::default()
        };
        assert!(!filter.accepts(&known));
    }

    #[test]
    fn ranges_are_filtered_on_their_upper_bound() {
        let mut ranged = known_markers();
        ranged.min_hours = Some(2.0);
        ranged.hours = Some(10.0);
        let filter = |max| CredentialFilter {
            max_hours: Some(max),
            ..CredentialFilter::default()
        };
        assert!(filter(10.0).accepts(&ranged));
        assert!(
            !filter(5.0).accepts(&ranged),
            "the lower bound alone is not enough"
        );
    }

    #[test]
    fn kinds_filter_the_kind_of_entry() {
        let (credential, assessment) = (unknown_markers(), known_markers());
        let filter = CredentialFilter {
            kinds: vec![CredentialKind::Assessment],
            ..CredentialFilter::default()
        };
        assert!(filter.accepts(&assessment));
        assert!(
            !filter.accepts(&credential),
            "a record without a kind is a credential"
        );
    }
}
