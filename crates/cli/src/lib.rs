//! The `statecraft` command line, as a library: the in-process cluster that `demo` and
//! `serve` run (and the e2e tests reuse), the coder evaluation, and output formatting.
//! The binary in `main.rs` only parses arguments and dispatches.

pub mod client;
pub mod cluster;
pub mod date_recovery;
pub mod eval;
pub mod export;
pub mod feed;
pub mod ftm;
pub mod output;
pub mod samples;

pub use cluster::{Cluster, ClusterConfig};
