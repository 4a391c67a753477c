//! Wire contracts of statecraft: the prost/tonic code generated from `proto/` and the encoded
//! file descriptor set for server reflection.
//!
//! This crate owns no logic and depends on no other statecraft crate. Domain types and their
//! validation live in `statecraft-types`; this crate only offers client constructors that set
//! message limits once.

mod codec;

pub use codec::{ClientFaultCodec, ClientFaultDecoder};

/// Generated protobuf and gRPC code, one module per package.
#[allow(unreachable_pub, clippy::all, missing_docs)]
pub mod pb {
    /// `statecraft.events.v1`: the domain model and the log records.
    pub mod events {
        /// Version 1.
        pub mod v1 {
            tonic::include_proto!("statecraft.events.v1");

            /// The full protobuf name of a message, used as the log record type.
            pub trait RecordType {
                /// `statecraft.events.v1.<Message>`.
                const TYPE: &'static str;
            }
            impl RecordType for DocumentIngested {
                const TYPE: &'static str = "statecraft.events.v1.DocumentIngested";
            }
            impl RecordType for EventsExtracted {
                const TYPE: &'static str = "statecraft.events.v1.EventsExtracted";
            }
            impl RecordType for ExtractionFailed {
                const TYPE: &'static str = "statecraft.events.v1.ExtractionFailed";
            }
        }
    }
    /// `statecraft.ingest.v1`: the ingest API.
    pub mod ingest {
        /// Version 1.
        pub mod v1 {
            tonic::include_proto!("statecraft.ingest.v1");
        }
    }
    /// `statecraft.extraction.v1`: the extraction API.
    pub mod extraction {
        /// Version 1.
        pub mod v1 {
            tonic::include_proto!("statecraft.extraction.v1");
        }
    }
    /// `statecraft.query.v1`: the query API.
    pub mod query {
        /// Version 1.
        pub mod v1 {
            tonic::include_proto!("statecraft.query.v1");
        }
    }

    /// Encoded `FileDescriptorSet` of every statecraft package, for server reflection.
    pub const FILE_DESCRIPTOR_SET: &[u8] =
        include_bytes!(concat!(env!("OUT_DIR"), "/statecraft_descriptor.bin"));
}

/// Largest gRPC message clients accept and servers send: 40 MiB, room for a document at the
/// default 16 MiB limit with its events (`GetDocument`).
pub const MAX_MESSAGE_BYTES: usize = 40 * 1024 * 1024;

#[cfg(feature = "client")]
mod clients;
#[cfg(feature = "client")]
pub use clients::{
    AuthChannel, BearerToken, ClientOptions, ConnectError, Connection, ExtractionClient,
    IngestClient, QueryClient, connect, connect_channel, extraction_client, ingest_client,
    query_client,
};

#[cfg(test)]
mod tests {
    use prost::Message;

    use super::pb;

    #[test]
    fn file_descriptor_set_decodes_and_names_every_package() {
        let fds = prost_types::FileDescriptorSet::decode(pb::FILE_DESCRIPTOR_SET).unwrap();
        let packages: Vec<_> = fds.file.iter().filter_map(|f| f.package.clone()).collect();
        for expected in [
            "statecraft.events.v1",
            "statecraft.ingest.v1",
            "statecraft.extraction.v1",
            "statecraft.query.v1",
        ] {
            assert!(packages.iter().any(|p| p == expected), "missing {expected}");
        }
    }
}
