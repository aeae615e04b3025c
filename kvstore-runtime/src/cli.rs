//! The `kvstore` command line (`main.rs` only calls [`main`]).

use crate::client::Client;
use crate::config::ServerConfig;
use crate::registry::{run_store_by_name, STORE_NAMES};
use anyhow::Context;
use clap::{Parser, Subcommand};
use std::net::SocketAddr;
use std::time::Duration;

/// Replicated key-value store replica and client.
#[derive(Debug, Parser)]
#[command(name = "kvstore", version)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run one replica until SIGINT/SIGTERM.
    Serve {
        /// Registered store name (see `kvstore stores`).
        #[arg(long)]
        store: String,
        /// This replica's id (index into --peers).
        #[arg(long)]
        id: u64,
        /// Address to listen on, e.g. 127.0.0.1:7000.
        #[arg(long)]
        listen: SocketAddr,
        /// Addresses of ALL replicas in id order (this one included), comma separated.
        #[arg(long, value_delimiter = ',', required = true)]
        peers: Vec<String>,
        /// Largest accepted key in bytes.
        #[arg(long, default_value_t = 1024)]
        max_key_bytes: usize,
        /// Largest accepted value in bytes.
        #[arg(long, default_value_t = 1 << 20)]
        max_value_bytes: usize,
        /// How long to wait for catch-up when the client sends no deadline, in ms.
        #[arg(long, default_value_t = 2000)]
        wait_ms: u64,
    },
    /// Write a value (prints the new session token in hex).
    Put {
        /// Replica addresses, comma separated.
        #[arg(long, value_delimiter = ',', required = true)]
        replicas: Vec<String>,
        /// Continue the session of this hex token.
        #[arg(long)]
        token: Option<String>,
        /// Key (UTF-8).
        key: String,
        /// Value (UTF-8).
        value: String,
    },
    /// Read a value (prints it, or `(not found)`; the token goes to stderr).
    Get {
        /// Replica addresses, comma separated.
        #[arg(long, value_delimiter = ',', required = true)]
        replicas: Vec<String>,
        /// Continue the session of this hex token.
        #[arg(long)]
        token: Option<String>,
        /// Key (UTF-8).
        key: String,
    },
    /// List the registered stores.
    Stores,
}

/// Lower-case hex of `b`.
pub fn to_hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Parse lower- or upper-case hex.
pub fn from_hex(s: &str) -> anyhow::Result<Vec<u8>> {
    anyhow::ensure!(s.len() & 1 == 0, "hex string of odd length");
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).with_context(|| format!("bad hex at {i}")))
        .collect()
}

fn session(replicas: &[String], token: Option<String>) -> anyhow::Result<Client> {
    let mut c = Client::connect(replicas)?;
    if let Some(t) = token {
        c.set_token(from_hex(&t).context("--token")?);
    }
    Ok(c)
}

async fn shutdown_signal() {
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {},
        _ = term => {},
    }
}

/// Install the `tracing` subscriber, logging to stderr: filter from
/// `RUST_LOG` (default `info`); JSON lines when `KVSTORE_LOG_FORMAT=json`;
/// colours only on a terminal.
pub fn init_logging() {
    use std::io::IsTerminal;
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = if std::env::var("KVSTORE_LOG_FORMAT").is_ok_and(|f| f == "json") {
        builder.json().try_init()
    } else {
        builder
            .with_ansi(std::io::stderr().is_terminal())
            .try_init()
    };
}

/// Run the CLI with the process arguments.
pub fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    init_logging();
    let rt = tokio::runtime::Runtime::new()?;
    rt.block_on(run(cli))
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve {
            store,
            id,
            listen,
            peers,
            max_key_bytes,
            max_value_bytes,
            wait_ms,
        } => {
            let mut config = ServerConfig::new(id, listen, peers);
            config.max_key_bytes = max_key_bytes;
            config.max_value_bytes = max_value_bytes;
            config.default_wait = Duration::from_millis(wait_ms);
            let handle = run_store_by_name(&store, config).await?;
            tokio::select! {
                _ = shutdown_signal() => {
                    tracing::info!("signal received, shutting down");
                    handle.shutdown().await?;
                }
            }
            Ok(())
        }
        Command::Put {
            replicas,
            token,
            key,
            value,
        } => {
            let mut c = session(&replicas, token)?;
            c.put(key, value).await?;
            println!("{}", to_hex(c.token()));
            Ok(())
        }
        Command::Get {
            replicas,
            token,
            key,
        } => {
            let mut c = session(&replicas, token)?;
            match c.get(key).await? {
                Some(v) => println!("{}", String::from_utf8_lossy(&v)),
                None => println!("(not found)"),
            }
            eprintln!("token {}", to_hex(c.token()));
            Ok(())
        }
        Command::Stores => {
            for s in STORE_NAMES {
                println!("{s}");
            }
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trips() {
        let b = vec![0u8, 1, 0xab, 0xff];
        assert_eq!(to_hex(&b), "0001abff");
        assert_eq!(from_hex("0001ABff").unwrap(), b);
        assert!(from_hex("abc").is_err());
        assert!(from_hex("zz").is_err());
    }

    #[test]
    fn cli_parses_serve() {
        let c = Cli::try_parse_from([
            "kvstore",
            "serve",
            "--store",
            "handwritten-vc",
            "--id",
            "1",
            "--listen",
            "127.0.0.1:7001",
            "--peers",
            "127.0.0.1:7000,127.0.0.1:7001",
        ])
        .unwrap();
        match c.command {
            Command::Serve { peers, id, .. } => {
                assert_eq!(peers.len(), 2);
                assert_eq!(id, 1);
            }
            _ => panic!("not serve"),
        }
    }
}
