//! The ingest service: validates and normalises documents and appends `DocumentIngested` to
//! the log (stream `doc-<doc_id>`, expected version: no stream). The same normalised text
//! twice is one document: the second submission appends nothing and reports the original
//! position with `duplicate: true`.
//!
//! Depends on the proto contracts, domain types, the event log and the coder's metadata
//! reader; never on another service. Entry point: [`serve`].

mod config;
mod error;
mod grpc;
mod service;

pub use config::Config;
pub use error::{Error, Result};
pub use service::{IngestService, Submission, Submitted, document_record_id};

use std::sync::Arc;

use statecraft_eventlog::EventLog;
use statecraft_runtime::CancellationToken;
use statecraft_runtime::grpc::{GrpcServer, ServeError};
use tokio::net::TcpListener;

/// Serves the ingest API on `listener` until `shutdown` is cancelled.
pub async fn serve(
    config: Config,
    log: Arc<dyn EventLog>,
    listener: TcpListener,
    shutdown: CancellationToken,
) -> Result<(), ServeError> {
    let service = Arc::new(IngestService::new(config.clone(), log));
    let server = GrpcServer::new(grpc::server(service, &config), &config.server)?;
    server.health().serving().await;
    server.serve(listener, shutdown).await
}
