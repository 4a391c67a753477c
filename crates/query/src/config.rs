use std::net::SocketAddr;

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
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 50053)),
            log: "file:data/log".into(),
            min_position_wait_ms: 5_000,
            default_page_size: 50,
            max_page_size: 1_000,
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
}
