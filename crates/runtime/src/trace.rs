//! W3C trace context (`traceparent`): carried in gRPC metadata and in each log record's
//! metadata, so that one document's path (ingest → extraction → query) is one trace.
//!
//! Format: `00-<32 hex trace id>-<16 hex parent span id>-<2 hex flags>`. Each hop keeps the
//! trace id and takes a new span id ([`TraceParent::child`]).

use std::fmt;
use std::str::FromStr;

/// The metadata key, in gRPC metadata and in log record metadata.
pub const TRACEPARENT: &str = "traceparent";

/// A parsed `traceparent` value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TraceParent {
    /// The trace id (never zero).
    pub trace_id: u128,
    /// The id of the span that made this hop (never zero).
    pub span_id: u64,
    /// Trace flags (bit 0: sampled).
    pub flags: u8,
}

/// Why a `traceparent` value was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid traceparent: {0}")]
pub struct InvalidTraceParent(&'static str);

fn nonzero_u64() -> u64 {
    loop {
        let id = rand::random::<u64>();
        if id != 0 {
            return id;
        }
    }
}

impl TraceParent {
    /// A new trace, sampled.
    pub fn new_root() -> Self {
        let trace_id = loop {
            let id = rand::random::<u128>();
            if id != 0 {
                break id;
            }
        };
        Self {
            trace_id,
            span_id: nonzero_u64(),
            flags: 1,
        }
    }

    /// The next hop of the same trace.
    pub fn child(&self) -> Self {
        Self {
            span_id: nonzero_u64(),
            ..*self
        }
    }

    /// The trace id as 32 hex digits, as log fields show it.
    pub fn trace_id_hex(&self) -> String {
        format!("{:032x}", self.trace_id)
    }

    /// Continues the caller's trace when `header` is a valid traceparent, or starts a new one
    /// (the W3C rule for an invalid or missing header).
    pub fn continue_or_start(header: Option<&str>) -> Self {
        header
            .and_then(|h| h.parse::<Self>().ok())
            .map_or_else(Self::new_root, |parent| parent.child())
    }
}

impl FromStr for TraceParent {
    type Err = InvalidTraceParent;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        let parts: Vec<&str> = value.trim().split('-').collect();
        let [version, trace, span, flags] = parts.as_slice() else {
            return Err(InvalidTraceParent("expected four dash-separated fields"));
        };
        let hex = |field: &str, len: usize| {
            field.len() == len
                && field
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        };
        if !hex(version, 2) || *version == "ff" {
            return Err(InvalidTraceParent("unsupported version"));
        }
        if !hex(trace, 32) || !hex(span, 16) || !hex(flags, 2) {
            return Err(InvalidTraceParent(
                "fields must be lower-case hex of 32, 16 and 2 digits",
            ));
        }
        let parsed = Self {
            trace_id: u128::from_str_radix(trace, 16)
                .map_err(|_| InvalidTraceParent("trace id"))?,
            span_id: u64::from_str_radix(span, 16).map_err(|_| InvalidTraceParent("span id"))?,
            flags: u8::from_str_radix(flags, 16).map_err(|_| InvalidTraceParent("flags"))?,
        };
        if parsed.trace_id == 0 || parsed.span_id == 0 {
            return Err(InvalidTraceParent("all-zero trace or span id"));
        }
        Ok(parsed)
    }
}

impl fmt::Display for TraceParent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "00-{:032x}-{:016x}-{:02x}",
            self.trace_id, self.span_id, self.flags
        )
    }
}

/// Makes `span` a continuation of `parent` (or the root of a new trace) and returns the
/// context to hand downstream. When spans are exported (OTLP), that is the span's own context,
/// so the next hop's span is its child in the collector; otherwise a new span id of the same
/// trace.
pub fn continue_in(span: &tracing::Span, parent: Option<TraceParent>) -> TraceParent {
    use opentelemetry::trace::{
        SpanContext, SpanId, TraceContextExt, TraceFlags, TraceId, TraceState,
    };
    use tracing_opentelemetry::OpenTelemetrySpanExt;
    if let Some(parent) = parent {
        let remote = SpanContext::new(
            TraceId::from(parent.trace_id),
            SpanId::from(parent.span_id),
            TraceFlags::new(parent.flags),
            true,
            TraceState::default(),
        );
        // Fails only when the span is not exported; the id below is then ours alone.
        let _ = span.set_parent(opentelemetry::Context::new().with_remote_span_context(remote));
    }
    let context = span.context();
    let own = context.span().span_context().clone();
    if own.is_valid() {
        return TraceParent {
            trace_id: u128::from_be_bytes(own.trace_id().to_bytes()),
            span_id: u64::from_be_bytes(own.span_id().to_bytes()),
            flags: own.trace_flags().to_u8(),
        };
    }
    parent.map_or_else(TraceParent::new_root, |p| p.child())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traceparents_parse_print_and_continue() {
        let header = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        let parent: TraceParent = header.parse().unwrap();
        assert_eq!(parent.to_string(), header);
        let child = TraceParent::continue_or_start(Some(header));
        assert_eq!(child.trace_id, parent.trace_id);
        assert_ne!(child.span_id, parent.span_id);
        assert_eq!(child.trace_id_hex(), "4bf92f3577b34da6a3ce929d0e0e4736");

        for bad in [
            "",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e47-00f067aa0ba902b7-01",
        ] {
            assert!(bad.parse::<TraceParent>().is_err(), "{bad:?}");
            let fresh = TraceParent::continue_or_start(Some(bad));
            assert_eq!(fresh.to_string().parse::<TraceParent>(), Ok(fresh));
        }
        assert_ne!(
            TraceParent::new_root().trace_id,
            TraceParent::new_root().trace_id
        );
    }
}
