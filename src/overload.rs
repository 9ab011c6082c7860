//! Admission control: a global limit on calls served at once and a
//! per-API-key rate limit. A call over either limit is refused at once with
//! RESOURCE_EXHAUSTED and a `google.rpc.RetryInfo` delay (see
//! `api/status.rs`); nothing waits in a queue. Health checks are never
//! limited, so a saturated server still answers its probes.
//!
//! The concurrency limit is a tower layer over every service
//! ([`AdmissionLayer`]); a call holds its permit until its response body
//! ends, so a server stream counts for as long as it runs. The rate limit
//! runs after authentication ([`RateLimited`] wraps the auth interceptor),
//! so only valid keys get a bucket and their number stays bounded by the
//! key file.

use futures_util::future::BoxFuture;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use http_body_util::BodyExt;
use sha2::{Digest, Sha256};
use tokio::sync::Semaphore;
use tonic::body::Body;
use tonic::service::Interceptor;
use tonic::{Request, Status};
use tower_layer::Layer;
use tower_service::Service;

use crate::listener::ConnectionInfo;
use crate::metrics::Metrics;

/// Path prefix of the health service, which is never limited.
pub const HEALTH_PREFIX: &str = "/grpc.health.v1.Health/";

/// Delay suggested to a caller refused for saturation.
pub const SATURATED_RETRY: Duration = Duration::from_millis(100);

/// The admission limits of a server.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    /// Most calls served at once, health excepted; 0 for no limit.
    pub max_concurrent_calls: usize,
    /// Sustained calls per second per API key; 0 for no limit.
    pub rate_limit_per_sec: f64,
    /// Calls a key may make at once above the sustained rate; by default
    /// one second's worth (at least 1).
    pub rate_limit_burst: Option<u32>,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_concurrent_calls: 256,
            rate_limit_per_sec: 0.0,
            rate_limit_burst: None,
        }
    }
}

impl Limits {
    /// The rate limiter these limits ask for, if any; an error for a
    /// negative or non-finite rate.
    pub fn rate_limiter(&self) -> Result<Option<Arc<RateLimiter>>, String> {
        let rate = self.rate_limit_per_sec;
        if !rate.is_finite() || rate < 0.0 {
            return Err(format!(
                "rate_limit_per_sec must be a number at least 0, not {rate}"
            ));
        }
        if rate == 0.0 {
            return Ok(None);
        }
        let burst = self
            .rate_limit_burst
            .unwrap_or_else(|| rate.ceil().clamp(1.0, f64::from(u32::MAX)) as u32)
            .max(1);
        Ok(Some(Arc::new(RateLimiter::new(rate, burst))))
    }
}

/// Why a call was not admitted; `api::status` maps it to RESOURCE_EXHAUSTED
/// with a RetryInfo of `retry_after`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Overload {
    /// The server is serving as many calls as it may.
    #[error("server saturated: too many calls in progress; retry later")]
    Saturated {
        /// Suggested delay.
        retry_after: Duration,
    },
    /// The caller's API key is over its rate.
    #[error("rate limit of this API key exceeded; retry later")]
    RateLimited {
        /// When the key has a call to spend again.
        retry_after: Duration,
    },
}

impl Overload {
    /// The delay to suggest to the caller.
    pub fn retry_after(&self) -> Duration {
        match self {
            Self::Saturated { retry_after } | Self::RateLimited { retry_after } => *retry_after,
        }
    }

    /// The label of the shed-calls metric.
    pub fn reason(&self) -> &'static str {
        match self {
            Self::Saturated { .. } => "saturated",
            Self::RateLimited { .. } => "rate_limited",
        }
    }
}

/// Layer applying the global concurrency limit (none when `permits` is `None`).
#[derive(Debug, Clone)]
pub struct AdmissionLayer {
    permits: Option<Arc<Semaphore>>,
    metrics: Option<Arc<Metrics>>,
}

impl AdmissionLayer {
    /// At most `max_concurrent_calls` calls at once (0: no limit); shed calls
    /// are counted in `metrics`.
    pub fn new(max_concurrent_calls: usize, metrics: Option<Arc<Metrics>>) -> Self {
        Self {
            permits: (max_concurrent_calls > 0)
                .then(|| Arc::new(Semaphore::new(max_concurrent_calls))),
            metrics,
        }
    }
}

impl<S> Layer<S> for AdmissionLayer {
    type Service = Admission<S>;

    fn layer(&self, inner: S) -> Admission<S> {
        Admission {
            inner,
            permits: self.permits.clone(),
            metrics: self.metrics.clone(),
        }
    }
}

/// The service [`AdmissionLayer`] makes.
#[derive(Debug, Clone)]
pub struct Admission<S> {
    inner: S,
    permits: Option<Arc<Semaphore>>,
    metrics: Option<Arc<Metrics>>,
}

impl<S> Service<http::Request<Body>> for Admission<S>
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

    fn call(&mut self, request: http::Request<Body>) -> Self::Future {
        let exempt = request.uri().path().starts_with(HEALTH_PREFIX);
        let permit = match &self.permits {
            Some(permits) if !exempt => match permits.clone().try_acquire_owned() {
                Ok(permit) => Some(permit),
                Err(_) => {
                    let refusal = Overload::Saturated {
                        retry_after: SATURATED_RETRY,
                    };
                    if let Some(metrics) = &self.metrics {
                        metrics.shed(refusal.reason());
                    }
                    tracing::debug!("call shed: server saturated");
                    let response = Status::from(refusal).into_http::<Body>();
                    return Box::pin(async move { Ok(response) });
                }
            },
            _ => None,
        };
        // Counted on its connection too, so the connection is not idle.
        let in_progress = request
            .extensions()
            .get::<ConnectionInfo>()
            .map(ConnectionInfo::call_started);
        let call = self.inner.call(request);
        Box::pin(async move {
            let response = call.await?;
            Ok(if permit.is_none() && in_progress.is_none() {
                response
            } else {
                // Both live as long as the body, so a stream holds them
                // until its last message.
                response.map(|body| {
                    Body::new(body.map_frame(move |frame| {
                        let _held = (&permit, &in_progress);
                        frame
                    }))
                })
            })
        })
    }
}

/// A token bucket per API key.
#[derive(Debug)]
pub struct RateLimiter {
    per_second: f64,
    burst: f64,
    buckets: Mutex<HashMap<[u8; 16], Bucket>>,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

impl RateLimiter {
    /// `per_second` calls sustained, `burst` at once, per key.
    pub fn new(per_second: f64, burst: u32) -> Self {
        Self {
            per_second,
            burst: f64::from(burst),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one call from `key`'s bucket, or says how long until one is there.
    pub fn check(&self, key: &[u8]) -> Result<(), Overload> {
        let digest = Sha256::digest(key);
        let mut id = [0u8; 16];
        id.copy_from_slice(&digest[..16]);
        let now = Instant::now();
        let mut buckets = self.buckets.lock().unwrap_or_else(PoisonError::into_inner);
        let bucket = buckets.entry(id).or_insert(Bucket {
            tokens: self.burst,
            at: now,
        });
        let refill = now.duration_since(bucket.at).as_secs_f64() * self.per_second;
        bucket.tokens = (bucket.tokens + refill).min(self.burst);
        bucket.at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            let wait = (1.0 - bucket.tokens) / self.per_second;
            Err(Overload::RateLimited {
                retry_after: Duration::from_secs_f64(wait),
            })
        }
    }
}

/// An interceptor that authenticates with `auth`, then takes the call from
/// the rate of the key it presented (all calls of an unauthenticated server
/// share one bucket).
#[derive(Debug, Clone)]
pub struct RateLimited<I> {
    auth: I,
    limiter: Option<Arc<RateLimiter>>,
    metrics: Option<Arc<Metrics>>,
}

impl<I> RateLimited<I> {
    /// Wraps `auth`; no rate limit when `limiter` is `None`.
    pub fn new(auth: I, limiter: Option<Arc<RateLimiter>>, metrics: Option<Arc<Metrics>>) -> Self {
        Self {
            auth,
            limiter,
            metrics,
        }
    }
}

impl<I: Interceptor> Interceptor for RateLimited<I> {
    fn call(&mut self, request: Request<()>) -> Result<Request<()>, Status> {
        let request = self.auth.call(request)?;
        if let Some(limiter) = &self.limiter {
            let key = request
                .metadata()
                .get("authorization")
                .map_or(&[][..], |value| value.as_bytes());
            if let Err(refusal) = limiter.check(key) {
                if let Some(metrics) = &self.metrics {
                    metrics.shed(refusal.reason());
                }
                return Err(refusal.into());
            }
        }
        Ok(request)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Answers every call at once with a one-message body.
    #[derive(Clone)]
    struct Instant200;

    impl Service<http::Request<Body>> for Instant200 {
        type Response = http::Response<Body>;
        type Error = std::convert::Infallible;
        type Future = std::future::Ready<Result<Self::Response, Self::Error>>;

        fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
            Poll::Ready(Ok(()))
        }

        fn call(&mut self, _request: http::Request<Body>) -> Self::Future {
            let message = http_body_util::Full::new(hyper::body::Bytes::from_static(b"message"));
            std::future::ready(Ok(http::Response::new(Body::new(message))))
        }
    }

    fn request(path: &str) -> http::Request<Body> {
        http::Request::builder()
            .uri(path)
            .body(Body::empty())
            .unwrap()
    }

    fn shed(response: &http::Response<Body>) -> bool {
        response
            .headers()
            .get("grpc-status")
            .is_some_and(|code| code == "8")
    }

    #[tokio::test]
    async fn a_call_holds_its_permit_until_its_body_is_gone_and_health_is_exempt() {
        let metrics = Arc::new(Metrics::new());
        let mut service = AdmissionLayer::new(1, Some(metrics.clone())).layer(Instant200);
        let first = service.call(request("/skillmatch.v1.MatchService/MatchCredentials"));
        let first = first.await.unwrap();
        assert!(!shed(&first));
        // The first response's body is still alive: the next call is shed.
        let second = service
            .call(request("/skillmatch.v1.MatchService/MatchCredentials"))
            .await
            .unwrap();
        assert!(shed(&second), "{:?}", second.headers());
        let health = service
            .call(request("/grpc.health.v1.Health/Check"))
            .await
            .unwrap();
        assert!(!shed(&health), "health is never limited");
        drop(first);
        let third = service
            .call(request("/skillmatch.v1.MatchService/MatchCredentials"))
            .await
            .unwrap();
        assert!(!shed(&third), "the permit came back with the body");
        assert!(
            metrics
                .render()
                .contains("skillmatch_rpc_shed_total{reason=\"saturated\"} 1")
        );
    }

    #[test]
    fn a_bucket_allows_its_burst_then_refuses_with_the_wait() {
        let limiter = RateLimiter::new(2.0, 3);
        for _ in 0..3 {
            limiter.check(b"Bearer a").unwrap();
        }
        let refusal = limiter.check(b"Bearer a").unwrap_err();
        let wait = refusal.retry_after();
        assert!(
            wait > Duration::from_millis(400) && wait <= Duration::from_millis(500),
            "{wait:?}"
        );
        // Another key has its own bucket.
        limiter.check(b"Bearer b").unwrap();
    }

    #[test]
    fn a_bucket_refills_at_the_rate() {
        let limiter = RateLimiter::new(50.0, 1);
        limiter.check(b"k").unwrap();
        assert!(limiter.check(b"k").is_err());
        std::thread::sleep(Duration::from_millis(40));
        limiter.check(b"k").unwrap();
    }

    #[test]
    fn bad_rates_are_refused_and_zero_is_off() {
        let limits = |rate| Limits {
            rate_limit_per_sec: rate,
            ..Limits::default()
        };
        assert!(limits(-1.0).rate_limiter().is_err());
        assert!(limits(f64::NAN).rate_limiter().is_err());
        assert!(limits(0.0).rate_limiter().unwrap().is_none());
        assert!(limits(0.5).rate_limiter().unwrap().is_some());
    }
}
