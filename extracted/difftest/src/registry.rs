//! The Rust store crates under test, behind object-safe interfaces.
//!
//! Adding a store: add its crate to `Cargo.toml` (`store-<name> = { path =
//! "../stores/<name>" }`) and its crate name to the `stores!` list below.
//! The differential test reports every store folder that has an OCaml
//! extraction but no entry here.

use crate::gen::{generate, GenConfig, Rng};
use crate::measure::{Kind, Measured, Target};
use crate::script::{Outcome, Script};
use crate::sim::run_script;
use kv_store_api::Store;

/// A store as seen by the differential test: run or generate scripts.
pub trait Runner: Send + Sync {
    /// Folder name under `extracted/stores/`.
    fn name(&self) -> &'static str;
    /// Run `script` on a fresh system.
    fn run(&self, script: &Script) -> Vec<Outcome>;
    /// Generate a random script (see [`crate::gen`]) and its outcomes.
    fn generate(&self, cfg: &GenConfig, rng: &mut Rng) -> (Script, Vec<Outcome>);
}

/// A [`Store`] as a [`Runner`].
#[derive(Debug, Clone, Copy, Default)]
pub struct Typed<S>(pub S);

impl<S: Store<u64, u64> + Clone> Runner for Typed<S> {
    fn name(&self) -> &'static str {
        self.0.name()
    }
    fn run(&self, script: &Script) -> Vec<Outcome> {
        run_script(self.0.clone(), script)
    }
    fn generate(&self, cfg: &GenConfig, rng: &mut Rng) -> (Script, Vec<Outcome>) {
        generate(self.0.clone(), cfg, rng)
    }
}

/// Name of the Chapar-style reference store (folder under `extracted/stores/`).
pub const CHAPAR_STYLE: &str = "causal-function-store";

fn target<S: Store<u64, u64> + Clone>(s: S) -> Box<dyn Target> {
    let name = s.name();
    let kind = if name == CHAPAR_STYLE {
        Kind::ChaparStyle
    } else {
        Kind::Extracted
    };
    Box::new(Measured {
        store: s,
        kind,
        name,
    })
}

/// Defines [`rust_stores`] and [`measured_stores`] from one list of crates.
macro_rules! stores {
    ($($krate:ident),* $(,)?) => {
        /// Every extracted store compiled into this crate.
        pub fn rust_stores() -> Vec<Box<dyn Runner>> {
            vec![$(Box::new(Typed($krate::Algorithm))),*]
        }

        /// Every extracted store as a measurement target (the Chapar-style
        /// one, [`CHAPAR_STYLE`], marked [`Kind::ChaparStyle`]).
        pub fn measured_stores() -> Vec<Box<dyn Target>> {
            vec![$(target($krate::Algorithm)),*]
        }
    };
}

// The registered store crates (each also a dependency in Cargo.toml).
stores!(
    store_causal,
    store_causal_function_store,
    store_causal_plus,
    store_monotonic_reads,
    store_monotonic_writes,
    store_pram,
    store_read_your_writes,
    store_writes_follow_reads,
);

/// The store named `name` (its folder name), if compiled in.
pub fn rust_store(name: &str) -> Option<Box<dyn Runner>> {
    rust_stores().into_iter().find(|r| r.name() == name)
}
