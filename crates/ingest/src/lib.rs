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
    // A document's record carries its text plus the other fields and metadata.
    let room = statecraft_eventlog::MAX_RECORD_BYTES - 64 * 1024;
    if config.max_document_bytes > room {
        return Err(ServeError::Io(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!(
                "ingest.max_document_bytes = {} does not fit the event log's largest record; at most {room}",
                config.max_document_bytes
            ),
        )));
    }
    let service = Arc::new(IngestService::new(config.clone(), log));
    let server = GrpcServer::new(grpc::server(service, &config), &config.server).await?;
    server.health().serving().await;
    server.serve(listener, shutdown).await
}
