//! Issue 17, item 1: grpcio sends each small message of a client stream as its own small
//! HTTP/2 DATA frame. With hyper's default 1 MiB windows, a stream of tiny documents that the
//! service read more slowly than they came made h2 close the connection with GOAWAY
//! ENHANCE_YOUR_CALM "too_many_data_frames" after about 2,800 of them, and the documents
//! already stored got no answer. This client frames messages the same way, as fast as flow
//! control lets it.

use std::future::poll_fn;

use bytes::Bytes;
use prost::Message;
use statecraft_e2e::TestCluster;
use statecraft_proto::pb::ingest::v1 as ingest_pb;

/// One gRPC length-prefixed message.
fn grpc_frame(message: &impl Message) -> Bytes {
    let body = message.encode_to_vec();
    let mut frame = Vec::with_capacity(body.len() + 5);
    frame.push(0);
    frame.extend_from_slice(&(body.len() as u32).to_be_bytes());
    frame.extend_from_slice(&body);
    Bytes::from(frame)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_of_tiny_frames_is_answered_in_full() {
    const DOCUMENTS: usize = 20_000;
    let cluster = TestCluster::start().await.unwrap();
    let addr = cluster.cluster.ingest_addr;
    let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (client, connection) = h2::client::handshake(tcp).await.unwrap();
    let connection = tokio::spawn(connection);
    let mut client = client.ready().await.unwrap();
    let request = http::Request::builder()
        .method("POST")
        .uri(format!(
            "http://{addr}/statecraft.ingest.v1.IngestService/SubmitDocuments"
        ))
        .header("content-type", "application/grpc")
        .header("te", "trailers")
        .body(())
        .unwrap();
    let (response, mut sender) = client.send_request(request, false).unwrap();
    for n in 0..DOCUMENTS {
        let frame = grpc_frame(&ingest_pb::SubmitDocumentRequest {
            text: format!("Tiny note {n} on the ferry timetable."),
            ..Default::default()
        });
        sender.reserve_capacity(frame.len());
        while sender.capacity() < frame.len() {
            poll_fn(|cx| sender.poll_capacity(cx))
                .await
                .expect("the connection stays open")
                .expect("flow control capacity");
        }
        sender.send_data(frame, false).expect("frame sent");
    }
    sender.send_data(Bytes::new(), true).unwrap();
    let response = response.await.expect("an answer, not a GOAWAY");
    assert_eq!(response.status(), 200);
    let mut body = response.into_body();
    let mut answer = Vec::new();
    while let Some(chunk) = body.data().await {
        let chunk = chunk.unwrap();
        let _ = body.flow_control().release_capacity(chunk.len());
        answer.extend_from_slice(&chunk);
    }
    let trailers = body.trailers().await.unwrap().expect("grpc trailers");
    assert_eq!(
        trailers.get("grpc-status").map(|v| v.as_bytes()),
        Some(&b"0"[..]),
        "{trailers:?}"
    );
    assert!(answer.len() > 5, "a response message");
    let summary = ingest_pb::SubmitDocumentsResponse::decode(&answer[5..]).unwrap();
    assert_eq!(summary.accepted as usize, DOCUMENTS);
    assert_eq!(summary.results.len(), DOCUMENTS);
    drop(client);
    connection.abort();
    cluster.shutdown().await.unwrap();
}
