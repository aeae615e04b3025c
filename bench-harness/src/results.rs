//! The results file schema (`results/*.json`).

use crate::provenance::{Machine, Provenance};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// One measured run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Run {
    /// Store name.
    pub store: String,
    /// Workload name (see [`crate::workload::Workload::name`]).
    pub workload: String,
    /// Number of replicas.
    pub replicas: usize,
    /// Completed operations per second (measured phase).
    pub ops_per_s: f64,
    /// Median latency, ms.
    pub p50_ms: f64,
    /// 99th percentile latency, ms.
    pub p99_ms: f64,
    /// 99.9th percentile latency, ms.
    pub p999_ms: f64,
    /// Operations measured (warm-up excluded).
    #[serde(default)]
    pub ops: u64,
    /// Failed operations (not in the latencies).
    #[serde(default)]
    pub errors: u64,
    /// Concurrent closed-loop clients.
    #[serde(default)]
    pub clients: usize,
    /// Length of the measured phase, s.
    #[serde(default)]
    pub seconds: f64,
}

/// A results file: runs plus their provenance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResultsFile {
    /// The runs.
    pub runs: Vec<Run>,
    /// Exact command line.
    pub command: String,
    /// Git revision (`-dirty` if the tree had changes).
    pub revision: String,
    /// Machine description.
    pub machine: Machine,
    /// UTC date, RFC 3339.
    pub date: String,
}

impl ResultsFile {
    /// Runs with the given provenance.
    pub fn new(runs: Vec<Run>, p: Provenance) -> ResultsFile {
        ResultsFile {
            runs,
            command: p.command,
            revision: p.revision,
            machine: p.machine,
            date: p.date,
        }
    }

    /// Write as pretty JSON, creating parent directories.
    pub fn write(&self, path: &Path) -> std::io::Result<()> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)?;
        }
        let json = serde_json::to_string_pretty(self).map_err(std::io::Error::other)?;
        std::fs::write(path, json + "\n")
    }

    /// Read a results file.
    pub fn read(path: &Path) -> std::io::Result<ResultsFile> {
        let text = std::fs::read_to_string(path)?;
        serde_json::from_str(&text)
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))
    }
}
