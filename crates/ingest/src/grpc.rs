//! Thin tonic adapter: decode → call the service → map errors.

use std::sync::Arc;

use statecraft_proto::pb::ingest::v1 as pb;
use statecraft_proto::pb::ingest::v1::ingest_service_server::{
    IngestService as IngestApi, IngestServiceServer,
};
use statecraft_runtime::trace::{TRACEPARENT, TraceParent, continue_in};
use tokio_stream::StreamExt;
use tonic::{Request, Response, Status, Streaming};
use tracing::Instrument;

use crate::config::Config;
use crate::error::Error;
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
        let mut stream = request.into_inner();
        let mut summary = pb::SubmitDocumentsResponse::default();
        let mut index = 0u64;
        while let Some(item) = stream.next().await {
            let document = item?;
            if index as usize >= limit {
                // The documents before this one are stored: answer with their results
                // rather than an error that would hide which were.
                let error = Error::TooManyDocuments { limit };
                summary.stopped_reason = format!(
                    "{error}: stopped after {index} documents; send the rest in another stream"
                );
                break;
            }
            let outcome = match submission(document, trace.clone()) {
                Ok(submission) => {
                    self.service
                        .submit(submission)
                        .instrument(span.clone())
                        .await
                }
                Err(error) => Err(error),
            };
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
                    result.error_code = format!("{:?}", status.code());
                    result.error_message = status.message().to_owned();
                    if status.code() == tonic::Code::Unavailable {
                        // The log is failing: stop rather than wait out a timeout per
                        // document, but report what was accepted.
                        summary.stopped_reason =
                            format!("stopped after document {index}: {}", status.message());
                        summary.results.push(result);
                        break;
                    }
                }
            }
            summary.results.push(result);
            index += 1;
        }
        Ok(Response::new(summary))
    }
}
