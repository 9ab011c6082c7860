//! MatchCredentials requests: the job (inline or a stored job's id), the
//! filter and the page, with page tokens bound to the query.

use super::{filter_from_pb, job_from_pb};
use crate::api::paging::{PageSize, decode_token, encode_token};
use crate::catalog::CredentialFilter;
use crate::domain::{RecordId, ValidationError, Violations};
use crate::engine::JobSource;
use crate::pb;

/// Results per page when neither `page_size` nor `top_k` is set.
pub const DEFAULT_MATCH_PAGE: usize = 10;
/// Most results per page.
pub const MAX_MATCH_PAGE: usize = 100;
/// Results are served down to this rank; no token leads past it.
pub const MAX_MATCH_DEPTH: usize = 1000;

/// A validated MatchCredentials request.
#[derive(Debug, Clone)]
pub struct MatchRequest {
    /// The job.
    pub job: JobSource,
    /// Hard filter.
    pub filter: CredentialFilter,
    /// Results skipped before this page.
    pub offset: usize,
    /// Results on this page (never past [`MAX_MATCH_DEPTH`]).
    pub page_size: usize,
    /// Whether to explain each result.
    pub explain: bool,
    /// What this query's page tokens are bound to.
    token_kind: String,
}

impl MatchRequest {
    /// The token of the page after this one, when `more` results follow it
    /// and they are within [`MAX_MATCH_DEPTH`]; empty otherwise.
    pub fn next_page_token(&self, more: bool) -> String {
        let next = self.offset + self.page_size;
        if more && next < MAX_MATCH_DEPTH {
            encode_token(&self.token_kind, &next.to_string())
        } else {
            String::new()
        }
    }
}

/// `job_id` or an inline `job`, exactly one of them; violations name the field.
pub fn job_source_from_pb(
    job_id: &str,
    job: Option<pb::JobPosting>,
    violations: &mut Violations,
) -> Option<JobSource> {
    match (job_id.is_empty(), job) {
        (false, None) => violations
            .take(RecordId::parse(job_id), "job_")
            .map(JobSource::Stored),
        (true, Some(job)) => violations
            .take(job_from_pb(job, "job."), "")
            .map(JobSource::Inline),
        (false, Some(_)) => {
            violations.add("job", "give either job_id or job, not both");
            None
        }
        (true, None) => {
            violations.add("job", "job or job_id is required");
            None
        }
    }
}

/// What page tokens of a query are bound to: a digest of the job (or job id)
/// and the filter, so a token of another query is rejected.
fn token_kind(job: &JobSource, filter: &CredentialFilter) -> String {
    let canonical = format!("{job:?}\n{filter:?}");
    format!("match:{}", blake3::hash(canonical.as_bytes()).to_hex())
}

fn offset_from_token(kind: &str, token: &str) -> Result<usize, ValidationError> {
    let invalid = || ValidationError::field("page_token", "is not a token this query returned");
    match decode_token(kind, token).map_err(|_| invalid())? {
        None => Ok(0),
        Some(cursor) => match cursor.parse::<usize>() {
            Ok(offset) if offset < MAX_MATCH_DEPTH => Ok(offset),
            _ => Err(invalid()),
        },
    }
}

impl TryFrom<pb::MatchCredentialsRequest> for MatchRequest {
    type Error = ValidationError;

    fn try_from(request: pb::MatchCredentialsRequest) -> Result<Self, Self::Error> {
        let pb::MatchCredentialsRequest {
            job,
            filter,
            top_k,
            explain,
            job_id,
            page_size,
            page_token,
        } = request;
        let mut violations = Violations::default();
        let job = job_source_from_pb(&job_id, job, &mut violations);
        let filter = violations.take(filter_from_pb(filter, "filter."), "");
        let size = if page_size == 0 {
            PageSize::new(top_k, DEFAULT_MATCH_PAGE, MAX_MATCH_PAGE, "top_k")
        } else {
            PageSize::new(page_size, DEFAULT_MATCH_PAGE, MAX_MATCH_PAGE, "page_size")
        };
        let size = violations.take(size, "");
        let (Some(job), Some(filter), Some(size)) = (job, filter, size) else {
            return Err(violations.finish(()).expect_err("a part failed"));
        };
        let token_kind = token_kind(&job, &filter);
        let offset = violations.take(offset_from_token(&token_kind, &page_token), "");
        let offset = offset.unwrap_or(0);
        violations.finish(Self {
            job,
            filter,
            offset,
            page_size: size.get().min(MAX_MATCH_DEPTH - offset),
            explain,
            token_kind,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(title: &str, page_token: String) -> pb::MatchCredentialsRequest {
        pb::MatchCredentialsRequest {
            job: Some(pb::JobPosting {
                title: title.to_owned(),
                ..pb::JobPosting::default()
            }),
            page_size: 5,
            page_token,
            ..pb::MatchCredentialsRequest::default()
        }
    }

    #[test]
    fn tokens_are_bound_to_the_query_and_stop_at_the_depth_limit() {
        let first = MatchRequest::try_from(request("nurse", String::new())).unwrap();
        assert_eq!(first.offset, 0);
        let token = first.next_page_token(true);
        assert!(first.next_page_token(false).is_empty());
        let second = MatchRequest::try_from(request("nurse", token.clone())).unwrap();
        assert_eq!((second.offset, second.page_size), (5, 5));
        let other = MatchRequest::try_from(request("welder", token)).unwrap_err();
        assert_eq!(other.violations()[0].field, "page_token");
        let last = MatchRequest::try_from(request(
            "nurse",
            encode_token(&first.token_kind, &(MAX_MATCH_DEPTH - 2).to_string()),
        ))
        .unwrap();
        assert_eq!(last.page_size, 2);
        assert!(last.next_page_token(true).is_empty());
        let past = encode_token(&first.token_kind, &MAX_MATCH_DEPTH.to_string());
        assert!(MatchRequest::try_from(request("nurse", past)).is_err());
    }
}
