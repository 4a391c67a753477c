//! Client constructors: message limits, TLS trust and the bearer token are set here once for
//! every caller.

use tonic::metadata::{Ascii, MetadataValue};
use tonic::service::Interceptor;
use tonic::service::interceptor::InterceptedService;
use tonic::transport::{Certificate, Channel, ClientTlsConfig, Endpoint};

use crate::MAX_MESSAGE_BYTES;
use crate::pb;

/// A channel that adds the bearer token (when there is one) to every call.
pub type AuthChannel = InterceptedService<Channel, BearerToken>;
/// Ingest API client.
pub type IngestClient = pb::ingest::v1::ingest_service_client::IngestServiceClient<AuthChannel>;
/// Extraction API client.
pub type ExtractionClient =
    pb::extraction::v1::extraction_service_client::ExtractionServiceClient<AuthChannel>;
/// Query API client.
pub type QueryClient = pb::query::v1::query_service_client::QueryServiceClient<AuthChannel>;

/// How to reach the servers: TLS trust and the bearer token. The default is plaintext with no
/// token.
#[derive(Debug, Clone, Default)]
pub struct ClientOptions {
    /// PEM certificates to trust (a CA, or the server's own self-signed certificate). TLS is
    /// used when this is set or the address starts with `https://`.
    pub ca_pem: Option<Vec<u8>>,
    /// The name the server certificate must carry, when it differs from the address's host.
    pub tls_domain: Option<String>,
    /// Bearer token sent as `authorization: Bearer <token>`.
    pub token: Option<String>,
}

/// Why a connection could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    /// The token cannot be sent in a header.
    #[error("the token must be printable ASCII without spaces")]
    InvalidToken,
    /// The address, TLS settings or connection failed.
    #[error(transparent)]
    Transport(#[from] tonic::transport::Error),
}

/// Adds `authorization: Bearer <token>` to each call when a token is set.
#[derive(Debug, Clone, Default)]
pub struct BearerToken(Option<MetadataValue<Ascii>>);

impl Interceptor for BearerToken {
    fn call(
        &mut self,
        mut request: tonic::Request<()>,
    ) -> Result<tonic::Request<()>, tonic::Status> {
        if let Some(value) = &self.0 {
            request
                .metadata_mut()
                .insert("authorization", value.clone());
        }
        Ok(request)
    }
}

/// A connected channel with the token to send on it.
#[derive(Debug, Clone)]
pub struct Connection {
    channel: Channel,
    token: BearerToken,
}

impl Connection {
    /// The bare channel, for services that need no token (health).
    pub fn channel(&self) -> Channel {
        self.channel.clone()
    }

    fn authorized(self) -> AuthChannel {
        InterceptedService::new(self.channel, self.token)
    }
}

impl From<Channel> for Connection {
    fn from(channel: Channel) -> Self {
        Self {
            channel,
            token: BearerToken::default(),
        }
    }
}

/// Connects to `addr` ("127.0.0.1:50051", "http://…" or "https://…") with `options`.
pub async fn connect(addr: &str, options: &ClientOptions) -> Result<Connection, ConnectError> {
    let tls = options.ca_pem.is_some() || addr.starts_with("https://");
    let uri = match addr.split_once("://") {
        Some((_, rest)) if tls => format!("https://{rest}"),
        Some(_) => addr.to_owned(),
        None if tls => format!("https://{addr}"),
        None => format!("http://{addr}"),
    };
    let mut endpoint = Endpoint::from_shared(uri)?
        .connect_timeout(std::time::Duration::from_secs(5))
        .tcp_nodelay(true);
    if tls {
        let mut config = ClientTlsConfig::new();
        if let Some(pem) = &options.ca_pem {
            config = config.ca_certificate(Certificate::from_pem(pem));
        }
        if let Some(domain) = &options.tls_domain {
            config = config.domain_name(domain.clone());
        }
        endpoint = endpoint.tls_config(config)?;
    }
    let token = match options.token.as_deref().filter(|t| !t.is_empty()) {
        Some(token) if !token.bytes().all(|b| b.is_ascii_graphic()) => {
            return Err(ConnectError::InvalidToken);
        }
        Some(token) => Some(
            format!("Bearer {token}")
                .parse::<MetadataValue<Ascii>>()
                .map_err(|_| ConnectError::InvalidToken)?,
        ),
        None => None,
    };
    Ok(Connection {
        channel: endpoint.connect().await?,
        token: BearerToken(token),
    })
}

/// Connects a plaintext channel to `addr` ("http://127.0.0.1:50051" or "127.0.0.1:50051").
pub async fn connect_channel(addr: &str) -> Result<Channel, ConnectError> {
    Ok(connect(addr, &ClientOptions::default()).await?.channel)
}

/// An ingest client with the workspace message limits.
pub fn ingest_client(connection: impl Into<Connection>) -> IngestClient {
    IngestClient::new(connection.into().authorized())
        .max_decoding_message_size(MAX_MESSAGE_BYTES)
        .max_encoding_message_size(MAX_MESSAGE_BYTES)
}

/// An extraction client with the workspace message limits.
pub fn extraction_client(connection: impl Into<Connection>) -> ExtractionClient {
    ExtractionClient::new(connection.into().authorized())
        .max_decoding_message_size(MAX_MESSAGE_BYTES)
        .max_encoding_message_size(MAX_MESSAGE_BYTES)
}

/// A query client with the workspace message limits.
pub fn query_client(connection: impl Into<Connection>) -> QueryClient {
    QueryClient::new(connection.into().authorized())
        .max_decoding_message_size(MAX_MESSAGE_BYTES)
        .max_encoding_message_size(MAX_MESSAGE_BYTES)
}
