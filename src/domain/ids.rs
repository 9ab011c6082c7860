//! Validated identifiers.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::ValidationError;

/// Maximum length of a client-chosen id.
pub const MAX_ID_LEN: usize = 128;

/// A credential id: 1-128 characters of ASCII letters, digits, `-`, `_`, `.`, `:`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CredentialId(String);

impl CredentialId {
    /// Validates a raw id.
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        check_client_id(raw).map(|()| Self(raw.to_owned()))
    }

    /// The id as a string.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Checks the shape shared by every client-chosen id.
pub fn check_client_id(raw: &str) -> Result<(), ValidationError> {
    if raw.is_empty() {
        return Err(ValidationError::field("id", "must not be empty"));
    }
    if raw.len() > MAX_ID_LEN {
        return Err(ValidationError::field(
            "id",
            format!("must be at most {MAX_ID_LEN} characters"),
        ));
    }
    if !raw
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':'))
    {
        return Err(ValidationError::field(
            "id",
            "may contain only ASCII letters, digits, '-', '_', '.' and ':'",
        ));
    }
    Ok(())
}

impl TryFrom<String> for CredentialId {
    type Error = ValidationError;
    fn try_from(raw: String) -> Result<Self, Self::Error> {
        check_client_id(&raw).map(|()| Self(raw))
    }
}

impl From<CredentialId> for String {
    fn from(id: CredentialId) -> Self {
        id.0
    }
}

impl fmt::Display for CredentialId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
