//! The quality markers of a CTDL record: cost profiles, duration, delivery
//! mode and language, each reported as read, resolved or unknown.

use serde_json::Value;

use super::Graph;
use crate::catalog::linked_data::{duration_hours, each, language_map_tag, references, text};
use crate::catalog::report::{FieldOutcome, RecordReport};
use crate::domain::{Currency, DeliveryMode, Money, PublishedCost, read_language};

impl<'a> Graph<'a> {
    /// Every priced `estimatedCost` profile, and their sum when they share
    /// one known currency.
    pub(super) fn cost(
        &self,
        node: &'a Value,
        report: &mut RecordReport,
    ) -> (Option<Money>, Vec<PublishedCost>) {
        let mut profiles = Vec::new();
        let mut notes = Vec::new();
        for profile in self.nodes(node.get("ceterms:estimatedCost")) {
            let Some(amount) = profile.get("ceterms:price").and_then(number) else {
                continue;
            };
            if !(amount.is_finite() && amount >= 0.0) {
                notes.push(format!("price {amount} is not a finite number >= 0"));
                continue;
            }
            let published = text(profile.get("ceterms:currency"));
            let currency = published.as_deref().and_then(Currency::from_published);
            match (&published, currency) {
                (Some(name), Some(code)) if name != code.as_str() => {
                    notes.push(format!("currency {name:?} read as {code}"));
                }
                (Some(name), None) => notes.push(format!("currency {name:?} not recognised")),
                (None, _) => notes.push(format!("price {amount} has no currency")),
                _ => {}
            }
            let audience: Vec<String> = self
                .nodes(profile.get("ceterms:audienceType"))
                .into_iter()
                .filter_map(|a| text(a.get("ceterms:targetNodeName")))
                .collect();
            let label = [
                text(profile.get("ceterms:name")),
                (!audience.is_empty()).then(|| format!("audience: {}", audience.join(", "))),
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join("; ");
            profiles.push(PublishedCost {
                amount,
                currency,
                label: Some(label.chars().take(200).collect()).filter(|l: &String| !l.is_empty()),
            });
        }
        let common = references(node.get("ceterms:commonCosts")).len();
        let currencies: Vec<Option<Currency>> = profiles.iter().map(|p| p.currency).collect();
        let total = match currencies.first() {
            Some(Some(first)) if currencies.iter().all(|c| *c == Some(*first)) => Some(Money {
                amount: profiles.iter().map(|p| p.amount).sum(),
                currency: *first,
            }),
            _ => None,
        };
        let (outcome, detail) = match (&total, profiles.len()) {
            (Some(money), 1) => (FieldOutcome::Read, format!("one cost profile: {money}")),
            (Some(money), count) => (
                FieldOutcome::Read,
                format!(
                    "the sum of {count} cost profiles, {money} (an upper bound when they are alternatives)"
                ),
            ),
            (None, 0) if common > 0 => (
                FieldOutcome::Unknown,
                "published only as commonCosts references, not in this file".to_owned(),
            ),
            (None, 0) => (FieldOutcome::Unknown, "no priced estimatedCost".to_owned()),
            (None, count) => (
                FieldOutcome::Unknown,
                format!("{count} cost profile(s) kept, but not in one known currency"),
            ),
        };
        let outcome = if outcome == FieldOutcome::Read && !notes.is_empty() {
            FieldOutcome::Resolved
        } else {
            outcome
        };
        notes.dedup();
        let detail = if notes.is_empty() {
            detail
        } else {
            format!("{detail}; {}", notes.join("; "))
        };
        report.field("cost", outcome, detail);
        (total, profiles)
    }

    /// Hours and the lower bound of a range, from the first duration
    /// profile that gives an exact duration, else a range.
    pub(super) fn hours(
        &self,
        node: &'a Value,
        report: &mut RecordReport,
    ) -> (Option<f64>, Option<f64>) {
        let profiles = self.nodes(node.get("ceterms:estimatedDuration"));
        let read = |profile: &Value, key: &str| -> Option<Result<f64, String>> {
            let raw = profile.get(key).and_then(Value::as_str)?;
            Some(duration_hours(raw).map_err(|reason| format!("{key}: {reason}")))
        };
        let mut problems = Vec::new();
        for profile in &profiles {
            match read(profile, "ceterms:exactDuration") {
                Some(Ok(hours)) => {
                    report.field(
                        "hours",
                        FieldOutcome::Read,
                        format!("exactDuration, {hours} hours"),
                    );
                    return (Some(hours), None);
                }
                Some(Err(problem)) => problems.push(problem),
                None => {}
            }
            let min = read(profile, "ceterms:minimumDuration");
            let max = read(profile, "ceterms:maximumDuration");
            match (min, max) {
                (Some(Ok(min)), Some(Ok(max))) if min <= max => {
                    report.field(
                        "hours",
                        FieldOutcome::Read,
                        format!("a range, {min} to {max} hours (filters and plans use {max})"),
                    );
                    return (Some(max), Some(min));
                }
                (_, Some(Ok(max))) => {
                    report.field(
                        "hours",
                        FieldOutcome::Read,
                        format!("at most {max} hours (maximumDuration)"),
                    );
                    return (Some(max), None);
                }
                (min, max) => {
                    for side in [min, max].into_iter().flatten() {
                        match side {
                            Ok(hours) => problems
                                .push(format!("only a minimum of {hours} hours: no upper bound")),
                            Err(problem) => problems.push(problem),
                        }
                    }
                }
            }
        }
        let detail = if !problems.is_empty() {
            problems.join("; ")
        } else if profiles
            .iter()
            .any(|p| text(p.get("ceterms:description")).is_some())
        {
            "given only as text in the duration profile".to_owned()
        } else {
            "no estimatedDuration".to_owned()
        };
        report.field("hours", FieldOutcome::Unknown, detail);
        (None, None)
    }
}

/// A number, or a string holding one.
pub(super) fn number(value: &Value) -> Option<f64> {
    value
        .as_f64()
        .or_else(|| value.as_str().and_then(|s| s.trim().parse().ok()))
}

pub(super) fn delivery_mode(node: &Value, report: &mut RecordReport) -> Option<DeliveryMode> {
    let (mut online, mut in_person, mut blended) = (false, false, false);
    let mut others = Vec::new();
    for key in ["ceterms:learningDeliveryType", "ceterms:deliveryType"] {
        for item in each(node.get(key)) {
            let term = item
                .get("ceterms:targetNode")
                .and_then(Value::as_str)
                .or_else(|| item.as_str())
                .unwrap_or_default();
            match term.rsplit([':', '/']).next().unwrap_or_default() {
                "OnlineOnly" => online = true,
                "InPerson" => in_person = true,
                "BlendedDelivery" => blended = true,
                other => others.push(other.to_owned()),
            }
        }
    }
    let mode = match (online, in_person, blended) {
        (_, _, true) | (true, true, _) => Some(DeliveryMode::Blended),
        (true, false, false) => Some(DeliveryMode::Online),
        (false, true, false) => Some(DeliveryMode::InPerson),
        (false, false, false) => None,
    };
    match mode {
        Some(mode) if online && in_person && !blended => report.field(
            "delivery_mode",
            FieldOutcome::Resolved,
            format!("online and in person both offered, read as {mode:?}"),
        ),
        Some(mode) => report.field("delivery_mode", FieldOutcome::Read, format!("{mode:?}")),
        None if others.is_empty() => report.field(
            "delivery_mode",
            FieldOutcome::Unknown,
            "no learningDeliveryType or deliveryType",
        ),
        None => report.field(
            "delivery_mode",
            FieldOutcome::Unknown,
            format!("unrecognised delivery type(s): {}", others.join(", ")),
        ),
    }
    mode
}

/// The first usable `inLanguage` value (a tag, or a language name), else
/// the language of the name's language map.
pub(super) fn language(node: &Value, report: &mut RecordReport) -> Option<String> {
    let published: Vec<String> = each(node.get("ceterms:inLanguage"))
        .filter_map(|v| text(Some(v)))
        .collect();
    let mut tags: Vec<String> = Vec::new();
    let mut named = Vec::new();
    let mut unknown = Vec::new();
    for raw in &published {
        match read_language(raw) {
            Some(read) => {
                if raw != read.tag() {
                    named.push(format!("{raw:?} read as {}", read.tag()));
                }
                if !tags.iter().any(|t| t == read.tag()) {
                    tags.push(read.tag().to_owned());
                }
            }
            None => unknown.push(raw.clone()),
        }
    }
    let from_map =
        || language_map_tag(node.get("ceterms:name")).filter(|t| read_language(t).is_some());
    let (language, outcome, mut detail) = match tags.first() {
        Some(tag) if named.is_empty() => (
            Some(tag.clone()),
            FieldOutcome::Read,
            format!("inLanguage {tag}"),
        ),
        Some(tag) => (Some(tag.clone()), FieldOutcome::Resolved, named.join(", ")),
        None => match from_map() {
            Some(tag) => (
                Some(tag.clone()),
                FieldOutcome::Resolved,
                format!("the language of the name's language map, {tag}"),
            ),
            None => (None, FieldOutcome::Unknown, "no inLanguage".to_owned()),
        },
    };
    if published.len() > tags.len() + unknown.len() {
        detail.push_str("; duplicates removed");
    }
    if tags.len() > 1 {
        detail.push_str(&format!("; also published: {}", tags[1..].join(", ")));
    }
    if !unknown.is_empty() {
        detail.push_str(&format!("; not a language: {}", unknown.join(", ")));
    }
    report.field("language", outcome, detail);
    language
}
