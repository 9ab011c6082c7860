//! The outermost layer of every call: a request id and the call's metrics.
//!
//! The request id comes from the `x-request-id` metadata when the client
//! sent a usable one (1 to [`MAX_REQUEST_ID`] visible ASCII characters), else
//! it is made here. It is a field of the `call` span, so every log line the
//! call writes while its handler runs carries it (work the handler moves to
//! the blocking pool logs through its errors, which come back into the
//! span), and it is returned in the response's `x-request-id` metadata.
//! The call is timed until its response body ends and counted by the gRPC
//! status code of its trailers.

use futures_util::future::BoxFuture;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use http::HeaderValue;
use http_body_util::BodyExt;
use tonic::body::Body;
use tower_layer::Layer;
use tower_service::Service;
use tracing::Instrument;

use crate::api::SERVICE_NAMES;
use crate::metrics::Metrics;

/// The metadata key of the request id.
pub const REQUEST_ID: &str = "x-request-id";
/// Longest request id taken from a client.
pub const MAX_REQUEST_ID: usize = 128;

/// Layer adding request ids and recording call metrics.
#[derive(Debug, Clone, Default)]
pub struct CallLayer {
    metrics: Option<Arc<Metrics>>,
}

impl CallLayer {
    /// Records into `metrics` when given.
    pub fn new(metrics: Option<Arc<Metrics>>) -> Self {
        Self { metrics }
    }
}

impl<S> Layer<S> for CallLayer {
    type Service = Observed<S>;

    fn layer(&self, inner: S) -> Observed<S> {
        Observed {
            inner,
            metrics: self.metrics.clone(),
        }
    }
}

/// The service [`CallLayer`] makes.
#[derive(Debug, Clone)]
pub struct Observed<S> {
    inner: S,
    metrics: Option<Arc<Metrics>>,
}

/// The method label of a path: the path itself for the services this
/// server has (so a client cannot grow the label set), else `other`.
pub fn method_label(path: &str) -> &str {
    let known = path
        .strip_prefix('/')
        .and_then(|rest| rest.split_once('/'))
        .is_some_and(|(service, method)| {
            !method.is_empty()
                && !method.contains('/')
                && (SERVICE_NAMES.contains(&service)
                    || service == "grpc.health.v1.Health"
                    || service.starts_with("grpc.reflection."))
        });
    if known { path } else { "other" }
}

fn usable(value: &HeaderValue) -> bool {
    let bytes = value.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= MAX_REQUEST_ID
        && bytes.iter().all(|byte| byte.is_ascii_graphic())
}

fn new_request_id() -> HeaderValue {
    let mut bytes = [0u8; 12];
    if getrandom::fill(&mut bytes).is_err() {
        // No randomness: a time-based id still tells calls apart in a log.
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |elapsed| elapsed.as_nanos());
        bytes.copy_from_slice(&nanos.to_le_bytes()[..12]);
    }
    HeaderValue::from_str(&hex::encode(bytes)).expect("hex is a valid header value")
}

/// Counts a call when dropped: with its body, or with the service's future
/// when the call never produced a response.
struct Finish {
    metrics: Arc<Metrics>,
    method: String,
    code: Option<String>,
    started: Instant,
}

impl Finish {
    fn set_code(&mut self, status: &HeaderValue) {
        self.code = Some(code_name(status));
    }
}

impl Drop for Finish {
    fn drop(&mut self) {
        // A body dropped before its trailers: the client went away.
        let code = self.code.as_deref().unwrap_or("CANCELLED");
        self.metrics
            .finished(&self.method, code, self.started.elapsed());
    }
}

/// The canonical name of a `grpc-status` value: `OK`, `INVALID_ARGUMENT`, ...
fn code_name(value: &HeaderValue) -> String {
    let code = value
        .to_str()
        .ok()
        .and_then(|text| text.parse::<i32>().ok())
        .map_or(tonic::Code::Unknown, tonic::Code::from_i32);
    let camel = format!("{code:?}");
    let mut name = String::with_capacity(camel.len() + 4);
    for (index, letter) in camel.chars().enumerate() {
        if letter.is_ascii_uppercase() && index > 0 {
            name.push('_');
        }
        name.push(letter.to_ascii_uppercase());
    }
    name
}

impl<S> Service<http::Request<Body>> for Observed<S>
where
    S: Service<http::Request<Body>, Response = http::Response<Body>> + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = http::Response<Body>;
    type Error = S::Error;
    type Future = BoxFuture<'static, Result<Self::Response, Self::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: http::Request<Body>) -> Self::Future {
        let id = match request.headers().get(REQUEST_ID) {
            Some(value) if usable(value) => value.clone(),
            _ => new_request_id(),
        };
        request.headers_mut().insert(REQUEST_ID, id.clone());
        let method = method_label(request.uri().path()).to_owned();
        let span = tracing::info_span!(
            "call",
            request_id = %String::from_utf8_lossy(id.as_bytes()),
            method = %method
        );
        let mut finish = self.metrics.clone().map(|metrics| {
            metrics.started();
            Finish {
                metrics,
                method,
                code: None,
                started: Instant::now(),
            }
        });
        let call = {
            let _entered = span.enter();
            self.inner.call(request)
        };
        Box::pin(
            async move {
                let mut response = call.await?;
                response.headers_mut().insert(REQUEST_ID, id);
                let Some(mut finish) = finish.take() else {
                    return Ok(response);
                };
                // A trailers-only response (an error) has its status here.
                if let Some(status) = response.headers().get("grpc-status") {
                    finish.set_code(status);
                }
                Ok(response.map(|body| {
                    Body::new(body.map_frame(move |frame| {
                        if let Some(status) =
                            frame.trailers_ref().and_then(|t| t.get("grpc-status"))
                        {
                            finish.set_code(status);
                        }
                        frame
                    }))
                }))
            }
            .instrument(span),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_known_methods_are_labels() {
        assert_eq!(
            method_label("/skillmatch.v1.MatchService/MatchCredentials"),
            "/skillmatch.v1.MatchService/MatchCredentials"
        );
        assert_eq!(
            method_label("/grpc.health.v1.Health/Check"),
            "/grpc.health.v1.Health/Check"
        );
        assert_eq!(method_label("/evil.Service/X"), "other");
        assert_eq!(method_label("/skillmatch.v1.MatchService/a/b"), "other");
        assert_eq!(method_label("/"), "other");
    }

    /// Log lines written by the test's subscriber.
    #[derive(Clone, Default)]
    struct Lines(Arc<std::sync::Mutex<Vec<u8>>>);

    impl std::io::Write for Lines {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Lines {
        type Writer = Lines;

        fn make_writer(&'a self) -> Lines {
            self.clone()
        }
    }

    #[derive(Clone)]
    struct Ok200;

    impl Service<http::Request<Body>> for Ok200 {
        type Response = http::Response<Body>;
        type Error = std::convert::Infallible;
        type Future = std::future::Ready<Result<Self::Response, Self::Error>>;

        fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
            Poll::Ready(Ok(()))
        }

        fn call(&mut self, _request: http::Request<Body>) -> Self::Future {
            tracing::info!("handled");
            let message = http_body_util::Full::new(hyper::body::Bytes::from_static(b"message"));
            std::future::ready(Ok(http::Response::new(Body::new(message))))
        }
    }

    fn request(id: Option<&'static str>) -> http::Request<Body> {
        let mut builder =
            http::Request::builder().uri("/skillmatch.v1.MatchService/MatchCredentials");
        if let Some(id) = id {
            builder = builder.header(REQUEST_ID, id);
        }
        builder.body(Body::empty()).unwrap()
    }

    #[tokio::test]
    async fn the_request_id_is_in_every_log_line_of_the_call_and_in_the_response() {
        let lines = Lines::default();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(lines.clone())
            .with_max_level(tracing::Level::DEBUG)
            .with_ansi(false)
            .finish();
        let _guard = tracing::subscriber::set_default(subscriber);
        let mut service = CallLayer::new(Some(Arc::new(Metrics::new())))
            .layer(crate::overload::AdmissionLayer::new(1, None).layer(Ok200));

        let held = service.call(request(Some("client-id-1"))).await.unwrap();
        assert_eq!(held.headers()[REQUEST_ID], "client-id-1");
        // Shed while the first body lives: logged by the admission layer.
        let shed = service.call(request(Some("client-id-2"))).await.unwrap();
        assert_eq!(shed.headers()[REQUEST_ID], "client-id-2");
        let made = service.call(request(Some("bad id"))).await.unwrap();
        let made_id = made.headers()[REQUEST_ID].to_str().unwrap().to_owned();
        assert_eq!(made_id.len(), 24, "a usable id is made for a bad one");
        drop(held);

        let text = String::from_utf8(lines.0.lock().unwrap().clone()).unwrap();
        let handled = text.lines().find(|line| line.contains("handled")).unwrap();
        assert!(handled.contains("request_id=client-id-1"), "{handled}");
        let shed_line = text
            .lines()
            .find(|line| line.contains("call shed"))
            .unwrap();
        assert!(shed_line.contains("request_id=client-id-2"), "{shed_line}");
        assert!(text.contains(&format!("request_id={made_id}")), "{text}");
    }

    #[test]
    fn codes_have_their_canonical_names() {
        let name = |code: &'static str| code_name(&HeaderValue::from_static(code));
        assert_eq!(name("0"), "OK");
        assert_eq!(name("3"), "INVALID_ARGUMENT");
        assert_eq!(name("8"), "RESOURCE_EXHAUSTED");
        assert_eq!(name("x"), "UNKNOWN");
    }

    #[test]
    fn request_ids_are_checked() {
        assert!(usable(&HeaderValue::from_static("abc-123")));
        assert!(!usable(&HeaderValue::from_static("")));
        assert!(!usable(&HeaderValue::from_static("has space")));
        let long = "a".repeat(MAX_REQUEST_ID + 1);
        assert!(!usable(&HeaderValue::from_str(&long).unwrap()));
        let made = new_request_id();
        assert!(usable(&made));
        assert_ne!(made, new_request_id());
    }
}
