//! The oracle: the Rust driver of the Rocq checker that grades every partial
//! development (DESIGN.md §4, "Exact oracle").
//!
//! ```no_run
//! use synth::oracle::{CheckOptions, Rocq};
//! use std::path::Path;
//!
//! let rocq = Rocq::detect()?.with_load_path("KV", Path::new("specs/theories"));
//! let v = rocq.check("Lemma t : True. Proof. exact I. Qed.", &CheckOptions::named("T"))?;
//! assert!(v.ok && v.admitted.is_empty());
//! println!("{:?}", rocq.stats());
//! # Ok::<(), synth::oracle::OracleError>(())
//! ```
//!
//! * [`Rocq::check`] / [`Rocq::check_many`]: verdicts (errors located in the
//!   source, `Admitted` names, timeouts), memoised by sha256.
//! * [`Rocq::goal_at`], [`Rocq::attempt_proof`], [`Feedback`]: rich feedback.
//! * [`Rocq::print_assumptions`]: the audit's trusted-base check.
//! * [`Rocq::compile_to`]: compile a development prefix once, `Require` it after.
//! * [`Rocq::stats`], [`Rocq::with_logger`]: counters and per-call events.

mod assumptions;
mod compile;
mod error;
mod feedback;
mod goals;
mod parallel;
mod process;
mod rocq;
mod run;
mod sentences;
mod stats;
mod verdict;

#[cfg(test)]
mod tests;

pub use assumptions::{parse_assumptions, Assumption, Assumptions};
pub use compile::Compiled;
pub use error::{OracleError, Result};
pub use feedback::{Feedback, ProofAttempt};
pub use goals::{parse_show, Goal, Goals, Hypothesis, MAX_DETAILED_GOALS};
pub use parallel::Job;
pub use rocq::{Flavor, LoadPath, Rocq, DEFAULT_TIMEOUT};
pub use run::CheckOptions;
pub use sentences::{admitted_names, sentences, Sentence};
pub use stats::{CallKind, EventLogger, OracleEvent, OracleStats};
pub use verdict::{parse_errors, RocqError, Verdict};
