//! `extraction-bench`: per-operation cost of the extracted stores against
//! the hand-written, unverified `HandwrittenVc` (kvstore-runtime) and the
//! Chapar-style function store, as criterion benches (`benches/stores.rs`)
//! and as a quick command writing `results/extraction.json` and
//! `results/extraction-latency.svg` (`src/main.rs`).
//!
//! The workload and timing loops are in `extraction_check::measure`.

pub mod plot;
pub mod shapes;

use extraction_check::measure::{Kind, Measured, Target};

/// Every store measured: the extracted ones (including the Chapar-style
/// reference when present) and the hand-written baseline, last.
pub fn targets() -> Vec<Box<dyn Target>> {
    let mut v = extraction_check::registry::measured_stores();
    v.push(Box::new(Measured {
        store: kvstore_runtime::baseline::HandwrittenVc,
        kind: Kind::Handwritten,
        name: kvstore_runtime::baseline::HANDWRITTEN_VC,
    }));
    v
}
