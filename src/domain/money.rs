//! Money in ISO 4217 currencies, and the reference rates used to compare prices.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::ValidationError;

/// An ISO 4217 currency code: three upper-case ASCII letters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Currency([u8; 3]);

impl Currency {
    /// Parses a code such as `EUR`.
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let bytes = raw.as_bytes();
        if bytes.len() == 3 && bytes.iter().all(u8::is_ascii_uppercase) {
            Ok(Self([bytes[0], bytes[1], bytes[2]]))
        } else {
            Err(ValidationError::field(
                "currency",
                "must be an ISO 4217 code of 3 upper-case letters, e.g. EUR",
            ))
        }
    }

    /// A currency as a record publishes it: an ISO 4217 code in any case
    /// (`usd`), or an English name that names one currency unambiguously
    /// ("US Dollar", "Euro", "Pound Sterling"). `None` for anything else,
    /// including ambiguous names such as "Dollar" or symbols such as `$`.
    pub fn from_published(raw: &str) -> Option<Self> {
        let trimmed = raw.trim();
        if trimmed.len() == 3 && trimmed.chars().all(|c| c.is_ascii_alphabetic()) {
            return Self::parse(&trimmed.to_ascii_uppercase()).ok();
        }
        let folded: String = trimmed
            .to_lowercase()
            .chars()
            .filter(|c| c.is_alphanumeric() || *c == ' ')
            .collect();
        let code = match folded
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .as_str()
        {
            "us dollar" | "us dollars" | "united states dollar" | "american dollar" => "USD",
            "euro" | "euros" => "EUR",
            "pound sterling" | "british pound" | "british pounds" | "sterling" => "GBP",
            "canadian dollar" | "canadian dollars" => "CAD",
            "australian dollar" | "australian dollars" => "AUD",
            "new zealand dollar" => "NZD",
            "swiss franc" | "swiss francs" => "CHF",
            "swedish krona" | "swedish kronor" => "SEK",
            "norwegian krone" => "NOK",
            "danish krone" => "DKK",
            "polish zloty" | "złoty" | "zloty" => "PLN",
            "czech koruna" => "CZK",
            "indian rupee" | "indian rupees" => "INR",
            "japanese yen" | "yen" => "JPY",
            "south african rand" | "rand" => "ZAR",
            _ => return None,
        };
        Self::parse(code).ok()
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or("XXX")
    }

    /// Approximate value of one unit in euros, for comparing prices across currencies.
    /// `None` for currencies without a reference rate.
    pub fn eur_rate(self) -> Option<f64> {
        let rate = match self.as_str() {
            "EUR" => 1.0,
            "USD" => 0.92,
            "GBP" => 1.17,
            "CAD" => 0.67,
            "CHF" => 1.05,
            "AUD" => 0.60,
            "NZD" => 0.55,
            "SEK" => 0.087,
            "NOK" => 0.086,
            "DKK" => 0.134,
            "PLN" => 0.23,
            "CZK" => 0.040,
            "INR" => 0.011,
            "JPY" => 0.0061,
            "ZAR" => 0.050,
            _ => return None,
        };
        Some(rate)
    }
}

impl TryFrom<String> for Currency {
    type Error = ValidationError;
    fn try_from(raw: String) -> Result<Self, Self::Error> {
        Self::parse(&raw)
    }
}

impl From<Currency> for String {
    fn from(currency: Currency) -> Self {
        currency.as_str().to_owned()
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A non-negative, finite amount in a currency.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Money {
    /// Amount in major units.
    pub amount: f64,
    /// Currency.
    pub currency: Currency,
}

impl Money {
    /// Validates the amount and currency.
    pub fn new(amount: f64, currency: &str) -> Result<Self, ValidationError> {
        if !amount.is_finite() || amount < 0.0 {
            return Err(ValidationError::field(
                "amount",
                "must be a finite number >= 0",
            ));
        }
        Ok(Self {
            amount,
            currency: Currency::parse(currency)?,
        })
    }

    /// The amount in euros at the reference rates, when the currency has one.
    pub fn in_eur(&self) -> Option<f64> {
        self.currency.eur_rate().map(|rate| self.amount * rate)
    }

    /// Whether this price is at most `limit`, converting currencies through euros.
    /// `None` when either currency has no reference rate.
    pub fn at_most(&self, limit: &Money) -> Option<bool> {
        if self.currency == limit.currency {
            return Some(self.amount <= limit.amount + 1e-9);
        }
        Some(self.in_eur()? <= limit.in_eur()? + 1e-9)
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:.2} {}", self.amount, self.currency)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compares_across_currencies_through_reference_rates() {
        let gbp = Money::new(100.0, "GBP").unwrap();
        assert_eq!(gbp.at_most(&Money::new(120.0, "EUR").unwrap()), Some(true));
        assert_eq!(gbp.at_most(&Money::new(110.0, "EUR").unwrap()), Some(false));
        assert_eq!(gbp.at_most(&Money::new(1.0, "XYZ").unwrap()), None);
    }

    #[test]
    fn reads_published_currency_names() {
        let code = |raw: &str| Currency::from_published(raw).map(|c| c.to_string());
        assert_eq!(code("US Dollar").as_deref(), Some("USD"));
        assert_eq!(code("U.S. Dollar").as_deref(), Some("USD"));
        assert_eq!(code("usd").as_deref(), Some("USD"));
        assert_eq!(code("Euro").as_deref(), Some("EUR"));
        assert_eq!(code("Pound Sterling").as_deref(), Some("GBP"));
        for ambiguous in ["Dollar", "$", "Pound", "", "Dollars US maybe"] {
            assert_eq!(code(ambiguous), None, "{ambiguous}");
        }
    }

    #[test]
    fn rejects_bad_amounts_and_codes() {
        assert!(Money::new(-1.0, "EUR").is_err());
        assert!(Money::new(f64::NAN, "EUR").is_err());
        assert!(Money::new(1.0, "eur").is_err());
        assert!(Money::new(1.0, "EURO").is_err());
    }
}
