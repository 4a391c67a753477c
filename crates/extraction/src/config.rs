use std::net::SocketAddr;

use serde::{Deserialize, Serialize};

/// Configuration of the extraction service.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Address the gRPC server binds.
    pub listen: SocketAddr,
    /// The event log: `file:<dir>` or `memory:`.
    pub log: String,
    /// Consumer group name; replicas with the same name share the work.
    pub group: String,
    /// Concurrent workers in this process; 0 serves the API only (previews, status,
    /// reprocess) and takes no work from the log.
    pub workers: usize,
    /// Documents fetched per worker per round.
    pub batch: usize,
    /// Seconds a delivery may stay unacknowledged before it is redelivered.
    pub ack_wait_secs: u64,
    /// Deliveries of a document the coder fails on after which it is parked (with an
    /// `ExtractionFailed` record). A log outage spends no deliveries: appends are retried
    /// in place with backoff.
    pub max_deliver: u32,
    /// Seconds the coder may take on one document before the attempt counts as failed.
    pub coder_timeout_secs: u64,
    /// Largest text `Extract` accepts, in bytes.
    pub max_extract_bytes: usize,
    /// How the gRPC server is exposed: TLS, bearer token, deadline cap, metrics endpoint.
    pub server: statecraft_runtime::security::ServerConfig,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 50052)),
            log: "file:data/log".into(),
            group: "extraction".into(),
            workers: std::thread::available_parallelism().map_or(2, |n| n.get()),
            batch: 16,
            ack_wait_secs: 30,
            max_deliver: 5,
            coder_timeout_secs: 60,
            max_extract_bytes: statecraft_types::DEFAULT_MAX_DOCUMENT_BYTES,
            server: statecraft_runtime::security::ServerConfig::default(),
        }
    }
}

impl Config {
    /// A configuration for tests: memory log, two workers, short ack wait.
    pub fn for_test() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            log: "memory:".into(),
            workers: 2,
            ack_wait_secs: 5,
            ..Self::default()
        }
    }
}

impl statecraft_runtime::process::ServiceConfig for Config {
    fn listen(&self) -> std::net::SocketAddr {
        self.listen
    }

    fn log_url(&self) -> &str {
        &self.log
    }

    fn server(&self) -> &statecraft_runtime::security::ServerConfig {
        &self.server
    }
}
