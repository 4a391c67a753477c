//! The server's edge layer: deadlines and the statuses tonic's transport gives for the
//! client's own faults.
//!
//! - The call's deadline is the client's `grpc-timeout`, cut to the server's cap; when it
//!   passes before the answer, the answer is DEADLINE_EXCEEDED (tonic's own timeout says
//!   CANCELLED "Timeout expired", which tells a client it cancelled).
//! - A request message over the server's decode limit is INVALID_ARGUMENT naming the limit
//!   (tonic says OUT_OF_RANGE): the request is wrong, not a position.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use tonic::{Code, Status};

/// Builds [`Edge`] services.
#[derive(Debug, Clone, Copy)]
pub struct EdgeLayer {
    max_request: Duration,
}

impl EdgeLayer {
    /// Deadlines are cut to `max_request`.
    pub fn new(max_request: Duration) -> Self {
        Self { max_request }
    }
}

impl<S> tower_layer::Layer<S> for EdgeLayer {
    type Service = Edge<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Edge {
            inner,
            max_request: self.max_request,
        }
    }
}

/// See the module documentation.
#[derive(Debug, Clone)]
pub struct Edge<S> {
    inner: S,
    max_request: Duration,
}

/// Parses a `grpc-timeout` value: at most 8 digits and a unit (H, M, S, m, u, n).
pub fn parse_grpc_timeout(value: &str) -> Option<Duration> {
    let unit = value.chars().last()?;
    let digits = &value[..value.len() - unit.len_utf8()];
    if digits.is_empty() || digits.len() > 8 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let amount: u64 = digits.parse().ok()?;
    Some(match unit {
        'H' => Duration::from_secs(amount * 3600),
        'M' => Duration::from_secs(amount * 60),
        'S' => Duration::from_secs(amount),
        'm' => Duration::from_millis(amount),
        'u' => Duration::from_micros(amount),
        'n' => Duration::from_nanos(amount),
        _ => return None,
    })
}

/// Rewrites the statuses tonic's transport gives for a client's fault; leaves others alone.
pub fn client_fault_status(status: Status) -> Status {
    if status.code() == Code::OutOfRange && status.message().contains("message length too large") {
        let sizes: Vec<&str> = status
            .message()
            .split(|c: char| !c.is_ascii_digit())
            .filter(|s| !s.is_empty())
            .collect();
        let message = match sizes.as_slice() {
            [found, limit] => format!(
                "request message of {found} bytes exceeds the limit of {limit} bytes (the configured document limit plus room for the other fields)"
            ),
            _ => "request message exceeds the server's size limit".to_owned(),
        };
        return Status::invalid_argument(message);
    }
    status
}

impl<S, B, R> tower_service::Service<http::Request<B>> for Edge<S>
where
    S: tower_service::Service<http::Request<B>, Response = http::Response<R>>,
    S::Future: Send + 'static,
    R: Default + Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<S::Response, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: http::Request<B>) -> Self::Future {
        let asked = request
            .headers()
            .get("grpc-timeout")
            .and_then(|v| v.to_str().ok())
            .and_then(parse_grpc_timeout);
        let deadline = asked.map_or(self.max_request, |d| d.min(self.max_request));
        let response = self.inner.call(request);
        Box::pin(async move {
            let Ok(outcome) = tokio::time::timeout(deadline, response).await else {
                return Ok(status_response(Status::deadline_exceeded(format!(
                    "deadline of {deadline:?} passed before the answer"
                ))));
            };
            let mut response = outcome?;
            let status = Status::from_header_map(response.headers());
            if let Some(status) = status.filter(|s| s.code() == Code::OutOfRange) {
                let rewritten = client_fault_status(status);
                if rewritten.code() != Code::OutOfRange {
                    // add_header fails only for a message that is no valid header value;
                    // ours are plain ASCII.
                    let _ = rewritten.add_header(response.headers_mut());
                }
            }
            Ok(response)
        })
    }
}

/// A trailers-only gRPC response carrying `status`.
fn status_response<R: Default>(status: Status) -> http::Response<R> {
    let mut response = http::Response::new(R::default());
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/grpc"),
    );
    let _ = status.add_header(response.headers_mut());
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grpc_timeouts_parse() {
        assert_eq!(parse_grpc_timeout("1m"), Some(Duration::from_millis(1)));
        assert_eq!(parse_grpc_timeout("2S"), Some(Duration::from_secs(2)));
        assert_eq!(
            parse_grpc_timeout("3H"),
            Some(Duration::from_secs(3 * 3600))
        );
        assert_eq!(parse_grpc_timeout("999u"), Some(Duration::from_micros(999)));
        for bad in ["", "m", "123456789S", "1x", "-1S", "1.5S", "é"] {
            assert_eq!(parse_grpc_timeout(bad), None, "{bad}");
        }
    }

    #[test]
    fn oversized_messages_become_invalid_argument_with_the_limit() {
        let tonic_says = Status::out_of_range(
            "Error, decoded message length too large: found 33000007 bytes, the limit is: 16842752 bytes",
        );
        let status = client_fault_status(tonic_says);
        assert_eq!(status.code(), Code::InvalidArgument);
        assert!(
            status.message().contains("16842752"),
            "{}",
            status.message()
        );
        let unrelated = client_fault_status(Status::out_of_range("position past the head"));
        assert_eq!(unrelated.code(), Code::OutOfRange);
    }
}
