//! The gRPC server: skillmatch services, health and reflection on one listener,
//! with graceful shutdown.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::watch;
use tonic::codec::CompressionEncoding;
use tonic::service::interceptor::InterceptedService;
use tonic::transport::Server;
use tonic_health::ServingStatus;

use crate::api::http::{HttpLayer, HttpLimits};
use crate::api::{
    AdminApi, CandidateApi, CatalogApi, DeadlineLayer, JobApi, MatchApi, TaxonomyApi,
};
use crate::api::{SERVICE_NAMES, Workers, default_compute_slots};
use crate::auth::{AuthInterceptor, Authenticator};
use crate::engine::Engine;
use crate::listener::ConnectionLimits;
use crate::pb;
use crate::pb::admin_service_server::AdminServiceServer;
use crate::pb::candidate_service_server::CandidateServiceServer;
use crate::pb::catalog_service_server::CatalogServiceServer;
use crate::pb::job_service_server::JobServiceServer;
use crate::pb::match_service_server::MatchServiceServer;
use crate::pb::taxonomy_service_server::TaxonomyServiceServer;

/// What a server adds around its services for production (see `hardening.rs`).
pub use crate::hardening::Hardening;

/// Server limits.
#[derive(Debug, Clone, Copy)]
pub struct ServerOptions {
    /// Largest request or response message, in bytes.
    pub max_message_bytes: usize,
    /// Server-side deadline for one call.
    pub request_timeout: Duration,
    /// At shutdown, how long calls in flight and open streams (health
    /// Watch, StreamRankCandidates) may drain before they are ended.
    pub shutdown_grace: Duration,
    /// How often an HTTP/2 connection is pinged; `None` for never.
    pub http2_keepalive_interval: Option<Duration>,
    /// How long a keepalive ping may go unanswered before the connection
    /// (a dead peer, a half-open socket) is closed.
    pub http2_keepalive_timeout: Duration,
    /// Most connections at once and the idle timeout.
    pub connections: ConnectionLimits,
    /// Calls whose work keeps a core busy (extraction, matching, ranking)
    /// that run at once; more wait their turn in arrival order (see
    /// `api/workers.rs`). 0 for no limit.
    pub compute_slots: usize,
}

impl ServerOptions {
    /// The same limits for the HTTP/JSON edge.
    fn http_limits(self) -> HttpLimits {
        HttpLimits {
            max_body_bytes: self.max_message_bytes,
            request_timeout: self.request_timeout,
        }
    }
}

impl Default for ServerOptions {
    fn default() -> Self {
        Self {
            max_message_bytes: 16 * 1024 * 1024,
            request_timeout: Duration::from_secs(30),
            shutdown_grace: Duration::from_secs(10),
            http2_keepalive_interval: Some(Duration::from_secs(60)),
            http2_keepalive_timeout: Duration::from_secs(20),
            connections: ConnectionLimits::default(),
            compute_slots: default_compute_slots(),
        }
    }
}

/// Errors that stop the server.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// Reflection could not be set up (a build defect).
    #[error("reflection: {0}")]
    Reflection(#[from] tonic_reflection::server::Error),
    /// The transport failed.
    #[error("transport: {0}")]
    Transport(#[from] tonic::transport::Error),
}

macro_rules! configured {
    ($server:expr, $options:expr) => {
        $server
            .max_decoding_message_size($options.max_message_bytes)
            .max_encoding_message_size($options.max_message_bytes)
            .accept_compressed(CompressionEncoding::Gzip)
            .send_compressed(CompressionEncoding::Gzip)
    };
}

/// Serves the engine unauthenticated (one default tenant) on `listener`
/// until `shutdown` completes; see [`serve_with_auth`].
pub async fn serve(
    listener: TcpListener,
    engine: Arc<Engine>,
    options: ServerOptions,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    serve_with_auth(listener, engine, options, Authenticator::Open, shutdown).await
}

/// Serves the engine on `listener` until `shutdown` completes, then reports
/// NOT_SERVING, closes the listener (new connections are refused at once)
/// and lets calls in flight finish for at most `options.shutdown_grace`;
/// whatever is still open then (a health Watch, a ranking stream) is ended
/// and this returns. Every skillmatch service authenticates with `auth`;
/// health and reflection are open.
pub async fn serve_with_auth(
    listener: TcpListener,
    engine: Arc<Engine>,
    options: ServerOptions,
    auth: Authenticator,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    serve_hardened(
        listener,
        engine,
        options,
        auth,
        Hardening::default(),
        shutdown,
    )
    .await
}

/// Like [`serve_with_auth`], with TLS, admission limits and metrics as
/// `hardening` says.
pub async fn serve_hardened(
    listener: TcpListener,
    engine: Arc<Engine>,
    options: ServerOptions,
    auth: Authenticator,
    hardening: Hardening,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    let auth = crate::overload::RateLimited::new(
        AuthInterceptor::new(Arc::new(auth)),
        hardening.rate_limiter.clone(),
        hardening.metrics.clone(),
    );
    let (health, health_service) = tonic_health::server::health_reporter();
    for name in std::iter::once("").chain(SERVICE_NAMES) {
        health
            .set_service_status(name, ServingStatus::Serving)
            .await;
    }
    let reflection_v1 = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(pb::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        .build_v1()?;
    let reflection_v1alpha = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(pb::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        .build_v1alpha()?;

    let (stopping, stopped) = watch::channel(false);
    let draining = async move {
        shutdown.await;
        tracing::info!("shutting down");
        for name in std::iter::once("").chain(SERVICE_NAMES) {
            health
                .set_service_status(name, ServingStatus::NotServing)
                .await;
        }
        let _ = stopping.send(true);
    };
    // TCP_NODELAY on every connection, and TLS when configured; the accept
    // task ends, dropping the listener, as soon as shutdown begins, so a new
    // connection is refused at once instead of waiting in the backlog.
    let incoming = crate::listener::accept(
        listener,
        hardening.tls.clone(),
        options.connections,
        stopped.clone(),
    );
    let grace = options.shutdown_grace;

    let workers =
        Workers::new(engine, options.compute_slots).with_metrics(hardening.metrics.clone());
    let http = HttpLayer::new(
        workers.clone(),
        auth.clone(),
        options.http_limits(),
        AdminApi::new(workers.clone(), hardening.backup_dir.clone()),
    );
    // No maximum connection age: tonic 0.14.5 polls its age timer again
    // after it fires, which panics the connection task.
    let server = Server::builder()
        .http2_keepalive_interval(options.http2_keepalive_interval)
        .http2_keepalive_timeout(Some(options.http2_keepalive_timeout))
        // HTTP/1.1 too, for the HTTP/JSON edge (browsers, curl); gRPC stays HTTP/2.
        .accept_http1(true)
        .layer(DeadlineLayer::new(options.request_timeout))
        .trace_fn(|request| tracing::info_span!("grpc", path = %request.uri().path()))
        .layer(crate::observe::CallLayer::new(hardening.metrics.clone()))
        .layer(crate::overload::AdmissionLayer::new(
            hardening.max_concurrent_calls,
            hardening.metrics.clone(),
        ))
        // Last, so HTTP/JSON calls pass the deadline, metrics and admission
        // layers as gRPC calls do.
        .layer(http)
        .add_service(health_service)
        .add_service(reflection_v1)
        .add_service(reflection_v1alpha)
        .add_service(InterceptedService::new(
            configured!(
                TaxonomyServiceServer::new(TaxonomyApi::new(workers.clone())),
                options
            ),
            auth.clone(),
        ))
        .add_service(InterceptedService::new(
            configured!(
                CatalogServiceServer::new(CatalogApi::new(workers.clone())),
                options
            ),
            auth.clone(),
        ))
        .add_service(InterceptedService::new(
            configured!(
                CandidateServiceServer::new(CandidateApi::new(workers.clone())),
                options
            ),
            auth.clone(),
        ))
        .add_service(InterceptedService::new(
            configured!(JobServiceServer::new(JobApi::new(workers.clone())), options),
            auth.clone(),
        ))
        .add_service(InterceptedService::new(
            configured!(
                AdminServiceServer::new(AdminApi::new(
                    workers.clone(),
                    hardening.backup_dir.clone()
                )),
                options
            ),
            auth.clone(),
        ))
        .add_service(InterceptedService::new(
            configured!(MatchServiceServer::new(MatchApi::new(workers)), options),
            auth,
        ))
        .serve_with_incoming_shutdown(incoming, draining);
    tokio::pin!(server);
    let mut stopped = stopped;
    tokio::select! {
        served = &mut server => return Ok(served?),
        _ = stopped.wait_for(|stop| *stop) => {}
    }
    match tokio::time::timeout(grace, &mut server).await {
        Ok(served) => Ok(served?),
        Err(_) => {
            tracing::warn!(
                ?grace,
                "calls or streams still open after the grace period; ending them"
            );
            Ok(())
        }
    }
}
