//! `TestCluster`: ingest, extraction and query in-process on ephemeral ports over one log,
//! with connected clients, for the end-to-end tests in `e2e/`.

use std::sync::Arc;
use std::time::Duration;

use statecraft_cli::{Cluster, ClusterConfig};
use statecraft_eventlog::{EventLog, MemoryLog};
use statecraft_proto::pb::ingest::v1 as ingest_pb;
use statecraft_proto::pb::query::v1 as query_pb;
use statecraft_proto::{ClientOptions, ExtractionClient, IngestClient, QueryClient};
use statecraft_testkit::ephemeral_listener;

/// A running in-process cluster with clients.
pub struct TestCluster {
    /// The cluster.
    pub cluster: Cluster,
    /// Ingest client.
    pub ingest: IngestClient,
    /// Extraction client.
    pub extraction: ExtractionClient,
    /// Query client.
    pub query: QueryClient,
}

impl TestCluster {
    /// Starts a cluster over a fresh memory log with test configuration.
    pub async fn start() -> anyhow::Result<Self> {
        Self::start_with(ClusterConfig::for_test(), Arc::new(MemoryLog::new())).await
    }

    /// Starts a cluster with the given configuration and log.
    pub async fn start_with(config: ClusterConfig, log: Arc<dyn EventLog>) -> anyhow::Result<Self> {
        Self::start_with_client(config, log, &ClientOptions::default()).await
    }

    /// Starts a cluster whose clients connect with `options` (TLS trust, token).
    pub async fn start_with_client(
        config: ClusterConfig,
        log: Arc<dyn EventLog>,
        options: &ClientOptions,
    ) -> anyhow::Result<Self> {
        let (ingest_listener, _) = ephemeral_listener().await?;
        let (extraction_listener, _) = ephemeral_listener().await?;
        let (query_listener, _) = ephemeral_listener().await?;
        let cluster = Cluster::start_on(
            config,
            log,
            [ingest_listener, extraction_listener, query_listener],
        )?;
        Self::connect(cluster, options).await
    }

    /// Waits until `cluster` serves, then connects clients to it with `options`.
    pub async fn connect(cluster: Cluster, options: &ClientOptions) -> anyhow::Result<Self> {
        cluster.wait_serving(Duration::from_secs(10)).await?;
        let connect = |addr: std::net::SocketAddr| async move {
            statecraft_proto::connect(&addr.to_string(), options).await
        };
        Ok(Self {
            ingest: statecraft_proto::ingest_client(connect(cluster.ingest_addr).await?),
            extraction: statecraft_proto::extraction_client(
                connect(cluster.extraction_addr).await?,
            ),
            query: statecraft_proto::query_client(connect(cluster.query_addr).await?),
            cluster,
        })
    }

    /// Waits (at most ten seconds) until a document has been extracted.
    pub async fn wait_extracted(
        &mut self,
        doc_id: &str,
        position: u64,
    ) -> anyhow::Result<query_pb::GetDocumentResponse> {
        statecraft_cli::client::wait_extracted(
            &mut self.query,
            doc_id,
            position,
            Duration::from_secs(10),
        )
        .await
    }

    /// Submits `text` and waits (at most ten seconds) until its events are queryable; returns
    /// ingest's answer.
    pub async fn ingest_extracted(
        &mut self,
        text: &str,
    ) -> anyhow::Result<ingest_pb::SubmitDocumentResponse> {
        let accepted = self
            .ingest
            .submit_document(ingest_pb::SubmitDocumentRequest {
                text: text.to_owned(),
                ..Default::default()
            })
            .await?
            .into_inner();
        self.wait_extracted(&accepted.doc_id, accepted.position)
            .await?;
        Ok(accepted)
    }

    /// Stops every service and asserts each exited cleanly.
    pub async fn shutdown(self) -> anyhow::Result<()> {
        self.cluster.shutdown().await
    }
}
