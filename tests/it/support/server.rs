//! The one in-process test server: a real skillmatch server on
//! `127.0.0.1:0` over a data directory (a fresh temporary one unless given),
//! open or with API keys, with any `ServerOptions` and `Hardening`, reached
//! through the generated gRPC clients, a plain or TLS channel, or a real
//! HTTP/1.1 client for the JSON edge.
//!
//! ```ignore
//! let server = TestServer::builder().keys().options(options).start().await;
//! ```

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Weak};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use skillmatch::auth::{Authenticator, KeyRing, Role, append_key};
use skillmatch::engine::{Engine, EngineConfig, OpenReport};
use skillmatch::pb::candidate_service_client::CandidateServiceClient;
use skillmatch::pb::catalog_service_client::CatalogServiceClient;
use skillmatch::pb::job_service_client::JobServiceClient;
use skillmatch::pb::match_service_client::MatchServiceClient;
use skillmatch::pb::taxonomy_service_client::TaxonomyServiceClient;
use skillmatch::server::ServeError;
use skillmatch::{Hardening, ServerOptions, serve_hardened};
use tempfile::TempDir;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tonic::transport::{Certificate, Channel, ClientTlsConfig, Endpoint, Identity};

use super::certs::Leaf;

/// The API keys of a keyed server (all empty on an open one).
#[derive(Debug, Clone, Default)]
pub struct Keys {
    /// Tenant `tenant-a`, read role.
    pub a_read: String,
    /// Tenant `tenant-a`, write role.
    pub a_write: String,
    /// Tenant `tenant-b`, write role.
    pub b_write: String,
    /// Tenant `tenant-a`, admin role.
    pub admin: String,
}

/// Who may call the server.
enum Access {
    /// No keys.
    Open,
    /// The standard [`Keys`] of two tenants, in a key file made for the test.
    StandardKeys,
    /// This authenticator.
    Custom(Authenticator),
}

/// How a [`TestServer`] is started: [`TestServer::builder`].
pub struct Builder {
    data_dir: Option<PathBuf>,
    options: ServerOptions,
    hardening: Hardening,
    access: Access,
}

impl Builder {
    /// Serves this data directory (the caller keeps it); a fresh temporary
    /// one, kept as long as the server, when not called.
    pub fn data_dir(mut self, data_dir: &Path) -> Self {
        self.data_dir = Some(data_dir.to_path_buf());
        self
    }

    /// These server limits instead of the defaults.
    pub fn options(mut self, options: ServerOptions) -> Self {
        self.options = options;
        self
    }

    /// TLS, limits, metrics and backups as `hardening` says.
    pub fn hardening(mut self, hardening: Hardening) -> Self {
        self.hardening = hardening;
        self
    }

    /// API keys of two tenants ([`TestServer::keys`]) instead of open access.
    pub fn keys(mut self) -> Self {
        self.access = Access::StandardKeys;
        self
    }

    /// This authenticator instead of open access.
    pub fn auth(mut self, auth: Authenticator) -> Self {
        self.access = Access::Custom(auth);
        self
    }

    /// Opens the engine on the blocking pool and serves it on a free
    /// loopback port.
    pub async fn start(self) -> TestServer {
        let temporary = match self.data_dir {
            Some(_) => None,
            None => Some(tempfile::tempdir().expect("temporary data directory")),
        };
        let data_dir = self
            .data_dir
            .unwrap_or_else(|| temporary.as_ref().unwrap().path().to_path_buf());
        let key_dir = tempfile::tempdir().expect("temporary key directory");
        let (auth, keys) = match self.access {
            Access::Open => (Authenticator::Open, Keys::default()),
            Access::Custom(auth) => (auth, Keys::default()),
            Access::StandardKeys => {
                let file = key_dir.path().join("keys.toml");
                let keys = Keys {
                    a_read: append_key(&file, "tenant-a", Role::Read).unwrap(),
                    a_write: append_key(&file, "tenant-a", Role::Write).unwrap(),
                    b_write: append_key(&file, "tenant-b", Role::Write).unwrap(),
                    admin: append_key(&file, "tenant-a", Role::Admin).unwrap(),
                };
                (Authenticator::Keys(KeyRing::read(&file).unwrap()), keys)
            }
        };
        let config = EngineConfig::new(&data_dir);
        let (engine, report) = tokio::task::spawn_blocking(move || Engine::open(&config))
            .await
            .expect("engine open task")
            .expect("engine opens");
        let engine = Arc::new(engine);
        let weak = Arc::downgrade(&engine);
        if let Some(metrics) = &self.hardening.metrics {
            let sizes = weak.clone();
            metrics.set_size_source(Arc::new(move || {
                sizes
                    .upgrade()
                    .map(|engine| engine.sizes())
                    .unwrap_or_default()
            }));
        }
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a free port");
        let addr = listener.local_addr().expect("bound address");
        let (shutdown, signal) = oneshot::channel::<()>();
        let task = tokio::spawn(serve_hardened(
            listener,
            engine,
            self.options,
            auth,
            self.hardening,
            async move {
                let _ = signal.await;
            },
        ));
        let channel = Endpoint::from_shared(format!("http://{addr}"))
            .expect("valid endpoint")
            .connect_lazy();
        TestServer {
            addr,
            data_dir,
            keys,
            report,
            channel,
            http: Client::builder(TokioExecutor::new()).build_http(),
            shutdown: Some(shutdown),
            task: Some(task),
            engine: weak,
            _dirs: temporary.into_iter().chain([key_dir]).collect(),
        }
    }
}

/// A server running in this process until [`TestServer::stop`].
pub struct TestServer {
    addr: SocketAddr,
    data_dir: PathBuf,
    /// The API keys (empty unless started with [`Builder::keys`]).
    pub keys: Keys,
    report: OpenReport,
    /// One lazily connected plaintext channel the clients share.
    channel: Channel,
    http: Client<HttpConnector, Full<Bytes>>,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<Result<(), ServeError>>>,
    engine: Weak<Engine>,
    _dirs: Vec<TempDir>,
}

/// A fresh temporary data directory and an open server on it. Keep the
/// directory alive as long as the server.
pub async fn start_fresh() -> (TempDir, TestServer) {
    let dir = tempfile::tempdir().expect("temporary data directory");
    let server = TestServer::start(dir.path()).await;
    (dir, server)
}

impl TestServer {
    /// How to start one: open, on a fresh directory, default limits unless
    /// the builder says otherwise.
    pub fn builder() -> Builder {
        Builder {
            data_dir: None,
            options: ServerOptions::default(),
            hardening: Hardening::default(),
            access: Access::Open,
        }
    }

    /// An open server on `data_dir` with the default limits.
    pub async fn start(data_dir: &Path) -> Self {
        Self::builder().data_dir(data_dir).start().await
    }

    /// A server with the standard [`Keys`] on a fresh temporary directory.
    pub async fn keyed() -> Self {
        Self::builder().keys().start().await
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The data directory it serves.
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// What opening the engine reported.
    pub fn open_report(&self) -> &OpenReport {
        &self.report
    }

    /// A new plaintext connection to the server.
    pub async fn channel(&self) -> Channel {
        self.plain().await.expect("connect to the test server")
    }

    /// A new plaintext connection, or why it failed.
    pub async fn plain(&self) -> Result<Channel, tonic::transport::Error> {
        Endpoint::from_shared(format!("http://{}", self.addr))
            .expect("valid endpoint")
            .connect()
            .await
    }

    /// A new TLS connection trusting `ca`, presenting `identity` when given.
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
            .expect("valid endpoint")
            .tls_config(config)
            .expect("valid TLS configuration")
            .connect()
            .await
    }

    /// A TaxonomyService client.
    pub fn taxonomy(&self) -> TaxonomyServiceClient<Channel> {
        TaxonomyServiceClient::new(self.channel.clone())
    }

    /// A CatalogService client.
    pub fn catalog(&self) -> CatalogServiceClient<Channel> {
        CatalogServiceClient::new(self.channel.clone())
    }

    /// A MatchService client.
    pub fn matcher(&self) -> MatchServiceClient<Channel> {
        MatchServiceClient::new(self.channel.clone())
    }

    /// A CandidateService client.
    pub fn candidates(&self) -> CandidateServiceClient<Channel> {
        CandidateServiceClient::new(self.channel.clone())
    }

    /// A JobService client.
    pub fn jobs(&self) -> JobServiceClient<Channel> {
        JobServiceClient::new(self.channel.clone())
    }

    /// Sends an HTTP/1.1 request: `method path` with these headers and body.
    pub async fn send(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: impl Into<Bytes>,
    ) -> Answer {
        let mut request = http::Request::builder()
            .method(method)
            .uri(format!("http://{}{path}", self.addr));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let request = request.body(Full::new(body.into())).unwrap();
        let response = self.http.request(request).await.expect("HTTP exchange");
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get(http::header::CONTENT_TYPE)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        let body = response.into_body().collect().await.unwrap().to_bytes();
        Answer {
            status,
            content_type,
            body,
        }
    }

    /// POSTs JSON to an RPC with `authorization: Bearer key` (none when `key` is empty).
    pub async fn rpc(&self, path: &str, key: &str, body: &serde_json::Value) -> Answer {
        let bearer = format!("Bearer {key}");
        let mut headers = vec![("content-type", "application/json")];
        if !key.is_empty() {
            headers.push(("authorization", bearer.as_str()));
        }
        self.send("POST", path, &headers, serde_json::to_vec(body).unwrap())
            .await
    }

    /// Completes the server's shutdown future; the server then drains.
    pub fn begin_shutdown(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }

    /// Waits for the server task to return (after [`Self::begin_shutdown`]).
    pub async fn wait(&mut self) -> Result<(), ServeError> {
        match self.task.take() {
            Some(task) => task.await.expect("server task"),
            None => Ok(()),
        }
    }

    /// Shuts the server down, waits for it to finish and for the engine (and
    /// with it the data directory's locks) to be released.
    pub async fn stop(mut self) {
        self.begin_shutdown();
        if let Some(task) = self.task.take() {
            task.await
                .expect("server task")
                .expect("server stops cleanly");
        }
        // Connection tasks may drop their service clones just after the
        // server returns; wait until the last one is gone.
        // The bound only turns a leak into a failure instead of a hang.
        for _ in 0..12_000 {
            if self.engine.strong_count() == 0 {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        panic!("the engine is still referenced a minute after the server stopped");
    }

    /// Stops this server and starts an open one on the same data directory.
    pub async fn restart(self) -> Self {
        let data_dir = self.data_dir.clone();
        self.stop().await;
        Self::start(&data_dir).await
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.begin_shutdown();
    }
}

/// What the server answered an HTTP request.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub content_type: String,
    pub body: Bytes,
}

impl Answer {
    /// The body as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    /// The `field` of every field violation of a Connect error body.
    pub fn violated_fields(&self) -> Vec<String> {
        let json = self.json();
        assert_eq!(json["code"], "invalid_argument", "{json}");
        let details = json["details"].as_array().expect("details");
        let bad = details
            .iter()
            .find(|d| d["type"] == "google.rpc.BadRequest")
            .expect("a google.rpc.BadRequest detail");
        bad["debug"]["fieldViolations"]
            .as_array()
            .expect("field violations")
            .iter()
            .map(|v| v["field"].as_str().unwrap().to_owned())
            .collect()
    }
}

/// Whether a call over `channel` to the taxonomy service succeeds.
pub async fn call_ok(channel: Channel) -> Result<(), tonic::Status> {
    let mut client = TaxonomyServiceClient::new(channel);
    client
        .search_competencies(skillmatch::pb::SearchCompetenciesRequest {
            query: "sql".into(),
            ..Default::default()
        })
        .await
        .map(|_| ())
}
