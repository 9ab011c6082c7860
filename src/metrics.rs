//! Prometheus metrics: per-RPC call counts by status code, latency
//! histograms, calls in flight, shed calls, and the sizes of the store and
//! indexes, exposed as text on a separate HTTP address (`--metrics-addr`).
//!
//! `observe.rs` records the calls; sizes are sampled from the engine at
//! each scrape, off the async executor.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use http_body_util::Full;
use hyper::body::Bytes;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use tokio::net::TcpListener;

/// The content type of the text exposition format.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CallLabels {
    method: String,
    code: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct MethodLabels {
    method: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ReasonLabels {
    reason: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct KindLabels {
    kind: String,
}

type HistogramMaker = fn() -> Histogram;

fn latency_histogram() -> Histogram {
    // 0.5 ms to about 33 s.
    Histogram::new(exponential_buckets(0.0005, 2.0, 17))
}

/// Sizes of what a server holds, sampled at each scrape.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sizes {
    /// Competencies in the taxonomy served.
    pub competencies: u64,
    /// Credentials in the catalogue.
    pub credentials: u64,
    /// Candidate records, all tenants.
    pub candidates: u64,
    /// Job records, all tenants.
    pub jobs: u64,
    /// Bytes of the store file.
    pub store_bytes: u64,
    /// Seconds since the candidate index snapshot was written; `None` when
    /// there is none.
    pub snapshot_age_secs: Option<u64>,
}

/// A source of [`Sizes`] (the engine); called on the blocking pool.
pub type SizeSource = Arc<dyn Fn() -> Sizes + Send + Sync>;

/// The metrics of one server.
pub struct Metrics {
    registry: Registry,
    calls: Family<CallLabels, Counter>,
    latency: Family<MethodLabels, Histogram, HistogramMaker>,
    in_flight: Gauge,
    shed: Family<ReasonLabels, Counter>,
    records: Family<KindLabels, Gauge>,
    store_bytes: Gauge,
    snapshot_age: Gauge,
    compute_waiting: Gauge,
    compute_wait: Histogram,
    sizes: std::sync::RwLock<Option<SizeSource>>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// A fresh registry with every skillmatch metric.
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("skillmatch");
        let calls = Family::<CallLabels, Counter>::default();
        registry.register(
            "rpc_calls",
            "Calls finished, by method and gRPC status code",
            calls.clone(),
        );
        let latency = Family::<MethodLabels, Histogram, HistogramMaker>::new_with_constructor(
            latency_histogram,
        );
        registry.register(
            "rpc_duration_seconds",
            "Call duration from request to the end of the response (a stream's last message), by method",
            latency.clone(),
        );
        let in_flight = Gauge::default();
        registry.register("rpc_in_flight", "Calls in progress", in_flight.clone());
        let shed = Family::<ReasonLabels, Counter>::default();
        registry.register(
            "rpc_shed",
            "Calls refused with RESOURCE_EXHAUSTED, by reason (saturated, rate_limited)",
            shed.clone(),
        );
        let records = Family::<KindLabels, Gauge>::default();
        registry.register(
            "records",
            "Records held, by kind (competencies, credentials, candidates, jobs)",
            records.clone(),
        );
        let store_bytes = Gauge::default();
        registry.register(
            "store_bytes",
            "Size of the store file in bytes",
            store_bytes.clone(),
        );
        let snapshot_age = Gauge::default();
        registry.register(
            "candidate_snapshot_age_seconds",
            "Seconds since the candidate index snapshot was written; -1 when there is none",
            snapshot_age.clone(),
        );
        let compute_waiting = Gauge::default();
        registry.register(
            "compute_waiting",
            "Calls waiting for a compute slot",
            compute_waiting.clone(),
        );
        let compute_wait = latency_histogram();
        registry.register(
            "compute_wait_seconds",
            "Time calls waited for a compute slot, those that gave up while waiting included",
            compute_wait.clone(),
        );
        Self {
            registry,
            calls,
            latency,
            in_flight,
            shed,
            records,
            store_bytes,
            snapshot_age,
            compute_waiting,
            compute_wait,
            sizes: std::sync::RwLock::new(None),
        }
    }

    /// Samples `source` at each scrape.
    pub fn set_size_source(&self, source: SizeSource) {
        *self
            .sizes
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(source);
    }

    /// A call began.
    pub fn started(&self) {
        self.in_flight.inc();
    }

    /// A call that [`Metrics::started`] finished with `code` after `elapsed`.
    pub fn finished(&self, method: &str, code: &str, elapsed: Duration) {
        self.in_flight.dec();
        self.calls
            .get_or_create(&CallLabels {
                method: method.to_owned(),
                code: code.to_owned(),
            })
            .inc();
        self.latency
            .get_or_create(&MethodLabels {
                method: method.to_owned(),
            })
            .observe(elapsed.as_secs_f64());
    }

    /// A call began waiting for a compute slot.
    pub fn compute_wait_began(&self) {
        self.compute_waiting.inc();
    }

    /// A call that [`Metrics::compute_wait_began`] got its slot, or gave up,
    /// after `waited`.
    pub fn compute_wait_ended(&self, waited: Duration) {
        self.compute_waiting.dec();
        self.compute_wait.observe(waited.as_secs_f64());
    }

    /// A call was refused for `reason`.
    pub fn shed(&self, reason: &str) {
        self.shed
            .get_or_create(&ReasonLabels {
                reason: reason.to_owned(),
            })
            .inc();
    }

    fn record_sizes(&self, sizes: Sizes) {
        let clamp = |value: u64| i64::try_from(value).unwrap_or(i64::MAX);
        for (kind, value) in [
            ("competencies", sizes.competencies),
            ("credentials", sizes.credentials),
            ("candidates", sizes.candidates),
            ("jobs", sizes.jobs),
        ] {
            self.records
                .get_or_create(&KindLabels {
                    kind: kind.to_owned(),
                })
                .set(clamp(value));
        }
        self.store_bytes.set(clamp(sizes.store_bytes));
        self.snapshot_age
            .set(sizes.snapshot_age_secs.map_or(-1, clamp));
    }

    /// The text exposition of every metric, with sizes sampled now.
    /// Blocking (the size source reads the store).
    pub fn render(&self) -> String {
        let source = self
            .sizes
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        if let Some(source) = source {
            self.record_sizes(source());
        }
        let mut text = String::new();
        if let Err(error) = prometheus_client::encoding::text::encode(&mut text, &self.registry) {
            tracing::error!(%error, "cannot encode metrics");
        }
        text
    }
}

/// Serves `GET /metrics` (any other path: 404) on `listener` until the
/// runtime ends. HTTP/1.1, one task per connection.
pub fn serve_metrics(listener: TcpListener, metrics: Arc<Metrics>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            let (stream, _) = match listener.accept().await {
                Ok(accepted) => accepted,
                Err(error) => {
                    tracing::warn!(%error, "metrics: cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            };
            let metrics = metrics.clone();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |request| {
                    let metrics = metrics.clone();
                    async move { Ok::<_, Infallible>(respond(&request, metrics).await) }
                });
                let connection = hyper::server::conn::http1::Builder::new()
                    .timer(hyper_util::rt::TokioTimer::new())
                    .header_read_timeout(Duration::from_secs(10))
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), service);
                if let Err(error) = connection.await {
                    tracing::debug!(%error, "metrics connection ended");
                }
            });
        }
    })
}

/// Binds `addr` and serves the metrics there; returns the bound address.
pub async fn bind_metrics(
    addr: SocketAddr,
    metrics: Arc<Metrics>,
) -> std::io::Result<(SocketAddr, tokio::task::JoinHandle<()>)> {
    let listener = TcpListener::bind(addr).await?;
    let local = listener.local_addr()?;
    Ok((local, serve_metrics(listener, metrics)))
}

async fn respond(
    request: &http::Request<hyper::body::Incoming>,
    metrics: Arc<Metrics>,
) -> http::Response<Full<Bytes>> {
    let reply = |status: http::StatusCode, content_type: &str, body: String| {
        http::Response::builder()
            .status(status)
            .header(http::header::CONTENT_TYPE, content_type)
            .body(Full::new(Bytes::from(body)))
            .unwrap_or_else(|_| http::Response::new(Full::new(Bytes::new())))
    };
    if request.uri().path() != "/metrics" {
        return reply(
            http::StatusCode::NOT_FOUND,
            "text/plain",
            "not found; metrics are at /metrics\n".to_owned(),
        );
    }
    if request.method() != http::Method::GET {
        return reply(
            http::StatusCode::METHOD_NOT_ALLOWED,
            "text/plain",
            "use GET\n".to_owned(),
        );
    }
    match tokio::task::spawn_blocking(move || metrics.render()).await {
        Ok(text) => reply(http::StatusCode::OK, CONTENT_TYPE, text),
        Err(error) => reply(
            http::StatusCode::INTERNAL_SERVER_ERROR,
            "text/plain",
            format!("metrics task failed: {error}\n"),
        ),
    }
}
