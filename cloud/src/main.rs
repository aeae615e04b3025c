//! `cloud`: start and stop loopback clusters of kvstore replicas.

use anyhow::Context;
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::time::Duration;

/// Start and stop loopback clusters of kvstore replicas.
#[derive(Debug, Parser)]
#[command(name = "cloud", version)]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Debug, Subcommand)]
enum Cmd {
    /// Start N replicas on 127.0.0.1, wait until healthy, write DIR/cluster.json.
    Up {
        /// Registered store name (see `kvstore stores`).
        #[arg(long)]
        store: String,
        /// Number of replicas.
        #[arg(long, default_value_t = 3)]
        replicas: usize,
        /// First port (replica i listens on P+i); default: free ephemeral ports.
        #[arg(long)]
        base_port: Option<u16>,
        /// Cluster directory (cluster file and logs).
        #[arg(long, default_value = "cluster")]
        dir: PathBuf,
        /// The kvstore binary (default: next to this executable).
        #[arg(long)]
        kvstore_bin: Option<PathBuf>,
        /// Seconds each replica may take to become healthy.
        #[arg(long, default_value_t = 20)]
        health_timeout_s: u64,
        /// Extra arguments passed to every `kvstore serve` (after `--`).
        #[arg(last = true)]
        extra: Vec<String>,
    },
    /// Stop the cluster described by DIR/cluster.json (logs are kept).
    Down {
        /// Cluster directory.
        #[arg(long, default_value = "cluster")]
        dir: PathBuf,
    },
    /// Print DIR/cluster.json and the health of each replica.
    Status {
        /// Cluster directory.
        #[arg(long, default_value = "cluster")]
        dir: PathBuf,
    },
}

fn main() {
    if let Err(e) = run() {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}

fn run() -> anyhow::Result<()> {
    let cli = Cli::parse();
    kvstore_runtime::cli::init_logging();
    let rt = tokio::runtime::Runtime::new()?;
    rt.block_on(async {
        match cli.command {
            Cmd::Up {
                store,
                replicas,
                base_port,
                dir,
                kvstore_bin,
                health_timeout_s,
                extra,
            } => {
                let mut opts = cloud::UpOptions::new(store, replicas, dir);
                opts.base_port = base_port;
                opts.kvstore_bin = kvstore_bin;
                opts.extra_args = extra;
                opts.health_timeout = Duration::from_secs(health_timeout_s);
                let cluster = cloud::Cluster::up(&opts).await?;
                let dir = cluster.dir().to_path_buf();
                let file = cluster.detach();
                println!("{}", file.addrs().join(","));
                eprintln!(
                    "cluster file: {}",
                    cloud::ClusterFile::path_in(&dir).display()
                );
                Ok(())
            }
            Cmd::Down { dir } => {
                for (r, how) in cloud::down(&dir)? {
                    println!("replica {} pid {}: {:?}", r.id, r.pid, how);
                }
                Ok(())
            }
            Cmd::Status { dir } => {
                let file = cloud::ClusterFile::read(&dir)
                    .with_context(|| format!("reading the cluster file in {}", dir.display()))?;
                for r in &file.replicas {
                    let health = match cloud::health::check(&r.addr).await {
                        Ok(true) => "SERVING".to_string(),
                        Ok(false) => "NOT_SERVING".to_string(),
                        Err(e) => format!("unreachable ({e})"),
                    };
                    println!("replica {} {} pid {} {}", r.id, r.addr, r.pid, health);
                }
                Ok(())
            }
        }
    })
}
