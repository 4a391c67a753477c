//! `statecraft-extraction`: Runs the event coder over ingested documents (a competing consumer group).
//! Flags: `--config FILE`, `--listen ADDR`, `--log URL`, `--dump-config`; environment:
//! `STATECRAFT_EXTRACTION__<KEY>`.

use std::sync::Arc;

use statecraft_eventlog::EventLog;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    statecraft_runtime::process::run(
        "statecraft-extraction",
        "extraction",
        statecraft_eventlog::open,
        statecraft_extraction::serve,
        async |log: Arc<dyn EventLog>| log.close().await,
    )
    .await
}
