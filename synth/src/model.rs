//! An executable model of the abstract machine (`specs/theories/Framework/Abstract.v`)
//! and of the built-in constraints (`specs/theories/Specs/{ReadRules,
//! SessionGuarantees,CausalConstraint}.v`): it decides whether a short
//! observable trace is a trace of a spec's machine (`atrace`), by searching
//! the machine's nondeterminism (which writes each replica applies, in which
//! order, before each event; the arbitration stamps of puts).
//!
//! The search is exact for traces: silent applies are closed over before each
//! event (`AApply`, any number, any order the `c_apply` guards allow), and a
//! put's logical time ranges over `0..=P` for a trace with `P` puts: only the
//! order of stamps matters to the constraints, and any order is realized by
//! ranks below `P` (stamps only enter `read_arbitrated`, through strict
//! comparisons). Keys and values are `nat` (`u32` here), the key equality is
//! `Nat.eqb` (a spec instantiated with `keq Nat.compare`, the same function).
//!
//! Traces are oldest event first (the framework's are newest first).

use std::collections::BTreeSet;
use std::fmt;

/// An observable event (`Framework/Events.v`, keys and values `nat`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Event {
    /// `EPut s r k v`: session `s` wrote value `v` to key `k` at replica `r`.
    Put {
        /// Session.
        s: usize,
        /// Replica.
        r: usize,
        /// Key.
        k: u32,
        /// Value (the write's identifier).
        v: usize,
    },
    /// `EGet s r k res`: session `s` read key `k` at replica `r`.
    Get {
        /// Session.
        s: usize,
        /// Replica.
        r: usize,
        /// Key.
        k: u32,
        /// The value returned, if any.
        res: Option<usize>,
    },
}

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Event::Put { s, r, k, v } => write!(f, "s{s} puts k{k}={v} at r{r}"),
            Event::Get { s, r, k, res } => match res {
                Some(v) => write!(f, "s{s} gets k{k} at r{r}: {v}"),
                None => write!(f, "s{s} gets k{k} at r{r}: None"),
            },
        }
    }
}

/// A trace, oldest event first, as `e1; e2; ...`.
pub fn show_trace(tr: &[Event]) -> String {
    tr.iter()
        .map(|e| e.to_string())
        .collect::<Vec<_>>()
        .join("; ")
}

/// The built-in constraints the model knows, each following its Rocq
/// definition exactly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Constraint {
    /// `Abstract.no_constraint`: allows everything.
    NoConstraint,
    /// `ReadRules.read_latest keqb`: a get returns
    /// `latest keqb k (applied A r)` (the newest applied write to `k`).
    ReadLatest,
    /// `ReadRules.read_arbitrated keqb`: a put's logical time exceeds every
    /// applied write's at the replica; a get returns `arb_max k (applied A r)`.
    ReadArbitrated,
    /// `SessionGuarantees.c_read_your_writes`: get guard
    /// `sub (ids (issued A s)) (ids (applied A r))`.
    ReadYourWrites,
    /// `SessionGuarantees.c_monotonic_reads`: get guard
    /// `sub (ids (observed A s)) (ids (applied A r))`.
    MonotonicReads,
    /// `SessionGuarantees.c_monotonic_writes`: put guard
    /// `sub (ids (issued A s)) (ids (applied A r))`; apply guard
    /// `sub (wsessw w) (ids (applied A r))`.
    MonotonicWrites,
    /// `SessionGuarantees.c_writes_follow_reads`: put guard
    /// `sub (ids (observed A s)) (ids (applied A r))`; apply guard
    /// `sub (wobs w) (ids (applied A r))`.
    WritesFollowReads,
    /// `CausalConstraint.c_causal`: put and get guard
    /// `sub (cpast A s) (ids (applied A r))`; apply guard
    /// `sub (wdeps w) (ids (applied A r))`.
    Causal,
}

impl Constraint {
    /// Every model constraint with the Rocq term it stands for, over a
    /// section variable `keqb : nat -> nat -> bool` (the engine checks a
    /// spec's constraints against these terms by conversion).
    pub fn all() -> Vec<(Constraint, &'static str)> {
        vec![
            (Constraint::NoConstraint, "@no_constraint nat"),
            (Constraint::ReadLatest, "@read_latest nat keqb"),
            (Constraint::ReadArbitrated, "@read_arbitrated nat keqb"),
            (Constraint::ReadYourWrites, "@c_read_your_writes nat"),
            (Constraint::MonotonicReads, "@c_monotonic_reads nat"),
            (Constraint::MonotonicWrites, "@c_monotonic_writes nat"),
            (Constraint::WritesFollowReads, "@c_writes_follow_reads nat"),
            (Constraint::Causal, "@c_causal nat"),
        ]
    }

    /// The Rocq name (for messages).
    pub fn name(&self) -> &'static str {
        match self {
            Constraint::NoConstraint => "no_constraint",
            Constraint::ReadLatest => "read_latest",
            Constraint::ReadArbitrated => "read_arbitrated",
            Constraint::ReadYourWrites => "c_read_your_writes",
            Constraint::MonotonicReads => "c_monotonic_reads",
            Constraint::MonotonicWrites => "c_monotonic_writes",
            Constraint::WritesFollowReads => "c_writes_follow_reads",
            Constraint::Causal => "c_causal",
        }
    }

    /// Parses a [`Constraint::name`].
    pub fn from_name(s: &str) -> Option<Constraint> {
        Constraint::all()
            .into_iter()
            .map(|(c, _)| c)
            .find(|c| c.name() == s)
    }
}

/// The built-in specs (`specs/theories/Specs/*.v`) as model constraints, for
/// tests and tools.
pub fn builtin_spec(name: &str) -> Option<Vec<Constraint>> {
    use Constraint::*;
    Some(match name {
        "read-your-writes" => vec![ReadLatest, ReadYourWrites],
        "monotonic-reads" => vec![ReadLatest, MonotonicReads],
        "monotonic-writes" => vec![ReadLatest, MonotonicWrites],
        "writes-follow-reads" => vec![ReadLatest, WritesFollowReads],
        "pram" => vec![ReadLatest, ReadYourWrites, MonotonicReads, MonotonicWrites],
        "causal" => vec![ReadLatest, Causal],
        "causal-plus" => vec![ReadArbitrated, Causal],
        _ => return None,
    })
}

/// The deterministic part of a write record (`Abstract.write`): everything
/// but its stamp, which the search chooses.
#[derive(Debug, Clone, PartialEq, Eq)]
struct WriteRec {
    key: u32,
    /// `wsessw`: ids its session had issued before.
    sessw: Vec<usize>,
    /// `wobs`: ids its session had read before.
    obs: Vec<usize>,
    /// `wdeps`: its session's causal past.
    deps: Vec<usize>,
}

/// Per-session state (`issued`, `observed`, `cpast` of `Abstract.astate`):
/// determined by the trace alone.
#[derive(Debug, Clone, Default)]
struct Session {
    issued: Vec<usize>,
    observed: Vec<usize>,
    cpast: Vec<usize>,
}

/// The part of the abstract state the search chooses: per replica, the
/// applied write ids, **oldest first** (`applied` is newest first in Rocq);
/// per write, its stamp `(time, origin)`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
struct Choice {
    applied: Vec<Vec<usize>>,
    stamps: Vec<(u32, usize)>,
}

/// The deterministic context of a trace prefix: the writes issued so far
/// (`allw`, indexed by id = `anext` at the put) and the sessions.
#[derive(Debug, Clone)]
struct Context {
    writes: Vec<WriteRec>,
    sessions: Vec<Session>,
}

impl Context {
    fn session(&mut self, s: usize) -> &mut Session {
        if self.sessions.len() <= s {
            self.sessions.resize_with(s + 1, Session::default);
        }
        &mut self.sessions[s]
    }

    fn session_ref(&self, s: usize) -> Session {
        self.sessions.get(s).cloned().unwrap_or_default()
    }
}

/// `sub l1 l2`.
fn sub(l1: &[usize], l2: &[usize]) -> bool {
    l1.iter().all(|i| l2.contains(i))
}

/// `stamp_ltb`: strict lexicographic order.
fn stamp_ltb(a: (u32, usize), b: (u32, usize)) -> bool {
    a.0 < b.0 || (a.0 == b.0 && a.1 < b.1)
}

/// The abstract machine of a spec on `n` replicas, as a set of states after
/// a trace prefix (closed under silent applies lazily, before each event).
#[derive(Debug, Clone)]
pub struct Machine {
    spec: Vec<Constraint>,
    n: usize,
    /// Logical times a put may take: `0..=max_time`.
    max_time: u32,
    ctx: Context,
    states: BTreeSet<Choice>,
}

impl Machine {
    /// The initial machine (`astate0`). `max_puts` bounds the puts of the
    /// traces it will be run on (the range of logical times searched).
    pub fn new(spec: &[Constraint], n: usize, max_puts: usize) -> Machine {
        let mut states = BTreeSet::new();
        states.insert(Choice {
            applied: vec![vec![]; n],
            stamps: vec![],
        });
        Machine {
            spec: spec.to_vec(),
            n,
            max_time: max_puts as u32,
            ctx: Context {
                writes: vec![],
                sessions: vec![],
            },
            states,
        }
    }

    /// Whether some abstract execution matches the trace so far.
    pub fn alive(&self) -> bool {
        !self.states.is_empty()
    }

    fn has(&self, c: Constraint) -> bool {
        self.spec.contains(&c)
    }

    /// `c_apply` of every constraint for write `w` at replica `r`.
    fn may_apply(&self, ch: &Choice, r: usize, w: usize) -> bool {
        let a = &ch.applied[r];
        let rec = &self.ctx.writes[w];
        self.spec.iter().all(|c| match c {
            Constraint::MonotonicWrites => sub(&rec.sessw, a),
            Constraint::WritesFollowReads => sub(&rec.obs, a),
            Constraint::Causal => sub(&rec.deps, a),
            _ => true,
        })
    }

    /// Closure under `AApply` (any issued write not applied yet at `r`).
    fn closure(&self) -> BTreeSet<Choice> {
        let mut seen = self.states.clone();
        let mut todo: Vec<Choice> = seen.iter().cloned().collect();
        while let Some(ch) = todo.pop() {
            for r in 0..self.n {
                for w in 0..self.ctx.writes.len() {
                    if ch.applied[r].contains(&w) || !self.may_apply(&ch, r, w) {
                        continue;
                    }
                    let mut next = ch.clone();
                    next.applied[r].push(w);
                    if seen.insert(next.clone()) {
                        todo.push(next);
                    }
                }
            }
        }
        seen
    }

    /// `latest keqb k (applied A r)`.
    fn latest(&self, ch: &Choice, r: usize, k: u32) -> Option<usize> {
        ch.applied[r]
            .iter()
            .rev()
            .copied()
            .find(|&w| self.ctx.writes[w].key == k)
    }

    /// `arb_max keqb k (applied A r)`, on the newest-first list.
    fn arb_max(&self, ch: &Choice, r: usize, k: u32) -> Option<usize> {
        // arb_max (w :: l) compares w with arb_max l: fold from the oldest.
        let mut rest: Option<usize> = None;
        for &w in ch.applied[r].iter() {
            if self.ctx.writes[w].key == k {
                rest = match rest {
                    Some(w2) if stamp_ltb(ch.stamps[w], ch.stamps[w2]) => Some(w2),
                    _ => Some(w),
                };
            }
        }
        rest
    }

    /// Runs one event (`APut` / `AGet` after any silent applies).
    pub fn step(&mut self, e: &Event) {
        let closed = self.closure();
        let mut next = BTreeSet::new();
        match *e {
            Event::Put { s, r, k, v } => {
                let sess = self.ctx.session_ref(s);
                if r >= self.n || v != self.ctx.writes.len() {
                    self.states.clear();
                    return;
                }
                for ch in &closed {
                    let a = &ch.applied[r];
                    let guards = self.spec.iter().all(|c| match c {
                        Constraint::MonotonicWrites => sub(&sess.issued, a),
                        Constraint::WritesFollowReads => sub(&sess.observed, a),
                        Constraint::Causal => sub(&sess.cpast, a),
                        _ => true,
                    });
                    if !guards {
                        continue;
                    }
                    let times: Vec<u32> = if self.has(Constraint::ReadArbitrated) {
                        // fst (wstamp w) < fst st for every applied w.
                        let lo = a.iter().map(|&w| ch.stamps[w].0 + 1).max().unwrap_or(0);
                        (lo..=self.max_time.max(lo)).collect()
                    } else {
                        vec![0]
                    };
                    for t in times {
                        let mut c2 = ch.clone();
                        c2.applied[r].push(v);
                        c2.stamps.push((t, r));
                        next.insert(c2);
                    }
                }
                // after_put: the new write records the session's history.
                self.ctx.writes.push(WriteRec {
                    key: k,
                    sessw: sess.issued.clone(),
                    obs: sess.observed.clone(),
                    deps: sess.cpast.clone(),
                });
                let se = self.ctx.session(s);
                se.issued.insert(0, v);
                se.cpast.insert(0, v);
            }
            Event::Get { s, r, k, res } => {
                let sess = self.ctx.session_ref(s);
                if r >= self.n || res.is_some_and(|w| w >= self.ctx.writes.len()) {
                    self.states.clear();
                    return;
                }
                for ch in &closed {
                    let a = &ch.applied[r];
                    // read_candidate (applied A r) k res.
                    if let Some(w) = res {
                        if !a.contains(&w) || self.ctx.writes[w].key != k {
                            continue;
                        }
                    }
                    let guards = self.spec.iter().all(|c| match c {
                        Constraint::ReadLatest => res == self.latest(ch, r, k),
                        Constraint::ReadArbitrated => res == self.arb_max(ch, r, k),
                        Constraint::ReadYourWrites => sub(&sess.issued, a),
                        Constraint::MonotonicReads => sub(&sess.observed, a),
                        Constraint::Causal => sub(&sess.cpast, a),
                        _ => true,
                    });
                    if guards {
                        next.insert(ch.clone());
                    }
                }
                // after_get: observed and causal past grow (cp_read, obs_read).
                if let Some(w) = res {
                    let deps = self.ctx.writes[w].deps.clone();
                    let se = self.ctx.session(s);
                    se.observed.insert(0, w);
                    let mut cp = vec![w];
                    cp.extend(deps);
                    cp.extend(se.cpast.iter().copied());
                    se.cpast = cp;
                }
            }
        }
        self.states = next;
    }
}

/// Whether the spec's machine on `n` replicas accepts the trace (oldest
/// event first): `atrace` restricted to the model's constraints.
pub fn accepts(spec: &[Constraint], n: usize, trace: &[Event]) -> bool {
    let puts = trace
        .iter()
        .filter(|e| matches!(e, Event::Put { .. }))
        .count();
    let mut m = Machine::new(spec, n, puts);
    for e in trace {
        m.step(e);
        if !m.alive() {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn put(s: usize, r: usize, k: u32, v: usize) -> Event {
        Event::Put { s, r, k, v }
    }
    fn get(s: usize, r: usize, k: u32, res: Option<usize>) -> Event {
        Event::Get { s, r, k, res }
    }

    const SPECS: [&str; 7] = [
        "read-your-writes",
        "monotonic-reads",
        "monotonic-writes",
        "writes-follow-reads",
        "pram",
        "causal",
        "causal-plus",
    ];

    /// `Sanity/Refutations.v`, oldest event first.
    fn ryw_trace() -> Vec<Event> {
        vec![put(0, 0, 0, 0), get(0, 1, 0, None)]
    }
    fn mr_trace() -> Vec<Event> {
        vec![put(0, 0, 0, 0), get(1, 0, 0, Some(0)), get(1, 1, 0, None)]
    }
    fn mw_trace() -> Vec<Event> {
        vec![
            put(0, 0, 0, 0),
            put(0, 1, 1, 1),
            get(1, 1, 1, Some(1)),
            get(1, 1, 0, None),
        ]
    }
    fn wfr_trace() -> Vec<Event> {
        vec![
            put(0, 0, 0, 0),
            get(1, 0, 0, Some(0)),
            put(1, 1, 1, 1),
            get(2, 1, 1, Some(1)),
            get(2, 1, 0, None),
        ]
    }
    fn conv_trace() -> Vec<Event> {
        vec![
            put(0, 0, 0, 0),
            put(1, 1, 0, 1),
            get(2, 0, 0, Some(1)),
            get(3, 1, 0, Some(0)),
        ]
    }
    /// `Sanity/Satisfiable.v`.
    fn sat_trace() -> Vec<Event> {
        vec![
            put(0, 0, 0, 0),
            get(1, 1, 0, Some(0)),
            get(0, 1, 0, Some(0)),
            put(1, 1, 1, 1),
            get(0, 0, 1, Some(1)),
        ]
    }

    fn spec(name: &str) -> Vec<Constraint> {
        builtin_spec(name).unwrap()
    }

    #[test]
    fn refutations_traces_are_rejected_by_the_spec_they_refute() {
        // Refutations.v: ryw_trace_rejected, mr_trace_rejected, ...
        let cases = [
            ("read-your-writes", ryw_trace()),
            ("monotonic-reads", mr_trace()),
            ("monotonic-writes", mw_trace()),
            ("writes-follow-reads", wfr_trace()),
            ("pram", mw_trace()),
            ("causal", wfr_trace()),
            ("causal-plus", conv_trace()),
        ];
        for (name, tr) in cases {
            assert!(!accepts(&spec(name), 2, &tr), "{name} accepts {tr:?}");
        }
    }

    #[test]
    fn the_satisfiable_trace_is_accepted_by_every_spec() {
        for name in SPECS {
            assert!(accepts(&spec(name), 2, &sat_trace()), "{name}");
        }
    }

    #[test]
    fn causal_accepts_the_convergence_trace_that_causal_plus_rejects() {
        // Refutations.v: causal_accepts_conv_trace, causal_plus_rejects_conv_trace.
        assert!(accepts(&spec("causal"), 2, &conv_trace()));
        assert!(!accepts(&spec("causal-plus"), 2, &conv_trace()));
    }

    #[test]
    fn weaker_specs_accept_what_only_stronger_ones_reject() {
        // No session guarantee: read_latest alone accepts the RYW trace.
        assert!(accepts(&[Constraint::ReadLatest], 2, &ryw_trace()));
        // The RYW trace is monotonic-reads-consistent (s0 read nothing).
        assert!(accepts(&spec("monotonic-reads"), 2, &ryw_trace()));
        // No constraint at all: anything applied may be returned, or nothing.
        for tr in [mr_trace(), mw_trace(), wfr_trace(), conv_trace()] {
            assert!(accepts(&[], 2, &tr));
            assert!(accepts(&[Constraint::NoConstraint], 2, &tr));
        }
        // A read of a write never applied anywhere but its origin is fine
        // once applied; a value nobody wrote is not.
        assert!(!accepts(&[], 2, &[get(0, 0, 0, Some(0))]));
        assert!(!accepts(&[], 2, &[put(0, 0, 0, 1)]));
        // read_latest: a replica that applied a write to k returns one.
        assert!(!accepts(
            &[Constraint::ReadLatest],
            2,
            &[put(0, 0, 0, 0), get(1, 0, 0, None)]
        ));
    }

    #[test]
    fn names_round_trip() {
        for (c, _) in Constraint::all() {
            assert_eq!(Constraint::from_name(c.name()), Some(c));
        }
        assert_eq!(
            show_trace(&ryw_trace()),
            "s0 puts k0=0 at r0; s0 gets k0 at r1: None"
        );
    }
}
