//! `statecraft-ingest`: Accepts documents over gRPC and appends them to the event log.
//! Flags: `--config FILE`, `--listen ADDR`, `--log URL`, `--dump-config`; environment:
//! `STATECRAFT_INGEST__<KEY>`.

use std::sync::Arc;

use statecraft_eventlog::EventLog;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    statecraft_runtime::process::run(
        "statecraft-ingest",
        "ingest",
        statecraft_eventlog::open,
        statecraft_ingest::serve,
        async |log: Arc<dyn EventLog>| log.close().await,
    )
    .await
}
