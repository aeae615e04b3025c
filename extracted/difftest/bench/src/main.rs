//! `extraction-bench`: quick measurements of every extracted store against
//! the hand-written and the Chapar-style stores; writes
//! `results/extraction.json` and `results/extraction-latency.svg`
//! (run by `scripts/extraction-bench.sh`).

use anyhow::{Context, Result};
use clap::Parser;
use extraction_bench::plot::{latency_svg, Series};
use extraction_check::gen::Rng;
use extraction_check::measure::{self, Budget, Kind, Target};
use extraction_check::registry;
use serde_json::json;
use std::path::PathBuf;
use std::time::{Duration, Instant};

#[derive(Parser)]
#[command(version, about = "Per-operation cost of the extracted stores")]
struct Args {
    /// Results file.
    #[arg(long, default_value = "results/extraction.json")]
    out: PathBuf,
    /// Latency plot.
    #[arg(long, default_value = "results/extraction-latency.svg")]
    svg: PathBuf,
    /// Puts applied before the put/get mix is timed.
    #[arg(long, default_value_t = 100_000)]
    history: usize,
    /// Key-space sizes (comma-separated).
    #[arg(long, value_delimiter = ',', default_value = "50,1000,100000")]
    keys: Vec<u64>,
    /// History lengths of the latency curve (comma-separated, increasing).
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "1000,2000,5000,10000,20000,50000,100000"
    )]
    points: Vec<usize>,
    /// Keys of the latency curve.
    #[arg(long, default_value_t = 1000)]
    curve_keys: u64,
    /// Minimum time per timed loop, in milliseconds.
    #[arg(long, default_value_t = 300)]
    min_ms: u64,
    /// Longest time spent building one store's history, in seconds: a store
    /// whose puts are linear in its size (association lists over 100,000
    /// keys) stops early and its row records the history it reached.
    #[arg(long, default_value_t = 20)]
    setup_budget_s: u64,
    /// Timed rounds per key count (each round times every store once); the
    /// median is reported.
    #[arg(long, default_value_t = 5)]
    repetitions: usize,
    /// Only these stores (default: all).
    #[arg(long)]
    store: Vec<String>,
}

/// One store at one key count.
struct Row {
    name: &'static str,
    kind: Kind,
    keys: u64,
    /// Median of `repetitions`.
    ns: f64,
    repetitions: Vec<f64>,
    reached: usize,
}

/// Median (mean of the middle two for an even count); NaN when empty.
fn median(xs: &[f64]) -> f64 {
    let mut v = xs.to_vec();
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

fn label(t: &dyn Target) -> String {
    let rep = extraction_check::representation(t.name()).unwrap_or_else(|| "?".into());
    match t.kind() {
        Kind::Extracted => format!("{} (verified, {rep})", t.name()),
        Kind::Handwritten => format!("{} (hand-written, unverified, HashMap)", t.name()),
        Kind::ChaparStyle => format!("{} (Chapar-style reference, verified, {rep})", t.name()),
    }
}

fn main() -> Result<()> {
    let a = Args::parse();
    let argv: Vec<String> = std::env::args().collect();
    let prov = bench_harness::provenance::Provenance::capture(&argv);
    let targets: Vec<Box<dyn Target>> = extraction_bench::targets()
        .into_iter()
        .filter(|t| a.store.is_empty() || a.store.iter().any(|s| s == t.name()))
        .collect();
    let budget = Budget {
        min_time: Duration::from_millis(a.min_ms),
        ..Budget::default()
    };
    // Other processes compete for the CPU on a shared machine: record the
    // load at the start (1, 5, 15 minutes) next to the results.
    let load_average = std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into());
    let t0 = Instant::now();
    // The Chapar-style reference must be built over Chapar's function store
    // (a closure chain); say so loudly when the shipped development is not.
    let chapar_rep = extraction_check::representation(registry::CHAPAR_STYLE);
    if let Some(rep) = chapar_rep.as_deref().filter(|r| *r != "FunctionStore") {
        eprintln!(
            "WARNING: {} instantiates {rep}, not FunctionStore: its numbers are not those of Chapar's closure-chain store",
            registry::CHAPAR_STYLE
        );
    }

    // ns/op of the put/get mix after `history` puts, per store and key
    // count: every store's replica is built first, then the timed loops run
    // in `repetitions` rounds, each round timing every store once, so that
    // the machine's slow phases hit all stores alike; the median is reported.
    let mut table: Vec<Row> = Vec::new();
    for &k in &a.keys {
        let rows = measure::with_big_stack(|| {
            let mut built = Vec::new();
            for t in &targets {
                let started = Instant::now();
                let deadline = started + Duration::from_secs(a.setup_budget_s);
                let mut rng = Rng::new(0xbe7c ^ k);
                let mut rep = t.fresh();
                let mut v = 0;
                let reached =
                    measure::grow_until(rep.as_mut(), a.history, k, &mut rng, &mut v, deadline);
                built.push((t, rep, rng, v, reached, Vec::new()));
            }
            for _ in 0..a.repetitions.max(1) {
                for (_, rep, rng, v, _, times) in built.iter_mut() {
                    times.push(measure::put_get_mix(rep.as_mut(), k, rng, v, &budget));
                }
            }
            built
                .into_iter()
                .map(|(t, _, _, _, reached, times)| Row {
                    name: t.name(),
                    kind: t.kind(),
                    keys: k,
                    ns: median(&times),
                    repetitions: times,
                    reached,
                })
                .collect::<Vec<_>>()
        });
        for r in rows {
            let note = if r.reached < a.history {
                format!(" after only {} puts (setup budget)", r.reached)
            } else {
                String::new()
            };
            eprintln!(
                "{:<26} keys {:>6}: {:>12.1} ns/op (median of {}){note}",
                r.name,
                r.keys,
                r.ns,
                r.repetitions.len()
            );
            table.push(r);
        }
    }
    let find = |kind: Kind, k: u64| table.iter().find(|r| r.kind == kind && r.keys == k);
    let rows: Vec<_> = table
        .iter()
        .filter(|r| r.kind != Kind::Handwritten)
        .map(|r| {
            let hand = find(Kind::Handwritten, r.keys);
            json!({
                "store": r.name,
                "representation": extraction_check::representation(r.name),
                "kind": if r.kind == Kind::ChaparStyle { "chapar-style" } else { "extracted" },
                "keys": r.keys,
                "history": r.reached,
                "ns_per_op": r.ns,
                "ns_per_op_repetitions": r.repetitions,
                "handwritten_ns_per_op": hand.map(|h| h.ns),
                "handwritten_ns_per_op_repetitions": hand.map(|h| &h.repetitions),
                "chapar_style_ns_per_op_at_100k": find(Kind::ChaparStyle, r.keys).map(|c| c.ns),
            })
        })
        .collect();

    // Get latency as the history grows.
    let mut curves = Vec::new();
    let mut series = Vec::new();
    for t in &targets {
        let c = measure::with_big_stack(|| {
            measure::latency_curve(t.as_ref(), a.curve_keys, &a.points, 0xc0de, &budget)
        });
        eprintln!(
            "{:<26} ns/get by history: {:?}",
            t.name(),
            c.iter().map(|p| (p.0, p.1.round())).collect::<Vec<_>>()
        );
        curves.push(json!({
            "store": t.name(),
            "keys": a.curve_keys,
            "points": c.iter().map(|&(h, ns)| json!({"history": h, "get_ns": ns})).collect::<Vec<_>>(),
        }));
        series.push(Series {
            label: label(t.as_ref()),
            points: c,
        });
    }

    let doc = json!({
        "stores": rows,
        "latency": curves,
        "method": format!(
            "one session at replica 0 of 3, no deliveries (messages dropped); {} puts of fresh values \
             at uniform random keys (fewer when building them took longer than {} s: see each row's \
             history), then an alternating put/get mix at uniform keys timed for at least \
             {} ms, in {} rounds that each time every store once (interleaved, so the machine's \
             slow phases hit all stores alike); ns_per_op is the median over the rounds of the \
             mean per operation, ns_per_op_repetitions every round's. handwritten_ns_per_op is HandwrittenVc and \
             chapar_style_ns_per_op_at_100k the Chapar-style store on the same workload (null when not \
             built in). latency: mean get time after each history length, {} keys. Release build, \
             one thread.",
            a.history, a.setup_budget_s, a.min_ms, a.repetitions, a.curve_keys
        ),
        "history": a.history,
        "chapar_style_store": registry::CHAPAR_STYLE,
        "chapar_style_representation": chapar_rep,
        "seconds": t0.elapsed().as_secs_f64(),
        "command": prov.command,
        "revision": prov.revision,
        "machine": prov.machine,
        "load_average_at_start": load_average,
        "date": prov.date,
    });
    if let Some(p) = a.out.parent() {
        std::fs::create_dir_all(p)?;
    }
    std::fs::write(&a.out, serde_json::to_string_pretty(&doc)? + "\n")
        .with_context(|| format!("writing {}", a.out.display()))?;
    latency_svg(
        &a.svg,
        &format!(
            "get latency vs history length ({} uniform keys, one replica)",
            a.curve_keys
        ),
        &series,
    )?;
    eprintln!(
        "wrote {} and {} in {:.0} s",
        a.out.display(),
        a.svg.display(),
        t0.elapsed().as_secs_f64()
    );
    Ok(())
}
