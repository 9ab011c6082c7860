//! Shared harness of the hardening tests: certificates made in the test
//! (rcgen), and a real server with TLS, limits and metrics on 127.0.0.1:0.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair, KeyUsagePurpose};
use skillmatch::auth::Authenticator;
use skillmatch::engine::{Engine, EngineConfig};
use skillmatch::{Hardening, ServerOptions};
use tonic::transport::{Certificate, Channel, ClientTlsConfig, Endpoint, Identity};

/// A certificate authority made for a test.
pub struct TestCa {
    pub pem: String,
    issuer: Issuer<'static, KeyPair>,
}

/// A certificate and its key, PEM.
pub struct Leaf {
    pub cert: String,
    pub key: String,
}

impl TestCa {
    pub fn new(name: &str) -> Self {
        let mut params = CertificateParams::new(Vec::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, name);
        params.key_usages.push(KeyUsagePurpose::KeyCertSign);
        params.key_usages.push(KeyUsagePurpose::DigitalSignature);
        let key = KeyPair::generate().unwrap();
        let cert = params.self_signed(&key).unwrap();
        Self {
            pem: cert.pem(),
            issuer: Issuer::new(params, key),
        }
    }

    /// A server certificate for `localhost` and 127.0.0.1.
    pub fn server(&self) -> Leaf {
        self.leaf(
            vec!["localhost".into(), "127.0.0.1".into()],
            rcgen::ExtendedKeyUsagePurpose::ServerAuth,
        )
    }

    /// A client certificate.
    pub fn client(&self, name: &str) -> Leaf {
        self.leaf(
            vec![name.into()],
            rcgen::ExtendedKeyUsagePurpose::ClientAuth,
        )
    }

    fn leaf(&self, names: Vec<String>, usage: rcgen::ExtendedKeyUsagePurpose) -> Leaf {
        let mut params = CertificateParams::new(names).unwrap();
        params.extended_key_usages.push(usage);
        params.use_authority_key_identifier_extension = true;
        let key = KeyPair::generate().unwrap();
        let cert = params.signed_by(&key, &self.issuer).unwrap();
        Leaf {
            cert: cert.pem(),
            key: key.serialize_pem(),
        }
    }
}

/// Writes a leaf's files into `dir` as `cert.pem` and `key.pem`
/// (replacing them by rename, as certificate tools do).
pub fn write_leaf(dir: &Path, leaf: &Leaf) {
    for (name, text) in [("cert.pem", &leaf.cert), ("key.pem", &leaf.key)] {
        let temporary = dir.join(format!("{name}.new"));
        std::fs::write(&temporary, text).unwrap();
        std::fs::rename(&temporary, dir.join(name)).unwrap();
    }
}

/// A running hardened server.
pub struct Hardened {
    pub addr: SocketAddr,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    handle: Option<tokio::task::JoinHandle<()>>,
    _dir: tempfile::TempDir,
}

/// Opens an engine on a fresh directory and serves it with `hardening`.
pub async fn start(auth: Authenticator, hardening: Hardening, options: ServerOptions) -> Hardened {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().to_owned();
    start_on(dir, &data_dir, auth, hardening, options).await
}

/// Opens an engine on `data_dir` and serves it; `dir` is kept as long as the server.
pub async fn start_on(
    dir: tempfile::TempDir,
    data_dir: &Path,
    auth: Authenticator,
    hardening: Hardening,
    options: ServerOptions,
) -> Hardened {
    let config = EngineConfig::new(data_dir);
    let engine = tokio::task::spawn_blocking(move || Engine::open(&config).unwrap().0)
        .await
        .unwrap();
    let engine = Arc::new(engine);
    if let Some(metrics) = &hardening.metrics {
        let weak = Arc::downgrade(&engine);
        metrics.set_size_source(Arc::new(move || {
            weak.upgrade()
                .map(|engine| engine.sizes())
                .unwrap_or_default()
        }));
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let handle = tokio::spawn(async move {
        skillmatch::serve_hardened(listener, engine, options, auth, hardening, async {
            let _ = rx.await;
        })
        .await
        .unwrap();
    });
    Hardened {
        addr,
        shutdown: Some(tx),
        handle: Some(handle),
        _dir: dir,
    }
}

impl Hardened {
    /// A plaintext connection.
    pub async fn plain(&self) -> Result<Channel, tonic::transport::Error> {
        Endpoint::from_shared(format!("http://{}", self.addr))
            .unwrap()
            .connect()
            .await
    }

    /// A TLS connection trusting `ca`, presenting `identity` when given.
    pub async fn tls(
        &self,
        ca: &str,
        identity: Option<&Leaf>,
    ) -> Result<Channel, tonic::transport::Error> {
        let mut config = ClientTlsConfig::new()
            .ca_certificate(Certificate::from_pem(ca))
            .domain_name("localhost");
        if let Some(leaf) = identity {
            config = config.identity(Identity::from_pem(&leaf.cert, &leaf.key));
        }
        Endpoint::from_shared(format!("https://{}", self.addr))
            .unwrap()
            .tls_config(config)
            .unwrap()
            .connect()
            .await
    }

    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(handle) = self.handle.take() {
            handle.await.unwrap();
        }
    }
}

/// Whether a call over `channel` to the taxonomy service succeeds.
pub async fn call_ok(channel: Channel) -> Result<(), tonic::Status> {
    let mut client = skillmatch::pb::taxonomy_service_client::TaxonomyServiceClient::new(channel);
    client
        .search_competencies(skillmatch::pb::SearchCompetenciesRequest {
            query: "sql".into(),
            ..Default::default()
        })
        .await
        .map(|_| ())
}
