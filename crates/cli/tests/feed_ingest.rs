//! `statecraft ingest` on a JSON-lines feed against a running in-process cluster: every good
//! record becomes a document with its URL, title, outlet and date (and the date's origin),
//! the bad one is reported with its line, and the exit code says some were rejected.

use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use prost::Message;
use statecraft_cli::{Cluster, ClusterConfig};
use statecraft_eventlog::{EventLog, MemoryLog};
use statecraft_proto::pb::events::v1::{DocumentIngested, RecordType};
use statecraft_types::{DateOrigin, Document};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_feed_goes_in_with_its_metadata() {
    let log = Arc::new(MemoryLog::new());
    let cluster = Cluster::start(ClusterConfig::for_test(), log.clone())
        .await
        .unwrap();
    cluster.wait_serving(Duration::from_secs(10)).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let feed = dir.path().join("wire.ndjson");
    let records = [
        r#"{"link": "https://example.org/2020/06/30/pier", "headline": "Ports share a pier", "body": "The two port authorities agreed on Tuesday to share the northern pier.", "domain": "example.org"}"#,
        r#"{"text": "Norway expelled a trade attache on Friday.", "seendate": "20210305T081500Z", "source": "Example Wire"}"#,
        r#"{"headline": "a record with nothing to read"}"#,
    ];
    std::fs::write(&feed, records.join("\n")).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_statecraft"))
        .args([
            "ingest",
            "--addr",
            &cluster.ingest_addr.to_string(),
            "--json",
        ])
        .arg(&feed)
        .env_remove("STATECRAFT_TOKEN")
        .env_remove("STATECRAFT_TLS_CA")
        .output()
        .expect("the binary runs");
    assert_eq!(output.status.code(), Some(2), "some records were rejected");
    let summary: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("a JSON summary");
    assert_eq!(summary["accepted"], 2, "{summary}");
    assert_eq!(summary["rejected"], 1, "{summary}");
    let error = summary["errors"][0].as_str().unwrap_or_default();
    assert!(error.contains("wire.ndjson:3: no text"), "{error}");

    let mut documents: Vec<Document> = log
        .read(0, 100)
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.record_type == DocumentIngested::TYPE)
        .map(|r| {
            let ingested = DocumentIngested::decode(r.payload).unwrap();
            Document::try_from(ingested.document.unwrap()).unwrap()
        })
        .collect();
    documents.sort_by_key(|d| d.url.is_none());
    assert_eq!(documents.len(), 2);
    let pier = &documents[0];
    assert_eq!(
        pier.url.as_deref(),
        Some("https://example.org/2020/06/30/pier")
    );
    assert_eq!(pier.title.as_deref(), Some("Ports share a pier"));
    assert_eq!(pier.source.as_deref(), Some("example.org"));
    assert_eq!(pier.date_origin, DateOrigin::Url);
    assert_eq!(
        pier.published_at.map(|t| t.date_naive().to_string()),
        Some("2020-06-30".to_owned())
    );
    let expulsion = &documents[1];
    assert_eq!(expulsion.date_origin, DateOrigin::Field);
    assert_eq!(
        expulsion.published_at.map(|t| t.to_rfc3339()),
        Some("2021-03-05T08:15:00+00:00".to_owned())
    );
    assert_eq!(expulsion.source.as_deref(), Some("Example Wire"));
    cluster.shutdown().await.unwrap();
}
