//! `synth run`: from a spec to a closed, audited, extracted development.
//!
//! On-disk layout of a synthesized store (under `--out`, by default
//! `extracted/stores/<store>/`):
//! * `rocq/Development.v`: the closed development (main theorem `store_correct`);
//! * `rocq/store.json`, `rocq/store.ml`: Rocq's JSON (MiniML) and OCaml extractions;
//! * `synthesis/run.jsonl`: every move and oracle verdict;
//! * `synthesis/summary.json`: the run's summary (also merged into
//!   `results/synthesis.json`), including the `seed` and whether the run was
//!   `resumed`;
//! * `synthesis/checkpoint.json`: only while a run is in progress or after it
//!   was interrupted (Ctrl-C); `--resume` continues from it (format and
//!   guarantees in [`crate::checkpoint`]).
//!
//! Flags of `synth run` beyond the spec and output folder:
//! * `--seed N`: permutes the order in which equally-ranked candidates and
//!   equally-scored library lemmas are tried ([`crate::seed`]); 0 (default)
//!   is the catalog order. Runs are deterministic given the seed.
//! * `--resume`: continue the interrupted run whose checkpoint is in the
//!   output folder, with the same spec and options (a different spec hash,
//!   seed, proposer, feedback, budget, closed count, representation, timeout
//!   or catalog is refused, naming the difference). Without `--resume`, an
//!   existing checkpoint is discarded and the run starts over.

use crate::checkpoint::{Checkpoint, RunKey, Tracker};
use crate::engine::{extract, rank, synthesize, Closed, Config, PerfHook};
use crate::oracle::{Feedback, Rocq};
use crate::proposer::{Builtin, Proposer, Replay};
use crate::runlog::RunLog;
use crate::spec::{resolve, SpecSource};
use anyhow::{bail, Context, Result};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Which proposer to use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProposerKind {
    /// The offline, goal-directed portfolio.
    Builtin,
    /// Re-run the tactics of an earlier run log.
    Replay,
    /// Ask a language model first, then the built-in portfolio ([`crate::llm`]).
    Llm(Box<crate::llm::LlmConfig>),
}

/// Options of `synth run`.
pub struct RunOptions {
    /// Spec name or path.
    pub spec: String,
    /// Store name (default: the spec's name).
    pub name: Option<String>,
    /// Restrict candidates to one representation (catalog name).
    pub representation: Option<String>,
    /// Restrict candidates to one mechanism (catalog name).
    pub mechanism: Option<String>,
    /// Project root (holds `specs/`, `results/`).
    pub root: PathBuf,
    /// Output folder (default `extracted/stores/<store>`).
    pub out: Option<PathBuf>,
    /// Proposer.
    pub proposer: ProposerKind,
    /// Run log to replay (with `ProposerKind::Replay`).
    pub replay_log: Option<PathBuf>,
    /// Feedback mode.
    pub feedback: Feedback,
    /// Candidates budget.
    pub max_candidates: usize,
    /// Closed candidates to collect before ranking.
    pub closed_wanted: usize,
    /// Per-check timeout.
    pub timeout: Duration,
    /// Write `results/synthesis.json`.
    pub record: bool,
    /// Measure every closed candidate (outer loop) and ship the fastest
    /// (`None`: rank by the catalog's priors).
    pub measure: Option<crate::measure::MeasureMode>,
    /// The command line, for the results file.
    pub command: String,
    /// `--seed`: permutes equally-ranked candidates and lemmas (0: none).
    pub seed: u64,
    /// `--resume`: continue from the checkpoint in the output folder.
    pub resume: bool,
    /// Set (e.g. by the Ctrl-C handler) to stop at the next oracle call,
    /// leaving a checkpoint; `None`: a flag nobody else sets.
    pub interrupt: Option<Arc<AtomicBool>>,
    /// Tests: stop (as Ctrl-C does) after this many live oracle rounds.
    pub stop_after_rounds: Option<usize>,
}

/// The result of a run, as written to `summary.json`.
pub struct RunResult {
    /// Summary JSON.
    pub summary: Value,
    /// Output folder.
    pub out: PathBuf,
    /// Whether a development was shipped.
    pub closed: bool,
}

/// No measurement available inside `synth run` itself: candidates are ranked
/// by the catalog's priors; `bench-harness` provides a measuring hook.
struct NoMeasure;
impl PerfHook for NoMeasure {
    fn measure(&mut self, _: &Closed) -> Option<f64> {
        None
    }
}

/// Detects Rocq with the project's load paths; compiles a user spec.
pub fn oracle_for(root: &Path, spec: &SpecSource, work: &Path, timeout: Duration) -> Result<Rocq> {
    let theories = root.join("specs/theories");
    if !theories.join("Framework/Refinement.vo").exists() {
        bail!(
            "the framework is not compiled ({} missing): run `make -C specs`",
            theories.join("Framework/Refinement.vo").display()
        );
    }
    let mut rocq = Rocq::detect()?
        .with_load_path("KV", &theories)
        .with_timeout(timeout)
        .with_work_dir(work);
    if spec.external {
        let user = work.join("user");
        let c = rocq.compile_to(&spec.path, &user, "User")?;
        if !c.verdict.ok {
            let e = c
                .verdict
                .first_error()
                .map(|e| format!("line {}: {}", e.line, e.message));
            bail!(
                "spec {} does not compile: Rocq says: {}",
                spec.path.display(),
                e.unwrap_or_else(|| c.verdict.stderr.clone())
            );
        }
        rocq = rocq.with_load_path("User", &c.dir);
    }
    Ok(rocq)
}

/// Runs the whole pipeline for one spec.
pub fn run(opts: &RunOptions, progress: &dyn Fn(&str)) -> Result<RunResult> {
    let start = Instant::now();
    let mut spec = resolve(&opts.spec, &opts.root.join("specs"))?;
    if let Some(r) = &opts.representation {
        anyhow::ensure!(
            crate::catalog::representations()
                .iter()
                .any(|x| x.name == r),
            "unknown representation {r:?}; see `synth list`"
        );
    }
    if let Some(m) = &opts.mechanism {
        anyhow::ensure!(
            crate::catalog::mechanisms().iter().any(|x| x.name == m),
            "unknown mechanism {m:?}; see `synth list`"
        );
    }
    if let Some(n) = &opts.name {
        spec.name = n.clone();
    }
    let out = opts
        .out
        .clone()
        .unwrap_or_else(|| opts.root.join("extracted/stores").join(&spec.name));
    let rocq_dir = out.join("rocq");
    let syn_dir = out.join("synthesis");
    std::fs::create_dir_all(&rocq_dir)?;
    std::fs::create_dir_all(&syn_dir)?;
    let rocq_dir = rocq_dir.canonicalize()?;
    let syn_dir = syn_dir.canonicalize()?;
    let ck_path = syn_dir.join(crate::checkpoint::FILE_NAME);
    // Fail fast when there is nothing to resume.
    let earlier = if opts.resume {
        Some(Checkpoint::load(&ck_path)?)
    } else {
        if ck_path.exists() {
            tracing::warn!(checkpoint = %ck_path.display(), "starting over: discarding the checkpoint of an earlier run (use --resume to continue it)");
        }
        None
    };
    let work = tempfile::Builder::new().prefix("synth-").tempdir()?;
    let rocq = oracle_for(&opts.root, &spec, work.path(), opts.timeout)?;
    let hammer = hammer_available(&rocq);
    // A probe killed by Ctrl-C would record CoqHammer as missing.
    if opts
        .interrupt
        .as_ref()
        .is_some_and(|f| f.load(std::sync::atomic::Ordering::SeqCst))
    {
        bail!("interrupted while setting up the checker");
    }
    let mut replay_sha256 = None;
    let mut llm_log = None;
    let mut proposer: Box<dyn Proposer> = match &opts.proposer {
        ProposerKind::Builtin => Box::new(Builtin::new(hammer).with_seed(opts.seed)),
        ProposerKind::Llm(cfg) => {
            let fallback = Box::new(Builtin::new(hammer).with_seed(opts.seed));
            let mut p = crate::llm::LlmProposer::new((**cfg).clone(), fallback);
            if opts.resume {
                // The interrupted run's answers: the resumed search proposes the same.
                if let Ok(text) = std::fs::read_to_string(syn_dir.join("run.jsonl")) {
                    p.restore_from_log(&text);
                }
            }
            llm_log = Some(p.log_slot());
            Box::new(p)
        }
        ProposerKind::Replay => {
            let p = opts
                .replay_log
                .clone()
                .unwrap_or_else(|| syn_dir.join("run.jsonl.replay"));
            let text = std::fs::read_to_string(&p)
                .with_context(|| format!("reading replay log {}", p.display()))?;
            replay_sha256 = Some(crate::spec::file_sha256(&p)?);
            Box::new(Replay::from_log(&text)?)
        }
    };
    let key = RunKey {
        spec: spec.name.clone(),
        spec_sha256: spec.sha256.clone(),
        seed: opts.seed,
        proposer: proposer.name().to_string(),
        replay_sha256,
        feedback: format!("{:?}", opts.feedback).to_lowercase(),
        max_candidates: opts.max_candidates,
        closed_wanted: opts.closed_wanted,
        representation: opts.representation.clone(),
        timeout_s: opts.timeout.as_secs(),
        hammer,
    };
    let ck = match earlier {
        Some(_) => Checkpoint::load_for(&ck_path, &key)?,
        None => Checkpoint::new(key),
    };
    let (base_elapsed_s, base_calls) = (ck.elapsed_s, ck.oracle_calls);
    let log_path = syn_dir.join("run.jsonl");
    let log = if opts.resume {
        tracing::info!(checkpoint = %ck_path.display(), next = ck.next, "resuming");
        RunLog::append(&log_path, (base_elapsed_s * 1000.0) as u64)?
    } else {
        RunLog::create(&log_path)?
    };
    if let Some(slot) = &llm_log {
        slot.attach(log.clone());
    }
    let interrupt = opts.interrupt.clone().unwrap_or_default();
    let mut tracker = Tracker::new(ck, ck_path, interrupt, opts.stop_after_rounds, opts.resume);
    let cfg = Config {
        work_dir: work.path().to_path_buf(),
        feedback: opts.feedback,
        max_candidates: opts.max_candidates,
        closed_wanted: opts.closed_wanted,
        timeout: opts.timeout,
        hammer,
        representation: opts.representation.clone(),
        mechanism: opts.mechanism.clone(),
        seed: opts.seed,
    };
    let outcome = synthesize(
        &rocq,
        &spec,
        proposer.as_mut(),
        &cfg,
        &log,
        progress,
        &mut tracker,
    )?;
    let mut harness = None;
    let ranking = match opts.measure {
        Some(mode) if outcome.closed.len() > 1 => {
            progress("measuring closed candidates");
            match mode {
                crate::measure::MeasureMode::Harness => {
                    let mut hook =
                        crate::measure::HarnessBench::new(rocq.clone(), &opts.root, work.path());
                    hook.measure_all(&outcome.closed);
                    let r = rank(&outcome.closed, &mut hook);
                    harness = Some(hook);
                    r
                }
                crate::measure::MeasureMode::InProcess => {
                    let mut hook = crate::measure::CrateBench::new(
                        rocq.clone(),
                        &opts.root,
                        work.path(),
                        20_000,
                        1_000,
                    );
                    rank(&outcome.closed, &mut hook)
                }
            }
        }
        _ => rank(&outcome.closed, &mut NoMeasure),
    };
    let shipped = ranking.first().map(|(i, _)| &outcome.closed[*i]);
    let dev_path = rocq_dir.join("Development.v");
    if let Some(c) = shipped {
        std::fs::write(&dev_path, &c.source)?;
        progress("extracting");
        if let Err(e) = extract(&rocq, &dev_path, &rocq_dir) {
            // Killed by Ctrl-C: every candidate is decided, resuming redoes this.
            if tracker.interrupted() {
                return Err(tracker.stop(rocq.stats().calls));
            }
            return Err(e);
        }
        // Keep only the sources: compiled artefacts are rebuilt on demand.
        for e in std::fs::read_dir(&rocq_dir)?.flatten() {
            let p = e.path();
            let keep = matches!(
                p.extension().and_then(|x| x.to_str()),
                Some("v" | "json" | "ml" | "mli")
            );
            if !keep {
                let _ = std::fs::remove_file(&p);
            }
        }
    } else if dev_path.exists() {
        // Never leave an earlier development looking like this run's result.
        std::fs::remove_file(&dev_path)?;
    }
    let stats = rocq.stats();
    let mut summary = json!({
        "spec": spec.name,
        "spec_file": spec.path.strip_prefix(&opts.root).unwrap_or(&spec.path).display().to_string(),
        "spec_sha256": spec.sha256,
        "closed": shipped.is_some(),
        "wall_s": ((base_elapsed_s + start.elapsed().as_secs_f64()) * 10.0).round() / 10.0,
        "oracle_calls": base_calls + stats.calls,
        "oracle_cache_hits": stats.cache_hits,
        "candidates_tried": outcome.candidates_tried,
        "obligations": outcome.obligations,
        "shipped_candidate": shipped.map(|c| c.development.candidate.name()),
        "closed_candidates": ranking.iter().map(|(i, m)| json!({"candidate": outcome.closed[*i].development.candidate.name(), "ops_per_s": m})).collect::<Vec<_>>(),
        "rejected": outcome.rejected,
        "proposer": proposer.name(),
        "feedback": format!("{:?}", opts.feedback).to_lowercase(),
        "seed": opts.seed,
        "resumed": opts.resume,
        "assumptions": shipped.map(|c| c.audit.assumptions.clone()),
    });
    if let Some(slot) = &llm_log {
        // The LLM proposer's totals (calls, failures, scripts, refusals).
        summary["llm"] = slot.totals().unwrap_or(Value::Null);
    }
    std::fs::write(
        syn_dir.join("summary.json"),
        serde_json::to_string_pretty(&summary)?,
    )?;
    if let Some(h) = &harness {
        let doc = feedback_doc(
            &opts.root,
            &spec.name,
            &summary,
            h,
            &opts.command,
            &ranking,
            &outcome.closed,
        );
        let text = serde_json::to_string_pretty(&doc)? + "\n";
        std::fs::write(syn_dir.join("ranking.json"), &text)?;
        let path = opts
            .root
            .join("results")
            .join(format!("feedback-{}.json", spec.name));
        std::fs::create_dir_all(opts.root.join("results"))?;
        std::fs::write(&path, &text)?;
        progress(&format!("ranking written to {}", path.display()));
    }
    if opts.record {
        record(&opts.root, &summary, &opts.command)?;
    }
    if shipped.is_none() {
        log.write(json!({"move": "give-up", "reasons": outcome.rejected}));
    }
    tracker.finish();
    Ok(RunResult {
        closed: shipped.is_some(),
        summary,
        out,
    })
}

/// Whether CoqHammer's `sauto` works with this checker (Debian's
/// `libcoq-hammer`): asked of Rocq itself, once per run.
pub fn hammer_available(rocq: &Rocq) -> bool {
    let probe =
        format!("{HAMMER_IMPORT}Goal forall a b : nat, a + b = b + a. Proof. sauto lq: on. Qed.\n");
    rocq.check(&probe, &crate::oracle::CheckOptions::named("HammerProbe"))
        .map(|v| v.ok)
        .unwrap_or(false)
}

/// The line importing CoqHammer's reconstruction tactics.
pub const HAMMER_IMPORT: &str = "From Hammer Require Import Tactics.\n";

/// The outer loop's ranking through the harness, as written to
/// `synthesis/ranking.json` and `results/feedback-<spec>.json`: the
/// candidates fastest first with their figures, the shipped one, the
/// workload, and the command, revision and machine.
fn feedback_doc(
    root: &Path,
    spec: &str,
    summary: &Value,
    h: &crate::measure::HarnessBench,
    command: &str,
    ranking: &[(usize, Option<f64>)],
    closed: &[Closed],
) -> Value {
    let ranked: Vec<Value> = ranking
        .iter()
        .enumerate()
        .map(|(pos, (i, ops))| {
            let name = closed[*i].development.candidate.name();
            let m = h.measured.iter().find(|m| m.candidate == name);
            json!({
                "rank": pos + 1,
                "candidate": name,
                "store": m.map(|m| m.store.clone()),
                "ops_per_s": ops.map(|x| x.round()),
                "repetitions_ops_per_s": m.map(|m| m.repetitions.iter().map(|x| x.round()).collect::<Vec<_>>()),
                "error": m.and_then(|m| m.error.clone()),
            })
        })
        .collect();
    let mut prov = bench_harness::provenance::Provenance::capture(&[]);
    prov.command = command.to_string();
    prov.revision = bench_harness::provenance::git_revision(root);
    json!({
        "spec": spec,
        "shipped_candidate": summary["shipped_candidate"],
        "measure": "harness: server binary per candidate, fresh 3-replica loopback cluster per repetition, candidates interleaved, median over repetitions",
        "replicas": 3,
        "repetitions": h.repetitions,
        "profile": if h.release { "release" } else { "dev" },
        "workload": h.workload,
        "ranking": ranked,
        "provenance": prov,
    })
}

/// Merges a run summary into `results/synthesis.json`.
pub fn record(root: &Path, summary: &Value, command: &str) -> Result<()> {
    let path = root.join("results/synthesis.json");
    let mut doc: Value = std::fs::read_to_string(&path)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_else(|| json!({"specs": []}));
    let mut specs: Vec<Value> = doc["specs"].as_array().cloned().unwrap_or_default();
    specs.retain(|s| s["spec"] != summary["spec"]);
    specs.push(json!({
        "spec": summary["spec"],
        "closed": summary["closed"],
        "wall_s": summary["wall_s"],
        "oracle_calls": summary["oracle_calls"],
        "candidates_tried": summary["candidates_tried"],
        "shipped_candidate": summary["shipped_candidate"],
        "command": command,
    }));
    specs.sort_by(|a, b| a["spec"].as_str().cmp(&b["spec"].as_str()));
    doc["specs"] = Value::Array(specs);
    let prov = crate::run::provenance(root);
    doc["machine"] = prov.0;
    doc["revision"] = json!(prov.1);
    doc["command"] = json!(command);
    std::fs::create_dir_all(root.join("results"))?;
    std::fs::write(&path, serde_json::to_string_pretty(&doc)? + "\n")?;
    Ok(())
}

/// Machine description and git revision (with `-dirty` when the tree is).
pub fn provenance(root: &Path) -> (Value, String) {
    let sh = |cmd: &str, args: &[&str]| {
        std::process::Command::new(cmd)
            .args(args)
            .current_dir(root)
            .output()
            .ok()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
            .unwrap_or_default()
    };
    let rev = sh("git", &["rev-parse", "HEAD"]);
    let dirty = !sh("git", &["status", "--porcelain", "--untracked-files=no"]).is_empty();
    let mem_kib: u64 = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .next()
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|x| x.parse().ok())
        })
        .unwrap_or(0);
    let machine = json!({
        "cpus": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
        "mem_gib": (mem_kib as f64 / 1048576.0 * 10.0).round() / 10.0,
        "os": sh("uname", &["-o"]),
        "kernel": sh("uname", &["-r"]),
        "rocq": sh("coqc", &["--print-version"]),
    });
    (machine, if dirty { format!("{rev}-dirty") } else { rev })
}

/// Text of `synth list`.
pub fn listing() -> String {
    let mut s = String::from("specs:\n");
    for (name, stem) in crate::spec::BUILTIN {
        s.push_str(&format!("  {name:22} specs/theories/Specs/{stem}.v\n"));
    }
    s.push_str("mechanisms:\n");
    for m in crate::catalog::mechanisms() {
        let v: Vec<&str> = m.variants.iter().map(|v| v.name).collect();
        s.push_str(&format!("  {:22} variants: {}\n", m.name, v.join(", ")));
    }
    s.push_str("representations:\n");
    for r in crate::catalog::representations() {
        s.push_str(&format!("  {:22} KV.{}\n", r.name, r.file));
    }
    s
}

/// Re-audits a store folder written by `synth run`.
pub fn audit_dir(root: &Path, dir: &Path) -> Result<crate::audit::AuditReport> {
    let summary: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("synthesis/summary.json"))
            .context("reading synthesis/summary.json")?,
    )?;
    let spec_file = root.join(summary["spec_file"].as_str().unwrap_or_default());
    let spec = resolve(&spec_file.display().to_string(), &root.join("specs")).or_else(|_| {
        resolve(
            summary["spec"].as_str().unwrap_or_default(),
            &root.join("specs"),
        )
    })?;
    let work = tempfile::Builder::new().prefix("synth-audit-").tempdir()?;
    let rocq = oracle_for(root, &spec, work.path(), Duration::from_secs(120))?;
    let dev = std::fs::read_to_string(dir.join("rocq/Development.v"))
        .context("reading rocq/Development.v")?;
    crate::audit::audit(
        &rocq,
        &dev,
        "store_correct",
        &spec.path,
        summary["spec_sha256"].as_str().unwrap_or_default(),
    )
}
