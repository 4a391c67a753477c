//! Helpers for statecraft tests: listeners bound on an ephemeral loopback port (handed to
//! the server as-is: never "find a free port, then bind it again"), clients, and generated
//! news-like documents. Dev-only: no production crate depends on it.

pub mod faults;
pub mod nats;
pub mod synthetic;

use std::net::SocketAddr;

use tokio::net::TcpListener;

/// Binds `127.0.0.1:0` and returns the listener with its address.
pub async fn ephemeral_listener() -> anyhow::Result<(TcpListener, SocketAddr)> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    Ok((listener, addr))
}

/// Connects a channel to a test server.
pub async fn channel(addr: SocketAddr) -> anyhow::Result<tonic::transport::Channel> {
    Ok(statecraft_proto::connect_channel(&addr.to_string()).await?)
}

const SANCTIONERS: &[&str] = &[
    "The European Union",
    "Japan",
    "The United Kingdom",
    "Canada",
    "Australia",
    "Switzerland",
];
const TARGETS: &[&str] = &[
    "Belarus",
    "Iran",
    "Syria",
    "Venezuela",
    "Myanmar",
    "North Korea",
];
const WEEKDAYS: &[&str] = &["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"];

/// A short news-like document, different for every `n`: a sanctions announcement and an
/// accusation, with a dateline.
pub fn news_document(n: usize) -> String {
    let source = SANCTIONERS[n % SANCTIONERS.len()];
    let target = TARGETS[(n / SANCTIONERS.len()) % TARGETS.len()];
    let weekday = WEEKDAYS[n % WEEKDAYS.len()];
    format!(
        "Dispatch number {n}\n\nFri Mar 12, 2021 10:00AM\n\n\
         {source} imposed sanctions on {target} on {weekday}, officials said in a statement numbered {n}. \
         {source} also accused {target} of breaking an arms embargo.\n"
    )
}
