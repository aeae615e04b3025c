//! Per-operation cost of a store at one replica, for `extraction-bench` (quick, self-timed) and the criterion benches (`bench/benches/stores.rs`).
//!
//! Workload: one session at replica 0 of a 3-replica system, no deliveries
//! (messages are dropped; the other replicas play no part in the cost of a
//! local operation). The replica is first *prepared* with `history` puts of
//! fresh values at uniform random keys in `0..keys`; then a put/get mix
//! (alternating, uniform keys) or gets only are timed.
//!
//! Extracted code can recurse once per list element (association lists) or
//! per earlier put (the Chapar-style closure chain), so measurements run on
//! a thread with a large stack ([`with_big_stack`]).

use crate::gen::Rng;
use kv_store_api::Store;
use std::hint::black_box;
use std::time::{Duration, Instant};

/// What a measured store is, for the results file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A verified store extracted by miniml2rust.
    Extracted,
    /// The hand-written, unverified `HandwrittenVc` (kvstore-runtime).
    Handwritten,
    /// The Chapar-style reference: causal mechanism over a function store.
    ChaparStyle,
}

/// One replica and one session of some store, behind a uniform interface.
pub trait OneReplica {
    /// `put` by the session (`true` if served; the message is dropped).
    fn put(&mut self, key: u64, value: u64) -> bool;
    /// `get` by the session: `None` if not served, else the value read.
    fn get(&mut self, key: u64) -> Option<Option<u64>>;
}

/// A store that can be measured.
pub trait Target: Send + Sync {
    /// Display name.
    fn name(&self) -> &'static str;
    /// What kind of store it is.
    fn kind(&self) -> Kind;
    /// Replica 0 of a fresh 3-replica system, with a fresh session.
    fn fresh(&self) -> Box<dyn OneReplica>;
}

/// Replica 0 of a `Store` and one session's token.
pub struct Single<S: Store<u64, u64>> {
    store: S,
    st: S::State,
    tok: S::Token,
}

impl<S: Store<u64, u64>> Single<S> {
    /// Replica 0 of 3, fresh session.
    pub fn new(store: S) -> Self {
        let st = store.init(3, 0);
        let tok = store.initial_token(3);
        Single { store, st, tok }
    }
}

impl<S: Store<u64, u64>> OneReplica for Single<S> {
    #[inline]
    fn put(&mut self, key: u64, value: u64) -> bool {
        match self.store.put(&mut self.st, &self.tok, key, value) {
            Some((t, m)) => {
                self.tok = t;
                drop(black_box(m));
                true
            }
            None => false,
        }
    }
    #[inline]
    fn get(&mut self, key: u64) -> Option<Option<u64>> {
        let (v, t) = self.store.get(&self.st, &self.tok, &key)?;
        self.tok = t;
        Some(v)
    }
}

/// A [`Store`] as a [`Target`].
pub struct Measured<S> {
    /// The store.
    pub store: S,
    /// Its kind.
    pub kind: Kind,
    /// Display name.
    pub name: &'static str,
}

impl<S: Store<u64, u64> + Clone> Target for Measured<S> {
    fn name(&self) -> &'static str {
        self.name
    }
    fn kind(&self) -> Kind {
        self.kind
    }
    fn fresh(&self) -> Box<dyn OneReplica> {
        Box::new(Single::new(self.store.clone()))
    }
}

/// Run `f` on a thread with a 1 GiB stack (reserved, not committed).
pub fn with_big_stack<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|s| {
        std::thread::Builder::new()
            .stack_size(1 << 30)
            .spawn_scoped(s, f)
            .expect("spawning a measurement thread")
            .join()
            .unwrap_or_else(|p| std::panic::resume_unwind(p))
    })
}

/// Put fresh values at uniform keys in `0..keys` until `count` puts were
/// served; `next_value` numbers the values. Panics if a put blocks (a
/// single session at a single replica never has to wait).
pub fn grow(
    rep: &mut dyn OneReplica,
    count: usize,
    keys: u64,
    rng: &mut Rng,
    next_value: &mut u64,
) {
    for _ in 0..count {
        *next_value += 1;
        assert!(rep.put(rng.below(keys), *next_value), "a local put blocked");
    }
}

/// Like [`grow`], but stops early once `deadline` has passed (checked every
/// 64 puts); returns the number of puts done. For stores whose puts cost
/// time linear in the state (association lists over many keys), so a
/// bounded run reports how far it got instead of running for hours.
pub fn grow_until(
    rep: &mut dyn OneReplica,
    count: usize,
    keys: u64,
    rng: &mut Rng,
    next_value: &mut u64,
    deadline: Instant,
) -> usize {
    let mut done = 0;
    while done < count {
        let step = (count - done).min(64);
        grow(rep, step, keys, rng, next_value);
        done += step;
        if Instant::now() >= deadline {
            break;
        }
    }
    done
}

/// Limits of a timed loop.
#[derive(Debug, Clone, Copy)]
pub struct Budget {
    /// Run at least this long...
    pub min_time: Duration,
    /// ...and at least this many operations...
    pub min_ops: u64,
    /// ...but stop after this many.
    pub max_ops: u64,
}

impl Default for Budget {
    fn default() -> Self {
        Budget {
            min_time: Duration::from_millis(200),
            min_ops: 20,
            max_ops: 2_000_000,
        }
    }
}

fn timed(budget: &Budget, mut op: impl FnMut(u64)) -> f64 {
    let t0 = Instant::now();
    let mut n = 0u64;
    loop {
        for _ in 0..8 {
            op(n);
            n += 1;
        }
        if n >= budget.max_ops || (n >= budget.min_ops && t0.elapsed() >= budget.min_time) {
            return t0.elapsed().as_nanos() as f64 / n as f64;
        }
    }
}

/// Mean ns per operation of an alternating put/get mix at uniform keys in
/// `0..keys` (puts add to the history while measured).
pub fn put_get_mix(
    rep: &mut dyn OneReplica,
    keys: u64,
    rng: &mut Rng,
    next_value: &mut u64,
    budget: &Budget,
) -> f64 {
    timed(budget, |i| {
        let k = rng.below(keys);
        if i % 2 == 0 {
            *next_value += 1;
            black_box(rep.put(k, *next_value));
        } else {
            black_box(rep.get(k));
        }
    })
}

/// Mean ns per `get` at uniform keys in `0..keys` (the state does not change).
pub fn get_only(rep: &mut dyn OneReplica, keys: u64, rng: &mut Rng, budget: &Budget) -> f64 {
    timed(budget, |_| {
        black_box(rep.get(rng.below(keys)));
    })
}

/// Get latency after each history length in `points` (increasing): the
/// replica is grown to each length in turn, then gets are timed.
pub fn latency_curve(
    target: &dyn Target,
    keys: u64,
    points: &[usize],
    seed: u64,
    budget: &Budget,
) -> Vec<(usize, f64)> {
    let mut rng = Rng::new(seed);
    let mut rep = target.fresh();
    let mut v = 0;
    let mut done = 0;
    let mut out = Vec::new();
    for &p in points {
        grow(rep.as_mut(), p.saturating_sub(done), keys, &mut rng, &mut v);
        done = done.max(p);
        out.push((p, get_only(rep.as_mut(), keys, &mut rng, budget)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Many local puts and gets at one replica agree with a map, for every
    /// extracted store: deep trees, rebalancing and in-place node reuse
    /// (the differential test's scripts use at most 5 keys).
    #[test]
    fn every_store_agrees_with_a_map_on_many_local_operations() {
        for t in crate::registry::measured_stores() {
            with_big_stack(|| {
                let mut rep = t.fresh();
                let mut model = std::collections::HashMap::new();
                let mut rng = Rng::new(7);
                for i in 0..3000u64 {
                    let k = rng.below(500);
                    if rng.below(3) == 0 {
                        assert_eq!(
                            rep.get(k),
                            Some(model.get(&k).copied()),
                            "{} op {i}",
                            t.name()
                        );
                    } else {
                        assert!(rep.put(k, i), "{}: a local put blocked", t.name());
                        model.insert(k, i);
                    }
                }
                for k in 0..500 {
                    assert_eq!(
                        rep.get(k),
                        Some(model.get(&k).copied()),
                        "{} key {k}",
                        t.name()
                    );
                }
            });
        }
    }

    #[test]
    fn single_replica_reads_its_own_writes() {
        let t = Measured {
            store: store_read_your_writes::Algorithm,
            kind: Kind::Extracted,
            name: "read-your-writes",
        };
        let mut r = t.fresh();
        assert_eq!(r.get(3), Some(None));
        let mut rng = Rng::new(1);
        let mut v = 0;
        grow(r.as_mut(), 100, 1, &mut rng, &mut v);
        assert_eq!(r.get(0), Some(Some(100)));
        let past = Instant::now();
        assert_eq!(grow_until(r.as_mut(), 1000, 1, &mut rng, &mut v, past), 64);
        assert_eq!(r.get(0), Some(Some(164)));
        v = 100;
        let b = Budget {
            min_time: Duration::ZERO,
            min_ops: 8,
            max_ops: 8,
        };
        assert!(put_get_mix(r.as_mut(), 5, &mut rng, &mut v, &b) > 0.0);
        assert_eq!(v, 104);
        let c = latency_curve(&t, 10, &[10, 100], 3, &b);
        assert_eq!(c.iter().map(|p| p.0).collect::<Vec<_>>(), vec![10, 100]);
    }
}
