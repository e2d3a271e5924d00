//! The gateway's telemetry entry points with OpenTelemetry and Prometheus.

use super::{logs, metrics, otel, propagation};
use opentelemetry_sdk::trace::SdkTracerProvider;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, OnceLock};
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

pub use propagation::inject_context;

/// The exporting provider, kept so [`shutdown`] can flush it.
static PROVIDER: OnceLock<Mutex<Option<SdkTracerProvider>>> = OnceLock::new();

/// Whether traces are exported (see [`request_spans`]).
static EXPORTING: AtomicBool = AtomicBool::new(false);

/// Whether per-request spans (server, execute, subgraph fetch) are worth
/// recording: only when traces are exported. Without an exporter nothing
/// reads them, and recording them costs a few percent of a request's CPU.
pub fn request_spans() -> bool {
    EXPORTING.load(Ordering::Relaxed)
}

/// Install JSON logs (filter from `RUST_LOG`, default `info`), the Prometheus recorder (unless
/// `CROWDCRUNCH_METRICS=off`) and,
/// when `OTEL_EXPORTER_OTLP_ENDPOINT` (or `..._TRACES_ENDPOINT`) is set, OTLP/HTTP trace
/// export as `OTEL_SERVICE_NAME` (default `gateway`) sampled per `OTEL_TRACES_SAMPLER(_ARG)`.
/// Calling it twice is harmless: the second install is ignored.
pub fn init() {
    let provider = match otel::provider_from_env("gateway") {
        Ok(provider) => provider,
        Err(e) => {
            eprintln!("{{\"level\":\"ERROR\",\"message\":\"trace export disabled: {e}\"}}");
            None
        }
    };
    let log_filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let spans = provider.as_ref().map(|p| {
        tracing_opentelemetry::layer()
            .with_tracer(otel::tracer(p))
            .with_filter(Targets::new().with_default(LevelFilter::INFO))
    });
    let installed = tracing_subscriber::registry()
        .with(logs::JsonLogs::new("gateway").with_filter(log_filter))
        .with(spans)
        .try_init()
        .is_ok();
    if !installed {
        if let Some(p) = provider {
            let _ = p.shutdown();
        }
        return;
    }
    propagation::install_propagator();
    if let Some(p) = provider {
        let _ = PROVIDER.set(Mutex::new(Some(p)));
        EXPORTING.store(true, Ordering::Relaxed);
    }
    // `CROWDCRUNCH_METRICS=off` leaves the recorder out (the overhead bench's baseline).
    if std::env::var("CROWDCRUNCH_METRICS").is_ok_and(|v| v == "off") {
        return;
    }
    if let Err(e) = metrics::install() {
        tracing::warn!(error = %e, "metrics recorder not installed; /metrics stays empty");
    }
}

/// Add `GET /metrics` and the per-request server span (continuing the client's W3C trace)
/// to the server's router.
pub fn instrument<S: Clone + Send + Sync + 'static>(router: axum::Router<S>) -> axum::Router<S> {
    router
        .route("/metrics", axum::routing::get(metrics::metrics_handler))
        .layer(axum::middleware::from_fn(propagation::trace_http))
}

/// Export the spans still buffered and stop the exporter. Call once, before the process exits.
pub fn shutdown() {
    let Some(slot) = PROVIDER.get() else {
        return;
    };
    let provider = match slot.lock() {
        Ok(mut guard) => guard.take(),
        Err(poisoned) => poisoned.into_inner().take(),
    };
    if let Some(provider) = provider {
        if let Err(e) = provider.shutdown() {
            tracing::warn!(error = %e, "flushing traces failed");
        }
    }
}
