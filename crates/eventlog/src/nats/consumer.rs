//! A member of a consumer group: a durable JetStream pull consumer, with the messages it has
//! handed out kept until they are acked or nacked.

use std::sync::Arc;
use std::time::Duration;

use async_nats::jetstream::consumer::pull;
use async_nats::jetstream::{self, AckKind};
use async_trait::async_trait;
use futures::StreamExt;

use super::{InFlight, Inner, remote, to_record};
use crate::error::Result;
use crate::group::{Consumer, Delivery, GroupStatus};
use crate::record::Position;

pub(super) struct NatsConsumer {
    pub(super) consumer: jetstream::consumer::Consumer<pull::Config>,
    pub(super) inner: Arc<Inner>,
    pub(super) record_types: Vec<String>,
    pub(super) in_flight: InFlight,
}

#[async_trait]
impl Consumer for NatsConsumer {
    async fn fetch(&self, max: usize, wait: Duration) -> Result<Vec<Delivery>> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let remaining = deadline.saturating_duration_since(tokio::time::Instant::now());
            let mut batch = self
                .consumer
                .fetch()
                .max_messages(max.max(1))
                .expires(remaining.max(Duration::from_millis(10)))
                .messages()
                .await
                .map_err(|e| remote("fetch deliveries")(&e))?;
            let mut out = Vec::new();
            while let Some(message) = batch.next().await {
                let message = message.map_err(|e| remote("fetch deliveries")(&e))?;
                let (sequence, delivered) = {
                    let info = message
                        .info()
                        .map_err(|e| remote("read delivery info")(&e))?;
                    (info.stream_sequence, info.delivered)
                };
                let headers = message.headers.clone().unwrap_or_default();
                let record = to_record(sequence, &headers, message.payload.clone());
                let wanted =
                    self.record_types.is_empty() || self.record_types.contains(&record.record_type);
                if !wanted {
                    message.ack().await.map_err(|e| remote("ack")(&*e))?;
                    continue;
                }
                self.inner.advance_head(sequence);
                self.in_flight
                    .lock()
                    .expect("in-flight lock poisoned")
                    .insert(sequence, message);
                out.push(Delivery {
                    record,
                    attempt: u32::try_from(delivered).unwrap_or(u32::MAX),
                });
            }
            if !out.is_empty() || tokio::time::Instant::now() >= deadline {
                return Ok(out);
            }
        }
    }

    async fn ack(&self, position: Position) -> Result<()> {
        let message = self
            .in_flight
            .lock()
            .expect("in-flight lock poisoned")
            .remove(&position);
        if let Some(message) = message {
            message.double_ack().await.map_err(|e| remote("ack")(&*e))?;
        }
        Ok(())
    }

    async fn nak(&self, position: Position, delay: Duration) -> Result<()> {
        let message = self
            .in_flight
            .lock()
            .expect("in-flight lock poisoned")
            .remove(&position);
        if let Some(message) = message {
            let delay = (!delay.is_zero()).then_some(delay);
            message
                .ack_with(AckKind::Nak(delay))
                .await
                .map_err(|e| remote("nak")(&*e))?;
        }
        Ok(())
    }

    async fn touch(&self, position: Position) -> Result<()> {
        // The message stays in flight: only its ack wait starts again on the server.
        let message = self
            .in_flight
            .lock()
            .expect("in-flight lock poisoned")
            .get(&position)
            .cloned();
        if let Some(message) = message {
            message
                .ack_with(AckKind::Progress)
                .await
                .map_err(|e| remote("extend ack wait")(&*e))?;
        }
        Ok(())
    }

    async fn status(&self) -> Result<GroupStatus> {
        let mut consumer = self.consumer.clone();
        let info = consumer
            .info()
            .await
            .map_err(|e| remote("read consumer info")(&e))?;
        let stream_info = self
            .inner
            .stream
            .get_info()
            .await
            .map_err(|e| remote("read stream info")(&e))?;
        Ok(GroupStatus {
            cursor: info.ack_floor.stream_sequence,
            head: stream_info.state.last_sequence,
            in_flight: info.num_ack_pending as u64,
            // JetStream does not report records that ran out of deliveries.
            parked: 0,
        })
    }
}
