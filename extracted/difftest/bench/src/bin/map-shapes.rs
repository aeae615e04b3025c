//! `map-shapes`: ns per operation of the key-value map alone (extracted AVL
//! tree, a hash trie in the translator's shape, std `HashMap`/`BTreeMap`) in
//! the put/get mix of `extraction-bench`; writes `results/map-shapes.json`.
//! See `extraction_bench::shapes`.

use anyhow::{Context, Result};
use clap::Parser;
use extraction_bench::shapes;
use serde_json::json;
use std::path::PathBuf;
use std::time::{Duration, Instant};

#[derive(Parser)]
#[command(
    version,
    about = "Per-operation cost of the map alone, by representation shape"
)]
struct Args {
    /// Results file.
    #[arg(long, default_value = "results/map-shapes.json")]
    out: PathBuf,
    /// Inserts before the mix is timed.
    #[arg(long, default_value_t = 100_000)]
    history: u64,
    /// Key-space sizes (comma-separated).
    #[arg(long, value_delimiter = ',', default_value = "50,1000,100000")]
    keys: Vec<u64>,
    /// Minimum time per timed loop, in milliseconds.
    #[arg(long, default_value_t = 500)]
    min_ms: u64,
}

fn main() -> Result<()> {
    let a = Args::parse();
    let argv: Vec<String> = std::env::args().collect();
    let prov = bench_harness::provenance::Provenance::capture(&argv);
    let t0 = Instant::now();
    let mut rows = Vec::new();
    for &k in &a.keys {
        for mut s in shapes::all_shapes() {
            let ns = shapes::mix_ns(s.as_mut(), k, a.history, Duration::from_millis(a.min_ms));
            eprintln!("{:<40} keys {:>6}: {:>7.1} ns/op", s.name(), k, ns);
            rows.push(json!({"shape": s.name(), "keys": k, "ns_per_op": ns}));
        }
    }
    let doc = json!({
        "shapes": rows,
        "method": format!(
            "the map alone, u64 keys and values: {} inserts at uniform random keys, then an \
             alternating insert/lookup mix at uniform keys timed for at least {} ms; mean ns per \
             operation. Release build, one thread. See extracted/difftest/bench/src/shapes.rs.",
            a.history, a.min_ms
        ),
        "seconds": t0.elapsed().as_secs_f64(),
        "command": prov.command,
        "revision": prov.revision,
        "machine": prov.machine,
        "date": prov.date,
    });
    if let Some(p) = a.out.parent() {
        std::fs::create_dir_all(p)?;
    }
    std::fs::write(&a.out, serde_json::to_string_pretty(&doc)? + "\n")
        .with_context(|| format!("writing {}", a.out.display()))?;
    eprintln!("wrote {}", a.out.display());
    Ok(())
}
