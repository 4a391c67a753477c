//! The extraction service: a competing-consumer group over `DocumentIngested`. Each worker
//! runs the event coder on a blocking thread and appends `EventsExtracted` with a record id
//! derived from (doc_id, coder_version), so a redelivery can never duplicate it. A document
//! the coder cannot handle after `max_deliver` attempts is parked with `ExtractionFailed`;
//! nothing is parked without one. A log outage is waited out in place (appends retried with
//! backoff, the delivery kept alive), so it neither spends deliveries nor parks documents.
//!
//! Its gRPC API is a stateless preview of the coder (`Extract`) and the group's progress
//! (`GetStatus`). Entry point: [`serve`].

mod config;
mod error;
mod grpc;
mod reprocess;
mod service;
mod worker;

pub use config::Config;
pub use error::{Error, Result};
pub use reprocess::{ReprocessProgress, Reprocessed};
pub use service::{Counters, ExtractionService, extraction_record_id, failure_record_id};

use std::sync::Arc;

use statecraft_eventlog::EventLog;
use statecraft_runtime::grpc::{GrpcServer, ServeError};
use statecraft_runtime::{CancellationToken, TaskTracker};
use tokio::net::TcpListener;

/// Runs the extraction workers and serves the extraction API on `listener` until `shutdown`
/// is cancelled; then stops fetching, finishes the documents in hand and returns.
/// Publishes the consumer group's lag (records not yet finished) as a gauge every few
/// seconds.
async fn report_lag(service: Arc<ExtractionService>, shutdown: CancellationToken) {
    let mut every = tokio::time::interval(std::time::Duration::from_secs(5));
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = every.tick() => {}
        }
        if let Ok((status, _)) = service.status().await {
            metrics::gauge!("statecraft_extraction_consumer_lag_records")
                .set(status.head.saturating_sub(status.cursor) as f64);
            metrics::gauge!("statecraft_extraction_in_flight").set(status.in_flight as f64);
        }
    }
}

pub async fn serve(
    config: Config,
    log: Arc<dyn EventLog>,
    listener: TcpListener,
    shutdown: CancellationToken,
) -> Result<(), ServeError> {
    let service = Arc::new(ExtractionService::new(config.clone(), log.clone()));
    let server = GrpcServer::new(grpc::server(service.clone(), &config), &config.server).await?;
    let workers = TaskTracker::new();
    let worker_shutdown = shutdown.child_token();
    let mut started = 0;
    for worker_index in 0..config.workers {
        match worker::Worker::join(service.clone(), worker_index).await {
            Ok(worker) => {
                let token = worker_shutdown.clone();
                workers.spawn(async move { worker.run(token).await });
                started += 1;
            }
            Err(error) => tracing::error!(%error, worker_index, "failed to join extraction group"),
        }
    }
    if started > 0 {
        workers.spawn(report_lag(service.clone(), worker_shutdown.clone()));
    }
    workers.close();
    // A replica configured without workers still serves Extract and Reprocess; one whose
    // workers all failed to join the group does not report healthy.
    if started > 0 || config.workers == 0 {
        server.health().serving().await;
    }
    let served = server.serve(listener, shutdown).await;
    worker_shutdown.cancel();
    workers.wait().await;
    served
}
