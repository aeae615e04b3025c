//! Seeded random scripts.
//!
//! A script is grown while it runs on the Rust [`System`], so deliveries can
//! aim at messages that exist (and, most of the time, at ones whose guard
//! holds). The script is then replayed as plain text by the OCaml driver,
//! which never sees the generator: the generator only chooses *which*
//! operations to try.
//!
//! Shape of a script: 3 replicas (by default), 1-4 sessions that move
//! between replicas (each operation stays at the session's last replica with
//! probability 1/2, else picks any replica), 1-5 keys, 1-40 random
//! operations (about 35% puts with fresh values, 30% gets, 35% deliveries),
//! then a *drain* that delivers every deliverable message, then a read of
//! every key at every replica by fresh sessions (so the final states are
//! compared too).

use crate::script::{Op, Outcome, Script};
use crate::sim::System;
use kv_store_api::Store;

/// SplitMix64: tiny, seedable, identical on every platform and version.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator seeded with `seed`.
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    /// Next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n > 0`).
    pub fn below(&mut self, n: u64) -> u64 {
        // Multiply-shift: bias is negligible for the small ranges used here.
        ((self.next_u64() as u128 * n as u128) >> 64) as u64
    }

    /// True with probability `percent / 100`.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

/// Parameters of the script generator.
#[derive(Debug, Clone, Copy)]
pub struct GenConfig {
    /// Replicas per script.
    pub replicas: u64,
    /// Largest number of random operations (before the drain).
    pub max_ops: u64,
    /// Largest number of sessions.
    pub max_sessions: u64,
    /// Largest number of keys.
    pub max_keys: u64,
}

impl Default for GenConfig {
    fn default() -> Self {
        GenConfig {
            replicas: 3,
            max_ops: 40,
            max_sessions: 4,
            max_keys: 5,
        }
    }
}

/// Generate one script with `rng`, running it on a fresh system of `store`;
/// returns the script and the Rust outcomes.
pub fn generate<S: Store<u64, u64>>(
    store: S,
    cfg: &GenConfig,
    rng: &mut Rng,
) -> (Script, Vec<Outcome>) {
    let n = cfg.replicas;
    let sessions = 1 + rng.below(cfg.max_sessions);
    let keys = 1 + rng.below(cfg.max_keys);
    let len = 1 + rng.below(cfg.max_ops);
    let mut sys = System::new(store, n);
    let mut at: Vec<u64> = (0..sessions).map(|_| rng.below(n)).collect();
    let mut next_value = 0u64;
    let mut ops = Vec::new();
    let mut outs = Vec::new();
    let mut run = |sys: &mut System<S>, op: Op| {
        outs.push(sys.step(&op));
        ops.push(op);
    };
    for _ in 0..len {
        let roll = rng.below(100);
        if roll < 65 {
            let s = rng.below(sessions);
            if rng.chance(50) {
                at[s as usize] = rng.below(n);
            }
            let r = at[s as usize];
            let key = rng.below(keys);
            let op = if roll < 35 {
                next_value += 1;
                Op::Put {
                    replica: r,
                    session: s,
                    key,
                    value: next_value,
                }
            } else {
                Op::Get {
                    replica: r,
                    session: s,
                    key,
                }
            };
            run(&mut sys, op);
        } else {
            let any = rng.below(sys.in_flight() as u64 + 1) as usize;
            let index = if rng.chance(75) {
                sys.deliverable_from(any).unwrap_or(any)
            } else {
                // Any message, or (1 in `in_flight + 1`) one past the end.
                any
            };
            run(&mut sys, Op::Deliver { index });
        }
    }
    // Drain: deliver until nothing is deliverable (progress makes this
    // deliver everything; a bound keeps a buggy store from looping).
    for _ in 0..(4 * len * n) {
        let start = rng.below(sys.in_flight() as u64 + 1) as usize;
        let Some(index) = sys.deliverable_from(start) else {
            break;
        };
        run(&mut sys, Op::Deliver { index });
    }
    // Final reads by fresh sessions.
    for r in 0..n {
        for key in 0..keys {
            let session = 1000 + r * keys + key;
            run(
                &mut sys,
                Op::Get {
                    replica: r,
                    session,
                    key,
                },
            );
        }
    }
    (Script { replicas: n, ops }, outs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rng_is_deterministic_and_spread() {
        let a: Vec<u64> = {
            let mut r = Rng::new(7);
            (0..1000).map(|_| r.below(10)).collect()
        };
        let mut r = Rng::new(7);
        assert!(a.iter().all(|&x| x == r.below(10)));
        for d in 0..10 {
            let c = a.iter().filter(|&&x| x == d).count();
            assert!((50..150).contains(&c), "digit {d}: {c}");
        }
        assert_ne!(Rng::new(1).next_u64(), Rng::new(2).next_u64());
    }
}
