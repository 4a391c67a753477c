//! `statecraft-ingest`: Accepts documents over gRPC and appends them to the event log.
//! Flags: `--config FILE`, `--listen ADDR`, `--log URL` (`file:<dir>`, `nats://host:4222`),
//! `--dump-config`; environment:
//! `STATECRAFT_INGEST__<KEY>`.

use std::sync::Arc;

use statecraft_eventlog::EventLog;

/// mimalloc: the read model and the coder allocate many small strings; it is faster than the
/// system allocator for that and returns memory to the system more readily.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    statecraft_runtime::process::run(
        "statecraft-ingest",
        "ingest",
        async |url: &str| statecraft_eventlog::open(url).await,
        statecraft_ingest::serve,
        async |log: Arc<dyn EventLog>| log.close().await,
    )
    .await
}
