use std::net::SocketAddr;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// Configuration of the query service.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Address the gRPC server binds.
    pub listen: SocketAddr,
    /// The event log: `file:<dir>` or `memory:`.
    pub log: String,
    /// How long a read waits for `min_position` before answering UNAVAILABLE, in ms.
    pub min_position_wait_ms: u64,
    /// Page size when the request gives none.
    pub default_page_size: usize,
    /// Largest page size accepted.
    pub max_page_size: usize,
    /// Reports of one type and dyad dated at most this many days apart form one incident.
    pub incident_window_days: u32,
    /// Directory for projection snapshots; none when empty (rebuild from the log on start).
    pub snapshot_dir: Option<PathBuf>,
    /// Write a snapshot after this many newly applied log records (and on shutdown).
    pub snapshot_every_records: u64,
    /// A subscription with nothing to deliver sends a heartbeat this often, in seconds.
    pub heartbeat_secs: u64,
    /// Events buffered per subscription for a client that reads slower than they arrive.
    pub subscribe_buffer: usize,
    /// A subscriber whose buffer stays full this long is cut off, in seconds.
    pub slow_subscriber_secs: u64,
    /// Milliseconds one search may run (on a blocking thread) before it fails with
    /// RESOURCE_EXHAUSTED, or, once its page is full, stops counting and estimates the total.
    pub search_budget_ms: u64,
    /// How the gRPC server is exposed: TLS, bearer token, deadline cap, metrics endpoint.
    pub server: statecraft_runtime::security::ServerConfig,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 50053)),
            log: "file:data/log".into(),
            min_position_wait_ms: 5_000,
            default_page_size: 50,
            max_page_size: 1_000,
            incident_window_days: 3,
            snapshot_dir: None,
            snapshot_every_records: 50_000,
            heartbeat_secs: 15,
            subscribe_buffer: 256,
            slow_subscriber_secs: 30,
            search_budget_ms: 1_000,
            server: statecraft_runtime::security::ServerConfig::default(),
        }
    }
}

impl Config {
    /// A configuration for tests: memory log, a short consistency wait.
    pub fn for_test() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            log: "memory:".into(),
            min_position_wait_ms: 2_000,
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
