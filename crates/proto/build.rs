//! Compiles `proto/` with protox (pure Rust, no system protoc) and writes the generated code and
//! the encoded file descriptor set to OUT_DIR.

use std::path::PathBuf;

use prost::Message;

const PROTO_FILES: &[&str] = &[
    "statecraft/events/v1/events.proto",
    "statecraft/ingest/v1/ingest.proto",
    "statecraft/extraction/v1/extraction.proto",
    "statecraft/query/v1/query.proto",
    "statecraft/query/v1/snapshot.proto",
];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let manifest_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR")?);
    let proto_root = manifest_dir.join("../../proto");
    let out_dir = PathBuf::from(std::env::var("OUT_DIR")?);

    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed={}", proto_root.display());

    let fds = protox::compile(PROTO_FILES, [&proto_root])?;
    std::fs::write(
        out_dir.join("statecraft_descriptor.bin"),
        fds.encode_to_vec(),
    )?;

    tonic_prost_build::configure()
        .client_mod_attribute(".", "#[cfg(feature = \"client\")]")
        .server_mod_attribute(".", "#[cfg(feature = \"server\")]")
        // Undecodable requests are the sender's fault: INVALID_ARGUMENT (see src/codec.rs).
        .codec_path("crate::ClientFaultCodec")
        .compile_fds(fds)?;
    Ok(())
}
