//! Thin tonic adapter: decode → call the service → map errors.

use std::sync::Arc;

use futures::FutureExt;
use futures::future::join_all;
use statecraft_proto::pb::ingest::v1 as pb;
use statecraft_proto::pb::ingest::v1::ingest_service_server::{
    IngestService as IngestApi, IngestServiceServer,
};
use statecraft_runtime::edge::client_fault_status;
use statecraft_runtime::trace::{TRACEPARENT, TraceParent, continue_in};
use tokio_stream::StreamExt;
use tonic::{Request, Response, Status, Streaming};
use tracing::Instrument;

use crate::config::Config;
use crate::error::{Error, code_name};
use crate::service::{IngestService, Submission, Submitted};

pub(crate) fn server(service: Arc<IngestService>, config: &Config) -> IngestServiceServer<Api> {
    // Room for the document plus the request's other fields.
    let limit = config.max_document_bytes + 64 * 1024;
    IngestServiceServer::new(Api { service })
        .max_decoding_message_size(limit)
        .max_encoding_message_size(statecraft_proto::MAX_MESSAGE_BYTES)
}

pub(crate) struct Api {
    service: Arc<IngestService>,
}

fn submission(
    request: pb::SubmitDocumentRequest,
    traceparent: Option<String>,
) -> Result<Submission, Error> {
    let non_empty = |s: String| (!s.trim().is_empty()).then_some(s);
    let published_at = request
        .published_at
        .map(|ts| {
            u32::try_from(ts.nanos)
                .ok()
                .and_then(|nanos| chrono::DateTime::from_timestamp(ts.seconds, nanos))
                .ok_or(Error::InvalidField {
                    field: "published_at",
                    reason: "timestamp out of range".into(),
                })
        })
        .transpose()?;
    Ok(Submission {
        text: request.text,
        url: non_empty(request.url),
        title: non_empty(request.title),
        source: non_empty(request.source),
        published_at,
        language: non_empty(request.language),
        traceparent,
    })
}

/// Continues the caller's trace in `span` (or starts a new trace when the caller sent none or
/// an invalid one) and returns the context to store with the document: every document's
/// records carry one.
fn continue_trace<T>(span: &tracing::Span, request: &Request<T>) -> String {
    let parent = request
        .metadata()
        .get(TRACEPARENT)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<TraceParent>().ok());
    let trace = continue_in(span, parent);
    span.record("trace_id", trace.trace_id_hex());
    trace.to_string()
}

fn response(submitted: Submitted) -> pb::SubmitDocumentResponse {
    pb::SubmitDocumentResponse {
        doc_id: submitted.doc_id.to_string(),
        position: submitted.position,
        duplicate: submitted.duplicate,
    }
}

#[tonic::async_trait]
impl IngestApi for Api {
    async fn submit_document(
        &self,
        request: Request<pb::SubmitDocumentRequest>,
    ) -> Result<Response<pb::SubmitDocumentResponse>, Status> {
        let span = tracing::info_span!("submit_document", trace_id = tracing::field::Empty);
        let trace = continue_trace(&span, &request);
        let submission = submission(request.into_inner(), Some(trace))?;
        let submitted = self.service.submit(submission).instrument(span).await?;
        Ok(Response::new(response(submitted)))
    }

    async fn submit_documents(
        &self,
        request: Request<Streaming<pb::SubmitDocumentRequest>>,
    ) -> Result<Response<pb::SubmitDocumentsResponse>, Status> {
        let span = tracing::info_span!("submit_documents", trace_id = tracing::field::Empty);
        let trace = Some(continue_trace(&span, &request));
        let limit = self.service.config().max_documents_per_stream;
        let max_document_bytes = self.service.config().max_document_bytes;
        let mut stream = request.into_inner();
        let mut summary = pb::SubmitDocumentsResponse::default();
        let mut index = 0u64;
        // Why the stream stopped early; every document stored before has its result.
        let mut stopped: Option<String> = None;
        let mut input_ended = false;
        while stopped.is_none() && !input_ended {
            // Wait for one message, then take what else has arrived: documents the client
            // sent ahead are appended together and share the log's group commit.
            let Some(first) = stream.next().await else {
                break;
            };
            let mut batch = vec![first];
            while batch.len() < STREAM_BATCH {
                match stream.next().now_or_never() {
                    Some(Some(item)) => batch.push(item),
                    Some(None) => {
                        input_ended = true;
                        break;
                    }
                    None => break,
                }
            }
            let mut submissions = Vec::with_capacity(batch.len());
            for item in batch {
                let at = index + submissions.len() as u64;
                if at as usize >= limit {
                    stopped = Some(format!(
                        "stopped after {at} documents: a stream holds at most {limit} (ingest.max_documents_per_stream); send the rest in another stream"
                    ));
                    break;
                }
                match item {
                    Ok(document) => submissions.push(submission(document, trace.clone())),
                    Err(status) => {
                        stopped = Some(stream_failure(status, at, max_document_bytes));
                        break;
                    }
                }
            }
            let outcomes = join_all(submissions.into_iter().map(|prepared| {
                let span = span.clone();
                async move {
                    match prepared {
                        Ok(submission) => self.service.submit(submission).instrument(span).await,
                        Err(error) => Err(error),
                    }
                }
            }))
            .await;
            for outcome in outcomes {
                let mut result = pb::DocumentResult {
                    index,
                    ..Default::default()
                };
                match outcome {
                    Ok(submitted) => {
                        if submitted.duplicate {
                            summary.duplicates += 1;
                        } else {
                            summary.accepted += 1;
                        }
                        summary.last_position = summary.last_position.max(submitted.position);
                        result.accepted = Some(response(submitted));
                    }
                    Err(error) => {
                        let status = Status::from(error);
                        summary.rejected += 1;
                        result.error_code = code_name(status.code()).to_owned();
                        result.error_message = status.message().to_owned();
                        if status.code() == tonic::Code::Unavailable && stopped.is_none() {
                            // The log is failing: stop rather than wait out a timeout per
                            // document; the batch's other results are still reported.
                            stopped = Some(format!(
                                "stopped after document {index}: {}",
                                status.message()
                            ));
                        }
                    }
                }
                summary.results.push(result);
                index += 1;
            }
        }
        summary.stopped_reason = stopped.unwrap_or_default();
        Ok(Response::new(summary))
    }
}

/// Documents of a bulk stream submitted at once, at most.
const STREAM_BATCH: usize = 64;

/// Why a stream stopped when its next message could not be read: the client's fault
/// (INVALID_ARGUMENT: undecodable or over the size limit) or the call's end.
fn stream_failure(status: Status, index: u64, max_document_bytes: usize) -> String {
    let too_large = status.code() == tonic::Code::OutOfRange;
    let status = client_fault_status(status);
    let message: String = status.message().chars().take(300).collect();
    let mut reason = format!(
        "stopped at document {index}: {}: {message}",
        code_name(status.code())
    );
    if too_large {
        reason.push_str(&format!(
            "; documents are limited to {max_document_bytes} bytes (ingest.max_document_bytes)"
        ));
    }
    reason
}
