//! Page sizes and opaque page tokens (AIP-158).
//!
//! A token is the cursor (an offset or the last id of the page) sealed with
//! XChaCha20-Poly1305 under the store's page-token key, with the query it
//! belongs to (the list, the caller's tenant and a digest of the query and
//! its filter) as associated data. A client can neither read nor forge one,
//! and a token of another list, tenant, query or filter fails to open and
//! is a field violation.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};

use crate::domain::ValidationError;

/// Longest page token accepted, in characters; tokens this server issues are
/// far shorter.
pub const MAX_PAGE_TOKEN_CHARS: usize = 512;

/// Most bytes of records one list page carries; a page holds fewer records
/// than `page_size` when they would not fit (and at least one), and its
/// token continues after the last one it holds.
pub const MAX_PAGE_BYTES: usize = 4 * 1024 * 1024;

/// Cuts `items` (already in page order) to the longest prefix within
/// [`MAX_PAGE_BYTES`], keeping at least one; whether any were cut.
pub fn fit_page<T: prost::Message>(items: &mut Vec<T>) -> bool {
    let mut bytes = 0;
    let keep = items
        .iter()
        .take_while(|item| {
            bytes += item.encoded_len();
            bytes <= MAX_PAGE_BYTES
        })
        .count()
        .max(1);
    let cut = keep < items.len();
    items.truncate(keep);
    cut
}

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

/// What a page token is bound to: a digest of the list's name, the caller's
/// tenant and the query (with its filter) in a canonical form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenBinding([u8; 32]);

impl TokenBinding {
    /// Binds tokens to `list` (e.g. `candidates`), `tenant` and `query`,
    /// whose `Debug` form is its canonical text.
    pub fn new(list: &str, tenant: &str, query: &impl std::fmt::Debug) -> Self {
        let mut hasher = blake3::Hasher::new();
        for part in [list, tenant, &format!("{query:?}")] {
            hasher.update(&(part.len() as u64).to_le_bytes());
            hasher.update(part.as_bytes());
        }
        Self(*hasher.finalize().as_bytes())
    }
}

/// Seals and opens page tokens under one key.
#[derive(Clone)]
pub struct PageTokens {
    cipher: XChaCha20Poly1305,
}

impl std::fmt::Debug for PageTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PageTokens")
    }
}

const NONCE_BYTES: usize = 24;

impl PageTokens {
    /// Tokens under `key` (the store's page-token key).
    pub fn new(key: &[u8; 32]) -> Self {
        Self {
            cipher: XChaCha20Poly1305::new(key.into()),
        }
    }

    /// The token of the page that continues at `cursor`.
    pub fn seal(&self, binding: &TokenBinding, cursor: &str) -> String {
        let mut nonce = [0u8; NONCE_BYTES];
        getrandom::fill(&mut nonce).expect("the operating system's random source");
        let sealed = self
            .cipher
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: cursor.as_bytes(),
                    aad: &binding.0,
                },
            )
            .expect("sealing a short cursor cannot fail");
        let mut token = nonce.to_vec();
        token.extend(sealed);
        URL_SAFE_NO_PAD.encode(token)
    }

    /// The cursor a token sealed for the same binding holds, read by `read`;
    /// `None` for the empty token (the first page). A cursor `read` cannot
    /// read (`None`) refuses the token.
    pub fn open_as<T>(
        &self,
        binding: &TokenBinding,
        token: &str,
        read: impl FnOnce(&str) -> Option<T>,
    ) -> Result<Option<T>, ValidationError> {
        self.open(binding, token)?
            .map(|cursor| {
                read(&cursor).ok_or_else(|| {
                    ValidationError::field("page_token", "is not a token this list returned")
                })
            })
            .transpose()
    }

    /// The cursor a token sealed for the same binding holds; `None` for the
    /// empty token (the first page).
    pub fn open(
        &self,
        binding: &TokenBinding,
        token: &str,
    ) -> Result<Option<String>, ValidationError> {
        if token.is_empty() {
            return Ok(None);
        }
        let invalid = || {
            ValidationError::field(
                "page_token",
                "is not a token this list returned for this query",
            )
        };
        if token.len() > MAX_PAGE_TOKEN_CHARS {
            return Err(ValidationError::field(
                "page_token",
                format!("must be at most {MAX_PAGE_TOKEN_CHARS} characters"),
            ));
        }
        let bytes = URL_SAFE_NO_PAD.decode(token).map_err(|_| invalid())?;
        if bytes.len() < NONCE_BYTES {
            return Err(invalid());
        }
        let (nonce, sealed) = bytes.split_at(NONCE_BYTES);
        let cursor = self
            .cipher
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: sealed,
                    aad: &binding.0,
                },
            )
            .map_err(|_| invalid())?;
        String::from_utf8(cursor).map(Some).map_err(|_| invalid())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_bind_list_tenant_and_query() {
        let tokens = PageTokens::new(&[7; 32]);
        let binding = TokenBinding::new("credentials", "t1", &("filter", 1));
        let token = tokens.seal(&binding, "abc");
        assert!(!token.contains("abc"));
        assert_eq!(
            tokens.open(&binding, &token).unwrap().as_deref(),
            Some("abc")
        );
        for other in [
            TokenBinding::new("candidates", "t1", &("filter", 1)),
            TokenBinding::new("credentials", "t2", &("filter", 1)),
            TokenBinding::new("credentials", "t1", &("filter", 2)),
        ] {
            assert!(tokens.open(&other, &token).is_err());
        }
        assert!(PageTokens::new(&[8; 32]).open(&binding, &token).is_err());
        let mut forged = URL_SAFE_NO_PAD.decode(&token).unwrap();
        *forged.last_mut().unwrap() ^= 1;
        assert!(
            tokens
                .open(&binding, &URL_SAFE_NO_PAD.encode(forged))
                .is_err()
        );
        assert!(tokens.open(&binding, "zz").is_err());
        assert_eq!(tokens.open(&binding, "").unwrap(), None);
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
