//! `bench`: load generator and benchmark demo for kvstore clusters.

use anyhow::Context;
use bench_harness::demo::{demo, DemoOptions};
use bench_harness::load::run_load;
use bench_harness::provenance::Provenance;
use bench_harness::results::ResultsFile;
use bench_harness::workload::{Length, Workload};
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;
use std::time::Duration;

/// Benchmarks of kvstore clusters.
#[derive(Debug, Parser)]
#[command(name = "bench", version)]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Debug, Args)]
struct WorkloadArgs {
    /// Measured operations in total (ignored with --seconds).
    #[arg(long, default_value_t = 10_000)]
    ops: u64,
    /// Run the measured phase for this many seconds instead of --ops.
    #[arg(long)]
    seconds: Option<f64>,
    /// Concurrent closed-loop clients (sessions).
    #[arg(long, default_value_t = 8)]
    clients: usize,
    /// Fraction of gets.
    #[arg(long, default_value_t = 0.5)]
    read_ratio: f64,
    /// Distinct keys.
    #[arg(long, default_value_t = 1000)]
    keys: u64,
    /// Value size in bytes.
    #[arg(long, default_value_t = 100)]
    value_bytes: usize,
    /// Unmeasured warm-up operations per client.
    #[arg(long, default_value_t = 100)]
    warmup: u64,
    /// Random seed.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// No progress bar.
    #[arg(long)]
    quiet: bool,
}

impl WorkloadArgs {
    fn workload(&self) -> Workload {
        Workload {
            length: match self.seconds {
                Some(s) => Length::Duration(Duration::from_secs_f64(s)),
                None => Length::Ops(self.ops),
            },
            clients: self.clients,
            read_ratio: self.read_ratio,
            keys: self.keys,
            value_bytes: self.value_bytes,
            warmup_ops_per_client: self.warmup,
            seed: self.seed,
        }
    }
}

#[derive(Debug, Subcommand)]
enum Cmd {
    /// Benchmark running replicas.
    Run {
        /// Replica addresses, comma separated.
        #[arg(long, value_delimiter = ',', required = true)]
        replicas: Vec<String>,
        /// Store name recorded in the results.
        #[arg(long)]
        store: String,
        #[command(flatten)]
        workload: WorkloadArgs,
        /// Results file.
        #[arg(long)]
        out: PathBuf,
    },
    /// Start a loopback cluster of a store, benchmark it briefly, stop it.
    Demo {
        /// Registered store name.
        #[arg(long, default_value = "handwritten-vc")]
        store: String,
        /// Number of replicas.
        #[arg(long, default_value_t = 3)]
        replica_count: usize,
        #[command(flatten)]
        workload: WorkloadArgs,
        /// Results file (default: results/<store>.json).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Cluster directory for the cluster file and logs (default: target/bench-demo/<store>).
        #[arg(long)]
        cluster_dir: Option<PathBuf>,
        /// The kvstore binary (default: next to this executable).
        #[arg(long)]
        kvstore_bin: Option<PathBuf>,
    },
}

fn main() {
    if let Err(e) = run() {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}

fn print_summary(r: &ResultsFile, out: &std::path::Path) {
    for run in &r.runs {
        println!(
            "{} {} replicas={} ops/s={:.0} p50={:.3}ms p99={:.3}ms p99.9={:.3}ms errors={}",
            run.store,
            run.workload,
            run.replicas,
            run.ops_per_s,
            run.p50_ms,
            run.p99_ms,
            run.p999_ms,
            run.errors
        );
    }
    println!("wrote {}", out.display());
}

fn run() -> anyhow::Result<()> {
    let argv: Vec<String> = std::env::args().collect();
    let cli = Cli::parse();
    kvstore_runtime::cli::init_logging();
    let rt = tokio::runtime::Runtime::new()?;
    rt.block_on(async {
        match cli.command {
            Cmd::Run {
                replicas,
                store,
                workload,
                out,
            } => {
                let w = workload.workload();
                let m = run_load(&replicas, &w, !workload.quiet).await?;
                let results = ResultsFile::new(
                    vec![m.to_run(&store, &w, replicas.len())],
                    Provenance::capture(&argv),
                );
                results
                    .write(&out)
                    .with_context(|| format!("writing {}", out.display()))?;
                print_summary(&results, &out);
                anyhow::ensure!(
                    m.errors * 100 <= m.ops + m.errors,
                    "{} of {} operations failed (first: {})",
                    m.errors,
                    m.ops + m.errors,
                    m.first_error.unwrap_or_default()
                );
                Ok(())
            }
            Cmd::Demo {
                store,
                replica_count,
                workload,
                out,
                cluster_dir,
                kvstore_bin,
            } => {
                let out = out.unwrap_or_else(|| PathBuf::from(format!("results/{store}.json")));
                let opts = DemoOptions {
                    cluster_dir: cluster_dir
                        .unwrap_or_else(|| PathBuf::from(format!("target/bench-demo/{store}"))),
                    store,
                    replicas: replica_count,
                    workload: workload.workload(),
                    out: out.clone(),
                    kvstore_bin,
                    progress: !workload.quiet,
                    argv,
                };
                let results = demo(&opts).await?;
                print_summary(&results, &out);
                Ok(())
            }
        }
    })
}
