//! Where a document's publication date comes from: the caller's field, then the URL's path,
//! then a dateline in the text; the origin is stored on the document in the log.

use std::sync::Arc;

use chrono::TimeZone;
use prost::Message;
use statecraft_eventlog::{EventLog, MemoryLog};
use statecraft_ingest::{Config, IngestService, Submission};
use statecraft_proto::pb::events::v1 as pb;
use statecraft_types::{DateOrigin, Document};

async fn stored(service: &IngestService, log: &MemoryLog, submission: Submission) -> Document {
    let submitted = service.submit(submission).await.expect("accepted");
    let records = log
        .read(submitted.position - 1, 1)
        .await
        .expect("the record is readable");
    let ingested = pb::DocumentIngested::decode(records[0].payload.clone()).expect("decodes");
    Document::try_from(ingested.document.expect("has a document")).expect("valid")
}

/// The stored publication day and origin of a submission.
async fn dated(
    service: &IngestService,
    log: &MemoryLog,
    text: &str,
    url: Option<&str>,
    published_at: Option<chrono::DateTime<chrono::Utc>>,
) -> (Option<String>, DateOrigin) {
    let document = stored(
        service,
        log,
        Submission {
            text: text.to_owned(),
            url: url.map(str::to_owned),
            published_at,
            ..Default::default()
        },
    )
    .await;
    (
        document.published_at.map(|t| t.date_naive().to_string()),
        document.date_origin,
    )
}

#[tokio::test]
async fn the_date_comes_from_the_field_then_the_url_then_a_dateline() {
    let log = Arc::new(MemoryLog::new());
    let service = IngestService::new(Config::for_test(), log.clone());
    let with_dateline = "Harbour talks resume\n\nPosted 3/4/21\n\nThe two port authorities \
                         agreed on Wednesday to share the northern pier.";
    let dated_url = Some("https://example.org/2020/01/02/talks");
    let day = |d: &str| Some(d.to_owned());

    let given = chrono::Utc.with_ymd_and_hms(2021, 3, 1, 8, 0, 0).unwrap();
    let text = format!("{with_dateline} (one)");
    assert_eq!(
        dated(&service, &log, &text, dated_url, Some(given)).await,
        (day("2021-03-01"), DateOrigin::Field)
    );
    let text = format!("{with_dateline} (two)");
    assert_eq!(
        dated(&service, &log, &text, dated_url, None).await,
        (day("2020-01-02"), DateOrigin::Url)
    );
    let text = format!("{with_dateline} (three)");
    let undated_url = Some("https://example.org/story/123");
    assert_eq!(
        dated(&service, &log, &text, undated_url, None).await,
        (day("2021-03-04"), DateOrigin::Dateline)
    );
    let sentence = "Ministers met on 7 October 2019 and agreed to talk again soon.";
    assert_eq!(
        dated(&service, &log, sentence, None, None).await,
        (None, DateOrigin::None),
        "a date in a sentence is no dateline"
    );
}

#[test]
fn records_written_before_origins_were_kept_read_as_unrecorded() {
    let old = pb::Document {
        doc_id: "0123456789abcdef0123456789abcdef".into(),
        text: "An old record.".into(),
        ingested_at: Some(prost_types::Timestamp {
            seconds: 1_600_000_000,
            nanos: 0,
        }),
        ..Default::default()
    };
    let decoded = Document::try_from(old).expect("an old record still decodes");
    assert_eq!(decoded.date_origin, DateOrigin::Unrecorded);
}
