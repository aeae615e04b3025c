//! `bench compare`: every store of a list, each on its own fresh loopback
//! cluster, under the same workloads, in one run; history-length scaling
//! (throughput after a preload of N puts); headline ratios computed from
//! numbers measured in this same run, taken from a paired phase in which
//! the compared stores run interleaved, round by round (see
//! [`crate::paired`]); plots.

use crate::load::{key_of, round, run_repeated, LoadError};
use crate::paired::{paired_ratio, per_store, run_rounds, Paired};
use crate::plot;
use crate::provenance::Provenance;
use crate::results::{HistoryPoint, RatioDetail, ResultsFile, Skipped, StoreRun};
use crate::workload::Workload;
use anyhow::Context;
use cloud::{Cluster, UpOptions};
use indicatif::{ProgressBar, ProgressStyle};
use kvstore_runtime::{Client, Op, STORE_NAMES};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// The verified causal store's registered name.
pub const CAUSAL: &str = "causal";
/// The Chapar-style function store's registered name (reference baseline).
pub const CHAPAR_STYLE: &str = "causal-function-store";
/// The hand-written, unverified baseline's registered name.
pub const HANDWRITTEN: &str = kvstore_runtime::baseline::HANDWRITTEN_VC;

/// The stores compared by default: every registered store, plus the causal
/// and Chapar-style names even when they are not registered yet (they are
/// then reported as skipped, and their ratios as `null`).
pub fn default_stores() -> Vec<String> {
    let mut v: Vec<String> = STORE_NAMES.iter().map(|s| s.to_string()).collect();
    for s in [CAUSAL, CHAPAR_STYLE] {
        if !v.iter().any(|x| x == s) {
            v.push(s.to_string());
        }
    }
    v
}

/// The default workloads: YCSB-A-like (50% reads, uniform), YCSB-B-like
/// (95% reads, zipfian), and an open-loop zipfian 50/50 at a fixed rate.
pub fn default_workloads() -> Vec<Workload> {
    [
        "dist=uniform,read=0.5,keys=1000,value=100,clients=8,seconds=2,warmup=50",
        "dist=zipfian,read=0.95,keys=1000,value=100,clients=8,seconds=2,warmup=50",
        "dist=zipfian,read=0.5,keys=1000,value=100,clients=8,seconds=2,warmup=50,rate=1000",
    ]
    .iter()
    .map(|s| Workload::from_spec(s).expect("valid default workload"))
    .collect()
}

/// What `bench compare` runs.
#[derive(Debug, Clone)]
pub struct CompareOptions {
    /// Stores to compare (unregistered names are reported as skipped).
    pub stores: Vec<String>,
    /// Workloads; the first one is the *primary* workload of the ratios.
    pub workloads: Vec<Workload>,
    /// Repetitions of each (store, workload).
    pub repetitions: usize,
    /// Replicas per cluster.
    pub replicas: usize,
    /// Stores of the history-length scaling (unregistered ones are noted).
    pub history_stores: Vec<String>,
    /// History lengths (puts before measuring, one per key).
    pub history_puts: Vec<u64>,
    /// Workload measured after each preload (its `keys` is set to N).
    pub history_workload: Workload,
    /// Time limit of one preload.
    pub preload_timeout: Duration,
    /// Parent directory of the cluster directories (logs are kept there).
    pub cluster_root: PathBuf,
    /// The `kvstore` binary (default: next to the current executable).
    pub kvstore_bin: Option<PathBuf>,
    /// Results file.
    pub out: PathBuf,
    /// Directory for the SVG plots (`None`: no plots).
    pub plots_dir: Option<PathBuf>,
    /// Stores of the paired phase (the headline ratios' stores).
    pub paired_stores: Vec<String>,
    /// Rounds of the paired phase (0: no paired phase; the ratios are then
    /// taken from the sequential runs).
    pub paired_rounds: usize,
    /// Show progress bars.
    pub progress: bool,
    /// The command line recorded in the results.
    pub argv: Vec<String>,
}

impl CompareOptions {
    /// Defaults: [`default_stores`], [`default_workloads`], 3 repetitions,
    /// 3 replicas, history of [`CAUSAL`], [`CHAPAR_STYLE`] and
    /// [`HANDWRITTEN`] at 50, 1,000 and 100,000 puts under a 90%-read uniform
    /// workload, 120 s preload limit, `results/bench.json`, plots in `results/`,
    /// a paired phase of 7 rounds over [`CAUSAL`], [`HANDWRITTEN`] and
    /// [`CHAPAR_STYLE`].
    pub fn new(argv: Vec<String>) -> CompareOptions {
        CompareOptions {
            stores: default_stores(),
            workloads: default_workloads(),
            repetitions: 3,
            replicas: 3,
            history_stores: vec![CAUSAL.into(), CHAPAR_STYLE.into(), HANDWRITTEN.into()],
            history_puts: vec![50, 1000, 100_000],
            history_workload: Workload::from_spec(
                "dist=uniform,read=0.9,value=100,clients=8,seconds=1.5,warmup=20",
            )
            .expect("valid history workload"),
            preload_timeout: Duration::from_secs(120),
            cluster_root: PathBuf::from("target/bench-compare"),
            kvstore_bin: None,
            out: PathBuf::from("results/bench.json"),
            plots_dir: Some(PathBuf::from("results")),
            paired_stores: vec![CAUSAL.into(), HANDWRITTEN.into(), CHAPAR_STYLE.into()],
            paired_rounds: 7,
            progress: true,
            argv,
        }
    }
}

fn registered(store: &str) -> bool {
    STORE_NAMES.contains(&store)
}

fn not_registered() -> String {
    format!(
        "not registered in kvstore-runtime (registry.rs STORE_NAMES = {})",
        STORE_NAMES.join(", ")
    )
}

async fn start(opts: &CompareOptions, store: &str, tag: &str) -> anyhow::Result<Cluster> {
    let mut up = UpOptions::new(store, opts.replicas, opts.cluster_root.join(tag));
    up.kvstore_bin = opts.kvstore_bin.clone();
    Cluster::up(&up)
        .await
        .with_context(|| format!("starting a {}-replica {store} cluster", opts.replicas))
}

async fn stop(cluster: Cluster) {
    match tokio::task::spawn_blocking(move || cluster.down()).await {
        Ok(how) => tracing::debug!(?how, "cluster stopped"),
        Err(e) => tracing::warn!(error = %e, "stopping the cluster failed"),
    }
}

fn bar(show: bool, len: u64, what: &str) -> ProgressBar {
    if !show {
        return ProgressBar::hidden();
    }
    let pb = ProgressBar::new(len);
    pb.set_style(
        ProgressStyle::with_template(&format!(
            "{{bar:30}} {{pos}}/{{len}} {what} {{elapsed}} {{msg}}"
        ))
        .expect("valid template"),
    );
    pb
}

/// Measure every store of `opts.stores` under every workload, then the
/// history scaling, compute the ratios, draw the plots and write the
/// results file. Stores that are not registered or fail to start are
/// recorded in `skipped`, never invented.
pub async fn compare(opts: &CompareOptions) -> anyhow::Result<ResultsFile> {
    anyhow::ensure!(!opts.workloads.is_empty(), "no workload given");
    for w in &opts.workloads {
        w.validate()
            .map_err(|e| anyhow::anyhow!("workload {}: {e}", w.to_spec()))?;
    }
    let mut file = ResultsFile::new(Vec::new(), Provenance::capture(&opts.argv));
    let pb = bar(
        opts.progress,
        (opts.stores.len() * opts.workloads.len()) as u64,
        "store x workload",
    );
    for store in &opts.stores {
        if !registered(store) {
            file.skipped.push(Skipped {
                store: store.clone(),
                reason: not_registered(),
            });
            pb.inc(opts.workloads.len() as u64);
            continue;
        }
        pb.set_message(store.clone());
        match measure_all(opts, store, &pb).await {
            Ok(runs) => file.runs.extend(runs),
            Err(e) => {
                tracing::warn!(store, error = %format!("{e:#}"), "store skipped");
                file.skipped.push(Skipped {
                    store: store.clone(),
                    reason: format!("{e:#}"),
                });
            }
        }
    }
    pb.finish_and_clear();

    if opts.paired_rounds > 0 {
        match paired_phase(opts).await {
            Ok(p) => file.paired = Some(p),
            Err(e) => {
                tracing::warn!(error = %format!("{e:#}"), "paired phase failed");
                file.skipped.push(Skipped {
                    store: "paired phase".into(),
                    reason: format!("{e:#}"),
                });
            }
        }
    }

    let points = (opts.history_stores.len() * opts.history_puts.len()) as u64;
    let pb = bar(opts.progress, points, "history points");
    for store in &opts.history_stores {
        for &n in &opts.history_puts {
            pb.set_message(format!("{store} after {n} puts"));
            file.history.push(history_point(opts, store, n).await);
            pb.inc(1);
        }
    }
    pb.finish_and_clear();

    compute_ratios(&mut file, &opts.workloads[0]);
    if let Some(dir) = &opts.plots_dir {
        file.plots = plot::draw_all(&file, dir).context("drawing the plots")?;
    }
    file.write(&opts.out)
        .with_context(|| format!("writing {}", opts.out.display()))?;
    Ok(file)
}

async fn measure_all(
    opts: &CompareOptions,
    store: &str,
    pb: &ProgressBar,
) -> anyhow::Result<Vec<StoreRun>> {
    let cluster = start(opts, store, store).await?;
    let addrs = cluster.addrs();
    let mut runs = Vec::new();
    let mut failure = None;
    for w in &opts.workloads {
        match run_repeated(&addrs, w, opts.repetitions, false).await {
            Ok(ms) => {
                let run = StoreRun::new(store, opts.replicas, w, &ms);
                pb.println(format!(
                    "{store:<24} {:<40} {:>9.0} ops/s  p50 {:.3} ms  p99 {:.3} ms  errors {}",
                    run.workload_name,
                    run.figures.ops_per_s.median,
                    run.figures.p50_ms.median,
                    run.figures.p99_ms.median,
                    run.figures.errors.max
                ));
                runs.push(run);
            }
            Err(e) => {
                failure = Some(anyhow::Error::new(e).context(format!("workload {}", w.name())));
                break;
            }
        }
        pb.inc(1);
    }
    stop(cluster).await;
    match failure {
        Some(e) => Err(e),
        None => Ok(runs),
    }
}

/// The paired phase: clusters of every registered store of
/// `opts.paired_stores` up at once, `opts.paired_rounds` interleaved rounds
/// of the primary workload, then every cluster stopped (also on failure).
async fn paired_phase(opts: &CompareOptions) -> anyhow::Result<Paired> {
    let w = &opts.workloads[0];
    let stores: Vec<&String> = opts
        .paired_stores
        .iter()
        .filter(|s| registered(s))
        .collect();
    anyhow::ensure!(
        stores.len() >= 2,
        "fewer than two registered stores among {}",
        opts.paired_stores.join(", ")
    );
    let mut clusters = Vec::new();
    let mut started = Ok(());
    for s in &stores {
        match start(opts, s, &format!("{s}-paired")).await {
            Ok(c) => clusters.push((s.to_string(), c)),
            Err(e) => {
                started = Err(e);
                break;
            }
        }
    }
    let outcome = match started {
        Ok(()) => {
            let addrs: Vec<(String, Vec<String>)> = clusters
                .iter()
                .map(|(s, c)| (s.clone(), c.addrs()))
                .collect();
            let pb = bar(opts.progress, opts.paired_rounds as u64, "paired rounds");
            let rounds = run_rounds(&addrs, w, opts.paired_rounds, |r| {
                pb.println(format!("paired round {}: {:?}", r.round, r.ops_per_s));
                pb.inc(1);
            })
            .await;
            pb.finish_and_clear();
            rounds
        }
        Err(e) => Err(e),
    };
    for (_, c) in clusters {
        stop(c).await;
    }
    let rounds = outcome?;
    let mut ratios = std::collections::BTreeMap::new();
    for (name, num, den) in [
        ("verified_vs_handwritten", CAUSAL, HANDWRITTEN),
        ("causal_vs_chapar_style", CAUSAL, CHAPAR_STYLE),
    ] {
        if let Some(r) = paired_ratio(&rounds, num, den) {
            ratios.insert(name.to_string(), r);
        }
    }
    Ok(Paired {
        workload_name: w.name(),
        workload_spec: w.to_spec(),
        stores: stores.iter().map(|s| s.to_string()).collect(),
        ops_per_s: per_store(&rounds),
        rounds,
        ratios,
    })
}

async fn history_point(opts: &CompareOptions, store: &str, n: u64) -> HistoryPoint {
    let mut point = HistoryPoint {
        store: store.to_string(),
        history_puts: n,
        preload_seconds: 0.0,
        run: None,
        note: None,
    };
    if !registered(store) {
        point.note = Some(not_registered());
        return point;
    }
    let w = Workload {
        keys: n.max(1),
        ..opts.history_workload.clone()
    };
    let result: anyhow::Result<()> = async {
        let cluster = start(opts, store, &format!("{store}-history")).await?;
        let addrs = cluster.addrs();
        let outcome = async {
            let t = Instant::now();
            tokio::time::timeout(
                opts.preload_timeout,
                preload(&addrs, n, w.value_bytes, w.clients),
            )
            .await
            .map_err(|_| {
                anyhow::anyhow!(
                    "preload of {n} puts did not finish within {} s",
                    opts.preload_timeout.as_secs()
                )
            })??;
            point.preload_seconds = round(t.elapsed().as_secs_f64(), 3);
            let ms = run_repeated(&addrs, &w, opts.repetitions, false).await?;
            point.run = Some(StoreRun::new(store, opts.replicas, &w, &ms));
            anyhow::Ok(())
        }
        .await;
        stop(cluster).await;
        outcome
    }
    .await;
    if let Err(e) = result {
        tracing::warn!(store, n, error = %format!("{e:#}"), "history point failed");
        point.note = Some(format!("{e:#}"));
    }
    point
}

/// Puts per batch request during a preload.
const PRELOAD_BATCH: u64 = 500;

/// Write `key0 .. key<n-1>` once each (values of `value_bytes` bytes) from
/// `sessions` sessions in batches, then wait until every replica has
/// applied every put (a `get` carrying each session's token at each replica
/// is answered only once that replica has caught up with the session).
pub async fn preload(
    addrs: &[String],
    n: u64,
    value_bytes: usize,
    sessions: usize,
) -> Result<(), LoadError> {
    let sessions = sessions.max(1) as u64;
    let template = Client::connect(addrs)?.with_timeout(Duration::from_secs(30));
    let value = vec![b'p'; value_bytes];
    let mut tasks = Vec::new();
    for s in 0..sessions {
        let mut client = template.clone();
        client.set_replica(s as usize);
        let value = value.clone();
        tasks.push(tokio::spawn(async move {
            let mine: Vec<u64> = (s..n).step_by(sessions as usize).collect();
            for chunk in mine.chunks(PRELOAD_BATCH as usize) {
                let ops = chunk
                    .iter()
                    .map(|i| Op::Put {
                        key: key_of(*i),
                        value: value.clone(),
                    })
                    .collect();
                client.batch(ops).await?;
            }
            Ok::<_, LoadError>(client.token().to_vec())
        }));
    }
    let mut tokens = Vec::new();
    for t in tasks {
        tokens.push(t.await??);
    }
    for token in tokens {
        for r in 0..addrs.len() {
            let mut c = template.clone().with_failover(false);
            c.set_replica(r);
            c.set_token(token.clone());
            let mut tries = 0;
            // The server answers UNAVAILABLE when it has not caught up before
            // the deadline: ask again (bounded by the caller's timeout).
            loop {
                match c.get(key_of(0)).await {
                    Ok(_) => break,
                    Err(e) if tries < 1000 => {
                        tries += 1;
                        tracing::debug!(replica = r, error = %e, "waiting for catch-up");
                    }
                    Err(e) => return Err(e.into()),
                }
            }
        }
    }
    Ok(())
}

fn median_ops(file: &ResultsFile, store: &str, workload: &str) -> Option<f64> {
    file.run(store, workload)
        .map(|r| r.figures.ops_per_s.median)
}

fn ratio(file: &ResultsFile, num: &str, den: &str, workload: &str, what: &str) -> RatioDetail {
    let a = median_ops(file, num, workload);
    let b = median_ops(file, den, workload);
    let value = match (a, b) {
        (Some(a), Some(b)) if b > 0.0 => Some(round(a / b, 3)),
        _ => None,
    };
    let missing: Vec<String> = [(num, a), (den, b)]
        .iter()
        .filter(|(_, x)| x.is_none())
        .map(|(s, _)| {
            let why = file
                .skipped
                .iter()
                .find(|k| k.store == *s)
                .map(|k| k.reason.clone())
                .unwrap_or_else(|| "not in the store list of this run".into());
            format!("{s}: {why}")
        })
        .collect();
    let note = if missing.is_empty() {
        format!(
            "{what}: median ops/s of {num} / median ops/s of {den}, workload {workload}, same run"
        )
    } else {
        format!("{what}: not measured in this run ({})", missing.join("; "))
    };
    RatioDetail {
        value,
        numerator: num.to_string(),
        denominator: den.to_string(),
        workload: workload.to_string(),
        numerator_ops_per_s: a,
        denominator_ops_per_s: b,
        note,
    }
}

/// Fill `file.ratios` and `file.ratio_details` from the runs of `primary`.
///
/// * `causal_vs_chapar_style` = [`CAUSAL`] / [`CHAPAR_STYLE`];
/// * `verified_vs_handwritten` = [`CAUSAL`] / [`HANDWRITTEN`] (the
///   hand-written store implements the same vector-clock protocol); when
///   `causal` was not measured, the fastest measured verified store is used
///   instead and the detail says so. Per-store ratios are recorded as
///   `verified_vs_handwritten:<store>`.
pub fn compute_ratios(file: &mut ResultsFile, primary: &Workload) {
    let w = primary.name();
    let c = ratio(file, CAUSAL, CHAPAR_STYLE, &w, "causal vs Chapar-style");
    file.ratios.causal_vs_chapar_style = c.value;
    file.ratio_details
        .insert("causal_vs_chapar_style".into(), c);

    let verified: Vec<&str> = file
        .runs
        .iter()
        .filter(|r| r.workload_name == w && r.store != HANDWRITTEN && r.store != CHAPAR_STYLE)
        .map(|r| r.store.as_str())
        .collect();
    let mut per_store = Vec::new();
    for s in &verified {
        per_store.push(ratio(file, s, HANDWRITTEN, &w, "verified vs hand-written"));
    }
    let headline = if verified.contains(&CAUSAL) {
        ratio(
            file,
            CAUSAL,
            HANDWRITTEN,
            &w,
            "verified (causal) vs hand-written",
        )
    } else {
        let best = verified.iter().copied().max_by(|a, b| {
            median_ops(file, a, &w)
                .unwrap_or(0.0)
                .total_cmp(&median_ops(file, b, &w).unwrap_or(0.0))
        });
        match best {
            Some(b) => {
                let mut d = ratio(file, b, HANDWRITTEN, &w, "verified vs hand-written");
                d.note = format!(
                    "{CAUSAL} was not measured in this run; fastest measured verified store {b} used instead. {}",
                    d.note
                );
                d
            }
            None => ratio(file, CAUSAL, HANDWRITTEN, &w, "verified vs hand-written"),
        }
    };
    file.ratios.verified_vs_handwritten = headline.value;
    file.ratio_details
        .insert("verified_vs_handwritten".into(), headline);
    for d in per_store {
        file.ratio_details
            .insert(format!("verified_vs_handwritten:{}", d.numerator), d);
    }
    apply_paired(file);
}

/// When the run has a paired phase, the headline ratios are its medians of
/// per-round ratios; the sequential ones stay in `ratio_details` under
/// `<name>:sequential`.
fn apply_paired(file: &mut ResultsFile) {
    let Some(p) = file.paired.clone() else {
        return;
    };
    for (name, r) in &p.ratios {
        if let Some(seq) = file.ratio_details.remove(name) {
            file.ratio_details.insert(format!("{name}:sequential"), seq);
        }
        let median = |s: &str| p.ops_per_s.get(s).map(|x| x.median);
        let detail = RatioDetail {
            value: Some(round(r.stat.median, 3)),
            numerator: r.numerator.clone(),
            denominator: r.denominator.clone(),
            workload: p.workload_name.clone(),
            numerator_ops_per_s: median(&r.numerator),
            denominator_ops_per_s: median(&r.denominator),
            note: format!(
                "median of {} per-round ratios {} / {} (min {}, max {}) over interleaved rounds of workload {}, same run; the sequential ratio is under {name}:sequential",
                r.per_round.len(),
                r.numerator,
                r.denominator,
                r.stat.min,
                r.stat.max,
                p.workload_name
            ),
        };
        match name.as_str() {
            "verified_vs_handwritten" => file.ratios.verified_vs_handwritten = detail.value,
            "causal_vs_chapar_style" => file.ratios.causal_vs_chapar_style = detail.value,
            _ => {}
        }
        file.ratio_details.insert(name.clone(), detail);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::Measurement;
    use crate::paired::PairedRound;

    fn run_of(store: &str, w: &Workload, ops_per_s: f64) -> StoreRun {
        let m = Measurement {
            ops: (ops_per_s * 2.0) as u64,
            errors: 0,
            first_error: None,
            seconds: 2.0,
            latency_us: crate::load::new_histogram(),
        };
        StoreRun::new(store, 3, w, &[m])
    }

    fn file_with(w: &Workload, seq: &[(&str, f64)]) -> ResultsFile {
        let runs = seq.iter().map(|(s, x)| run_of(s, w, *x)).collect();
        ResultsFile::new(runs, Provenance::capture(&["test".to_string()]))
    }

    #[test]
    fn sequential_ratios_without_a_paired_phase() {
        let w = default_workloads().remove(0);
        let mut f = file_with(
            &w,
            &[
                (CAUSAL, 600.0),
                (HANDWRITTEN, 1000.0),
                (CHAPAR_STYLE, 300.0),
            ],
        );
        compute_ratios(&mut f, &w);
        assert_eq!(f.ratios.verified_vs_handwritten, Some(0.6));
        assert_eq!(f.ratios.causal_vs_chapar_style, Some(2.0));
        assert!(!f
            .ratio_details
            .contains_key("verified_vs_handwritten:sequential"));
    }

    #[test]
    fn paired_rounds_give_the_headline_and_keep_the_sequential_ratio() {
        let w = default_workloads().remove(0);
        let mut f = file_with(
            &w,
            &[
                (CAUSAL, 600.0),
                (HANDWRITTEN, 1000.0),
                (CHAPAR_STYLE, 300.0),
            ],
        );
        let rounds: Vec<PairedRound> = [(900.0, 1000.0), (1800.0, 2000.0), (950.0, 1000.0)]
            .iter()
            .enumerate()
            .map(|(i, (c, h))| PairedRound {
                round: i,
                order: vec![CAUSAL.into(), HANDWRITTEN.into()],
                ops_per_s: [(CAUSAL.to_string(), *c), (HANDWRITTEN.to_string(), *h)]
                    .into_iter()
                    .collect(),
            })
            .collect();
        let mut ratios = std::collections::BTreeMap::new();
        ratios.insert(
            "verified_vs_handwritten".to_string(),
            paired_ratio(&rounds, CAUSAL, HANDWRITTEN).unwrap(),
        );
        f.paired = Some(Paired {
            workload_name: w.name(),
            workload_spec: w.to_spec(),
            stores: vec![CAUSAL.into(), HANDWRITTEN.into()],
            ops_per_s: per_store(&rounds),
            rounds,
            ratios,
        });
        compute_ratios(&mut f, &w);
        // Per-round ratios 0.9, 0.9, 0.95: median 0.9.
        assert_eq!(f.ratios.verified_vs_handwritten, Some(0.9));
        let seq = &f.ratio_details["verified_vs_handwritten:sequential"];
        assert_eq!(seq.value, Some(0.6));
        let d = &f.ratio_details["verified_vs_handwritten"];
        assert_eq!(d.numerator_ops_per_s, Some(950.0));
        assert!(d.note.contains("interleaved"), "{}", d.note);
        // No paired ratio for Chapar-style: the sequential one stays the headline.
        assert_eq!(f.ratios.causal_vs_chapar_style, Some(2.0));
    }
}
