(** * Mechanism: session vectors with FIFO delivery.

    Each replica keeps a vector clock [clock] counting, per origin replica,
    how many of its writes it applied (updates from one origin are applied
    in FIFO order: [deliverable]).  A session token is a vector of the
    writes the session depends on; a get waits until the replica's clock
    dominates the token; a put waits too when [P.put_guard].  With
    [P.get_merge], a get merges the replica's clock into the token. *)
From Coq Require Import Arith Bool List Lia.
From KV Require Import Framework.KeyOrder Framework.Algorithm Representations.Rep Mechanisms.VectorClock.
Import ListNotations.

Module Type SV_POLICY.
  Parameter get_merge : bool.   (* get: token := vjoin token replica-clock *)
  Parameter put_guard : bool.   (* put allowed only if vle token clock *)
End SV_POLICY.

Module SessionVectors (R : REP) (P : SV_POLICY) <: ALGORITHM.
  Record state' (K V : Type) := mkSt { me : nat; clock : list nat; store : R.t K V }.
  Arguments mkSt {K V}.
  Arguments me {K V}.
  Arguments clock {K V}.
  Arguments store {K V}.
  Definition state := state'.
  Definition token := list nat.
  Record msg' (K V : Type) := mkMsg { morig : nat; mseq : nat; mkey : K; mval : V }.
  Arguments mkMsg {K V}.
  Arguments morig {K V}.
  Arguments mseq {K V}.
  Arguments mkey {K V}.
  Arguments mval {K V}.
  Definition msg := msg'.

  Definition init {K V : Type} (n r : nat) : state K V := mkSt r [] R.empty.
  Definition token0 (n : nat) : token := [].

  Definition put {K V : Type} (kcmp : K -> K -> comparison) (st : state K V) (tk : token)
      (k : K) (v : V) : option (state K V * token * msg K V) :=
    if P.put_guard && negb (vle tk (clock st)) then None else
    let sq := S (nth (me st) (clock st) 0) in
    Some (mkSt (me st) (vset (clock st) (me st) sq) (R.add kcmp k v (store st)),
          vset tk (me st) sq,
          mkMsg (me st) sq k v).

  Definition get {K V : Type} (kcmp : K -> K -> comparison) (st : state K V) (tk : token)
      (k : K) : option (option V * token) :=
    if vle tk (clock st)
    then Some (R.find kcmp k (store st), if P.get_merge then vjoin tk (clock st) else tk)
    else None.

  Definition deliverable {K V : Type} (st : state K V) (m : msg K V) : bool :=
    Nat.eqb (S (nth (morig m) (clock st) 0)) (mseq m).

  Definition apply {K V : Type} (kcmp : K -> K -> comparison) (st : state K V) (m : msg K V)
      : state K V :=
    mkSt (me st) (vset (clock st) (morig m) (mseq m)) (R.add kcmp (mkey m) (mval m) (store st)).
End SessionVectors.
