//! The NATS JetStream backend, for deployments where services run on several machines.
//!
//! One JetStream stream holds the log. Our stream `doc-<id>` is the subject
//! `<prefix>.doc.<id>`; other stream names are hex-encoded under `<prefix>.s.`. Positions are
//! JetStream sequences (gap-free: nothing is ever deleted). Guarantees map as follows:
//! expected versions use `Nats-Expected-Last-Subject-Sequence` (the server compares and
//! appends atomically); idempotency uses `Nats-Msg-Id` within the stream's duplicate window
//! (24 h by default; read models stay idempotent beyond it); consumer groups are durable pull
//! consumers with an ack wait and max deliveries. Unlike the file log, an append carries one
//! record: JetStream servers before 2.12 cannot publish a batch atomically.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_nats::HeaderMap;
use async_nats::jetstream;
use async_nats::jetstream::consumer::{AckPolicy, DeliverPolicy, pull};
use async_nats::jetstream::context::PublishErrorKind;
use async_nats::jetstream::stream::{self, LastRawMessageErrorKind, StorageType};
use async_trait::async_trait;
use bytes::Bytes;
use futures::StreamExt;
use tokio::sync::watch;

use crate::EventLog;
use crate::error::{Error, Result};
use crate::group::{Consumer, GroupConfig};
use crate::index::validate_request;
use crate::record::{Appended, ExpectedVersion, NewRecord, Position, Record, RecordId, now_micros};

mod consumer;

use consumer::NatsConsumer;

const HEADER_STREAM: &str = "Statecraft-Stream";
const HEADER_TYPE: &str = "Statecraft-Type";
const HEADER_VERSION: &str = "Statecraft-Version";
const HEADER_RECORDED: &str = "Statecraft-Recorded";
const HEADER_META: &str = "Statecraft-Meta-";

/// How to reach and lay out the JetStream log.
#[derive(Debug, Clone)]
pub struct NatsOptions {
    /// Server URL(s), comma-separated (`nats://nats:4222`).
    pub url: String,
    /// JetStream stream name.
    pub stream: String,
    /// Subject prefix of every record.
    pub subject_prefix: String,
    /// Stream replicas (1, or 3 in a cluster).
    pub replicas: usize,
    /// How long a record id is remembered for deduplication.
    pub duplicate_window: Duration,
}

impl NatsOptions {
    /// Defaults for `url`: stream `statecraft`, prefix `statecraft`, one replica, 24 h window.
    /// `?replicas=3` in the URL asks for a replicated stream.
    pub fn new(url: &str) -> Self {
        let (url, query) = url.split_once('?').unwrap_or((url, ""));
        let replicas = query
            .split('&')
            .find_map(|kv| kv.strip_prefix("replicas="))
            .and_then(|n| n.parse().ok())
            .unwrap_or(1);
        Self {
            url: url.to_owned(),
            stream: "statecraft".into(),
            subject_prefix: "statecraft".into(),
            replicas,
            duplicate_window: Duration::from_secs(24 * 3600),
        }
    }
}

fn remote(op: &'static str) -> impl FnOnce(&dyn std::fmt::Display) -> Error {
    move |error| Error::Remote {
        op,
        reason: error.to_string(),
    }
}

/// The JetStream-backed log.
pub struct NatsLog {
    inner: Arc<Inner>,
}

struct Inner {
    client: async_nats::Client,
    context: jetstream::Context,
    stream: stream::Stream,
    options: NatsOptions,
    head: watch::Sender<Position>,
    watcher: Mutex<Option<tokio::task::JoinHandle<()>>>,
    /// Deliveries awaiting an ack, per group, shared by every member in this process so that
    /// any member can settle them (as with the local backends).
    in_flight: Mutex<HashMap<String, InFlight>>,
}

type InFlight = Arc<Mutex<HashMap<Position, jetstream::Message>>>;

impl NatsLog {
    /// Connects, creates the stream if it does not exist, and starts following its head.
    pub async fn connect(options: NatsOptions) -> Result<Self> {
        let servers = options
            .url
            .split(',')
            .map(|url| url.trim().parse::<async_nats::ServerAddr>())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| Error::InvalidAppend {
                reason: format!("invalid NATS server list {:?}: {e}", options.url),
            })?;
        let client = async_nats::ConnectOptions::new()
            .connection_timeout(Duration::from_secs(5))
            .retry_on_initial_connect()
            .connect(servers)
            .await
            .map_err(|e| remote("connect")(&e))?;
        let context = jetstream::new(client.clone());
        let stream = context
            .get_or_create_stream(stream::Config {
                name: options.stream.clone(),
                subjects: vec![format!("{}.>", options.subject_prefix)],
                storage: StorageType::File,
                num_replicas: options.replicas,
                duplicate_window: options.duplicate_window,
                // Reads go through the stream leader (`get_raw_message`): a direct get may be
                // answered by a replica that has not caught up, and would then miss a record
                // below the head.
                allow_direct: false,
                ..Default::default()
            })
            .await
            .map_err(|e| remote("create stream")(&e))?;
        let info = stream
            .get_info()
            .await
            .map_err(|e| remote("read stream info")(&e))?;
        let head = watch::Sender::new(info.state.last_sequence);
        let inner = Arc::new(Inner {
            client,
            context,
            stream,
            options,
            head,
            watcher: Mutex::new(None),
            in_flight: Mutex::new(HashMap::new()),
        });
        let watcher = tokio::spawn(follow_head(Arc::downgrade(&inner)));
        *inner.watcher.lock().expect("watcher lock poisoned") = Some(watcher);
        Ok(Self { inner })
    }
}

/// Keeps the head watch current with a headers-only ordered consumer over new records.
async fn follow_head(inner: std::sync::Weak<Inner>) {
    loop {
        let Some(strong) = inner.upgrade() else {
            return;
        };
        let start = *strong.head.borrow() + 1;
        let consumer = strong
            .stream
            .create_consumer(pull::OrderedConfig {
                deliver_policy: DeliverPolicy::ByStartSequence {
                    start_sequence: start,
                },
                headers_only: true,
                ..Default::default()
            })
            .await;
        let messages = match consumer {
            Ok(consumer) => consumer.messages().await.ok(),
            Err(_) => None,
        };
        drop(strong);
        if let Some(mut messages) = messages {
            while let Some(Ok(message)) = messages.next().await {
                let Some(strong) = inner.upgrade() else {
                    return;
                };
                if let Ok(info) = message.info() {
                    let sequence = info.stream_sequence;
                    strong.head.send_if_modified(|head| {
                        let moved = sequence > *head;
                        *head = (*head).max(sequence);
                        moved
                    });
                }
            }
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

impl Inner {
    fn subject(&self, stream: &str) -> String {
        let prefix = &self.options.subject_prefix;
        match stream.strip_prefix("doc-") {
            Some(id)
                if !id.is_empty()
                    && id
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-') =>
            {
                format!("{prefix}.doc.{id}")
            }
            _ => {
                let hex: String = stream.bytes().map(|b| format!("{b:02x}")).collect();
                format!("{prefix}.s.{hex}")
            }
        }
    }

    /// Sequence and stream version of the last record of a subject.
    async fn last_of(&self, subject: &str) -> Result<Option<(u64, u64)>> {
        match self.stream.get_last_raw_message_by_subject(subject).await {
            Ok(message) => {
                let version = header(&message.headers, HEADER_VERSION)
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(0);
                Ok(Some((message.sequence, version)))
            }
            Err(error) if matches!(error.kind(), LastRawMessageErrorKind::NoMessageFound) => {
                Ok(None)
            }
            Err(error) => Err(remote("read the last record of a stream")(&error)),
        }
    }

    async fn record_at(&self, sequence: u64) -> Result<Option<Record>> {
        match self.stream.get_raw_message(sequence).await {
            Ok(message) => Ok(Some(to_record(
                message.sequence,
                &message.headers,
                message.payload,
            ))),
            Err(error) if matches!(error.kind(), LastRawMessageErrorKind::NoMessageFound) => {
                Ok(None)
            }
            Err(error) => Err(remote("read a record")(&error)),
        }
    }

    fn advance_head(&self, sequence: u64) {
        self.head.send_if_modified(|head| {
            let moved = sequence > *head;
            *head = (*head).max(sequence);
            moved
        });
    }

    /// Reads `count` records from `start` in sequence order through an ordered consumer,
    /// optionally restricted to one subject.
    async fn read_range(
        &self,
        start: u64,
        count: usize,
        subject: Option<String>,
    ) -> Result<Vec<Record>> {
        if count == 0 {
            return Ok(Vec::new());
        }
        let consumer = self
            .stream
            .create_consumer(pull::OrderedConfig {
                deliver_policy: DeliverPolicy::ByStartSequence {
                    start_sequence: start.max(1),
                },
                filter_subject: subject.unwrap_or_default(),
                ..Default::default()
            })
            .await
            .map_err(|e| remote("create a reader")(&e))?;
        let mut messages = consumer
            .messages()
            .await
            .map_err(|e| remote("read records")(&e))?;
        let mut records = Vec::with_capacity(count);
        while records.len() < count {
            let next = tokio::time::timeout(Duration::from_secs(5), messages.next()).await;
            let message = match next {
                Ok(Some(Ok(message))) => message,
                Ok(Some(Err(error))) => return Err(remote("read records")(&error)),
                Ok(None) | Err(_) => break,
            };
            let sequence = message
                .info()
                .map(|i| i.stream_sequence)
                .map_err(|e| remote("read record info")(&e))?;
            let headers = message.headers.clone().unwrap_or_default();
            records.push(to_record(sequence, &headers, message.payload.clone()));
        }
        Ok(records)
    }
}

fn header(headers: &HeaderMap, name: &str) -> Option<String> {
    headers.get(name).map(|v| v.as_str().to_owned())
}

fn to_record(sequence: u64, headers: &HeaderMap, payload: Bytes) -> Record {
    let id = header(headers, "Nats-Msg-Id")
        .and_then(|hex| u128::from_str_radix(&hex, 16).ok())
        .unwrap_or(0);
    let metadata = headers
        .iter()
        .filter_map(|(name, values)| {
            let name: &str = name.as_ref();
            let key = name.strip_prefix(HEADER_META)?;
            Some((
                key.to_ascii_lowercase(),
                values.first()?.as_str().to_owned(),
            ))
        })
        .collect();
    Record {
        position: sequence,
        id: RecordId(id),
        stream: header(headers, HEADER_STREAM).unwrap_or_default(),
        stream_version: header(headers, HEADER_VERSION)
            .and_then(|v| v.parse().ok())
            .unwrap_or(0),
        record_type: header(headers, HEADER_TYPE).unwrap_or_default(),
        recorded_at_micros: header(headers, HEADER_RECORDED)
            .and_then(|v| v.parse().ok())
            .unwrap_or(0),
        metadata,
        payload,
    }
}

impl NatsLog {
    async fn append_records(
        &self,
        stream: &str,
        expected: ExpectedVersion,
        records: Vec<NewRecord>,
    ) -> Result<Appended> {
        validate_request(stream, &records)?;
        if records.len() != 1 {
            return Err(Error::InvalidAppend {
                reason: "the NATS backend appends one record at a time".into(),
            });
        }
        let record = records.into_iter().next().expect("one record");
        let inner = &self.inner;
        let subject = inner.subject(stream);
        for _attempt in 0..16 {
            let last = inner.last_of(&subject).await?;
            let allowed = match expected {
                ExpectedVersion::Any => true,
                ExpectedVersion::NoStream => last.is_none(),
                ExpectedVersion::StreamExists => last.is_some(),
                ExpectedVersion::Exact(version) => last.is_some_and(|(_, v)| v == version),
            };
            // When the expectation fails we still publish with an impossible expected sequence:
            // the server answers a re-sent id as a duplicate before it checks the sequence.
            let expected_sequence = if allowed {
                last.map_or(0, |(seq, _)| seq)
            } else {
                u64::MAX
            };
            let version = last.map_or(0, |(_, v)| v + 1);
            let mut headers = HeaderMap::new();
            headers.insert("Nats-Msg-Id", format!("{:032x}", record.id.0).as_str());
            headers.insert(
                "Nats-Expected-Last-Subject-Sequence",
                expected_sequence.to_string().as_str(),
            );
            headers.insert(HEADER_STREAM, stream);
            headers.insert(HEADER_TYPE, record.record_type.as_str());
            headers.insert(HEADER_VERSION, version.to_string().as_str());
            headers.insert(HEADER_RECORDED, now_micros().to_string().as_str());
            for (key, value) in &record.metadata {
                headers.insert(format!("{HEADER_META}{key}").as_str(), value.as_str());
            }
            let published = inner
                .context
                .publish_with_headers(subject.clone(), headers, record.payload.clone())
                .await
                .map_err(|e| remote("publish")(&e))?
                .await;
            match published {
                Ok(ack) if ack.duplicate => {
                    let original = inner.record_at(ack.sequence).await?;
                    return Ok(Appended {
                        first_position: ack.sequence,
                        last_position: ack.sequence,
                        stream_version: original.map_or(0, |r| r.stream_version),
                        deduplicated: true,
                    });
                }
                Ok(ack) => {
                    inner.advance_head(ack.sequence);
                    return Ok(Appended {
                        first_position: ack.sequence,
                        last_position: ack.sequence,
                        stream_version: version,
                        deduplicated: false,
                    });
                }
                Err(error) if matches!(error.kind(), PublishErrorKind::WrongLastSequence) => {
                    if allowed && expected == ExpectedVersion::Any {
                        continue; // another writer got in first; version numbering retries
                    }
                    let actual = inner.last_of(&subject).await?;
                    return Err(Error::WrongExpectedVersion {
                        stream: stream.to_owned(),
                        expected: expected.to_string(),
                        actual: actual
                            .map_or_else(|| "no stream".to_owned(), |(_, v)| v.to_string()),
                    });
                }
                Err(error) => return Err(remote("publish")(&error)),
            }
        }
        Err(Error::Remote {
            op: "append",
            reason: "too much contention on one stream".into(),
        })
    }
}

#[async_trait]
impl EventLog for NatsLog {
    async fn append(
        &self,
        stream: &str,
        expected: ExpectedVersion,
        records: Vec<NewRecord>,
    ) -> Result<Appended> {
        crate::metered_append("nats", self.append_records(stream, expected, records)).await
    }

    async fn read(&self, after: Position, max: usize) -> Result<Vec<Record>> {
        let head = self.head();
        if after >= head || max == 0 {
            return Ok(Vec::new());
        }
        let count = (head - after).min(max as u64) as usize;
        if count <= 8 {
            let mut records = Vec::with_capacity(count);
            for sequence in after + 1..=after + count as u64 {
                records.extend(self.inner.record_at(sequence).await?);
            }
            return Ok(records);
        }
        self.inner.read_range(after + 1, count, None).await
    }

    async fn read_stream(
        &self,
        stream: &str,
        from_version: u64,
        max: usize,
    ) -> Result<Vec<Record>> {
        let subject = self.inner.subject(stream);
        let Some((_, last_version)) = self.inner.last_of(&subject).await? else {
            return Ok(Vec::new());
        };
        let total = last_version + 1;
        if from_version >= total || max == 0 {
            return Ok(Vec::new());
        }
        let records = self
            .inner
            .read_range(1, total as usize, Some(subject))
            .await?;
        Ok(records
            .into_iter()
            .skip(from_version as usize)
            .take(max)
            .collect())
    }

    fn head(&self) -> Position {
        *self.inner.head.borrow()
    }

    fn watch_head(&self) -> watch::Receiver<Position> {
        self.inner.head.subscribe()
    }

    async fn consumer(&self, config: GroupConfig) -> Result<Box<dyn Consumer>> {
        let valid_name = !config.name.is_empty()
            && config.name.len() <= 64
            && config
                .name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-'));
        if !valid_name || config.max_deliver == 0 {
            return Err(Error::InvalidAppend {
                reason: format!("invalid consumer group {:?}", config.name),
            });
        }
        let consumer = self
            .inner
            .stream
            .get_or_create_consumer(
                &config.name,
                pull::Config {
                    durable_name: Some(config.name.clone()),
                    ack_policy: AckPolicy::Explicit,
                    ack_wait: config.ack_wait,
                    max_deliver: if config.max_deliver == GroupConfig::UNLIMITED_DELIVERIES {
                        -1
                    } else {
                        i64::from(config.max_deliver)
                    },
                    deliver_policy: DeliverPolicy::All,
                    ..Default::default()
                },
            )
            .await
            .map_err(|e| remote("create consumer group")(&e))?;
        let in_flight = self
            .inner
            .in_flight
            .lock()
            .expect("in-flight lock poisoned")
            .entry(config.name.clone())
            .or_default()
            .clone();
        Ok(Box::new(NatsConsumer {
            consumer,
            inner: self.inner.clone(),
            record_types: config.record_types,
            in_flight,
        }))
    }

    async fn close(&self) -> Result<()> {
        if let Some(watcher) = self
            .inner
            .watcher
            .lock()
            .expect("watcher lock poisoned")
            .take()
        {
            watcher.abort();
        }
        self.inner
            .client
            .flush()
            .await
            .map_err(|e| remote("flush")(&e))
    }
}
