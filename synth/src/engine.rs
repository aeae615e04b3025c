//! The engine: inner loop (Define, Decompose, Prove, Repair, Revert, each
//! graded by Rocq), middle loop (a reloader that abandons a stuck candidate
//! for the next one, remembering why), and the outer-loop hook that ranks
//! closed candidates by measured performance.

use crate::audit::{audit, AuditReport};
use crate::catalog::{candidates, Candidate};
use crate::checkpoint::{Attempt, ClosedRecord, InProgress, Interrupted, StuckVariant, Tracker};
use crate::development::{Development, Move, ObKind, Status};
use crate::oracle::{CheckOptions, Feedback, Goals, Job, Rocq};
use crate::proposer::{LibraryLemma, Proposer, Request};
use crate::runlog::RunLog;
use crate::spec::{count_constraints, SpecSource};
use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

/// Settings of one synthesis run.
pub struct Config {
    /// Scratch folder for candidate prefixes and probes.
    pub work_dir: PathBuf,
    /// Rich (goals) or binary (accepted/rejected) feedback to the proposer.
    pub feedback: Feedback,
    /// At most this many candidates are tried.
    pub max_candidates: usize,
    /// Stop after this many closed candidates (the outer loop ranks them).
    pub closed_wanted: usize,
    /// Per-check time budget.
    pub timeout: std::time::Duration,
    /// CoqHammer's tactics are available (imported in obligation checks).
    pub hammer: bool,
    /// Only candidates over this representation (catalog name), if set.
    pub representation: Option<String>,
    /// `--seed`: permutes equally-ranked candidates (see [`crate::seed`]).
    pub seed: u64,
}

/// Why a candidate was abandoned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rejection {
    /// Candidate name.
    pub candidate: String,
    /// The stuck obligation, or the stage that failed.
    pub obligation: String,
    /// Goal and error (the counterexample or stuck goal).
    pub reason: String,
}

/// A closed, audited candidate.
#[derive(Debug, Clone)]
pub struct Closed {
    /// The development (every obligation proved).
    pub development: Development,
    /// Its source.
    pub source: String,
    /// The audit report.
    pub audit: AuditReport,
}

/// The outcome of a run.
pub struct Outcome {
    /// Closed candidates, in the order they were closed.
    pub closed: Vec<Closed>,
    /// Abandoned candidates and why.
    pub rejected: Vec<Rejection>,
    /// How many candidates were tried.
    pub candidates_tried: usize,
    /// Number of obligations of the spec.
    pub obligations: usize,
}

/// The outer loop's measurement hook: a throughput figure (ops/s) for a
/// closed candidate, or `None` when it cannot be measured here.
pub trait PerfHook {
    /// Measures a closed candidate.
    fn measure(&mut self, closed: &Closed) -> Option<f64>;
}

/// Ranks closed candidates: measured ones by throughput (highest first),
/// then unmeasured ones by the catalog's prior costs.
pub fn rank(closed: &[Closed], hook: &mut dyn PerfHook) -> Vec<(usize, Option<f64>)> {
    let mut r: Vec<(usize, Option<f64>)> = closed
        .iter()
        .enumerate()
        .map(|(i, c)| (i, hook.measure(c)))
        .collect();
    r.sort_by(|a, b| match (a.1, b.1) {
        (Some(x), Some(y)) => y.partial_cmp(&x).unwrap_or(std::cmp::Ordering::Equal),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => {
            let p = |i: usize| {
                let c = &closed[i].development.candidate;
                (c.variant().cost, c.representation.prior_cost)
            };
            p(a.0).cmp(&p(b.0))
        }
    });
    r
}

/// Reads `Check L.` outputs into lemma statements.
fn library(rocq: &Rocq, header: &str, names: &[&str]) -> Result<Vec<LibraryLemma>> {
    let mut src = header.to_string();
    for n in names {
        src.push_str(&format!("Check {n}.\n"));
    }
    let v = rocq.check(&src, &CheckOptions::named("Library"))?;
    anyhow::ensure!(
        v.ok,
        "the mechanism's library does not load: {}",
        v.first_error()
            .map(|e| e.message.clone())
            .unwrap_or(v.stderr)
    );
    // Each `Check` prints `name\n     : type`; split on the names.
    let mut out = Vec::new();
    let text = v.stdout;
    for (i, n) in names.iter().enumerate() {
        let start = text
            .find(&format!("{n}\n"))
            .or_else(|| text.find(n))
            .unwrap_or(0);
        let end = names
            .get(i + 1)
            .and_then(|m| text[start..].find(&format!("\n{m}\n")).map(|e| start + e))
            .unwrap_or(text.len());
        out.push(LibraryLemma {
            name: n.to_string(),
            statement: text[start..end]
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" "),
        });
    }
    Ok(out)
}

/// The catalog's candidates, restricted to one representation if given.
pub fn candidate_pool(representation: Option<&str>) -> Vec<Candidate> {
    candidates()
        .into_iter()
        .filter(|c| representation.is_none_or(|r| r == c.representation.name))
        .collect()
}

/// The candidates in the order the search tries them: the catalog's order
/// (see [`candidate_pool`]), equally-ranked candidates (same metadata cost
/// and representation prior cost) permuted by `seed` (0: unchanged).
pub fn candidate_order(representation: Option<&str>, seed: u64) -> Vec<Candidate> {
    let pool = candidate_pool(representation);
    if seed == 0 {
        return pool;
    }
    crate::seed::order_ties(pool, seed, |c| {
        (c.variant().cost, c.representation.prior_cost)
    })
}

/// Oracle calls of this session (for the checkpoint).
fn calls(rocq: &Rocq) -> u64 {
    rocq.stats().calls
}

/// Applies the verdict of one obligation check to the development state.
fn apply_attempt(
    dev: &mut Development,
    kind: ObKind,
    a: &Attempt,
    remembered: &mut BTreeMap<String, Vec<String>>,
    last_error: &mut HashMap<ObKind, String>,
    progress: &dyn Fn(&str),
) {
    if a.ok {
        progress(&format!("{}: {} proved", dev.candidate.name(), a.lemma));
        dev.history.push(Move::Prove {
            lemma: a.lemma.clone(),
            tactic: a.tactic.clone(),
        });
        dev.set(
            kind,
            Status::Proved {
                tactic: a.tactic.clone(),
            },
        );
        let m = remembered.entry(a.lemma.clone()).or_default();
        if !m.contains(&a.tactic) {
            m.push(a.tactic.clone());
        }
    } else {
        dev.history.push(Move::Repair {
            lemma: a.lemma.clone(),
            tactic: a.tactic.clone(),
        });
        last_error.insert(kind, a.error.clone());
    }
}

/// Rebuilds a closed candidate recorded in a checkpoint.
fn restore_closed(
    spec: &SpecSource,
    pool: &[Candidate],
    constraints: usize,
    rec: &ClosedRecord,
) -> Result<Closed> {
    let cand = pool
        .get(rec.index)
        .filter(|c| c.name() == rec.candidate)
        .cloned()
        .with_context(|| {
            format!(
                "checkpoint: closed candidate {} is not #{} of the pool",
                rec.candidate, rec.index
            )
        })?;
    let mut dev = Development::new(spec.clone(), cand, constraints);
    let kinds = ObKind::all(constraints);
    for a in rec.rounds.iter().flatten() {
        let kind = kinds
            .iter()
            .copied()
            .find(|k| k.lemma_name() == a.lemma)
            .with_context(|| format!("checkpoint: unknown lemma {}", a.lemma))?;
        apply_attempt(
            &mut dev,
            kind,
            a,
            &mut BTreeMap::new(),
            &mut HashMap::new(),
            &|_| {},
        );
    }
    anyhow::ensure!(
        dev.render() == rec.source,
        "checkpoint: closed candidate {} does not rebuild to its recorded source; rerun without --resume",
        rec.candidate
    );
    Ok(Closed {
        development: dev,
        source: rec.source.clone(),
        audit: AuditReport {
            passed: rec.audit_passed,
            problems: rec.audit_problems.clone(),
            assumptions: rec.assumptions.clone(),
        },
    })
}

/// Runs the search for `spec` with `proposer`. `tracker` keeps the
/// checkpoint up to date; when it holds a loaded checkpoint (`--resume`),
/// decided candidates are restored and the one in progress continued.
pub fn synthesize(
    rocq: &Rocq,
    spec: &SpecSource,
    proposer: &mut dyn Proposer,
    cfg: &Config,
    log: &RunLog,
    progress: &dyn Fn(&str),
    tracker: &mut Tracker,
) -> Result<Outcome> {
    let constraints = count_constraints(rocq, spec);
    tracker.check(calls(rocq))?;
    let constraints = constraints?;
    let pool: Vec<Candidate> = candidate_order(cfg.representation.as_deref(), cfg.seed)
        .into_iter()
        .take(cfg.max_candidates)
        .collect();
    tracker
        .ck
        .check_pool(pool.iter().map(|c| c.name()).collect())?;
    if tracker.resumed {
        let replay = tracker.ck.current.as_ref().map_or(0, |c| c.rounds.len());
        tracing::info!(
            next = tracker.ck.next,
            rejected = tracker.ck.rejected.len(),
            closed = tracker.ck.closed.len(),
            rounds_to_replay = replay,
            "resuming from checkpoint"
        );
        log.write(json!({"move": "resume", "spec": spec.name, "sha256": spec.sha256, "constraints": constraints, "seed": cfg.seed, "next_candidate": tracker.ck.next, "rounds_to_replay": replay}));
    } else {
        log.write(json!({"move": "spec", "spec": spec.name, "sha256": spec.sha256, "constraints": constraints, "seed": cfg.seed}));
    }
    let mut outcome = Outcome {
        closed: tracker
            .ck
            .closed
            .iter()
            .map(|r| restore_closed(spec, &pool, constraints, r))
            .collect::<Result<_>>()?,
        rejected: tracker.ck.rejected.clone(),
        candidates_tried: tracker.ck.candidates_tried,
        obligations: ObKind::all(constraints).len(),
    };
    // Counterexample first: the spec's constraints identified with the model's.
    let cex = match crate::cex::prepare(rocq, spec, constraints) {
        Ok(stage) => Some(stage),
        Err(why) => {
            log.write(json!({"move": "counterexample-stage", "skipped": true, "reason": why}));
            None
        }
    };
    tracker.check(calls(rocq))?;
    let mut remembered = tracker.ck.remembered.clone();
    // Reloader memory: a mechanism variant stuck on a constraint guard is
    // stuck whatever the representation (guards are facts of the metadata).
    let mut stuck_variants: BTreeMap<(String, usize), String> = tracker
        .ck
        .stuck_variants
        .iter()
        .map(|s| ((s.mechanism.clone(), s.variant), s.why.clone()))
        .collect();
    tracker.save(calls(rocq))?;
    for (idx, cand) in pool.into_iter().enumerate() {
        if idx < tracker.ck.next {
            continue;
        }
        if outcome.closed.len() >= cfg.closed_wanted {
            break;
        }
        tracker.check(calls(rocq))?;
        let variant_key = (cand.mechanism.name.to_string(), cand.variant);
        if let Some(why) = stuck_variants.get(&variant_key) {
            let rej = Rejection {
                candidate: cand.name(),
                obligation: "skipped".into(),
                reason: format!("same mechanism variant already stuck: {why}"),
            };
            log.write(json!({"move": "skip", "candidate": rej.candidate, "reason": rej.reason}));
            outcome.rejected.push(rej);
            tracker.ck.rejected = outcome.rejected.clone();
            tracker.ck.next = idx + 1;
            tracker.save(calls(rocq))?;
            continue;
        }
        outcome.candidates_tried += 1;
        progress(&format!("candidate {}", cand.name()));
        let rounds = match tracker.ck.current.take() {
            Some(c) if c.index == idx && c.candidate == cand.name() => c.rounds,
            Some(c) => anyhow::bail!(
                "checkpoint: the candidate in progress is #{} {}, but the next undecided one is #{idx} {}; rerun without --resume",
                c.index,
                c.candidate,
                cand.name()
            ),
            None => vec![],
        };
        tracker.ck.current = Some(InProgress {
            index: idx,
            candidate: cand.name(),
            rounds,
        });
        let grown = grow(
            rocq,
            spec,
            cand.clone(),
            constraints,
            idx,
            cex.as_ref(),
            proposer,
            cfg,
            log,
            &mut remembered,
            progress,
            tracker,
        );
        if tracker.interrupted() {
            // Whatever grow returned may come from checker processes killed
            // by the signal: keep the checkpoint of the last completed round.
            return match grown {
                Err(e) if e.is::<Interrupted>() => Err(e),
                _ => Err(tracker.stop(calls(rocq))),
            };
        }
        let rounds = tracker
            .ck
            .current
            .take()
            .map(|c| c.rounds)
            .unwrap_or_default();
        match grown? {
            Ok(closed) => {
                tracker.ck.closed.push(ClosedRecord {
                    index: idx,
                    candidate: cand.name(),
                    rounds,
                    source: closed.source.clone(),
                    audit_passed: closed.audit.passed,
                    audit_problems: closed.audit.problems.clone(),
                    assumptions: closed.audit.assumptions.clone(),
                });
                outcome.closed.push(closed);
            }
            Err(rej) => {
                // A counterexample refutes the variant whatever the
                // representation (they all implement the same map).
                if rej.obligation == "counterexample"
                    || (rej.obligation.starts_with('c') && rej.obligation.contains("_holds_at_"))
                {
                    stuck_variants.insert(
                        variant_key,
                        format!("{} on {}", rej.candidate, rej.obligation),
                    );
                }
                log.write(json!({"move": "reload", "candidate": rej.candidate, "obligation": rej.obligation, "reason": rej.reason}));
                outcome.rejected.push(rej);
            }
        }
        tracker.ck.next = idx + 1;
        tracker.ck.candidates_tried = outcome.candidates_tried;
        tracker.ck.rejected = outcome.rejected.clone();
        tracker.ck.remembered = remembered.clone();
        tracker.ck.stuck_variants = stuck_variants
            .iter()
            .map(|((m, v), why)| StuckVariant {
                mechanism: m.clone(),
                variant: *v,
                why: why.clone(),
            })
            .collect();
        tracker.save(calls(rocq))?;
    }
    Ok(outcome)
}

/// Grows one candidate to a closed development, or explains why it is stuck.
#[allow(clippy::too_many_arguments)]
fn grow(
    rocq: &Rocq,
    spec: &SpecSource,
    cand: Candidate,
    constraints: usize,
    idx: usize,
    cex: Option<&crate::cex::Stage>,
    proposer: &mut dyn Proposer,
    cfg: &Config,
    log: &RunLog,
    remembered: &mut BTreeMap<String, Vec<String>>,
    progress: &dyn Fn(&str),
    tracker: &mut Tracker,
) -> Result<std::result::Result<Closed, Rejection>> {
    let name = cand.name();
    let mut dev = Development::new(spec.clone(), cand, constraints);
    let reject = |ob: &str, reason: String| Rejection {
        candidate: name.clone(),
        obligation: ob.to_string(),
        reason,
    };
    // Define: compile the candidate's definitions once.
    let dir = cfg.work_dir.join(format!("cand{idx}"));
    let compiled = rocq.compile_source_to("Cand", &dev.prefix(), &dir, "Dev")?;
    tracker.check(calls(rocq))?;
    log.write(json!({"move": "define", "candidate": name, "ok": compiled.verdict.ok}));
    if !compiled.verdict.ok {
        let e = compiled
            .verdict
            .first_error()
            .map(|e| e.message.clone())
            .unwrap_or_default();
        return Ok(Err(reject(
            "define",
            format!("candidate does not type-check: {e}"),
        )));
    }
    let dev_rocq = rocq.clone().with_load_path("Dev", &compiled.dir);
    // Counterexample first: bounded executions before any proof effort.
    if let Some(stage) = cex {
        let report = stage.run(&dev_rocq, cfg.timeout);
        tracker.check(calls(rocq))?;
        log.write(json!({"move": "counterexample", "candidate": name, "found": report.counterexample.is_some(), "trace": report.counterexample.as_ref().map(|t| crate::model::show_trace(t)), "events": report.events, "skipped": report.skipped, "elapsed_ms": report.elapsed.as_millis() as u64}));
        if let Some(reason) = report.reason() {
            progress(&format!("{name}: {reason}"));
            return Ok(Err(reject("counterexample", reason)));
        }
    }
    let header = format!("Require Import Dev.Cand.\n{}", dev.opens());
    let hammer = if cfg.hammer {
        crate::run::HAMMER_IMPORT
    } else {
        ""
    };
    let header = format!(
        "From Coq Require Import Arith List Lia.\n{hammer}From KV Require Import Framework.Prelude Framework.KeyOrder Framework.Tactics Framework.Abstract Framework.Refinement.\nRequire Import {}.\n{header}",
        spec.module
    );
    let lib = library(&dev_rocq, &header, &dev.candidate.mechanism.lemmas)?;
    tracker.check(calls(rocq))?;
    // Decompose: the skeleton with every obligation Admitted must check.
    let skeleton = rocq.check(
        &dev.render(),
        &CheckOptions::named("Skeleton").timeout(cfg.timeout),
    )?;
    tracker.check(calls(rocq))?;
    log.write(json!({"move": "decompose", "candidate": name, "ok": skeleton.ok, "admitted": skeleton.admitted}));
    if !skeleton.ok {
        let e = skeleton
            .first_error()
            .map(|e| e.message.clone())
            .unwrap_or_default();
        return Ok(Err(reject(
            "decompose",
            format!("skeleton rejected by Rocq: {e}"),
        )));
    }
    // Prove: rank tactics per obligation, then check in rounds (parallel).
    let mut queues: Vec<(ObKind, Vec<String>, Option<Goals>)> = Vec::new();
    for kind in dev.open() {
        let lemma = kind.lemma_name();
        let goal = match cfg.feedback {
            Feedback::Rich => dev_rocq
                .goal_at(&header, &dev.statement(kind), &dev.prelude(kind))
                .ok(),
            Feedback::Binary => None,
        };
        let mem = remembered.get(&lemma).cloned().unwrap_or_default();
        let req = Request {
            lemma: &lemma,
            kind,
            goal: goal.as_ref(),
            library: &lib,
            remembered: &mem,
            switches: &dev.candidate.variant().switches,
        };
        let mut tactics = proposer.propose(&req);
        tactics.reverse(); // pop() takes the best first
        queues.push((kind, tactics, goal));
    }
    // A goal query killed by Ctrl-C would change the ranking: stop here.
    tracker.check(calls(rocq))?;
    let mut last_error: HashMap<ObKind, String> = HashMap::new();
    let mut round_no = 0;
    loop {
        let round: Vec<(ObKind, String)> = queues
            .iter_mut()
            .filter(|(k, _, _)| dev.open().contains(k))
            .filter_map(|(k, q, _)| q.pop().map(|t| (*k, t)))
            .collect();
        if round.is_empty() {
            break;
        }
        let recorded = tracker
            .ck
            .current
            .as_ref()
            .and_then(|c| c.rounds.get(round_no))
            .cloned();
        round_no += 1;
        let attempts: Vec<Attempt> = match recorded {
            Some(rec) => {
                // Replayed from the checkpoint: the search must propose the
                // same round it did before the interruption.
                let same = rec.len() == round.len()
                    && rec
                        .iter()
                        .zip(&round)
                        .all(|(a, (k, t))| a.lemma == k.lemma_name() && a.tactic == *t);
                anyhow::ensure!(
                    same,
                    "checkpoint does not match the search: round {round_no} of {name} was {:?}, the search now proposes {:?}; rerun without --resume",
                    rec.iter().map(|a| (&a.lemma, &a.tactic)).collect::<Vec<_>>(),
                    round.iter().map(|(k, t)| (k.lemma_name(), t)).collect::<Vec<_>>()
                );
                tracing::debug!(candidate = %name, round = round_no, "round replayed from the checkpoint");
                rec
            }
            None => {
                tracker.check(calls(rocq))?;
                let jobs: Vec<Job> = round
                    .iter()
                    .map(|(k, t)| Job {
                        source: format!("{header}\n{}", dev.lemma(*k, Some(t))),
                        options: CheckOptions::named("Obligation").timeout(cfg.timeout),
                    })
                    .collect();
                let verdicts = dev_rocq.check_many(jobs);
                // Interrupted during the round: its verdicts are not trusted.
                tracker.check(calls(rocq))?;
                let mut rec = Vec::with_capacity(round.len());
                for ((kind, tactic), verdict) in round.iter().zip(verdicts) {
                    let lemma = kind.lemma_name();
                    let v = verdict.context("running the oracle")?;
                    let ok = v.is_closed();
                    log.write(json!({"move": if ok {"prove"} else {"repair"}, "candidate": name, "lemma": lemma, "tactic": tactic, "ok": ok, "timed_out": v.timed_out, "elapsed_ms": v.elapsed.as_millis() as u64, "error": v.first_error().map(|e| e.message.clone())}));
                    let error = if ok {
                        String::new()
                    } else {
                        v.first_error()
                            .map(|e| e.message.clone())
                            .unwrap_or_else(|| {
                                if v.timed_out {
                                    "timeout".into()
                                } else {
                                    v.stderr.clone()
                                }
                            })
                    };
                    rec.push(Attempt {
                        lemma,
                        tactic: tactic.clone(),
                        ok,
                        error,
                    });
                }
                if let Some(c) = tracker.ck.current.as_mut() {
                    c.rounds.push(rec.clone());
                }
                tracker.round_done();
                tracker.save(calls(rocq))?;
                rec
            }
        };
        for ((kind, _), a) in round.iter().zip(&attempts) {
            apply_attempt(&mut dev, *kind, a, remembered, &mut last_error, progress);
        }
    }
    if let Some(kind) = dev.open().first().copied() {
        // Stuck: revert, record the feedback, and let the reloader move on.
        let goal = queues
            .iter()
            .find(|(k, _, _)| *k == kind)
            .and_then(|(_, _, g)| g.as_ref().map(|g| g.to_string()))
            .unwrap_or_default();
        let feedback = format!(
            "goal:\n{goal}\nlast error: {}",
            last_error.get(&kind).cloned().unwrap_or_default()
        );
        dev.history.push(Move::Revert {
            lemma: kind.lemma_name(),
        });
        dev.set(
            kind,
            Status::Failed {
                feedback: feedback.clone(),
            },
        );
        return Ok(Err(reject(&kind.lemma_name(), feedback)));
    }
    // Closed: the whole development must check, then pass the audit.
    let source = dev.render();
    let full = rocq.check(
        &source,
        &CheckOptions::named("Development").timeout(cfg.timeout * 4),
    )?;
    tracker.check(calls(rocq))?;
    log.write(json!({"move": "check", "candidate": name, "ok": full.is_closed()}));
    if !full.is_closed() {
        let e = full
            .first_error()
            .map(|e| e.message.clone())
            .unwrap_or_default();
        return Ok(Err(reject(
            "store_correct",
            format!("assembled development rejected: {e}"),
        )));
    }
    let report = audit(rocq, &source, "store_correct", &spec.path, &spec.sha256)?;
    tracker.check(calls(rocq))?;
    log.write(json!({"move": "audit", "candidate": name, "passed": report.passed, "problems": report.problems}));
    if !report.passed {
        return Ok(Err(reject("audit", report.problems.join("; "))));
    }
    Ok(Ok(Closed {
        development: dev,
        source,
        audit: report,
    }))
}

/// Extraction commands for a closed development compiled as `Synth.Development`:
/// the store's entry points (`Proofs.Alg`, the algorithm the theorem is about).
pub fn extraction_source(json_out: &str, ml_out: &str) -> String {
    let names = ["init", "token0", "put", "get", "deliverable", "apply"]
        .iter()
        .map(|n| format!("Proofs.Alg.{n}"))
        .collect::<Vec<_>>()
        .join(" ");
    format!(
        "Require Import Synth.Development.\nRequire Extraction.\n\
         Extraction Language OCaml.\nExtraction \"{ml_out}\" {names}.\n\
         Extraction Language JSON.\nExtraction \"{json_out}\" {names}.\n"
    )
}

/// Compiles a shipped development and extracts it (OCaml and JSON) into `out`.
pub fn extract(rocq: &Rocq, development: &Path, out: &Path) -> Result<()> {
    let compiled = rocq.compile_to(development, out, "Synth")?;
    anyhow::ensure!(
        compiled.verdict.ok,
        "development does not compile: {:?}",
        compiled.verdict.first_error()
    );
    let r = rocq.clone().with_load_path("Synth", &compiled.dir);
    let json = out.join("store.json");
    let ml = out.join("store.ml");
    let src = extraction_source(&json.display().to_string(), &ml.display().to_string());
    let v = r.check(&src, &CheckOptions::named("Extract"))?;
    anyhow::ensure!(v.ok, "extraction failed: {:?}", v.first_error());
    anyhow::ensure!(json.exists(), "extraction wrote no {}", json.display());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::candidates;
    use crate::spec::SpecSource;

    struct Table(Vec<Option<f64>>);
    impl PerfHook for Table {
        fn measure(&mut self, c: &Closed) -> Option<f64> {
            let i = c.development.candidate.variant;
            self.0[i]
        }
    }

    fn closed(variant: usize) -> Closed {
        // A mechanism with at least three variants (the first, `none`, has one).
        let mut cand = candidates()
            .into_iter()
            .find(|c| c.mechanism.variants.len() >= 3)
            .unwrap();
        cand.variant = variant;
        let spec = SpecSource {
            name: "t".into(),
            path: "t.v".into(),
            module: "T".into(),
            definition: "t".into(),
            sha256: String::new(),
            external: true,
        };
        Closed {
            development: Development::new(spec, cand, 1),
            source: String::new(),
            audit: AuditReport {
                passed: true,
                problems: vec![],
                assumptions: vec![],
            },
        }
    }

    #[test]
    fn the_representation_filter_keeps_only_that_representation() {
        let pool = candidate_pool(Some("function-store"));
        assert!(!pool.is_empty());
        assert!(pool
            .iter()
            .all(|c| c.representation.name == "function-store"));
        assert_eq!(candidate_pool(None).len(), candidates().len());
    }

    #[test]
    fn a_closed_candidate_is_rebuilt_from_its_checkpoint_record() {
        let pool = candidate_pool(None);
        let spec = closed(0).development.spec;
        let mut dev = Development::new(spec.clone(), pool[1].clone(), 1);
        let rounds = vec![vec![
            Attempt {
                lemma: "base_init".into(),
                tactic: "exact I.".into(),
                ok: true,
                error: String::new(),
            },
            Attempt {
                lemma: "base_put".into(),
                tactic: "eauto.".into(),
                ok: false,
                error: "timeout".into(),
            },
        ]];
        for a in rounds.iter().flatten() {
            let kind = ObKind::all(1)
                .into_iter()
                .find(|k| k.lemma_name() == a.lemma)
                .unwrap();
            apply_attempt(
                &mut dev,
                kind,
                a,
                &mut BTreeMap::new(),
                &mut HashMap::new(),
                &|_| {},
            );
        }
        let mut rec = ClosedRecord {
            index: 1,
            candidate: pool[1].name(),
            rounds,
            source: dev.render(),
            audit_passed: true,
            audit_problems: vec![],
            assumptions: vec![],
        };
        let back = restore_closed(&spec, &pool, 1, &rec).unwrap();
        assert_eq!(back.source, rec.source);
        assert_eq!(back.development.history.len(), dev.history.len());
        assert_eq!(back.development.open(), dev.open());
        rec.source.push_str("(* edited *)");
        let e = restore_closed(&spec, &pool, 1, &rec).unwrap_err();
        assert!(e.to_string().contains("does not rebuild"), "{e}");
        rec.index = 0;
        assert!(restore_closed(&spec, &pool, 1, &rec).is_err());
    }

    #[test]
    fn measured_candidates_rank_by_throughput_before_unmeasured_ones() {
        let cs = vec![closed(0), closed(1), closed(2)];
        let r = rank(&cs, &mut Table(vec![Some(10.0), None, Some(30.0)]));
        assert_eq!(r.iter().map(|x| x.0).collect::<Vec<_>>(), vec![2, 0, 1]);
    }
}
