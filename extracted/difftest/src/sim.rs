//! The concrete system of the Rocq semantics (`specs/theories/Framework/Concrete.v`)
//! over any [`Store<u64, u64>`], and the script interpreter built on it.
//!
//! * replicas `0..n`, each with its state; sessions with their tokens (a
//!   session's first operation uses `token0 n`);
//! * the network is a *list* of `(destination, message)`: a `put` at replica
//!   `r` appends one copy for every other replica, in increasing order of the
//!   destination (`broadcast r m` in Rocq); `deliver i` takes the `i`-th
//!   element out (`l1 ++ (j, m) :: l2` becomes `l1 ++ l2`) if
//!   `deliverable (rst j) m`, and applies it at `j`;
//! * a `put` or `get` answering "not yet" changes nothing.
//!
//! The OCaml driver (`ocaml/driver.ml`) implements exactly the same rules, so
//! both print the same lines for the same script iff the two extractions
//! behave the same.

use crate::script::{Delivery, Op, Outcome, Script};
use kv_store_api::Store;
use std::collections::HashMap;

/// A running system: replicas, session tokens and the in-flight messages.
pub struct System<S: Store<u64, u64>> {
    store: S,
    replicas: u64,
    states: Vec<S::State>,
    tokens: HashMap<u64, S::Token>,
    net: Vec<(u64, S::Msg)>,
}

impl<S: Store<u64, u64>> System<S> {
    /// The initial system (`sys0` in Rocq): `init n r` at every replica, no
    /// session has a token yet, nothing in flight.
    pub fn new(store: S, replicas: u64) -> Self {
        let states = (0..replicas).map(|r| store.init(replicas, r)).collect();
        System {
            store,
            replicas,
            states,
            tokens: HashMap::new(),
            net: Vec::new(),
        }
    }

    /// Number of replicas.
    pub fn replicas(&self) -> u64 {
        self.replicas
    }

    /// Number of messages in flight.
    pub fn in_flight(&self) -> usize {
        self.net.len()
    }

    /// Indices of the in-flight messages whose guard holds now.
    pub fn deliverable_indices(&self) -> Vec<usize> {
        self.net
            .iter()
            .enumerate()
            .filter(|(_, (j, m))| self.store.deliverable(&self.states[*j as usize], m))
            .map(|(i, _)| i)
            .collect()
    }

    /// The first in-flight message whose guard holds, scanning cyclically
    /// from index `start` (cheaper than [`Self::deliverable_indices`] when
    /// one random deliverable message is wanted).
    pub fn deliverable_from(&self, start: usize) -> Option<usize> {
        let n = self.net.len();
        (0..n).map(|i| (start + i) % n).find(|&i| {
            let (j, m) = &self.net[i];
            self.store.deliverable(&self.states[*j as usize], m)
        })
    }

    fn token(&self, session: u64) -> S::Token {
        match self.tokens.get(&session) {
            Some(t) => t.clone(),
            None => self.store.initial_token(self.replicas),
        }
    }

    /// Run one operation.
    pub fn step(&mut self, op: &Op) -> Outcome {
        match *op {
            Op::Put {
                replica,
                session,
                key,
                value,
            } => {
                if replica >= self.replicas {
                    return Outcome::Invalid;
                }
                let tok = self.token(session);
                let st = &mut self.states[replica as usize];
                match self.store.put(st, &tok, key, value) {
                    None => Outcome::Put(false),
                    Some((t, m)) => {
                        self.tokens.insert(session, t);
                        for j in (0..self.replicas).filter(|&j| j != replica) {
                            self.net.push((j, m.clone()));
                        }
                        Outcome::Put(true)
                    }
                }
            }
            Op::Get {
                replica,
                session,
                key,
            } => {
                if replica >= self.replicas {
                    return Outcome::Invalid;
                }
                let tok = self.token(session);
                match self.store.get(&self.states[replica as usize], &tok, &key) {
                    None => Outcome::Get(None),
                    Some((v, t)) => {
                        self.tokens.insert(session, t);
                        Outcome::Get(Some(v))
                    }
                }
            }
            Op::Deliver { index } => {
                let Some((j, m)) = self.net.get(index) else {
                    return Outcome::Deliver(Delivery::Absent);
                };
                let j = *j as usize;
                if !self.store.deliverable(&self.states[j], m) {
                    return Outcome::Deliver(Delivery::Blocked);
                }
                let (_, m) = self.net.remove(index);
                self.store.apply(&mut self.states[j], m);
                Outcome::Deliver(Delivery::Applied)
            }
        }
    }
}

/// Run a whole script on a fresh system.
pub fn run_script<S: Store<u64, u64>>(store: S, script: &Script) -> Vec<Outcome> {
    let mut sys = System::new(store, script.replicas);
    script.ops.iter().map(|op| sys.step(op)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use kv_store_api::ReplicaId;

    /// Eventual store with FIFO-free delivery and a session counter token:
    /// enough to check the network bookkeeping of the simulator.
    struct Toy;
    impl Store<u64, u64> for Toy {
        type State = (u64, Vec<(u64, u64)>);
        type Token = u64;
        type Msg = (u64, u64, u64);
        fn name(&self) -> &'static str {
            "toy"
        }
        fn init(&self, _: u64, me: ReplicaId) -> Self::State {
            (me, Vec::new())
        }
        fn initial_token(&self, _: u64) -> u64 {
            0
        }
        fn put(&self, st: &mut Self::State, t: &u64, k: u64, v: u64) -> Option<(u64, Self::Msg)> {
            st.1.push((k, v));
            Some((t + 1, (st.0, k, v)))
        }
        fn get(&self, st: &Self::State, t: &u64, k: &u64) -> Option<(Option<u64>, u64)> {
            // Blocks a session that wrote more often than this replica holds writes.
            if *t > st.1.len() as u64 {
                return None;
            }
            Some((st.1.iter().rev().find(|p| p.0 == *k).map(|p| p.1), *t))
        }
        fn deliverable(&self, _: &Self::State, m: &Self::Msg) -> bool {
            m.2 % 2 == 0
        }
        fn apply(&self, st: &mut Self::State, m: Self::Msg) {
            st.1.push((m.1, m.2))
        }
    }

    #[test]
    fn put_broadcasts_to_the_other_replicas_in_order_and_deliver_removes() {
        let mut s = System::new(Toy, 3);
        let put = |r, v| Op::Put {
            replica: r,
            session: 0,
            key: 5,
            value: v,
        };
        assert_eq!(s.step(&put(1, 2)), Outcome::Put(true));
        assert_eq!(s.in_flight(), 2);
        assert_eq!(s.net.iter().map(|p| p.0).collect::<Vec<_>>(), vec![0, 2]);
        assert_eq!(s.step(&put(0, 3)), Outcome::Put(true));
        assert_eq!(
            s.net.iter().map(|p| p.0).collect::<Vec<_>>(),
            vec![0, 2, 1, 2]
        );
        assert_eq!(s.deliverable_indices(), vec![0, 1]);
        assert_eq!(s.deliverable_from(2), Some(0));
        assert_eq!(s.deliverable_from(1), Some(1));
        // Odd value: guard fails, message stays.
        assert_eq!(
            s.step(&Op::Deliver { index: 2 }),
            Outcome::Deliver(Delivery::Blocked)
        );
        assert_eq!(s.in_flight(), 4);
        assert_eq!(
            s.step(&Op::Deliver { index: 1 }),
            Outcome::Deliver(Delivery::Applied)
        );
        assert_eq!(s.net.iter().map(|p| p.0).collect::<Vec<_>>(), vec![0, 1, 2]);
        assert_eq!(
            s.step(&Op::Deliver { index: 3 }),
            Outcome::Deliver(Delivery::Absent)
        );
        let get = |r, sess| Op::Get {
            replica: r,
            session: sess,
            key: 5,
        };
        assert_eq!(s.step(&get(2, 9)), Outcome::Get(Some(Some(2))));
        // Session 0 has token 2; replica 2 holds only one write.
        assert_eq!(s.step(&get(2, 0)), Outcome::Get(None));
        assert_eq!(s.step(&get(7, 0)), Outcome::Invalid);
    }
}
