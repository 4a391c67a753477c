//! A throwaway `nats-server` with JetStream for tests: random loopback port, its own storage
//! directory, killed when dropped.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

/// A running test server.
pub struct NatsServer {
    child: Child,
    url: String,
    _storage: tempfile::TempDir,
}

impl NatsServer {
    /// Starts `nats-server -js` on 127.0.0.1 with a random port and waits until it listens.
    pub fn start() -> anyhow::Result<Self> {
        let storage = tempfile::tempdir()?;
        let mut child = Command::new("nats-server")
            .args([
                "-js",
                "-a",
                "127.0.0.1",
                "-p",
                "-1",
                "--http_port",
                "-1",
                "-sd",
            ])
            .arg(storage.path())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .context("failed to start nats-server (install it: apt-get install nats-server)")?;
        let stderr = child.stderr.take().expect("stderr is piped");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(addr) = line.split("Listening for client connections on ").nth(1) {
                    let _ = tx.send(addr.trim().to_owned());
                }
            }
        });
        let deadline = Instant::now() + Duration::from_secs(10);
        let addr = loop {
            if let Ok(addr) = rx.recv_timeout(Duration::from_millis(100)) {
                break addr;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                bail!("nats-server did not start listening within 10 s");
            }
        };
        Ok(Self {
            child,
            url: format!("nats://{addr}"),
            _storage: storage,
        })
    }

    /// Starts a server, or returns `None` when `nats-server` is not installed and this is not
    /// CI (where it must be: `.ci/run` installs it).
    pub fn start_or_skip() -> Option<Self> {
        match Self::start() {
            Ok(server) => Some(server),
            Err(error) if std::env::var_os("CI").is_none() => {
                eprintln!("skipping NATS test: {error:#}");
                None
            }
            Err(error) => panic!("NATS tests need nats-server in CI: {error:#}"),
        }
    }

    /// The client URL (`nats://127.0.0.1:PORT`).
    pub fn url(&self) -> &str {
        &self.url
    }
}

impl Drop for NatsServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
