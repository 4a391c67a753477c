use std::net::SocketAddr;

use serde::{Deserialize, Serialize};

/// Configuration of the ingest service.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Address the gRPC server binds.
    pub listen: SocketAddr,
    /// The event log: `file:<dir>` or `memory:`.
    pub log: String,
    /// Largest document text accepted, in bytes.
    pub max_document_bytes: usize,
    /// Most documents accepted in one `SubmitDocuments` stream.
    pub max_documents_per_stream: usize,
    /// How the gRPC server is exposed: TLS, bearer token, deadline cap, metrics endpoint.
    pub server: statecraft_runtime::security::ServerConfig,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 50051)),
            log: "file:data/log".into(),
            max_document_bytes: statecraft_types::DEFAULT_MAX_DOCUMENT_BYTES,
            max_documents_per_stream: 100_000,
            server: statecraft_runtime::security::ServerConfig::default(),
        }
    }
}

impl Config {
    /// A configuration for tests: memory log, default limits.
    pub fn for_test() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            log: "memory:".into(),
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
