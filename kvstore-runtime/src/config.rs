//! Server configuration, and the TOML file the `kvstore serve --config`
//! command reads ([`FileConfig`]; command-line flags override it).

use crate::security::TlsFiles;
use crate::wal::FsyncPolicy;
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Where and how a replica keeps its write-ahead log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WalOptions {
    /// Directory of the log (created if missing; one replica per directory).
    pub dir: PathBuf,
    /// When the log is forced to disk.
    pub fsync: FsyncPolicy,
}

/// Default [`ServerConfig::replication_linger`].
pub const DEFAULT_REPLICATION_LINGER: Duration = Duration::from_millis(1);

/// Configuration of one replica server.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// This replica's id, an index into [`ServerConfig::peers`].
    pub id: u64,
    /// Address to listen on (ignored by [`crate::serve_with_listener`]).
    pub listen: SocketAddr,
    /// Addresses (`host:port`) of **all** replicas in id order; entry `id` is
    /// this replica and is not contacted. The cluster size is `peers.len()`.
    pub peers: Vec<String>,
    /// Largest accepted key, in bytes.
    pub max_key_bytes: usize,
    /// Largest accepted value, in bytes.
    pub max_value_bytes: usize,
    /// Largest number of operations in one `Batch` request.
    pub max_batch_ops: usize,
    /// How long a request waits for the replica to catch up when the client
    /// sent no `grpc-timeout`.
    pub default_wait: Duration,
    /// Replication: first retry delay after a failed delivery to a peer.
    pub retry_min: Duration,
    /// Replication: largest retry delay (exponential backoff is capped here).
    pub retry_max: Duration,
    /// Replication: most messages sent to a peer in one `Deliver` call.
    pub max_messages_per_delivery: usize,
    /// Replication: least time between the starts of two `Deliver` calls
    /// to one peer, so that a call carries the messages of many rounds
    /// (zero: send as soon as the previous call is answered). It delays the
    /// moment a write is visible at other replicas by at most this long.
    pub replication_linger: Duration,
    /// Write-ahead log (none: a restarted replica starts empty).
    pub wal: Option<WalOptions>,
    /// Compact the write-ahead log into a snapshot once it reaches this many
    /// bytes (0: never; default [`crate::wal::DEFAULT_COMPACT_BYTES`]).
    pub wal_compact_bytes: u64,
    /// Address of the Prometheus metrics endpoint (none: no endpoint).
    pub metrics: Option<SocketAddr>,
    /// TLS certificate, key and CA (all empty: plain TCP).
    pub tls: TlsFiles,
    /// Shared secret required on the replication service (and sent to peers).
    pub replica_secret: Option<String>,
    /// Where the replica actor (the owner of the store state) runs.
    pub actor: ActorPlacement,
}

/// Where a replica's actor, the single owner of the store state, runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ActorPlacement {
    /// On a thread of its own: store work never holds up the runtime's
    /// network tasks, at the price of two thread hand-overs per request.
    #[default]
    Thread,
    /// As a task on the thread that calls [`crate::serve`], which must be
    /// inside a [`tokio::task::LocalSet`] on a current-thread runtime
    /// ([`crate::run_single_threaded`] sets one up): the whole replica is
    /// one thread, so a request is never handed between threads. The best
    /// choice when replicas share few cores.
    Inline,
}

impl std::str::FromStr for ActorPlacement {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "thread" => Ok(ActorPlacement::Thread),
            "inline" => Ok(ActorPlacement::Inline),
            _ => Err(format!(
                "unknown actor placement {s:?} (expected thread or inline)"
            )),
        }
    }
}

impl ServerConfig {
    /// A configuration with default limits.
    pub fn new(id: u64, listen: SocketAddr, peers: Vec<String>) -> Self {
        ServerConfig {
            id,
            listen,
            peers,
            max_key_bytes: 1024,
            max_value_bytes: 1 << 20,
            max_batch_ops: 10_000,
            default_wait: Duration::from_secs(2),
            retry_min: Duration::from_millis(20),
            retry_max: Duration::from_secs(1),
            max_messages_per_delivery: 1024,
            replication_linger: DEFAULT_REPLICATION_LINGER,
            wal: None,
            wal_compact_bytes: crate::wal::DEFAULT_COMPACT_BYTES,
            metrics: None,
            tls: TlsFiles::default(),
            replica_secret: None,
            actor: ActorPlacement::Thread,
        }
    }

    /// Number of replicas in the cluster.
    pub fn replicas(&self) -> u64 {
        self.peers.len() as u64
    }

    /// Check the configuration is usable.
    pub fn validate(&self) -> Result<(), String> {
        if self.peers.is_empty() {
            return Err(
                "the peer list is empty (it must list all replicas, this one included)".into(),
            );
        }
        if self.id >= self.replicas() {
            return Err(format!(
                "replica id {} is out of range: the peer list has {} replicas (ids 0..{})",
                self.id,
                self.replicas(),
                self.replicas()
            ));
        }
        if self.max_messages_per_delivery == 0 || self.max_batch_ops == 0 {
            return Err("batch limits must be positive".into());
        }
        if self.retry_min.is_zero() || self.retry_max < self.retry_min {
            return Err("replication retry delays must satisfy 0 < retry_min <= retry_max".into());
        }
        if self.replica_secret.as_deref() == Some("") {
            return Err("the replica secret must not be empty".into());
        }
        if let Some(s) = &self.replica_secret {
            if tonic::metadata::MetadataValue::try_from(s.as_str()).is_err() {
                return Err("the replica secret must be printable ASCII".into());
            }
        }
        Ok(())
    }
}

/// The `kvstore serve --config FILE` TOML file: every field is optional and
/// a command-line flag of the same name (with `-` for `_`) overrides it.
///
/// ```toml
/// store = "handwritten-vc"
/// id = 0
/// listen = "127.0.0.1:7000"
/// peers = ["127.0.0.1:7000", "127.0.0.1:7001", "127.0.0.1:7002"]
/// wal = "/var/lib/kvstore/0"
/// fsync = "always"          # always | batch | never
/// wal_compact_bytes = 67108864  # snapshot + new log at this size (0 = never)
/// metrics = "127.0.0.1:9100"
/// tls_cert = "replica.pem"
/// tls_key = "replica.key"
/// tls_ca = "ca.pem"
/// tls_client_ca = "ca.pem"        # mutual TLS: client certificates must be signed by it
/// tls_client_auth = "all"         # all | replication (which services need one)
/// tls_client_cert = "client.pem"  # presented on replica links [default: tls_cert]
/// tls_client_key = "client.key"
/// replica_secret = "change me"
/// ```
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    /// Registered store name.
    pub store: Option<String>,
    /// Replica id.
    pub id: Option<u64>,
    /// Listen address.
    pub listen: Option<SocketAddr>,
    /// All replicas in id order.
    pub peers: Option<Vec<String>>,
    /// Largest key in bytes.
    pub max_key_bytes: Option<usize>,
    /// Largest value in bytes.
    pub max_value_bytes: Option<usize>,
    /// Largest batch in operations.
    pub max_batch_ops: Option<usize>,
    /// Catch-up wait without a client deadline, in ms.
    pub wait_ms: Option<u64>,
    /// Write-ahead log directory.
    pub wal: Option<PathBuf>,
    /// Fsync policy of the log.
    pub fsync: Option<FsyncPolicy>,
    /// Log size that triggers compaction (0: never).
    pub wal_compact_bytes: Option<u64>,
    /// Metrics endpoint address.
    pub metrics: Option<SocketAddr>,
    /// TLS certificate (PEM).
    pub tls_cert: Option<PathBuf>,
    /// TLS key (PEM).
    pub tls_key: Option<PathBuf>,
    /// CA of the peers' certificates (PEM).
    pub tls_ca: Option<PathBuf>,
    /// Server name checked on replica links.
    pub tls_domain: Option<String>,
    /// CA of the client certificates (mutual TLS).
    pub tls_client_ca: Option<PathBuf>,
    /// Which services need a client certificate: `all` or `replication`.
    pub tls_client_auth: Option<crate::security::ClientAuth>,
    /// Client certificate the replica links present (PEM).
    pub tls_client_cert: Option<PathBuf>,
    /// Its private key (PEM).
    pub tls_client_key: Option<PathBuf>,
    /// Shared replica secret.
    pub replica_secret: Option<String>,
    /// Tokio worker threads of the server.
    pub worker_threads: Option<usize>,
    /// Where the replica actor runs: `thread` or `inline`.
    pub actor: Option<ActorPlacement>,
    /// Least time between two deliveries to one peer, in microseconds.
    pub replication_linger_us: Option<u64>,
}

/// A configuration file that cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("configuration file {path}: {reason}")]
pub struct ConfigFileError {
    /// The file.
    pub path: PathBuf,
    /// What is wrong.
    pub reason: String,
}

impl FileConfig {
    /// Read and parse a TOML configuration file.
    pub fn read(path: &Path) -> Result<FileConfig, ConfigFileError> {
        let err = |reason: String| ConfigFileError {
            path: path.to_path_buf(),
            reason,
        };
        let text = std::fs::read_to_string(path).map_err(|e| err(e.to_string()))?;
        toml::from_str(&text).map_err(|e| err(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_config_parses_and_rejects_unknown_keys() {
        let f: FileConfig = toml::from_str(
            r#"
            store = "handwritten-vc"
            id = 1
            listen = "127.0.0.1:7001"
            peers = ["a:1", "b:2"]
            fsync = "batch"
            wal = "/tmp/w"
            tls_client_ca = "ca.pem"
            tls_client_auth = "replication"
            "#,
        )
        .unwrap();
        assert_eq!(f.id, Some(1));
        assert_eq!(
            f.tls_client_auth,
            Some(crate::security::ClientAuth::Replication)
        );
        assert!(toml::from_str::<FileConfig>("tls_client_auth = \"some\"").is_err());
        assert_eq!(f.fsync, Some(FsyncPolicy::Batch));
        assert_eq!(f.peers.unwrap().len(), 2);
        let e = toml::from_str::<FileConfig>("stor = 1").unwrap_err();
        assert!(e.to_string().contains("unknown field"), "{e}");
        let e = toml::from_str::<FileConfig>("fsync = \"sometimes\"").unwrap_err();
        assert!(e.to_string().contains("sometimes"), "{e}");
    }

    #[test]
    fn empty_secret_is_refused() {
        let mut c = ServerConfig::new(0, "127.0.0.1:1".parse().unwrap(), vec!["x".into()]);
        assert!(c.validate().is_ok());
        c.replica_secret = Some(String::new());
        assert!(c.validate().is_err());
    }
}
