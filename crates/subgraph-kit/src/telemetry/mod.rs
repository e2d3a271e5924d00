//! Logs, traces and their propagation for a subgraph process.
//!
//! [`init`] installs one `tracing` subscriber with three layers: JSON logs carrying the
//! OpenTelemetry trace and span ids ([`logs`]), export of spans over OTLP when an endpoint is
//! configured ([`otel`]), and SQL statement spans built from sqlx's query events ([`sql`]).
//! [`propagation`] continues a caller's W3C trace in every HTTP request; [`graphql`] holds the
//! GraphQL spans and error log lines.

pub mod graphql;
pub mod sql;

pub use crowdcrunch_telemetry::{logs, otel, propagation, shutdown};
use tracing::Level;
use tracing_subscriber::filter::{filter_fn, LevelFilter, Targets};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

pub use propagation::{extract_context, inject_context, trace_http};

/// Install JSON logs (filter from `RUST_LOG`, default `info`) and, when
/// `OTEL_EXPORTER_OTLP_ENDPOINT` (or `..._TRACES_ENDPOINT`) is set, OTLP/HTTP trace export
/// under `OTEL_SERVICE_NAME` (default `service`) sampled per `OTEL_TRACES_SAMPLER(_ARG)`.
/// Safe to call twice: the second call changes nothing.
pub fn init(service: &str) {
    let provider = match otel::provider_from_env(service) {
        Ok(provider) => provider,
        Err(e) => {
            // Logs still work without traces; say why traces are missing once logs are up.
            eprintln!("{{\"level\":\"ERROR\",\"message\":\"trace export disabled: {e}\"}}");
            None
        }
    };
    let log_filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let tracer = provider.as_ref().map(otel::tracer);
    let exporting = tracer.is_some();
    // sqlx's own query events become SQL spans (below), not span events.
    let span_filter = Targets::new()
        .with_default(LevelFilter::INFO)
        .with_target("sqlx::query", LevelFilter::OFF);
    let spans = tracer.clone().map(|t| {
        tracing_opentelemetry::layer()
            .with_tracer(t)
            .with_filter(span_filter)
    });
    // Not wrapped in an `Option`: an optional layer is never told its dispatcher, which
    // `SqlSpans` needs. It needs the statement events and, to find their parent, the spans
    // the trace layer records (a per-layer filter also hides spans from its own lookups).
    let statements = sql::SqlSpans::new(tracer).with_filter(filter_fn(move |meta| {
        if !exporting {
            false
        } else if meta.is_span() {
            *meta.level() <= Level::INFO
        } else {
            meta.target() == "sqlx::query"
        }
    }));
    let installed = tracing_subscriber::registry()
        .with(logs::JsonLogs::new(service).with_filter(log_filter))
        .with(spans)
        .with(statements)
        .try_init()
        .is_ok();
    if installed {
        propagation::install_propagator();
        if let Some(p) = provider {
            crowdcrunch_telemetry::keep_provider(p);
        }
        tracing::debug!(service, "telemetry initialised");
    } else if let Some(p) = provider {
        let _ = p.shutdown();
    }
}
