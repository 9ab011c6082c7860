//! Hard filters on the quality markers of credentials.

use crate::domain::{DeliveryMode, Microcredential, Money, primary_language};

/// A filter on quality markers. The default accepts everything.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CredentialFilter {
    /// Maximum cost, compared through reference exchange rates.
    pub max_cost: Option<Money>,
    /// Maximum hours.
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
}

impl CredentialFilter {
    /// Whether a credential passes every set condition.
    pub fn accepts(&self, credential: &Microcredential) -> bool {
        let cost_ok = self
            .max_cost
            .as_ref()
            .is_none_or(|limit| credential.cost.at_most(limit) == Some(true));
        let hours_ok = self
            .max_hours
            .is_none_or(|limit| credential.hours <= limit + 1e-9);
        let mode_ok = self.delivery_modes.is_empty()
            || self.delivery_modes.contains(&credential.delivery_mode);
        let language_ok = self
            .language
            .as_deref()
            .is_none_or(|language| primary_language(language) == credential.primary_language());
        let provider_ok = self
            .provider
            .as_deref()
            .is_none_or(|provider| provider.eq_ignore_ascii_case(&credential.provider));
        let competency_ok = self.competency_uris.is_empty()
            || credential
                .competencies
                .iter()
                .any(|taught| self.competency_uris.contains(&taught.uri));
        cost_ok
            && hours_ok
            && mode_ok
            && (!self.require_assessed || credential.assessed)
            && (!self.require_accredited || credential.is_accredited())
            && language_ok
            && provider_ok
            && competency_ok
    }
}
