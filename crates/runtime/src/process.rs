//! The life of a service process: parse the common flags, load the layered configuration
//! (exit 64 on error), init telemetry, bind the listener (and the metrics endpoint when
//! configured), serve until SIGTERM/SIGINT, then close the event log last.

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Parser;
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::config::{self, ConfigSources};

/// Flags every service binary takes.
#[derive(Debug, Parser)]
#[command(version)]
pub struct ServiceArgs {
    /// TOML configuration file.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Address to listen on (overrides the config).
    #[arg(long)]
    pub listen: Option<SocketAddr>,
    /// Event log: `file:<dir>` or `memory:` (overrides the config).
    #[arg(long)]
    pub log: Option<String>,
    /// Print the effective configuration as TOML and exit.
    #[arg(long)]
    pub dump_config: bool,
}

/// A service configuration the process runner can bind and open a log for.
pub trait ServiceConfig: Serialize + DeserializeOwned + Default + Clone {
    /// The address to bind.
    fn listen(&self) -> SocketAddr;
    /// The event-log URL.
    fn log_url(&self) -> &str;
    /// How the server is exposed (TLS, token, metrics).
    fn server(&self) -> &crate::security::ServerConfig;
}

/// Runs a service binary. `section` names the config section (`STATECRAFT_<SECTION>__*`);
/// `open_log` opens the log from its URL; `serve` runs the service until the token is
/// cancelled; `close_log` runs after `serve` returns (the log is flushed last).
pub async fn run<C, L, F, Fut, E>(
    name: &'static str,
    section: &str,
    open_log: impl AsyncFnOnce(&str) -> Result<L, E>,
    serve: F,
    close_log: impl AsyncFnOnce(L) -> Result<(), E>,
) -> Result<(), Box<dyn std::error::Error>>
where
    C: ServiceConfig,
    L: Clone,
    F: FnOnce(C, L, TcpListener, CancellationToken) -> Fut,
    Fut: Future<Output = Result<(), crate::grpc::ServeError>>,
    E: std::error::Error + 'static,
{
    let args = ServiceArgs::parse();
    let mut overrides = toml::Table::new();
    if let Some(listen) = args.listen {
        overrides.insert("listen".into(), listen.to_string().into());
    }
    if let Some(log) = args.log {
        overrides.insert("log".into(), log.into());
    }
    let sources = ConfigSources {
        file: args.config.as_deref(),
        env_section: Some(section),
        env: config::process_env(),
    };
    let config: C = match config::load(sources, &overrides) {
        Ok(config) => config,
        Err(error) => {
            eprintln!("{name}: {error}");
            std::process::exit(config::EXIT_USAGE);
        }
    };
    if args.dump_config {
        #[allow(
            clippy::print_stdout,
            reason = "--dump-config prints the configuration to stdout"
        )]
        {
            print!("{}", config::dump(&config)?);
        }
        return Ok(());
    }
    let _telemetry = crate::telemetry::init(name);
    let log = open_log(config.log_url()).await?;
    let listener = TcpListener::bind(config.listen()).await?;
    let shutdown = crate::shutdown::on_signal();
    let metrics = match config.server().metrics_listen {
        Some(addr) => {
            let listener = TcpListener::bind(addr).await?;
            Some(tokio::spawn(crate::metrics::serve(
                listener,
                shutdown.clone(),
            )))
        }
        None => None,
    };
    serve(config, log.clone(), listener, shutdown).await?;
    if let Some(metrics) = metrics {
        let _ = metrics.await;
    }
    close_log(log).await?;
    tracing::info!(service = name, "stopped cleanly");
    Ok(())
}
