//! The deadline of every call: the client's `grpc-timeout`, capped by the
//! server's request timeout. When it passes, the call answers
//! DEADLINE_EXCEEDED at once and its work is cancelled (see
//! [`crate::cancel`]); when the client goes away first, the call's future is
//! dropped and its work is cancelled too.

use futures_util::future::BoxFuture;
use std::task::{Context, Poll};
use std::time::Duration;

use tonic::Status;
use tower::{Layer, Service};

use crate::cancel::{self, CancelToken};
use crate::error::Error;

/// Adds deadlines to a service; see the module documentation.
#[derive(Debug, Clone, Copy)]
pub struct DeadlineLayer {
    max: Duration,
}

impl DeadlineLayer {
    /// Deadlines of at most `max`.
    pub fn new(max: Duration) -> Self {
        Self { max }
    }
}

impl<S> Layer<S> for DeadlineLayer {
    type Service = Deadline<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Deadline {
            inner,
            max: self.max,
        }
    }
}

/// The service [`DeadlineLayer`] makes.
#[derive(Debug, Clone)]
pub struct Deadline<S> {
    inner: S,
    max: Duration,
}

/// Cancels the call's token when the call's future is dropped unfinished.
struct CancelOnDrop(Option<CancelToken>);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        if let Some(token) = self.0.take() {
            token.cancel();
        }
    }
}

impl<S, ReqBody, ResBody> Service<http::Request<ReqBody>> for Deadline<S>
where
    S: Service<http::Request<ReqBody>, Response = http::Response<ResBody>>,
    S::Future: Send + 'static,
    S::Error: Send + 'static,
    ResBody: Default + Send + 'static,
{
    type Response = http::Response<ResBody>;
    type Error = S::Error;
    type Future = BoxFuture<'static, Result<Self::Response, Self::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: http::Request<ReqBody>) -> Self::Future {
        let deadline = client_timeout(request.headers()).map_or(self.max, |t| t.min(self.max));
        let token = CancelToken::new();
        let call = cancel::scope(token.clone(), self.inner.call(request));
        Box::pin(async move {
            let mut guard = CancelOnDrop(Some(token));
            let outcome = tokio::time::timeout(deadline, call).await;
            match outcome {
                Ok(response) => {
                    guard.0 = None;
                    response
                }
                // The guard cancels the work as it drops.
                Err(_) => Ok(Status::from(Error::DeadlineExceeded).into_http()),
            }
        })
    }
}

/// The `grpc-timeout` header: an integer of at most 8 digits and a unit.
fn client_timeout(headers: &http::HeaderMap) -> Option<Duration> {
    let raw = headers.get("grpc-timeout")?.to_str().ok()?;
    let (digits, unit) = raw.split_at(raw.len().checked_sub(1)?);
    if digits.is_empty() || digits.len() > 8 {
        return None;
    }
    let value: u64 = digits.parse().ok()?;
    Some(match unit {
        "H" => Duration::from_secs(value.saturating_mul(3600)),
        "M" => Duration::from_secs(value.saturating_mul(60)),
        "S" => Duration::from_secs(value),
        "m" => Duration::from_millis(value),
        "u" => Duration::from_micros(value),
        "n" => Duration::from_nanos(value),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_grpc_timeout_units() {
        let mut headers = http::HeaderMap::new();
        for (raw, expected) in [
            ("5S", Some(Duration::from_secs(5))),
            ("250m", Some(Duration::from_millis(250))),
            ("2M", Some(Duration::from_secs(120))),
            ("123456789S", None),
            ("S", None),
            ("5x", None),
        ] {
            headers.insert("grpc-timeout", raw.parse().unwrap());
            assert_eq!(client_timeout(&headers), expected, "{raw}");
        }
    }
}
