//! Settings for `skillmatch serve`: command-line flags and `SKILLMATCH_*`
//! environment variables override an optional TOML file, which overrides the defaults.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::overload::Limits;
use crate::server::ServerOptions;
use crate::tls::TlsFiles;

/// Default listen address.
pub const DEFAULT_ADDR: &str = "127.0.0.1:50051";
/// Default data directory.
pub const DEFAULT_DATA_DIR: &str = "./data";
/// Default seconds between background writes of the candidate index snapshot.
pub const DEFAULT_CANDIDATE_SNAPSHOT_SECS: u64 = 60;

/// Log output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, clap::ValueEnum, Default)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Pretty,
    /// One JSON object per line.
    Json,
}

/// Settings as read from a TOML file; every key is optional.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileSettings {
    /// Listen address.
    pub addr: Option<SocketAddr>,
    /// Data directory.
    pub data_dir: Option<PathBuf>,
    /// Log format.
    pub log_format: Option<LogFormat>,
    /// Log filter, `tracing` syntax.
    pub log_level: Option<String>,
    /// Largest message in bytes.
    pub max_message_bytes: Option<usize>,
    /// Server-side deadline per call, seconds.
    pub request_timeout_secs: Option<u64>,
    /// Longest drain of calls and streams at shutdown, seconds.
    pub shutdown_grace_secs: Option<u64>,
    /// Allow binding a non-loopback address without authentication.
    pub allow_unauthenticated: Option<bool>,
    /// API-key file (TOML `[[keys]]`); without it the server is unauthenticated.
    pub api_keys: Option<PathBuf>,
    /// PEM certificate chain; with `tls_key`, the server speaks TLS only.
    pub tls_cert: Option<PathBuf>,
    /// PEM private key of `tls_cert`.
    pub tls_key: Option<PathBuf>,
    /// PEM CA bundle; clients must then present a certificate it signed.
    pub tls_client_ca: Option<PathBuf>,
    /// Allow API keys over plaintext on a non-loopback address.
    pub allow_plaintext: Option<bool>,
    /// Most calls served at once (health excepted); 0 for no limit.
    pub max_concurrent_calls: Option<usize>,
    /// Sustained calls per second allowed per API key; 0 for no limit.
    pub rate_limit_per_sec: Option<f64>,
    /// Calls a key may make at once above its sustained rate.
    pub rate_limit_burst: Option<u32>,
    /// Address of the Prometheus metrics endpoint; none when absent.
    pub metrics_addr: Option<SocketAddr>,
    /// Folder AdminService.CreateBackup writes backups into.
    pub backup_dir: Option<PathBuf>,
    /// Seconds between background writes of the candidate index snapshot; 0 for none.
    pub candidate_snapshot_secs: Option<u64>,
}

/// Errors reading settings.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read config file {path}: {source}")]
    Read {
        /// File.
        path: String,
        /// Cause.
        source: std::io::Error,
    },
    /// The file is not valid settings TOML.
    #[error("invalid config file {path}: {source}")]
    Parse {
        /// File.
        path: String,
        /// Cause.
        source: toml::de::Error,
    },
    /// The settings contradict each other or are out of range.
    #[error("invalid settings: {0}")]
    Invalid(String),
}

impl FileSettings {
    /// Reads a TOML settings file.
    pub fn read(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.display().to_string(),
            source,
        })?;
        toml::from_str(&text).map_err(|source| ConfigError::Parse {
            path: path.display().to_string(),
            source,
        })
    }
}

/// The resolved settings of a server.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Listen address.
    pub addr: SocketAddr,
    /// Data directory.
    pub data_dir: PathBuf,
    /// Log format.
    pub log_format: LogFormat,
    /// Log filter.
    pub log_level: String,
    /// Server limits.
    pub server: ServerOptions,
    /// Allow a non-loopback address without authentication.
    pub allow_unauthenticated: bool,
    /// API-key file.
    pub api_keys: Option<PathBuf>,
    /// TLS certificate chain file.
    pub tls_cert: Option<PathBuf>,
    /// TLS private key file.
    pub tls_key: Option<PathBuf>,
    /// CA bundle for client certificates (mutual TLS).
    pub tls_client_ca: Option<PathBuf>,
    /// Allow API keys over plaintext on a non-loopback address.
    pub allow_plaintext: bool,
    /// Admission limits.
    pub limits: Limits,
    /// Prometheus metrics address.
    pub metrics_addr: Option<SocketAddr>,
    /// Backup folder of AdminService.CreateBackup.
    pub backup_dir: Option<PathBuf>,
    /// Time between background writes of the candidate index snapshot;
    /// `None` for none (it is still written at a clean stop).
    pub candidate_snapshot_interval: Option<Duration>,
}

/// Values given on the command line or in the environment.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    /// `--addr` / `SKILLMATCH_ADDR`.
    pub addr: Option<SocketAddr>,
    /// `--data-dir` / `SKILLMATCH_DATA_DIR`.
    pub data_dir: Option<PathBuf>,
    /// `--log-format` / `SKILLMATCH_LOG_FORMAT`.
    pub log_format: Option<LogFormat>,
    /// `--log-level` / `SKILLMATCH_LOG`.
    pub log_level: Option<String>,
    /// `--max-message-bytes` / `SKILLMATCH_MAX_MESSAGE_BYTES`.
    pub max_message_bytes: Option<usize>,
    /// `--request-timeout-secs` / `SKILLMATCH_REQUEST_TIMEOUT_SECS`.
    pub request_timeout_secs: Option<u64>,
    /// `--shutdown-grace-secs` / `SKILLMATCH_SHUTDOWN_GRACE_SECS`.
    pub shutdown_grace_secs: Option<u64>,
    /// `--allow-unauthenticated` / `SKILLMATCH_ALLOW_UNAUTHENTICATED`.
    pub allow_unauthenticated: bool,
    /// `--api-keys` / `SKILLMATCH_API_KEYS`.
    pub api_keys: Option<PathBuf>,
    /// `--tls-cert` / `SKILLMATCH_TLS_CERT`.
    pub tls_cert: Option<PathBuf>,
    /// `--tls-key` / `SKILLMATCH_TLS_KEY`.
    pub tls_key: Option<PathBuf>,
    /// `--tls-client-ca` / `SKILLMATCH_TLS_CLIENT_CA`.
    pub tls_client_ca: Option<PathBuf>,
    /// `--allow-plaintext` / `SKILLMATCH_ALLOW_PLAINTEXT`.
    pub allow_plaintext: bool,
    /// `--max-concurrent-calls` / `SKILLMATCH_MAX_CONCURRENT_CALLS`.
    pub max_concurrent_calls: Option<usize>,
    /// `--rate-limit-per-sec` / `SKILLMATCH_RATE_LIMIT_PER_SEC`.
    pub rate_limit_per_sec: Option<f64>,
    /// `--rate-limit-burst` / `SKILLMATCH_RATE_LIMIT_BURST`.
    pub rate_limit_burst: Option<u32>,
    /// `--metrics-addr` / `SKILLMATCH_METRICS_ADDR`.
    pub metrics_addr: Option<SocketAddr>,
    /// `--backup-dir` / `SKILLMATCH_BACKUP_DIR`.
    pub backup_dir: Option<PathBuf>,
    /// `--candidate-snapshot-secs` / `SKILLMATCH_CANDIDATE_SNAPSHOT_SECS`.
    pub candidate_snapshot_secs: Option<u64>,
}

impl Settings {
    /// Layers overrides over the file over the defaults.
    pub fn resolve(overrides: Overrides, file: FileSettings) -> Self {
        let defaults = ServerOptions::default();
        Self {
            addr: overrides
                .addr
                .or(file.addr)
                .unwrap_or_else(|| DEFAULT_ADDR.parse().expect("valid default address")),
            data_dir: overrides
                .data_dir
                .or(file.data_dir)
                .unwrap_or_else(|| PathBuf::from(DEFAULT_DATA_DIR)),
            log_format: overrides.log_format.or(file.log_format).unwrap_or_default(),
            log_level: overrides
                .log_level
                .or(file.log_level)
                .unwrap_or_else(|| "info".to_owned()),
            server: ServerOptions {
                max_message_bytes: overrides
                    .max_message_bytes
                    .or(file.max_message_bytes)
                    .unwrap_or(defaults.max_message_bytes),
                request_timeout: overrides
                    .request_timeout_secs
                    .or(file.request_timeout_secs)
                    .map_or(defaults.request_timeout, Duration::from_secs),
                shutdown_grace: overrides
                    .shutdown_grace_secs
                    .or(file.shutdown_grace_secs)
                    .map_or(defaults.shutdown_grace, Duration::from_secs),
            },
            allow_unauthenticated: overrides.allow_unauthenticated
                || file.allow_unauthenticated.unwrap_or(false),
            api_keys: overrides.api_keys.or(file.api_keys),
            tls_cert: overrides.tls_cert.or(file.tls_cert),
            tls_key: overrides.tls_key.or(file.tls_key),
            tls_client_ca: overrides.tls_client_ca.or(file.tls_client_ca),
            allow_plaintext: overrides.allow_plaintext || file.allow_plaintext.unwrap_or(false),
            limits: Limits {
                max_concurrent_calls: overrides
                    .max_concurrent_calls
                    .or(file.max_concurrent_calls)
                    .unwrap_or(Limits::default().max_concurrent_calls),
                rate_limit_per_sec: overrides
                    .rate_limit_per_sec
                    .or(file.rate_limit_per_sec)
                    .unwrap_or(0.0),
                rate_limit_burst: overrides.rate_limit_burst.or(file.rate_limit_burst),
            },
            metrics_addr: overrides.metrics_addr.or(file.metrics_addr),
            backup_dir: overrides.backup_dir.or(file.backup_dir),
            candidate_snapshot_interval: match overrides
                .candidate_snapshot_secs
                .or(file.candidate_snapshot_secs)
                .unwrap_or(DEFAULT_CANDIDATE_SNAPSHOT_SECS)
            {
                0 => None,
                secs => Some(Duration::from_secs(secs)),
            },
        }
    }

    /// The TLS files, when both a certificate and a key are set; an error
    /// when only one of them is, or a client CA without them.
    pub fn tls_files(&self) -> Result<Option<TlsFiles>, ConfigError> {
        match (&self.tls_cert, &self.tls_key) {
            (Some(cert), Some(key)) => Ok(Some(TlsFiles {
                cert: cert.clone(),
                key: key.clone(),
                client_ca: self.tls_client_ca.clone(),
            })),
            (None, None) if self.tls_client_ca.is_none() => Ok(None),
            (None, None) => Err(ConfigError::Invalid(
                "tls_client_ca needs tls_cert and tls_key".to_owned(),
            )),
            _ => Err(ConfigError::Invalid(
                "tls_cert and tls_key go together: set both or neither".to_owned(),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_override_file_which_overrides_defaults() {
        let file: FileSettings = toml::from_str(
            "addr = \"127.0.0.1:7000\"\ndata_dir = \"/tmp/x\"\nrequest_timeout_secs = 5",
        )
        .unwrap();
        let settings = Settings::resolve(
            Overrides {
                data_dir: Some("/tmp/y".into()),
                ..Overrides::default()
            },
            file,
        );
        assert_eq!(settings.addr.port(), 7000);
        assert_eq!(settings.data_dir, PathBuf::from("/tmp/y"));
        assert_eq!(settings.server.request_timeout, Duration::from_secs(5));
        assert_eq!(settings.log_format, LogFormat::Pretty);
        assert_eq!(settings.tls_files().unwrap(), None);
        assert_eq!(
            settings.candidate_snapshot_interval,
            Some(Duration::from_secs(DEFAULT_CANDIDATE_SNAPSHOT_SECS))
        );
    }

    #[test]
    fn a_zero_snapshot_interval_turns_background_snapshots_off() {
        let file: FileSettings = toml::from_str("candidate_snapshot_secs = 0").unwrap();
        let off = Settings::resolve(Overrides::default(), file.clone());
        assert_eq!(off.candidate_snapshot_interval, None);
        let flag = Settings::resolve(
            Overrides {
                candidate_snapshot_secs: Some(5),
                ..Overrides::default()
            },
            file,
        );
        assert_eq!(
            flag.candidate_snapshot_interval,
            Some(Duration::from_secs(5))
        );
    }

    #[test]
    fn tls_and_limits_come_from_the_file_or_the_flags() {
        let file: FileSettings = toml::from_str(
            "tls_cert = \"c.pem\"\ntls_key = \"k.pem\"\nmax_concurrent_calls = 8\n\
             rate_limit_per_sec = 2.5\nmetrics_addr = \"127.0.0.1:9100\"",
        )
        .unwrap();
        let settings = Settings::resolve(
            Overrides {
                tls_client_ca: Some("ca.pem".into()),
                max_concurrent_calls: Some(4),
                ..Overrides::default()
            },
            file,
        );
        let files = settings.tls_files().unwrap().unwrap();
        assert_eq!(files.cert, PathBuf::from("c.pem"));
        assert_eq!(files.client_ca, Some(PathBuf::from("ca.pem")));
        assert_eq!(settings.limits.max_concurrent_calls, 4);
        assert!((settings.limits.rate_limit_per_sec - 2.5).abs() < f64::EPSILON);
        assert_eq!(settings.metrics_addr.unwrap().port(), 9100);
    }

    #[test]
    fn a_certificate_without_its_key_is_an_error() {
        let settings = Settings::resolve(
            Overrides {
                tls_cert: Some("c.pem".into()),
                ..Overrides::default()
            },
            FileSettings::default(),
        );
        assert!(settings.tls_files().is_err());
    }

    #[test]
    fn unknown_keys_are_rejected() {
        assert!(toml::from_str::<FileSettings>("adress = \"x\"").is_err());
    }
}
