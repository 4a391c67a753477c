//! Incidents across documents, re-extraction by a newer coder, and export, over gRPC.

use std::sync::Arc;

use bytes::Bytes;
use futures::StreamExt;
use prost::Message;
use statecraft_cli::ClusterConfig;
use statecraft_e2e::TestCluster;
use statecraft_eventlog::{EventLog, ExpectedVersion, MemoryLog, NewRecord, RecordId};
use statecraft_proto::pb::events::v1::{self as events_pb, RecordType};
use statecraft_proto::pb::extraction::v1 as extraction_pb;
use statecraft_proto::pb::query::v1 as query_pb;
use tonic::Code;

use super::{ARTICLE, submit};

fn sanctions_filter() -> query_pb::EventFilter {
    query_pb::EventFilter {
        types: vec![events_pb::EventType::SanctionImpose as i32],
        ..Default::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reports_of_one_event_in_two_documents_form_one_incident() {
    let mut cluster = TestCluster::start().await.unwrap();
    let corpus = [
        "Washington targets Tehran again\n\nWed Mar 10, 2021 09:00AM\n\nThe United States imposed sanctions on Iran on Tuesday over its missile tests.\n",
        "New measures against Iran\n\nThu Mar 11, 2021 18:30PM\n\nWashington imposed new sanctions on Iran on Wednesday, the Treasury said in a statement.\n",
        "A later round\n\nMon Jun 14, 2021 08:00AM\n\nThe United States imposed sanctions on Iran on Friday after the talks stalled.\n",
    ];
    let mut last = 0;
    for text in corpus {
        last = cluster.ingest_extracted(text).await.unwrap().position;
    }
    let events = cluster
        .query
        .search_events(query_pb::SearchEventsRequest {
            filter: Some(sanctions_filter()),
            min_position: last,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(events.total_size, 3, "three reports: {:?}", events.events);

    let incidents = cluster
        .query
        .search_incidents(query_pb::SearchIncidentsRequest {
            filter: Some(sanctions_filter()),
            min_position: last,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(incidents.total_size, 2, "{:#?}", incidents.incidents);
    let [june, march] = incidents.incidents.as_slice() else {
        panic!("two incidents, newest first");
    };
    assert_eq!((june.document_count, june.events.len()), (1, 1));
    assert_eq!((march.document_count, march.events.len()), (2, 2));
    assert_eq!(
        (march.date_from.as_str(), march.date_to.as_str()),
        ("2021-03-09", "2021-03-10")
    );
    assert_eq!(march.source.as_ref().unwrap().country, "USA");
    assert_eq!(march.targets[0].country, "IRN");
    assert!(march.incident_id.starts_with("inc-"));
    let stats = cluster
        .query
        .get_stats(query_pb::GetStatsRequest { min_position: last })
        .await
        .unwrap()
        .into_inner();
    assert!(stats.incidents >= 2 && stats.incidents < stats.events);

    // Pages of incidents follow AIP-158 like every list.
    let first = cluster
        .query
        .search_incidents(query_pb::SearchIncidentsRequest {
            filter: Some(sanctions_filter()),
            page_size: 1,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(first.incidents[0].incident_id, june.incident_id);
    let second = cluster
        .query
        .search_incidents(query_pb::SearchIncidentsRequest {
            filter: Some(sanctions_filter()),
            page_size: 1,
            page_token: first.next_page_token.clone(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(second.incidents[0].incident_id, march.incident_id);
    assert!(second.next_page_token.is_empty());
    let wrong = cluster
        .query
        .search_incidents(query_pb::SearchIncidentsRequest {
            page_token: first.next_page_token,
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(wrong.code(), Code::InvalidArgument);
    cluster.shutdown().await.unwrap();
}

/// An `EventsExtracted` from an older coder version, with an event the current coder would
/// never produce for the article.
fn old_extraction(doc_id: &str, template: &events_pb::Event) -> NewRecord {
    let old_version = "statecraft-coder/0.0.9";
    let event = events_pb::Event {
        event_id: statecraft_types::event_id(doc_id, old_version, 0),
        coder_version: old_version.to_owned(),
        r#type: events_pb::EventType::Meet as i32,
        cameo_code: "040".to_owned(),
        ..template.clone()
    };
    NewRecord {
        id: RecordId::derive(&[b"old", doc_id.as_bytes()]),
        record_type: events_pb::EventsExtracted::TYPE.to_owned(),
        metadata: Vec::new(),
        payload: Bytes::from(
            events_pb::EventsExtracted {
                doc_id: doc_id.to_owned(),
                coder_version: old_version.to_owned(),
                events: vec![event],
            }
            .encode_to_vec(),
        ),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reprocess_replaces_the_events_of_an_older_coder_everywhere() {
    // Workers off: documents stay as an older deployment left them until Reprocess.
    let mut config = ClusterConfig::for_test();
    config.extraction.workers = 0;
    let log: Arc<dyn EventLog> = Arc::new(MemoryLog::new());
    let mut cluster = TestCluster::start_with(config, log.clone()).await.unwrap();
    let accepted = cluster
        .ingest
        .submit_document(submit(ARTICLE))
        .await
        .unwrap()
        .into_inner();
    let preview = cluster
        .extraction
        .extract(extraction_pb::ExtractRequest {
            text: ARTICLE.to_owned(),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let old = old_extraction(&accepted.doc_id, &preview.events[0]);
    let old_position = log
        .append(
            &format!("doc-{}", accepted.doc_id),
            ExpectedVersion::Any,
            vec![old],
        )
        .await
        .unwrap()
        .last_position;
    let document = |min_position| query_pb::GetDocumentRequest {
        doc_id: accepted.doc_id.clone(),
        min_position,
    };
    let before = cluster
        .query
        .get_document(document(old_position))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(before.coder_version, "statecraft-coder/0.0.9");
    assert_eq!(before.events.len(), 1);

    let done = cluster
        .extraction
        .reprocess(extraction_pb::ReprocessRequest {
            doc_ids: vec![accepted.doc_id.clone()],
            all: false,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!((done.reprocessed, done.already_current), (1, 0));
    assert!(done.position > old_position);
    let after = cluster
        .query
        .get_document(document(done.position))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(after.coder_version, preview.coder_version);
    assert_eq!(after.events.len(), preview.events.len());
    let old_id = &before.events[0].event_id;
    assert!(after.events.iter().all(|e| &e.event_id != old_id));

    // No read model shows the old event any more.
    let meets = cluster
        .query
        .search_events(query_pb::SearchEventsRequest {
            filter: Some(query_pb::EventFilter {
                types: vec![events_pb::EventType::Meet as i32],
                ..Default::default()
            }),
            min_position: done.position,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(meets.total_size, 0);
    let gone = cluster
        .query
        .get_event(query_pb::GetEventRequest {
            event_id: old_id.clone(),
            min_position: done.position,
        })
        .await
        .unwrap_err();
    assert_eq!(gone.code(), Code::NotFound);
    let exported: Vec<_> = cluster
        .query
        .export_events(query_pb::ExportEventsRequest {
            min_position: done.position,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner()
        .map(|item| item.unwrap().event.unwrap().coder_version)
        .collect()
        .await;
    assert_eq!(exported.len(), preview.events.len());
    assert!(exported.iter().all(|v| *v == preview.coder_version));

    // Again: nothing to do. `all` finds nothing either; an unknown id is reported.
    let again = cluster
        .extraction
        .reprocess(extraction_pb::ReprocessRequest {
            doc_ids: vec![accepted.doc_id.clone(), "0".repeat(32)],
            all: false,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!((again.reprocessed, again.already_current), (0, 1));
    assert_eq!(again.not_found, vec!["0".repeat(32)]);
    let all = cluster
        .extraction
        .reprocess(extraction_pb::ReprocessRequest {
            doc_ids: Vec::new(),
            all: true,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (all.reprocessed, all.already_current),
        (0, 1),
        "the one document is current"
    );
    for bad in [
        extraction_pb::ReprocessRequest::default(),
        extraction_pb::ReprocessRequest {
            doc_ids: vec!["not an id".into()],
            all: false,
        },
        extraction_pb::ReprocessRequest {
            doc_ids: vec![accepted.doc_id.clone()],
            all: true,
        },
    ] {
        let status = cluster.extraction.reprocess(bad).await.unwrap_err();
        assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
    }
    cluster.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_streams_matching_events_with_their_sources() {
    let mut cluster = TestCluster::start().await.unwrap();
    let mut request = submit(ARTICLE);
    request.url = "https://example.org/japan-sanctions".into();
    request.source = "Example Wire".into();
    let accepted = cluster
        .ingest
        .submit_document(request)
        .await
        .unwrap()
        .into_inner();
    let document = cluster
        .wait_extracted(&accepted.doc_id, accepted.position)
        .await
        .unwrap();
    let exported: Vec<_> = cluster
        .query
        .export_events(query_pb::ExportEventsRequest {
            filter: Some(sanctions_filter()),
            min_position: accepted.position,
        })
        .await
        .unwrap()
        .into_inner()
        .map(Result::unwrap)
        .collect()
        .await;
    let sanctions = document
        .events
        .iter()
        .filter(|e| e.r#type == events_pb::EventType::SanctionImpose as i32)
        .count();
    assert!(sanctions > 0);
    assert_eq!(exported.len(), sanctions);
    for item in &exported {
        assert_eq!(item.source_url, "https://example.org/japan-sanctions");
        assert_eq!(item.publisher, "Example Wire");
        assert_eq!(item.published, "2021-03-12");
    }
    let bad = cluster
        .query
        .export_events(query_pb::ExportEventsRequest {
            filter: Some(query_pb::EventFilter {
                date_from: "someday".into(),
                ..Default::default()
            }),
            min_position: 0,
        })
        .await
        .unwrap_err();
    assert_eq!(bad.code(), Code::InvalidArgument);
    cluster.shutdown().await.unwrap();
}
