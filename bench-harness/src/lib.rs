//! Benchmarks of kvstore clusters.
//!
//! * [`workload::Workload`]: YCSB-style read/write mix, uniform or zipfian
//!   ([`zipf::Zipfian`]) keys, value size, closed or open loop, warm-up;
//! * [`load::run_load`] / [`load::run_repeated`]: sessions against running
//!   replicas, HDR-histogram latencies (open loop: from the intended send
//!   time, no coordinated omission);
//! * [`results::ResultsFile`]: the `results/*.json` schema, every figure as
//!   min/median/max over repetitions, with [`provenance::Provenance`]
//!   (command, git revision, machine, date);
//! * [`compare::compare`]: every store of a list on its own loopback
//!   cluster in one run, history-length scaling, ratios (from interleaved
//!   rounds, [`paired`]), plots ([`plot`]);
//! * [`feedback::measure_store`]: the synthesizer's throughput hook;
//! * [`demo::demo`]: loopback cluster + short benchmark + results file.
#![warn(missing_docs)]

pub mod compare;
pub mod demo;
pub mod feedback;
pub mod load;
pub mod paired;
pub mod plot;
pub mod provenance;
pub mod results;
pub mod workload;
pub mod zipf;
