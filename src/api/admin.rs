//! AdminService: backups.

use std::path::PathBuf;

use tonic::{Request, Response, Status};

use super::Workers;
use crate::auth::{Role, require};
use crate::domain::ValidationError;
use crate::error::Error;
use crate::pb;
use crate::pb::admin_service_server::AdminService;

/// Longest backup name.
pub const MAX_BACKUP_NAME: usize = 128;

/// AdminService over an engine, writing backups into `backup_dir`.
#[derive(Debug, Clone)]
pub struct AdminApi {
    workers: Workers,
    backup_dir: Option<PathBuf>,
}

impl AdminApi {
    /// Serves this engine; without `backup_dir`, CreateBackup fails with
    /// FAILED_PRECONDITION.
    pub fn new(workers: Workers, backup_dir: Option<PathBuf>) -> Self {
        Self {
            workers,
            backup_dir,
        }
    }
}

/// Checks a backup name: a single path component that cannot climb out of
/// the backup folder.
fn backup_name(raw: &str) -> Result<&str, ValidationError> {
    let reason = if raw.is_empty() {
        Some("is required".to_owned())
    } else if raw.chars().count() > MAX_BACKUP_NAME {
        Some(format!("must be at most {MAX_BACKUP_NAME} characters"))
    } else if raw.starts_with('.') {
        Some("must not start with `.`".to_owned())
    } else if !raw
        .bytes()
        .all(|byte| byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.'))
    {
        Some("may hold only ASCII letters, digits, `-`, `_` and `.`".to_owned())
    } else {
        None
    };
    match reason {
        Some(reason) => Err(ValidationError::field("name", reason)),
        None => Ok(raw),
    }
}

#[tonic::async_trait]
impl AdminService for AdminApi {
    #[tracing::instrument(skip(self, request))]
    async fn create_backup(
        &self,
        request: Request<pb::CreateBackupRequest>,
    ) -> Result<Response<pb::CreateBackupResponse>, Status> {
        require(&request, Role::Admin)?;
        let pb::CreateBackupRequest { name } = request.into_inner();
        let name = backup_name(&name)?;
        let folder = self.backup_dir.clone().ok_or_else(|| {
            Error::FailedPrecondition(
                "this server has no backup folder; start it with --backup-dir".to_owned(),
            )
        })?;
        let directory = folder.join(name);
        let report = self
            .workers
            .store(move |engine| {
                std::fs::create_dir_all(&folder).map_err(|error| {
                    Error::internal(format!("backup folder {}", folder.display()), error)
                })?;
                engine.backup(&directory)
            })
            .await?;
        Ok(Response::new(pb::CreateBackupResponse {
            path: report.directory.display().to_string(),
            store_bytes: i64::try_from(report.store_bytes).unwrap_or(i64::MAX),
            taxonomy_files: i32::try_from(report.taxonomy_files).unwrap_or(i32::MAX),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backup_names_stay_inside_the_folder() {
        assert!(backup_name("nightly-2026-12-01").is_ok());
        assert!(backup_name(&"a".repeat(MAX_BACKUP_NAME)).is_ok());
        for bad in ["", "..", ".hidden", "a/b", "a\\b", "x y", "é"] {
            assert!(backup_name(bad).is_err(), "{bad}");
        }
        assert!(backup_name(&"a".repeat(MAX_BACKUP_NAME + 1)).is_err());
    }
}
