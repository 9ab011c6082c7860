//! The gRPC server: skillmatch services, health and reflection on one listener,
//! with graceful shutdown.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio_stream::StreamExt;
use tokio_stream::wrappers::TcpListenerStream;
use tonic::codec::CompressionEncoding;
use tonic::service::interceptor::InterceptedService;
use tonic::transport::Server;
use tonic_health::ServingStatus;

use crate::api::http::{HttpLayer, HttpLimits};
use crate::api::{CandidateApi, CatalogApi, JobApi, MatchApi, TaxonomyApi};
use crate::auth::{AuthInterceptor, Authenticator};
use crate::engine::Engine;
use crate::pb;
use crate::pb::candidate_service_server::CandidateServiceServer;
use crate::pb::catalog_service_server::CatalogServiceServer;
use crate::pb::job_service_server::JobServiceServer;
use crate::pb::match_service_server::MatchServiceServer;
use crate::pb::taxonomy_service_server::TaxonomyServiceServer;

/// Server limits.
#[derive(Debug, Clone, Copy)]
pub struct ServerOptions {
    /// Largest request or response message, in bytes.
    pub max_message_bytes: usize,
    /// Server-side deadline for one call.
    pub request_timeout: Duration,
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

/// The fully qualified names of the skillmatch services, as health reports them.
pub const SERVICE_NAMES: [&str; 5] = [
    "skillmatch.v1.TaxonomyService",
    "skillmatch.v1.CatalogService",
    "skillmatch.v1.MatchService",
    "skillmatch.v1.CandidateService",
    "skillmatch.v1.JobService",
];

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
/// NOT_SERVING, stops accepting calls and lets calls in flight finish. Every
/// skillmatch service authenticates with `auth`; health and reflection are open.
pub async fn serve_with_auth(
    listener: TcpListener,
    engine: Arc<Engine>,
    options: ServerOptions,
    auth: Authenticator,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    let auth = AuthInterceptor::new(Arc::new(auth));
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

    let draining = async move {
        shutdown.await;
        tracing::info!("shutting down");
        for name in std::iter::once("").chain(SERVICE_NAMES) {
            health
                .set_service_status(name, ServingStatus::NotServing)
                .await;
        }
    };

    let http = HttpLayer::new(engine.clone(), auth.clone(), options.http_limits());
    Server::builder()
        .timeout(options.request_timeout)
        // HTTP/1.1 too, for the HTTP/JSON edge (browsers, curl); gRPC stays HTTP/2.
        .accept_http1(true)
        .layer(http)
        .trace_fn(|request| tracing::info_span!("grpc", path = %request.uri().path()))
        .add_service(health_service)
        .add_service(reflection_v1)
        .add_service(reflection_v1alpha)
        .add_service(InterceptedService::new(
            configured!(
                TaxonomyServiceServer::new(TaxonomyApi::new(engine.clone())),
                options
            ),
            auth.clone(),
        ))
        .add_service(InterceptedService::new(
            configured!(
                CatalogServiceServer::new(CatalogApi::new(engine.clone())),
                options
            ),
            auth.clone(),
        ))
        .add_service(InterceptedService::new(
            configured!(
                CandidateServiceServer::new(CandidateApi::new(engine.clone())),
                options
            ),
            auth.clone(),
        ))
        .add_service(InterceptedService::new(
            configured!(JobServiceServer::new(JobApi::new(engine.clone())), options),
            auth.clone(),
        ))
        .add_service(InterceptedService::new(
            configured!(MatchServiceServer::new(MatchApi::new(engine)), options),
            auth,
        ))
        .serve_with_incoming_shutdown(
            // Nagle off on every accepted connection, as `Server::serve` does
            // for its own listener: with it on, a response's trailers wait for
            // the client's delayed ACK (about 40 ms on Linux).
            TcpListenerStream::new(listener).map(|accepted| {
                if let Ok(stream) = &accepted {
                    if let Err(error) = stream.set_nodelay(true) {
                        tracing::warn!(%error, "cannot set TCP_NODELAY");
                    }
                }
                accepted
            }),
            draining,
        )
        .await?;
    Ok(())
}
