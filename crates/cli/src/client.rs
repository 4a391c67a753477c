//! Client-side helpers shared by the commands and the e2e harness.

use std::time::{Duration, Instant};

use anyhow::bail;
use statecraft_proto::QueryClient;
use statecraft_proto::pb::query::v1 as query_pb;

/// Polls `GetDocument` (with `min_position`) until the document leaves PENDING, for at most
/// `timeout`.
pub async fn wait_extracted(
    query: &mut QueryClient,
    doc_id: &str,
    position: u64,
    timeout: Duration,
) -> anyhow::Result<query_pb::GetDocumentResponse> {
    let deadline = Instant::now() + timeout;
    loop {
        let document = query
            .get_document(query_pb::GetDocumentRequest {
                doc_id: doc_id.to_owned(),
                min_position: position,
            })
            .await?
            .into_inner();
        if document.state != query_pb::ExtractionState::Pending as i32 {
            return Ok(document);
        }
        if Instant::now() > deadline {
            bail!("document {doc_id} was not extracted within {timeout:?}");
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}
