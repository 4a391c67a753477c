//! OTLP export, against a collector faked in the test: a span that continues a document's
//! trace reaches the collector with that trace id and the caller's span as its parent.

use std::sync::{Arc, Mutex};

use opentelemetry_proto::tonic::collector::trace::v1::trace_service_server::{
    TraceService, TraceServiceServer,
};
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use opentelemetry_proto::tonic::trace::v1::Span;
use statecraft_runtime::telemetry::{otlp_layer, otlp_provider};
use statecraft_runtime::trace::{TraceParent, continue_in};
use tracing_subscriber::layer::SubscriberExt;

#[derive(Clone, Default)]
struct Collector {
    spans: Arc<Mutex<Vec<(String, Span)>>>,
}

#[tonic::async_trait]
impl TraceService for Collector {
    async fn export(
        &self,
        request: tonic::Request<ExportTraceServiceRequest>,
    ) -> Result<tonic::Response<ExportTraceServiceResponse>, tonic::Status> {
        let mut spans = self.spans.lock().unwrap();
        for resource in request.into_inner().resource_spans {
            let service = format!("{:?}", resource.resource);
            for scope in resource.scope_spans {
                spans.extend(scope.spans.into_iter().map(|s| (service.clone(), s)));
            }
        }
        Ok(tonic::Response::new(ExportTraceServiceResponse::default()))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spans_that_continue_a_trace_reach_the_collector_with_its_ids() {
    let collector = Collector::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(
        tonic::transport::Server::builder()
            .add_service(TraceServiceServer::new(collector.clone()))
            .serve_with_incoming(tokio_stream::wrappers::TcpListenerStream::new(listener)),
    );

    let provider = otlp_provider("statecraft-test", &format!("http://{addr}")).unwrap();
    let subscriber = tracing_subscriber::registry().with(otlp_layer(&provider, "statecraft-test"));
    let parent: TraceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
        .parse()
        .unwrap();
    let handed_on = tracing::subscriber::with_default(subscriber, || {
        let span = tracing::info_span!("extract");
        let handed_on = continue_in(&span, Some(parent));
        span.in_scope(|| tracing::info!("working"));
        handed_on
    });
    assert_eq!(handed_on.trace_id, parent.trace_id);
    assert_ne!(handed_on.span_id, parent.span_id);

    tokio::task::spawn_blocking(move || provider.shutdown())
        .await
        .unwrap()
        .unwrap();
    let spans = collector.spans.lock().unwrap().clone();
    let (service, span) = spans
        .iter()
        .find(|(_, s)| s.name == "extract")
        .unwrap_or_else(|| panic!("no span exported: {spans:?}"));
    assert!(service.contains("statecraft-test"), "{service}");
    assert_eq!(span.trace_id, parent.trace_id.to_be_bytes().to_vec());
    assert_eq!(span.parent_span_id, parent.span_id.to_be_bytes().to_vec());
    assert_eq!(span.span_id, handed_on.span_id.to_be_bytes().to_vec());
    server.abort();
}
