//! Paging of tenant record lists (candidates, jobs).

use tonic::Status;

use super::Workers;
use super::paging::{PageSize, PageTokens, TokenBinding, fit_page};
use crate::auth::TenantId;
use crate::domain::{RecordId, ValidationError};
use crate::engine::Engine;
use crate::error::Error;

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

/// One page of a tenant's records and whether more follow.
pub type Listed<R> = Result<(Vec<R>, bool), Error>;

/// A tenant record list: the kind its page tokens are bound to, and the
/// engine call that lists a tenant's records of that kind after an id.
pub struct RecordList<R> {
    /// Page tokens of one kind are refused by the others.
    pub kind: &'static str,
    /// The engine's list call.
    pub list: fn(&Engine, &TenantId, Option<&RecordId>, usize) -> Listed<R>,
}

/// One page of a record list, converted, and the token of the next page.
#[derive(Debug)]
pub struct RecordPage<P> {
    /// The page's records, cut to what fits in one response.
    pub items: Vec<P>,
    /// Empty on the last page.
    pub next_page_token: String,
}

/// Answers a request for a page of `records`: reads the page size and token, lists
/// the tenant's records after the token off the executor, converts them
/// with `to_pb`, cuts the page to the response size limit, and seals the
/// token after the last one kept (`id_of` names it).
pub async fn list_records<R: Send + 'static, P: prost::Message>(
    workers: &Workers,
    records: &RecordList<R>,
    tenant: &TenantId,
    page_size: i32,
    page_token: &str,
    to_pb: impl Fn(&R) -> P,
    id_of: impl Fn(&P) -> &str,
) -> Result<RecordPage<P>, Status> {
    let binding = binding(records.kind, tenant);
    let (size, after) = page_request(workers.engine(), &binding, page_size, page_token)?;
    let (owner, list) = (tenant.clone(), records.list);
    let (page, more) = workers
        .store(move |engine| list(engine, &owner, after.as_ref(), size))
        .await?;
    let mut items: Vec<P> = page.iter().map(to_pb).collect();
    let more = fit_page(&mut items) || more;
    let next_page_token = next_token(workers.engine(), &binding, more, items.last().map(id_of));
    Ok(RecordPage {
        items,
        next_page_token,
    })
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
