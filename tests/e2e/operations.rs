//! What operators rely on: the bearer token, TLS, the metrics endpoint, and one trace id from
//! SubmitDocument through extraction to a Subscribe delivery.

use std::collections::BTreeMap;
use std::sync::Arc;

use futures::StreamExt;
use statecraft_cli::{Cluster, ClusterConfig};
use statecraft_e2e::TestCluster;
use statecraft_eventlog::{EventLog, MemoryLog};
use statecraft_proto::ClientOptions;
use statecraft_proto::pb::extraction::v1 as extraction_pb;
use statecraft_proto::pb::query::v1 as query_pb;
use statecraft_runtime::trace::TraceParent;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tonic::Code;

use super::{ARTICLE, submit};

const TOKEN: &str = "correct-horse-battery-staple";

fn guarded(mut config: ClusterConfig) -> ClusterConfig {
    for server in [
        &mut config.ingest.server,
        &mut config.extraction.server,
        &mut config.query.server,
    ] {
        server.auth_token = Some(TOKEN.into());
    }
    config
}

async fn connect(
    addr: std::net::SocketAddr,
    options: ClientOptions,
) -> statecraft_proto::Connection {
    statecraft_proto::connect(&addr.to_string(), &options)
        .await
        .unwrap()
}

/// Whether a query call with `options` fails, at connection or at the call.
async fn refused(addr: std::net::SocketAddr, options: &ClientOptions) -> bool {
    match statecraft_proto::connect(&addr.to_string(), options).await {
        Err(_) => true,
        Ok(connection) => statecraft_proto::query_client(connection)
            .get_stats(query_pb::GetStatsRequest::default())
            .await
            .is_err(),
    }
}

fn with_token(token: &str) -> ClientOptions {
    ClientOptions {
        token: Some(token.into()),
        ..Default::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_guards_every_service_while_health_and_reflection_stay_open() {
    let log = Arc::new(MemoryLog::new());
    // The harness checks health without a token: it must stay open for probes.
    let mut anonymous = TestCluster::start_with(guarded(ClusterConfig::for_test()), log.clone())
        .await
        .unwrap();

    let missing = anonymous
        .ingest
        .submit_document(submit(ARTICLE))
        .await
        .unwrap_err();
    assert_eq!(missing.code(), Code::Unauthenticated, "{missing:?}");
    assert!(missing.message().contains("bearer token"), "{missing:?}");
    let stats = anonymous
        .query
        .get_stats(query_pb::GetStatsRequest::default())
        .await
        .unwrap_err();
    assert_eq!(stats.code(), Code::Unauthenticated);
    let status = anonymous
        .extraction
        .get_status(extraction_pb::GetStatusRequest {})
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Unauthenticated);
    assert_eq!(log.head(), 0, "a rejected call appends nothing");

    let mut wrong = statecraft_proto::ingest_client(
        connect(anonymous.cluster.ingest_addr, with_token("correct-horse")).await,
    );
    let rejected = wrong.submit_document(submit(ARTICLE)).await.unwrap_err();
    assert_eq!(rejected.code(), Code::Unauthenticated);
    assert!(rejected.message().contains("invalid"), "{rejected:?}");
    assert_eq!(log.head(), 0);

    // Reflection answers without a token (grpcurl needs it before it can send one).
    let mut reflection =
        tonic_reflection::pb::v1::server_reflection_client::ServerReflectionClient::new(
            connect(anonymous.cluster.query_addr, ClientOptions::default())
                .await
                .channel(),
        );
    let request = tonic_reflection::pb::v1::ServerReflectionRequest {
        host: String::new(),
        message_request: Some(
            tonic_reflection::pb::v1::server_reflection_request::MessageRequest::ListServices(
                String::new(),
            ),
        ),
    };
    let mut answers = reflection
        .server_reflection_info(futures::stream::iter([request]))
        .await
        .unwrap()
        .into_inner();
    let listed = format!("{:?}", answers.next().await.unwrap().unwrap());
    assert!(
        listed.contains("statecraft.query.v1.QueryService"),
        "{listed}"
    );

    let mut authorized = TestCluster::connect(anonymous.cluster, &with_token(TOKEN))
        .await
        .unwrap();
    let accepted = authorized
        .ingest
        .submit_document(submit(ARTICLE))
        .await
        .unwrap()
        .into_inner();
    let document = authorized
        .wait_extracted(&accepted.doc_id, accepted.position)
        .await
        .unwrap();
    assert!(!document.events.is_empty(), "the right token gets answers");
    authorized.cluster.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_round_trip_with_a_certificate_generated_in_the_test() {
    let dir = tempfile::tempdir().unwrap();
    let generated =
        rcgen::generate_simple_self_signed(vec!["localhost".into(), "127.0.0.1".into()]).unwrap();
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    std::fs::write(&cert, generated.cert.pem()).unwrap();
    std::fs::write(&key, generated.signing_key.serialize_pem()).unwrap();
    let mut config = guarded(ClusterConfig::for_test());
    for server in [
        &mut config.ingest.server,
        &mut config.extraction.server,
        &mut config.query.server,
    ] {
        server.tls_cert = Some(cert.clone());
        server.tls_key = Some(key.clone());
    }
    let trusted = ClientOptions {
        ca_pem: Some(generated.cert.pem().into_bytes()),
        token: Some(TOKEN.into()),
        tls_domain: None,
    };
    let mut cluster = TestCluster::start_with_client(config, Arc::new(MemoryLog::new()), &trusted)
        .await
        .unwrap();
    let accepted = cluster.ingest_extracted(ARTICLE).await.unwrap();
    let document = cluster
        .query
        .get_document(query_pb::GetDocumentRequest {
            doc_id: accepted.doc_id.clone(),
            min_position: accepted.position,
        })
        .await
        .unwrap()
        .into_inner();
    assert!(!document.events.is_empty(), "events travel over TLS");

    // A plaintext client cannot talk to a TLS server.
    let addr = cluster.cluster.query_addr;
    assert!(
        refused(addr, &with_token(TOKEN)).await,
        "plaintext must not reach a TLS server"
    );
    // Nor can a client that trusts another certificate.
    let other = rcgen::generate_simple_self_signed(vec!["127.0.0.1".into()]).unwrap();
    let distrusting = ClientOptions {
        ca_pem: Some(other.cert.pem().into_bytes()),
        ..trusted.clone()
    };
    assert!(
        refused(addr, &distrusting).await,
        "an unknown certificate must be refused"
    );
    cluster.cluster.shutdown().await.unwrap();
}

/// One sample line of the Prometheus text format: name, labels, value.
type Sample = (String, BTreeMap<String, String>, f64);

/// Parses the Prometheus text exposition format strictly enough that a malformed line fails
/// the test.
fn parse_prometheus(text: &str) -> Vec<Sample> {
    let mut samples = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        if let Some(comment) = line.strip_prefix('#') {
            let words: Vec<&str> = comment.split_whitespace().collect();
            assert!(
                matches!(words.first(), Some(&"TYPE") | Some(&"HELP")),
                "unexpected comment {line:?}"
            );
            continue;
        }
        let (series, value) = line.rsplit_once(' ').expect("a sample has a value");
        let value: f64 = value
            .parse()
            .unwrap_or_else(|_| panic!("bad value in {line:?}"));
        let (name, labels) = match series.split_once('{') {
            Some((name, rest)) => {
                let body = rest.strip_suffix('}').expect("labels close");
                let labels = body
                    .split("\",")
                    .filter(|pair| !pair.is_empty())
                    .map(|pair| {
                        let (key, value) = pair.split_once("=\"").expect("label=\"value\"");
                        (key.to_owned(), value.trim_end_matches('"').to_owned())
                    })
                    .collect();
                (name, labels)
            }
            None => (series, BTreeMap::new()),
        };
        assert!(
            name.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':'),
            "bad metric name {name:?}"
        );
        samples.push((name.to_owned(), labels, value));
    }
    samples
}

async fn http_get(addr: std::net::SocketAddr, path: &str) -> String {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(format!("GET {path} HTTP/1.0\r\nHost: {addr}\r\n\r\n").as_bytes())
        .await
        .unwrap();
    let mut response = String::new();
    tokio::time::timeout(
        std::time::Duration::from_secs(10),
        stream.read_to_string(&mut response),
    )
    .await
    .expect("the metrics endpoint answers")
    .unwrap();
    response
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_metrics_endpoint_is_scraped_and_parsed() {
    let mut config = ClusterConfig::for_test();
    config.query.server.metrics_listen = Some("127.0.0.1:0".parse().unwrap());
    let cluster = Cluster::start(config, Arc::new(MemoryLog::new()))
        .await
        .unwrap();
    let metrics_addr = cluster.metrics_addrs[0];
    let mut cluster = TestCluster::connect(cluster, &ClientOptions::default())
        .await
        .unwrap();
    let accepted = cluster.ingest_extracted(ARTICLE).await.unwrap();
    let _ = cluster
        .query
        .get_event(query_pb::GetEventRequest {
            event_id: "no-such-event".into(),
            min_position: 0,
        })
        .await;

    let response = http_get(metrics_addr, "/metrics").await;
    let (head, body) = response.split_once("\r\n\r\n").expect("an HTTP response");
    assert!(
        head.starts_with("HTTP/1.0 200") || head.starts_with("HTTP/1.1 200"),
        "{head}"
    );
    assert!(
        head.to_lowercase().contains("content-type: text/plain"),
        "{head}"
    );
    let samples = parse_prometheus(body);
    let value = |name: &str, wanted: &[(&str, &str)]| -> f64 {
        samples
            .iter()
            .filter(|(n, labels, _)| {
                n == name
                    && wanted
                        .iter()
                        .all(|(k, v)| labels.get(*k).map(String::as_str) == Some(*v))
            })
            .map(|(_, _, v)| *v)
            .sum()
    };
    let submit_method = "/statecraft.ingest.v1.IngestService/SubmitDocument";
    assert!(
        value(
            "statecraft_rpc_requests_total",
            &[("method", submit_method), ("code", "Ok")]
        ) >= 1.0
    );
    assert!(
        value(
            "statecraft_rpc_requests_total",
            &[
                ("method", "/statecraft.query.v1.QueryService/GetEvent"),
                ("code", "NotFound")
            ]
        ) >= 1.0,
        "failures count under their code"
    );
    assert!(
        value(
            "statecraft_rpc_duration_seconds_count",
            &[("method", submit_method)]
        ) >= 1.0
    );
    assert!(
        samples.iter().any(
            |(n, labels, _)| n == "statecraft_rpc_duration_seconds_bucket"
                && labels.get("le").is_some()
        ),
        "latency is a histogram"
    );
    assert!(value("statecraft_log_appends_total", &[("backend", "memory")]) >= 2.0);
    assert!(value("statecraft_coder_documents_total", &[]) >= 1.0);
    assert!(value("statecraft_coder_events_total", &[]) >= 1.0);
    assert!(value("statecraft_projection_position", &[]) >= accepted.position as f64);

    let missing = http_get(metrics_addr, "/nothing").await;
    assert!(missing.contains(" 404 "), "{missing}");
    cluster.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_trace_id_from_submit_through_extraction_to_a_subscribe_delivery() {
    let log = Arc::new(MemoryLog::new());
    let mut cluster = TestCluster::start_with(ClusterConfig::for_test(), log.clone())
        .await
        .unwrap();
    let mut feed = cluster
        .query
        .subscribe(query_pb::SubscribeRequest::default())
        .await
        .unwrap()
        .into_inner();

    let caller: TraceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
        .parse()
        .unwrap();
    let mut request = tonic::Request::new(submit(ARTICLE));
    request
        .metadata_mut()
        .insert("traceparent", caller.to_string().parse().unwrap());
    let accepted = cluster
        .ingest
        .submit_document(request)
        .await
        .unwrap()
        .into_inner();

    let delivered = loop {
        let item = tokio::time::timeout(std::time::Duration::from_secs(10), feed.next())
            .await
            .expect("an event arrives")
            .unwrap()
            .unwrap();
        if !item.heartbeat {
            break item;
        }
    };
    let delivered: TraceParent = delivered.traceparent.parse().unwrap();
    assert_eq!(delivered.trace_id, caller.trace_id, "same trace at the end");

    // Each hop in the log: same trace id, its own span.
    let records = log.read(0, 100).await.unwrap();
    let traces: Vec<TraceParent> = records
        .iter()
        .map(|r| r.metadata_value("traceparent").unwrap().parse().unwrap())
        .collect();
    assert_eq!(records.len(), 2, "the document and its extraction");
    assert!(traces.iter().all(|t| t.trace_id == caller.trace_id));
    assert!(traces.iter().all(|t| t.span_id != caller.span_id));
    assert_ne!(traces[0].span_id, traces[1].span_id);
    assert_eq!(
        delivered, traces[1],
        "delivered with the extraction's context"
    );

    // Without a caller trace, ingest starts one, and extraction continues it.
    let second = cluster
        .ingest_extracted("Canada accused Iran of hostage diplomacy on Monday.\n")
        .await
        .unwrap();
    assert!(second.position > accepted.position);
    let later = log.read(accepted.position + 1, 100).await.unwrap();
    let started: Vec<TraceParent> = later
        .iter()
        .map(|r| r.metadata_value("traceparent").unwrap().parse().unwrap())
        .collect();
    assert_eq!(started.len(), 2);
    assert_eq!(started[0].trace_id, started[1].trace_id);
    assert_ne!(started[0].trace_id, caller.trace_id);
    cluster.cluster.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_deadline_cap_ends_slow_calls_but_not_streams() {
    let mut config = ClusterConfig::for_test();
    config.query.server.max_request_secs = 1;
    config.query.min_position_wait_ms = 10_000;
    config.query.heartbeat_secs = 1;
    let mut cluster = TestCluster::start_with(config, Arc::new(MemoryLog::new()))
        .await
        .unwrap();
    let started = std::time::Instant::now();
    let capped = cluster
        .query
        .get_stats(query_pb::GetStatsRequest {
            min_position: u64::MAX,
        })
        .await
        .unwrap_err();
    assert!(
        started.elapsed() < std::time::Duration::from_secs(5),
        "the cap, not the 10 s wait, ended the call: {capped:?}"
    );
    assert!(
        matches!(capped.code(), Code::Cancelled | Code::DeadlineExceeded),
        "{capped:?}"
    );

    // A subscription outlives the cap: heartbeats keep coming after it.
    let mut feed = cluster
        .query
        .subscribe(query_pb::SubscribeRequest::default())
        .await
        .unwrap()
        .into_inner();
    let mut heartbeats = 0;
    while started.elapsed() < std::time::Duration::from_secs(8) && heartbeats < 3 {
        let item = tokio::time::timeout(std::time::Duration::from_secs(5), feed.message())
            .await
            .expect("a heartbeat within the interval")
            .expect("the stream stays open past the deadline cap")
            .expect("the stream has not ended");
        heartbeats += usize::from(item.heartbeat);
    }
    assert_eq!(heartbeats, 3, "three heartbeats over three seconds");
    cluster.cluster.shutdown().await.unwrap();
}
