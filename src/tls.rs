//! TLS for the gRPC listener: rustls (ring provider) with a certificate
//! chain and key from PEM files, optional client-certificate verification
//! (mutual TLS) against a CA bundle, and reloading of all three files on
//! SIGHUP or when one of them changes on disk.
//!
//! Each accepted connection takes the configuration current at its
//! handshake, so a reload applies to new connections and leaves open ones
//! as they are. A reload that fails (a half-written file, a key that does
//! not match) is logged and the previous configuration stays in force.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::{Duration, SystemTime};

use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::crypto::{CryptoProvider, ring};
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::rustls::server::WebPkiClientVerifier;
use tokio_rustls::rustls::{RootCertStore, ServerConfig};

/// How often the certificate files are checked for changes.
pub const DEFAULT_POLL: Duration = Duration::from_secs(5);

/// The files of a TLS configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    /// PEM certificate chain, leaf first.
    pub cert: PathBuf,
    /// PEM private key (PKCS#8, PKCS#1 or SEC1).
    pub key: PathBuf,
    /// PEM bundle of the CAs whose client certificates are accepted; when
    /// set, every client must present a certificate they signed.
    pub client_ca: Option<PathBuf>,
}

/// Errors loading a TLS configuration.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// A file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// File.
        path: String,
        /// Cause.
        source: std::io::Error,
    },
    /// A file holds no usable PEM section of the kind needed.
    #[error("{path}: {reason}")]
    Pem {
        /// File.
        path: String,
        /// What is wrong.
        reason: String,
    },
    /// rustls refused the certificates or key (for instance, a key that does
    /// not match the certificate).
    #[error("TLS configuration: {0}")]
    Rustls(#[from] tokio_rustls::rustls::Error),
    /// The client CA bundle could not make a verifier.
    #[error("client CA bundle: {0}")]
    ClientCa(#[from] tokio_rustls::rustls::server::VerifierBuilderError),
}

fn read(path: &Path) -> Result<Vec<u8>, TlsError> {
    std::fs::read(path).map_err(|source| TlsError::Read {
        path: path.display().to_string(),
        source,
    })
}

fn pem_error(path: &Path, reason: impl Into<String>) -> TlsError {
    TlsError::Pem {
        path: path.display().to_string(),
        reason: reason.into(),
    }
}

fn certificates(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let bytes = read(path)?;
    let certs = CertificateDer::pem_slice_iter(&bytes)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|error| pem_error(path, error.to_string()))?;
    if certs.is_empty() {
        return Err(pem_error(path, "no CERTIFICATE section"));
    }
    Ok(certs)
}

fn private_key(path: &Path) -> Result<PrivateKeyDer<'static>, TlsError> {
    let bytes = read(path)?;
    PrivateKeyDer::from_pem_slice(&bytes).map_err(|error| pem_error(path, error.to_string()))
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(ring::default_provider())
}

/// Builds a rustls server configuration from the files (HTTP/2 only, as gRPC needs).
pub fn server_config(files: &TlsFiles) -> Result<ServerConfig, TlsError> {
    let chain = certificates(&files.cert)?;
    let key = private_key(&files.key)?;
    let builder =
        ServerConfig::builder_with_provider(provider()).with_safe_default_protocol_versions()?;
    let mut config = match &files.client_ca {
        Some(path) => {
            let mut roots = RootCertStore::empty();
            for cert in certificates(path)? {
                roots
                    .add(cert)
                    .map_err(|error| pem_error(path, error.to_string()))?;
            }
            let verifier =
                WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider()).build()?;
            builder
                .with_client_cert_verifier(verifier)
                .with_single_cert(chain, key)?
        }
        None => builder.with_no_client_auth().with_single_cert(chain, key)?,
    };
    config.alpn_protocols = vec![b"h2".to_vec()];
    Ok(config)
}

/// Modification time and length of each file, to notice a change.
type Stamp = Vec<Option<(SystemTime, u64)>>;

fn stamp(files: &TlsFiles) -> Stamp {
    std::iter::once(&files.cert)
        .chain(std::iter::once(&files.key))
        .chain(files.client_ca.iter())
        .map(|path| {
            let meta = std::fs::metadata(path).ok()?;
            Some((meta.modified().ok()?, meta.len()))
        })
        .collect()
}

/// A TLS configuration that can be reloaded from its files while the
/// server runs.
#[derive(Debug)]
pub struct ReloadingTls {
    files: TlsFiles,
    current: RwLock<Arc<ServerConfig>>,
    loaded: Mutex<Stamp>,
}

impl ReloadingTls {
    /// Loads the files; fails when they do not make a valid configuration.
    pub fn load(files: TlsFiles) -> Result<Self, TlsError> {
        let loaded = stamp(&files);
        let config = server_config(&files)?;
        Ok(Self {
            files,
            current: RwLock::new(Arc::new(config)),
            loaded: Mutex::new(loaded),
        })
    }

    /// The files this configuration comes from.
    pub fn files(&self) -> &TlsFiles {
        &self.files
    }

    /// An acceptor with the configuration in force now.
    pub fn acceptor(&self) -> TlsAcceptor {
        TlsAcceptor::from(
            self.current
                .read()
                .unwrap_or_else(PoisonError::into_inner)
                .clone(),
        )
    }

    /// Re-reads the files and, when they make a valid configuration, puts it
    /// in force for new connections. Blocking file I/O.
    pub fn reload(&self) -> Result<(), TlsError> {
        let loaded = stamp(&self.files);
        let config = server_config(&self.files)?;
        *self.current.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(config);
        *self.loaded.lock().unwrap_or_else(PoisonError::into_inner) = loaded;
        Ok(())
    }

    /// Reloads when a file's modification time or length differs from the
    /// last load; `Ok(true)` when it did. Blocking file I/O.
    pub fn reload_if_changed(&self) -> Result<bool, TlsError> {
        let now = stamp(&self.files);
        if *self.loaded.lock().unwrap_or_else(PoisonError::into_inner) == now {
            return Ok(false);
        }
        self.reload()?;
        Ok(true)
    }

    /// Spawns a task that reloads on SIGHUP (Unix) and whenever a file
    /// changes, checked every `poll`. SIGHUP is handled from the moment this
    /// returns. The task ends with the runtime. Call within a Tokio runtime.
    pub fn watch(self: &Arc<Self>, poll: Duration) -> tokio::task::JoinHandle<()> {
        let tls = self.clone();
        #[cfg(unix)]
        let mut hangup = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())
            .map_err(|error| tracing::warn!(%error, "cannot listen for SIGHUP"))
            .ok();
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval(poll);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                #[cfg(unix)]
                let forced = match hangup.as_mut() {
                    Some(signal) => tokio::select! {
                        _ = signal.recv() => true,
                        _ = ticks.tick() => false,
                    },
                    None => {
                        ticks.tick().await;
                        false
                    }
                };
                #[cfg(not(unix))]
                let forced = {
                    ticks.tick().await;
                    false
                };
                let worker = tls.clone();
                let outcome = tokio::task::spawn_blocking(move || {
                    if forced {
                        worker.reload().map(|()| true)
                    } else {
                        worker.reload_if_changed()
                    }
                })
                .await;
                match outcome {
                    Ok(Ok(true)) => tracing::info!(
                        cert = %tls.files.cert.display(),
                        "TLS certificates reloaded"
                    ),
                    Ok(Ok(false)) => {}
                    Ok(Err(error)) => tracing::error!(
                        %error,
                        "TLS certificates not reloaded; the previous ones stay in force"
                    ),
                    Err(error) => tracing::error!(%error, "TLS reload task failed"),
                }
            }
        })
    }
}
