//! The OpenTelemetry tracer provider, configured from the standard `OTEL_*` variables.

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::{SpanExporter, WithExportConfig};
use opentelemetry_sdk::trace::{SdkTracer, SdkTracerProvider};
use opentelemetry_sdk::Resource;

/// Trace export could not be set up.
#[derive(Debug, thiserror::Error)]
#[error("cannot build the OTLP exporter: {0}")]
pub struct ExportError(#[from] opentelemetry_otlp::ExporterBuildError);

/// Whether an OTLP endpoint is configured; without one, traces are not exported at all.
pub fn export_configured() -> bool {
    [
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
        "OTEL_EXPORTER_OTLP_ENDPOINT",
    ]
    .iter()
    .any(|v| std::env::var(v).is_ok_and(|s| !s.trim().is_empty()))
}

/// A provider exporting over OTLP/HTTP (protobuf) with a batch processor, or `None` when no
/// endpoint is configured. The sampler comes from `OTEL_TRACES_SAMPLER(_ARG)` (the SDK reads
/// them); the service name from `OTEL_SERVICE_NAME`, else `service`.
pub fn provider_from_env(service: &str) -> Result<Option<SdkTracerProvider>, ExportError> {
    if !export_configured() {
        return Ok(None);
    }
    // The blocking client: the batch processor exports from its own plain thread, where the
    // async client would panic for want of a runtime.
    let exporter = SpanExporter::builder()
        .with_http()
        .with_protocol(opentelemetry_otlp::Protocol::HttpBinary)
        .build()?;
    let mut resource = Resource::builder();
    if std::env::var("OTEL_SERVICE_NAME").is_err() {
        resource = resource.with_service_name(service.to_string());
    }
    let provider = SdkTracerProvider::builder()
        .with_batch_exporter(exporter)
        .with_resource(resource.build())
        .build();
    Ok(Some(provider))
}

/// The tracer every layer of this process uses.
pub fn tracer(provider: &SdkTracerProvider) -> SdkTracer {
    provider.tracer("crowdcrunch")
}
