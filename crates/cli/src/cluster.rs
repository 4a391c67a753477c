//! Ingest, extraction and query in one process over one event log, each on its own
//! listener: what `statecraft demo` and `statecraft serve` run, and what the e2e tests use.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};
use statecraft_eventlog::EventLog;
use statecraft_runtime::CancellationToken;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// Configuration of an all-in-one process.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ClusterConfig {
    /// The ingest service.
    pub ingest: statecraft_ingest::Config,
    /// The extraction service.
    pub extraction: statecraft_extraction::Config,
    /// The query service.
    pub query: statecraft_query::Config,
}

impl ClusterConfig {
    /// A configuration for tests: ephemeral ports, memory log, short waits.
    pub fn for_test() -> Self {
        Self {
            ingest: statecraft_ingest::Config::for_test(),
            extraction: statecraft_extraction::Config::for_test(),
            query: statecraft_query::Config::for_test(),
        }
    }
}

/// A running all-in-one process.
pub struct Cluster {
    /// Where ingest listens.
    pub ingest_addr: SocketAddr,
    /// Where extraction listens.
    pub extraction_addr: SocketAddr,
    /// Where query listens.
    pub query_addr: SocketAddr,
    /// Where the metrics endpoints listen (none unless a `server.metrics_listen` is set).
    pub metrics_addrs: Vec<SocketAddr>,
    /// The shared log.
    pub log: Arc<dyn EventLog>,
    /// Per service, what a client needs to trust its TLS certificate (for health checks).
    trust: [statecraft_proto::ClientOptions; 3],
    shutdown: CancellationToken,
    nodes: Vec<(
        &'static str,
        JoinHandle<Result<(), statecraft_runtime::grpc::ServeError>>,
    )>,
}

impl Cluster {
    /// Binds the configured addresses and starts the three services over `log`.
    pub async fn start(config: ClusterConfig, log: Arc<dyn EventLog>) -> anyhow::Result<Self> {
        let bind = |addr: SocketAddr, name: &'static str| async move {
            TcpListener::bind(addr)
                .await
                .with_context(|| format!("failed to bind {name} on {addr}"))
        };
        let ingest = bind(config.ingest.listen, "ingest").await?;
        let extraction = bind(config.extraction.listen, "extraction").await?;
        let query = bind(config.query.listen, "query").await?;
        // One process, one registry: each configured endpoint shows every service's metrics.
        let mut metrics_addrs: Vec<SocketAddr> = [
            &config.ingest.server,
            &config.extraction.server,
            &config.query.server,
        ]
        .into_iter()
        .filter_map(|server| server.metrics_listen)
        .collect();
        metrics_addrs.sort_unstable();
        metrics_addrs.dedup();
        let mut metrics = Vec::new();
        for addr in metrics_addrs {
            metrics.push(bind(addr, "metrics").await?);
        }
        let mut cluster = Self::start_on(config, log, [ingest, extraction, query])?;
        for listener in metrics {
            cluster.metrics_addrs.push(listener.local_addr()?);
            let shutdown = cluster.shutdown.child_token();
            cluster.nodes.push((
                "metrics",
                tokio::spawn(async move {
                    Ok(statecraft_runtime::metrics::serve(listener, shutdown).await?)
                }),
            ));
        }
        Ok(cluster)
    }

    /// Starts the three services on listeners the caller already bound.
    pub fn start_on(
        config: ClusterConfig,
        log: Arc<dyn EventLog>,
        listeners: [TcpListener; 3],
    ) -> anyhow::Result<Self> {
        let [ingest, extraction, query] = listeners;
        let mut config = config;
        // One process, one document limit: Extract previews what ingest would take.
        config.extraction.max_extract_bytes = config.ingest.max_document_bytes;
        let trust = [
            trusting(&config.ingest.server)?,
            trusting(&config.extraction.server)?,
            trusting(&config.query.server)?,
        ];
        let shutdown = CancellationToken::new();
        let ingest_addr = ingest.local_addr()?;
        let extraction_addr = extraction.local_addr()?;
        let query_addr = query.local_addr()?;
        let nodes = vec![
            (
                "ingest",
                tokio::spawn(statecraft_ingest::serve(
                    config.ingest,
                    log.clone(),
                    ingest,
                    shutdown.child_token(),
                )),
            ),
            (
                "extraction",
                tokio::spawn(statecraft_extraction::serve(
                    config.extraction,
                    log.clone(),
                    extraction,
                    shutdown.child_token(),
                )),
            ),
            (
                "query",
                tokio::spawn(statecraft_query::serve(
                    config.query,
                    log.clone(),
                    query,
                    shutdown.child_token(),
                )),
            ),
        ];
        Ok(Self {
            ingest_addr,
            extraction_addr,
            query_addr,
            metrics_addrs: Vec::new(),
            log,
            trust,
            shutdown,
            nodes,
        })
    }

    /// Waits until all three report SERVING through `grpc.health.v1`.
    pub async fn wait_serving(&self, timeout: Duration) -> anyhow::Result<()> {
        let deadline = tokio::time::Instant::now() + timeout;
        let addrs = [self.ingest_addr, self.extraction_addr, self.query_addr];
        for (addr, trust) in addrs.into_iter().zip(&self.trust) {
            loop {
                if health_status(&addr.to_string(), trust)
                    .await
                    .is_ok_and(|serving| serving)
                {
                    break;
                }
                if tokio::time::Instant::now() >= deadline {
                    bail!("service on {addr} did not become SERVING within {timeout:?}");
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
        Ok(())
    }

    /// The token that stops the cluster.
    pub fn shutdown_token(&self) -> CancellationToken {
        self.shutdown.clone()
    }

    /// Stops the services (health NOT_SERVING, drain), then closes the log; fails if a node
    /// did not exit cleanly.
    pub async fn shutdown(self) -> anyhow::Result<()> {
        self.shutdown.cancel();
        let mut failures = Vec::new();
        for (name, node) in self.nodes {
            match tokio::time::timeout(Duration::from_secs(30), node).await {
                Ok(Ok(Ok(()))) => {}
                Ok(Ok(Err(error))) => failures.push(format!("{name}: {error}")),
                Ok(Err(join)) => failures.push(format!("{name}: {join}")),
                Err(_) => failures.push(format!("{name}: did not stop within 30 s")),
            }
        }
        self.log
            .close()
            .await
            .context("failed to close the event log")?;
        if !failures.is_empty() {
            bail!("unclean shutdown: {}", failures.join("; "));
        }
        Ok(())
    }
}

/// Client options that trust a server's own certificate (self-signed, as `statecraft
/// dev-cert` makes), so that the process can check its own services' health.
fn trusting(
    server: &statecraft_runtime::security::ServerConfig,
) -> anyhow::Result<statecraft_proto::ClientOptions> {
    let ca_pem = server
        .tls_cert_path()
        .map(|path| std::fs::read(path).with_context(|| format!("cannot read {}", path.display())))
        .transpose()?;
    Ok(statecraft_proto::ClientOptions {
        ca_pem,
        ..Default::default()
    })
}

/// Asks `grpc.health.v1` at `addr` for the overall status; `Ok(true)` when SERVING. Health
/// needs no token, but a TLS server needs `options` to trust it.
pub async fn health_status(
    addr: &str,
    options: &statecraft_proto::ClientOptions,
) -> anyhow::Result<bool> {
    let connection = statecraft_proto::connect(addr, options).await?;
    let mut client = tonic_health::pb::health_client::HealthClient::new(connection.channel());
    let response = client
        .check(tonic_health::pb::HealthCheckRequest {
            service: String::new(),
        })
        .await?
        .into_inner();
    Ok(response.status == tonic_health::pb::health_check_response::ServingStatus::Serving as i32)
}
