//! Received messages waiting for the store's guard.
//!
//! The proofs let the runtime apply a received message at any time its
//! guard (`Store::deliverable`) holds, in any order. [`Pending`] keeps the
//! messages that are not deliverable yet, one queue per origin in arrival
//! order (which the replication links make the origin's own order), and
//! [`Pending::drain`] applies every one whose guard holds until none does.
//!
//! A drain first tries the oldest message of every origin, over and over,
//! until none of them is deliverable: with the guards of the catalog
//! (sequence numbers and vector clocks), a message can only be deliverable
//! once every earlier message of its origin was applied, so this finds
//! everything, and a chain of messages of two origins that depend on each
//! other in turn is applied in one sweep rather than two messages per pass
//! over the whole buffer. Then, since a store's guard may allow a later
//! message of an origin before an earlier one, it evaluates every other
//! waiting message once, and starts again if that applied any. The queues
//! are rotated in place (nothing is allocated), and a drain that applies
//! nothing costs one guard evaluation per waiting message. How often the
//! actor drains is its own choice (`crate::actor`).

use std::collections::VecDeque;

/// Messages not deliverable yet: per origin, in arrival order.
#[derive(Debug, Clone)]
pub(crate) struct Pending<M> {
    /// Queue `o` holds origin `o`'s messages; the last one holds messages
    /// of unknown origin (restored from an older snapshot format).
    queues: Vec<VecDeque<M>>,
}

impl<M> Pending<M> {
    /// No message waiting, for origins `0..origins`.
    pub(crate) fn new(origins: usize) -> Self {
        Pending {
            queues: (0..=origins).map(|_| VecDeque::new()).collect(),
        }
    }

    /// Queue `m` of `origin` (`None`: unknown) behind the messages of that
    /// origin already waiting. An origin outside `0..origins` counts as
    /// unknown.
    pub(crate) fn push(&mut self, origin: Option<u64>, m: M) {
        let unknown = self.queues.len() - 1;
        let q = origin
            .and_then(|o| usize::try_from(o).ok())
            .filter(|&o| o < unknown)
            .unwrap_or(unknown);
        self.queues[q].push_back(m);
    }

    /// Number of waiting messages.
    pub(crate) fn len(&self) -> usize {
        self.queues.iter().map(VecDeque::len).sum()
    }

    /// The waiting messages with their origin (`None`: unknown), origin by
    /// origin, each origin's in arrival order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (Option<u64>, &M)> {
        let unknown = self.queues.len() - 1;
        self.queues.iter().enumerate().flat_map(move |(o, q)| {
            let origin = (o < unknown).then_some(o as u64);
            q.iter().map(move |m| (origin, m))
        })
    }

    /// Whether the oldest waiting message of some origin is deliverable
    /// (one guard evaluation per origin).
    pub(crate) fn some_oldest_deliverable<S>(
        &self,
        state: &S,
        mut deliverable: impl FnMut(&S, &M) -> bool,
    ) -> bool {
        self.queues
            .iter()
            .filter_map(VecDeque::front)
            .any(|m| deliverable(state, m))
    }

    /// Apply every waiting message whose guard holds until none does (see
    /// the [module docs](self) for the order); returns how many were
    /// applied. `deliverable` and `apply` see the state through `state`,
    /// which each application may change.
    pub(crate) fn drain<S>(
        &mut self,
        state: &mut S,
        mut deliverable: impl FnMut(&S, &M) -> bool,
        mut apply: impl FnMut(&mut S, M),
    ) -> u64 {
        let mut applied = 0u64;
        loop {
            // The oldest of every origin, until none is deliverable.
            loop {
                let before = applied;
                for q in &mut self.queues {
                    while q.front().is_some_and(|m| deliverable(state, m)) {
                        apply(state, q.pop_front().expect("checked"));
                        applied += 1;
                    }
                }
                if applied == before {
                    break;
                }
            }
            // Every message behind a blocked oldest one, once.
            let before = applied;
            for q in &mut self.queues {
                let Some(oldest) = q.pop_front() else {
                    continue;
                };
                for _ in 0..q.len() {
                    let m = q.pop_front().expect("counted");
                    if deliverable(state, &m) {
                        apply(state, m);
                        applied += 1;
                    } else {
                        q.push_back(m);
                    }
                }
                q.push_front(oldest);
            }
            if applied == before || self.len() == 0 {
                return applied;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// State: how many messages were applied; message `n` is deliverable
    /// once exactly `n` were (a total order, as in the actor's tests).
    fn total_order(p: &mut Pending<u64>, st: &mut u64) -> u64 {
        p.drain(st, |s, m| m == s, |s, _| *s += 1)
    }

    fn queued(p: &Pending<u64>) -> Vec<(Option<u64>, u64)> {
        p.iter().map(|(o, m)| (o, *m)).collect()
    }

    #[test]
    fn a_drain_applies_whole_chains_across_origins() {
        let mut p = Pending::new(3);
        // Origin 0 holds the even, origin 2 the odd numbers, each in order,
        // so the chain alternates between them.
        for n in 0..100u64 {
            p.push(Some(2 * (n % 2)), n);
        }
        let mut st = 0;
        let mut evaluated = 0;
        let n = p.drain(
            &mut st,
            |s, m| {
                evaluated += 1;
                m == s
            },
            |s, _| *s += 1,
        );
        assert_eq!((n, st, p.len()), (100, 100, 0));
        // One sweep over the oldest messages, not a pass per pair.
        assert!(evaluated < 400, "{evaluated} guard evaluations");
    }

    #[test]
    fn a_message_behind_a_blocked_oldest_one_is_found_too() {
        let mut p = Pending::new(2);
        p.push(Some(0), 7);
        p.push(Some(0), 0);
        p.push(Some(1), 9);
        p.push(Some(1), 1);
        let mut st = 0;
        assert_eq!(total_order(&mut p, &mut st), 2);
        assert_eq!(st, 2);
        // The blocked ones keep their places.
        assert_eq!(queued(&p), vec![(Some(0), 7), (Some(1), 9)]);
    }

    #[test]
    fn messages_of_unknown_origin_wait_in_a_queue_of_their_own() {
        let mut p = Pending::new(2);
        p.push(None, 1);
        p.push(Some(5), 3);
        p.push(Some(1), 0);
        assert_eq!(
            queued(&p),
            vec![(Some(1), 0), (None, 1), (None, 3)],
            "origin 5 is not one of 0..2"
        );
        let mut st = 0;
        assert_eq!(total_order(&mut p, &mut st), 2);
        assert_eq!(queued(&p), vec![(None, 3)]);
    }

    #[test]
    fn only_the_oldest_messages_are_tested_for_some_oldest_deliverable() {
        let mut p = Pending::new(2);
        p.push(Some(0), 5);
        p.push(Some(0), 0);
        p.push(Some(1), 6);
        let mut evaluated = 0;
        let found = p.some_oldest_deliverable(&0, |s, m| {
            evaluated += 1;
            m == s
        });
        assert_eq!((found, evaluated), (false, 2));
        assert!(p.some_oldest_deliverable(&6, |s, m| m == s));
    }

    #[test]
    fn nothing_deliverable_means_one_guard_evaluation_per_message() {
        let mut p = Pending::new(3);
        for n in 10..20 {
            p.push(Some(n % 3), n);
        }
        let mut evaluated = 0;
        let n = p.drain(
            &mut 0u64,
            |_, _| {
                evaluated += 1;
                false
            },
            |_, _| unreachable!("nothing is deliverable"),
        );
        assert_eq!((n, evaluated, p.len()), (0, 10, 10));
        let before = queued(&p);
        p.drain(&mut 0u64, |_, _| false, |_, _| {});
        assert_eq!(queued(&p), before, "arrival order is kept");
    }
}
