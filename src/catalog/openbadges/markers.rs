//! What an achievement says of its provider, outcomes, price and delivery
//! mode (the last two only through skillmatch extension properties).

use serde_json::Value;

use crate::catalog::linked_data::text;
use crate::catalog::report::{FieldOutcome, RecordReport};
use crate::domain::{DeliveryMode, Money};

/// The creator profile's name (or IRI), else the credential issuer's.
pub(super) fn provider(node: &Value, issuer: Option<&Value>, report: &mut RecordReport) -> String {
    for (source, profile) in [("creator", node.get("creator")), ("issuer", issuer)] {
        match profile {
            Some(Value::String(iri)) => {
                report.field(
                    "provider",
                    FieldOutcome::Resolved,
                    format!("only the {source}'s IRI"),
                );
                return iri.clone();
            }
            Some(profile) => {
                if let Some(name) = text(profile.get("name")) {
                    report.field(
                        "provider",
                        FieldOutcome::Read,
                        format!("the {source}'s name"),
                    );
                    return name;
                }
                if let Some(iri) = text(profile.get("id")) {
                    report.field(
                        "provider",
                        FieldOutcome::Resolved,
                        format!("only the {source}'s IRI"),
                    );
                    return iri;
                }
            }
            None => {}
        }
    }
    report.field("provider", FieldOutcome::Unknown, "no creator or issuer");
    String::new()
}

/// The criteria narrative's non-empty lines, without Markdown list markers.
pub(super) fn outcomes(node: &Value) -> Vec<String> {
    node.get("criteria")
        .and_then(|criteria| text(criteria.get("narrative")))
        .map(|narrative| {
            narrative
                .lines()
                .map(|line| line.trim().trim_start_matches(['-', '*', '•']).trim())
                .filter(|line| !line.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

pub(super) fn cost(value: Option<&Value>, report: &mut RecordReport) -> Option<Money> {
    let Some(value) = value else {
        report.field(
            "cost",
            FieldOutcome::Unknown,
            "Open Badges publishes no price",
        );
        return None;
    };
    let amount = value.get("amount").and_then(Value::as_f64);
    let currency = value.get("currency").and_then(Value::as_str);
    match (amount, currency) {
        (Some(amount), Some(currency)) => match Money::new(amount, currency) {
            Ok(money) => {
                report.field("cost", FieldOutcome::Read, "skillmatch:cost");
                Some(money)
            }
            Err(error) => {
                report.field(
                    "cost",
                    FieldOutcome::Unknown,
                    format!("skillmatch:cost: {error}"),
                );
                None
            }
        },
        _ => {
            report.field(
                "cost",
                FieldOutcome::Unknown,
                "skillmatch:cost needs amount and currency",
            );
            None
        }
    }
}

pub(super) fn delivery_mode(
    value: Option<&Value>,
    report: &mut RecordReport,
) -> Option<DeliveryMode> {
    let mode = match value.and_then(Value::as_str) {
        Some("online") => Some(DeliveryMode::Online),
        Some("in_person") => Some(DeliveryMode::InPerson),
        Some("blended") => Some(DeliveryMode::Blended),
        _ => None,
    };
    match (mode, value) {
        (Some(_), _) => report.field(
            "delivery_mode",
            FieldOutcome::Read,
            "skillmatch:deliveryMode",
        ),
        (None, None) => report.field(
            "delivery_mode",
            FieldOutcome::Unknown,
            "Open Badges publishes no delivery mode",
        ),
        (None, Some(other)) => report.field(
            "delivery_mode",
            FieldOutcome::Unknown,
            format!("skillmatch:deliveryMode {other} is not online, in_person or blended"),
        ),
    }
    mode
}
