//! Settings of `skillmatch`: one declaration per setting, read from three
//! places. Each layer struct below is both the command line (clap: flags and
//! `SKILLMATCH_*` environment variables) and the TOML file (serde): a field is
//! a flag, an environment variable and a TOML key at once. [`Settings::resolve`]
//! lays the command line over the file over the defaults.

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use clap::builder::BoolishValueParser;
use serde::{Deserialize, Deserializer};

use crate::domain::TaxonomyVersion;
use crate::embed::EmbedderChoice;
use crate::listener::ConnectionLimits;
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

/// Settings every command reads: where the data is, and which embedder
/// makes its vectors.
#[derive(Debug, Clone, Default, Deserialize, clap::Args)]
pub struct CommonSettings {
    /// Data directory holding the store and indexes.
    #[arg(long, global = true, env = "SKILLMATCH_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// Embedder of concept and text vectors: `default` (ships with the code),
    /// `hashing`, or `minilm:FOLDER` (build with `--features minilm`; weights
    /// from scripts/fetch-minilm). Vectors are computed at import and stored
    /// per release; a start with another embedder recomputes them.
    #[arg(long, global = true, env = "SKILLMATCH_EMBEDDER")]
    #[serde(default, deserialize_with = "parsed")]
    pub embedder: Option<EmbedderChoice>,
}

/// Settings of `skillmatch serve`.
#[derive(Debug, Clone, Default, Deserialize, clap::Args)]
pub struct ServeSettings {
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, env = "SKILLMATCH_ADDR")]
    pub addr: Option<SocketAddr>,
    /// Log format.
    #[arg(long, env = "SKILLMATCH_LOG_FORMAT", value_enum)]
    pub log_format: Option<LogFormat>,
    /// Log filter in tracing syntax, e.g. `info,skillmatch=debug`.
    #[arg(long, env = "SKILLMATCH_LOG")]
    pub log_level: Option<String>,
    /// Largest request or response message, in bytes.
    #[arg(long, env = "SKILLMATCH_MAX_MESSAGE_BYTES")]
    pub max_message_bytes: Option<usize>,
    /// Server-side deadline per call, in seconds.
    #[arg(long, env = "SKILLMATCH_REQUEST_TIMEOUT_SECS")]
    pub request_timeout_secs: Option<u64>,
    /// At shutdown, how long calls and open streams may drain before they
    /// are ended, in seconds.
    #[arg(long, env = "SKILLMATCH_SHUTDOWN_GRACE_SECS")]
    pub shutdown_grace_secs: Option<u64>,
    /// Seconds between HTTP/2 keepalive pings on a connection; 0 for none.
    #[arg(long, env = "SKILLMATCH_HTTP2_KEEPALIVE_INTERVAL_SECS")]
    pub http2_keepalive_interval_secs: Option<u64>,
    /// Seconds a keepalive ping may go unanswered before the connection is closed.
    #[arg(long, env = "SKILLMATCH_HTTP2_KEEPALIVE_TIMEOUT_SECS")]
    pub http2_keepalive_timeout_secs: Option<u64>,
    /// Most client connections open at once; one more is closed at once. 0 for no limit.
    #[arg(long, env = "SKILLMATCH_MAX_CONNECTIONS")]
    pub max_connections: Option<usize>,
    /// Seconds a connection may stay without a call in progress before it is closed; 0 for never.
    #[arg(long, env = "SKILLMATCH_IDLE_CONNECTION_TIMEOUT_SECS")]
    pub idle_connection_timeout_secs: Option<u64>,
    /// Allow listening on a non-loopback address without authentication.
    #[arg(long, env = "SKILLMATCH_ALLOW_UNAUTHENTICATED", num_args = 0..=1,
          require_equals = true, default_missing_value = "true",
          value_parser = BoolishValueParser::new())]
    pub allow_unauthenticated: Option<bool>,
    /// Load this imported taxonomy release instead of the newest, as ID=VERSION
    /// (e.g. `esco=v1.1.1`); repeat, or separate with commas, for several taxonomies.
    #[arg(long, env = "SKILLMATCH_TAXONOMY", value_name = "ID=VERSION",
          value_delimiter = ',', value_parser = TaxonomyVersion::from_str)]
    #[serde(default, deserialize_with = "parsed_list")]
    pub taxonomy: Option<Vec<TaxonomyVersion>>,
    /// API-key file (TOML, `[[keys]]` with `sha256`, `tenant`, `role`); calls must then
    /// carry `authorization: Bearer KEY`.
    #[arg(long, env = "SKILLMATCH_API_KEYS")]
    pub api_keys: Option<PathBuf>,
    /// PEM certificate chain; with --tls-key the server speaks TLS only.
    /// Reloaded on SIGHUP and when the file changes.
    #[arg(long, env = "SKILLMATCH_TLS_CERT")]
    pub tls_cert: Option<PathBuf>,
    /// PEM private key of --tls-cert.
    #[arg(long, env = "SKILLMATCH_TLS_KEY")]
    pub tls_key: Option<PathBuf>,
    /// PEM CA bundle; clients must then present a certificate it signed (mutual TLS).
    #[arg(long, env = "SKILLMATCH_TLS_CLIENT_CA")]
    pub tls_client_ca: Option<PathBuf>,
    /// Allow API keys over plaintext on a non-loopback address.
    #[arg(long, env = "SKILLMATCH_ALLOW_PLAINTEXT", num_args = 0..=1,
          require_equals = true, default_missing_value = "true",
          value_parser = BoolishValueParser::new())]
    pub allow_plaintext: Option<bool>,
    /// Most calls served at once (health checks excepted); more are refused
    /// with RESOURCE_EXHAUSTED. 0 for no limit. Default 256.
    #[arg(long, env = "SKILLMATCH_MAX_CONCURRENT_CALLS")]
    pub max_concurrent_calls: Option<usize>,
    /// Calls whose work keeps a core busy (extraction, matching, ranking) run at
    /// once; more wait their turn in arrival order. 0 for no limit. Default: the
    /// cores this process may use, plus one.
    #[arg(long, env = "SKILLMATCH_COMPUTE_SLOTS")]
    pub compute_slots: Option<usize>,
    /// Sustained calls per second allowed per API key; 0 for no limit (the default).
    #[arg(long, env = "SKILLMATCH_RATE_LIMIT_PER_SEC")]
    pub rate_limit_per_sec: Option<f64>,
    /// Calls a key may make at once above its rate; default one second's worth.
    #[arg(long, env = "SKILLMATCH_RATE_LIMIT_BURST")]
    pub rate_limit_burst: Option<u32>,
    /// Serve Prometheus metrics at http://ADDR/metrics.
    #[arg(long, env = "SKILLMATCH_METRICS_ADDR")]
    pub metrics_addr: Option<SocketAddr>,
    /// Folder where AdminService.CreateBackup writes backups (created when absent).
    #[arg(long, env = "SKILLMATCH_BACKUP_DIR")]
    pub backup_dir: Option<PathBuf>,
    /// Seconds between background writes of the candidate index snapshot,
    /// which lets a restart after a crash skip rebuilding the index; 0 for
    /// none. Default 60.
    #[arg(long, env = "SKILLMATCH_CANDIDATE_SNAPSHOT_SECS")]
    pub candidate_snapshot_secs: Option<u64>,
}

impl CommonSettings {
    /// This layer over `lower`: each setting from here when set, else from `lower`.
    pub fn over(self, lower: Self) -> Self {
        Self {
            data_dir: self.data_dir.or(lower.data_dir),
            embedder: self.embedder.or(lower.embedder),
        }
    }

    /// The data directory, or the default.
    pub fn data_dir(&self) -> PathBuf {
        self.data_dir
            .clone()
            .unwrap_or_else(|| PathBuf::from(DEFAULT_DATA_DIR))
    }

    /// The embedder, or the default.
    pub fn embedder(&self) -> EmbedderChoice {
        self.embedder.clone().unwrap_or(EmbedderChoice::Default)
    }
}

impl ServeSettings {
    /// This layer over `lower`: each setting from here when set, else from `lower`.
    pub fn over(self, lower: Self) -> Self {
        Self {
            addr: self.addr.or(lower.addr),
            log_format: self.log_format.or(lower.log_format),
            log_level: self.log_level.or(lower.log_level),
            max_message_bytes: self.max_message_bytes.or(lower.max_message_bytes),
            request_timeout_secs: self.request_timeout_secs.or(lower.request_timeout_secs),
            shutdown_grace_secs: self.shutdown_grace_secs.or(lower.shutdown_grace_secs),
            http2_keepalive_interval_secs: self
                .http2_keepalive_interval_secs
                .or(lower.http2_keepalive_interval_secs),
            http2_keepalive_timeout_secs: self
                .http2_keepalive_timeout_secs
                .or(lower.http2_keepalive_timeout_secs),
            max_connections: self.max_connections.or(lower.max_connections),
            idle_connection_timeout_secs: self
                .idle_connection_timeout_secs
                .or(lower.idle_connection_timeout_secs),
            allow_unauthenticated: self.allow_unauthenticated.or(lower.allow_unauthenticated),
            taxonomy: self.taxonomy.or(lower.taxonomy),
            api_keys: self.api_keys.or(lower.api_keys),
            tls_cert: self.tls_cert.or(lower.tls_cert),
            tls_key: self.tls_key.or(lower.tls_key),
            tls_client_ca: self.tls_client_ca.or(lower.tls_client_ca),
            allow_plaintext: self.allow_plaintext.or(lower.allow_plaintext),
            max_concurrent_calls: self.max_concurrent_calls.or(lower.max_concurrent_calls),
            compute_slots: self.compute_slots.or(lower.compute_slots),
            rate_limit_per_sec: self.rate_limit_per_sec.or(lower.rate_limit_per_sec),
            rate_limit_burst: self.rate_limit_burst.or(lower.rate_limit_burst),
            metrics_addr: self.metrics_addr.or(lower.metrics_addr),
            backup_dir: self.backup_dir.or(lower.backup_dir),
            candidate_snapshot_secs: self
                .candidate_snapshot_secs
                .or(lower.candidate_snapshot_secs),
        }
    }
}

/// Deserializes an optional setting from its command-line spelling.
fn parsed<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: FromStr<Err: std::fmt::Display>,
{
    let text = String::deserialize(deserializer)?;
    text.parse().map(Some).map_err(serde::de::Error::custom)
}

/// Deserializes a list setting whose items have a command-line spelling.
fn parsed_list<'de, D, T>(deserializer: D) -> Result<Option<Vec<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: FromStr<Err: std::fmt::Display>,
{
    Vec::<String>::deserialize(deserializer)?
        .iter()
        .map(|text| text.parse().map_err(serde::de::Error::custom))
        .collect::<Result<Vec<T>, _>>()
        .map(Some)
}

/// The TOML keys of the settings: the ids of the command-line arguments,
/// which are the field names of the layers.
pub fn setting_keys() -> BTreeSet<String> {
    let command = <ServeSettings as clap::Args>::augment_args(
        <CommonSettings as clap::Args>::augment_args(clap::Command::new("settings")),
    );
    command
        .get_arguments()
        .map(|arg| arg.get_id().to_string())
        .collect()
}

/// Settings as read from a TOML file; every key is optional, and a key
/// that is not a setting is an error.
#[derive(Debug, Clone, Default)]
pub struct FileSettings {
    /// The common settings of the file.
    pub common: CommonSettings,
    /// The `serve` settings of the file.
    pub serve: ServeSettings,
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
    /// The file holds a key that is no setting.
    #[error("invalid config file {path}: unknown key {key:?}; the keys are {known}")]
    UnknownKey {
        /// File.
        path: String,
        /// The key.
        key: String,
        /// The settings' keys, comma-separated.
        known: String,
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
        Self::parse(&text).map_err(|error| error.in_file(path))
    }

    /// Parses settings TOML; errors name the file as `<text>`.
    pub fn parse(text: &str) -> Result<Self, ConfigError> {
        let path = "<text>".to_owned();
        let table: toml::Table = toml::from_str(text).map_err(|source| ConfigError::Parse {
            path: path.clone(),
            source,
        })?;
        let known = setting_keys();
        if let Some(key) = table.keys().find(|key| !known.contains(*key)) {
            return Err(ConfigError::UnknownKey {
                path,
                key: key.clone(),
                known: known.into_iter().collect::<Vec<_>>().join(", "),
            });
        }
        let layer = |source| ConfigError::Parse {
            path: path.clone(),
            source,
        };
        Ok(Self {
            common: table.clone().try_into().map_err(layer)?,
            serve: table.try_into().map_err(layer)?,
        })
    }
}

impl ConfigError {
    fn in_file(self, file: &Path) -> Self {
        let file = file.display().to_string();
        match self {
            Self::Parse { source, .. } => Self::Parse { path: file, source },
            Self::UnknownKey { key, known, .. } => Self::UnknownKey {
                path: file,
                key,
                known,
            },
            other => other,
        }
    }
}

/// The resolved settings of a server.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Listen address.
    pub addr: SocketAddr,
    /// Data directory.
    pub data_dir: PathBuf,
    /// Embedder of vectors.
    pub embedder: EmbedderChoice,
    /// Taxonomy releases to serve instead of the newest.
    pub taxonomies: Vec<TaxonomyVersion>,
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

impl Settings {
    /// Lays the command line over the file over the defaults.
    pub fn resolve(common: CommonSettings, serve: ServeSettings, file: FileSettings) -> Self {
        let common = common.over(file.common);
        let serve = serve.over(file.serve);
        let defaults = ServerOptions::default();
        Self {
            addr: serve
                .addr
                .unwrap_or_else(|| DEFAULT_ADDR.parse().expect("valid default address")),
            data_dir: common.data_dir(),
            embedder: common.embedder(),
            taxonomies: serve.taxonomy.unwrap_or_default(),
            log_format: serve.log_format.unwrap_or_default(),
            log_level: serve.log_level.unwrap_or_else(|| "info".to_owned()),
            server: ServerOptions {
                max_message_bytes: serve
                    .max_message_bytes
                    .unwrap_or(defaults.max_message_bytes),
                request_timeout: serve
                    .request_timeout_secs
                    .map_or(defaults.request_timeout, Duration::from_secs),
                shutdown_grace: serve
                    .shutdown_grace_secs
                    .map_or(defaults.shutdown_grace, Duration::from_secs),
                http2_keepalive_interval: serve
                    .http2_keepalive_interval_secs
                    .map_or(defaults.http2_keepalive_interval, |secs| {
                        (secs > 0).then(|| Duration::from_secs(secs))
                    }),
                http2_keepalive_timeout: serve
                    .http2_keepalive_timeout_secs
                    .map_or(defaults.http2_keepalive_timeout, Duration::from_secs),
                connections: ConnectionLimits {
                    max_connections: serve
                        .max_connections
                        .unwrap_or(defaults.connections.max_connections),
                    idle_timeout: serve
                        .idle_connection_timeout_secs
                        .map_or(defaults.connections.idle_timeout, |secs| {
                            (secs > 0).then(|| Duration::from_secs(secs))
                        }),
                },
                compute_slots: serve.compute_slots.unwrap_or(defaults.compute_slots),
            },
            allow_unauthenticated: serve.allow_unauthenticated.unwrap_or(false),
            api_keys: serve.api_keys,
            tls_cert: serve.tls_cert,
            tls_key: serve.tls_key,
            tls_client_ca: serve.tls_client_ca,
            allow_plaintext: serve.allow_plaintext.unwrap_or(false),
            limits: Limits {
                max_concurrent_calls: serve
                    .max_concurrent_calls
                    .unwrap_or(Limits::default().max_concurrent_calls),
                rate_limit_per_sec: serve.rate_limit_per_sec.unwrap_or(0.0),
                rate_limit_burst: serve.rate_limit_burst,
            },
            metrics_addr: serve.metrics_addr,
            backup_dir: serve.backup_dir,
            candidate_snapshot_interval: match serve
                .candidate_snapshot_secs
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

    fn resolve(serve: ServeSettings, file: &str) -> Settings {
        Settings::resolve(
            CommonSettings::default(),
            serve,
            FileSettings::parse(file).unwrap(),
        )
    }

    #[test]
    fn flags_override_file_which_overrides_defaults() {
        let settings = Settings::resolve(
            CommonSettings {
                data_dir: Some("/tmp/y".into()),
                ..CommonSettings::default()
            },
            ServeSettings::default(),
            FileSettings::parse(
                "addr = \"127.0.0.1:7000\"\ndata_dir = \"/tmp/x\"\nrequest_timeout_secs = 5",
            )
            .unwrap(),
        );
        assert_eq!(settings.addr.port(), 7000);
        assert_eq!(settings.data_dir, PathBuf::from("/tmp/y"));
        assert_eq!(settings.server.request_timeout, Duration::from_secs(5));
        assert_eq!(settings.log_format, LogFormat::Pretty);
        assert_eq!(settings.embedder, EmbedderChoice::Default);
        assert_eq!(
            settings.candidate_snapshot_interval,
            Some(Duration::from_secs(DEFAULT_CANDIDATE_SNAPSHOT_SECS))
        );
        assert_eq!(settings.tls_files().unwrap(), None);
    }

    #[test]
    fn embedder_and_taxonomy_pins_come_from_the_file_too() {
        let settings = resolve(
            ServeSettings::default(),
            "embedder = \"hashing\"\ntaxonomy = [\"esco=v1.1.1\", \"onet=29.3\"]\n\
             allow_plaintext = true",
        );
        assert_eq!(settings.embedder, EmbedderChoice::Hashing);
        assert_eq!(
            settings.taxonomies,
            vec![
                "esco=v1.1.1".parse::<TaxonomyVersion>().unwrap(),
                "onet=29.3".parse().unwrap()
            ]
        );
        assert!(settings.allow_plaintext);
        let flag_off = resolve(
            ServeSettings {
                allow_plaintext: Some(false),
                ..ServeSettings::default()
            },
            "allow_plaintext = true",
        );
        assert!(!flag_off.allow_plaintext);
        assert!(FileSettings::parse("embedder = \"nonsense\"").is_err());
        assert!(FileSettings::parse("taxonomy = [\"esco\"]").is_err());
    }

    #[test]
    fn tls_and_limits_come_from_the_file_or_the_flags() {
        let settings = resolve(
            ServeSettings {
                tls_client_ca: Some("ca.pem".into()),
                max_concurrent_calls: Some(4),
                ..ServeSettings::default()
            },
            "tls_cert = \"c.pem\"\ntls_key = \"k.pem\"\nmax_concurrent_calls = 8\n\
             rate_limit_per_sec = 2.5\nmetrics_addr = \"127.0.0.1:9100\"",
        );
        let files = settings.tls_files().unwrap().unwrap();
        assert_eq!(files.cert, PathBuf::from("c.pem"));
        assert_eq!(files.client_ca, Some(PathBuf::from("ca.pem")));
        assert_eq!(settings.limits.max_concurrent_calls, 4);
        assert!((settings.limits.rate_limit_per_sec - 2.5).abs() < f64::EPSILON);
        assert_eq!(settings.metrics_addr.unwrap().port(), 9100);
        assert_eq!(
            settings.server.compute_slots,
            crate::api::default_compute_slots()
        );
        assert!(settings.server.compute_slots >= 2, "cores plus one");
        let slots = resolve(ServeSettings::default(), "compute_slots = 0");
        assert_eq!(slots.server.compute_slots, 0);
    }

    #[test]
    fn a_certificate_without_its_key_is_an_error() {
        let settings = resolve(
            ServeSettings {
                tls_cert: Some("c.pem".into()),
                ..ServeSettings::default()
            },
            "",
        );
        assert!(settings.tls_files().is_err());
    }

    #[test]
    fn unknown_keys_are_rejected_by_name() {
        let error = FileSettings::parse("adress = \"x\"").unwrap_err();
        assert!(matches!(&error, ConfigError::UnknownKey { key, .. } if key == "adress"));
        assert!(error.to_string().contains("addr"), "{error}");
    }

    /// Every setting has its row in the README's configuration table, with
    /// its flag, environment variable and TOML key, and every row there is a
    /// setting: the table cannot drift from the code.
    #[test]
    fn the_readme_table_lists_every_setting() {
        let readme = include_str!("../README.md");
        let table: Vec<&str> = readme
            .split("## Configuration")
            .nth(1)
            .expect("a Configuration section")
            .lines()
            .skip_while(|line| !line.starts_with("| flag"))
            .take_while(|line| line.starts_with('|'))
            .skip(2)
            .collect();
        let command = <ServeSettings as clap::Args>::augment_args(
            <CommonSettings as clap::Args>::augment_args(clap::Command::new("settings")),
        );
        let mut documented = 0;
        for arg in command.get_arguments() {
            let flag = format!("| `--{}", arg.get_long().expect("settings are long flags"));
            let row = table
                .iter()
                .find(|row| row.starts_with(&flag))
                .unwrap_or_else(|| panic!("README has no configuration row for {flag}`"));
            let cells: Vec<&str> = row.split(" | ").collect();
            let env = arg.get_env().expect("every setting has a variable");
            assert_eq!(cells[1], format!("`{}`", env.to_string_lossy()), "{row}");
            assert_eq!(cells[2], format!("`{}`", arg.get_id()), "{row}");
            documented += 1;
        }
        // The rows are the settings plus `--config`, which names the file.
        assert_eq!(table.len(), documented + 1, "rows that are no setting");
        assert!(table.iter().any(|row| row.starts_with("| `--config")));
    }
}
