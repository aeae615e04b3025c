//! Server configuration.

use std::net::SocketAddr;
use std::time::Duration;

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
        Ok(())
    }
}
