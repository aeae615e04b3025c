//! The outer performance loop: measure a registered store's throughput so
//! the synthesizer can rank closed (verified) candidates.
//!
//! [`measure_store`] starts a 3-replica loopback cluster of the store (the
//! `kvstore` binary next to the current executable), runs a short fixed
//! workload ([`short_fixed_workload`]), stops the cluster (also on failure)
//! and returns the measured operations per second. It is synchronous (it
//! runs its own Tokio runtime on a helper thread, so it may be called from
//! inside or outside a runtime) and takes a few seconds.
//!
//! The synthesizer's `PerfHook` (synth/src/engine.rs) can be implemented
//! with it, once the candidate's store is registered under a name:
//!
//! ```ignore
//! struct Throughput;
//! impl synth::engine::PerfHook for Throughput {
//!     fn measure(&mut self, closed: &Closed) -> Option<f64> {
//!         let name = store_name_of(closed); // registered in kvstore-runtime
//!         let w = bench_harness::feedback::short_fixed_workload();
//!         match bench_harness::feedback::measure_store(&name, &w) {
//!             Ok(ops_per_s) => Some(ops_per_s),
//!             Err(e) => { tracing::warn!("{e:#}"); None }
//!         }
//!     }
//! }
//! ```

use crate::load::run_load;
use crate::workload::{Length, Workload};
use anyhow::Context;
use cloud::{Cluster, UpOptions};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

/// The fixed workload used to rank candidates: 4,000 operations, 8
/// closed-loop clients, 50% reads over 1,000 uniform keys, 100-byte values,
/// 25 warm-up operations per client, seed 1. Fixed so that numbers of
/// different candidates (and runs) are comparable.
pub fn short_fixed_workload() -> Workload {
    Workload {
        length: Length::Ops(4000),
        warmup_ops_per_client: 25,
        ..Workload::default()
    }
}

/// Where and how to measure.
#[derive(Debug, Clone)]
pub struct MeasureOptions {
    /// Replicas of the cluster (default 3).
    pub replicas: usize,
    /// The `kvstore` binary (default: next to the current executable).
    pub kvstore_bin: Option<PathBuf>,
    /// Cluster directory (default: a fresh directory under the system
    /// temporary directory, removed afterwards).
    pub cluster_dir: Option<PathBuf>,
    /// Largest tolerated fraction of failed operations (default 0.01).
    pub max_error_fraction: f64,
}

impl Default for MeasureOptions {
    fn default() -> Self {
        MeasureOptions {
            replicas: 3,
            kvstore_bin: None,
            cluster_dir: None,
            max_error_fraction: 0.01,
        }
    }
}

/// Throughput (ops/s) of the registered store `store` under `workload`, on
/// a fresh 3-replica loopback cluster with default [`MeasureOptions`].
pub fn measure_store(store: &str, workload: &Workload) -> anyhow::Result<f64> {
    measure_store_with(store, workload, &MeasureOptions::default())
}

/// [`measure_store`] with explicit options.
pub fn measure_store_with(
    store: &str,
    workload: &Workload,
    opts: &MeasureOptions,
) -> anyhow::Result<f64> {
    let (store, workload, opts) = (store.to_string(), workload.clone(), opts.clone());
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .context("starting a Tokio runtime")?;
        rt.block_on(measure_store_async(&store, &workload, &opts))
    })
    .join()
    .map_err(|_| anyhow::anyhow!("the measuring thread panicked"))?
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// The asynchronous core of [`measure_store_with`] (needs a multi-threaded
/// Tokio runtime with I/O and time enabled).
pub async fn measure_store_async(
    store: &str,
    workload: &Workload,
    opts: &MeasureOptions,
) -> anyhow::Result<f64> {
    let (dir, temporary) = match &opts.cluster_dir {
        Some(d) => (d.clone(), false),
        None => (
            std::env::temp_dir().join(format!(
                "kvstore-feedback-{store}-{}-{}",
                std::process::id(),
                COUNTER.fetch_add(1, Ordering::Relaxed)
            )),
            true,
        ),
    };
    let mut up = UpOptions::new(store, opts.replicas, dir.clone());
    up.kvstore_bin = opts.kvstore_bin.clone();
    let cluster = Cluster::up(&up)
        .await
        .with_context(|| format!("starting a loopback cluster of {store}"))?;
    let addrs = cluster.addrs();
    let measured = run_load(&addrs, workload, false).await;
    let _ = tokio::task::spawn_blocking(move || cluster.down()).await;
    if temporary {
        let _ = std::fs::remove_dir_all(&dir);
    }
    let m = measured.with_context(|| format!("running the workload on {store}"))?;
    let total = (m.ops + m.errors) as f64;
    anyhow::ensure!(
        m.errors as f64 <= opts.max_error_fraction * total,
        "{store}: {} of {} operations failed (first: {})",
        m.errors,
        total,
        m.first_error.unwrap_or_default()
    );
    tracing::info!(store, ops_per_s = m.ops_per_s(), "measured");
    Ok(m.ops_per_s())
}
