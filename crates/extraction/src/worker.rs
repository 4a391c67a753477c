//! One member of the extraction consumer group.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use prost::Message;
use statecraft_eventlog::{Consumer, Delivery, ExpectedVersion, NewRecord};
use statecraft_proto::pb::events::v1 as events;
use statecraft_proto::pb::events::v1::RecordType;
use statecraft_runtime::CancellationToken;
use statecraft_runtime::trace::{TRACEPARENT, TraceParent, continue_in};
use tracing::Instrument;

use crate::error::Result;
use crate::service::{ExtractionService, VERSION, causal_metadata, failure_record_id};

/// Why a delivery could not be finished.
enum Failure {
    /// The document itself is unusable (undecodable payload): park it at once.
    Poison(String),
    /// The coder failed; retry until `max_deliver`, then park.
    Retry(String),
    /// The log is unavailable: retry, never park.
    LogUnavailable(String),
}

pub(crate) struct Worker {
    service: Arc<ExtractionService>,
    consumer: Box<dyn Consumer>,
    index: usize,
}

impl Worker {
    pub(crate) async fn join(service: Arc<ExtractionService>, index: usize) -> Result<Self> {
        let consumer = service.log.consumer(service.group_config()).await?;
        Ok(Self {
            service,
            consumer,
            index,
        })
    }

    pub(crate) async fn run(self, shutdown: CancellationToken) {
        tracing::debug!(worker = self.index, "extraction worker started");
        let batch = self.service.config.batch.max(1);
        loop {
            let fetched = tokio::select! {
                _ = shutdown.cancelled() => break,
                fetched = self.consumer.fetch(batch, Duration::from_secs(1)) => fetched,
            };
            match fetched {
                Ok(deliveries) => {
                    for delivery in deliveries {
                        // Finish what is in hand even during shutdown: unacked work would
                        // only be redone by another replica.
                        self.handle(delivery).await;
                    }
                }
                Err(error) => {
                    tracing::warn!(worker = self.index, %error, "failed to fetch deliveries");
                    tokio::select! {
                        _ = shutdown.cancelled() => break,
                        _ = tokio::time::sleep(Duration::from_millis(500)) => {}
                    }
                }
            }
        }
        tracing::debug!(worker = self.index, "extraction worker stopped");
    }

    async fn handle(&self, delivery: Delivery) {
        let position = delivery.record.position;
        // This delivery's span (and its log lines) continue the document's trace.
        let parent = delivery
            .record
            .metadata_value(TRACEPARENT)
            .and_then(|t| t.parse::<TraceParent>().ok());
        let span = tracing::info_span!("extract", position, trace_id = tracing::field::Empty);
        let trace = continue_in(&span, parent);
        span.record("trace_id", trace.trace_id_hex());
        self.settle(delivery, trace).instrument(span).await;
    }

    async fn settle(&self, delivery: Delivery, trace: TraceParent) {
        let position = delivery.record.position;
        let max_deliver = self.service.config.max_deliver.max(1);
        let started = std::time::Instant::now();
        let outcome = self.process(&delivery, trace).await;
        metrics::histogram!("statecraft_extraction_seconds")
            .record(started.elapsed().as_secs_f64());
        let result = match outcome {
            Ok(()) => self.consumer.ack(position).await,
            Err(Failure::LogUnavailable(reason)) => {
                tracing::warn!(position, %reason, "log unavailable; will retry");
                self.consumer.nak(position).await
            }
            Err(Failure::Retry(reason)) if delivery.attempt < max_deliver => {
                tracing::warn!(position, attempt = delivery.attempt, %reason, "extraction failed; will retry");
                self.consumer.nak(position).await
            }
            Err(Failure::Retry(reason) | Failure::Poison(reason)) => {
                self.park(&delivery, reason, trace).await
            }
        };
        if let Err(error) = result {
            tracing::warn!(position, %error, "failed to settle delivery");
        }
    }

    async fn park(
        &self,
        delivery: &Delivery,
        reason: String,
        trace: TraceParent,
    ) -> statecraft_eventlog::Result<()> {
        let doc_id = delivery
            .record
            .stream
            .strip_prefix("doc-")
            .unwrap_or(&delivery.record.stream)
            .to_owned();
        tracing::error!(position = delivery.record.position, %doc_id, %reason, "parking document after failed extraction");
        let failed = events::ExtractionFailed {
            doc_id: doc_id.clone(),
            coder_version: VERSION.to_owned(),
            reason,
            attempts: delivery.attempt,
        };
        let record = NewRecord {
            id: failure_record_id(&doc_id, VERSION),
            record_type: events::ExtractionFailed::TYPE.to_owned(),
            metadata: causal_metadata(&delivery.record, &doc_id, Some(trace)),
            payload: Bytes::from(failed.encode_to_vec()),
        };
        self.service
            .log
            .append(&delivery.record.stream, ExpectedVersion::Any, vec![record])
            .await?;
        self.service.record_failed();
        metrics::counter!("statecraft_coder_failed_documents_total").increment(1);
        self.consumer.ack(delivery.record.position).await
    }

    async fn process(&self, delivery: &Delivery, trace: TraceParent) -> Result<(), Failure> {
        let ingested = events::DocumentIngested::decode(delivery.record.payload.clone())
            .map_err(|e| Failure::Poison(format!("undecodable DocumentIngested: {e}")))?;
        let document = ingested
            .document
            .ok_or_else(|| Failure::Poison("DocumentIngested without a document".into()))?;
        let doc_id = document.doc_id.clone();
        let (record, event_count) = self
            .service
            .extraction_record(
                document,
                causal_metadata(&delivery.record, &doc_id, Some(trace)),
            )
            .await
            .map_err(|e| Failure::Retry(e.to_string()))?;
        match self
            .service
            .log
            .append(&delivery.record.stream, ExpectedVersion::Any, vec![record])
            .await
        {
            Ok(appended) => {
                if !appended.deduplicated {
                    self.service.record_processed(event_count);
                    metrics::counter!("statecraft_coder_documents_total").increment(1);
                    metrics::counter!("statecraft_coder_events_total")
                        .increment(event_count as u64);
                }
                tracing::debug!(%doc_id, events = event_count, position = appended.first_position, "document extracted");
                Ok(())
            }
            Err(error) if error.is_retryable() => Err(Failure::LogUnavailable(error.to_string())),
            Err(error) => Err(Failure::Poison(error.to_string())),
        }
    }
}
