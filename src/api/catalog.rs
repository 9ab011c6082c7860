//! CatalogService.

use tonic::{Request, Response, Status};

use super::Workers;
use super::convert::{credential_to_pb, filter_from_pb};
use super::paging::{PageSize, PageTokens, TokenBinding, fit_page};
use crate::auth::{Role, require};
use crate::domain::limits::MAX_UPSERT_BATCH;
use crate::domain::{CredentialBatch, CredentialId, Microcredential, Violations};
use crate::pb;
use crate::pb::catalog_service_server::CatalogService;

const DEFAULT_PAGE: usize = 50;
const MAX_PAGE: usize = 500;
const TOKEN_KIND: &str = "credentials";

/// CatalogService over an engine.
#[derive(Debug, Clone)]
pub struct CatalogApi {
    workers: Workers,
}

impl CatalogApi {
    /// Serves this engine.
    pub fn new(workers: Workers) -> Self {
        Self { workers }
    }
}

fn parse_id(raw: &str) -> Result<CredentialId, Status> {
    CredentialId::parse(raw).map_err(Status::from)
}

#[tonic::async_trait]
impl CatalogService for CatalogApi {
    #[tracing::instrument(skip(self, request), fields(count))]
    async fn upsert_credentials(
        &self,
        request: Request<pb::UpsertCredentialsRequest>,
    ) -> Result<Response<pb::UpsertCredentialsResponse>, Status> {
        require(&request, Role::Admin)?;
        let pb::UpsertCredentialsRequest { credentials } = request.into_inner();
        tracing::Span::current().record("count", credentials.len());
        let mut violations = Violations::default();
        // The count first: past it, no entry is converted.
        violations.check_count("credentials", credentials.len(), MAX_UPSERT_BATCH);
        let credentials: Vec<Microcredential> = credentials
            .into_iter()
            .take(MAX_UPSERT_BATCH)
            .enumerate()
            .filter_map(|(index, message)| {
                violations.take(
                    Microcredential::try_from(message),
                    &format!("credentials[{index}]."),
                )
            })
            .collect();
        let batch = CredentialBatch::new(violations.finish(credentials)?)?;
        let report = self
            .workers
            .store(move |engine| engine.upsert_credentials(batch))
            .await?;
        Ok(Response::new(pb::UpsertCredentialsResponse {
            upserted_count: i32::try_from(report.upserted).unwrap_or(i32::MAX),
            dangling_references: report
                .dangling
                .iter()
                .map(|dangling| pb::DanglingReference {
                    credential_id: dangling.credential.to_string(),
                    field: dangling.field.to_owned(),
                    target_id: dangling.target.to_string(),
                })
                .collect(),
        }))
    }

    #[tracing::instrument(skip(self, request))]
    async fn get_credential(
        &self,
        request: Request<pb::GetCredentialRequest>,
    ) -> Result<Response<pb::GetCredentialResponse>, Status> {
        let id = parse_id(&request.into_inner().id)?;
        let credential = self.workers.engine().credential(&id)?;
        Ok(Response::new(pb::GetCredentialResponse {
            credential: Some(credential_to_pb(
                self.workers.engine().taxonomy(),
                &credential,
            )),
        }))
    }

    #[tracing::instrument(skip(self, request))]
    async fn list_credentials(
        &self,
        request: Request<pb::ListCredentialsRequest>,
    ) -> Result<Response<pb::ListCredentialsResponse>, Status> {
        let tenant = require(&request, Role::Read)?.tenant().clone();
        let pb::ListCredentialsRequest {
            page_size,
            page_token,
            filter,
        } = request.into_inner();
        let page_size = PageSize::new(page_size, DEFAULT_PAGE, MAX_PAGE, "page_size")?.get();
        let filter = filter_from_pb(filter, "filter.")?;
        let binding = TokenBinding::new(TOKEN_KIND, tenant.as_str(), &filter);
        let tokens = PageTokens::new(self.workers.engine().page_token_key());
        let after = tokens.open_as(&binding, &page_token, |cursor| {
            CredentialId::parse(cursor).ok()
        })?;
        let (page, more) = self
            .workers
            .compute(move |engine| Ok(engine.list_credentials(&filter, after.as_ref(), page_size)))
            .await?;
        let taxonomy = self.workers.engine().taxonomy();
        let mut credentials: Vec<pb::Microcredential> =
            page.iter().map(|c| credential_to_pb(taxonomy, c)).collect();
        let more = fit_page(&mut credentials) || more;
        let next_page_token = match (more, credentials.last()) {
            (true, Some(last)) => tokens.seal(&binding, &last.id),
            _ => String::new(),
        };
        Ok(Response::new(pb::ListCredentialsResponse {
            credentials,
            next_page_token,
        }))
    }

    #[tracing::instrument(skip(self, request))]
    async fn delete_credential(
        &self,
        request: Request<pb::DeleteCredentialRequest>,
    ) -> Result<Response<pb::DeleteCredentialResponse>, Status> {
        require(&request, Role::Admin)?;
        let id = parse_id(&request.into_inner().id)?;
        self.workers
            .store(move |engine| engine.delete_credential(&id))
            .await?;
        Ok(Response::new(pb::DeleteCredentialResponse {}))
    }
}
