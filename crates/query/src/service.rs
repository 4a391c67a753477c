//! Query logic, free of tonic types.

use std::sync::{Arc, RwLock};
use std::time::Duration;

use futures::StreamExt;
use futures::stream::BoxStream;
use prost::Message;
use statecraft_eventlog::{EventLog, subscribe};
use statecraft_proto::pb::events::v1 as events;
use statecraft_proto::pb::events::v1::RecordType;
use statecraft_runtime::CancellationToken;
use statecraft_types::{Document, Event, EventType};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::config::Config;
use crate::error::{Error, Result};
use crate::filter::EventFilter;
use crate::projection::{DocumentState, ReadModel};

/// What an actor timeline asks for.
#[derive(Debug, Clone, Default)]
pub struct TimelineQuery {
    /// Actor name, CAMEO code or country code.
    pub actor: String,
    /// Earliest event date.
    pub date_from: String,
    /// Latest event date.
    pub date_to: String,
    /// Types to include; all when empty.
    pub types: Vec<EventType>,
}

/// A page of search results.
#[derive(Debug, Clone)]
pub struct SearchPage {
    /// Matching events, newest first.
    pub events: Vec<Event>,
    /// Token for the next page, if any.
    pub next_page_token: Option<String>,
    /// All matches.
    pub total: u64,
    /// Position the answer reflects.
    pub position: u64,
}

/// A document with its events.
#[derive(Debug, Clone)]
pub struct DocumentView {
    /// The document.
    pub document: Document,
    /// Its current events.
    pub events: Vec<Event>,
    /// "pending", "extracted" or "failed".
    pub state: &'static str,
    /// Coder version of the events or the failure.
    pub coder_version: Option<String>,
    /// Failure reason.
    pub failure: Option<String>,
    /// Position the answer reflects.
    pub position: u64,
}

/// Read-model counts.
#[derive(Debug, Clone, Default)]
pub struct Stats {
    /// Position applied.
    pub position: u64,
    /// Documents.
    pub documents: u64,
    /// Current events.
    pub events: u64,
    /// Failed documents.
    pub failed: u64,
    /// Pending documents.
    pub pending: u64,
    /// Events per type.
    pub by_type: Vec<(EventType, u64)>,
    /// Unknown records skipped.
    pub unknown_records: u64,
}

/// The query service: a read model kept current by a projection task.
pub struct QueryService {
    config: Config,
    log: Arc<dyn EventLog>,
    model: Arc<RwLock<ReadModel>>,
    applied: watch::Receiver<u64>,
    caught_up: watch::Receiver<bool>,
    shutdown: CancellationToken,
}

impl QueryService {
    /// Starts the projection over `log` and returns the service and the projection task.
    pub fn start(
        config: Config,
        log: Arc<dyn EventLog>,
        shutdown: CancellationToken,
    ) -> (Self, JoinHandle<()>) {
        let model = Arc::new(RwLock::new(ReadModel::default()));
        let (applied_tx, applied) = watch::channel(0u64);
        let (caught_up_tx, caught_up) = watch::channel(false);
        let task = tokio::spawn(project(
            log.clone(),
            model.clone(),
            applied_tx,
            caught_up_tx,
            shutdown.clone(),
        ));
        (
            Self {
                config,
                log,
                model,
                applied,
                caught_up,
                shutdown,
            },
            task,
        )
    }

    /// Waits until the projection has applied the log head seen when it started.
    pub async fn wait_caught_up(&self) {
        let mut caught_up = self.caught_up.clone();
        let _ = caught_up.wait_for(|ready| *ready).await;
    }

    /// Waits until the read model reflects `min_position`, for at most the configured time.
    pub async fn wait_for(&self, min_position: u64) -> Result<u64> {
        let mut applied = self.applied.clone();
        let current = *applied.borrow();
        if current >= min_position {
            return Ok(current);
        }
        let wait = Duration::from_millis(self.config.min_position_wait_ms);
        match tokio::time::timeout(wait, applied.wait_for(|p| *p >= min_position)).await {
            Ok(Ok(position)) => Ok(*position),
            _ => Err(Error::NotCaughtUp {
                applied: *self.applied.borrow(),
                wanted: min_position,
            }),
        }
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, ReadModel> {
        self.model.read().expect("read model lock poisoned")
    }

    /// Searches events, newest first, one page at a time (AIP-158).
    pub async fn search(
        &self,
        filter: EventFilter,
        page_size: i32,
        page_token: &str,
        min_position: u64,
    ) -> Result<SearchPage> {
        if page_size < 0 {
            return Err(Error::InvalidField {
                field: "page_size",
                reason: "must not be negative".into(),
            });
        }
        let page_size = match page_size as usize {
            0 => self.config.default_page_size,
            n => n.min(self.config.max_page_size),
        };
        let fingerprint = filter.fingerprint();
        let after = parse_page_token(page_token, fingerprint)?;
        self.wait_for(min_position).await?;
        let model = self.read();
        let mut events = Vec::with_capacity(page_size);
        let mut total = 0u64;
        let mut last_key = None;
        let mut more = false;
        for (key, event) in model.events.iter().rev() {
            if !filter.matches(event) {
                continue;
            }
            total += 1;
            if after.is_some_and(|after| *key >= after) {
                continue;
            }
            if events.len() < page_size {
                events.push(event.clone());
                last_key = Some(*key);
            } else {
                more = true;
            }
        }
        let next_page_token = more
            .then_some(last_key)
            .flatten()
            .map(|(position, ordinal)| format!("v1.{fingerprint:016x}.{position}.{ordinal}"));
        Ok(SearchPage {
            events,
            next_page_token,
            total,
            position: model.position,
        })
    }

    /// One event by id.
    pub async fn event(&self, event_id: &str, min_position: u64) -> Result<Event> {
        if event_id.trim().is_empty() {
            return Err(Error::InvalidField {
                field: "event_id",
                reason: "must not be empty".into(),
            });
        }
        self.wait_for(min_position).await?;
        let model = self.read();
        model
            .event_keys
            .get(event_id)
            .and_then(|key| model.events.get(key))
            .cloned()
            .ok_or_else(|| Error::NotFound {
                what: "event",
                id: event_id.to_owned(),
            })
    }

    /// One document with its events.
    pub async fn document(&self, doc_id: &str, min_position: u64) -> Result<DocumentView> {
        statecraft_types::DocId::parse(doc_id).map_err(|e| Error::InvalidField {
            field: "doc_id",
            reason: e.reason,
        })?;
        self.wait_for(min_position).await?;
        let model = self.read();
        let entry = model.documents.get(doc_id).ok_or_else(|| Error::NotFound {
            what: "document",
            id: doc_id.to_owned(),
        })?;
        Ok(DocumentView {
            document: entry.document.clone(),
            events: entry
                .events
                .iter()
                .filter_map(|k| model.events.get(k))
                .cloned()
                .collect(),
            state: match entry.state {
                DocumentState::Pending => "pending",
                DocumentState::Extracted => "extracted",
                DocumentState::Failed => "failed",
            },
            coder_version: entry.coder_version.clone(),
            failure: entry.failure.clone(),
            position: model.position,
        })
    }

    /// The events `actor` took part in, oldest first, one page at a time.
    pub async fn timeline(
        &self,
        query: TimelineQuery,
        page_size: i32,
        page_token: &str,
        min_position: u64,
    ) -> Result<SearchPage> {
        let TimelineQuery {
            actor,
            date_from,
            date_to,
            types,
        } = query;
        let actor =
            crate::filter::text_field("actor", actor)?.ok_or_else(|| Error::InvalidField {
                field: "actor",
                reason: "name an actor".into(),
            })?;
        let from = crate::filter::date_field("date_from", date_from)?;
        let to = crate::filter::date_field("date_to", date_to)?;
        let page_size = self.page_size(page_size)?;
        let fingerprint =
            crate::filter::fingerprint(&format!("timeline|{actor}|{from:?}|{to:?}|{types:?}"));
        let offset = parse_offset_token(page_token, fingerprint)?;
        self.wait_for(min_position).await?;
        let model = self.read();
        let events = crate::analysis::timeline(&model, &actor, from, to, &types);
        let total = events.len();
        let page: Vec<Event> = events
            .into_iter()
            .skip(offset)
            .take(page_size)
            .cloned()
            .collect();
        let next = offset + page.len();
        Ok(SearchPage {
            next_page_token: (next < total).then(|| format!("o1.{fingerprint:016x}.{next}")),
            events: page,
            total: total as u64,
            position: model.position,
        })
    }

    /// Sanctions status per target and sanctioning side, optionally as of a date.
    pub async fn sanctions_status(
        &self,
        target: String,
        source: String,
        program: String,
        as_of: String,
        min_position: u64,
    ) -> Result<(Vec<crate::SanctionsEntry>, u64)> {
        let target = crate::filter::text_field("target", target)?;
        let source = crate::filter::text_field("source", source)?;
        let program = crate::filter::text_field("program", program)?;
        let as_of = crate::filter::date_field("as_of", as_of)?;
        self.wait_for(min_position).await?;
        let model = self.read();
        let entries = crate::analysis::sanctions_status(
            &model,
            target.as_deref(),
            source.as_deref(),
            program.as_deref(),
            as_of,
        );
        Ok((entries, model.position))
    }

    /// The relations of two actors per time bucket.
    pub async fn relations(
        &self,
        actor_a: String,
        actor_b: String,
        date_from: String,
        date_to: String,
        width: crate::BucketWidth,
        min_position: u64,
    ) -> Result<(Vec<crate::RelationsBucket>, u64)> {
        let name = |field, value| {
            crate::filter::text_field(field, value)?.ok_or_else(|| Error::InvalidField {
                field,
                reason: "name an actor".into(),
            })
        };
        let a = name("actor_a", actor_a)?;
        let b = name("actor_b", actor_b)?;
        let from = crate::filter::date_field("date_from", date_from)?;
        let to = crate::filter::date_field("date_to", date_to)?;
        self.wait_for(min_position).await?;
        let model = self.read();
        Ok((
            crate::analysis::relations(&model, &a, &b, from, to, width),
            model.position,
        ))
    }

    fn page_size(&self, requested: i32) -> Result<usize> {
        if requested < 0 {
            return Err(Error::InvalidField {
                field: "page_size",
                reason: "must not be negative".into(),
            });
        }
        Ok(match requested as usize {
            0 => self.config.default_page_size,
            n => n.min(self.config.max_page_size),
        })
    }

    /// Read-model counts.
    pub async fn stats(&self, min_position: u64) -> Result<Stats> {
        self.wait_for(min_position).await?;
        let model = self.read();
        let count = |state| {
            model
                .documents
                .values()
                .filter(|d| d.state == state)
                .count() as u64
        };
        Ok(Stats {
            position: model.position,
            documents: model.documents.len() as u64,
            events: model.events.len() as u64,
            failed: count(DocumentState::Failed),
            pending: count(DocumentState::Pending),
            by_type: model.events_by_type().into_iter().collect(),
            unknown_records: model.unknown_records,
        })
    }

    /// Streams `(position, event)` for events extracted after `after_position` that match
    /// `filter`: stored ones first, then live ones. Reads from the log as the client pulls,
    /// so a slow client holds at most one batch in memory. The stream ends when the service
    /// shuts down, so that open subscriptions never hold up a graceful drain.
    pub fn subscribe(
        &self,
        filter: EventFilter,
        after_position: u64,
    ) -> BoxStream<'static, Result<(u64, Event)>> {
        subscribe(self.log.clone(), after_position)
            .take_until(self.shutdown.clone().cancelled_owned())
            .flat_map(move |record| {
                let items: Vec<Result<(u64, Event)>> = match record {
                    Err(error) => vec![Err(Error::Log(error))],
                    Ok(record) if record.record_type == events::EventsExtracted::TYPE => {
                        events::EventsExtracted::decode(record.payload.clone())
                            .map(|extracted| {
                                extracted
                                    .events
                                    .into_iter()
                                    .filter_map(|wire| Event::try_from(wire).ok())
                                    .filter(|event| filter.matches(event))
                                    .map(|event| Ok((record.position, event)))
                                    .collect()
                            })
                            .unwrap_or_default()
                    }
                    Ok(_) => Vec::new(),
                };
                futures::stream::iter(items)
            })
            .boxed()
    }
}

fn parse_offset_token(token: &str, fingerprint: u64) -> Result<usize> {
    if token.is_empty() {
        return Ok(0);
    }
    let invalid = |reason: &str| Error::InvalidField {
        field: "page_token",
        reason: reason.to_owned(),
    };
    let parts: Vec<&str> = token.split('.').collect();
    let [version, print, offset] = parts.as_slice() else {
        return Err(invalid("malformed page token"));
    };
    if *version != "o1" {
        return Err(invalid("malformed page token"));
    }
    if u64::from_str_radix(print, 16).ok() != Some(fingerprint) {
        return Err(invalid("page token belongs to a different query"));
    }
    offset.parse().map_err(|_| invalid("malformed page token"))
}

fn parse_page_token(token: &str, fingerprint: u64) -> Result<Option<(u64, u32)>> {
    if token.is_empty() {
        return Ok(None);
    }
    let invalid = |reason: &str| Error::InvalidField {
        field: "page_token",
        reason: reason.to_owned(),
    };
    let parts: Vec<&str> = token.split('.').collect();
    let [version, print, position, ordinal] = parts.as_slice() else {
        return Err(invalid("malformed page token"));
    };
    if *version != "v1" {
        return Err(invalid("malformed page token"));
    }
    if u64::from_str_radix(print, 16).ok() != Some(fingerprint) {
        return Err(invalid("page token belongs to a different query"));
    }
    let position = position
        .parse()
        .map_err(|_| invalid("malformed page token"))?;
    let ordinal = ordinal
        .parse()
        .map_err(|_| invalid("malformed page token"))?;
    Ok(Some((position, ordinal)))
}

/// Applies the log to the read model, forever (until shutdown).
async fn project(
    log: Arc<dyn EventLog>,
    model: Arc<RwLock<ReadModel>>,
    applied: watch::Sender<u64>,
    caught_up: watch::Sender<bool>,
    shutdown: CancellationToken,
) {
    let start_head = log.head();
    if start_head == 0 {
        caught_up.send_replace(true);
    }
    loop {
        let from = *applied.borrow();
        let mut records = subscribe(log.clone(), from);
        loop {
            let next = tokio::select! {
                _ = shutdown.cancelled() => return,
                next = records.next() => next,
            };
            match next {
                Some(Ok(record)) => {
                    let position = record.position;
                    model
                        .write()
                        .expect("read model lock poisoned")
                        .apply(&record);
                    applied.send_replace(position);
                    if position >= start_head {
                        caught_up.send_if_modified(|ready| !std::mem::replace(ready, true));
                    }
                }
                Some(Err(error)) => {
                    tracing::warn!(%error, "projection read failed; resubscribing");
                    break;
                }
                None => return,
            }
        }
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(Duration::from_millis(500)) => {}
        }
    }
}
