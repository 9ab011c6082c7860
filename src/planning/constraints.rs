//! What a plan must respect: a budget of money and hours, and the quality
//! markers every credential of the plan must have.

use crate::catalog::CredentialFilter;
use crate::domain::{Currency, DeliveryMode, Microcredential, Money, ValidationError, Violations};

/// Budget and quality requirements of an upskilling plan. The default has no limits.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PlanConstraints {
    /// Most the plan may cost, prerequisites included; its currency is the plan's.
    pub max_total_cost: Option<Money>,
    /// Most notional learning hours the plan may take.
    pub max_total_hours: Option<f64>,
    /// Allowed delivery modes; empty allows all.
    pub delivery_modes: Vec<DeliveryMode>,
    /// Only assessed credentials.
    pub require_assessed: bool,
    /// Only accredited credentials.
    pub require_accredited: bool,
}

impl PlanConstraints {
    /// Checks that the budget can be compared with prices: finite hours and a
    /// currency with a reference rate. Field paths are relative to the constraints.
    pub fn validate(&self) -> Result<(), ValidationError> {
        let mut violations = Violations::default();
        if let Some(money) = &self.max_total_cost {
            violations.check(
                money.currency.eur_rate().is_some(),
                "max_total_cost.currency",
                "has no reference exchange rate; use a currency such as EUR, USD or GBP",
            );
        }
        if let Some(hours) = self.max_total_hours {
            violations.check(
                hours.is_finite() && hours >= 0.0,
                "max_total_hours",
                "must be a finite number >= 0",
            );
        }
        violations.finish(())
    }

    /// The currency totals are given in: the budget's, or EUR.
    pub fn currency(&self) -> Currency {
        self.max_total_cost.map_or_else(
            || Currency::parse("EUR").expect("EUR is valid"),
            |m| m.currency,
        )
    }

    /// The quality requirements as a catalogue filter (no price or hours limit:
    /// those apply to the plan's totals).
    pub fn quality_filter(&self) -> CredentialFilter {
        CredentialFilter {
            delivery_modes: self.delivery_modes.clone(),
            require_assessed: self.require_assessed,
            require_accredited: self.require_accredited,
            ..CredentialFilter::default()
        }
    }

    /// Whether a credential's cost and hours can enter a plan under these
    /// budgets: a known price must convert to the plan's currency; an
    /// unknown price (or unknown hours) is admitted only when there is no
    /// cost (hours) budget, since nothing shows it fits one. An admitted
    /// unknown is never counted as 0: the plan names it and prefers plans
    /// without unknowns (see `problem::Value`).
    pub fn admits(&self, credential: &Microcredential) -> bool {
        let cost_ok = match &credential.cost {
            Some(cost) => self.price(cost).is_some(),
            None => self.max_total_cost.is_none(),
        };
        cost_ok && (credential.hours.is_some() || self.max_total_hours.is_none())
    }

    /// A price in the plan's currency through the reference rates; `None`
    /// when either currency has no rate.
    pub fn price(&self, money: &Money) -> Option<f64> {
        let currency = self.currency();
        if money.currency == currency {
            return Some(money.amount);
        }
        Some(money.in_eur()? / currency.eur_rate()?)
    }
}
