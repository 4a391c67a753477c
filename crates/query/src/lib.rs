//! The query service: replays the log into an in-memory read model and answers searches,
//! lookups, statistics and live subscriptions. Every replica is a full, independent read
//! model; nothing here is a source of truth.
//!
//! Reads take `min_position` (the position ingest returned): the answer reflects at least
//! that position or fails with UNAVAILABLE after a bounded wait. Entry point: [`serve`].

mod analysis;
mod config;
mod error;
mod filter;
mod grpc;
mod incidents;
mod index;
mod page;
mod projection;
mod search;
mod service;
mod snapshot;
mod store;
mod subscription;
mod text;

pub use analysis::{BucketWidth, RelationsBucket, SanctionState, SanctionsEntry};
pub use config::Config;
pub use error::{Error, Result};
pub use filter::EventFilter;
pub use page::Page;
pub use service::{Exported, IncidentView, QueryService, TimelineQuery};
pub use subscription::SubscribeItem;

use std::sync::Arc;

use statecraft_eventlog::EventLog;
use statecraft_runtime::CancellationToken;
use statecraft_runtime::grpc::{GrpcServer, ServeError};
use tokio::net::TcpListener;

/// Runs the projection and serves the query API on `listener` until `shutdown` is
/// cancelled. The server reports SERVING once the projection has caught up with the log
/// head it saw at start.
pub async fn serve(
    config: Config,
    log: Arc<dyn EventLog>,
    listener: TcpListener,
    shutdown: CancellationToken,
) -> Result<(), ServeError> {
    let (service, projector) = QueryService::start(config.clone(), log, shutdown.child_token());
    let service = Arc::new(service);
    let server = GrpcServer::new(grpc::server(service.clone(), &config), &config.server).await?;
    let health = server.health();
    let ready = service.clone();
    let readiness = tokio::spawn(async move {
        ready.wait_caught_up().await;
        health.serving().await;
    });
    let served = server.serve(listener, shutdown).await;
    readiness.abort();
    let _ = projector.await;
    served
}
