//! Checkpoints of `synth run`: what `--resume` continues after Ctrl-C.
//!
//! A run keeps `synthesis/checkpoint.json` in its output folder up to date
//! (rewritten atomically after every oracle round and every candidate
//! decision), beside the run log `synthesis/run.jsonl`. Ctrl-C (SIGINT) sets a
//! flag the engine polls between oracle calls: the round in flight is dropped
//! (its checker processes got the signal too, so its verdicts are not
//! trusted), the checkpoint is written, and `synth run` exits with status 130
//! and a message saying how to resume. A second Ctrl-C exits at once (the
//! checkpoint of the last completed round stays valid). A run that finishes
//! removes its checkpoint.
//!
//! `synth run ... --resume` reads the checkpoint, refuses it with an error
//! naming the mismatch if it was written for another spec (hash) or other
//! search options (seed, proposer, feedback, budget, closed, representation,
//! timeout, hammer availability, or a catalog whose candidate list changed),
//! appends to the run log (after a `{"move":"resume"}` record), skips the
//! candidates already decided (their rejections and closed developments are
//! restored from the checkpoint), and continues the candidate in progress:
//! its definitions are re-checked, and its completed oracle rounds are
//! replayed from the checkpoint without calling the checker, then the search
//! goes on live. Since the search is deterministic given the seed, a resumed
//! run ships the same development as an uninterrupted one.
//!
//! Format (`version` 1), JSON:
//! ```text
//! { "version": 1,
//!   "key": { "spec", "spec_sha256", "seed", "proposer", "replay_sha256",
//!            "feedback", "max_candidates", "closed_wanted", "representation",
//!            "timeout_s", "hammer" },
//!   "pool": [candidate names, in the order tried],
//!   "next": index in pool of the first undecided candidate,
//!   "candidates_tried": n,
//!   "rejected": [{"candidate", "obligation", "reason"}],
//!   "closed": [{"index", "candidate", "rounds", "source",
//!               "audit_passed", "audit_problems", "assumptions"}],
//!   "remembered": {lemma: [tactics that closed it]},
//!   "stuck_variants": [{"mechanism", "variant", "why"}],
//!   "current": null | {"index", "candidate", "rounds"},
//!   "elapsed_s", "oracle_calls", "rounds_done", "interrupted" }
//! ```
//! where `rounds` is a list of oracle rounds, each a list of attempts
//! `{"lemma", "tactic", "ok", "error"}` in the order they were checked. The
//! middle loop's decompositions ([`crate::decompose`]) are rounds too: the
//! check of a decomposition is an attempt on the parent lemma with the
//! splitting tactic and `"decompose": {"helpers": [[name, statement]...],
//! "closing"}`; the helpers' proofs are attempts on the helper lemmas; a
//! reverted decomposition is a round of one attempt with `"revert": true`
//! (no oracle call). Replaying the rounds in order rebuilds the development
//! state, helper lemmas included.

use crate::engine::Rejection;
use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

/// File name of the checkpoint, in the run's `synthesis/` folder.
pub const FILE_NAME: &str = "checkpoint.json";
/// Format version.
pub const VERSION: u32 = 1;

/// Everything a resumed run must share with the run that wrote the
/// checkpoint for the search to be the same.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunKey {
    /// Spec name.
    pub spec: String,
    /// Spec file hash.
    pub spec_sha256: String,
    /// `--seed`.
    pub seed: u64,
    /// Proposer name.
    pub proposer: String,
    /// Hash of the replayed run log (replay proposer).
    pub replay_sha256: Option<String>,
    /// `rich` or `binary`.
    pub feedback: String,
    /// `--budget`.
    pub max_candidates: usize,
    /// `--closed`.
    pub closed_wanted: usize,
    /// `--representation`.
    pub representation: Option<String>,
    /// `--timeout`, in seconds.
    pub timeout_s: u64,
    /// Whether CoqHammer was available.
    pub hammer: bool,
}

impl RunKey {
    /// The fields that differ, as `field: checkpoint X, this run Y`.
    pub fn mismatches(&self, now: &RunKey) -> Vec<String> {
        let (a, b) = (
            serde_json::to_value(self).unwrap_or_default(),
            serde_json::to_value(now).unwrap_or_default(),
        );
        let mut out = Vec::new();
        if let (Some(a), Some(b)) = (a.as_object(), b.as_object()) {
            for (k, va) in a {
                let vb = b.get(k).cloned().unwrap_or_default();
                if *va != vb {
                    out.push(format!("{k}: checkpoint {va}, this run {vb}"));
                }
            }
        }
        out
    }
}

/// One obligation check of an oracle round (or, for a decomposition, the
/// check of the helper lemmas' statements and the parent's closing script).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attempt {
    /// Lemma name.
    pub lemma: String,
    /// Tactic script (for a decomposition: the splitting tactic).
    pub tactic: String,
    /// Whether it closed the lemma (for a decomposition: whether Rocq
    /// accepted it with only the helper lemmas left `Admitted`).
    pub ok: bool,
    /// The error kept as feedback when it did not.
    pub error: String,
    /// Present when this attempt decomposes `lemma` into helper lemmas.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decompose: Option<DecomposeRecord>,
    /// A record without an oracle call: the decomposition of `lemma` by
    /// `tactic` failed (a helper stayed stuck) and was reverted.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub revert: bool,
}

impl Attempt {
    /// A tactic attempt on a lemma.
    pub fn tactic(lemma: &str, tactic: &str, ok: bool, error: String) -> Attempt {
        Attempt {
            lemma: lemma.to_string(),
            tactic: tactic.to_string(),
            ok,
            error,
            decompose: None,
            revert: false,
        }
    }
}

/// The helper lemmas of a decomposition (see [`crate::decompose`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecomposeRecord {
    /// `(name, statement)` of each helper lemma, in order.
    pub helpers: Vec<(String, String)>,
    /// The parent's proof from its helpers.
    pub closing: String,
}

/// The attempts of one oracle round, in order.
pub type Round = Vec<Attempt>;

/// The candidate being grown when the checkpoint was written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InProgress {
    /// Its index in the pool.
    pub index: usize,
    /// Its name.
    pub candidate: String,
    /// Its completed oracle rounds.
    pub rounds: Vec<Round>,
}

/// A closed, audited candidate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClosedRecord {
    /// Its index in the pool.
    pub index: usize,
    /// Its name.
    pub candidate: String,
    /// The rounds that closed it (they rebuild its development state).
    pub rounds: Vec<Round>,
    /// The closed development's source.
    pub source: String,
    /// Audit verdict.
    pub audit_passed: bool,
    /// Audit problems.
    pub audit_problems: Vec<String>,
    /// Assumptions of the main theorem.
    pub assumptions: Vec<String>,
}

/// The reloader's memory of a mechanism variant stuck on a guard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StuckVariant {
    /// Mechanism name.
    pub mechanism: String,
    /// Variant index.
    pub variant: usize,
    /// Why (candidate and obligation).
    pub why: String,
}

/// The checkpoint file's contents (see the module documentation).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Checkpoint {
    /// Format version.
    pub version: u32,
    /// What the run was.
    pub key: RunKey,
    /// Candidate names in the order tried (empty before the search starts).
    pub pool: Vec<String>,
    /// Index of the first undecided candidate.
    pub next: usize,
    /// Candidates grown so far (decided ones).
    pub candidates_tried: usize,
    /// Rejected or skipped candidates.
    pub rejected: Vec<Rejection>,
    /// Closed candidates.
    pub closed: Vec<ClosedRecord>,
    /// Tactics that closed each lemma (shared across candidates).
    pub remembered: BTreeMap<String, Vec<String>>,
    /// The reloader's memory.
    pub stuck_variants: Vec<StuckVariant>,
    /// The candidate in progress.
    pub current: Option<InProgress>,
    /// Wall time spent so far, over all sessions.
    pub elapsed_s: f64,
    /// Oracle calls so far, over all sessions.
    pub oracle_calls: u64,
    /// Live oracle rounds so far, over all sessions.
    pub rounds_done: usize,
    /// Whether the last session was interrupted.
    pub interrupted: bool,
}

impl Checkpoint {
    /// An empty checkpoint for a fresh run.
    pub fn new(key: RunKey) -> Checkpoint {
        Checkpoint {
            version: VERSION,
            key,
            pool: vec![],
            next: 0,
            candidates_tried: 0,
            rejected: vec![],
            closed: vec![],
            remembered: BTreeMap::new(),
            stuck_variants: vec![],
            current: None,
            elapsed_s: 0.0,
            oracle_calls: 0,
            rounds_done: 0,
            interrupted: false,
        }
    }

    /// Reads a checkpoint.
    pub fn load(path: &Path) -> Result<Checkpoint> {
        if !path.exists() {
            bail!(
                "--resume: no checkpoint at {}: nothing to resume (run without --resume to start over)",
                path.display()
            );
        }
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading checkpoint {}", path.display()))?;
        let ck: Checkpoint = serde_json::from_str(&text)
            .with_context(|| format!("checkpoint {} is not readable", path.display()))?;
        if ck.version != VERSION {
            bail!(
                "checkpoint {} has format version {}, this synth reads version {VERSION}",
                path.display(),
                ck.version
            );
        }
        Ok(ck)
    }

    /// Reads a checkpoint and checks it was written for the run `key`.
    pub fn load_for(path: &Path, key: &RunKey) -> Result<Checkpoint> {
        let ck = Checkpoint::load(path)?;
        let diff = ck.key.mismatches(key);
        if !diff.is_empty() {
            bail!(
                "--resume: checkpoint {} was written for a different run ({}); rerun with the same spec and options, or without --resume to start over",
                path.display(),
                diff.join("; ")
            );
        }
        Ok(ck)
    }

    /// Checks (or, on a fresh checkpoint, sets) the candidate pool.
    pub fn check_pool(&mut self, pool: Vec<String>) -> Result<()> {
        if self.pool.is_empty() && self.next == 0 && self.current.is_none() {
            self.pool = pool;
            return Ok(());
        }
        if self.pool != pool {
            bail!(
                "--resume: the candidate list changed since the checkpoint (catalog edited?): checkpoint {:?}, now {:?}; rerun without --resume",
                self.pool,
                pool
            );
        }
        Ok(())
    }

    /// Writes the checkpoint atomically (temporary file, then rename).
    pub fn save(&self, path: &Path) -> Result<()> {
        let tmp = path.with_extension("json.tmp");
        std::fs::write(&tmp, serde_json::to_string_pretty(self)? + "\n")
            .with_context(|| format!("writing {}", tmp.display()))?;
        std::fs::rename(&tmp, path).with_context(|| format!("writing {}", path.display()))?;
        Ok(())
    }
}

/// The error of an interrupted run (Ctrl-C, or the test-only round limit).
#[derive(Debug, thiserror::Error)]
#[error("interrupted: checkpoint written to {}; continue with the same `synth run` command and `--resume`", .checkpoint.display())]
pub struct Interrupted {
    /// The checkpoint to resume from.
    pub checkpoint: PathBuf,
}

/// The live checkpoint of a run, and the interruption flag.
pub struct Tracker {
    /// The checkpoint's contents.
    pub ck: Checkpoint,
    /// Whether this session resumes an earlier one.
    pub resumed: bool,
    path: PathBuf,
    interrupt: Arc<AtomicBool>,
    stop_after_rounds: Option<usize>,
    live_rounds: usize,
    start: Instant,
    base_elapsed_s: f64,
    base_calls: u64,
}

impl Tracker {
    /// Tracks `ck`, saved at `path`; `interrupt` is polled between oracle
    /// calls; `stop_after_rounds` (tests) raises it after that many live rounds.
    pub fn new(
        ck: Checkpoint,
        path: PathBuf,
        interrupt: Arc<AtomicBool>,
        stop_after_rounds: Option<usize>,
        resumed: bool,
    ) -> Tracker {
        let (base_elapsed_s, base_calls) = (ck.elapsed_s, ck.oracle_calls);
        Tracker {
            ck,
            resumed,
            path,
            interrupt,
            stop_after_rounds,
            live_rounds: 0,
            start: Instant::now(),
            base_elapsed_s,
            base_calls,
        }
    }

    /// The checkpoint's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether an interruption was requested.
    pub fn interrupted(&self) -> bool {
        self.interrupt.load(Ordering::SeqCst)
    }

    /// Records a completed live oracle round.
    pub fn round_done(&mut self) {
        self.live_rounds += 1;
        self.ck.rounds_done += 1;
        if self
            .stop_after_rounds
            .is_some_and(|k| self.live_rounds >= k)
        {
            tracing::info!(rounds = self.live_rounds, "round limit reached: stopping");
            self.interrupt.store(true, Ordering::SeqCst);
        }
    }

    /// Wall time over all sessions.
    pub fn elapsed_s(&self) -> f64 {
        self.base_elapsed_s + self.start.elapsed().as_secs_f64()
    }

    /// Oracle calls over all sessions, given this session's count.
    pub fn calls(&self, session_calls: u64) -> u64 {
        self.base_calls + session_calls
    }

    /// Saves the checkpoint (with the time and calls so far).
    pub fn save(&mut self, session_calls: u64) -> Result<()> {
        self.ck.elapsed_s = self.elapsed_s();
        self.ck.oracle_calls = self.calls(session_calls);
        self.ck.save(&self.path)
    }

    /// Saves the checkpoint as interrupted and returns the [`Interrupted`] error.
    pub fn stop(&mut self, session_calls: u64) -> anyhow::Error {
        self.ck.interrupted = true;
        if let Err(e) = self.save(session_calls) {
            return e.context("interrupted, and the checkpoint could not be written");
        }
        tracing::warn!(checkpoint = %self.path.display(), next = self.ck.next,
            rounds = self.ck.current.as_ref().map(|c| c.rounds.len()), "interrupted: checkpoint written");
        Interrupted {
            checkpoint: self.path.clone(),
        }
        .into()
    }

    /// `Err(Interrupted)` (checkpoint written) when an interruption was requested.
    pub fn check(&mut self, session_calls: u64) -> Result<()> {
        if self.interrupted() {
            Err(self.stop(session_calls))
        } else {
            Ok(())
        }
    }

    /// Removes the checkpoint (the run finished).
    pub fn finish(&self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Installs the SIGINT handler: the first Ctrl-C sets `flag` (set inside the
/// handler itself, before any killed checker process can be reaped, so a
/// verdict spoiled by the signal is never trusted); a second one exits at once
/// with status 130.
pub fn install_sigint(flag: Arc<AtomicBool>) -> Result<()> {
    let action = move || {
        if flag.swap(true, Ordering::SeqCst) {
            // SAFETY: `_exit` is async-signal-safe.
            unsafe { libc::_exit(130) };
        }
    };
    // SAFETY: the action only performs an atomic swap and `_exit`, both
    // async-signal-safe; it does not allocate or lock.
    unsafe { signal_hook_registry::register(libc::SIGINT, action) }
        .context("installing the Ctrl-C handler")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> RunKey {
        RunKey {
            spec: "read-your-writes".into(),
            spec_sha256: "abc".into(),
            seed: 0,
            proposer: "builtin".into(),
            replay_sha256: None,
            feedback: "rich".into(),
            max_candidates: 16,
            closed_wanted: 1,
            representation: None,
            timeout_s: 60,
            hammer: true,
        }
    }

    fn sample() -> Checkpoint {
        let mut ck = Checkpoint::new(key());
        ck.pool = vec!["a/plain/x".into(), "b/plain/y".into()];
        ck.next = 1;
        ck.candidates_tried = 1;
        ck.rejected.push(Rejection {
            candidate: "a/plain/x".into(),
            obligation: "c1_holds_at_get".into(),
            reason: "goal:\nFalse".into(),
        });
        ck.remembered
            .insert("base_init".into(), vec!["exact I.".into()]);
        ck.stuck_variants.push(StuckVariant {
            mechanism: "a".into(),
            variant: 0,
            why: "a/plain/x on c1_holds_at_get".into(),
        });
        ck.current = Some(InProgress {
            index: 1,
            candidate: "b/plain/y".into(),
            rounds: vec![
                vec![
                    Attempt::tactic("base_init", "exact I.", true, String::new()),
                    Attempt::tactic("base_put", "eauto.", false, "timeout".into()),
                ],
                vec![Attempt {
                    decompose: Some(DecomposeRecord {
                        helpers: vec![("base_put_part1".into(), "forall n : nat, n = n".into())],
                        closing: "split; exact base_put_part1.".into(),
                    }),
                    ..Attempt::tactic("base_put", "split.", true, String::new())
                }],
                vec![Attempt {
                    revert: true,
                    ..Attempt::tactic("base_put", "split.", false, "stuck".into())
                }],
            ],
        });
        ck.elapsed_s = 3.5;
        ck.oracle_calls = 12;
        ck
    }

    #[test]
    fn a_checkpoint_round_trips_through_its_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAME);
        let ck = sample();
        ck.save(&path).unwrap();
        assert_eq!(Checkpoint::load(&path).unwrap(), ck);
        assert_eq!(Checkpoint::load_for(&path, &key()).unwrap(), ck);
        assert!(!path.with_extension("json.tmp").exists());
    }

    #[test]
    fn attempts_written_before_decompositions_still_load() {
        let a: Attempt = serde_json::from_str(
            r#"{"lemma":"base_init","tactic":"exact I.","ok":true,"error":""}"#,
        )
        .unwrap();
        assert_eq!(
            a,
            Attempt::tactic("base_init", "exact I.", true, String::new())
        );
        let text = serde_json::to_string(&a).unwrap();
        assert!(
            !text.contains("decompose") && !text.contains("revert"),
            "{text}"
        );
    }

    #[test]
    fn resuming_without_a_checkpoint_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let e = Checkpoint::load(&dir.path().join(FILE_NAME))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("no checkpoint") && e.contains("nothing to resume"),
            "{e}"
        );
    }

    #[test]
    fn a_checkpoint_for_another_spec_or_options_names_the_mismatch() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAME);
        sample().save(&path).unwrap();
        let mut other = key();
        other.spec_sha256 = "def".into();
        other.seed = 3;
        let e = Checkpoint::load_for(&path, &other).unwrap_err().to_string();
        assert!(e.contains("different run"), "{e}");
        assert!(
            e.contains("spec_sha256: checkpoint \"abc\", this run \"def\""),
            "{e}"
        );
        assert!(e.contains("seed: checkpoint 0, this run 3"), "{e}");
        assert!(!e.contains("feedback"), "{e}");
    }

    #[test]
    fn a_changed_candidate_list_is_refused_and_a_fresh_one_is_set() {
        let mut ck = sample();
        let e = ck.check_pool(vec!["c/plain/z".into()]).unwrap_err();
        assert!(e.to_string().contains("candidate list changed"), "{e}");
        ck.check_pool(ck.pool.clone()).unwrap();
        let mut fresh = Checkpoint::new(key());
        fresh.check_pool(vec!["x".into()]).unwrap();
        assert_eq!(fresh.pool, vec!["x".to_string()]);
    }

    #[test]
    fn the_round_limit_raises_the_interrupt_and_stop_writes_the_checkpoint() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAME);
        let flag = Arc::new(AtomicBool::new(false));
        let mut t = Tracker::new(sample(), path.clone(), flag.clone(), Some(2), false);
        t.round_done();
        assert!(t.check(0).is_ok());
        t.round_done();
        let e = t.check(5).unwrap_err();
        assert!(e.downcast_ref::<Interrupted>().is_some());
        assert!(e.to_string().contains("--resume"), "{e}");
        let back = Checkpoint::load(&path).unwrap();
        assert!(back.interrupted);
        assert_eq!(back.oracle_calls, 17);
        assert_eq!(back.rounds_done, 2);
    }
}
