//! Where the services run the engine: off the async executor, on the
//! blocking pool, and for work that keeps a core busy, behind a fixed number
//! of compute slots taken in arrival order.
//!
//! Without the slots, eight calls in flight are eight threads time-sliced on
//! the machine's cores, so every call takes as long as the slowest mix and
//! the tail grows with the concurrency. With them, calls beyond the slots
//! wait their turn in a FIFO queue and each runs at full speed once it
//! starts; a call whose deadline passes or whose client leaves while it waits
//! leaves the queue without having used a core. BENCHMARKS.md (gRPC, "Compute
//! slots") has the measurement behind the default of one slot more than the
//! cores, which keeps a core busy while another call's response is encoded.

use std::num::NonZeroUsize;
use std::sync::Arc;
use std::time::Instant;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tonic::Status;

use crate::engine::Engine;
use crate::error::Error;
use crate::metrics::Metrics;

/// The default number of compute slots: one more than the cores this
/// process may use.
pub fn default_compute_slots() -> usize {
    std::thread::available_parallelism().map_or(1, NonZeroUsize::get) + 1
}

/// The engine and the compute slots its calls share; cheap to clone, and
/// every clone shares the same slots.
#[derive(Debug, Clone)]
pub struct Workers {
    engine: Arc<Engine>,
    slots: Option<Arc<Semaphore>>,
    metrics: Option<Arc<Metrics>>,
}

impl Workers {
    /// Runs `engine` with `compute_slots` slots for compute work; 0 for no
    /// limit (every call starts at once).
    pub fn new(engine: Arc<Engine>, compute_slots: usize) -> Self {
        Self {
            engine,
            slots: (compute_slots > 0).then(|| Arc::new(Semaphore::new(compute_slots))),
            metrics: None,
        }
    }

    /// The same, counting the calls waiting for a slot and timing their
    /// waits in `metrics`.
    pub fn with_metrics(self, metrics: Option<Arc<Metrics>>) -> Self {
        Self { metrics, ..self }
    }

    /// The engine, for what the async side reads directly (the taxonomy
    /// for conversions, the page-token key).
    pub fn engine(&self) -> &Arc<Engine> {
        &self.engine
    }

    /// Runs work that keeps a core busy (extraction, search, matching,
    /// planning, ranking, reading documents) once a compute slot is free.
    /// The slot is held until the work ends, even if the caller stops
    /// waiting for it, since the core stays busy until the work reaches
    /// its next cancellation checkpoint.
    pub async fn compute<T, F>(&self, work: F) -> Result<T, Status>
    where
        T: Send + 'static,
        F: FnOnce(&Engine) -> Result<T, Error> + Send + 'static,
    {
        let slot = match &self.slots {
            Some(slots) => {
                let _waiting = Waiting::begin(self.metrics.as_deref());
                Some(
                    slots
                        .clone()
                        .acquire_owned()
                        .await
                        .map_err(|_| Status::unavailable("the server is shutting down"))?,
                )
            }
            None => None,
        };
        self.run(slot, work).await
    }

    /// Runs store reads and writes and backups at once, without a compute
    /// slot: they mostly wait on the disk (a write waits for its sync), and
    /// a slot held through a sync would leave its core idle. A write's own
    /// extraction (a CV, a posting, a credential batch) runs unmetered with it.
    pub async fn store<T, F>(&self, work: F) -> Result<T, Status>
    where
        T: Send + 'static,
        F: FnOnce(&Engine) -> Result<T, Error> + Send + 'static,
    {
        self.run(None, work).await
    }

    /// Runs `work` on the blocking pool with the call's cancellation token,
    /// holding `slot` until it ends.
    async fn run<T, F>(&self, slot: Option<OwnedSemaphorePermit>, work: F) -> Result<T, Status>
    where
        T: Send + 'static,
        F: FnOnce(&Engine) -> Result<T, Error> + Send + 'static,
    {
        let engine = self.engine.clone();
        let token = crate::cancel::current_call();
        tokio::task::spawn_blocking(move || {
            let _slot = slot;
            crate::cancel::run_as(token, || work(&engine))
        })
        .await
        .map_err(|join| Status::internal(format!("worker failed: {join}")))?
        .map_err(Status::from)
    }
}

/// A call waiting for a compute slot, as the metrics see it: counted from
/// [`Waiting::begin`] until dropped (slot taken, or the caller gave up).
struct Waiting<'a> {
    metrics: Option<&'a Metrics>,
    since: Instant,
}

impl<'a> Waiting<'a> {
    fn begin(metrics: Option<&'a Metrics>) -> Self {
        if let Some(metrics) = metrics {
            metrics.compute_wait_began();
        }
        Self {
            metrics,
            since: Instant::now(),
        }
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        if let Some(metrics) = self.metrics {
            metrics.compute_wait_ended(self.since.elapsed());
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::mpsc;
    use std::time::Duration;

    use super::*;
    use crate::engine::EngineConfig;

    fn workers(slots: usize) -> (tempfile::TempDir, Workers) {
        let dir = tempfile::tempdir().unwrap();
        let engine = Engine::open(&EngineConfig::new(dir.path())).unwrap().0;
        (dir, Workers::new(Arc::new(engine), slots))
    }

    /// A compute call that runs until the returned sender sends, once it
    /// has started.
    fn held(
        workers: &Workers,
    ) -> (
        tokio::task::JoinHandle<Result<(), Status>>,
        mpsc::Sender<()>,
    ) {
        let (started, starts) = mpsc::channel();
        let (release, released) = mpsc::channel::<()>();
        let workers = workers.clone();
        let running = tokio::spawn(async move {
            workers
                .compute(move |_| {
                    started.send(()).unwrap();
                    released.recv_timeout(Duration::from_secs(30)).unwrap();
                    Ok(())
                })
                .await
        });
        starts.recv_timeout(Duration::from_secs(30)).unwrap();
        (running, release)
    }

    /// The value of a series without labels in the metrics' exposition.
    fn series(metrics: &Metrics, name: &str) -> f64 {
        let text = metrics.render();
        let line = text
            .lines()
            .find(|line| line.strip_prefix(name).is_some_and(|v| v.starts_with(' ')))
            .unwrap_or_else(|| panic!("no {name} in {text}"));
        line[name.len()..].trim().parse().unwrap()
    }

    /// What `call` answers, which it must within 30 s (`why` says why).
    async fn answered<T>(call: impl Future<Output = Result<T, Status>>, why: &str) -> T {
        tokio::time::timeout(Duration::from_secs(30), call)
            .await
            .expect(why)
            .unwrap()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn compute_waits_for_a_slot_in_arrival_order_and_store_does_not() {
        let (_dir, workers) = workers(1);
        let (first, release_first) = held(&workers);

        // Two more queue behind the one slot, in order.
        let order = Arc::new(Mutex::new(Vec::new()));
        let mut queued = Vec::new();
        for name in [2, 3] {
            let (workers, order) = (workers.clone(), order.clone());
            queued.push(tokio::spawn(async move {
                workers
                    .compute(move |_| {
                        order.lock().unwrap().push(name);
                        Ok(())
                    })
                    .await
            }));
            // Let it reach the queue before the next arrives.
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert!(order.lock().unwrap().is_empty(), "ran without a slot");

        // Store work does not wait for the slot.
        let stored = answered(workers.store(|_| Ok(7)), "store work waited for a slot").await;
        assert_eq!(stored, 7);

        release_first.send(()).unwrap();
        first.await.unwrap().unwrap();
        for call in queued {
            call.await.unwrap().unwrap();
        }
        assert_eq!(*order.lock().unwrap(), [2, 3]);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_caller_that_stops_waiting_keeps_the_slot_until_its_work_ends() {
        let (_dir, workers) = workers(1);
        let metrics = Arc::new(Metrics::new());
        let workers = workers.with_metrics(Some(metrics.clone()));
        let (running, release) = held(&workers);
        // The caller gives up (as the deadline layer does); the work runs on.
        running.abort();
        assert!(running.await.unwrap_err().is_cancelled());

        // A caller that gives up while queued leaves the queue (and the
        // metrics' count of waiting calls): its work never runs.
        let ran = Arc::new(AtomicBool::new(false));
        let queued = {
            let (workers, ran) = (workers.clone(), ran.clone());
            tokio::spawn(async move {
                workers
                    .compute(move |_| {
                        ran.store(true, Ordering::SeqCst);
                        Ok(())
                    })
                    .await
            })
        };
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert_eq!(series(&metrics, "skillmatch_compute_waiting"), 1.0);
        queued.abort();
        assert!(queued.await.unwrap_err().is_cancelled());
        assert_eq!(series(&metrics, "skillmatch_compute_waiting"), 0.0);
        assert_eq!(
            series(&metrics, "skillmatch_compute_wait_seconds_count"),
            2.0,
            "the held call's wait and the abandoned one's"
        );

        release.send(()).unwrap();
        let next = answered(workers.compute(|_| Ok(1)), "the slot came back").await;
        assert_eq!(next, 1);
        assert!(!ran.load(Ordering::SeqCst), "ran after its caller left");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn no_limit_starts_every_call_at_once() {
        let (_dir, workers) = workers(0);
        let (running, release) = held(&workers);
        let next = answered(workers.compute(|_| Ok(2)), "a call waited without a limit").await;
        assert_eq!(next, 2);
        release.send(()).unwrap();
        running.await.unwrap().unwrap();
    }
}
