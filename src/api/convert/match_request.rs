//! MatchCredentials requests: the job (inline or a stored job's id), the
//! filter and the page, with page tokens bound to the query.

use super::{filter_from_pb, job_from_pb};
use crate::api::paging::{MAX_PAGE_TOKEN_CHARS, PageSize, PageTokens, TokenBinding};
use crate::auth::TenantId;
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
    binding: TokenBinding,
    /// Seals this query's page tokens.
    tokens: PageTokens,
}

impl MatchRequest {
    /// The token of the page after this one, when `more` results follow it
    /// and they are within [`MAX_MATCH_DEPTH`]; empty otherwise.
    pub fn next_page_token(&self, more: bool) -> String {
        let next = self.offset + self.page_size;
        if more && next < MAX_MATCH_DEPTH {
            self.tokens.seal(&self.binding, &next.to_string())
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

/// What page tokens of a query are bound to: the caller's tenant, the job
/// (or job id) and the filter, so a token of another query is rejected.
fn binding(tenant: &TenantId, job: &JobSource, filter: &CredentialFilter) -> TokenBinding {
    TokenBinding::new("match", tenant.as_str(), &(job, filter))
}

fn offset_from_token(
    tokens: &PageTokens,
    binding: &TokenBinding,
    token: &str,
) -> Result<usize, ValidationError> {
    let offset = tokens.open_as(binding, token, |cursor| {
        cursor
            .parse::<usize>()
            .ok()
            .filter(|&offset| offset < MAX_MATCH_DEPTH)
    })?;
    Ok(offset.unwrap_or(0))
}

impl MatchRequest {
    /// Parses a request of `tenant`'s, opening its page token with `tokens`.
    pub fn parse(
        request: pb::MatchCredentialsRequest,
        tokens: PageTokens,
        tenant: &TenantId,
    ) -> Result<Self, ValidationError> {
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
        // The token's bound is checked with everything else; the token is
        // opened only once the query it is bound to is known.
        let token_fits = page_token.len() <= MAX_PAGE_TOKEN_CHARS;
        if !token_fits {
            violations.add(
                "page_token",
                format!("must be at most {MAX_PAGE_TOKEN_CHARS} characters"),
            );
        }
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
        let binding = binding(tenant, &job, &filter);
        let offset = if token_fits {
            violations.take(offset_from_token(&tokens, &binding, &page_token), "")
        } else {
            None
        };
        let offset = offset.unwrap_or(0);
        violations.finish(Self {
            job,
            filter,
            offset,
            page_size: size.get().min(MAX_MATCH_DEPTH - offset),
            explain,
            binding,
            tokens,
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

    fn parse(
        title: &str,
        page_token: String,
        tenant: &str,
    ) -> Result<MatchRequest, ValidationError> {
        MatchRequest::parse(
            request(title, page_token),
            PageTokens::new(&[3; 32]),
            &TenantId::for_test(tenant),
        )
    }

    #[test]
    fn tokens_are_bound_to_the_query_and_tenant_and_stop_at_the_depth_limit() {
        let first = parse("nurse", String::new(), "t").unwrap();
        assert_eq!(first.offset, 0);
        let token = first.next_page_token(true);
        assert!(first.next_page_token(false).is_empty());
        let second = parse("nurse", token.clone(), "t").unwrap();
        assert_eq!((second.offset, second.page_size), (5, 5));
        let other = parse("welder", token.clone(), "t").unwrap_err();
        assert_eq!(other.violations()[0].field, "page_token");
        assert!(parse("nurse", token, "other tenant").is_err());
        let near_end = first
            .tokens
            .seal(&first.binding, &(MAX_MATCH_DEPTH - 2).to_string());
        let last = parse("nurse", near_end, "t").unwrap();
        assert_eq!(last.page_size, 2);
        assert!(last.next_page_token(true).is_empty());
        let past = first
            .tokens
            .seal(&first.binding, &MAX_MATCH_DEPTH.to_string());
        assert!(parse("nurse", past, "t").is_err());
    }
}
