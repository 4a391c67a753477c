//! Bulk submission over gRPC: what the client is told when the service stops reading early.

use std::sync::Arc;

use statecraft_eventlog::{EventLog, MemoryLog};
use statecraft_ingest::Config;
use statecraft_proto::pb::ingest::v1::SubmitDocumentRequest;
use statecraft_runtime::CancellationToken;
use statecraft_testkit::{channel, ephemeral_listener, news_document};

/// Issue 12, item 5: a stream longer than `max_documents_per_stream` used to end in
/// RESOURCE_EXHAUSTED after the first documents were already stored, so the client could
/// not know which. Now it gets their results and a `stopped_reason`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_over_the_limit_reports_what_was_stored() {
    let log = Arc::new(MemoryLog::new());
    let config = Config {
        max_documents_per_stream: 3,
        ..Config::for_test()
    };
    let (listener, addr) = ephemeral_listener().await.unwrap();
    let shutdown = CancellationToken::new();
    let server = tokio::spawn(statecraft_ingest::serve(
        config,
        log.clone(),
        listener,
        shutdown.clone(),
    ));
    let mut client = statecraft_proto::ingest_client(channel(addr).await.unwrap());
    let documents: Vec<SubmitDocumentRequest> = (0..5)
        .map(|n| SubmitDocumentRequest {
            text: news_document(n),
            ..Default::default()
        })
        .collect();
    let summary = client
        .submit_documents(futures::stream::iter(documents))
        .await
        .expect("an over-long stream is answered, not failed")
        .into_inner();
    assert_eq!((summary.accepted, summary.rejected), (3, 0));
    assert_eq!(summary.results.len(), 3);
    assert!(summary.results.iter().all(|r| r.accepted.is_some()));
    assert!(
        summary.stopped_reason.contains("at most 3")
            && summary.stopped_reason.contains("after 3 documents"),
        "{}",
        summary.stopped_reason
    );
    assert_eq!(log.head(), 3, "exactly the reported documents are stored");
    assert_eq!(summary.last_position, 3);
    shutdown.cancel();
    server.await.unwrap().unwrap();
}
