//! `bench`: load generator, store comparison and benchmark demo for kvstore clusters.

use anyhow::Context;
use bench_harness::compare::{compare, CompareOptions};
use bench_harness::demo::{demo, DemoOptions};
use bench_harness::load::run_repeated;
use bench_harness::provenance::Provenance;
use bench_harness::results::{ResultsFile, StoreRun};
use bench_harness::workload::{Arrival, KeyDist, Length, Workload};
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;
use std::time::Duration;

/// Benchmarks of kvstore clusters.
#[derive(Debug, Parser)]
#[command(name = "bench", version)]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Dist {
    Uniform,
    Zipfian,
}

#[derive(Debug, Args)]
struct WorkloadArgs {
    /// Measured operations in total (ignored with --seconds).
    #[arg(long, default_value_t = 10_000)]
    ops: u64,
    /// Run the measured phase for this many seconds instead of --ops.
    #[arg(long)]
    seconds: Option<f64>,
    /// Concurrent clients (sessions).
    #[arg(long, default_value_t = 8)]
    clients: usize,
    /// Fraction of gets.
    #[arg(long, default_value_t = 0.5)]
    read_ratio: f64,
    /// Distinct keys.
    #[arg(long, default_value_t = 1000)]
    keys: u64,
    /// Key distribution.
    #[arg(long, value_enum, default_value = "uniform")]
    dist: Dist,
    /// Zipfian skew (with --dist zipfian).
    #[arg(long, default_value_t = bench_harness::workload::YCSB_THETA)]
    theta: f64,
    /// Value size in bytes.
    #[arg(long, default_value_t = 100)]
    value_bytes: usize,
    /// Open loop at this total target rate (ops/s); default: closed loop.
    #[arg(long)]
    rate: Option<f64>,
    /// Unmeasured warm-up operations per client.
    #[arg(long, default_value_t = 100)]
    warmup: u64,
    /// Repetitions (figures are reported as min/median/max over them).
    #[arg(long, default_value_t = 3)]
    repetitions: usize,
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
                Some(s) => Length::Seconds(s),
                None => Length::Ops(self.ops),
            },
            clients: self.clients,
            read_ratio: self.read_ratio,
            keys: self.keys,
            key_dist: match self.dist {
                Dist::Uniform => KeyDist::Uniform,
                Dist::Zipfian => KeyDist::Zipfian { theta: self.theta },
            },
            value_bytes: self.value_bytes,
            warmup_ops_per_client: self.warmup,
            arrival: match self.rate {
                Some(r) => Arrival::Open { rate_per_s: r },
                None => Arrival::Closed,
            },
            seed: self.seed,
        }
    }
}

fn parse_workload(s: &str) -> Result<Workload, String> {
    Workload::from_spec(s)
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
    /// Every store of a list on its own loopback cluster, same workloads, one
    /// run; history-length scaling; ratios; plots.
    Compare {
        /// Stores (default: every registered store plus causal and causal-function-store).
        #[arg(long, value_delimiter = ',')]
        stores: Option<Vec<String>>,
        /// Workload spec, repeatable, e.g. dist=zipfian,read=0.95,keys=1000,seconds=2
        /// (first = primary workload of the ratios; default: three YCSB-style workloads).
        #[arg(long = "workload", value_parser = parse_workload)]
        workloads: Vec<Workload>,
        /// Repetitions of each (store, workload).
        #[arg(long, default_value_t = 3)]
        repetitions: usize,
        /// Replicas per cluster.
        #[arg(long, default_value_t = 3)]
        replicas: usize,
        /// Stores of the history scaling (default: causal, causal-function-store, handwritten-vc).
        #[arg(long, value_delimiter = ',')]
        history_stores: Option<Vec<String>>,
        /// History lengths (puts before measuring); empty string: no history scaling.
        #[arg(long, value_delimiter = ',')]
        history_puts: Option<Vec<u64>>,
        /// Workload after each preload (keys is set to N).
        #[arg(long, value_parser = parse_workload)]
        history_workload: Option<Workload>,
        /// Time limit of one preload, s.
        #[arg(long, default_value_t = 120)]
        preload_timeout_s: u64,
        /// Results file.
        #[arg(long, default_value = "results/bench.json")]
        out: PathBuf,
        /// Directory of the SVG plots.
        #[arg(long, default_value = "results")]
        plots_dir: PathBuf,
        /// Do not draw plots.
        #[arg(long)]
        no_plots: bool,
        /// Parent of the cluster directories.
        #[arg(long, default_value = "target/bench-compare")]
        cluster_root: PathBuf,
        /// The kvstore binary (default: next to this executable).
        #[arg(long)]
        kvstore_bin: Option<PathBuf>,
        /// Stores of the paired phase, whose interleaved rounds give the
        /// headline ratios (default: causal, handwritten-vc, causal-function-store).
        #[arg(long, value_delimiter = ',')]
        paired_stores: Option<Vec<String>>,
        /// Rounds of the paired phase (0: ratios from the sequential runs).
        #[arg(long, default_value_t = 7)]
        paired_rounds: usize,
        /// No progress bars.
        #[arg(long)]
        quiet: bool,
    },
    /// Redraw the SVG plots of a results file.
    Plot {
        /// Results file.
        #[arg(long = "in", default_value = "results/bench.json")]
        input: PathBuf,
        /// Output directory.
        #[arg(long, default_value = "results")]
        dir: PathBuf,
    },
    /// Throughput of a registered store under the fixed feedback workload
    /// (what the synthesizer's performance hook measures).
    Measure {
        /// Registered store name.
        #[arg(long)]
        store: String,
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
        let f = &run.figures;
        println!(
            "{} {} replicas={} ops/s={:.0} [{:.0}..{:.0}] p50={:.3}ms p99={:.3}ms p99.9={:.3}ms errors<={}",
            run.store,
            run.workload_name,
            run.replicas,
            f.ops_per_s.median,
            f.ops_per_s.min,
            f.ops_per_s.max,
            f.p50_ms.median,
            f.p99_ms.median,
            f.p999_ms.median,
            f.errors.max
        );
    }
    for s in &r.skipped {
        println!("skipped {}: {}", s.store, s.reason);
    }
    for h in &r.history {
        match &h.run {
            Some(run) => println!(
                "history {} after {} puts: preload {:.2}s, ops/s={:.0} p50={:.3}ms",
                h.store,
                h.history_puts,
                h.preload_seconds,
                run.figures.ops_per_s.median,
                run.figures.p50_ms.median
            ),
            None => println!(
                "history {} after {} puts: {}",
                h.store,
                h.history_puts,
                h.note.as_deref().unwrap_or("")
            ),
        }
    }
    if !r.ratio_details.is_empty() {
        println!(
            "ratios: {}",
            serde_json::to_string(&r.ratios).unwrap_or_default()
        );
    }
    println!("wrote {}", out.display());
}

fn run() -> anyhow::Result<()> {
    let argv: Vec<String> = std::env::args().collect();
    let cli = Cli::parse();
    kvstore_runtime::cli::init_logging();
    if let Cmd::Plot { input, dir } = &cli.command {
        let file =
            ResultsFile::read(input).with_context(|| format!("reading {}", input.display()))?;
        for p in bench_harness::plot::draw_all(&file, dir)? {
            println!("wrote {p}");
        }
        return Ok(());
    }
    if let Cmd::Measure { store } = &cli.command {
        let w = bench_harness::feedback::short_fixed_workload();
        let ops = bench_harness::feedback::measure_store(store, &w)?;
        println!("{store} {} {ops:.1} ops/s", w.name());
        return Ok(());
    }
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
                let ms = run_repeated(&replicas, &w, workload.repetitions, !workload.quiet).await?;
                let run = StoreRun::new(&store, replicas.len(), &w, &ms);
                let (errors, ops) = ms
                    .iter()
                    .fold((0, 0), |(e, o), m| (e + m.errors, o + m.ops + m.errors));
                let first = run.first_error.clone().unwrap_or_default();
                let results = ResultsFile::new(vec![run], Provenance::capture(&argv));
                results
                    .write(&out)
                    .with_context(|| format!("writing {}", out.display()))?;
                print_summary(&results, &out);
                anyhow::ensure!(
                    errors * 100 <= ops,
                    "{errors} of {ops} operations failed (first: {first})"
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
                    repetitions: workload.repetitions,
                    out: out.clone(),
                    kvstore_bin,
                    progress: !workload.quiet,
                    argv,
                };
                let results = demo(&opts).await?;
                print_summary(&results, &out);
                Ok(())
            }
            Cmd::Compare {
                stores,
                workloads,
                repetitions,
                replicas,
                history_stores,
                history_puts,
                history_workload,
                preload_timeout_s,
                out,
                plots_dir,
                no_plots,
                cluster_root,
                kvstore_bin,
                paired_stores,
                paired_rounds,
                quiet,
            } => {
                let mut o = CompareOptions::new(argv);
                if let Some(s) = paired_stores {
                    o.paired_stores = s;
                }
                o.paired_rounds = paired_rounds;
                if let Some(s) = stores {
                    o.stores = s;
                }
                if !workloads.is_empty() {
                    o.workloads = workloads;
                }
                o.repetitions = repetitions;
                o.replicas = replicas;
                if let Some(s) = history_stores {
                    o.history_stores = s;
                }
                if let Some(p) = history_puts {
                    o.history_puts = p;
                }
                if let Some(w) = history_workload {
                    o.history_workload = w;
                }
                o.preload_timeout = Duration::from_secs(preload_timeout_s);
                o.out = out.clone();
                o.plots_dir = (!no_plots).then_some(plots_dir);
                o.cluster_root = cluster_root;
                o.kvstore_bin = kvstore_bin;
                o.progress = !quiet;
                let results = compare(&o).await?;
                print_summary(&results, &out);
                Ok(())
            }
            Cmd::Plot { .. } | Cmd::Measure { .. } => unreachable!("handled above"),
        }
    })
}
