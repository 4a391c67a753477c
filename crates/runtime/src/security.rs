//! How a gRPC server is exposed: TLS, bearer-token authentication, the request deadline cap
//! and the metrics endpoint. Every service carries one [`ServerConfig`] as its `[server]`
//! section; everything is off by default and nothing needs to be set to run locally.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tonic::service::Interceptor;
use tonic::transport::{Identity, ServerTlsConfig};
use tonic::{Request, Status};

/// The `[server]` section of a service configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerConfig {
    /// PEM certificate chain. With `tls_key`, the server accepts TLS connections only.
    pub tls_cert: Option<PathBuf>,
    /// PEM private key of `tls_cert`.
    pub tls_key: Option<PathBuf>,
    /// When set (and not empty), every call except health and reflection must carry
    /// `authorization: Bearer <token>`; others get UNAUTHENTICATED.
    pub auth_token: Option<String>,
    /// Longest a unary call (or the start of a stream) may run, in seconds; a client deadline
    /// above it is cut to it.
    pub max_request_secs: u64,
    /// Address of the Prometheus `/metrics` endpoint; none when unset.
    pub metrics_listen: Option<SocketAddr>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            tls_cert: None,
            tls_key: None,
            auth_token: None,
            max_request_secs: 60,
            metrics_listen: None,
        }
    }
}

/// A server configuration that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum SecurityError {
    /// Only one of the certificate and the key is set.
    #[error("server.tls_cert and server.tls_key must be set together")]
    HalfTls,
    /// A certificate or key file cannot be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

/// Environment variables and TOML can only say "unset" with an empty value.
fn non_empty(path: &Option<PathBuf>) -> Option<&Path> {
    path.as_deref().filter(|p| !p.as_os_str().is_empty())
}

impl ServerConfig {
    /// The bearer token calls must carry, if any.
    pub fn token(&self) -> Option<&str> {
        self.auth_token.as_deref().filter(|t| !t.is_empty())
    }

    /// The certificate file, when TLS is configured.
    pub fn tls_cert_path(&self) -> Option<&Path> {
        non_empty(&self.tls_cert)
    }

    /// The TLS configuration, read from the certificate and key files; none without them.
    pub fn tls(&self) -> Result<Option<ServerTlsConfig>, SecurityError> {
        let (cert, key) = match (self.tls_cert_path(), non_empty(&self.tls_key)) {
            (None, None) => return Ok(None),
            (Some(cert), Some(key)) => (cert, key),
            _ => return Err(SecurityError::HalfTls),
        };
        let read = |path: &Path| {
            std::fs::read(path).map_err(|source| SecurityError::Read {
                path: path.to_owned(),
                source,
            })
        };
        let identity = Identity::from_pem(read(cert)?, read(key)?);
        Ok(Some(ServerTlsConfig::new().identity(identity)))
    }

    /// The cap on request deadlines.
    pub fn max_request(&self) -> Duration {
        Duration::from_secs(self.max_request_secs.max(1))
    }
}

/// Rejects calls without the configured bearer token with UNAUTHENTICATED; lets every call
/// through when no token is configured.
#[derive(Clone, Default)]
pub struct RequireToken {
    expected: Option<Arc<[u8]>>,
}

impl RequireToken {
    /// Requires `token` when it is `Some`.
    pub fn new(token: Option<&str>) -> Self {
        Self {
            expected: token.map(|t| t.as_bytes().into()),
        }
    }
}

/// The credentials of an `authorization` value in the `Bearer` scheme. The scheme name is
/// case-insensitive (RFC 7235 §2.1), and one or more spaces follow it.
fn bearer_token(value: &[u8]) -> Option<&[u8]> {
    const SCHEME: &[u8] = b"bearer";
    let (scheme, rest) = value.split_at_checked(SCHEME.len())?;
    if !scheme.eq_ignore_ascii_case(SCHEME) || rest.first() != Some(&b' ') {
        return None;
    }
    let token = rest.trim_ascii_start();
    (!token.is_empty()).then_some(token)
}

/// Compares without returning early, so the time taken does not tell how much matched.
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

impl Interceptor for RequireToken {
    fn call(&mut self, request: Request<()>) -> Result<Request<()>, Status> {
        let Some(expected) = &self.expected else {
            return Ok(request);
        };
        match request.metadata().get("authorization") {
            None => Err(Status::unauthenticated(
                "missing bearer token: send `authorization: Bearer <token>`",
            )),
            Some(given)
                if bearer_token(given.as_bytes()).is_some_and(|t| same_bytes(t, expected)) =>
            {
                Ok(request)
            }
            Some(_) => Err(Status::unauthenticated("invalid bearer token")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(check: &mut RequireToken, header: Option<&str>) -> Result<(), tonic::Code> {
        let mut request = Request::new(());
        if let Some(value) = header {
            request
                .metadata_mut()
                .insert("authorization", value.parse().unwrap());
        }
        check.call(request).map(drop).map_err(|s| s.code())
    }

    #[test]
    fn the_token_is_checked_only_when_configured() {
        let mut open = RequireToken::new(None);
        assert_eq!(call(&mut open, None), Ok(()));
        let mut guarded = RequireToken::new(Some("s3cret"));
        assert_eq!(call(&mut guarded, Some("Bearer s3cret")), Ok(()));
        assert_eq!(call(&mut guarded, Some("bearer s3cret")), Ok(()));
        assert_eq!(call(&mut guarded, Some("BEARER  s3cret")), Ok(()));
        assert!(call(&mut guarded, Some("Bearers3cret")).is_err());
        assert!(call(&mut guarded, Some("Basic s3cret")).is_err());
        assert!(call(&mut guarded, Some("bearer ")).is_err());
        for wrong in [
            None,
            Some("Bearer s3cre"),
            Some("s3cret"),
            Some("Bearer s3cret2"),
        ] {
            assert_eq!(
                call(&mut guarded, wrong),
                Err(tonic::Code::Unauthenticated),
                "{wrong:?}"
            );
        }
    }

    #[test]
    fn tls_needs_both_files_and_empty_values_mean_unset() {
        let config = ServerConfig {
            tls_cert: Some("cert.pem".into()),
            ..ServerConfig::default()
        };
        assert!(matches!(config.tls(), Err(SecurityError::HalfTls)));
        let config = ServerConfig {
            tls_cert: Some("".into()),
            tls_key: Some("".into()),
            auth_token: Some(String::new()),
            ..ServerConfig::default()
        };
        assert!(config.tls().unwrap().is_none());
        assert_eq!(config.token(), None);
        let missing = ServerConfig {
            tls_cert: Some("/nonexistent/cert.pem".into()),
            tls_key: Some("/nonexistent/key.pem".into()),
            ..ServerConfig::default()
        };
        let error = missing.tls().unwrap_err().to_string();
        assert!(error.contains("/nonexistent/cert.pem"), "{error}");
    }
}
