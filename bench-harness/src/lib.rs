//! Benchmarks of kvstore clusters.
//!
//! * [`provenance::Provenance::capture`]: command, git revision, machine, date
//!   (reusable by every stage that writes results);
//! * [`results::ResultsFile`]: the `results/*.json` schema;
//! * [`load::run_load`]: closed-loop clients against running replicas,
//!   HDR-histogram latencies;
//! * [`demo::demo`]: loopback cluster + short benchmark + results file.
#![warn(missing_docs)]

pub mod demo;
pub mod load;
pub mod provenance;
pub mod results;
pub mod workload;
