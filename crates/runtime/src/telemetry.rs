//! The one place a tracing subscriber is built. Filter from `RUST_LOG` (default `info`),
//! format from `STATECRAFT_LOG_FORMAT=plain|json`. Logs go to stderr so that command output
//! on stdout stays clean.

use tracing_subscriber::EnvFilter;

/// Keeps telemetry alive; flushes on drop.
#[must_use = "telemetry is flushed when the guard drops"]
pub struct TelemetryGuard {
    service: &'static str,
}

impl Drop for TelemetryGuard {
    fn drop(&mut self) {
        tracing::debug!(service = self.service, "telemetry shut down");
    }
}

/// Installs the global subscriber for `service`. Calling it twice keeps the first.
pub fn init(service: &'static str) -> TelemetryGuard {
    init_with_default(service, "info")
}

/// Like [`init`] with another default filter (the CLI logs only warnings by default).
pub fn init_with_default(service: &'static str, default_filter: &str) -> TelemetryGuard {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_filter));
    let json = std::env::var("STATECRAFT_LOG_FORMAT").is_ok_and(|f| f.eq_ignore_ascii_case("json"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = if json {
        builder.json().with_current_span(true).try_init()
    } else {
        builder.try_init()
    };
    TelemetryGuard { service }
}
