//! Ids of tenant records (candidates, jobs).

use std::fmt;

use serde::{Deserialize, Serialize};

use super::{ValidationError, check_client_id};

/// A candidate or job id: 1-128 characters of ASCII letters, digits, `-`, `_`, `.`, `:`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RecordId(String);

impl RecordId {
    /// Validates a raw id.
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        check_client_id(raw).map(|()| Self(raw.to_owned()))
    }

    /// The id as a string.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for RecordId {
    type Error = ValidationError;
    fn try_from(raw: String) -> Result<Self, Self::Error> {
        check_client_id(&raw).map(|()| Self(raw))
    }
}

impl From<RecordId> for String {
    fn from(id: RecordId) -> Self {
        id.0
    }
}

impl fmt::Display for RecordId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
