//! `bench demo`: start a loopback cluster, benchmark it briefly, write the
//! results file, and always stop the cluster.

use crate::load::run_repeated;
use crate::provenance::Provenance;
use crate::results::{ResultsFile, StoreRun};
use crate::workload::Workload;
use anyhow::Context;
use cloud::{Cluster, UpOptions};
use std::path::PathBuf;

/// What to run.
#[derive(Debug, Clone)]
pub struct DemoOptions {
    /// Registered store name.
    pub store: String,
    /// Number of replicas.
    pub replicas: usize,
    /// The workload.
    pub workload: Workload,
    /// Repetitions (every figure is reported as min/median/max over them).
    pub repetitions: usize,
    /// Results file to write.
    pub out: PathBuf,
    /// Cluster directory (cluster file and replica logs).
    pub cluster_dir: PathBuf,
    /// The `kvstore` binary (default: next to the current executable).
    pub kvstore_bin: Option<PathBuf>,
    /// Show a progress bar.
    pub progress: bool,
    /// The command line recorded in the results.
    pub argv: Vec<String>,
}

/// Start the cluster, run the workload, stop the cluster (also when the run
/// fails), and write the results file.
pub async fn demo(opts: &DemoOptions) -> anyhow::Result<ResultsFile> {
    let mut up = UpOptions::new(opts.store.clone(), opts.replicas, opts.cluster_dir.clone());
    up.kvstore_bin = opts.kvstore_bin.clone();
    let cluster = Cluster::up(&up).await.context("starting the cluster")?;
    let addrs = cluster.addrs();
    tracing::info!(store = %opts.store, addrs = ?addrs, workload = %opts.workload.name(), "benchmarking");
    let measured = run_repeated(&addrs, &opts.workload, opts.repetitions, opts.progress).await;
    let stopped = tokio::task::spawn_blocking(move || cluster.down()).await;
    let ms = measured.context("running the workload")?;
    let stopped = stopped.context("stopping the cluster")?;
    tracing::info!(?stopped, "cluster stopped");
    let run = StoreRun::new(&opts.store, opts.replicas, &opts.workload, &ms);
    if let Some(e) = &run.first_error {
        tracing::warn!(errors = run.figures.errors.max, first = %e, "some operations failed");
    }
    let results = ResultsFile::new(vec![run], Provenance::capture(&opts.argv));
    results
        .write(&opts.out)
        .with_context(|| format!("writing {}", opts.out.display()))?;
    Ok(results)
}
