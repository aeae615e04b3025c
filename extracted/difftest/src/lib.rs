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

/// The representation module a shipped store's development instantiates
/// (`Module Proofs := <Mechanism> <Representation> ...` in
/// `rocq/Development.v`), e.g. `AssocList` or `FunctionStore`; `None` if the
/// file or the line is missing.
pub fn representation(store: &str) -> Option<String> {
    let dev = std::fs::read_to_string(stores_dir().join(store).join("rocq/Development.v")).ok()?;
    representation_of(&dev)
}

/// [`representation`] of a development's text.
pub fn representation_of(development: &str) -> Option<String> {
    development.lines().find_map(|l| {
        let rest = l.trim().strip_prefix("Module Proofs :=")?;
        rest.split_whitespace()
            .nth(1)
            .map(|r| r.trim_end_matches('.').to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn representation_is_read_from_the_proofs_module() {
        let dev = "From KV Require Import Representations.FunctionStore.\n\
                   Module Policy. End Policy.\n\
                   Module Proofs := CausalVectorsProofs FunctionStore Policy.\n";
        assert_eq!(representation_of(dev).as_deref(), Some("FunctionStore"));
        assert_eq!(representation_of("Module Alg := X."), None);
        // Every committed store names its representation.
        let stores = std::fs::read_dir(stores_dir()).unwrap();
        for e in stores {
            let name = e.unwrap().file_name().to_string_lossy().into_owned();
            if stores_dir()
                .join(&name)
                .join("rocq/Development.v")
                .is_file()
            {
                assert!(representation(&name).is_some(), "{name}");
            }
        }
    }
}
