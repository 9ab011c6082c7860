//! What a production server adds around its services: TLS on the listener
//! (`tls.rs`, `listener.rs`), admission limits (`overload.rs`), request ids
//! and metrics (`observe.rs`, `metrics.rs`), and the backup folder of
//! AdminService.

use std::sync::Arc;

use crate::metrics::Metrics;
use crate::overload::RateLimiter;
use crate::tls::ReloadingTls;

/// TLS, admission limits and metrics of a server; the default is none of
/// them (plaintext, unlimited, unobserved), as tests and loopback use want.
/// Request ids are always on.
#[derive(Debug, Clone, Default)]
pub struct Hardening {
    /// TLS for every connection; plaintext when `None`.
    pub tls: Option<Arc<ReloadingTls>>,
    /// Most calls served at once, health excepted; 0 for no limit.
    pub max_concurrent_calls: usize,
    /// Per-API-key rate limit; none when `None`.
    pub rate_limiter: Option<Arc<RateLimiter>>,
    /// Where calls are counted and timed; nowhere when `None`.
    pub metrics: Option<Arc<Metrics>>,
    /// Folder AdminService.CreateBackup writes backups into; without it
    /// the call fails with FAILED_PRECONDITION.
    pub backup_dir: Option<std::path::PathBuf>,
}
