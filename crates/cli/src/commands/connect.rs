//! How commands reach the servers (TLS trust and token from the global flags), and the
//! development certificate that lets them.

use std::path::Path;

use anyhow::Context;

use crate::exit;

/// Writes a self-signed certificate (and its key) valid for the services' usual names.
pub(crate) fn dev_cert(out: &Path, extra: &[String]) -> anyhow::Result<i32> {
    let mut names: Vec<String> = [
        "localhost",
        "127.0.0.1",
        "::1",
        "ingest",
        "extraction",
        "query",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect();
    names.extend(extra.iter().cloned());
    let generated = rcgen::generate_simple_self_signed(names.clone())
        .context("failed to generate the certificate")?;
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    let (cert, key) = (out.join("cert.pem"), out.join("key.pem"));
    std::fs::write(&cert, generated.cert.pem())
        .with_context(|| format!("cannot write {}", cert.display()))?;
    write_private(&key, generated.signing_key.serialize_pem().as_bytes())
        .with_context(|| format!("cannot write {}", key.display()))?;
    out!(
        "wrote {} and {} for {}",
        cert.display(),
        key.display(),
        names.join(", ")
    );
    Ok(exit::OK)
}

/// Writes a file only its owner can read.
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write as _;
    use std::os::unix::fs::OpenOptionsExt as _;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(bytes)
}

/// TLS trust and token for every command, from the global flags.
static CLIENT_OPTIONS: std::sync::OnceLock<statecraft_proto::ClientOptions> =
    std::sync::OnceLock::new();

/// Sets the client options once, before any command runs.
pub(crate) fn set_client_options(options: statecraft_proto::ClientOptions) {
    let _ = CLIENT_OPTIONS.set(options);
}

pub(super) fn client_options() -> &'static statecraft_proto::ClientOptions {
    CLIENT_OPTIONS.get_or_init(Default::default)
}

/// Connects to the `service` at `addr` with the global TLS and token options.
pub(crate) async fn connect(
    addr: &str,
    service: &str,
) -> anyhow::Result<statecraft_proto::Connection> {
    statecraft_proto::connect(addr, client_options())
        .await
        .with_context(|| format!("cannot reach {service} at {addr}"))
}
