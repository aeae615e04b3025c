//! Store `writes-follow-reads`: generated from extracted/stores/writes-follow-reads/rocq/store.json by miniml2rust; do not edit.
//!
//! [`Algorithm`] implements [`kv_store_api::Store`] by calling the
//! extracted functions of [`extracted`] (translated from the verified
//! Rocq module) at keys `K` and values `V`, with the key comparison
//! `K::cmp`, a total order as `key_order` asks. Arguments the wrapper owns
//! are moved in, the others lent.

#![forbid(unsafe_code)]

pub mod extracted;
pub mod runtime;

use kv_store_api::{ReplicaId, Store};
use serde::{de::DeserializeOwned, Serialize};
use std::fmt::Debug;
use std::marker::PhantomData;

/// The store algorithm (stateless; replica state is [`Replica`]).
#[derive(Debug, Clone, Copy, Default)]
pub struct Algorithm;

/// Key comparison, passed uncurried and by reference.
fn key_cmp_ref<K: Ord>(a: &K, b: &K) -> std::cmp::Ordering {
    a.cmp(b)
}

/// State of one replica. It is taken out and put back around `put` and
/// `apply`, so the extracted code owns it uniquely and can update it in place.
pub struct Replica<K, V> {
    st: Option<extracted::StateP<K, V>>,
    _kv: PhantomData<fn() -> (K, V)>,
}

impl<K, V> Replica<K, V> {
    fn current(&self) -> &extracted::StateP<K, V> {
        self.st
            .as_ref()
            .expect("replica state lost: extracted code panicked during put or apply")
    }

    fn take(&mut self) -> extracted::StateP<K, V> {
        self.st
            .take()
            .expect("replica state lost: extracted code panicked during put or apply")
    }

    fn new(st: extracted::StateP<K, V>) -> Self {
        Replica {
            st: Some(st),
            _kv: PhantomData,
        }
    }
}

impl<K, V> Store<K, V> for Algorithm
where
    K: Clone + Ord + Debug + Serialize + DeserializeOwned + 'static,
    V: Clone + Debug + Serialize + DeserializeOwned + 'static,
{
    type State = Replica<K, V>;
    type Token = runtime::List<u64>;
    type Msg = extracted::MsgP<K, V>;

    fn name(&self) -> &'static str {
        "writes-follow-reads"
    }

    fn init(&self, replicas: u64, me: ReplicaId) -> Replica<K, V> {
        Replica::new(extracted::init(replicas, me))
    }

    fn initial_token(&self, replicas: u64) -> Self::Token {
        extracted::token0(replicas)
    }

    fn put(
        &self,
        st: &mut Replica<K, V>,
        tok: &Self::Token,
        key: K,
        val: V,
    ) -> Option<(Self::Token, Self::Msg)> {
        // The state is moved in, so the extracted code owns it uniquely and
        // updates it in place; on `None` ("not yet") it is handed back as it was.
        let cur = st.take();
        match extracted::put__keep(&key_cmp_ref::<K>, cur, tok, key, val) {
            Ok(((next, tok), msg)) => {
                st.st = Some(next);
                Some((tok, msg))
            }
            Err(cur) => {
                st.st = Some(cur);
                None
            }
        }
    }

    fn get(
        &self,
        st: &Replica<K, V>,
        tok: &Self::Token,
        key: &K,
    ) -> Option<(Option<V>, Self::Token)> {
        extracted::get(&key_cmp_ref::<K>, st.current(), tok, key)
    }

    fn deliverable(&self, st: &Replica<K, V>, msg: &Self::Msg) -> bool {
        extracted::deliverable(st.current(), msg)
    }

    fn apply(&self, st: &mut Replica<K, V>, msg: Self::Msg) {
        let cur = st.take();
        st.st = Some(extracted::apply(&key_cmp_ref::<K>, cur, msg));
    }

    fn encode_state(&self, st: &Replica<K, V>) -> Option<Vec<u8>> {
        Some(kv_store_api::encode_plain(st.current()))
    }

    fn decode_state(
        &self,
        _replicas: u64,
        _me: ReplicaId,
        bytes: &[u8],
    ) -> Result<Replica<K, V>, kv_store_api::DecodeError> {
        kv_store_api::decode_plain("state", bytes).map(Replica::new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type B = Vec<u8>;

    #[test]
    fn fresh_replica_sees_nothing_and_tokens_round_trip() {
        let s = Algorithm;
        let r = <Algorithm as Store<B, B>>::init(&s, 3, 0);
        let t = <Algorithm as Store<B, B>>::initial_token(&s, 3);
        let bytes = <Algorithm as Store<B, B>>::encode_token(&s, &t);
        let back = <Algorithm as Store<B, B>>::decode_token(&s, 3, &bytes).expect("decodes");
        assert_eq!(format!("{t:?}"), format!("{back:?}"));
        if let Some((v, _)) = s.get(&r, &t, &b"k".to_vec()) {
            assert_eq!(v, None);
        }
    }

    #[test]
    fn state_snapshots_round_trip() {
        type S = Algorithm;
        let s = Algorithm;
        let mut r = <S as Store<B, B>>::init(&s, 3, 0);
        let t = <S as Store<B, B>>::initial_token(&s, 3);
        let _ = <S as Store<B, B>>::put(&s, &mut r, &t, b"k".to_vec(), b"v".to_vec());
        let bytes = <S as Store<B, B>>::encode_state(&s, &r).expect("encodable");
        let back = <S as Store<B, B>>::decode_state(&s, 3, 0, &bytes).expect("decodes");
        assert_eq!(<S as Store<B, B>>::encode_state(&s, &back), Some(bytes));
        let k = b"k".to_vec();
        let got = |r: &Replica<B, B>| <S as Store<B, B>>::get(&s, r, &t, &k).map(|x| x.0);
        assert_eq!(got(&back), got(&r));
        assert!(<S as Store<B, B>>::decode_state(&s, 3, 0, &[0xff; 3]).is_err());
    }
}
