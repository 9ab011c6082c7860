//! Credential filters from protobuf.

use super::{delivery_modes_from_pb, kinds_from_pb};
use crate::catalog::CredentialFilter;
use crate::domain::limits::{
    MAX_FILTER_COMPETENCIES, MAX_FILTER_VALUE_CHARS, MAX_NAME_CHARS, MAX_URI_CHARS,
};
use crate::domain::{Money, ValidationError, Violations, is_language_tag, primary_language};
use crate::pb;

/// A filter; `None` accepts everything. `prefix` is the filter's field path.
pub fn filter_from_pb(
    filter: Option<pb::CredentialFilter>,
    prefix: &str,
) -> Result<CredentialFilter, ValidationError> {
    let Some(pb::CredentialFilter {
        max_cost,
        max_hours,
        delivery_modes,
        require_assessed,
        require_accredited,
        language,
        provider,
        competency_uris,
        include_unknown,
        kinds,
    }) = filter
    else {
        return Ok(CredentialFilter::default());
    };
    let mut violations = Violations::default();
    let max_cost = max_cost.and_then(|pb::Money { amount, currency }| {
        violations.take(Money::new(amount, &currency), &format!("{prefix}max_cost."))
    });
    if let Some(hours) = max_hours {
        violations.check_amount(&format!("{prefix}max_hours"), hours);
    }
    violations.check_chars(
        &format!("{prefix}language"),
        &language,
        MAX_FILTER_VALUE_CHARS,
    );
    violations.check(
        language.is_empty() || is_language_tag(&language),
        &format!("{prefix}language"),
        "must be a BCP 47 language tag such as en or de-AT",
    );
    violations.check_chars(&format!("{prefix}provider"), &provider, MAX_NAME_CHARS);
    violations.check_count(
        &format!("{prefix}competency_uris"),
        competency_uris.len(),
        MAX_FILTER_COMPETENCIES,
    );
    for (index, uri) in competency_uris
        .iter()
        .enumerate()
        .take(MAX_FILTER_COMPETENCIES)
    {
        violations.check_chars(
            &format!("{prefix}competency_uris[{index}]"),
            uri,
            MAX_URI_CHARS,
        );
    }
    let delivery_modes = delivery_modes_from_pb(delivery_modes, prefix, &mut violations);
    let kinds = kinds_from_pb(kinds, prefix, &mut violations);
    violations.finish(CredentialFilter {
        max_cost,
        max_hours,
        delivery_modes,
        require_assessed,
        require_accredited,
        language: Some(primary_language(&language)).filter(|l| !l.is_empty()),
        provider: Some(provider).filter(|p| !p.trim().is_empty()),
        competency_uris,
        kinds,
        include_unknown,
    })
}
