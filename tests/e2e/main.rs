//! End-to-end tests: the three services in-process on ephemeral ports, called over gRPC.

mod analysis;
mod bad_input;
mod operations;
mod read_models;
mod small_frames;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use statecraft_cli::ClusterConfig;
use statecraft_e2e::TestCluster;
use statecraft_eventlog::{EventLog, MemoryLog};
use statecraft_proto::pb::events::v1 as events_pb;
use statecraft_proto::pb::extraction::v1 as extraction_pb;
use statecraft_proto::pb::ingest::v1 as ingest_pb;
use statecraft_proto::pb::query::v1 as query_pb;
use statecraft_types::{Event, EventType};
use tonic::Code;
use tonic_types::StatusExt;

const ARTICLE: &str = "Japan targets shipping firms over oil transfers\n\n\
    Fri Mar 12, 2021 10:00AM\n\n\
    The Japanese government said on Thursday that the new sanctions target Singapore-based Harbor Line Shipping Co, \
    and a Panama-based affiliate, Blue Reef Tankers, officials reported.\n\n\
    Tokyo also accused the companies of moving oil to North Korea at sea.\n";

fn submit(text: &str) -> ingest_pb::SubmitDocumentRequest {
    ingest_pb::SubmitDocumentRequest {
        text: text.to_owned(),
        ..Default::default()
    }
}

fn error_reason(status: &tonic::Status) -> String {
    status
        .get_details_error_info()
        .map(|info| info.reason)
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn submitted_documents_become_queryable_with_their_events_and_duplicates_append_nothing() {
    let log = Arc::new(MemoryLog::new());
    let mut config = ClusterConfig::for_test();
    config.ingest.max_document_bytes = 20_000;
    let mut cluster = TestCluster::start_with(config, log.clone()).await.unwrap();

    let accepted = cluster
        .ingest
        .submit_document(submit(ARTICLE))
        .await
        .unwrap()
        .into_inner();
    assert!(!accepted.duplicate);
    assert_eq!(accepted.doc_id.len(), 32);
    let document = cluster
        .wait_extracted(&accepted.doc_id, accepted.position)
        .await
        .unwrap();
    assert_eq!(document.state, query_pb::ExtractionState::Extracted as i32);
    let stored = document.document.unwrap();
    assert_eq!(
        stored.title, "Japan targets shipping firms over oil transfers",
        "title recovered from the text"
    );
    assert!(
        stored.published_at.is_some(),
        "publication date recovered from the dateline"
    );
    let events: Vec<Event> = document
        .events
        .into_iter()
        .map(|e| Event::try_from(e).unwrap())
        .collect();
    let sanction = events
        .iter()
        .find(|e| e.event_type == EventType::SanctionImpose)
        .expect("a sanction event");
    let targets: Vec<&str> = sanction.targets.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(
        targets,
        vec!["Harbor Line Shipping Co", "Blue Reef Tankers"]
    );
    assert_eq!(sanction.date.unwrap().to_string(), "2021-03-11");
    assert!(events.iter().any(|e| e.event_type == EventType::Accuse));

    // The same text again (even with other line endings): same id, duplicate, nothing appended.
    let head = log.head();
    for text in [ARTICLE.to_owned(), ARTICLE.replace('\n', "\r\n")] {
        let again = cluster
            .ingest
            .submit_document(submit(&text))
            .await
            .unwrap()
            .into_inner();
        assert!(again.duplicate);
        assert_eq!(again.doc_id, accepted.doc_id);
        assert_eq!(again.position, accepted.position);
    }
    assert_eq!(log.head(), head, "a duplicate appends nothing");

    // Bad input: a clear status, and the log untouched.
    let empty = cluster
        .ingest
        .submit_document(submit("  \n\t "))
        .await
        .unwrap_err();
    assert_eq!(empty.code(), Code::InvalidArgument);
    assert_eq!(error_reason(&empty), "INVALID_FIELD");
    assert!(empty.message().contains("text"), "{}", empty.message());
    let oversized = cluster
        .ingest
        .submit_document(submit(&"word ".repeat(5_000)))
        .await
        .unwrap_err();
    assert_eq!(oversized.code(), Code::InvalidArgument);
    assert_eq!(error_reason(&oversized), "INVALID_FIELD");
    assert!(
        oversized.message().contains("limit of"),
        "{}",
        oversized.message()
    );
    // Past the transport's message limit tonic refuses the message; the edge layer answers
    // INVALID_ARGUMENT with the limit.
    let beyond_transport_limit = cluster
        .ingest
        .submit_document(submit(&"x".repeat(200_000)))
        .await
        .unwrap_err();
    assert_eq!(
        beyond_transport_limit.code(),
        Code::InvalidArgument,
        "{beyond_transport_limit:?}"
    );
    assert!(beyond_transport_limit.message().contains("limit of"));
    let bad_url = cluster
        .ingest
        .submit_document(ingest_pb::SubmitDocumentRequest {
            url: "javascript:alert(1)".into(),
            ..submit("Canada accused Iran of lying.")
        })
        .await
        .unwrap_err();
    assert_eq!(bad_url.code(), Code::InvalidArgument);
    assert_eq!(log.head(), head, "rejected documents append nothing");

    let missing = cluster
        .query
        .get_document(query_pb::GetDocumentRequest {
            doc_id: "0".repeat(32),
            min_position: 0,
        })
        .await
        .unwrap_err();
    assert_eq!(missing.code(), Code::NotFound);
    let malformed = cluster
        .query
        .get_document(query_pb::GetDocumentRequest {
            doc_id: "not-an-id".into(),
            min_position: 0,
        })
        .await
        .unwrap_err();
    assert_eq!(malformed.code(), Code::InvalidArgument);
    cluster.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subscribe_delivers_events_of_documents_ingested_after_it_started() {
    let mut cluster = TestCluster::start().await.unwrap();
    let first = cluster
        .ingest_extracted(&statecraft_testkit::news_document(1))
        .await
        .unwrap();
    let head = cluster.cluster.log.head();

    let mut stream = cluster
        .query
        .subscribe(query_pb::SubscribeRequest {
            filter: Some(query_pb::EventFilter {
                types: vec![events_pb::EventType::SanctionImpose as i32],
                ..Default::default()
            }),
            after_position: head,
        })
        .await
        .unwrap()
        .into_inner();
    let later = cluster
        .ingest
        .submit_document(submit(ARTICLE))
        .await
        .unwrap()
        .into_inner();
    let delivered = tokio::time::timeout(Duration::from_secs(10), stream.next())
        .await
        .expect("an event arrives")
        .unwrap()
        .unwrap();
    assert!(
        delivered.position > later.position,
        "the events record follows the document"
    );
    let event = Event::try_from(delivered.event.unwrap()).unwrap();
    assert_eq!(
        event.doc_id, later.doc_id,
        "only events after the start position"
    );
    assert_eq!(
        event.event_type,
        EventType::SanctionImpose,
        "the filter applies"
    );

    // Resuming from the start replays the first document's events too.
    let mut replay = cluster
        .query
        .subscribe(query_pb::SubscribeRequest {
            filter: None,
            after_position: 0,
        })
        .await
        .unwrap()
        .into_inner();
    let replayed = tokio::time::timeout(Duration::from_secs(10), replay.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(
        Event::try_from(replayed.event.unwrap()).unwrap().doc_id,
        first.doc_id
    );

    let bad_filter = cluster
        .query
        .subscribe(query_pb::SubscribeRequest {
            filter: Some(query_pb::EventFilter {
                types: vec![42],
                ..Default::default()
            }),
            after_position: 0,
        })
        .await
        .unwrap_err();
    assert_eq!(bad_filter.code(), Code::InvalidArgument);
    cluster.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_filters_paginates_and_honours_consistency_tokens() {
    let mut cluster = TestCluster::start().await.unwrap();
    let requests: Vec<_> = (0..12)
        .map(|n| submit(&statecraft_testkit::news_document(n)))
        .collect();
    let summary = cluster
        .ingest
        .submit_documents(futures::stream::iter(requests))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (summary.accepted, summary.duplicates, summary.rejected),
        (12, 0, 0)
    );
    for result in &summary.results {
        let accepted = result.accepted.as_ref().unwrap();
        cluster
            .wait_extracted(&accepted.doc_id, accepted.position)
            .await
            .unwrap();
    }

    let filter = query_pb::EventFilter {
        types: vec![events_pb::EventType::SanctionImpose as i32],
        ..Default::default()
    };
    let mut seen = BTreeSet::new();
    let mut token = String::new();
    let mut pages = 0;
    loop {
        let page = cluster
            .query
            .search_events(query_pb::SearchEventsRequest {
                filter: Some(filter.clone()),
                page_size: 5,
                page_token: token.clone(),
                min_position: summary.last_position,
            })
            .await
            .unwrap()
            .into_inner();
        assert_eq!(page.total_size, 12);
        for event in page.events {
            assert_eq!(event.r#type, events_pb::EventType::SanctionImpose as i32);
            assert!(seen.insert(event.event_id), "no event appears on two pages");
        }
        pages += 1;
        if page.next_page_token.is_empty() {
            break;
        }
        token = page.next_page_token;
    }
    assert_eq!((seen.len(), pages), (12, 3));

    let by_country = cluster
        .query
        .search_events(query_pb::SearchEventsRequest {
            filter: Some(query_pb::EventFilter {
                country: "irn".into(),
                date_from: "2021-03".into(),
                date_to: "2021-03-31".into(),
                ..Default::default()
            }),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(by_country.total_size > 0);
    for event in by_country.events {
        let event = Event::try_from(event).unwrap();
        let countries: Vec<_> = std::iter::once(&event.source)
            .chain(&event.targets)
            .filter_map(|a| a.country.as_deref())
            .collect();
        assert!(countries.contains(&"IRN"), "{countries:?}");
    }

    let other_token = token_for_other_query(&mut cluster).await;
    let foreign_token = cluster
        .query
        .search_events(query_pb::SearchEventsRequest {
            filter: None,
            page_token: other_token,
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(foreign_token.code(), Code::InvalidArgument);
    assert!(foreign_token.message().contains("different query"));

    let future = cluster
        .query
        .get_stats(query_pb::GetStatsRequest {
            min_position: summary.last_position + 10_000,
        })
        .await
        .unwrap_err();
    assert_eq!(
        future.code(),
        Code::Unavailable,
        "a position never reached times out"
    );
    assert!(future.get_details_retry_info().is_some());

    let stats = cluster
        .query
        .get_stats(query_pb::GetStatsRequest { min_position: 0 })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(stats.documents, 12);
    assert_eq!(stats.pending_documents, 0);
    assert_eq!(stats.events_by_type.get("SANCTION_IMPOSE"), Some(&12));

    let status = cluster
        .extraction
        .get_status(extraction_pb::GetStatusRequest {})
        .await
        .unwrap()
        .into_inner();
    assert_eq!(status.processed, 12);
    assert_eq!(status.failed, 0);
    assert!(status.coder_version.starts_with("statecraft-coder/"));
    cluster.shutdown().await.unwrap();
}

async fn token_for_other_query(cluster: &mut TestCluster) -> String {
    let page = cluster
        .query
        .search_events(query_pb::SearchEventsRequest {
            filter: Some(query_pb::EventFilter {
                country: "IRN".into(),
                ..Default::default()
            }),
            page_size: 1,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert!(!page.next_page_token.is_empty());
    page.next_page_token
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn extract_previews_the_coder_without_storing_anything() {
    let mut cluster = TestCluster::start().await.unwrap();
    let response = cluster
        .extraction
        .extract(extraction_pb::ExtractRequest {
            text: "Canada accused Iran on Monday of shielding the crews of two seized tankers."
                .into(),
            published: "2021-03-12".into(),
            doc_id: String::new(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(response.events.len(), 1);
    let event = Event::try_from(response.events[0].clone()).unwrap();
    assert_eq!(
        (event.event_type, event.source.name.as_str()),
        (EventType::Accuse, "Canada")
    );
    assert_eq!(event.date.unwrap().to_string(), "2021-03-08");
    assert_eq!(cluster.cluster.log.head(), 0, "a preview stores nothing");

    let bad_date = cluster
        .extraction
        .extract(extraction_pb::ExtractRequest {
            text: "text".into(),
            published: "12/03/2021".into(),
            doc_id: String::new(),
        })
        .await
        .unwrap_err();
    assert_eq!(bad_date.code(), Code::InvalidArgument);
    cluster.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_server_lists_its_services_through_reflection_and_reports_health() {
    use tonic_reflection::pb::v1::ServerReflectionRequest;
    use tonic_reflection::pb::v1::server_reflection_client::ServerReflectionClient;
    use tonic_reflection::pb::v1::server_reflection_request::MessageRequest;
    use tonic_reflection::pb::v1::server_reflection_response::MessageResponse;

    let cluster = TestCluster::start().await.unwrap();
    let expected = [
        (
            cluster.cluster.ingest_addr,
            "statecraft.ingest.v1.IngestService",
        ),
        (
            cluster.cluster.extraction_addr,
            "statecraft.extraction.v1.ExtractionService",
        ),
        (
            cluster.cluster.query_addr,
            "statecraft.query.v1.QueryService",
        ),
    ];
    for (addr, service) in expected {
        let mut client =
            ServerReflectionClient::new(statecraft_testkit::channel(addr).await.unwrap());
        let request = ServerReflectionRequest {
            host: String::new(),
            message_request: Some(MessageRequest::ListServices(String::new())),
        };
        let mut responses = client
            .server_reflection_info(futures::stream::iter(vec![request]))
            .await
            .unwrap()
            .into_inner();
        let response = responses.next().await.unwrap().unwrap();
        let Some(MessageResponse::ListServicesResponse(list)) = response.message_response else {
            panic!("unexpected reflection response");
        };
        let names: Vec<String> = list.service.into_iter().map(|s| s.name).collect();
        assert!(names.contains(&service.to_owned()), "{names:?}");
        assert!(
            names.contains(&"grpc.health.v1.Health".to_owned()),
            "{names:?}"
        );
        assert!(
            statecraft_cli::cluster::health_status(&addr.to_string(), &Default::default())
                .await
                .unwrap()
        );
    }
    cluster.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restarted_cluster_rebuilds_its_read_model_from_the_file_log() {
    let dir = tempfile::tempdir().unwrap();
    let open = || -> Arc<dyn EventLog> {
        Arc::new(statecraft_eventlog::FileLog::open(dir.path()).unwrap())
    };
    let accepted = {
        let mut cluster = TestCluster::start_with(ClusterConfig::for_test(), open())
            .await
            .unwrap();
        let accepted = cluster.ingest_extracted(ARTICLE).await.unwrap();
        cluster.shutdown().await.unwrap();
        accepted
    };
    let mut cluster = TestCluster::start_with(ClusterConfig::for_test(), open())
        .await
        .unwrap();
    let document = cluster
        .wait_extracted(&accepted.doc_id, accepted.position)
        .await
        .unwrap();
    assert!(!document.events.is_empty(), "events replayed from disk");
    let again = cluster
        .ingest
        .submit_document(submit(ARTICLE))
        .await
        .unwrap()
        .into_inner();
    assert!(again.duplicate, "dedup survives restarts");
    let status = cluster
        .extraction
        .get_status(extraction_pb::GetStatusRequest {})
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        status.processed, 0,
        "nothing is extracted twice after a restart"
    );
    cluster.shutdown().await.unwrap();
}
