//! Settings for `skillmatch serve`: command-line flags and `SKILLMATCH_*`
//! environment variables override an optional TOML file, which overrides the defaults.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::server::ServerOptions;

/// Default listen address.
pub const DEFAULT_ADDR: &str = "127.0.0.1:50051";
/// Default data directory.
pub const DEFAULT_DATA_DIR: &str = "./data";

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
    }

    #[test]
    fn unknown_keys_are_rejected() {
        assert!(toml::from_str::<FileSettings>("adress = \"x\"").is_err());
    }
}
