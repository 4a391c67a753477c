//! Client constructors: message limits are set here once for every caller.

use tonic::transport::{Channel, Endpoint};

use crate::MAX_MESSAGE_BYTES;
use crate::pb;

/// Ingest API client over a tonic channel.
pub type IngestClient = pb::ingest::v1::ingest_service_client::IngestServiceClient<Channel>;
/// Extraction API client over a tonic channel.
pub type ExtractionClient =
    pb::extraction::v1::extraction_service_client::ExtractionServiceClient<Channel>;
/// Query API client over a tonic channel.
pub type QueryClient = pb::query::v1::query_service_client::QueryServiceClient<Channel>;

/// Connects a channel to `addr` ("http://127.0.0.1:50051" or "127.0.0.1:50051").
pub async fn connect_channel(addr: &str) -> Result<Channel, tonic::transport::Error> {
    let uri = if addr.contains("://") {
        addr.to_owned()
    } else {
        format!("http://{addr}")
    };
    Endpoint::from_shared(uri)?
        .connect_timeout(std::time::Duration::from_secs(5))
        .tcp_nodelay(true)
        .connect()
        .await
}

/// Wraps a channel in an ingest client with the workspace message limits.
pub fn ingest_client(channel: Channel) -> IngestClient {
    IngestClient::new(channel)
        .max_decoding_message_size(MAX_MESSAGE_BYTES)
        .max_encoding_message_size(MAX_MESSAGE_BYTES)
}

/// Wraps a channel in an extraction client with the workspace message limits.
pub fn extraction_client(channel: Channel) -> ExtractionClient {
    ExtractionClient::new(channel)
        .max_decoding_message_size(MAX_MESSAGE_BYTES)
        .max_encoding_message_size(MAX_MESSAGE_BYTES)
}

/// Wraps a channel in a query client with the workspace message limits.
pub fn query_client(channel: Channel) -> QueryClient {
    QueryClient::new(channel)
        .max_decoding_message_size(MAX_MESSAGE_BYTES)
        .max_encoding_message_size(MAX_MESSAGE_BYTES)
}
