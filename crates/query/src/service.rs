//! Query logic, free of tonic types.

use std::sync::{Arc, RwLock};
use std::time::Duration;

use futures::StreamExt;
use futures::stream::BoxStream;
use statecraft_eventlog::EventLog;
use statecraft_runtime::CancellationToken;
use statecraft_types::{Document, Event, EventType};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::config::Config;
use crate::error::{Error, Result};
use crate::filter::EventFilter;
use crate::page::{self, Page};
use crate::projection::{DocumentState, Projection, ReadModel};
use crate::search::Plan;
use crate::snapshot::SnapshotStore;
use crate::store::Slot;
use crate::subscription::SubscribeItem;

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

/// One incident with its reports.
#[derive(Debug, Clone)]
pub struct IncidentView {
    /// "inc-" and the event id of the first report.
    pub incident_id: String,
    /// Every report, in log order.
    pub events: Vec<Event>,
    /// Distinct reporting documents.
    pub document_count: u32,
    /// Their URLs, where known.
    pub source_urls: Vec<String>,
    /// Earliest and latest report date.
    pub dates: Option<(statecraft_types::EventDate, statecraft_types::EventDate)>,
}

impl IncidentView {
    fn of(model: &ReadModel, incident: &crate::incidents::Incident) -> Self {
        let events: Vec<Event> = model
            .events
            .at(&incident.events)
            .map(|(_, e)| e.clone())
            .collect();
        let mut documents: Vec<&str> = events.iter().map(|e| e.doc_id.as_str()).collect();
        documents.sort_unstable();
        documents.dedup();
        let source_urls = documents
            .iter()
            .filter_map(|id| model.documents.get(*id)?.document.url.clone())
            .collect();
        let dated = events.iter().filter_map(|e| e.date);
        let dates = dated
            .clone()
            .min_by_key(|d| d.first_day())
            .zip(dated.max_by_key(|d| d.last_day()));
        Self {
            incident_id: format!("inc-{}", events.first().map_or("", |e| e.event_id.as_str())),
            document_count: documents.len() as u32,
            source_urls,
            dates,
            events,
        }
    }
}

/// An exported event with what export formats need of its document.
#[derive(Debug, Clone)]
pub struct Exported {
    /// The event.
    pub event: Event,
    /// The document's URL.
    pub url: Option<String>,
    /// The document's outlet.
    pub publisher: Option<String>,
    /// The document's publication date.
    pub published: Option<chrono::NaiveDate>,
    /// The incident the event belongs to ("inc-" and its first report's event id).
    pub incident_id: Option<String>,
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
    /// Incidents.
    pub incidents: u64,
    /// Position of the snapshot the replica started from; 0 when built from the log.
    pub snapshot_position: u64,
}

/// The query service: a read model kept current by a projection task.
pub struct QueryService {
    config: Config,
    log: Arc<dyn EventLog>,
    model: Arc<RwLock<ReadModel>>,
    applied: watch::Receiver<u64>,
    caught_up: watch::Receiver<bool>,
    restored_from: watch::Receiver<u64>,
    shutdown: CancellationToken,
}

impl QueryService {
    /// Starts the projection over `log` and returns the service and the projection task.
    pub fn start(
        config: Config,
        log: Arc<dyn EventLog>,
        shutdown: CancellationToken,
    ) -> (Self, JoinHandle<()>) {
        let model = Arc::new(RwLock::new(ReadModel::new(config.incident_window_days)));
        let (applied_tx, applied) = watch::channel(0u64);
        let (caught_up_tx, caught_up) = watch::channel(false);
        let (restored_tx, restored_from) = watch::channel(0u64);
        let projection = Projection {
            log: log.clone(),
            model: model.clone(),
            applied: applied_tx,
            caught_up: caught_up_tx,
            restored_from: restored_tx,
            snapshots: config.snapshot_dir.clone().map(SnapshotStore::new),
            snapshot_every: config.snapshot_every_records.max(1),
            incident_window_days: config.incident_window_days,
        };
        let task = tokio::spawn(projection.run(shutdown.clone()));
        (
            Self {
                config,
                log,
                model,
                applied,
                caught_up,
                restored_from,
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

    /// Searches events, newest first, one page at a time (AIP-158). The search runs on a
    /// blocking thread (it may visit many events) with a time budget; the total is exact
    /// unless counting it would need the full filter on very many events, then estimated.
    pub async fn search(
        &self,
        filter: EventFilter,
        page_size: i32,
        page_token: &str,
        min_position: u64,
    ) -> Result<Page<Event>> {
        let page_size = page::page_size(page_size, &self.config)?;
        let fingerprint = filter.fingerprint();
        let after = page::after_key(page_token, fingerprint)?;
        self.wait_for(min_position).await?;
        let model = self.model.clone();
        let deadline =
            std::time::Instant::now() + Duration::from_millis(self.config.search_budget_ms);
        blocking(move || {
            let model = model.read().expect("read model lock poisoned");
            // Slots below `before` hold the events before the page token's key.
            let before = after.map(|key| model.events.first_at_or_after(key));
            let plan = Plan::new(&model, &filter);
            let found = plan.page(before, page_size, deadline)?;
            let next_page_token = found
                .more
                .then(|| found.events.last().map(|(slot, _)| *slot))
                .flatten()
                .map(|slot| page::key_token(fingerprint, model.events.key(slot)));
            Ok(Page {
                items: found.events.into_iter().map(|(_, e)| e.clone()).collect(),
                next_page_token,
                total: found.total,
                position: model.position,
            })
        })
        .await
    }

    /// Searches incidents: those with an event matching `filter`, newest report first.
    pub async fn incidents(
        &self,
        filter: EventFilter,
        page_size: i32,
        page_token: &str,
        min_position: u64,
    ) -> Result<Page<IncidentView>> {
        let page_size = page::page_size(page_size, &self.config)?;
        let fingerprint = crate::filter::fingerprint(&format!("incidents|{filter:?}"));
        let offset = page::offset(page_token, fingerprint)?;
        self.wait_for(min_position).await?;
        let model = self.model.clone();
        blocking(move || {
            let model = model.read().expect("read model lock poisoned");
            let plan = Plan::new(&model, &filter);
            let mut seen = std::collections::HashSet::new();
            let mut found: Vec<&crate::incidents::Incident> = plan
                .matching()
                .filter_map(|(key, _)| model.incidents.of(key))
                .filter(|incident| seen.insert(incident.events[0]))
                .collect();
            // Only the incidents up to the end of the page are put in order.
            let total = found.len();
            let wanted = offset.saturating_add(page_size).min(total);
            let newest_first =
                |incident: &&crate::incidents::Incident| std::cmp::Reverse(incident.latest());
            if wanted < total {
                found.select_nth_unstable_by_key(wanted, newest_first);
                found.truncate(wanted);
            }
            found.sort_unstable_by_key(newest_first);
            Ok(page::offset_page_of(
                found,
                total,
                offset,
                page_size,
                fingerprint,
                model.position,
                |incident| IncidentView::of(&model, incident),
            ))
        })
        .await
    }

    /// Every current event matching `filter`, in log order, read in chunks so that the read
    /// model is never locked for long and memory stays bounded by the chunk.
    pub async fn export(
        &self,
        filter: EventFilter,
        min_position: u64,
    ) -> Result<BoxStream<'static, Exported>> {
        self.wait_for(min_position).await?;
        let slots: Vec<Slot> = {
            let model = self.read();
            Plan::new(&model, &filter)
                .matching()
                .map(|(slot, _)| slot)
                .collect()
        };
        let model = self.model.clone();
        let chunks = slots
            .chunks(EXPORT_CHUNK)
            .map(<[Slot]>::to_vec)
            .collect::<Vec<_>>();
        Ok(futures::stream::iter(chunks)
            .flat_map(move |chunk| {
                let model = model.read().expect("read model lock poisoned");
                let exported: Vec<Exported> = model
                    .events
                    .at(&chunk)
                    .map(|(slot, event)| {
                        let document = model.documents.get(&event.doc_id).map(|d| &d.document);
                        let incident_id = model
                            .incidents
                            .of(slot)
                            .and_then(|incident| incident.events.first())
                            .and_then(|first| model.events.get(*first))
                            .map(|first| format!("inc-{}", first.event_id));
                        Exported {
                            incident_id,
                            event: event.clone(),
                            url: document.and_then(|d| d.url.clone()),
                            publisher: document.and_then(|d| d.source.clone()),
                            published: document
                                .and_then(|d| d.published_at)
                                .map(|t| t.date_naive()),
                        }
                    })
                    .collect();
                futures::stream::iter(exported)
            })
            .boxed())
    }

    /// One event by id.
    pub async fn event(&self, event_id: &str, min_position: u64) -> Result<Event> {
        statecraft_types::check_lookup_id("event_id", event_id).map_err(|e| {
            Error::InvalidField {
                field: "event_id",
                reason: e.reason,
            }
        })?;
        self.wait_for(min_position).await?;
        let model = self.read();
        model
            .events
            .by_id(event_id)
            .and_then(|slot| model.events.get(slot))
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
                .filter_map(|slot| model.events.get(*slot))
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
    ) -> Result<Page<Event>> {
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
        let (from, to) = crate::filter::date_range(("date_from", date_from), ("date_to", date_to))?;
        let page_size = page::page_size(page_size, &self.config)?;
        let fingerprint =
            crate::filter::fingerprint(&format!("timeline|{actor}|{from:?}|{to:?}|{types:?}"));
        let offset = page::offset(page_token, fingerprint)?;
        self.wait_for(min_position).await?;
        let model = self.read();
        let events = crate::analysis::timeline(&model, &actor, from, to, &types);
        Ok(page::offset_page(
            events,
            offset,
            page_size,
            fingerprint,
            model.position,
            Event::clone,
        ))
    }

    /// Sanctions status per target and sanctioning side, optionally as of a date.
    pub async fn sanctions_status(
        &self,
        target: String,
        source: String,
        program: String,
        as_of: String,
        page: (i32, &str),
        min_position: u64,
    ) -> Result<Page<crate::SanctionsEntry>> {
        let target = crate::filter::text_field("target", target)?;
        let source = crate::filter::text_field("source", source)?;
        let program = crate::filter::text_field("program", program)?;
        let as_of = crate::filter::date_field("as_of", as_of)?;
        let page_size = page::page_size(page.0, &self.config)?;
        let fingerprint = crate::filter::fingerprint(&format!(
            "sanctions|{target:?}|{source:?}|{program:?}|{as_of:?}"
        ));
        let offset = page::offset(page.1, fingerprint)?;
        self.wait_for(min_position).await?;
        let model = self.read();
        let entries = crate::analysis::sanctions_status(
            &model,
            target.as_deref(),
            source.as_deref(),
            program.as_deref(),
            as_of,
        );
        Ok(page::offset_page(
            entries,
            offset,
            page_size,
            fingerprint,
            model.position,
            |entry| entry,
        ))
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
        let (from, to) = crate::filter::date_range(("date_from", date_from), ("date_to", date_to))?;
        self.wait_for(min_position).await?;
        let model = self.read();
        Ok((
            crate::analysis::relations(&model, &a, &b, from, to, width),
            model.position,
        ))
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
            incidents: model.incidents.len() as u64,
            snapshot_position: *self.restored_from.borrow(),
        })
    }

    /// Refuses a subscription start past the log head: no position there has been given out,
    /// and heartbeats would report a position the log never had.
    pub fn check_subscribe_start(&self, after_position: u64) -> Result<()> {
        let head = self.log.head();
        if after_position > head {
            return Err(Error::PastHead {
                after: after_position,
                head,
            });
        }
        Ok(())
    }

    /// Streams events extracted after `after_position` that match `filter`: stored ones first,
    /// then live ones, with a heartbeat when nothing matched for `heartbeat_secs`.
    ///
    /// A producer task reads the log and fills a buffer of `subscribe_buffer` items. When the
    /// client reads so slowly that the buffer stays full for `slow_subscriber_secs`, the
    /// producer stops and the client gets RESOURCE_EXHAUSTED with the position to resume from:
    /// a slow client costs one bounded buffer, never unbounded memory. The stream ends when
    /// the service shuts down, so that subscriptions never hold up a graceful drain.
    pub fn subscribe(
        &self,
        filter: EventFilter,
        after_position: u64,
    ) -> BoxStream<'static, Result<SubscribeItem>> {
        crate::subscription::open(
            self.log.clone(),
            self.model.clone(),
            &self.config,
            self.shutdown.clone(),
            filter,
            after_position,
        )
    }
}

/// Events an export reads per lock of the read model.
const EXPORT_CHUNK: usize = 1_000;

/// Runs read-model work on a blocking thread, off the async workers.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T> + Send + 'static,
) -> Result<T> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| Error::Internal(e.to_string()))?
}
