//! gRPC server bootstrap: every statecraft server carries `grpc.health.v1`, server reflection
//! (v1 and v1alpha, for grpcurl and grpcui), a tracing layer and RPC metrics; the service
//! itself sits behind the bearer-token check (health and reflection stay open for probes),
//! the server speaks TLS when configured, and it shuts down in order: health NOT_SERVING,
//! stop accepting, drain in-flight calls.

use std::convert::Infallible;
use std::time::Duration;

use statecraft_proto::pb;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tonic::body::Body;
use tonic::server::NamedService;
use tonic::service::Routes;
use tonic::service::interceptor::InterceptedService;
use tonic::transport::server::TcpIncoming;
use tonic_health::ServingStatus;
use tonic_health::server::HealthReporter;

use crate::edge::EdgeLayer;
use crate::metrics::RpcMetricsLayer;

/// HTTP/2 connection flow-control window of every server.
const CONNECTION_WINDOW_BYTES: u32 = 16 * 1024 * 1024;
/// HTTP/2 stream flow-control window of every server.
const STREAM_WINDOW_BYTES: u32 = 512 * 1024;
use crate::security::{RequireToken, ServerConfig};

/// Errors starting or running a server.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// Building the reflection service failed.
    #[error("failed to build reflection service: {0}")]
    Reflection(#[from] tonic_reflection::server::Error),
    /// The transport failed.
    #[error("gRPC server failed: {0}")]
    Transport(#[from] tonic::transport::Error),
    /// A listener failed.
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
    /// The `[server]` configuration cannot be used.
    #[error(transparent)]
    Security(#[from] crate::security::SecurityError),
}

/// Marks a service SERVING or NOT_SERVING in `grpc.health.v1`, both under its own name and
/// the overall name "".
#[derive(Clone)]
pub struct Health {
    reporter: HealthReporter,
    service: &'static str,
}

impl Health {
    /// Reports the service (and the server) as serving.
    pub async fn serving(&self) {
        self.reporter
            .set_service_status(self.service, ServingStatus::Serving)
            .await;
        self.reporter
            .set_service_status("", ServingStatus::Serving)
            .await;
    }

    /// Reports the service (and the server) as not serving.
    pub async fn not_serving(&self) {
        self.reporter
            .set_service_status(self.service, ServingStatus::NotServing)
            .await;
        self.reporter
            .set_service_status("", ServingStatus::NotServing)
            .await;
    }
}

/// A tonic server around one statecraft service.
pub struct GrpcServer {
    routes: Routes,
    health: Health,
    config: ServerConfig,
}

impl GrpcServer {
    /// Wraps `service` with health (starting NOT_SERVING, the overall "" status included:
    /// tonic-health starts that one SERVING), reflection and the bearer-token check of
    /// `config`.
    pub async fn new<S>(service: S, config: &ServerConfig) -> Result<Self, ServeError>
    where
        S: tower_service::Service<
                http::Request<Body>,
                Response = http::Response<Body>,
                Error = Infallible,
            > + NamedService
            + Clone
            + Send
            + Sync
            + 'static,
        S::Future: Send + 'static,
    {
        let (reporter, health_service) = tonic_health::server::health_reporter();
        // Each port lists what it serves: its own service, health and reflection.
        let reflection = || {
            tonic_reflection::server::Builder::configure()
                .register_encoded_file_descriptor_set(pb::FILE_DESCRIPTOR_SET)
                .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
                .with_service_name(S::NAME)
                .with_service_name("grpc.health.v1.Health")
                .with_service_name("grpc.reflection.v1.ServerReflection")
        };
        let reflection_v1 = reflection().build_v1()?;
        let reflection_v1alpha = reflection().build_v1alpha()?;
        let routes = Routes::new(health_service)
            .add_service(reflection_v1)
            .add_service(reflection_v1alpha)
            .add_service(InterceptedService::new(
                service,
                RequireToken::new(config.token()),
            ));
        let health = Health {
            reporter,
            service: S::NAME,
        };
        health.not_serving().await;
        Ok(Self {
            routes,
            health,
            config: config.clone(),
        })
    }

    /// The health handle, to flip SERVING once dependencies are ready.
    pub fn health(&self) -> Health {
        self.health.clone()
    }

    /// Serves on `listener` until `shutdown` is cancelled, then reports NOT_SERVING, stops
    /// accepting and drains in-flight calls.
    pub async fn serve(
        self,
        listener: TcpListener,
        shutdown: CancellationToken,
    ) -> Result<(), ServeError> {
        let health = self.health.clone();
        let local = listener.local_addr().ok();
        let tls = self.config.tls()?;
        tracing::info!(
            service = health.service,
            addr = ?local,
            tls = tls.is_some(),
            auth = self.config.token().is_some(),
            "gRPC server listening"
        );
        let stop = async move {
            shutdown.cancelled().await;
            health.not_serving().await;
        };
        let mut builder = tonic::transport::Server::builder();
        if let Some(tls) = tls {
            builder = builder.tls_config(tls)?;
        }
        builder
            // Flow control bounds what h2 buffers per stream (512 KiB) and per connection
            // (16 MiB). h2 closes a connection whose buffered small DATA frames cost more
            // than half the connection window in framing ("too_many_data_frames"); grpcio
            // sends one small frame per small message, so the stream window is kept at a
            // fraction of the connection window: even a stream of 30-byte frames that the
            // service reads slowly stays within the budget, several at once too.
            .initial_connection_window_size(CONNECTION_WINDOW_BYTES)
            .initial_stream_window_size(STREAM_WINDOW_BYTES)
            .http2_adaptive_window(Some(false))
            // A status other than OK is the caller's answer, not a server fault: the
            // services log their own internal errors; the metrics count every code.
            .layer(tower_http::trace::TraceLayer::new_for_grpc().on_failure(
                tower_http::trace::DefaultOnFailure::new().level(tracing::Level::DEBUG),
            ))
            .layer(RpcMetricsLayer)
            // Deadlines (DEADLINE_EXCEEDED) and tonic's own client-fault statuses; inside the
            // metrics layer, so the metrics count the codes clients get.
            .layer(EdgeLayer::new(self.config.max_request()))
            .http2_keepalive_interval(Some(Duration::from_secs(30)))
            .add_routes(self.routes)
            .serve_with_incoming_shutdown(
                // Small responses must not wait for Nagle's algorithm (40 ms stalls).
                TcpIncoming::from(listener).with_nodelay(Some(true)),
                stop,
            )
            .await?;
        tracing::info!(service = self.health.service, "gRPC server stopped");
        Ok(())
    }
}
