(** * Mechanism: no metadata at all (plain eventual propagation).

    The token is [unit]; [put] always succeeds, writes to the local store and
    broadcasts [(origin, key, value)]; [get] always answers from the local
    store; every message is deliverable at any time; [apply] adds the write
    to the local store.  This is [Sanity.Eventual] made a catalog mechanism
    over any representation ([REP]).

    It gives no session guarantee (Terry et al., PDIS 1994): a session may
    read at a replica that has not applied its own writes, or what it read
    before.  It does satisfy the read rule [read_latest]: a get returns the
    latest write to the key applied at the serving replica.  It is the
    cheapest entry of the catalog, tried first; its policy has no switch. *)
From KV Require Import Framework.Algorithm Representations.Rep.

Module Type NM_POLICY.
End NM_POLICY.

Module NoMetadata (R : REP) (P : NM_POLICY) <: ALGORITHM.
  Record state' (K V : Type) := mkSt { me : nat; store : R.t K V }.
  Arguments mkSt {K V}.
  Arguments me {K V}.
  Arguments store {K V}.
  Definition state := state'.
  Definition token := unit.
  Record msg' (K V : Type) := mkMsg { morig : nat; mkey : K; mval : V }.
  Arguments mkMsg {K V}.
  Arguments morig {K V}.
  Arguments mkey {K V}.
  Arguments mval {K V}.
  Definition msg := msg'.

  Definition init {K V : Type} (n r : nat) : state K V := mkSt r R.empty.
  Definition token0 (n : nat) : token := tt.

  Definition put {K V : Type} (kcmp : K -> K -> comparison) (st : state K V) (tk : token)
      (k : K) (v : V) : option (state K V * token * msg K V) :=
    Some (mkSt (me st) (R.add kcmp k v (store st)), tk, mkMsg (me st) k v).

  Definition get {K V : Type} (kcmp : K -> K -> comparison) (st : state K V) (tk : token)
      (k : K) : option (option V * token) :=
    Some (R.find kcmp k (store st), tk).

  Definition deliverable {K V : Type} (st : state K V) (m : msg K V) : bool := true.

  Definition apply {K V : Type} (kcmp : K -> K -> comparison) (st : state K V) (m : msg K V)
      : state K V :=
    mkSt (me st) (R.add kcmp (mkey m) (mval m) (store st)).
End NoMetadata.
