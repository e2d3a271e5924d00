//! The gateway's telemetry entry points with OpenTelemetry and Prometheus.

use super::metrics;
use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use crowdcrunch_telemetry::{logs, otel, propagation};
use std::sync::atomic::{AtomicBool, Ordering};
use tracing_subscriber::filter::{filter_fn, LevelFilter, Targets};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

pub use crowdcrunch_telemetry::shutdown;

/// Whether traces are exported (see [`request_spans`]).
static EXPORTING: AtomicBool = AtomicBool::new(false);

/// Whether traces are exported. Without an exporter nothing reads spans, and
/// recording a request's spans costs a few percent of its CPU: [`init`] then
/// disables every span callsite (tracing caches that, so a disabled
/// `info_span!` costs one load), and the server span's own work (context
/// extraction, naming) and outgoing propagation are skipped.
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
    let exporting = provider.is_some();
    // A global filter (not per layer): spans it refuses are never created at all.
    let spans_only_when_exported = filter_fn(move |meta| exporting || !meta.is_span());
    let installed = tracing_subscriber::registry()
        .with(spans_only_when_exported)
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
        crowdcrunch_telemetry::keep_provider(p);
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

/// Write the current span's trace context into the headers of a subgraph request (when
/// traces are exported).
pub fn inject_context(headers: &mut http::HeaderMap) {
    if request_spans() {
        propagation::inject_context(headers);
    }
}

/// The server span of a request (continuing the client's W3C trace), when traces are
/// exported.
async fn trace_http(request: Request, next: Next) -> Response {
    if request_spans() {
        propagation::trace_http(request, next).await
    } else {
        next.run(request).await
    }
}

/// Add the per-request server span to the server's router.
pub fn instrument<S: Clone + Send + Sync + 'static>(router: axum::Router<S>) -> axum::Router<S> {
    router.layer(axum::middleware::from_fn(trace_http))
}

/// The routes of the internal metrics listener: `GET /metrics`.
pub fn metrics_router() -> axum::Router {
    axum::Router::new().route("/metrics", axum::routing::get(metrics::metrics_handler))
}
