//! The Rust store crates under test, behind one object-safe interface.
//!
//! Adding a store: add its crate to `Cargo.toml` (`store-<name> = { path =
//! "../stores/<name>" }`) and one line to [`rust_stores`]. The differential
//! test reports every store folder that has an OCaml extraction but no entry
//! here.

use crate::gen::{generate, GenConfig, Rng};
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

/// Every extracted store compiled into this crate.
pub fn rust_stores() -> Vec<Box<dyn Runner>> {
    vec![Box::new(Typed(store_read_your_writes::Algorithm))]
}

/// The store named `name` (its folder name), if compiled in.
pub fn rust_store(name: &str) -> Option<Box<dyn Runner>> {
    rust_stores().into_iter().find(|r| r.name() == name)
}
