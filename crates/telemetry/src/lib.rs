//! Telemetry shared by the gateway and the subgraphs.
//!
//! - [`clip`]: bounded copies of text that may carry client input (messages, log fields);
//! - [`logs`]: JSON log lines carrying the trace and span ids of the span they happened in;
//! - [`otel`]: the OTLP/HTTP trace exporter, configured by the standard `OTEL_*` variables;
//! - [`propagation`]: W3C `traceparent` in (a server span per request) and out.
//!
//! Each process composes its own subscriber from these (the subgraphs add SQL spans, the
//! gateway Prometheus metrics) and hands the exporting provider to [`keep_provider`], so that
//! [`shutdown`] can flush it before the process exits.

pub mod clip;
pub mod logs;
pub mod otel;
pub mod propagation;

use opentelemetry_sdk::trace::SdkTracerProvider;
use std::sync::{Mutex, OnceLock};

/// The exporting provider, kept so [`shutdown`] can flush it.
static PROVIDER: OnceLock<Mutex<Option<SdkTracerProvider>>> = OnceLock::new();

/// Keep `provider` for [`shutdown`] (the first one kept wins).
pub fn keep_provider(provider: SdkTracerProvider) {
    let _ = PROVIDER.set(Mutex::new(Some(provider)));
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
