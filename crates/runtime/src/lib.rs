//! Process lifecycle for statecraft services, and nothing else.
//!
//! Charter: this crate starts and stops processes. It loads layered configuration
//! ([`config`]), installs the tracing subscriber ([`telemetry`]), turns OS signals into a
//! cancellation token ([`shutdown`]), runs a tonic server with health, reflection,
//! tracing, metrics, deadlines, TLS and token checks around a service ([`grpc`], [`edge`],
//! [`security`], [`metrics`]), carries W3C trace context ([`trace`]) and strings these together for a service binary
//! ([`process`]). Domain helpers do not belong here: they go in
//! `statecraft-types` or the service that owns them.

pub mod config;
pub mod edge;
pub mod grpc;
pub mod metrics;
pub mod process;
pub mod security;
pub mod shutdown;
pub mod telemetry;
pub mod trace;

pub use tokio_util::sync::CancellationToken;
pub use tokio_util::task::TaskTracker;
