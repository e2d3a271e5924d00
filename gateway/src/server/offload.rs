//! Preparation (parse, validate, plan) of operations missing from the plan
//! cache, run on a bounded set of preparation threads so that a large or
//! expensive document never holds the worker thread other connections are
//! served on.

use std::sync::Arc;

use tokio::sync::Semaphore;

use crate::operation::RequestFailure;

/// Where cache misses are prepared.
#[derive(Clone)]
pub struct Offload {
    /// One permit per preparation thread allowed to be busy.
    permits: Arc<Semaphore>,
    min_bytes: usize,
    running: metrics::Gauge,
}

impl Offload {
    /// Up to `threads` preparations at once; documents shorter than
    /// `min_bytes` are prepared on the calling worker.
    pub fn new(threads: usize, min_bytes: usize) -> Self {
        Self {
            permits: Arc::new(Semaphore::new(threads.max(1))),
            min_bytes,
            running: metrics::gauge!("gateway_offloaded_preparations"),
        }
    }

    /// Whether a document of `len` bytes is prepared off the worker.
    pub fn applies(&self, len: usize) -> bool {
        len >= self.min_bytes
    }

    /// Runs `prepare` on a preparation thread once one is free. Dropping the
    /// returned future (the request's deadline passed, or its client left)
    /// gives up waiting; a preparation already running finishes or stops at
    /// its own deadline, still holding its permit, so abandoned work can
    /// never exceed the thread cap.
    pub async fn run<T: Send + 'static>(
        &self,
        prepare: impl FnOnce() -> Result<T, RequestFailure> + Send + 'static,
    ) -> Result<T, RequestFailure> {
        let permit = self
            .permits
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| internal())?;
        let running = self.running.clone();
        tokio::task::spawn_blocking(move || {
            let _running = Running::enter(running);
            let _permit = permit;
            prepare()
        })
        .await
        .map_err(|_| internal())?
    }
}

fn internal() -> RequestFailure {
    RequestFailure::new(
        500,
        "operation preparation failed unexpectedly",
        "INTERNAL_SERVER_ERROR",
    )
}

/// Counts a preparation in `gateway_offloaded_preparations` until dropped
/// (a panicking preparation included).
struct Running(metrics::Gauge);

impl Running {
    fn enter(gauge: metrics::Gauge) -> Self {
        gauge.increment(1.0);
        Self(gauge)
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.0.decrement(1.0);
    }
}
