//! Page sizes and opaque page tokens (AIP-158).

use crate::domain::ValidationError;

/// A page size clamped to a documented maximum; 0 means the default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageSize(usize);

impl PageSize {
    /// Validates a requested size: negative is invalid, 0 is `default`, above `max` is `max`.
    pub fn new(
        requested: i32,
        default: usize,
        max: usize,
        field: &str,
    ) -> Result<Self, ValidationError> {
        match usize::try_from(requested) {
            Err(_) => Err(ValidationError::field(field, "must not be negative")),
            Ok(0) => Ok(Self(default)),
            Ok(size) => Ok(Self(size.min(max))),
        }
    }

    /// The size.
    pub fn get(self) -> usize {
        self.0
    }
}

/// Encodes a cursor as an opaque token for `kind` (e.g. `credentials`).
pub fn encode_token(kind: &str, cursor: &str) -> String {
    hex::encode(format!("{kind}\n{cursor}"))
}

/// Decodes a token made by [`encode_token`] for the same kind; empty means the first page.
pub fn decode_token(kind: &str, token: &str) -> Result<Option<String>, ValidationError> {
    if token.is_empty() {
        return Ok(None);
    }
    let invalid = || ValidationError::field("page_token", "is not a token this list returned");
    let bytes = hex::decode(token).map_err(|_| invalid())?;
    let text = String::from_utf8(bytes).map_err(|_| invalid())?;
    let (token_kind, cursor) = text.split_once('\n').ok_or_else(invalid)?;
    if token_kind != kind {
        return Err(invalid());
    }
    Ok(Some(cursor.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_reject_other_kinds() {
        let token = encode_token("credentials", "abc");
        assert_eq!(
            decode_token("credentials", &token).unwrap().as_deref(),
            Some("abc")
        );
        assert!(decode_token("search", &token).is_err());
        assert!(decode_token("credentials", "zz").is_err());
        assert_eq!(decode_token("credentials", "").unwrap(), None);
    }

    #[test]
    fn page_sizes_clamp() {
        assert_eq!(PageSize::new(0, 50, 500, "page_size").unwrap().get(), 50);
        assert_eq!(
            PageSize::new(9999, 50, 500, "page_size").unwrap().get(),
            500
        );
        assert!(PageSize::new(-1, 50, 500, "page_size").is_err());
    }
}
