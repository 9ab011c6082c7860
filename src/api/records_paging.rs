//! Paging of tenant record lists (candidates, jobs).

use tonic::Status;

use super::paging::{PageSize, PageTokens, TokenBinding};
use crate::auth::TenantId;
use crate::domain::{RecordId, ValidationError};
use crate::engine::Engine;

/// Default page size of record lists.
pub const DEFAULT_PAGE: usize = 50;
/// Largest page size of record lists.
pub const MAX_PAGE: usize = 500;

/// What the page tokens of a tenant's list of `kind` are bound to.
pub fn binding(kind: &str, tenant: &TenantId) -> TokenBinding {
    TokenBinding::new(kind, tenant.as_str(), &())
}

/// The page size and the id to continue after.
pub fn page_request(
    engine: &Engine,
    binding: &TokenBinding,
    page_size: i32,
    page_token: &str,
) -> Result<(usize, Option<RecordId>), Status> {
    let size = PageSize::new(page_size, DEFAULT_PAGE, MAX_PAGE, "page_size")?.get();
    let after =
        PageTokens::new(engine.page_token_key())
            .open_as(binding, page_token, |cursor| RecordId::parse(cursor).ok())?;
    Ok((size, after))
}

/// The token of the page after one ending with `last`.
pub fn next_token(
    engine: &Engine,
    binding: &TokenBinding,
    more: bool,
    last: Option<&str>,
) -> String {
    match (more, last) {
        (true, Some(last)) => PageTokens::new(engine.page_token_key()).seal(binding, last),
        _ => String::new(),
    }
}

/// Parses a record id field.
pub fn record_id(raw: &str, field: &str) -> Result<RecordId, Status> {
    RecordId::parse(raw).map_err(|error| Status::from(error_at(error, field)))
}

fn error_at(error: ValidationError, field: &str) -> ValidationError {
    let description = error
        .violations()
        .first()
        .map(|v| v.description.clone())
        .unwrap_or_default();
    ValidationError::field(field, description)
}
