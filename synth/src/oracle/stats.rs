//! Counters and per-call events of the oracle (for the engine's run log).

use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::Duration;

/// Aggregate counters over every call made through a [`Rocq`](super::Rocq)
/// and its clones (they share the counters and the memo table).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OracleStats {
    /// Every request (checks, goal queries, assumption queries, compilations).
    pub calls: u64,
    /// Requests answered from the memo table without running the checker.
    pub cache_hits: u64,
    /// Requests killed by their time budget.
    pub timeouts: u64,
    /// Wall-clock time spent in checker processes.
    pub total_time: Duration,
}

/// What kind of request an [`OracleEvent`] reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CallKind {
    /// [`Rocq::check`](super::Rocq::check) / [`Rocq::check_many`](super::Rocq::check_many).
    Check,
    /// [`Rocq::goal_at`](super::Rocq::goal_at).
    Goals,
    /// [`Rocq::print_assumptions`](super::Rocq::print_assumptions).
    Assumptions,
    /// [`Rocq::compile_to`](super::Rocq::compile_to).
    Compile,
}

/// One oracle call, as handed to the logging callback (serialisable as a
/// JSONL record).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OracleEvent {
    /// Kind of request.
    pub kind: CallKind,
    /// Module name the source was checked under.
    pub name: String,
    /// Hex sha256 memo key of the request (source + load paths + name).
    pub key: String,
    /// Answered from the memo table.
    pub cached: bool,
    /// Rocq accepted the source.
    pub ok: bool,
    /// The run hit its time budget.
    pub timed_out: bool,
    /// Number of errors reported.
    pub errors: usize,
    /// Number of `Admitted` names found.
    pub admitted: usize,
    /// Checker wall-clock time in milliseconds (0 for cache hits).
    pub elapsed_ms: u64,
}

/// Callback receiving every [`OracleEvent`]; must be cheap and thread-safe
/// since [`check_many`](super::Rocq::check_many) calls it from worker threads.
pub type EventLogger = Arc<dyn Fn(&OracleEvent) + Send + Sync>;
