//! The `kvstore` command line (`main.rs` only calls [`main`]).

use crate::client::Client;
use crate::config::{ActorPlacement, FileConfig, ServerConfig, WalOptions};
use crate::loadgen::{self, LoadSpec};
use crate::registry::{run_store_by_name, STORE_NAMES};
use crate::security::{ClientAuth, ClientTls, TlsFiles};
use crate::wal::FsyncPolicy;
use anyhow::Context;
use clap::{Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// Replicated key-value store replica and client.
#[derive(Debug, Parser)]
#[command(name = "kvstore", version)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Options of `kvstore serve` (each may also come from `--config`).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct ServeArgs {
    /// TOML configuration file (keys as the flags, with `_` for `-`); flags override it.
    #[arg(long)]
    config: Option<PathBuf>,
    /// Registered store name (see `kvstore stores`).
    #[arg(long)]
    store: Option<String>,
    /// This replica's id (index into --peers).
    #[arg(long)]
    id: Option<u64>,
    /// Address to listen on, e.g. 127.0.0.1:7000.
    #[arg(long)]
    listen: Option<SocketAddr>,
    /// Addresses of ALL replicas in id order (this one included), comma separated.
    #[arg(long, value_delimiter = ',')]
    peers: Option<Vec<String>>,
    /// Largest accepted key in bytes [default: 1024].
    #[arg(long)]
    max_key_bytes: Option<usize>,
    /// Largest accepted value in bytes [default: 1048576].
    #[arg(long)]
    max_value_bytes: Option<usize>,
    /// Largest batch in operations [default: 10000].
    #[arg(long)]
    max_batch_ops: Option<usize>,
    /// How long to wait for catch-up when the client sends no deadline, in ms [default: 2000].
    #[arg(long)]
    wait_ms: Option<u64>,
    /// Write-ahead log directory: acknowledged writes survive a restart.
    #[arg(long)]
    wal: Option<PathBuf>,
    /// When the log is forced to disk: always | batch | never [default: always].
    #[arg(long)]
    fsync: Option<FsyncPolicy>,
    /// Snapshot the state and start a new log once the log reaches this many
    /// bytes; 0 = never [default: 67108864].
    #[arg(long)]
    wal_compact_bytes: Option<u64>,
    /// Serve Prometheus metrics over plain HTTP at this address (GET /metrics).
    #[arg(long)]
    metrics: Option<SocketAddr>,
    /// TLS certificate chain (PEM); with --tls-key, every service is served over TLS.
    #[arg(long)]
    tls_cert: Option<PathBuf>,
    /// TLS private key (PEM).
    #[arg(long)]
    tls_key: Option<PathBuf>,
    /// CA (PEM) that signed the peers' certificates [default: --tls-cert itself].
    #[arg(long)]
    tls_ca: Option<PathBuf>,
    /// Server name to verify on replica links [default: the peer's host].
    #[arg(long)]
    tls_domain: Option<String>,
    /// Mutual TLS: CA (PEM) that must have signed the client certificates.
    #[arg(long)]
    tls_client_ca: Option<PathBuf>,
    /// With --tls-client-ca, which services need a client certificate:
    /// all (every connection) | replication (only Replication/Deliver;
    /// clients may stay anonymous) [default: all].
    #[arg(long)]
    tls_client_auth: Option<ClientAuth>,
    /// Client certificate (PEM) the replica links present to peers
    /// [default with --tls-client-ca: --tls-cert].
    #[arg(long)]
    tls_client_cert: Option<PathBuf>,
    /// Private key (PEM) of --tls-client-cert [default with --tls-client-ca: --tls-key].
    #[arg(long)]
    tls_client_key: Option<PathBuf>,
    /// Shared secret that replicas must present to deliver messages
    /// (also read from the environment variable KVSTORE_REPLICA_SECRET).
    #[arg(long, env = "KVSTORE_REPLICA_SECRET", hide_env_values = true)]
    replica_secret: Option<String>,
    /// Tokio worker threads [default: 2; with --actor inline: 1, the only value allowed].
    #[arg(long)]
    worker_threads: Option<usize>,
    /// Where the replica actor (the owner of the store state) runs: thread
    /// (its own thread, next to the Tokio workers) | inline (the whole
    /// replica on one thread: no hand-over between threads per request) [default: thread].
    #[arg(long)]
    actor: Option<ActorPlacement>,
    /// Least time between two replication deliveries to one peer, in
    /// microseconds: a delivery then carries many rounds' messages (0: send
    /// as soon as the previous one is answered) [default: 1000].
    #[arg(long)]
    replication_linger_us: Option<u64>,
}

impl ServeArgs {
    /// Merge the configuration file (if any) under the flags and build the
    /// server configuration; also returns the store name and worker threads.
    pub fn resolve(&self) -> anyhow::Result<(String, ServerConfig, usize)> {
        let f = match &self.config {
            Some(p) => FileConfig::read(p)?,
            None => FileConfig::default(),
        };
        let store = self
            .store
            .clone()
            .or(f.store)
            .context("--store is required (or `store` in --config)")?;
        let id = self
            .id
            .or(f.id)
            .context("--id is required (or `id` in --config)")?;
        let listen = self
            .listen
            .or(f.listen)
            .context("--listen is required (or `listen` in --config)")?;
        let peers = self
            .peers
            .clone()
            .or(f.peers)
            .context("--peers is required (or `peers` in --config)")?;
        let mut c = ServerConfig::new(id, listen, peers);
        if let Some(v) = self.max_key_bytes.or(f.max_key_bytes) {
            c.max_key_bytes = v;
        }
        if let Some(v) = self.max_value_bytes.or(f.max_value_bytes) {
            c.max_value_bytes = v;
        }
        if let Some(v) = self.max_batch_ops.or(f.max_batch_ops) {
            c.max_batch_ops = v;
        }
        if let Some(v) = self.wait_ms.or(f.wait_ms) {
            c.default_wait = Duration::from_millis(v);
        }
        let fsync = self.fsync.or(f.fsync);
        c.wal = match self.wal.clone().or(f.wal) {
            Some(dir) => Some(WalOptions {
                dir,
                fsync: fsync.unwrap_or_default(),
            }),
            None => {
                anyhow::ensure!(fsync.is_none(), "--fsync needs --wal");
                None
            }
        };
        if let Some(v) = self.wal_compact_bytes.or(f.wal_compact_bytes) {
            anyhow::ensure!(c.wal.is_some(), "--wal-compact-bytes needs --wal");
            c.wal_compact_bytes = v;
        }
        c.metrics = self.metrics.or(f.metrics);
        c.tls = TlsFiles {
            cert: self.tls_cert.clone().or(f.tls_cert),
            key: self.tls_key.clone().or(f.tls_key),
            ca: self.tls_ca.clone().or(f.tls_ca),
            domain: self.tls_domain.clone().or(f.tls_domain),
            client_ca: self.tls_client_ca.clone().or(f.tls_client_ca),
            client_auth: self
                .tls_client_auth
                .or(f.tls_client_auth)
                .unwrap_or_default(),
            client_cert: self.tls_client_cert.clone().or(f.tls_client_cert),
            client_key: self.tls_client_key.clone().or(f.tls_client_key),
        };
        c.replica_secret = self.replica_secret.clone().or(f.replica_secret);
        c.actor = self.actor.or(f.actor).unwrap_or_default();
        if let Some(us) = self.replication_linger_us.or(f.replication_linger_us) {
            c.replication_linger = Duration::from_micros(us);
        }
        let threads = self.worker_threads.or(f.worker_threads);
        let threads = match c.actor {
            ActorPlacement::Thread => threads.unwrap_or(2).max(1),
            ActorPlacement::Inline => {
                anyhow::ensure!(
                    threads.is_none_or(|t| t == 1),
                    "--actor inline runs the whole replica on one thread: it cannot be combined \
                     with --worker-threads {}",
                    threads.unwrap_or_default()
                );
                1
            }
        };
        c.validate().map_err(|e| anyhow::anyhow!(e))?;
        Ok((store, c, threads))
    }
}

/// Client connection options.
#[derive(Debug, Clone, clap::Args)]
struct ClientArgs {
    /// Replica addresses, comma separated.
    #[arg(long, value_delimiter = ',', required = true)]
    replicas: Vec<String>,
    /// Connect over TLS, trusting this CA (PEM).
    #[arg(long)]
    tls_ca: Option<PathBuf>,
    /// Server name to verify [default: the address's host].
    #[arg(long)]
    tls_domain: Option<String>,
    /// Client certificate (PEM) to present to replicas that require one (mutual TLS).
    #[arg(long, requires = "tls_client_key")]
    tls_client_cert: Option<PathBuf>,
    /// Private key (PEM) of --tls-client-cert.
    #[arg(long, requires = "tls_client_cert")]
    tls_client_key: Option<PathBuf>,
}

impl ClientArgs {
    fn tls(&self) -> anyhow::Result<Option<ClientTls>> {
        let Some(ca) = &self.tls_ca else {
            anyhow::ensure!(
                self.tls_domain.is_none() && self.tls_client_cert.is_none(),
                "--tls-domain and --tls-client-cert need --tls-ca"
            );
            return Ok(None);
        };
        let mut t = ClientTls::from_file(ca)?;
        if let (Some(c), Some(k)) = (&self.tls_client_cert, &self.tls_client_key) {
            t = t.with_identity_files(c, k)?;
        }
        Ok(Some(match &self.tls_domain {
            Some(d) => t.with_domain(d.clone()),
            None => t,
        }))
    }
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run one replica until SIGINT/SIGTERM.
    Serve(Box<ServeArgs>),
    /// Write a value (prints the new session token in hex).
    Put {
        #[command(flatten)]
        conn: ClientArgs,
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
        #[command(flatten)]
        conn: ClientArgs,
        /// Continue the session of this hex token.
        #[arg(long)]
        token: Option<String>,
        /// Key (UTF-8).
        key: String,
    },
    /// Pipelined load generator: prints one JSON object with throughput and latency.
    Load(Box<LoadArgs>),
    /// List the registered stores.
    Stores,
}

/// Options of `kvstore load`.
#[derive(Debug, Clone, clap::Args)]
struct LoadArgs {
    #[command(flatten)]
    conn: ClientArgs,
    /// Measured seconds.
    #[arg(long, default_value_t = 5.0)]
    seconds: f64,
    /// Unmeasured warm-up seconds.
    #[arg(long, default_value_t = 1.0)]
    warmup: f64,
    /// Client connections (each has one HTTP/2 connection per replica).
    #[arg(long, default_value_t = 2)]
    connections: usize,
    /// Requests in flight per connection.
    #[arg(long, default_value_t = 16)]
    depth: usize,
    /// Operations per request.
    #[arg(long, default_value_t = 32)]
    batch: usize,
    /// Fraction of gets (0.5: YCSB-A-like, 0.95: YCSB-B-like).
    #[arg(long, default_value_t = 0.5)]
    read_ratio: f64,
    /// Distinct keys.
    #[arg(long, default_value_t = 1000)]
    keys: u64,
    /// Value size in bytes.
    #[arg(long, default_value_t = 100)]
    value_bytes: usize,
    /// Target rate in operations per second (default: as fast as possible).
    #[arg(long)]
    rate: Option<f64>,
    /// Move every session to the next replica after each request.
    #[arg(long)]
    rotate: bool,
    /// Send the requests to each replica over one long-lived `BatchStream`
    /// call instead of one `Batch` call per request (less CPU per request
    /// on both sides; no failover).
    #[arg(long)]
    stream: bool,
    /// With --rate: release the requests due on a grid of this many
    /// microseconds, together, instead of each at its own time (0). The
    /// latency is still charged from each request's intended time.
    #[arg(long, default_value_t = 0)]
    pace_tick_us: u64,
    /// Random seed.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Request deadline in ms.
    #[arg(long, default_value_t = 2000)]
    timeout_ms: u64,
    /// Threads of the load generator. 1: everything (pacing, sending,
    /// receiving, recording) on one thread, which on a machine shared with
    /// the replicas it loads costs the least CPU (no wake-ups between
    /// threads); more: a multi-threaded Tokio runtime with that many workers.
    #[arg(long, default_value_t = 1)]
    threads: usize,
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

fn session(conn: &ClientArgs, token: Option<String>) -> anyhow::Result<Client> {
    let mut c = Client::connect_with(&conn.replicas, conn.tls()?.as_ref())?;
    if let Some(t) = token {
        c.set_token(from_hex(&t).context("--token")?);
    }
    Ok(c)
}

/// Resolves on Ctrl-C or SIGTERM.
pub(crate) async fn shutdown_signal() {
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
    let threads = match &cli.command {
        Command::Serve(a) => {
            let (_, config, threads) = a.resolve()?;
            if config.actor == ActorPlacement::Inline {
                return crate::server::run_single_threaded(move || run(cli))?;
            }
            threads
        }
        Command::Load(a) => {
            anyhow::ensure!(a.threads > 0, "--threads must be positive");
            a.threads
        }
        _ => 1,
    };
    // For every command, one thread means a current-thread runtime (also
    // `serve --actor thread --worker-threads 1`: the main thread serves the
    // network next to the actor's own thread): no wake-ups between threads.
    let rt = if threads == 1 {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(threads)
            .enable_all()
            .build()?
    };
    rt.block_on(run(cli))
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve(args) => {
            let (store, config, _) = args.resolve()?;
            let handle = run_store_by_name(&store, config).await?;
            shutdown_signal().await;
            tracing::info!("signal received, shutting down");
            handle.shutdown().await?;
            Ok(())
        }
        Command::Put {
            conn,
            token,
            key,
            value,
        } => {
            let mut c = session(&conn, token)?;
            c.put(key, value).await?;
            println!("{}", to_hex(c.token()));
            Ok(())
        }
        Command::Get { conn, token, key } => {
            let mut c = session(&conn, token)?;
            match c.get(key).await? {
                Some(v) => println!("{}", String::from_utf8_lossy(&v)),
                None => println!("(not found)"),
            }
            eprintln!("token {}", to_hex(c.token()));
            Ok(())
        }
        Command::Load(a) => {
            anyhow::ensure!(
                a.seconds > 0.0 && a.warmup >= 0.0,
                "--seconds must be positive"
            );
            let spec = LoadSpec {
                replicas: a.conn.replicas.clone(),
                tls: a.conn.tls()?,
                duration: Duration::from_secs_f64(a.seconds),
                warmup: Duration::from_secs_f64(a.warmup),
                connections: a.connections,
                depth: a.depth,
                batch: a.batch,
                read_ratio: a.read_ratio,
                keys: a.keys,
                value_bytes: a.value_bytes,
                rate: a.rate,
                rotate: a.rotate,
                stream: a.stream,
                pace_tick: Duration::from_micros(a.pace_tick_us),
                seed: a.seed,
                timeout: Duration::from_millis(a.timeout_ms),
            };
            let report = loadgen::run(&spec).await?;
            println!("{}", serde_json::to_string(&report)?);
            anyhow::ensure!(
                report.errors * 100 <= report.ops + report.errors,
                "{} of {} operations failed (first: {})",
                report.errors,
                report.ops + report.errors,
                report.first_error.unwrap_or_default()
            );
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
            Command::Serve(a) => {
                let (store, c, threads) = a.resolve().unwrap();
                assert_eq!(store, "handwritten-vc");
                assert_eq!(c.peers.len(), 2);
                assert_eq!(c.id, 1);
                assert_eq!(threads, 2);
                assert!(c.wal.is_none());
            }
            _ => panic!("not serve"),
        }
    }

    #[test]
    fn mtls_flags_parse() {
        let c = Cli::try_parse_from([
            "kvstore",
            "serve",
            "--store",
            "handwritten-vc",
            "--id",
            "0",
            "--listen",
            "127.0.0.1:7000",
            "--peers",
            "127.0.0.1:7000",
            "--tls-cert",
            "s.pem",
            "--tls-key",
            "s.key",
            "--tls-client-ca",
            "ca.pem",
            "--tls-client-auth",
            "replication",
            "--tls-client-cert",
            "c.pem",
            "--tls-client-key",
            "c.key",
        ])
        .unwrap();
        let Command::Serve(a) = c.command else {
            panic!("not serve")
        };
        let (_, c, _) = a.resolve().unwrap();
        assert_eq!(c.tls.client_ca, Some(PathBuf::from("ca.pem")));
        assert_eq!(c.tls.client_auth, ClientAuth::Replication);
        assert_eq!(c.tls.client_key, Some(PathBuf::from("c.key")));
        assert!(Cli::try_parse_from(["kvstore", "serve", "--tls-client-auth", "x"]).is_err());
        // The client side: a certificate needs its key.
        assert!(Cli::try_parse_from([
            "kvstore",
            "get",
            "--replicas",
            "a:1",
            "--tls-ca",
            "ca.pem",
            "--tls-client-cert",
            "c.pem",
            "k",
        ])
        .is_err());
        let c = Cli::try_parse_from([
            "kvstore",
            "put",
            "--replicas",
            "a:1",
            "--tls-ca",
            "/nonexistent/ca.pem",
            "--tls-client-cert",
            "c.pem",
            "--tls-client-key",
            "c.key",
            "k",
            "v",
        ])
        .unwrap();
        let Command::Put { conn, .. } = c.command else {
            panic!("not put")
        };
        let e = conn.tls().unwrap_err().to_string();
        assert!(e.contains("/nonexistent/ca.pem"), "{e}");
    }

    #[test]
    fn flags_override_the_config_file() {
        let d = tempfile::tempdir().unwrap();
        let f = d.path().join("r.toml");
        std::fs::write(
            &f,
            "store = \"read-your-writes\"\nid = 0\nlisten = \"127.0.0.1:7000\"\n\
             peers = [\"127.0.0.1:7000\", \"127.0.0.1:7001\"]\nwal = \"/tmp/w0\"\n\
             fsync = \"never\"\nworker_threads = 3\nreplica_secret = \"s\"\n\
             wal_compact_bytes = 4096\n",
        )
        .unwrap();
        let parse = |extra: &[&str]| {
            let mut argv = vec!["kvstore", "serve", "--config", f.to_str().unwrap()];
            argv.extend_from_slice(extra);
            match Cli::try_parse_from(argv).unwrap().command {
                Command::Serve(a) => a.resolve(),
                _ => panic!("not serve"),
            }
        };
        let (store, c, threads) = parse(&[]).unwrap();
        assert_eq!(store, "read-your-writes");
        assert_eq!((c.id, threads), (0, 3));
        assert_eq!(c.wal.as_ref().unwrap().fsync, FsyncPolicy::Never);
        assert_eq!(c.wal_compact_bytes, 4096);
        let (_, c, _) = parse(&["--wal-compact-bytes", "0"]).unwrap();
        assert_eq!(c.wal_compact_bytes, 0);
        let (store, c, _) = parse(&[
            "--id",
            "1",
            "--store",
            "handwritten-vc",
            "--fsync",
            "always",
        ])
        .unwrap();
        assert_eq!((store.as_str(), c.id), ("handwritten-vc", 1));
        assert_eq!(c.wal.unwrap().fsync, FsyncPolicy::Always);
        // Without the file, the required settings are named.
        let e = match Cli::try_parse_from(["kvstore", "serve", "--id", "0"])
            .unwrap()
            .command
        {
            Command::Serve(a) => a.resolve().unwrap_err(),
            _ => panic!("not serve"),
        };
        assert!(e.to_string().contains("--store is required"), "{e}");
    }

    #[test]
    fn actor_placement_and_linger_from_flags_and_file() {
        let d = tempfile::tempdir().unwrap();
        let f = d.path().join("r.toml");
        std::fs::write(
            &f,
            "store = \"causal\"\nid = 0\nlisten = \"127.0.0.1:7000\"\n\
             peers = [\"127.0.0.1:7000\"]\nactor = \"inline\"\nreplication_linger_us = 250\n",
        )
        .unwrap();
        let parse = |extra: &[&str]| {
            let mut argv = vec!["kvstore", "serve", "--config", f.to_str().unwrap()];
            argv.extend_from_slice(extra);
            match Cli::try_parse_from(argv).map(|c| c.command) {
                Ok(Command::Serve(a)) => a.resolve(),
                Ok(_) => panic!("not serve"),
                Err(e) => Err(anyhow::anyhow!(e.to_string())),
            }
        };
        let (_, c, threads) = parse(&[]).unwrap();
        assert_eq!((c.actor, threads), (ActorPlacement::Inline, 1));
        assert_eq!(c.replication_linger, Duration::from_micros(250));
        let (_, c, threads) =
            parse(&["--actor", "thread", "--replication-linger-us", "0"]).unwrap();
        assert_eq!((c.actor, threads), (ActorPlacement::Thread, 2));
        assert_eq!(c.replication_linger, Duration::ZERO);
        assert!(parse(&["--worker-threads", "1"]).is_ok());
        let e = parse(&["--worker-threads", "2"]).unwrap_err().to_string();
        assert!(
            e.contains("--actor inline runs the whole replica on one thread"),
            "{e}"
        );
        let e = parse(&["--actor", "both"]).unwrap_err().to_string();
        assert!(e.contains("unknown actor placement \"both\""), "{e}");
    }
}
