//! The protobuf codec every generated statecraft client and server uses: prost's, except that
//! a message that does not decode (invalid UTF-8 in a string, a wrong wire type, a truncated
//! or random body) is the sender's fault and answers INVALID_ARGUMENT, not prost's INTERNAL.

use std::marker::PhantomData;

use prost::Message;
use tonic::codec::{BufferSettings, Codec, DecodeBuf, Decoder};
use tonic::{Code, Status};
use tonic_prost::{ProstCodec, ProstDecoder, ProstEncoder};

/// Longest part of a decode error's text carried into the status message.
const MAX_DETAIL_CHARS: usize = 200;

/// A [`Codec`] wrapping [`ProstCodec`] whose decode failures are INVALID_ARGUMENT.
#[derive(Debug, Clone)]
pub struct ClientFaultCodec<T, U> {
    inner: ProstCodec<T, U>,
    _types: PhantomData<(T, U)>,
}

impl<T, U> Default for ClientFaultCodec<T, U> {
    fn default() -> Self {
        Self {
            inner: ProstCodec::default(),
            _types: PhantomData,
        }
    }
}

impl<T, U> Codec for ClientFaultCodec<T, U>
where
    T: Message + Send + 'static,
    U: Message + Default + Send + 'static,
{
    type Encode = T;
    type Decode = U;
    type Encoder = ProstEncoder<T>;
    type Decoder = ClientFaultDecoder<U>;

    fn encoder(&mut self) -> Self::Encoder {
        self.inner.encoder()
    }

    fn decoder(&mut self) -> Self::Decoder {
        ClientFaultDecoder {
            inner: self.inner.decoder(),
        }
    }
}

/// prost's decoder reports every failure as INTERNAL; all of them are about the bytes sent.
fn as_client_fault(status: Status) -> Status {
    if status.code() != Code::Internal {
        return status;
    }
    let detail: String = status.message().chars().take(MAX_DETAIL_CHARS).collect();
    Status::invalid_argument(format!("message does not decode: {detail}"))
}

/// The decoder of [`ClientFaultCodec`].
#[derive(Debug)]
pub struct ClientFaultDecoder<U> {
    inner: ProstDecoder<U>,
}

impl<U: Message + Default> Decoder for ClientFaultDecoder<U> {
    type Item = U;
    type Error = Status;

    fn decode(&mut self, buf: &mut DecodeBuf<'_>) -> Result<Option<U>, Status> {
        self.inner.decode(buf).map_err(as_client_fault)
    }

    fn buffer_settings(&self) -> BufferSettings {
        self.inner.buffer_settings()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pb::ingest::v1::SubmitDocumentRequest;

    #[test]
    fn undecodable_bodies_are_invalid_argument() {
        for body in [
            &b"\x0a\x03\xff\xfe\xfd"[..],
            b"\x0d\x01\x02\x03\x04",
            b"\x0a\x40only a few bytes",
        ] {
            let error = SubmitDocumentRequest::decode(body).unwrap_err();
            // As prost's codec reports it.
            let status = as_client_fault(Status::internal(error.to_string()));
            assert_eq!(status.code(), Code::InvalidArgument, "{body:?}");
            assert!(status.message().len() < 300);
        }
        let other = as_client_fault(Status::out_of_range("too large"));
        assert_eq!(other.code(), Code::OutOfRange);
    }
}
