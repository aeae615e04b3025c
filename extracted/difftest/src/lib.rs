//! `extraction-check`: the Rust extraction of every verified store checked
//! against Rocq's own OCaml extraction, and the per-operation cost of the
//! extracted stores.
//!
//! * [`ocaml`] compiles `rocq/store.ml` of each store folder with the
//!   generic driver `ocaml/driver.ml` (build in `target/ocaml/<store>/`);
//! * [`sim`] is the Rust twin of that driver: the concrete system of the
//!   Rocq semantics over any `kv_store_api::Store<u64, u64>`;
//! * [`gen`] makes seeded random scripts, [`diff`] runs them through both
//!   sides and reports (shrunk) divergences;
//! * [`measure`] times put/get at one replica of any store (used by the
//!   `extraction-bench` crate in `bench/`, which compares the extracted
//!   stores with the hand-written `HandwrittenVc` and the Chapar-style
//!   function store).
//!
//! The script and output formats are documented in [`script`].

pub mod diff;
pub mod gen;
pub mod measure;
pub mod ocaml;
pub mod registry;
pub mod script;
pub mod sim;

use std::path::PathBuf;

/// The workspace root (two levels above this crate).
pub fn workspace_root() -> PathBuf {
    let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    here.parent()
        .and_then(|p| p.parent())
        .map(|p| p.to_path_buf())
        .unwrap_or(here)
}

/// `extracted/stores` of this workspace.
pub fn stores_dir() -> PathBuf {
    workspace_root().join("extracted/stores")
}

/// Where the OCaml driver of `store` is built: `target/ocaml/<store>`
/// (`CARGO_TARGET_DIR` is honoured).
pub fn ocaml_build_dir(store: &str) -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target"));
    target.join("ocaml").join(store)
}
