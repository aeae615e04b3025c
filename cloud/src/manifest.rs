//! The cluster file (`cluster.json`) describing a running loopback cluster.

use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// File name of the cluster file inside the cluster directory.
pub const CLUSTER_FILE: &str = "cluster.json";

/// One replica process.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplicaEntry {
    /// Replica id.
    pub id: u64,
    /// `host:port` it serves on.
    pub addr: String,
    /// Process id.
    pub pid: u32,
    /// Its log file (stdout and stderr).
    pub log: PathBuf,
}

/// Contents of `cluster.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClusterFile {
    /// Served store.
    pub store: String,
    /// The `kvstore` binary that runs the replicas.
    pub kvstore_bin: PathBuf,
    /// Replicas in id order.
    pub replicas: Vec<ReplicaEntry>,
    /// When the cluster was started (seconds since the Unix epoch).
    pub started_unix_s: u64,
}

impl ClusterFile {
    /// Replica addresses in id order.
    pub fn addrs(&self) -> Vec<String> {
        self.replicas.iter().map(|r| r.addr.clone()).collect()
    }

    /// Path of the cluster file in `dir`.
    pub fn path_in(dir: &Path) -> PathBuf {
        dir.join(CLUSTER_FILE)
    }

    /// Write the cluster file into `dir`.
    pub fn write(&self, dir: &Path) -> std::io::Result<()> {
        let json = serde_json::to_string_pretty(self).map_err(std::io::Error::other)?;
        std::fs::write(Self::path_in(dir), json + "\n")
    }

    /// Read the cluster file from `dir`.
    pub fn read(dir: &Path) -> std::io::Result<ClusterFile> {
        let text = std::fs::read_to_string(Self::path_in(dir))?;
        serde_json::from_str(&text)
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))
    }
}
