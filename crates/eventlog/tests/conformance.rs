//! The conformance suite every `EventLog` backend must pass (DESIGN.md §2 guarantees 2-5).
//! Each check runs against the memory backend and the file backend.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures::StreamExt;
use statecraft_eventlog::{
    Error, EventLog, ExpectedVersion, FileLog, GroupConfig, MemoryLog, NewRecord, RecordId,
    subscribe,
};

fn record(id: u128, record_type: &str, payload: &str) -> NewRecord {
    NewRecord {
        id: RecordId(id),
        record_type: record_type.to_owned(),
        metadata: vec![("correlation-id".into(), format!("c{id}"))],
        payload: Bytes::copy_from_slice(payload.as_bytes()),
    }
}

/// Runs one check against both backends; the file log lives in a fresh temp dir.
macro_rules! conformance {
    ($($name:ident),* $(,)?) => {
        mod memory {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let log: std::sync::Arc<dyn super::EventLog> = std::sync::Arc::new(super::MemoryLog::new());
                    super::$name(log).await;
                }
            )*
        }
        mod file {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let dir = tempfile::tempdir().unwrap();
                    let log: std::sync::Arc<dyn super::EventLog> =
                        std::sync::Arc::new(super::FileLog::open(dir.path()).unwrap());
                    super::$name(log.clone()).await;
                    log.close().await.unwrap();
                }
            )*
        }
    };
}

/// The same checks against NATS JetStream (a fresh server per test), except those that append
/// several records at once, which the NATS backend refuses by design.
#[cfg(feature = "nats")]
macro_rules! nats_conformance {
    ($($name:ident),* $(,)?) => {
        mod nats {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let Some(server) = statecraft_testkit::nats::NatsServer::start_or_skip() else { return };
                    let log: std::sync::Arc<dyn super::EventLog> = std::sync::Arc::new(
                        statecraft_eventlog::NatsLog::connect(statecraft_eventlog::NatsOptions::new(server.url())).await.unwrap(),
                    );
                    super::$name(log.clone()).await;
                    log.close().await.unwrap();
                }
            )*
        }
    };
}

#[cfg(feature = "nats")]
nats_conformance!(
    expected_version_is_enforced,
    racing_writers_with_the_same_expected_version_have_one_winner,
    single_record_reappends_are_deduplicated,
    subscription_switches_from_catch_up_to_live_without_gap_or_duplicate,
    consumer_group_delivers_each_record_to_one_member_and_redelivers_unacked,
    consumer_group_parks_after_max_deliver_and_filters_types,
    single_record_appends_are_readable_by_position_and_stream,
    touch_keeps_a_delivery_and_nak_waits_its_delay,
);

conformance!(
    touch_keeps_a_delivery_and_nak_waits_its_delay,
    parked_records_are_counted_and_passed_by_the_cursor,
    single_record_reappends_are_deduplicated,
    single_record_appends_are_readable_by_position_and_stream,
    appends_are_readable_in_order_by_position_and_stream,
    expected_version_is_enforced,
    racing_writers_with_the_same_expected_version_have_one_winner,
    reappending_an_id_is_deduplicated,
    invalid_appends_are_rejected_without_writing,
    subscription_switches_from_catch_up_to_live_without_gap_or_duplicate,
    consumer_group_delivers_each_record_to_one_member_and_redelivers_unacked,
    consumer_group_parks_after_max_deliver_and_filters_types,
);

async fn appends_are_readable_in_order_by_position_and_stream(log: Arc<dyn EventLog>) {
    assert_eq!(log.head(), 0);
    let a = log
        .append(
            "s-a",
            ExpectedVersion::NoStream,
            vec![record(1, "t1", "a0")],
        )
        .await
        .unwrap();
    assert_eq!(
        (
            a.first_position,
            a.last_position,
            a.stream_version,
            a.deduplicated
        ),
        (1, 1, 0, false)
    );
    let b = log
        .append(
            "s-b",
            ExpectedVersion::Any,
            vec![
                record(2, "t1", "b0"),
                record(3, "t2", "b1"),
                record(4, "t2", "b2"),
            ],
        )
        .await
        .unwrap();
    assert_eq!(
        (b.first_position, b.last_position, b.stream_version),
        (2, 4, 2)
    );
    log.append(
        "s-a",
        ExpectedVersion::Exact(0),
        vec![record(5, "t1", "a1")],
    )
    .await
    .unwrap();
    assert_eq!(log.head(), 5);

    let all = log.read(0, 100).await.unwrap();
    let positions: Vec<u64> = all.iter().map(|r| r.position).collect();
    assert_eq!(positions, vec![1, 2, 3, 4, 5]);
    assert_eq!(all[2].payload, Bytes::from_static(b"b1"));
    assert_eq!(all[2].record_type, "t2");
    assert_eq!(all[2].stream, "s-b");
    assert_eq!(all[2].stream_version, 1);
    assert_eq!(all[2].metadata_value("correlation-id"), Some("c3"));
    assert!(all.iter().all(|r| r.recorded_at_micros > 0));

    let page = log.read(2, 2).await.unwrap();
    assert_eq!(
        page.iter().map(|r| r.position).collect::<Vec<_>>(),
        vec![3, 4]
    );
    assert!(log.read(5, 10).await.unwrap().is_empty());

    let stream_a = log.read_stream("s-a", 0, 10).await.unwrap();
    assert_eq!(
        stream_a.iter().map(|r| r.position).collect::<Vec<_>>(),
        vec![1, 5]
    );
    assert_eq!(stream_a[1].stream_version, 1);
    let tail_b = log.read_stream("s-b", 1, 10).await.unwrap();
    assert_eq!(
        tail_b.iter().map(|r| r.stream_version).collect::<Vec<_>>(),
        vec![1, 2]
    );
    assert!(log.read_stream("missing", 0, 10).await.unwrap().is_empty());
}

async fn expected_version_is_enforced(log: Arc<dyn EventLog>) {
    let err = log
        .append(
            "s",
            ExpectedVersion::StreamExists,
            vec![record(1, "t", "x")],
        )
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::WrongExpectedVersion { ref actual, .. } if actual == "no stream"),
        "{err}"
    );
    log.append("s", ExpectedVersion::NoStream, vec![record(2, "t", "x")])
        .await
        .unwrap();
    let err = log
        .append("s", ExpectedVersion::NoStream, vec![record(3, "t", "x")])
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::WrongExpectedVersion { ref actual, .. } if actual == "0"),
        "{err}"
    );
    let err = log
        .append("s", ExpectedVersion::Exact(5), vec![record(4, "t", "x")])
        .await
        .unwrap_err();
    assert!(matches!(err, Error::WrongExpectedVersion { ref expected, .. } if expected == "5"));
    log.append("s", ExpectedVersion::Exact(0), vec![record(5, "t", "x")])
        .await
        .unwrap();
    log.append(
        "s",
        ExpectedVersion::StreamExists,
        vec![record(6, "t", "x")],
    )
    .await
    .unwrap();
    assert_eq!(log.head(), 3, "rejected appends wrote nothing");
}

async fn racing_writers_with_the_same_expected_version_have_one_winner(log: Arc<dyn EventLog>) {
    log.append("race", ExpectedVersion::NoStream, vec![record(1, "t", "x")])
        .await
        .unwrap();
    let writers: Vec<_> = (0..16u128)
        .map(|i| {
            let log = log.clone();
            tokio::spawn(async move {
                log.append(
                    "race",
                    ExpectedVersion::Exact(0),
                    vec![record(100 + i, "t", "x")],
                )
                .await
            })
        })
        .collect();
    let mut wins = 0;
    for writer in writers {
        match writer.await.unwrap() {
            Ok(appended) => {
                wins += 1;
                assert_eq!(appended.stream_version, 1);
            }
            Err(Error::WrongExpectedVersion { actual, .. }) => assert_eq!(actual, "1"),
            Err(other) => panic!("unexpected error {other}"),
        }
    }
    assert_eq!(wins, 1);
    assert_eq!(log.head(), 2);
}

async fn reappending_an_id_is_deduplicated(log: Arc<dyn EventLog>) {
    let first = log
        .append(
            "d",
            ExpectedVersion::NoStream,
            vec![record(7, "t", "x"), record(8, "t", "y")],
        )
        .await
        .unwrap();
    log.append("other", ExpectedVersion::Any, vec![record(9, "t", "z")])
        .await
        .unwrap();
    let again = log
        .append(
            "d",
            ExpectedVersion::NoStream,
            vec![record(7, "t", "x"), record(8, "t", "y")],
        )
        .await
        .unwrap();
    assert!(again.deduplicated);
    assert_eq!(
        (again.first_position, again.last_position),
        (first.first_position, first.last_position)
    );
    assert_eq!(again.stream_version, 1);
    assert_eq!(log.head(), 3, "nothing was written again");
    let err = log
        .append(
            "d",
            ExpectedVersion::Any,
            vec![record(8, "t", "y"), record(10, "t", "w")],
        )
        .await
        .unwrap_err();
    assert!(matches!(err, Error::PartialDuplicate { .. }), "{err}");
    assert_eq!(log.head(), 3);
}

async fn invalid_appends_are_rejected_without_writing(log: Arc<dyn EventLog>) {
    for (stream, records) in [
        ("s", vec![]),
        ("", vec![record(1, "t", "x")]),
        ("has space", vec![record(1, "t", "x")]),
        ("s", vec![record(1, "", "x")]),
        ("s", vec![record(1, "t", "x"), record(1, "t", "y")]),
    ] {
        let err = log
            .append(stream, ExpectedVersion::Any, records)
            .await
            .unwrap_err();
        assert!(matches!(err, Error::InvalidAppend { .. }), "{err}");
    }
    assert_eq!(log.head(), 0);
}

async fn subscription_switches_from_catch_up_to_live_without_gap_or_duplicate(
    log: Arc<dyn EventLog>,
) {
    for i in 1..=50u128 {
        log.append(
            &format!("s{}", i % 3),
            ExpectedVersion::Any,
            vec![record(i, "t", "x")],
        )
        .await
        .unwrap();
    }
    let mut from_start = subscribe(log.clone(), 0);
    let mut from_middle = subscribe(log.clone(), 30);
    let writer = {
        let log = log.clone();
        tokio::spawn(async move {
            for i in 51..=120u128 {
                log.append("live", ExpectedVersion::Any, vec![record(i, "t", "x")])
                    .await
                    .unwrap();
            }
        })
    };
    let mut seen = Vec::new();
    while seen.len() < 120 {
        let next = tokio::time::timeout(Duration::from_secs(10), from_start.next())
            .await
            .expect("subscription stalled")
            .unwrap()
            .unwrap();
        seen.push(next.position);
    }
    assert_eq!(seen, (1..=120).collect::<Vec<_>>());
    let mut tail = Vec::new();
    while tail.len() < 90 {
        tail.push(from_middle.next().await.unwrap().unwrap().position);
    }
    assert_eq!(tail, (31..=120).collect::<Vec<_>>());
    writer.await.unwrap();
    let idle = tokio::time::timeout(Duration::from_millis(100), from_start.next()).await;
    assert!(idle.is_err(), "no record beyond the head is delivered");
}

async fn consumer_group_delivers_each_record_to_one_member_and_redelivers_unacked(
    log: Arc<dyn EventLog>,
) {
    let mut config = GroupConfig::new("workers", &[]);
    config.ack_wait = Duration::from_millis(200);
    let a = log.consumer(config.clone()).await.unwrap();
    let b = log.consumer(config).await.unwrap();
    for i in 1..=6u128 {
        log.append("g", ExpectedVersion::Any, vec![record(i, "t", "x")])
            .await
            .unwrap();
    }
    let got_a = a.fetch(3, Duration::from_secs(1)).await.unwrap();
    let got_b = b.fetch(10, Duration::from_secs(1)).await.unwrap();
    let positions_a: Vec<u64> = got_a.iter().map(|d| d.record.position).collect();
    let positions_b: Vec<u64> = got_b.iter().map(|d| d.record.position).collect();
    assert_eq!(positions_a, vec![1, 2, 3]);
    assert_eq!(
        positions_b,
        vec![4, 5, 6],
        "members never share an in-flight record"
    );
    assert!(got_a.iter().all(|d| d.attempt == 1));

    // Ack out of order: the cursor only moves over a gap-free run.
    for position in [1, 3, 4, 5, 6] {
        b.ack(position).await.unwrap();
    }
    let status = a.status().await.unwrap();
    assert_eq!((status.cursor, status.head, status.in_flight), (1, 6, 1));

    // Position 2 was never acked: after the ack wait it comes back, to either member.
    let redelivered = b.fetch(10, Duration::from_secs(2)).await.unwrap();
    assert_eq!(redelivered.len(), 1);
    assert_eq!(
        (redelivered[0].record.position, redelivered[0].attempt),
        (2, 2)
    );
    b.nak(2, Duration::ZERO).await.unwrap();
    let again = a.fetch(10, Duration::from_secs(1)).await.unwrap();
    assert_eq!(
        (again[0].record.position, again[0].attempt),
        (2, 3),
        "nak redelivers at once"
    );
    a.ack(2).await.unwrap();
    assert_eq!(a.status().await.unwrap().cursor, 6);
    assert!(
        a.fetch(10, Duration::from_millis(50))
            .await
            .unwrap()
            .is_empty()
    );
}

async fn consumer_group_parks_after_max_deliver_and_filters_types(log: Arc<dyn EventLog>) {
    let mut config = GroupConfig::new("picky", &["wanted"]);
    config.ack_wait = Duration::from_millis(50);
    config.max_deliver = 2;
    let consumer = log.consumer(config).await.unwrap();
    log.append("p", ExpectedVersion::Any, vec![record(1, "other", "x")])
        .await
        .unwrap();
    log.append(
        "p",
        ExpectedVersion::Any,
        vec![record(2, "wanted", "poison")],
    )
    .await
    .unwrap();
    log.append("p", ExpectedVersion::Any, vec![record(3, "other", "x")])
        .await
        .unwrap();
    let first = consumer.fetch(10, Duration::from_secs(1)).await.unwrap();
    assert_eq!(first.len(), 1, "only the wanted type is delivered");
    assert_eq!(first[0].record.position, 2);
    let second = consumer.fetch(10, Duration::from_secs(1)).await.unwrap();
    assert_eq!((second[0].record.position, second[0].attempt), (2, 2));
    // Never acked: after max_deliver it is parked and the group moves on.
    let empty = consumer
        .fetch(10, Duration::from_millis(300))
        .await
        .unwrap();
    assert!(empty.is_empty());
    let status = consumer.status().await.unwrap();
    assert_eq!(status.in_flight, 0);
    log.append("p", ExpectedVersion::Any, vec![record(4, "wanted", "ok")])
        .await
        .unwrap();
    let next = consumer.fetch(10, Duration::from_secs(1)).await.unwrap();
    assert_eq!(next[0].record.position, 4);
}

async fn single_record_reappends_are_deduplicated(log: Arc<dyn EventLog>) {
    let first = log
        .append(
            "doc-abc",
            ExpectedVersion::NoStream,
            vec![record(41, "t", "x")],
        )
        .await
        .unwrap();
    log.append(
        "doc-def",
        ExpectedVersion::NoStream,
        vec![record(42, "t", "y")],
    )
    .await
    .unwrap();
    // The retry of an append that succeeded is answered as a duplicate, even though its
    // expected version no longer holds.
    let again = log
        .append(
            "doc-abc",
            ExpectedVersion::NoStream,
            vec![record(41, "t", "x")],
        )
        .await
        .unwrap();
    assert!(again.deduplicated);
    assert_eq!(
        (again.first_position, again.stream_version),
        (first.first_position, 0)
    );
    assert_eq!(log.head(), 2);
    let other = log
        .append(
            "doc-abc",
            ExpectedVersion::NoStream,
            vec![record(43, "t", "z")],
        )
        .await
        .unwrap_err();
    assert!(
        matches!(other, Error::WrongExpectedVersion { .. }),
        "{other}"
    );
}

async fn single_record_appends_are_readable_by_position_and_stream(log: Arc<dyn EventLog>) {
    for i in 1..=30u128 {
        let stream = if i % 3 == 0 {
            "doc-three".to_owned()
        } else {
            format!("other {}", i % 2).replace(' ', "-")
        };
        log.append(
            &stream,
            ExpectedVersion::Any,
            vec![record(i, "t", &format!("p{i}"))],
        )
        .await
        .unwrap();
    }
    let all = log.read(0, 100).await.unwrap();
    assert_eq!(
        all.iter().map(|r| r.position).collect::<Vec<_>>(),
        (1..=30).collect::<Vec<_>>()
    );
    assert_eq!(all[4].payload, Bytes::from_static(b"p5"));
    assert_eq!(all[4].metadata_value("correlation-id"), Some("c5"));
    assert_eq!(all[2].stream, "doc-three");
    let middle = log.read(10, 5).await.unwrap();
    assert_eq!(
        middle.iter().map(|r| r.position).collect::<Vec<_>>(),
        vec![11, 12, 13, 14, 15]
    );
    let threes = log.read_stream("doc-three", 2, 3).await.unwrap();
    assert_eq!(
        threes.iter().map(|r| r.stream_version).collect::<Vec<_>>(),
        vec![2, 3, 4]
    );
    assert_eq!(threes[0].payload, Bytes::from_static(b"p9"));
    assert!(log.read_stream("doc-none", 0, 5).await.unwrap().is_empty());
}

/// Local backends only: JetStream neither reports parked records nor moves its ack floor past
/// them.
async fn parked_records_are_counted_and_passed_by_the_cursor(log: Arc<dyn EventLog>) {
    let mut config = GroupConfig::new("parking", &["wanted"]);
    config.ack_wait = Duration::from_millis(50);
    config.max_deliver = 1;
    let consumer = log.consumer(config).await.unwrap();
    log.append(
        "p",
        ExpectedVersion::Any,
        vec![record(1, "wanted", "poison")],
    )
    .await
    .unwrap();
    log.append("p", ExpectedVersion::Any, vec![record(2, "other", "x")])
        .await
        .unwrap();
    assert_eq!(
        consumer
            .fetch(10, Duration::from_secs(1))
            .await
            .unwrap()
            .len(),
        1
    );
    assert!(
        consumer
            .fetch(10, Duration::from_millis(200))
            .await
            .unwrap()
            .is_empty()
    );
    let status = consumer.status().await.unwrap();
    assert_eq!(
        (status.cursor, status.parked, status.in_flight, status.head),
        (2, 1, 0, 2)
    );
}

/// Issue 12, item 1: a consumer waiting out a transient failure keeps its delivery (no
/// redelivery, no delivery spent) by touching it, and a nak with a delay is not redelivered
/// before the delay.
async fn touch_keeps_a_delivery_and_nak_waits_its_delay(log: Arc<dyn EventLog>) {
    let mut config = GroupConfig::new("patient", &[]);
    config.ack_wait = Duration::from_millis(600);
    config.max_deliver = GroupConfig::UNLIMITED_DELIVERIES;
    let consumer = log.consumer(config).await.unwrap();
    log.append("t", ExpectedVersion::Any, vec![record(1, "t", "x")])
        .await
        .unwrap();
    let first = consumer.fetch(1, Duration::from_secs(2)).await.unwrap();
    assert_eq!((first[0].record.position, first[0].attempt), (1, 1));
    let position = first[0].record.position;
    // Touch every 200 ms for 1.2 s, twice the ack wait: never redelivered meanwhile.
    for _ in 0..6 {
        tokio::time::sleep(Duration::from_millis(200)).await;
        consumer.touch(position).await.unwrap();
        assert!(
            consumer
                .fetch(1, Duration::from_millis(1))
                .await
                .unwrap()
                .is_empty(),
            "a touched delivery is not redelivered"
        );
    }
    consumer
        .nak(position, Duration::from_millis(800))
        .await
        .unwrap();
    let early = consumer.fetch(1, Duration::from_millis(300)).await.unwrap();
    assert!(early.is_empty(), "redelivered before the nak's delay");
    let again = consumer.fetch(1, Duration::from_secs(3)).await.unwrap();
    assert_eq!(
        (again[0].record.position, again[0].attempt),
        (position, 2),
        "touches spent no delivery"
    );
    consumer.ack(position).await.unwrap();
}
