//! `handwritten-vc`: a hand-written, **unverified** store used as the
//! "what does verification cost?" baseline (DESIGN.md section 7).
//!
//! Protocol:
//! * every replica keeps a vector clock `clock[o]` = number of writes of
//!   origin `o` it has applied (its own writes included);
//! * a session token is a vector clock; `get` and `put` are allowed iff
//!   `token <= clock` pointwise, and the new token is `max(token, clock)`
//!   (which equals `clock` since `token <= clock`);
//! * `put` at replica `r` increments `clock[r]` and sends `(r, clock[r], k, v)`;
//! * a message `(o, s, ..)` is deliverable iff `clock[o] == s - 1` (FIFO per
//!   origin); applying it sets `clock[o] = s` and writes the value.
//!
//! This gives the session guarantees (read-your-writes, monotonic reads,
//! monotonic writes, writes-follow-reads) under FIFO delivery, but no
//! convergence guarantee for concurrent writes to the same key.

use kv_store_api::{DecodeError, ReplicaId, Store};
use serde::{de::DeserializeOwned, Deserialize, Serialize};
use std::collections::HashMap;
use std::fmt::Debug;
use std::hash::Hash;

/// The hand-written vector-clock store (registered as `"handwritten-vc"`).
#[derive(Debug, Clone, Copy, Default)]
pub struct HandwrittenVc;

/// Name under which [`HandwrittenVc`] is registered.
pub const HANDWRITTEN_VC: &str = "handwritten-vc";

/// Replica state of [`HandwrittenVc`].
#[derive(Debug, Clone)]
pub struct VcState<K, V> {
    me: ReplicaId,
    clock: Vec<u64>,
    data: HashMap<K, V>,
}

impl<K, V> VcState<K, V> {
    /// Number of writes of each origin applied at this replica.
    pub fn clock(&self) -> &[u64] {
        &self.clock
    }
}

/// Update message of [`HandwrittenVc`]: origin, per-origin sequence number, key, value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VcMsg<K, V> {
    /// Replica whose `put` produced the message.
    pub origin: ReplicaId,
    /// `clock[origin]` at the origin right after the put (starts at 1).
    pub seq: u64,
    /// Written key.
    pub key: K,
    /// Written value.
    pub value: V,
}

/// `a <= b` pointwise (vectors of equal length).
fn leq(a: &[u64], b: &[u64]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x <= y)
}

impl<K, V> Store<K, V> for HandwrittenVc
where
    K: Eq + Hash + Clone + Debug + Serialize + DeserializeOwned + Send + Sync + 'static,
    V: Clone + Debug + Serialize + DeserializeOwned + Send + Sync + 'static,
{
    type State = VcState<K, V>;
    type Token = Vec<u64>;
    type Msg = VcMsg<K, V>;

    fn name(&self) -> &'static str {
        HANDWRITTEN_VC
    }

    fn init(&self, replicas: u64, me: ReplicaId) -> Self::State {
        VcState {
            me,
            clock: vec![0; replicas as usize],
            data: HashMap::new(),
        }
    }

    fn initial_token(&self, replicas: u64) -> Self::Token {
        vec![0; replicas as usize]
    }

    fn put(
        &self,
        st: &mut Self::State,
        tok: &Self::Token,
        key: K,
        val: V,
    ) -> Option<(Self::Token, Self::Msg)> {
        if !leq(tok, &st.clock) {
            return None;
        }
        let me = st.me as usize;
        st.clock[me] += 1;
        st.data.insert(key.clone(), val.clone());
        let msg = VcMsg {
            origin: st.me,
            seq: st.clock[me],
            key,
            value: val,
        };
        Some((st.clock.clone(), msg))
    }

    fn get(
        &self,
        st: &Self::State,
        tok: &Self::Token,
        key: &K,
    ) -> Option<(Option<V>, Self::Token)> {
        if !leq(tok, &st.clock) {
            return None;
        }
        Some((st.data.get(key).cloned(), st.clock.clone()))
    }

    fn deliverable(&self, st: &Self::State, msg: &Self::Msg) -> bool {
        st.clock
            .get(msg.origin as usize)
            .is_some_and(|&applied| msg.seq >= 1 && applied == msg.seq - 1)
    }

    fn apply(&self, st: &mut Self::State, msg: Self::Msg) {
        st.clock[msg.origin as usize] = msg.seq;
        st.data.insert(msg.key, msg.value);
    }

    /// Like the default decoder, but also rejects clocks of the wrong length
    /// and trailing bytes, so a token of another cluster or store is reported.
    fn decode_token(&self, replicas: u64, bytes: &[u8]) -> Result<Self::Token, DecodeError> {
        if bytes.is_empty() {
            return Ok(<Self as Store<K, V>>::initial_token(self, replicas));
        }
        let malformed = |reason: String| DecodeError {
            what: "token",
            reason,
        };
        let tok: Vec<u64> = bincode::deserialize(bytes).map_err(|e| malformed(e.to_string()))?;
        if tok.len() as u64 != replicas {
            return Err(malformed(format!(
                "vector clock has {} entries, the cluster has {replicas} replicas",
                tok.len()
            )));
        }
        if bincode::serialized_size(&tok).ok() != Some(bytes.len() as u64) {
            return Err(malformed("trailing bytes after the vector clock".into()));
        }
        Ok(tok)
    }

    /// Snapshot: `(me, clock, data)` in bincode.
    fn encode_state(&self, st: &Self::State) -> Option<Vec<u8>> {
        Some(kv_store_api::encode_plain(&(st.me, &st.clock, &st.data)))
    }

    /// Also checks the snapshot is of replica `me` of a cluster of `replicas`.
    fn decode_state(
        &self,
        replicas: u64,
        me: ReplicaId,
        bytes: &[u8],
    ) -> Result<Self::State, DecodeError> {
        let (who, clock, data): (ReplicaId, Vec<u64>, HashMap<K, V>) =
            kv_store_api::decode_plain("state", bytes)?;
        if who != me || clock.len() as u64 != replicas {
            return Err(DecodeError {
                what: "state",
                reason: format!(
                    "the state is of replica {who} of {}, not of replica {me} of {replicas}",
                    clock.len()
                ),
            });
        }
        Ok(VcState { me, clock, data })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type S = VcState<u32, u32>;

    fn put(st: &mut S, tok: &[u64], k: u32, v: u32) -> Option<(Vec<u64>, VcMsg<u32, u32>)> {
        Store::<u32, u32>::put(&HandwrittenVc, st, &tok.to_vec(), k, v)
    }

    fn get(st: &S, tok: &[u64], k: u32) -> Option<(Option<u32>, Vec<u64>)> {
        Store::<u32, u32>::get(&HandwrittenVc, st, &tok.to_vec(), &k)
    }

    fn init(me: u64) -> S {
        Store::<u32, u32>::init(&HandwrittenVc, 3, me)
    }

    #[test]
    fn read_your_writes_across_replicas_waits_for_delivery() {
        let (mut r0, mut r1) = (init(0), init(1));
        let (tok, msg) = put(&mut r0, &[0, 0, 0], 7, 70).unwrap();
        assert_eq!(tok, vec![1, 0, 0]);
        assert_eq!(msg.seq, 1);
        // r1 has not applied the write: the session must wait.
        assert_eq!(get(&r1, &tok, 7), None);
        assert!(HandwrittenVc.deliverable(&r1, &msg));
        Store::<u32, u32>::apply(&HandwrittenVc, &mut r1, msg);
        assert_eq!(get(&r1, &tok, 7), Some((Some(70), vec![1, 0, 0])));
    }

    #[test]
    fn delivery_is_fifo_per_origin() {
        let (mut r0, mut r1) = (init(0), init(1));
        let (t1, m1) = put(&mut r0, &[0, 0, 0], 1, 10).unwrap();
        let (_, m2) = put(&mut r0, &t1, 1, 11).unwrap();
        assert!(!Store::<u32, u32>::deliverable(&HandwrittenVc, &r1, &m2));
        Store::<u32, u32>::apply(&HandwrittenVc, &mut r1, m1.clone());
        // A duplicate is never deliverable again.
        assert!(!Store::<u32, u32>::deliverable(&HandwrittenVc, &r1, &m1));
        assert!(Store::<u32, u32>::deliverable(&HandwrittenVc, &r1, &m2));
        Store::<u32, u32>::apply(&HandwrittenVc, &mut r1, m2);
        assert_eq!(get(&r1, &[0, 0, 0], 1).unwrap().0, Some(11));
        assert_eq!(r1.clock(), &[2, 0, 0]);
    }

    #[test]
    fn put_waits_until_token_is_covered_and_tokens_grow() {
        let (mut r0, mut r1) = (init(0), init(1));
        let (tok, msg) = put(&mut r0, &[0, 0, 0], 1, 1).unwrap();
        assert!(put(&mut r1, &tok, 2, 2).is_none());
        Store::<u32, u32>::apply(&HandwrittenVc, &mut r1, msg);
        let (tok2, _) = put(&mut r1, &tok, 2, 2).unwrap();
        assert_eq!(tok2, vec![1, 1, 0]);
        // Missing key, empty token.
        assert_eq!(get(&r1, &[0, 0, 0], 9), Some((None, vec![1, 1, 0])));
    }

    #[test]
    fn malformed_tokens_are_rejected() {
        let s = HandwrittenVc;
        let dec = |b: &[u8]| Store::<u32, u32>::decode_token(&s, 3, b);
        assert_eq!(dec(&[]).unwrap(), vec![0, 0, 0]);
        let good = Store::<u32, u32>::encode_token(&s, &vec![1, 2, 3]);
        assert_eq!(dec(&good).unwrap(), vec![1, 2, 3]);
        let two = Store::<u32, u32>::encode_token(&s, &vec![1, 2]);
        assert!(dec(&two).unwrap_err().to_string().contains("3 replicas"));
        assert!(dec(&[1, 2, 3]).is_err());
        let mut trailing = good.clone();
        trailing.push(0);
        assert!(dec(&trailing).unwrap_err().to_string().contains("trailing"));
    }

    #[test]
    fn states_round_trip_and_belong_to_their_replica() {
        let s = HandwrittenVc;
        let mut r = init(1);
        put(&mut r, &[0, 0, 0], 4, 40).unwrap();
        let b = Store::<u32, u32>::encode_state(&s, &r).unwrap();
        let back: S = Store::<u32, u32>::decode_state(&s, 3, 1, &b).unwrap();
        assert_eq!(back.clock(), &[0, 1, 0]);
        assert_eq!(get(&back, &[0, 1, 0], 4).unwrap().0, Some(40));
        assert!(Store::<u32, u32>::decode_state(&s, 3, 2, &b).is_err());
        assert!(Store::<u32, u32>::decode_state(&s, 3, 1, &b[..4]).is_err());
    }

    #[test]
    fn messages_round_trip() {
        let s = HandwrittenVc;
        let m = VcMsg {
            origin: 2,
            seq: 5,
            key: 1u32,
            value: 2u32,
        };
        let b = Store::<u32, u32>::encode_msg(&s, &m);
        assert_eq!(Store::<u32, u32>::decode_msg(&s, &b).unwrap(), m);
        assert!(Store::<u32, u32>::decode_msg(&s, &b[..3]).is_err());
    }
}
