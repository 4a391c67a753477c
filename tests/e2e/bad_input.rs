//! Bad input across the gRPC surface.

use std::sync::Arc;

use statecraft_cli::ClusterConfig;
use statecraft_e2e::TestCluster;
use statecraft_eventlog::{EventLog, MemoryLog};
use statecraft_proto::pb::extraction::v1 as extraction_pb;
use statecraft_proto::pb::ingest::v1 as ingest_pb;
use statecraft_proto::pb::query::v1 as query_pb;
use tonic::Code;

use super::{ARTICLE, submit};

/// Bad input across the gRPC surface: each case gets the right status with a message naming
/// the problem, and nothing is appended to the log.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_gets_clear_statuses_and_never_touches_the_log() {
    let log = Arc::new(MemoryLog::new());
    let mut config = ClusterConfig::for_test();
    config.ingest.max_document_bytes = 10_000;
    config.query.min_position_wait_ms = 200;
    config.ingest.max_documents_per_stream = 5;
    let mut cluster = TestCluster::start_with(config, log.clone()).await.unwrap();
    cluster.ingest_extracted(ARTICLE).await.unwrap();
    let head = log.head();

    let ingest_cases: Vec<(&str, ingest_pb::SubmitDocumentRequest, Code, &str)> = vec![
        ("empty text", submit(""), Code::InvalidArgument, "text"),
        (
            "whitespace",
            submit(" \n\t\r\n "),
            Code::InvalidArgument,
            "text",
        ),
        (
            "binary",
            submit(&"\u{1}\u{2}\u{3}abc\u{0}".repeat(50)),
            Code::InvalidArgument,
            "binary",
        ),
        (
            "oversized",
            submit(&"a".repeat(10_001)),
            Code::InvalidArgument,
            "exceeds the limit of 10000 bytes",
        ),
        (
            "bad url",
            ingest_pb::SubmitDocumentRequest {
                url: "ftp://x".into(),
                ..submit("Canada accused Iran.")
            },
            Code::InvalidArgument,
            "url",
        ),
        (
            "url with spaces",
            ingest_pb::SubmitDocumentRequest {
                url: "https://a b".into(),
                ..submit("Canada accused Iran.")
            },
            Code::InvalidArgument,
            "url",
        ),
        (
            "bad language",
            ingest_pb::SubmitDocumentRequest {
                language: "en us!".into(),
                ..submit("Canada accused Iran.")
            },
            Code::InvalidArgument,
            "language",
        ),
        (
            "long title",
            ingest_pb::SubmitDocumentRequest {
                title: "t".repeat(1001),
                ..submit("Canada accused Iran.")
            },
            Code::InvalidArgument,
            "title",
        ),
        (
            "future publication",
            ingest_pb::SubmitDocumentRequest {
                published_at: Some(prost_types::Timestamp {
                    seconds: 32_503_680_000,
                    nanos: 0,
                }),
                ..submit("Canada accused Iran.")
            },
            Code::InvalidArgument,
            "published_at",
        ),
        (
            "negative nanos",
            ingest_pb::SubmitDocumentRequest {
                published_at: Some(prost_types::Timestamp {
                    seconds: 0,
                    nanos: -1,
                }),
                ..submit("Canada accused Iran.")
            },
            Code::InvalidArgument,
            "published_at",
        ),
    ];
    for (name, request, code, needle) in ingest_cases {
        let status = cluster.ingest.submit_document(request).await.unwrap_err();
        assert_eq!(status.code(), code, "{name}: {status:?}");
        assert!(
            status.message().contains(needle),
            "{name}: {:?}",
            status.message()
        );
    }

    let search = |filter: query_pb::EventFilter, page_size: i32, page_token: &str| {
        query_pb::SearchEventsRequest {
            filter: Some(filter),
            page_size,
            page_token: page_token.to_owned(),
            min_position: 0,
        }
    };
    let query_cases: Vec<(&str, query_pb::SearchEventsRequest, Code, &str)> = vec![
        (
            "unknown type",
            search(
                query_pb::EventFilter {
                    types: vec![77],
                    ..Default::default()
                },
                0,
                "",
            ),
            Code::InvalidArgument,
            "type",
        ),
        (
            "unspecified type",
            search(
                query_pb::EventFilter {
                    types: vec![0],
                    ..Default::default()
                },
                0,
                "",
            ),
            Code::InvalidArgument,
            "type",
        ),
        (
            "bad date",
            search(
                query_pb::EventFilter {
                    date_from: "2021-02-30".into(),
                    ..Default::default()
                },
                0,
                "",
            ),
            Code::InvalidArgument,
            "date_from",
        ),
        (
            "reversed range",
            search(
                query_pb::EventFilter {
                    date_from: "2022".into(),
                    date_to: "2021".into(),
                    ..Default::default()
                },
                0,
                "",
            ),
            Code::InvalidArgument,
            "date_from",
        ),
        (
            "confidence above one",
            search(
                query_pb::EventFilter {
                    min_confidence: 2.0,
                    ..Default::default()
                },
                0,
                "",
            ),
            Code::InvalidArgument,
            "min_confidence",
        ),
        (
            "confidence not a number",
            search(
                query_pb::EventFilter {
                    min_confidence: f64::NAN,
                    ..Default::default()
                },
                0,
                "",
            ),
            Code::InvalidArgument,
            "min_confidence",
        ),
        (
            "huge actor text",
            search(
                query_pb::EventFilter {
                    actor: "x".repeat(10_000),
                    ..Default::default()
                },
                0,
                "",
            ),
            Code::InvalidArgument,
            "actor",
        ),
        (
            "negative page size",
            search(query_pb::EventFilter::default(), -5, ""),
            Code::InvalidArgument,
            "page_size",
        ),
        (
            "garbage token",
            search(query_pb::EventFilter::default(), 0, "not-a-token"),
            Code::InvalidArgument,
            "page_token",
        ),
        (
            "token of another query",
            search(
                query_pb::EventFilter::default(),
                0,
                "v1.0000000000000001.5.0",
            ),
            Code::InvalidArgument,
            "different query",
        ),
    ];
    for (name, request, code, needle) in query_cases {
        let status = cluster.query.search_events(request).await.unwrap_err();
        assert_eq!(status.code(), code, "{name}: {status:?}");
        assert!(
            status.message().contains(needle),
            "{name}: {:?}",
            status.message()
        );
    }
    let huge_page = cluster
        .query
        .search_events(search(query_pb::EventFilter::default(), i32::MAX, ""))
        .await
        .unwrap();
    assert!(
        huge_page.into_inner().events.len() <= 1000,
        "page sizes are capped, not refused"
    );

    let unknown_event = cluster
        .query
        .get_event(query_pb::GetEventRequest {
            event_id: "nope".into(),
            min_position: 0,
        })
        .await
        .unwrap_err();
    assert_eq!(unknown_event.code(), Code::NotFound);
    let empty_event = cluster
        .query
        .get_event(query_pb::GetEventRequest::default())
        .await
        .unwrap_err();
    assert_eq!(empty_event.code(), Code::InvalidArgument);
    let future = cluster
        .query
        .get_event(query_pb::GetEventRequest {
            event_id: "nope".into(),
            min_position: u64::MAX,
        })
        .await
        .unwrap_err();
    assert_eq!(future.code(), Code::Unavailable);
    let timeline = cluster
        .query
        .actor_timeline(query_pb::ActorTimelineRequest::default())
        .await
        .unwrap_err();
    assert_eq!(timeline.code(), Code::InvalidArgument);
    let bucket = cluster
        .query
        .relations(query_pb::RelationsRequest {
            actor_a: "USA".into(),
            actor_b: "RUS".into(),
            bucket: 9,
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(bucket.code(), Code::InvalidArgument);

    for (name, request) in [
        ("empty extract", extraction_pb::ExtractRequest::default()),
        (
            "bad published",
            extraction_pb::ExtractRequest {
                text: "x".into(),
                published: "2021-13-01".into(),
                doc_id: String::new(),
            },
        ),
    ] {
        let status = cluster.extraction.extract(request).await.unwrap_err();
        assert_eq!(status.code(), Code::InvalidArgument, "{name}");
    }

    more_bad_requests(&mut cluster).await;
    assert_eq!(log.head(), head, "no bad request appended anything");

    // A bulk stream with good and bad documents: the bad ones are reported, the rest accepted.
    let summary = cluster
        .ingest
        .submit_documents(futures::stream::iter(vec![
            submit(""),
            submit("Japan expelled two Russian diplomats on Monday."),
            submit(&"b".repeat(10_001)),
        ]))
        .await
        .unwrap()
        .into_inner();
    assert_eq!((summary.accepted, summary.rejected), (1, 2));
    // Canonical code names, as every gRPC client spells them.
    assert_eq!(summary.results[0].error_code, "INVALID_ARGUMENT");
    assert_eq!(summary.results[2].error_code, "INVALID_ARGUMENT");
    assert_eq!(
        summary.last_position,
        head + 1,
        "only the good document was appended"
    );
    cluster.shutdown().await.unwrap();
}

/// Checks one failed call: its status code and a message naming the problem.
fn expect(
    name: &str,
    result: Result<impl std::fmt::Debug, tonic::Status>,
    code: Code,
    needle: &str,
) {
    let status = result.expect_err(name);
    assert_eq!(status.code(), code, "{name}: {status:?}");
    assert!(
        status.message().contains(needle),
        "{name}: {:?} should mention {needle:?}",
        status.message()
    );
}

/// The rest of the gRPC surface: lists too long to be real, page source instead of text,
/// messages and streams over their limits, and bad fields on every other RPC.
async fn more_bad_requests(cluster: &mut TestCluster) {
    let ten_thousand_types = query_pb::EventFilter {
        types: vec![1; 10_000],
        ..Default::default()
    };
    expect(
        "10,000 types",
        cluster
            .query
            .search_events(query_pb::SearchEventsRequest {
                filter: Some(ten_thousand_types.clone()),
                ..Default::default()
            })
            .await,
        Code::InvalidArgument,
        "at most 64",
    );
    let names: Vec<String> = (0..10_000).map(|n| format!("{n:032x}")).collect();
    expect(
        "10,000 documents to reprocess",
        cluster
            .extraction
            .reprocess(extraction_pb::ReprocessRequest {
                doc_ids: names,
                all: false,
            })
            .await,
        Code::InvalidArgument,
        "doc_ids",
    );
    expect(
        "reprocess both some and all",
        cluster
            .extraction
            .reprocess(extraction_pb::ReprocessRequest {
                doc_ids: vec!["0".repeat(32)],
                all: true,
            })
            .await,
        Code::InvalidArgument,
        "doc_ids",
    );
    let nested = format!(
        "{}Canada accused Iran.{}",
        "<div><span>".repeat(400),
        "</span></div>".repeat(400)
    );
    expect(
        "deeply nested HTML",
        cluster.ingest.submit_document(submit(&nested)).await,
        Code::InvalidArgument,
        "markup",
    );
    expect(
        "message over the transport limit",
        cluster
            .ingest
            .submit_document(submit(&"word ".repeat(40_000)))
            .await,
        Code::InvalidArgument,
        "exceeds the limit of",
    );
    // A stream longer than allowed is answered with the results of the documents read so
    // far and a stopped_reason, not an error that hides them (issue 12, item 5).
    let long = cluster
        .ingest
        .submit_documents(futures::stream::iter(vec![submit(""); 6]))
        .await
        .expect("stream longer than allowed")
        .into_inner();
    assert_eq!((long.results.len(), long.rejected), (5, 5));
    assert!(
        long.stopped_reason.contains("at most 5"),
        "{}",
        long.stopped_reason
    );
    let mut subscription = cluster
        .query
        .subscribe(query_pb::SubscribeRequest {
            filter: Some(query_pb::EventFilter {
                date_to: "someday".into(),
                ..Default::default()
            }),
            after_position: 0,
        })
        .await;
    if let Ok(stream) = &mut subscription {
        // A stream may report its error as its first item.
        let first = stream.get_mut().message().await;
        expect(
            "subscribe with a bad date",
            first,
            Code::InvalidArgument,
            "date_to",
        );
    } else {
        expect(
            "subscribe with a bad date",
            subscription,
            Code::InvalidArgument,
            "date_to",
        );
    }
    expect(
        "sanctions as of an impossible date",
        cluster
            .query
            .sanctions_status(query_pb::SanctionsStatusRequest {
                target: "Iran".into(),
                as_of: "2021-02-30".into(),
                ..Default::default()
            })
            .await,
        Code::InvalidArgument,
        "as_of",
    );
    expect(
        "malformed document id",
        cluster
            .query
            .get_document(query_pb::GetDocumentRequest {
                doc_id: "../etc/passwd".into(),
                min_position: 0,
            })
            .await,
        Code::InvalidArgument,
        "doc_id",
    );
    expect(
        "a search token given to incidents",
        cluster
            .query
            .search_incidents(query_pb::SearchIncidentsRequest {
                page_token: "v1.0000000000000001.5.0".into(),
                ..Default::default()
            })
            .await,
        Code::InvalidArgument,
        "page_token",
    );
    let export = cluster
        .query
        .export_events(query_pb::ExportEventsRequest {
            filter: Some(ten_thousand_types),
            ..Default::default()
        })
        .await;
    match export {
        Ok(mut stream) => expect(
            "export with 10,000 types",
            stream.get_mut().message().await,
            Code::InvalidArgument,
            "at most 64",
        ),
        Err(status) => expect(
            "export with 10,000 types",
            Err::<(), _>(status),
            Code::InvalidArgument,
            "at most 64",
        ),
    }
    expect(
        "timeline with a reversed range",
        cluster
            .query
            .actor_timeline(query_pb::ActorTimelineRequest {
                actor: "Iran".into(),
                date_from: "2022".into(),
                date_to: "2020".into(),
                ..Default::default()
            })
            .await,
        Code::InvalidArgument,
        "date_from",
    );
}
