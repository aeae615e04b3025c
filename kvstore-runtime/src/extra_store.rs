//! The `kvstore` command line with one extra store that is not in the
//! [registry](crate::registry): the synthesizer's outer loop builds, for each
//! closed candidate, a small server binary whose `main` is
//!
//! ```ignore
//! fn main() {
//!     if let Err(e) = kvstore_runtime::extra_store::run_with_store("cand", store_cand::Algorithm) {
//!         eprintln!("error: {e:#}");
//!         std::process::exit(1);
//!     }
//! }
//! ```
//!
//! and measures it through the benchmark harness like any registered store.
//! `serve --store <name>` (flag or `store` in `--config`) serves the given
//! store with the same options as `kvstore serve`; every other command line,
//! including `serve` of a registered store, runs [`cli::main`] unchanged.

use crate::cli::{self, ServeArgs};
use crate::ops::Bytes;
use crate::server::serve;
use clap::{Parser, Subcommand};
use kv_store_api::Store;

#[derive(Parser)]
#[command(name = "kvstore")]
struct ServeOnly {
    #[command(subcommand)]
    command: ServeCommand,
}

#[derive(Subcommand)]
enum ServeCommand {
    Serve(Box<ServeArgs>),
}

/// Run the `kvstore` CLI with the process arguments, where `serve --store
/// name` resolves to `store` instead of a registered store.
pub fn run_with_store<S: Store<Bytes, Bytes>>(name: &str, store: S) -> anyhow::Result<()> {
    let resolved = ServeOnly::try_parse()
        .ok()
        .and_then(|ServeOnly { command }| match command {
            ServeCommand::Serve(a) => a.resolve().ok(),
        });
    let Some((store_name, config, threads)) = resolved.filter(|r| r.0 == name) else {
        // Not ours (or malformed): the ordinary CLI reports it.
        return cli::main();
    };
    cli::init_logging();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads)
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let handle = serve(store, config).await?;
        tracing::info!(store = store_name, "serving the extra store");
        cli::shutdown_signal().await;
        tracing::info!("signal received, shutting down");
        handle.shutdown().await?;
        Ok(())
    })
}
