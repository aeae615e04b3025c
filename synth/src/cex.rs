//! Counterexample first: before any proof effort, a candidate is run on
//! every bounded execution of the concrete system, and a trace its spec
//! rejects rejects the candidate.
//!
//! * Rocq enumerates the executions: `Sanity/Explore.v` runs the candidate's
//!   algorithm (`Proofs.Alg`, keys `nat` compared by `Nat.compare`) on every
//!   script of puts, gets and deliveries within the [`SCOPES`], by
//!   `vm_compute`, and prints the trie of observable traces;
//! * the spec's constraints are identified once per run by conversion with
//!   the built-in ones ([`prepare`]); a spec using a constraint the model does
//!   not know skips the stage (logged), it is never a wrong rejection;
//! * [`crate::model`] decides each trace (the abstract machine, searched),
//!   walking the trie so every prefix is decided once.
//!
//! Every trace in the trie is a concrete trace of the candidate (each edge is
//! a `cexec` step, which `ConcreteRun.cexec_step` proves is a `cstep`), so a
//! trace the model rejects is a genuine refutation: the candidate does not
//! refine the spec, whatever proofs are tried.

use crate::model::{show_trace, Constraint, Event, Machine};
use crate::oracle::{CheckOptions, Rocq};
use crate::spec::SpecSource;
use std::time::{Duration, Instant};

/// One bounded scope of exploration: `n` replicas, at most `sessions`
/// sessions and `keys` keys, `ops` puts and gets (at most `puts` puts) and
/// `dels` deliveries per script.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scope {
    /// Replicas.
    pub n: usize,
    /// Sessions.
    pub sessions: usize,
    /// Keys.
    pub keys: usize,
    /// Puts and gets.
    pub ops: usize,
    /// Of which puts.
    pub puts: usize,
    /// Deliveries.
    pub dels: usize,
}

/// The scopes tried, each a second or less of `vm_compute` on this
/// machine: two sessions with deliveries in any order (read your writes,
/// monotonic reads and writes, convergence), and three sessions without
/// deliveries (writes follow reads, causality through a reader).
pub const SCOPES: [Scope; 2] = [
    Scope {
        n: 2,
        sessions: 2,
        keys: 2,
        ops: 4,
        puts: 2,
        dels: 2,
    },
    Scope {
        n: 2,
        sessions: 3,
        keys: 2,
        ops: 5,
        puts: 2,
        dels: 0,
    },
];

/// The stage, ready for a spec whose constraints the model knows.
#[derive(Debug, Clone)]
pub struct Stage {
    /// The spec's constraints, in order.
    pub spec: Vec<Constraint>,
}

/// Why the stage is skipped for a spec (logged, never a rejection).
pub type Skip = String;

/// Identifies each of the spec's `count` constraints with a built-in one,
/// by conversion in Rocq (one oracle call): `Ok(stage)` when every
/// constraint has a model, `Err(why)` otherwise.
pub fn prepare(rocq: &Rocq, spec: &SpecSource, count: usize) -> Result<Stage, Skip> {
    let mut src = format!(
        "From Coq Require Import List.\nImport ListNotations.\n\
         From KV Require Import Framework.Abstract Specs.ReadRules Specs.SessionGuarantees Specs.CausalConstraint.\n\
         Require Import {}.\nSection CexProbe.\nVariable keqb : nat -> nat -> bool.\n\
         Ltac which c :=\n  first [\n",
        spec.module
    );
    for (m, term) in Constraint::all() {
        src.push_str(&format!(
            "    (assert (c = {term}) by reflexivity; idtac \"CEX-MODEL\" \"{}\") |\n",
            m.name()
        ));
    }
    src.push_str("    idtac \"CEX-MODEL\" \"unknown\" ].\nGoal True.\n");
    for i in 0..count {
        src.push_str(&format!(
            "  which (nth_constraint (@{} nat keqb) {i}).\n",
            spec.definition
        ));
    }
    src.push_str("  exact I.\nQed.\nEnd CexProbe.\n");
    let v = rocq
        .check(&src, &CheckOptions::named("CexSpec"))
        .map_err(|e| format!("the spec probe failed: {e}"))?;
    if !v.ok {
        return Err(format!(
            "the spec probe was rejected: {}",
            v.first_error()
                .map(|e| e.message.clone())
                .unwrap_or(v.stderr)
        ));
    }
    let names = parse_probe(&v.stdout);
    if names.len() != count {
        return Err(format!(
            "the spec probe printed {} constraint(s), expected {count}",
            names.len()
        ));
    }
    let mut out = Vec::new();
    for (i, n) in names.iter().enumerate() {
        match Constraint::from_name(n) {
            Some(c) => out.push(c),
            None => {
                return Err(format!(
                    "constraint {i} of the spec is none of the built-in ones the model knows"
                ))
            }
        }
    }
    Ok(Stage { spec: out })
}

/// The names printed by the probe, in order.
fn parse_probe(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .filter_map(|l| l.trim().strip_prefix("CEX-MODEL"))
        .map(|r| r.trim().to_string())
        .collect()
}

/// The Rocq source enumerating a compiled candidate's bounded executions
/// (the candidate's prefix is `Dev.Cand`; its algorithm is `Proofs.Alg`).
pub fn explore_source(scopes: &[Scope]) -> String {
    explore_source_for("Require Import Dev.Cand.", "Proofs.Alg", scopes)
}

/// The Rocq source enumerating the bounded executions of algorithm `alg`
/// (an `ALGORITHM` module made available by `imports`).
pub fn explore_source_for(imports: &str, alg: &str, scopes: &[Scope]) -> String {
    let mut s = format!(
        "From Coq Require Import Arith List String.\nFrom KV Require Import Sanity.Explore.\n\
         {imports}\nModule CexRun := Explore {alg}.\n"
    );
    for sc in scopes {
        s.push_str(&format!(
            "Eval vm_compute in (CexRun.traces {} {} {} {} {} {}).\n",
            sc.n, sc.sessions, sc.keys, sc.ops, sc.puts, sc.dels
        ));
    }
    s
}

/// A trie of observable traces (oldest event first).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Trie {
    /// Children: an event and what may follow it.
    pub kids: Vec<(Event, Trie)>,
}

impl Trie {
    /// Number of events in the trie.
    pub fn size(&self) -> usize {
        self.kids.iter().map(|(_, t)| 1 + t.size()).sum()
    }
}

/// The `close` code of `Explore.ser`.
const CLOSE: u32 = 78;

/// Decodes one event code of `Explore.ev_code` for a scope.
fn decode_event(sc: &Scope, code: u32) -> Option<Event> {
    let mut c = code as usize;
    let nv = sc.puts.max(1);
    let v = c % nv;
    c /= nv;
    let k = (c % sc.keys) as u32;
    c /= sc.keys;
    let r = c % sc.n;
    c /= sc.n;
    let s = c % sc.sessions;
    let tag = c / sc.sessions;
    match tag {
        0 => Some(Event::Put { s, r, k, v }),
        1 => Some(Event::Get { s, r, k, res: None }),
        2 => Some(Event::Get {
            s,
            r,
            k,
            res: Some(v),
        }),
        _ => None,
    }
}

/// Splits Rocq's output into the `list string` values it printed, each
/// decoded into its numbers (`'0' + x`). `None` if a value is not a list of
/// string literals (e.g. the computation got stuck on an opaque term).
fn parse_outputs(stdout: &str) -> Option<Vec<Vec<u32>>> {
    let mut out = Vec::new();
    let blocks: Vec<&str> = stdout.split(": list string").collect();
    for b in &blocks[..blocks.len().saturating_sub(1)] {
        let b = b.trim_start();
        let b = b.strip_prefix('=')?;
        let mut nums = Vec::new();
        let mut rest = String::new();
        let mut in_str = false;
        for ch in b.chars() {
            if ch == '"' {
                in_str = !in_str;
                continue;
            }
            if in_str {
                let x = (ch as u32).checked_sub(48)?;
                nums.push(x);
            } else {
                rest.push(ch);
            }
        }
        let residue = rest
            .replace("%string", "")
            .replace("::", "")
            .replace("nil", "");
        if in_str
            || !residue
                .chars()
                .all(|c| c.is_whitespace() || "[];()".contains(c))
        {
            return None;
        }
        out.push(nums);
    }
    Some(out)
}

/// Rebuilds the trie of one scope from its numbers (`Explore.ser`).
fn decode_trie(sc: &Scope, nums: &[u32]) -> Option<Trie> {
    fn node(sc: &Scope, nums: &[u32], pos: &mut usize) -> Option<Trie> {
        let mut t = Trie::default();
        loop {
            let c = *nums.get(*pos)?;
            *pos += 1;
            if c == CLOSE {
                return Some(t);
            }
            let e = decode_event(sc, c)?;
            let sub = node(sc, nums, pos)?;
            t.kids.push((e, sub));
        }
    }
    let mut pos = 0;
    let t = node(sc, nums, &mut pos)?;
    (pos == nums.len()).then_some(t)
}

/// The first trace of the trie (depth first, shortest violation first along
/// each branch) that the machine rejects.
pub fn find_violation(spec: &[Constraint], sc: &Scope, trie: &Trie) -> Option<Vec<Event>> {
    fn walk(m: &Machine, t: &Trie, path: &mut Vec<Event>) -> Option<Vec<Event>> {
        // Breadth first among children: a short violation is reported first.
        let mut next = Vec::new();
        for (e, sub) in &t.kids {
            let mut m2 = m.clone();
            m2.step(e);
            path.push(*e);
            if !m2.alive() {
                return Some(path.clone());
            }
            path.pop();
            next.push((e, sub, m2));
        }
        for (e, sub, m2) in next {
            path.push(*e);
            if let Some(v) = walk(&m2, sub, path) {
                return Some(v);
            }
            path.pop();
        }
        None
    }
    let m = Machine::new(spec, sc.n, sc.puts);
    walk(&m, trie, &mut Vec::new())
}

/// What the stage found for one candidate.
#[derive(Debug, Clone)]
pub struct Report {
    /// A concrete trace the spec rejects, oldest event first.
    pub counterexample: Option<Vec<Event>>,
    /// Why the stage could not decide (stage skipped for this candidate).
    pub skipped: Option<String>,
    /// Traces explored (events in the tries).
    pub events: usize,
    /// Time spent (Rocq and model).
    pub elapsed: Duration,
}

impl Report {
    /// The rejection reason: `counterexample: <trace>`.
    pub fn reason(&self) -> Option<String> {
        self.counterexample.as_ref().map(|t| {
            format!(
                "counterexample: {} (a trace of the candidate on 2 replicas, keys and values nat, that no execution of the spec's abstract machine produces)",
                show_trace(t)
            )
        })
    }
}

impl Stage {
    /// Runs the candidate (compiled as `Dev.Cand` on `dev_rocq`'s load path)
    /// on the bounded executions and checks every trace.
    pub fn run(&self, dev_rocq: &Rocq, timeout: Duration) -> Report {
        self.run_source(dev_rocq, &explore_source(&SCOPES), timeout)
    }

    /// Runs an exploration source (see [`explore_source_for`], over the
    /// [`SCOPES`]) and checks every trace.
    pub fn run_source(&self, rocq: &Rocq, src: &str, timeout: Duration) -> Report {
        let start = Instant::now();
        let skip = |why: String| Report {
            counterexample: None,
            skipped: Some(why),
            events: 0,
            elapsed: start.elapsed(),
        };
        let v = match rocq.check(src, &CheckOptions::named("CexExplore").timeout(timeout)) {
            Ok(v) => v,
            Err(e) => return skip(format!("exploration failed: {e}")),
        };
        if !v.ok {
            return skip(if v.timed_out {
                "exploration timed out".into()
            } else {
                format!(
                    "exploration rejected by Rocq: {}",
                    v.first_error()
                        .map(|e| e.message.clone())
                        .unwrap_or(v.stderr)
                )
            });
        }
        let Some(outputs) = parse_outputs(&v.stdout) else {
            return skip("exploration did not compute to traces (opaque term?)".into());
        };
        if outputs.len() != SCOPES.len() {
            return skip(format!(
                "exploration printed {} result(s), expected {}",
                outputs.len(),
                SCOPES.len()
            ));
        }
        let mut events = 0;
        for (sc, nums) in SCOPES.iter().zip(&outputs) {
            let Some(trie) = decode_trie(sc, nums) else {
                return skip("exploration output does not decode".into());
            };
            events += trie.size();
            if let Some(cex) = find_violation(&self.spec, sc, &trie) {
                return Report {
                    counterexample: Some(cex),
                    skipped: None,
                    events,
                    elapsed: start.elapsed(),
                };
            }
        }
        Report {
            counterexample: None,
            skipped: None,
            events,
            elapsed: start.elapsed(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::builtin_spec;

    fn code(sc: &Scope, tag: usize, s: usize, r: usize, k: usize, v: usize) -> u32 {
        let nv = sc.puts.max(1);
        (v + nv * (k + sc.keys * (r + sc.n * (s + sc.sessions * tag)))) as u32
    }

    #[test]
    fn event_codes_fit_in_a_character_and_round_trip() {
        for sc in SCOPES {
            let max = code(&sc, 2, sc.sessions - 1, sc.n - 1, sc.keys - 1, sc.puts - 1);
            assert!(max < CLOSE, "{sc:?}");
            assert_eq!(
                decode_event(&sc, code(&sc, 0, 1, 1, 1, 1)),
                Some(Event::Put {
                    s: 1,
                    r: 1,
                    k: 1,
                    v: 1
                })
            );
            assert_eq!(
                decode_event(&sc, code(&sc, 2, 1, 0, 1, 0)),
                Some(Event::Get {
                    s: 1,
                    r: 0,
                    k: 1,
                    res: Some(0)
                })
            );
        }
    }

    #[test]
    fn rocq_output_decodes_to_a_trie_and_a_violation() {
        let sc = SCOPES[0];
        // put s0 r0 k0; then either get s0 r1 k0 -> None, or get s0 r0 k0 -> 0.
        let nums = [
            code(&sc, 0, 0, 0, 0, 0),
            code(&sc, 1, 0, 1, 0, 0),
            CLOSE,
            code(&sc, 2, 0, 0, 0, 0),
            CLOSE,
            CLOSE,
            CLOSE,
        ];
        let text: String = nums
            .iter()
            .map(|&x| char::from_u32(48 + x).unwrap())
            .collect();
        let (a, b) = text.split_at(3);
        let stdout = format!("     = \"{a}\"%string\n       :: \"{b}\"%string :: nil\n     : list string\n     = [\"~\"%string]\n     : list string\n");
        let outs = parse_outputs(&stdout).unwrap();
        assert_eq!(outs.len(), 2);
        let trie = decode_trie(&sc, &outs[0]).unwrap();
        assert_eq!(trie.size(), 3);
        assert_eq!(decode_trie(&sc, &outs[1]).unwrap(), Trie::default());
        let ryw = builtin_spec("read-your-writes").unwrap();
        let v = find_violation(&ryw, &sc, &trie).unwrap();
        assert_eq!(show_trace(&v), "s0 puts k0=0 at r0; s0 gets k0 at r1: None");
        let mr = builtin_spec("monotonic-reads").unwrap();
        assert!(find_violation(&mr, &sc, &trie).is_none());
        // Stuck computations are not traces.
        assert!(parse_outputs("     = CexRun.traces 2 2 2 4 2 2\n     : list string\n").is_none());
    }

    #[test]
    fn the_probe_output_is_read_in_order() {
        assert_eq!(
            parse_probe("CEX-MODEL read_latest\nCEX-MODEL unknown\n"),
            vec!["read_latest", "unknown"]
        );
    }
}
