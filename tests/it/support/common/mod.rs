//! Shared harness of the integration tests: a real skillmatch server in-process
//! on `127.0.0.1:0` over a temporary data directory, reached through the
//! generated clients.
#![allow(dead_code)]

pub mod fixtures;
pub mod violations;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Weak};

use skillmatch::engine::{Engine, EngineConfig};
use skillmatch::pb::catalog_service_client::CatalogServiceClient;
use skillmatch::pb::match_service_client::MatchServiceClient;
use skillmatch::pb::taxonomy_service_client::TaxonomyServiceClient;
use skillmatch::server::ServeError;
use skillmatch::{ServerOptions, serve};
use tempfile::TempDir;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tonic::transport::{Channel, Endpoint};

/// A server running in this process until [`TestServer::stop`].
pub struct TestServer {
    addr: SocketAddr,
    data_dir: PathBuf,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<Result<(), ServeError>>>,
    engine: Weak<Engine>,
}

/// A fresh temporary data directory and a server on it. Keep the directory
/// alive as long as the server.
pub async fn start_fresh() -> (TempDir, TestServer) {
    let dir = tempfile::tempdir().expect("temporary data directory");
    let server = TestServer::start(dir.path()).await;
    (dir, server)
}

impl TestServer {
    /// Opens the engine on `data_dir` and serves it on a free loopback port.
    pub async fn start(data_dir: &Path) -> Self {
        Self::start_with(data_dir, ServerOptions::default()).await
    }

    /// Like [`TestServer::start`], with these server limits.
    pub async fn start_with(data_dir: &Path, options: ServerOptions) -> Self {
        let config = EngineConfig::new(data_dir);
        let (engine, _report) = tokio::task::spawn_blocking(move || Engine::open(&config))
            .await
            .expect("engine open task")
            .expect("engine opens");
        let engine = Arc::new(engine);
        let weak = Arc::downgrade(&engine);
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a free port");
        let addr = listener.local_addr().expect("bound address");
        let (shutdown, signal) = oneshot::channel::<()>();
        let task = tokio::spawn(serve(listener, engine, options, async move {
            let _ = signal.await;
        }));
        Self {
            addr,
            data_dir: data_dir.to_path_buf(),
            shutdown: Some(shutdown),
            task: Some(task),
            engine: weak,
        }
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The data directory it serves.
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// A new connection to the server.
    pub async fn channel(&self) -> Channel {
        Endpoint::from_shared(format!("http://{}", self.addr))
            .expect("valid endpoint")
            .connect()
            .await
            .expect("connect to the test server")
    }

    /// A TaxonomyService client.
    pub async fn taxonomy(&self) -> TaxonomyServiceClient<Channel> {
        TaxonomyServiceClient::new(self.channel().await)
    }

    /// A CatalogService client.
    pub async fn catalog(&self) -> CatalogServiceClient<Channel> {
        CatalogServiceClient::new(self.channel().await)
    }

    /// A MatchService client.
    pub async fn matcher(&self) -> MatchServiceClient<Channel> {
        MatchServiceClient::new(self.channel().await)
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

    /// Stops this server and starts a new one on the same data directory.
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
