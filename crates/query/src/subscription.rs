//! Live subscriptions: stored events first, then new ones as they are extracted, with
//! heartbeats and a bounded buffer per subscriber.

use std::cell::OnceCell;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use futures::StreamExt;
use futures::stream::BoxStream;
use prost::Message;
use statecraft_eventlog::{EventLog, Record, subscribe};
use statecraft_proto::pb::events::v1 as events;
use statecraft_proto::pb::events::v1::RecordType;
use statecraft_runtime::CancellationToken;
use statecraft_types::Event;
use tokio::sync::mpsc;
use tokio::sync::mpsc::error::SendTimeoutError;

use crate::config::Config;
use crate::error::{Error, Result};
use crate::filter::EventFilter;
use crate::projection::ReadModel;

/// One item of a subscription.
#[derive(Debug, Clone, PartialEq)]
pub enum SubscribeItem {
    /// A matching event and the position of the record that carried it.
    Event {
        /// Record position.
        position: u64,
        /// The event.
        event: Box<Event>,
        /// W3C trace context of the record (empty when it carried none).
        traceparent: String,
    },
    /// Nothing matched for a while; every record up to `position` was examined.
    Heartbeat {
        /// The last record examined.
        position: u64,
    },
}

/// Opens a subscription (see `QueryService::subscribe`): a producer task reads the log into a
/// bounded buffer; the returned stream drains it.
pub(crate) fn open(
    log: Arc<dyn EventLog>,
    model: Arc<RwLock<ReadModel>>,
    config: &Config,
    shutdown: CancellationToken,
    filter: EventFilter,
    after_position: u64,
) -> BoxStream<'static, Result<SubscribeItem>> {
    let (sender, receiver) = mpsc::channel(config.subscribe_buffer.max(1));
    let cut_off = Arc::new(AtomicBool::new(false));
    let patience = Duration::from_secs(config.slow_subscriber_secs.max(1));
    let producer = Producer {
        log,
        model,
        filter,
        heartbeat: Duration::from_secs(config.heartbeat_secs.max(1)),
        patience,
        cut_off: cut_off.clone(),
    };
    tokio::spawn(producer.run(after_position, sender, shutdown));
    // The client side: every item delivered moves the resume point; a cut-off is reported at
    // once, before whatever is still buffered.
    let state = (receiver, after_position, false);
    futures::stream::unfold(state, move |(mut receiver, mut complete, done)| {
        let cut_off = cut_off.clone();
        async move {
            if done {
                return None;
            }
            if cut_off.load(Ordering::Acquire) {
                let error = Error::SlowSubscriber {
                    waited_secs: patience.as_secs(),
                    resume_after: complete,
                };
                return Some((Err(error), (receiver, complete, true)));
            }
            let item = receiver.recv().await?;
            match &item {
                Ok(SubscribeItem::Event { position, .. }) => {
                    complete = complete.max(position.saturating_sub(1));
                }
                Ok(SubscribeItem::Heartbeat { position }) => complete = complete.max(*position),
                Err(_) => {}
            }
            let done = item.is_err();
            Some((item, (receiver, complete, done)))
        }
    })
    .boxed()
}

/// Reads the log for one subscription and fills its buffer.
struct Producer {
    log: Arc<dyn EventLog>,
    model: Arc<RwLock<ReadModel>>,
    filter: EventFilter,
    heartbeat: Duration,
    patience: Duration,
    cut_off: Arc<AtomicBool>,
}

impl Producer {
    async fn run(
        self,
        after_position: u64,
        sender: mpsc::Sender<Result<SubscribeItem>>,
        shutdown: CancellationToken,
    ) {
        let mut records = subscribe(self.log.clone(), after_position);
        let mut examined = after_position;
        let mut heartbeat = tokio::time::interval(self.heartbeat);
        heartbeat.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        heartbeat.reset();
        loop {
            let record = tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = sender.closed() => return,
                _ = heartbeat.tick() => {
                    // A full buffer already tells the client there is more to come.
                    let _ = sender.try_send(Ok(SubscribeItem::Heartbeat { position: examined }));
                    continue;
                }
                record = records.next() => record,
            };
            let record = match record {
                None => return,
                Some(Err(error)) => {
                    let _ = sender.send(Err(Error::Log(error))).await;
                    return;
                }
                Some(Ok(record)) => record,
            };
            examined = record.position;
            let traceparent = record
                .metadata_value(statecraft_runtime::trace::TRACEPARENT)
                .unwrap_or_default();
            for event in self.matching(&record) {
                let item = Ok(SubscribeItem::Event {
                    position: record.position,
                    event: Box::new(event),
                    traceparent: traceparent.to_owned(),
                });
                match sender.send_timeout(item, self.patience).await {
                    Ok(()) => heartbeat.reset(),
                    Err(SendTimeoutError::Timeout(_)) => {
                        tracing::warn!(position = record.position, "cutting off a slow subscriber");
                        self.cut_off.store(true, Ordering::Release);
                        return;
                    }
                    Err(SendTimeoutError::Closed(_)) => return,
                }
            }
        }
    }

    /// The record's events that pass the filter. The events of one record share their
    /// document, so its text is searched at most once per record.
    fn matching(&self, record: &Record) -> Vec<Event> {
        if record.record_type != events::EventsExtracted::TYPE {
            return Vec::new();
        }
        let Ok(extracted) = events::EventsExtracted::decode(record.payload.clone()) else {
            return Vec::new();
        };
        let in_document = OnceCell::new();
        extracted
            .events
            .into_iter()
            .filter_map(|wire| Event::try_from(wire).ok())
            .filter(|event| {
                self.filter.matches_with(event, |doc_id| {
                    *in_document.get_or_init(|| self.document_has_text(doc_id))
                })
            })
            .collect()
    }

    fn document_has_text(&self, doc_id: &str) -> bool {
        let Some(text) = &self.filter.text else {
            return false;
        };
        let model = self.model.read().expect("read model lock poisoned");
        model
            .documents
            .get(doc_id)
            .is_some_and(|d| d.document.text.to_lowercase().contains(text))
    }
}
