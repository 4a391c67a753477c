//! The analysts' questions: sanctions status (as of a date), timelines and relations.

use statecraft_e2e::TestCluster;
use statecraft_proto::pb::query::v1 as query_pb;
use tonic::Code;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn analysts_get_sanctions_status_timelines_and_relations_from_event_dates() {
    let mut cluster = TestCluster::start().await.unwrap();
    let corpus = [
        "Brussels moves against Minsk\n\nFri Mar 15, 2019 10:00AM\n\nThe European Union imposed sanctions on Belarus on Monday, diplomats said.\n",
        "Ottawa warns Minsk\n\nFri Jun 12, 2020 10:00AM\n\nCanada threatened sanctions against Belarus on Wednesday over the crackdown.\n",
        "Brussels relents\n\nFri Sep 17, 2021 10:00AM\n\nThe European Union lifted its sanctions on Belarus on Tuesday after the prisoners were freed.\n",
    ];
    let mut last = 0;
    for text in corpus {
        last = cluster.ingest_extracted(text).await.unwrap().position;
    }

    let status = |as_of: &str| query_pb::SanctionsStatusRequest {
        target: "Belarus".into(),
        as_of: as_of.into(),
        min_position: last,
        ..Default::default()
    };
    let now = cluster
        .query
        .sanctions_status(status(""))
        .await
        .unwrap()
        .into_inner();
    let by_side: Vec<(String, i32, String, usize)> = now
        .entries
        .iter()
        .map(|e| {
            (
                e.source_country.clone(),
                e.state,
                e.since.clone(),
                e.evidence.len(),
            )
        })
        .collect();
    assert_eq!(
        by_side,
        vec![
            (
                "EUR".to_owned(),
                query_pb::SanctionState::Lifted as i32,
                "2021-09-14".to_owned(),
                2
            ),
            (
                "CAN".to_owned(),
                query_pb::SanctionState::Threatened as i32,
                "2020-06-10".to_owned(),
                1
            ),
        ]
    );
    let back_then = cluster
        .query
        .sanctions_status(status("2020-01-01"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(back_then.entries.len(), 1, "only what had happened by then");
    assert_eq!(
        back_then.entries[0].state,
        query_pb::SanctionState::Imposed as i32
    );
    assert_eq!(back_then.entries[0].since, "2019-03-11");
    let bad = cluster
        .query
        .sanctions_status(status("last year"))
        .await
        .unwrap_err();
    assert_eq!(bad.code(), Code::InvalidArgument);

    let timeline = cluster
        .query
        .actor_timeline(query_pb::ActorTimelineRequest {
            actor: "BLR".into(),
            page_size: 2,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let dates: Vec<String> = timeline.events.iter().map(|e| e.date.clone()).collect();
    assert_eq!(dates, vec!["2019-03-11", "2020-06-10"], "oldest first");
    assert_eq!(timeline.total_size, 3);
    let rest = cluster
        .query
        .actor_timeline(query_pb::ActorTimelineRequest {
            actor: "BLR".into(),
            page_size: 2,
            page_token: timeline.next_page_token,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(rest.events.len(), 1);
    assert!(rest.next_page_token.is_empty());

    let relations = cluster
        .query
        .relations(query_pb::RelationsRequest {
            actor_a: "EUR".into(),
            actor_b: "Belarus".into(),
            bucket: query_pb::Bucket::Year as i32,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    let periods: Vec<(&str, f64, f64, u64)> = relations
        .buckets
        .iter()
        .map(|b| (b.period.as_str(), b.cooperation, b.conflict, b.a_to_b))
        .collect();
    assert_eq!(periods, vec![("2019", 0.0, 8.0, 1), ("2021", 7.0, 0.0, 1)]);
    assert_eq!(relations.total_events, 2);
    let missing_actor = cluster
        .query
        .relations(query_pb::RelationsRequest::default())
        .await
        .unwrap_err();
    assert_eq!(missing_actor.code(), Code::InvalidArgument);
    cluster.shutdown().await.unwrap();
}
