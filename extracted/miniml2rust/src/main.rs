//! Command line of miniml2rust (see the library for the translator).

use anyhow::Context;
use clap::{Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser)]
#[command(version, about = "Translate Rocq extraction JSON (MiniML) to Rust")]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Generate a store crate (Cargo.toml, src/{lib,extracted,runtime}.rs).
    Gen {
        /// Extraction JSON of a module following the store convention.
        #[arg(long)]
        json: PathBuf,
        /// Store name (crate `store-<name>`).
        #[arg(long)]
        name: String,
        /// Output directory (e.g. extracted/stores/<name>).
        #[arg(long)]
        out: PathBuf,
        /// Build outside the workspace: depend on kv-store-api at this path
        /// and on serde from crates.io (default: workspace dependencies).
        #[arg(long)]
        standalone_api: Option<PathBuf>,
    },
    /// Translate to a single Rust module printed on stdout.
    Translate {
        /// Extraction JSON.
        #[arg(long)]
        json: PathBuf,
    },
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.cmd {
        Cmd::Gen {
            json,
            name,
            out,
            standalone_api,
        } => {
            let deps = match standalone_api {
                Some(p) => miniml2rust::gen::Deps::Standalone { store_api: p },
                None => miniml2rust::gen::Deps::Workspace,
            };
            let label = miniml2rust::source_label(&json);
            let text =
                std::fs::read_to_string(&json).with_context(|| format!("reading {label}"))?;
            let report = miniml2rust::with_big_stack(move || {
                miniml2rust::gen::generate_store_crate(&text, &label, &name, &out, &deps)
            })?;
            println!("{report}");
        }
        Cmd::Translate { json } => {
            let label = miniml2rust::source_label(&json);
            let text =
                std::fs::read_to_string(&json).with_context(|| format!("reading {label}"))?;
            let rust =
                miniml2rust::with_big_stack(move || miniml2rust::translate_json(&text, &label))?;
            print!("{rust}");
        }
    }
    Ok(())
}
