//! The interface between a verified store and the runtime that serves it.
//!
//! Every store under `extracted/` is generated from a closed Rocq development
//! (see `specs/theories/Framework/Algorithm.v`, module type `ALGORITHM`) and
//! implements [`Store`]. The trait mirrors the Rocq interface one to one:
//!
//! | Rocq (`ALGORITHM`)            | Rust ([`Store`])                  |
//! |-------------------------------|-----------------------------------|
//! | `init n r`                    | [`Store::init`]                   |
//! | `token0 n`                    | [`Store::initial_token`]          |
//! | `put eqb st tok k v` (option) | [`Store::put`] (`None` = not yet) |
//! | `get eqb st tok k` (option)   | [`Store::get`] (`None` = not yet) |
//! | `deliverable st m`            | [`Store::deliverable`]            |
//! | `apply eqb st m`              | [`Store::apply`]                  |
//!
//! The proofs assume (and the runtime must make true):
//! * every message produced by `put` at replica `r` is delivered exactly once
//!   to every other replica, in any order, but only when `deliverable` holds;
//! * `put`/`get` answering `None` means "not yet": the caller waits until the
//!   replica applied more messages and retries;
//! * a session always passes the token returned by its previous operation.
//!
//! Replica state is owned by one thread (extracted code shares structure
//! through `Rc`, so it is not `Send`); tokens and messages cross threads and
//! the network only in their encoded form ([`Store::encode_token`] and
//! friends), so a malformed token or message is a [`DecodeError`], never a
//! panic.
//!
//! A store may also make its replica state encodable
//! ([`Store::encode_state`] / [`Store::decode_state`]): the runtime then
//! compacts its write-ahead log into a snapshot of the state. A store whose
//! state cannot be encoded (e.g. it holds closures) keeps the defaults and
//! the runtime recovers it by replaying the whole log.

use serde::{de::DeserializeOwned, Serialize};
use std::fmt::Debug;

/// Replica identifiers are `0..replicas`.
pub type ReplicaId = u64;

/// Byte keys and values, as served by the runtime.
pub type Bytes = Vec<u8>;

/// A token or message that could not be decoded.
#[derive(Debug, thiserror::Error)]
#[error("malformed {what}: {reason}")]
pub struct DecodeError {
    /// `"token"`, `"message"` or `"state"`.
    pub what: &'static str,
    /// What the decoder found wrong.
    pub reason: String,
}

/// A replicated key-value store algorithm, polymorphic in keys `K` and values `V`.
pub trait Store<K, V>: Send + Sync + 'static {
    /// State of one replica (owned by one thread).
    type State;
    /// Client-side session metadata carried between calls.
    type Token: Clone + Debug + Serialize + DeserializeOwned;
    /// Update message sent by `put` to every other replica.
    type Msg: Clone + Debug + Serialize + DeserializeOwned;

    /// Stable name of the store (also the name of its folder under `extracted/`).
    fn name(&self) -> &'static str;
    /// Initial state of replica `me` in a cluster of `replicas`.
    fn init(&self, replicas: u64, me: ReplicaId) -> Self::State;
    /// Token of a fresh session.
    fn initial_token(&self, replicas: u64) -> Self::Token;
    /// Write `val` at `key`. `None`: not yet (the replica must catch up first).
    fn put(
        &self,
        st: &mut Self::State,
        tok: &Self::Token,
        key: K,
        val: V,
    ) -> Option<(Self::Token, Self::Msg)>;
    /// Read `key`. `None`: not yet. `Some((None, _))`: no write to `key` visible.
    fn get(&self, st: &Self::State, tok: &Self::Token, key: &K)
        -> Option<(Option<V>, Self::Token)>;
    /// Guard: may `msg` be applied now?
    fn deliverable(&self, st: &Self::State, msg: &Self::Msg) -> bool;
    /// Apply a message whose guard holds.
    fn apply(&self, st: &mut Self::State, msg: Self::Msg);

    /// Encode a token for the wire.
    fn encode_token(&self, tok: &Self::Token) -> Bytes {
        bincode::serialize(tok).expect("tokens are plain data")
    }
    /// Decode a token from the wire; an empty slice is the initial token.
    fn decode_token(&self, replicas: u64, bytes: &[u8]) -> Result<Self::Token, DecodeError> {
        if bytes.is_empty() {
            return Ok(self.initial_token(replicas));
        }
        bincode::deserialize(bytes).map_err(|e| DecodeError {
            what: "token",
            reason: e.to_string(),
        })
    }
    /// Encode a message for the wire.
    fn encode_msg(&self, msg: &Self::Msg) -> Bytes {
        bincode::serialize(msg).expect("messages are plain data")
    }
    /// Decode a message from the wire.
    fn decode_msg(&self, bytes: &[u8]) -> Result<Self::Msg, DecodeError> {
        bincode::deserialize(bytes).map_err(|e| DecodeError {
            what: "message",
            reason: e.to_string(),
        })
    }
    /// Encode the whole replica state `st` for a snapshot, such that
    /// [`Store::decode_state`] gives back a state that behaves the same under
    /// every operation. `None` (the default): this store cannot encode its
    /// state (for instance it holds closures), and the runtime never
    /// snapshots it (its write-ahead log is replayed in full instead).
    fn encode_state(&self, st: &Self::State) -> Option<Bytes> {
        let _ = st;
        None
    }
    /// Decode a state written by [`Store::encode_state`] for replica `me` of
    /// a cluster of `replicas`. The default refuses (no store state is
    /// encodable by default).
    fn decode_state(
        &self,
        replicas: u64,
        me: ReplicaId,
        bytes: &[u8],
    ) -> Result<Self::State, DecodeError> {
        let _ = (replicas, me, bytes);
        Err(DecodeError {
            what: "state",
            reason: format!(
                "store {:?} cannot decode snapshots of its state",
                self.name()
            ),
        })
    }
}

/// Encode plain data (`serde`) the way the default codecs do (bincode); for
/// stores implementing [`Store::encode_state`].
pub fn encode_plain<T: Serialize>(x: &T) -> Bytes {
    bincode::serialize(x).expect("plain data encodes")
}

/// Decode plain data written by [`encode_plain`]; `what` names it in the error.
pub fn decode_plain<T: DeserializeOwned>(
    what: &'static str,
    bytes: &[u8],
) -> Result<T, DecodeError> {
    bincode::deserialize(bytes).map_err(|e| DecodeError {
        what,
        reason: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A tiny unverified store used to exercise the default methods.
    struct Last;
    impl Store<u8, u8> for Last {
        type State = Vec<(u8, u8)>;
        type Token = u64;
        type Msg = (u8, u8);
        fn name(&self) -> &'static str {
            "last"
        }
        fn init(&self, _: u64, _: ReplicaId) -> Self::State {
            Vec::new()
        }
        fn initial_token(&self, _: u64) -> u64 {
            0
        }
        fn put(&self, st: &mut Self::State, t: &u64, k: u8, v: u8) -> Option<(u64, (u8, u8))> {
            st.push((k, v));
            Some((t + 1, (k, v)))
        }
        fn get(&self, st: &Self::State, t: &u64, k: &u8) -> Option<(Option<u8>, u64)> {
            let v = st.iter().rev().find(|p| p.0 == *k).map(|p| p.1);
            Some((v, *t))
        }
        fn deliverable(&self, _: &Self::State, _: &(u8, u8)) -> bool {
            true
        }
        fn apply(&self, st: &mut Self::State, m: (u8, u8)) {
            st.push(m)
        }
    }

    #[test]
    fn tokens_round_trip_and_empty_means_initial() {
        let s = Last;
        let b = s.encode_token(&41);
        assert_eq!(s.decode_token(3, &b).unwrap(), 41);
        assert_eq!(s.decode_token(3, &[]).unwrap(), 0);
    }

    #[test]
    fn malformed_message_is_an_error_naming_it() {
        let s = Last;
        let e = s.decode_msg(&[1]).unwrap_err();
        assert_eq!(e.what, "message");
        assert!(e.to_string().starts_with("malformed message"));
    }

    #[test]
    fn states_are_not_encodable_by_default_and_plain_data_round_trips() {
        let s = Last;
        assert!(s.encode_state(&vec![(1, 2)]).is_none());
        let e = s.decode_state(3, 0, &[]).unwrap_err();
        assert_eq!(e.what, "state");
        let b = encode_plain(&vec![(1u8, 2u8)]);
        assert_eq!(
            decode_plain::<Vec<(u8, u8)>>("state", &b).unwrap(),
            vec![(1, 2)]
        );
        assert!(decode_plain::<Vec<(u8, u8)>>("state", &[9]).is_err());
    }
}
