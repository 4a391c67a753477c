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
    /// The document itself is unusable (undecodable payload, a record the log refuses for
    /// good): park it at once.
    Poison(String),
    /// The coder failed or timed out on it; retry with backoff until `max_deliver`, then
    /// park.
    Retry(String),
    /// Shutdown came while the log was unavailable: leave the delivery unsettled, so it is
    /// redelivered after its ack wait.
    Interrupted,
}

/// First and largest wait between appends the log refused for a transient reason.
const LOG_RETRY_FIRST: Duration = Duration::from_millis(50);
const LOG_RETRY_MAX: Duration = Duration::from_secs(2);

/// Wait before a document the coder failed on is redelivered, after `attempt` deliveries.
fn coder_retry_delay(attempt: u32) -> Duration {
    let exponent = attempt.saturating_sub(1).min(6);
    (Duration::from_millis(200) * 2u32.pow(exponent)).min(Duration::from_secs(10))
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
                        // Finish what is in hand even during shutdown (unacked work would
                        // only be redone by another replica), except waiting out a log
                        // outage.
                        self.handle(delivery, &shutdown).await;
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

    async fn handle(&self, delivery: Delivery, shutdown: &CancellationToken) {
        let position = delivery.record.position;
        // This delivery's span (and its log lines) continue the document's trace.
        let parent = delivery
            .record
            .metadata_value(TRACEPARENT)
            .and_then(|t| t.parse::<TraceParent>().ok());
        let span = tracing::info_span!("extract", position, trace_id = tracing::field::Empty);
        let trace = continue_in(&span, parent);
        span.record("trace_id", trace.trace_id_hex());
        self.settle(delivery, trace, shutdown)
            .instrument(span)
            .await;
    }

    async fn settle(&self, delivery: Delivery, trace: TraceParent, shutdown: &CancellationToken) {
        let position = delivery.record.position;
        let max_deliver = self.service.config.max_deliver.max(1);
        let started = std::time::Instant::now();
        let outcome = self.process(&delivery, trace, shutdown).await;
        metrics::histogram!("statecraft_extraction_seconds")
            .record(started.elapsed().as_secs_f64());
        let result = match outcome {
            Ok(()) => self.consumer.ack(position).await,
            Err(Failure::Interrupted) => {
                tracing::info!(
                    position,
                    "shutting down during a log outage; the document will be redelivered"
                );
                Ok(())
            }
            Err(Failure::Retry(reason)) if delivery.attempt < max_deliver => {
                let delay = coder_retry_delay(delivery.attempt);
                tracing::warn!(position, attempt = delivery.attempt, ?delay, %reason, "extraction failed; will retry");
                self.consumer.nak(position, delay).await
            }
            Err(Failure::Retry(reason) | Failure::Poison(reason)) => {
                self.park(&delivery, reason, trace, shutdown).await
            }
        };
        if let Err(error) = result {
            tracing::warn!(position, %error, "failed to settle delivery");
        }
    }

    /// Runs `work` while telling the group, every third of the ack wait, that the delivery
    /// is still being worked on, so a long coder run or a log outage spends no delivery.
    async fn keeping_alive<T>(&self, position: u64, work: impl Future<Output = T>) -> T {
        let period = self.service.group_config().ack_wait / 3;
        let mut work = std::pin::pin!(work);
        let mut every = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
        loop {
            tokio::select! {
                done = &mut work => return done,
                _ = every.tick() => {
                    if let Err(error) = self.consumer.touch(position).await {
                        tracing::debug!(position, %error, "failed to extend the ack wait");
                    }
                }
            }
        }
    }

    /// Appends `record`, retrying in place with backoff while the log is unavailable: a
    /// transient outage neither spends deliveries nor parks anything. A permanent refusal
    /// is returned as [`Failure::Poison`].
    async fn append_until_stored(
        &self,
        stream: &str,
        record: NewRecord,
        position: u64,
        shutdown: &CancellationToken,
    ) -> Result<statecraft_eventlog::Appended, Failure> {
        let mut backoff = LOG_RETRY_FIRST;
        let mut failures = 0u32;
        loop {
            let appended = self
                .service
                .log
                .append(stream, ExpectedVersion::Any, vec![record.clone()])
                .await;
            let error = match appended {
                Ok(appended) => {
                    if failures > 0 {
                        tracing::info!(position, failures, "log available again; append stored");
                    }
                    return Ok(appended);
                }
                Err(error) if error.is_retryable() => error,
                Err(error) => return Err(Failure::Poison(error.to_string())),
            };
            failures += 1;
            metrics::counter!("statecraft_extraction_log_retries_total").increment(1);
            if failures == 1 {
                tracing::warn!(position, %error, "log unavailable; retrying the append");
            } else {
                tracing::debug!(position, failures, %error, "log still unavailable");
            }
            if let Err(error) = self.consumer.touch(position).await {
                tracing::debug!(position, %error, "failed to extend the ack wait");
            }
            tokio::select! {
                _ = shutdown.cancelled() => return Err(Failure::Interrupted),
                _ = tokio::time::sleep(backoff) => {}
            }
            backoff = (backoff * 2).min(LOG_RETRY_MAX);
        }
    }

    async fn park(
        &self,
        delivery: &Delivery,
        reason: String,
        trace: TraceParent,
        shutdown: &CancellationToken,
    ) -> statecraft_eventlog::Result<()> {
        let position = delivery.record.position;
        let doc_id = delivery
            .record
            .stream
            .strip_prefix("doc-")
            .unwrap_or(&delivery.record.stream)
            .to_owned();
        tracing::error!(position, %doc_id, %reason, "parking document after failed extraction");
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
        match self
            .append_until_stored(&delivery.record.stream, record, position, shutdown)
            .await
        {
            Ok(_) => {}
            // Not recorded, so not parked: the delivery stays unsettled and comes back.
            Err(Failure::Interrupted) => return Ok(()),
            Err(Failure::Poison(reason) | Failure::Retry(reason)) => {
                return Err(statecraft_eventlog::Error::InvalidAppend { reason });
            }
        }
        self.service.record_failed();
        metrics::counter!("statecraft_coder_failed_documents_total").increment(1);
        self.consumer.ack(position).await
    }

    async fn process(
        &self,
        delivery: &Delivery,
        trace: TraceParent,
        shutdown: &CancellationToken,
    ) -> Result<(), Failure> {
        let position = delivery.record.position;
        let ingested = events::DocumentIngested::decode(delivery.record.payload.clone())
            .map_err(|e| Failure::Poison(format!("undecodable DocumentIngested: {e}")))?;
        let document = ingested
            .document
            .ok_or_else(|| Failure::Poison("DocumentIngested without a document".into()))?;
        let doc_id = document.doc_id.clone();
        let timeout = Duration::from_secs(self.service.config.coder_timeout_secs.max(1));
        let coding = self.service.extraction_record(
            document,
            causal_metadata(&delivery.record, &doc_id, Some(trace)),
        );
        let (record, event_count) = self
            .keeping_alive(position, tokio::time::timeout(timeout, coding))
            .await
            .map_err(|_| Failure::Retry(format!("the coder took longer than {timeout:?}")))?
            .map_err(|e| Failure::Retry(e.to_string()))?;
        let appended = self
            .keeping_alive(
                position,
                self.append_until_stored(&delivery.record.stream, record, position, shutdown),
            )
            .await?;
        if !appended.deduplicated {
            self.service.record_processed(event_count);
            metrics::counter!("statecraft_coder_documents_total").increment(1);
            metrics::counter!("statecraft_coder_events_total").increment(event_count as u64);
        }
        tracing::debug!(%doc_id, events = event_count, position = appended.first_position, "document extracted");
        Ok(())
    }
}
