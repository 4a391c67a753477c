//! The one place a tracing subscriber is built. Filter from `RUST_LOG` (default `info`),
//! format from `STATECRAFT_LOG_FORMAT=plain|json`. Logs go to stderr so that command output
//! on stdout stays clean.
//!
//! Spans are also exported over OTLP/gRPC when `OTEL_EXPORTER_OTLP_ENDPOINT` is set (off
//! otherwise; nothing needs a collector to run). `OTEL_SERVICE_NAME` overrides the service
//! name. Spans that continue a document's trace (see [`crate::trace`]) carry its trace id.

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::WithExportConfig;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

/// Keeps telemetry alive; flushes exported spans on drop.
#[must_use = "telemetry is flushed when the guard drops"]
pub struct TelemetryGuard {
    service: &'static str,
    provider: Option<SdkTracerProvider>,
}

impl Drop for TelemetryGuard {
    fn drop(&mut self) {
        if let Some(provider) = self.provider.take()
            && let Err(error) = provider.shutdown()
        {
            eprintln!("{}: flushing spans failed: {error}", self.service);
        }
        tracing::debug!(service = self.service, "telemetry shut down");
    }
}

/// Installs the global subscriber for `service`. Calling it twice keeps the first.
pub fn init(service: &'static str) -> TelemetryGuard {
    init_with_default(service, "info")
}

/// A tracer provider exporting spans over OTLP/gRPC to `endpoint`. Must be called within a
/// tokio runtime.
pub fn otlp_provider(
    service: &str,
    endpoint: &str,
) -> Result<SdkTracerProvider, opentelemetry_otlp::ExporterBuildError> {
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_tonic()
        .with_endpoint(endpoint)
        .build()?;
    let resource = opentelemetry_sdk::Resource::builder()
        .with_service_name(service.to_owned())
        .build();
    Ok(SdkTracerProvider::builder()
        .with_resource(resource)
        .with_batch_exporter(exporter)
        .build())
}

/// A layer sending the spans of `tracing` to `provider`.
pub fn otlp_layer<S>(provider: &SdkTracerProvider, service: &'static str) -> impl Layer<S>
where
    S: tracing::Subscriber + for<'span> tracing_subscriber::registry::LookupSpan<'span>,
{
    tracing_opentelemetry::layer().with_tracer(provider.tracer(service))
}

/// Like [`init`] with another default filter (the CLI logs only warnings by default).
pub fn init_with_default(service: &'static str, default_filter: &str) -> TelemetryGuard {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_filter));
    let json = std::env::var("STATECRAFT_LOG_FORMAT").is_ok_and(|f| f.eq_ignore_ascii_case("json"));
    let fmt = tracing_subscriber::fmt::layer().with_writer(std::io::stderr);
    let fmt = if json {
        fmt.json().with_current_span(true).boxed()
    } else {
        fmt.boxed()
    };
    let name = std::env::var("OTEL_SERVICE_NAME").unwrap_or_else(|_| service.to_owned());
    let provider = std::env::var("OTEL_EXPORTER_OTLP_ENDPOINT")
        .ok()
        .filter(|endpoint| !endpoint.is_empty())
        .and_then(|endpoint| match otlp_provider(&name, &endpoint) {
            Ok(provider) => Some(provider),
            Err(error) => {
                eprintln!("{service}: OTLP export to {endpoint} disabled: {error}");
                None
            }
        });
    let otlp = provider.as_ref().map(|p| otlp_layer(p, service));
    let _ = tracing_subscriber::registry()
        .with(filter)
        .with(fmt)
        .with(otlp)
        .try_init();
    TelemetryGuard { service, provider }
}
