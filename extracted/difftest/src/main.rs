//! `extraction-check`: run scripts on the Rust extraction, run the
//! differential test against the OCaml extraction. See the crate README.

use anyhow::{bail, Result};
use clap::{Parser, Subcommand};
use extraction_check::diff::{self, DiffConfig};
use extraction_check::{ocaml, registry, script};
use std::io::Read;

#[derive(Parser)]
#[command(version, about = "Rust vs OCaml extraction of the verified stores")]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// The Rust twin of ocaml/driver.ml: read scripts on stdin, print one
    /// result line per line (format in src/script.rs).
    Run {
        /// Store (folder name under extracted/stores).
        #[arg(long)]
        store: String,
    },
    /// Build the OCaml drivers and compare both extractions on random scripts.
    Difftest {
        /// Scripts per store.
        #[arg(long, default_value_t = 100_000)]
        scripts: usize,
        /// Scripts per OCaml process.
        #[arg(long, default_value_t = 5_000)]
        batch: usize,
        /// Base seed.
        #[arg(long, default_value_t = 0x5eed)]
        seed: u64,
        /// Only these stores (default: every store with both extractions).
        #[arg(long)]
        store: Vec<String>,
    },
}

fn main() -> Result<()> {
    match Cli::parse().cmd {
        Cmd::Run { store } => run(&store),
        Cmd::Difftest {
            scripts,
            batch,
            seed,
            store,
        } => difftest(scripts, batch, seed, &store),
    }
}

fn run(store: &str) -> Result<()> {
    let Some(r) = registry::rust_store(store) else {
        bail!("no Rust store {store:?} compiled in (see src/registry.rs)");
    };
    let mut input = String::new();
    std::io::stdin().read_to_string(&mut input)?;
    let mut out = String::new();
    for sc in script::parse_batch(&input)? {
        for l in script::render_outcomes(sc.replicas, &r.run(&sc)) {
            out.push_str(&l);
            out.push('\n');
        }
    }
    print!("{out}");
    Ok(())
}

fn difftest(scripts: usize, batch: usize, seed: u64, only: &[String]) -> Result<()> {
    if !ocaml::ocamlfind_available() {
        bail!("ocamlfind (with ocamlopt) is not installed: run scripts/install-deps.sh");
    }
    let rust = registry::rust_stores();
    let mut drivers = Vec::new();
    for (name, dir) in ocaml::stores_with_ocaml(&extraction_check::stores_dir())? {
        if !only.is_empty() && !only.contains(&name) {
            continue;
        }
        match rust.iter().find(|r| r.name() == name) {
            None => eprintln!(
                "note: {name} has an OCaml extraction but no Rust crate in src/registry.rs"
            ),
            Some(r) => {
                let d = ocaml::build(&name, &dir, &extraction_check::ocaml_build_dir(&name))?;
                drivers.push((r.as_ref(), d));
            }
        }
    }
    let pairs: Vec<_> = drivers.iter().map(|(r, d)| (*r, d)).collect();
    let cfg = DiffConfig {
        scripts_per_store: scripts,
        batch,
        seed,
        ..DiffConfig::default()
    };
    let (reports, took) = diff::run(&pairs, &cfg)?;
    let mut bad = 0;
    for r in &reports {
        println!(
            "{:<28} {:>8} scripts {:>9} ops  {} divergences",
            r.store,
            r.scripts,
            r.ops,
            r.divergences.len()
        );
        if let Some(d) = r.divergences.first() {
            println!("{d}");
            bad += 1;
        }
    }
    println!("{} stores in {:.1} s", reports.len(), took.as_secs_f64());
    if bad > 0 {
        bail!("{bad} store(s) diverge");
    }
    Ok(())
}
