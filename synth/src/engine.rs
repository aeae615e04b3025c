//! The engine: the three loops of DESIGN.md §4, every step graded by Rocq.
//!
//! * **Inner loop** (per candidate): Define (compile the candidate's
//!   definitions), counterexample first ([`crate::cex`]), Decompose the spec
//!   into obligations (a skeleton with all of them `Admitted` must check),
//!   then Prove in parallel oracle rounds: each obligation's tactic scripts,
//!   ranked by the [`Proposer`] from the goal Rocq printed, are tried one per
//!   round (Repair after a failure) until one closes it.
//! * **Middle loop**: an obligation no single script closes is *decomposed*
//!   ([`crate::decompose`]): the proposer's structural splits of its printed
//!   goal (conjunction, disjunction, case split, induction) become helper
//!   lemmas `<lemma>_part<i>`, stated by Rocq and checked together with the
//!   parent's closing script, then proved by the same portfolio (or split
//!   again, down to [`MAX_DEPTH`]); a split whose helpers do not all close is
//!   reverted (a `Revert` move) and the next one tried. An obligation that is
//!   still open makes the *reloader* abandon the candidate for the next one,
//!   remembering why (the stuck goal, and the decompositions tried); a
//!   mechanism variant stuck on a constraint guard, or refuted by a
//!   counterexample, is skipped over every representation.
//! * **Outer loop**: [`rank`] orders the closed candidates by measured
//!   throughput ([`PerfHook`]), the fastest is shipped.
//!
//! Every oracle round (decompositions included) is recorded in the
//! checkpoint ([`crate::checkpoint`]) and the run log ([`crate::runlog`]):
//! `prove`/`repair` per attempt, `decompose` (with `lemma`, `split`,
//! `helpers`, `closing`, `ok`) per decomposition checked, `revert` when one is
//! abandoned, `reload` per abandoned candidate.

use crate::audit::{audit, AuditReport};
use crate::catalog::{candidates, Candidate};
use crate::checkpoint::{
    Attempt, ClosedRecord, DecomposeRecord, InProgress, Interrupted, StuckVariant, Tracker,
};
use crate::decompose::{
    closing_script, part_name, parts, Split, MAX_DEPTH, MAX_SPLITS, MAX_SPLITS_PER_OBLIGATION,
    REVERT_ALL,
};
use crate::development::{helper_lemma, Development, Move, ObKind, Status, HELPER_PRELUDE};
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
    /// Only candidates of this mechanism (catalog name), if set.
    pub mechanism: Option<String>,
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

/// Applies one recorded attempt (an oracle verdict, or a reverted
/// decomposition) to the development state.
fn apply_attempt(
    dev: &mut Development,
    a: &Attempt,
    remembered: &mut BTreeMap<String, Vec<String>>,
    last_error: &mut HashMap<String, String>,
    progress: &dyn Fn(&str),
) {
    if a.revert {
        dev.revert_decomposition(&a.lemma);
        return;
    }
    if let Some(d) = &a.decompose {
        if a.ok {
            progress(&format!(
                "{}: {} decomposed into {}",
                dev.candidate.name(),
                a.lemma,
                d.helpers
                    .iter()
                    .map(|h| h.0.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
            dev.decompose(&a.lemma, &a.tactic, &d.closing, &d.helpers);
        } else {
            last_error.insert(a.lemma.clone(), a.error.clone());
        }
        return;
    }
    if a.ok {
        progress(&format!("{}: {} proved", dev.candidate.name(), a.lemma));
        for up in dev.prove(&a.lemma, &a.tactic) {
            progress(&format!(
                "{}: {up} proved from its helper lemmas",
                dev.candidate.name()
            ));
        }
        let m = remembered.entry(a.lemma.clone()).or_default();
        if !m.contains(&a.tactic) {
            m.push(a.tactic.clone());
        }
    } else {
        dev.history.push(Move::Repair {
            lemma: a.lemma.clone(),
            tactic: a.tactic.clone(),
        });
        last_error.insert(a.lemma.clone(), a.error.clone());
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
    for a in rec.rounds.iter().flatten() {
        let known = dev.kind_of(&a.lemma).is_some() || dev.helper(&a.lemma).is_some();
        anyhow::ensure!(known, "checkpoint: unknown lemma {}", a.lemma);
        apply_attempt(
            &mut dev,
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
        .filter(|c| {
            cfg.mechanism
                .as_deref()
                .is_none_or(|m| m == c.mechanism.name)
        })
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
    let mut search = Search {
        rocq,
        dev_rocq,
        header,
        name: name.clone(),
        cfg,
        log,
        tracker,
        progress,
        round_no: 0,
        lib,
        remembered,
        last_error: HashMap::new(),
        split_budget: 0,
    };
    loop {
        let round: Vec<(ObKind, String)> = queues
            .iter_mut()
            .filter(|(k, _, _)| dev.open().contains(k))
            .filter_map(|(k, q, _)| q.pop().map(|t| (*k, t)))
            .collect();
        if round.is_empty() {
            break;
        }
        let planned: Vec<Planned> = round
            .iter()
            .map(|(k, t)| Planned {
                lemma: k.lemma_name(),
                tactic: t.clone(),
                source: format!("{}\n{}", search.header, dev.lemma(*k, Some(t))),
                decompose: None,
            })
            .collect();
        let attempts = search.round(&planned)?;
        for a in &attempts {
            search.apply(&mut dev, a);
        }
    }
    // Middle loop: what the portfolio left open is decomposed into helper
    // lemmas (crate::decompose). An open obligation without any split is
    // stuck whatever: the reloader moves on at once.
    let mut plans = Vec::new();
    for kind in dev.open() {
        let goal = queues
            .iter()
            .find(|(k, _, _)| *k == kind)
            .and_then(|(_, _, g)| g.clone());
        let lemma = kind.lemma_name();
        let req = Request {
            lemma: &lemma,
            kind,
            goal: goal.as_ref(),
            library: &search.lib,
            remembered: &[],
            switches: &dev.candidate.variant().switches,
        };
        let splits = proposer.decompositions(&req);
        plans.push((kind, splits, goal));
    }
    if let Some(i) = plans.iter().position(|p| p.1.is_empty()) {
        let p = plans.swap_remove(i);
        plans = vec![p];
    }
    for (kind, splits, goal) in plans {
        let mut notes = Vec::new();
        let target = Target::obligation(&dev, kind);
        search.split_budget = MAX_SPLITS_PER_OBLIGATION;
        if !splits.is_empty()
            && search.decompose(&mut dev, proposer, &target, splits, 1, &mut notes)?
        {
            continue;
        }
        // Stuck: revert, record the feedback, and let the reloader move on.
        let goal = goal.map(|g| g.to_string()).unwrap_or_default();
        let mut feedback = format!(
            "goal:\n{goal}\nlast error: {}",
            search
                .last_error
                .get(&kind.lemma_name())
                .cloned()
                .unwrap_or_default()
        );
        if !notes.is_empty() {
            feedback.push_str(&format!("\ndecompositions tried: {}", notes.join("; ")));
        }
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
    let tracker = search.tracker;
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

/// A planned oracle check: one attempt on one lemma.
struct Planned {
    lemma: String,
    tactic: String,
    /// The whole source checked.
    source: String,
    /// For a decomposition: its helper lemmas and closing script.
    decompose: Option<DecomposeRecord>,
}

/// A lemma the middle loop decomposes: an obligation or a helper lemma.
struct Target {
    name: String,
    /// The obligation it serves (for the proposer).
    kind: ObKind,
    /// `Lemma <name> : <statement>.`
    statement: String,
    /// The tactics its proofs start with.
    prelude: Vec<String>,
    /// The statement of a helper lemma (`None`: an obligation).
    helper: Option<String>,
}

impl Target {
    fn obligation(dev: &Development, kind: ObKind) -> Target {
        Target {
            name: kind.lemma_name(),
            kind,
            statement: dev.statement(kind),
            prelude: dev.prelude(kind),
            helper: None,
        }
    }

    fn helper(kind: ObKind, name: &str, statement: &str) -> Target {
        Target {
            name: name.to_string(),
            kind,
            statement: format!("Lemma {name} : {statement}."),
            prelude: vec![HELPER_PRELUDE.to_string()],
            helper: Some(statement.to_string()),
        }
    }

    /// The lemma with proof script `tactic`.
    fn lemma(&self, dev: &Development, tactic: &str) -> String {
        match &self.helper {
            Some(st) => helper_lemma(&self.name, st, Some(tactic)),
            None => dev.lemma(self.kind, Some(tactic)),
        }
    }
}

/// One candidate's proof search after its definitions checked: the oracle
/// rounds (live, or replayed from the checkpoint in the order they were
/// run) and the middle loop's decompositions.
struct Search<'a> {
    rocq: &'a Rocq,
    dev_rocq: Rocq,
    header: String,
    name: String,
    cfg: &'a Config,
    log: &'a RunLog,
    tracker: &'a mut Tracker,
    progress: &'a dyn Fn(&str),
    /// Rounds run or replayed so far for this candidate.
    round_no: usize,
    lib: Vec<LibraryLemma>,
    remembered: &'a mut BTreeMap<String, Vec<String>>,
    last_error: HashMap<String, String>,
    /// Splits the current obligation may still try.
    split_budget: usize,
}

impl Search<'_> {
    fn check(&mut self) -> Result<()> {
        self.tracker.check(calls(self.rocq))
    }

    fn apply(&mut self, dev: &mut Development, a: &Attempt) {
        apply_attempt(dev, a, self.remembered, &mut self.last_error, self.progress);
    }

    /// The round `round_no` of the checkpoint, when it is being replayed.
    fn recorded(&self) -> Option<Vec<Attempt>> {
        self.tracker
            .ck
            .current
            .as_ref()
            .and_then(|c| c.rounds.get(self.round_no))
            .cloned()
    }

    /// Checks a round of attempts in parallel (or replays it from the
    /// checkpoint: the search must propose the same round it did before the
    /// interruption), logs and checkpoints it.
    fn round(&mut self, planned: &[Planned]) -> Result<Vec<Attempt>> {
        let recorded = self.recorded();
        self.round_no += 1;
        let round_no = self.round_no;
        if let Some(rec) = recorded {
            let same = rec.len() == planned.len()
                && rec.iter().zip(planned).all(|(a, p)| {
                    !a.revert
                        && a.lemma == p.lemma
                        && a.tactic == p.tactic
                        && a.decompose == p.decompose
                });
            anyhow::ensure!(
                same,
                "checkpoint does not match the search: round {round_no} of {} was {:?}, the search now proposes {:?}; rerun without --resume",
                self.name,
                rec.iter().map(|a| (&a.lemma, &a.tactic)).collect::<Vec<_>>(),
                planned.iter().map(|p| (&p.lemma, &p.tactic)).collect::<Vec<_>>()
            );
            tracing::debug!(candidate = %self.name, round = round_no, "round replayed from the checkpoint");
            return Ok(rec);
        }
        self.check()?;
        let jobs: Vec<Job> = planned
            .iter()
            .map(|p| Job {
                source: p.source.clone(),
                options: CheckOptions::named("Obligation").timeout(self.cfg.timeout),
            })
            .collect();
        let verdicts = self.dev_rocq.check_many(jobs);
        // Interrupted during the round: its verdicts are not trusted.
        self.check()?;
        let mut rec = Vec::with_capacity(planned.len());
        for (p, verdict) in planned.iter().zip(verdicts) {
            let v = verdict.context("running the oracle")?;
            let ok = match &p.decompose {
                None => v.is_closed(),
                Some(d) => {
                    v.ok && v.admitted.len() == d.helpers.len()
                        && d.helpers.iter().zip(&v.admitted).all(|(h, a)| h.0 == *a)
                }
            };
            let error = if ok {
                String::new()
            } else {
                v.first_error()
                    .map(|e| e.message.clone())
                    .unwrap_or_else(|| {
                        if v.timed_out {
                            "timeout".into()
                        } else if v.ok {
                            format!("left Admitted: {}", v.admitted.join(", "))
                        } else {
                            v.stderr.clone()
                        }
                    })
            };
            match &p.decompose {
                None => self.log.write(json!({"move": if ok {"prove"} else {"repair"}, "candidate": self.name, "lemma": p.lemma, "tactic": p.tactic, "ok": ok, "timed_out": v.timed_out, "elapsed_ms": v.elapsed.as_millis() as u64, "error": v.first_error().map(|e| e.message.clone())})),
                Some(d) => self.log.write(json!({"move": "decompose", "candidate": self.name, "lemma": p.lemma, "split": p.tactic, "helpers": d.helpers.iter().map(|(n, s)| json!({"name": n, "statement": s})).collect::<Vec<_>>(), "closing": d.closing, "ok": ok, "timed_out": v.timed_out, "elapsed_ms": v.elapsed.as_millis() as u64, "error": if ok { None } else { Some(&error) }})),
            }
            rec.push(Attempt {
                decompose: p.decompose.clone(),
                ..Attempt::tactic(&p.lemma, &p.tactic, ok, error)
            });
        }
        if let Some(c) = self.tracker.ck.current.as_mut() {
            c.rounds.push(rec.clone());
        }
        self.tracker.round_done();
        self.tracker.save(calls(self.rocq))?;
        Ok(rec)
    }

    /// Records an attempt that needs no oracle call (a reverted
    /// decomposition) as a round of its own, or checks it against the
    /// checkpoint being replayed.
    fn note(&mut self, a: &Attempt) -> Result<()> {
        let recorded = self.recorded();
        self.round_no += 1;
        if let Some(rec) = recorded {
            anyhow::ensure!(
                rec.len() == 1 && rec[0] == *a,
                "checkpoint does not match the search: round {} of {} was {:?}, the search now records {:?}; rerun without --resume",
                self.round_no,
                self.name,
                rec,
                a
            );
            return Ok(());
        }
        if let Some(c) = self.tracker.ck.current.as_mut() {
            c.rounds.push(vec![a.clone()]);
        }
        self.tracker.save(calls(self.rocq))
    }

    /// The middle loop's decomposition of a lemma the portfolio could not
    /// close: tries `splits` in order; for each, Rocq prints the sub-goals
    /// (hypotheses reverted), they become helper lemmas checked together
    /// with the target's closing script, and each helper is proved by the
    /// portfolio (or decomposed again, down to [`MAX_DEPTH`]). A split whose
    /// helpers do not all close is reverted. Returns whether `target` closed;
    /// `notes` collects why each split failed.
    fn decompose(
        &mut self,
        dev: &mut Development,
        proposer: &mut dyn Proposer,
        target: &Target,
        splits: Vec<Split>,
        depth: usize,
        notes: &mut Vec<String>,
    ) -> Result<bool> {
        for split in splits.into_iter().take(MAX_SPLITS) {
            if self.split_budget == 0 {
                notes.push(format!(
                    "{}: decomposition budget spent ({MAX_SPLITS_PER_OBLIGATION} splits)",
                    target.name
                ));
                return Ok(false);
            }
            self.split_budget -= 1;
            let mut before = target.prelude.clone();
            before.push(split.tactic.clone());
            before.push(REVERT_ALL.to_string());
            let printed = self
                .dev_rocq
                .goal_at(&self.header, &target.statement, &before);
            self.check()?;
            let statements = printed
                .map_err(|e| format!("Rocq refused the split: {e}"))
                .and_then(|g| parts(&g));
            let statements = match statements {
                Ok(s) => s,
                Err(why) => {
                    self.log.write(json!({"move": "decompose", "candidate": self.name, "lemma": target.name, "rule": split.rule, "split": split.tactic, "ok": false, "error": why}));
                    notes.push(format!("{} by `{}`: {why}", target.name, split.tactic));
                    continue;
                }
            };
            let helpers: Vec<(String, String)> = statements
                .into_iter()
                .enumerate()
                .map(|(i, s)| (part_name(&target.name, i + 1), s))
                .collect();
            let names: Vec<String> = helpers.iter().map(|h| h.0.clone()).collect();
            let closing = closing_script(&split.tactic, &names);
            let mut source = format!("{}\n", self.header);
            for (n, st) in &helpers {
                source.push_str(&helper_lemma(n, st, None));
                source.push('\n');
            }
            source.push_str(&target.lemma(dev, &closing));
            let planned = Planned {
                lemma: target.name.clone(),
                tactic: split.tactic.clone(),
                source,
                decompose: Some(DecomposeRecord {
                    helpers: helpers.clone(),
                    closing,
                }),
            };
            let a = self.round(&[planned])?.remove(0);
            self.apply(dev, &a);
            if !a.ok {
                notes.push(format!(
                    "{} by `{}`: rejected by Rocq: {}",
                    target.name, split.tactic, a.error
                ));
                continue;
            }
            if self.prove_helpers(dev, proposer, target.kind, &helpers, depth, notes)? {
                (self.progress)(&format!(
                    "{}: {} closed by its {} helper lemmas",
                    self.name,
                    target.name,
                    helpers.len()
                ));
                return Ok(true);
            }
            let stuck = names
                .iter()
                .find(|n| dev.is_open(n))
                .cloned()
                .unwrap_or_default();
            let revert = Attempt {
                revert: true,
                ..Attempt::tactic(
                    &target.name,
                    &split.tactic,
                    false,
                    format!("helper lemma {stuck} is stuck"),
                )
            };
            self.note(&revert)?;
            self.log.write(json!({"move": "revert", "candidate": self.name, "lemma": target.name, "split": split.tactic, "reason": revert.error}));
            self.apply(dev, &revert);
            notes.push(format!(
                "{} by `{}`: helper lemma {stuck} is stuck",
                target.name, split.tactic
            ));
        }
        Ok(false)
    }

    /// Proves the helper lemmas of a decomposition with the portfolio, in
    /// parallel rounds; those left open are decomposed in turn.
    fn prove_helpers(
        &mut self,
        dev: &mut Development,
        proposer: &mut dyn Proposer,
        kind: ObKind,
        helpers: &[(String, String)],
        depth: usize,
        notes: &mut Vec<String>,
    ) -> Result<bool> {
        let switches = dev.candidate.variant().switches.clone();
        let mut queues: Vec<(Target, Vec<String>, Option<Goals>)> = Vec::new();
        for (n, st) in helpers {
            let target = Target::helper(kind, n, st);
            let goal = match self.cfg.feedback {
                Feedback::Rich => self
                    .dev_rocq
                    .goal_at(&self.header, &target.statement, &target.prelude)
                    .ok(),
                Feedback::Binary => None,
            };
            let mem = self.remembered.get(n).cloned().unwrap_or_default();
            let req = Request {
                lemma: n,
                kind,
                goal: goal.as_ref(),
                library: &self.lib,
                remembered: &mem,
                switches: &switches,
            };
            let mut tactics = proposer.propose(&req);
            tactics.reverse();
            queues.push((target, tactics, goal));
        }
        self.check()?;
        loop {
            let planned: Vec<Planned> = queues
                .iter_mut()
                .filter(|(t, _, _)| dev.is_open(&t.name))
                .filter_map(|(t, q, _)| {
                    q.pop().map(|tactic| Planned {
                        lemma: t.name.clone(),
                        source: format!("{}\n{}", self.header, t.lemma(dev, &tactic)),
                        tactic,
                        decompose: None,
                    })
                })
                .collect();
            if planned.is_empty() {
                break;
            }
            for a in self.round(&planned)? {
                self.apply(dev, &a);
            }
        }
        for (target, _, goal) in &queues {
            if !dev.is_open(&target.name) {
                continue;
            }
            if depth >= MAX_DEPTH {
                notes.push(format!(
                    "{}: stuck at the depth limit ({MAX_DEPTH})",
                    target.name
                ));
                return Ok(false);
            }
            let req = Request {
                lemma: &target.name,
                kind,
                goal: goal.as_ref(),
                library: &self.lib,
                remembered: &[],
                switches: &switches,
            };
            let splits = proposer.decompositions(&req);
            if splits.is_empty() {
                notes.push(format!("{}: no split applies", target.name));
                return Ok(false);
            }
            if !self.decompose(dev, proposer, target, splits, depth + 1, notes)? {
                return Ok(false);
            }
        }
        Ok(true)
    }
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
        let dec = |lemma: &str, split: &str, helpers: &[&str]| Attempt {
            decompose: Some(DecomposeRecord {
                helpers: helpers
                    .iter()
                    .map(|h| (h.to_string(), format!("forall n : nat, {h}_holds n")))
                    .collect(),
                closing: closing_script(
                    split,
                    &helpers.iter().map(|h| h.to_string()).collect::<Vec<_>>(),
                ),
            }),
            ..Attempt::tactic(lemma, split, true, String::new())
        };
        let rounds = vec![
            vec![
                Attempt::tactic("base_init", "exact I.", true, String::new()),
                Attempt::tactic("base_put", "eauto.", false, "timeout".into()),
            ],
            // base_put: a first split reverted, a second one closed, one of
            // its helpers by a nested split.
            vec![dec(
                "base_put",
                "destruct (f x) eqn:Hcase.",
                &["base_put_part1"],
            )],
            vec![Attempt::tactic(
                "base_put_part1",
                "eauto.",
                false,
                "no".into(),
            )],
            vec![Attempt {
                revert: true,
                ..Attempt::tactic(
                    "base_put",
                    "destruct (f x) eqn:Hcase.",
                    false,
                    "stuck".into(),
                )
            }],
            vec![dec(
                "base_put",
                "split.",
                &["base_put_part1", "base_put_part2"],
            )],
            vec![
                Attempt::tactic("base_put_part1", "lia.", true, String::new()),
                Attempt::tactic("base_put_part2", "lia.", false, "no".into()),
            ],
            vec![dec("base_put_part2", "split.", &["base_put_part2_part1"])],
            vec![Attempt::tactic(
                "base_put_part2_part1",
                "lia.",
                true,
                String::new(),
            )],
        ];
        for a in rounds.iter().flatten() {
            apply_attempt(
                &mut dev,
                a,
                &mut BTreeMap::new(),
                &mut HashMap::new(),
                &|_| {},
            );
        }
        assert!(!dev.is_open("base_put"), "closed from its helpers");
        let text = dev.render();
        let at = |s: &str| {
            text.find(s)
                .unwrap_or_else(|| panic!("{s} missing:\n{text}"))
        };
        assert!(at("Lemma base_put_part2_part1 :") < at("Lemma base_put_part2 :"));
        assert!(at("Lemma base_put_part1 :") < at("Lemma base_put_part2 :"));
        assert!(at("Lemma base_put_part2 :") < at("Lemma base_put :"));
        assert_eq!(text.matches("Lemma base_put_part1 :").count(), 1);
        assert!(text.contains("exact base_put_part2_part1"), "{text}");
        assert!(dev
            .history
            .iter()
            .any(|m| matches!(m, Move::Revert { lemma } if lemma == "base_put")));
        assert!(dev.history.iter().any(
            |m| matches!(m, Move::Decompose { lemma, parts, .. } if lemma == "base_put" && parts.len() == 2)
        ));
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
