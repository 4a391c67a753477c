//! Client-side helpers shared by the commands and the e2e harness.

use std::time::{Duration, Instant};

use anyhow::bail;
use futures::StreamExt;
use statecraft_proto::pb::ingest::v1 as ingest_pb;
use statecraft_proto::pb::query::v1 as query_pb;
use statecraft_proto::{IngestClient, QueryClient};

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

/// Documents per client stream, and streams in flight at once, for bulk submission: several
/// streams keep the ingest service's appends overlapping (the log commits them in groups).
pub const SUBMIT_CHUNK: usize = 500;
/// See [`SUBMIT_CHUNK`].
pub const SUBMIT_STREAMS: usize = 16;

/// The answer to one chunk of a bulk submission.
pub struct ChunkOutcome {
    /// Index of the chunk's first document among all submitted.
    pub first: usize,
    /// Documents in the chunk.
    pub len: usize,
    /// The service's summary, or why the stream failed.
    pub summary: anyhow::Result<ingest_pb::SubmitDocumentsResponse>,
}

/// Submits documents in chunks of [`SUBMIT_CHUNK`] over [`SUBMIT_STREAMS`] concurrent client
/// streams; `on_sent` runs as each document goes out. The outcomes come in chunk order.
pub async fn submit_in_streams(
    client: &IngestClient,
    requests: Vec<ingest_pb::SubmitDocumentRequest>,
    on_sent: impl Fn() + Clone + Send + 'static,
) -> Vec<ChunkOutcome> {
    let mut chunks = Vec::new();
    let mut remaining = requests.into_iter().peekable();
    let mut first = 0usize;
    while remaining.peek().is_some() {
        let chunk: Vec<_> = remaining.by_ref().take(SUBMIT_CHUNK).collect();
        let len = chunk.len();
        chunks.push((first, chunk));
        first += len;
    }
    futures::stream::iter(chunks)
        .map(|(first, chunk)| {
            let mut client = client.clone();
            let on_sent = on_sent.clone();
            async move {
                let len = chunk.len();
                let stream = futures::stream::iter(chunk).inspect(move |_| on_sent());
                let summary = client
                    .submit_documents(stream)
                    .await
                    .map(tonic::Response::into_inner)
                    .map_err(anyhow::Error::from);
                ChunkOutcome {
                    first,
                    len,
                    summary,
                }
            }
        })
        .buffered(SUBMIT_STREAMS)
        .collect()
        .await
}
