//! The HTTP/JSON edge, on the gRPC port: a request whose content type is not
//! `application/grpc*` is answered here. RPCs follow the Connect protocol's
//! unary JSON form (`POST /skillmatch.v1.<Service>/<Method>`, a proto3 JSON
//! body, `authorization: Bearer KEY`), call the very service implementations
//! gRPC calls, and answer proto3 JSON or a Connect error body. The server
//! stream answers newline-delimited JSON. `GET /openapi.json` serves the
//! OpenAPI document generated from the protos, and `GET /` the web page.

mod assets;
mod decode;
mod error;
mod routes;

use futures_util::future::BoxFuture;
use std::convert::Infallible;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http::header::{ALLOW, CONTENT_ENCODING, CONTENT_TYPE};
use http::{HeaderValue, Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full, Limited, StreamBody};
use tokio_stream::StreamExt;
use tonic::body::Body;
use tonic::metadata::MetadataMap;
use tonic::service::Interceptor;
use tonic::{Extensions, Status};
use tower_layer::Layer;
use tower_service::Service;

use self::error::error_parts;
use self::routes::{Apis, Call, Reply};
use crate::api::status::http::{
    deadline_exceeded, no_such_rpc, response_too_large, too_large, unreadable,
    unsupported_encoding, unsupported_media_type,
};
use crate::api::{AdminApi, CandidateApi, CatalogApi, JobApi, MatchApi, TaxonomyApi, Workers};
use crate::auth::AuthInterceptor;
use crate::overload::RateLimited;

pub use self::assets::OPENAPI_JSON;

/// The limits the HTTP edge shares with gRPC.
#[derive(Debug, Clone, Copy)]
pub struct HttpLimits {
    /// Largest request body, in bytes (gRPC's message limit).
    pub max_body_bytes: usize,
    /// Server-side deadline for one call (gRPC's request timeout).
    pub request_timeout: Duration,
}

/// The layer that puts the HTTP/JSON edge in front of the gRPC routes.
#[derive(Debug, Clone)]
pub struct HttpLayer {
    shared: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    apis: Apis,
    auth: RateLimited<AuthInterceptor>,
    limits: HttpLimits,
}

impl HttpLayer {
    /// Serves the engine `workers` run over HTTP/JSON with the same authentication, rate
    /// limits and message limits as gRPC; `admin` is the AdminService.
    pub fn new(
        workers: Workers,
        auth: RateLimited<AuthInterceptor>,
        limits: HttpLimits,
        admin: AdminApi,
    ) -> Self {
        let apis = Apis {
            admin_service: admin,
            taxonomy_service: TaxonomyApi::new(workers.clone()),
            catalog_service: CatalogApi::new(workers.clone()),
            candidate_service: CandidateApi::new(workers.clone()),
            job_service: JobApi::new(workers.clone()),
            match_service: MatchApi::new(workers),
        };
        Self {
            shared: Arc::new(Shared { apis, auth, limits }),
        }
    }
}

impl<S> Layer<S> for HttpLayer {
    type Service = GrpcOrJson<S>;

    fn layer(&self, inner: S) -> Self::Service {
        GrpcOrJson {
            inner,
            shared: self.shared.clone(),
        }
    }
}

/// Sends gRPC requests to the inner service and answers every other request itself.
#[derive(Debug, Clone)]
pub struct GrpcOrJson<S> {
    inner: S,
    shared: Arc<Shared>,
}

impl<S> Service<Request<Body>> for GrpcOrJson<S>
where
    S: Service<Request<Body>, Response = Response<Body>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Send + 'static,
{
    type Response = Response<Body>;
    type Error = S::Error;
    type Future = BoxFuture<'static, Result<Response<Body>, S::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<Body>) -> Self::Future {
        if is_grpc(&request) {
            // The clone is not ready; keep the ready service for this call.
            let clone = self.inner.clone();
            let mut ready = std::mem::replace(&mut self.inner, clone);
            return Box::pin(async move { ready.call(request).await });
        }
        let shared = self.shared.clone();
        Box::pin(async move { Ok(handle(&shared, request).await) })
    }
}

fn is_rpc_path(path: &str) -> bool {
    routes::UNARY_PATHS.contains(&path) || routes::STREAMING_PATHS.contains(&path)
}

fn is_grpc<B>(request: &Request<B>) -> bool {
    request
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("application/grpc"))
}

async fn handle(shared: &Shared, request: Request<Body>) -> Response<Body> {
    let path = request.uri().path().to_owned();
    match (request.method(), path.as_str()) {
        (&Method::GET | &Method::HEAD, "/" | "/index.html") => {
            static_response("text/html; charset=utf-8", assets::INDEX_HTML)
        }
        (&Method::GET | &Method::HEAD, "/app.js") => {
            static_response("text/javascript; charset=utf-8", assets::APP_JS)
        }
        (&Method::GET | &Method::HEAD, "/app.css") => {
            static_response("text/css; charset=utf-8", assets::APP_CSS)
        }
        (&Method::GET | &Method::HEAD, "/openapi.json") => {
            static_response("application/json", assets::OPENAPI_JSON)
        }
        (&Method::POST, rpc_path) if is_rpc_path(rpc_path) => rpc(shared, request).await,
        (_, rpc_path) if is_rpc_path(rpc_path) => {
            let mut response = plain(StatusCode::METHOD_NOT_ALLOWED, "RPCs take POST\n");
            response
                .headers_mut()
                .insert(ALLOW, HeaderValue::from_static("POST"));
            response
        }
        _ => plain(StatusCode::NOT_FOUND, "not found\n"),
    }
}

/// One RPC call: content type, body limit, authentication, deadline.
async fn rpc(shared: &Shared, request: Request<Body>) -> Response<Body> {
    let (parts, body) = request.into_parts();
    let path = parts.uri.path();
    let is_json = parts
        .headers
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .is_some_and(|media| media.trim().eq_ignore_ascii_case("application/json"));
    if !is_json {
        let mut response = error_response(&unsupported_media_type());
        *response.status_mut() = StatusCode::UNSUPPORTED_MEDIA_TYPE;
        return response;
    }
    let limit = shared.limits.max_body_bytes;
    let body = match Limited::new(body, limit).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(error) if error.is::<http_body_util::LengthLimitError>() => {
            return error_response(&too_large(limit));
        }
        Err(error) => return error_response(&unreadable(&error)),
    };
    // A compressed body is held to the same limit once decoded, so a small
    // gzip bomb cannot expand past it.
    let body = match parts.headers.get(CONTENT_ENCODING).map(HeaderValue::to_str) {
        None => body,
        Some(Ok(encoding)) if encoding.trim().eq_ignore_ascii_case("identity") => body,
        Some(Ok(encoding)) if encoding.trim().eq_ignore_ascii_case("gzip") => {
            match decode::gunzip(&body, limit) {
                Ok(decoded) => decoded,
                Err(decode::Error::TooLarge) => return error_response(&too_large(limit)),
                Err(decode::Error::Corrupt(error)) => {
                    return error_response(&unreadable(&error));
                }
            }
        }
        Some(Ok(encoding)) => return error_response(&unsupported_encoding(encoding)),
        Some(Err(_)) => return error_response(&unsupported_encoding("(not ASCII)")),
    };
    let unauthenticated = tonic::Request::from_parts(
        MetadataMap::from_headers(parts.headers),
        Extensions::new(),
        (),
    );
    let mut auth = shared.auth.clone();
    let (metadata, extensions, ()) = match auth.call(unauthenticated) {
        Ok(request) => request.into_parts(),
        Err(status) => return error_response(&status),
    };
    let call = Call {
        metadata,
        extensions,
        body: &body,
    };
    // Just inside the transport's own timeout, which would answer in gRPC's form.
    let deadline = shared.limits.request_timeout.mul_f64(0.99);
    match tokio::time::timeout(deadline, routes::call(&shared.apis, path, call)).await {
        Err(_elapsed) => error_response(&deadline_exceeded()),
        Ok(None) => error_response(&no_such_rpc(path)),
        Ok(Some(Err(status))) => error_response(&status),
        // Responses are held to the message limit as gRPC holds its own.
        Ok(Some(Ok(Reply::Json(json)))) if json.len() > limit => {
            error_response(&response_too_large(limit))
        }
        Ok(Some(Ok(Reply::Json(json)))) => {
            bytes_response(StatusCode::OK, "application/json", Bytes::from(json))
        }
        Ok(Some(Ok(Reply::Lines(lines)))) => {
            let frames = lines.map(|line| Ok::<_, Infallible>(http_body::Frame::data(line)));
            let mut response = Response::new(Body::new(StreamBody::new(frames)));
            response.headers_mut().insert(
                CONTENT_TYPE,
                HeaderValue::from_static("application/x-ndjson"),
            );
            response
        }
    }
}

fn error_response(status: &Status) -> Response<Body> {
    let (code, body) = error_parts(status);
    let code = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    bytes_response(code, "application/json", Bytes::from(body))
}

fn static_response(content_type: &'static str, body: &'static str) -> Response<Body> {
    bytes_response(
        StatusCode::OK,
        content_type,
        Bytes::from_static(body.as_bytes()),
    )
}

fn plain(code: StatusCode, body: &'static str) -> Response<Body> {
    bytes_response(
        code,
        "text/plain; charset=utf-8",
        Bytes::from_static(body.as_bytes()),
    )
}

fn bytes_response(code: StatusCode, content_type: &'static str, body: Bytes) -> Response<Body> {
    let mut response = Response::new(Body::new(Full::new(body)));
    *response.status_mut() = code;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}
