(** * Mechanism: causal vectors (per-origin vector clocks, causal delivery).

    Chapar's algorithm 1 (Lesani, Bell, Chlipala, POPL 2016, Sec. 5) and the
    causal memory of Ahamad, Neiger, Burns, Kohli, Hutto (Distributed
    Computing 1995).  Each replica keeps a vector clock [clock] counting, per
    origin replica, how many of its writes it applied.  An update message
    carries its origin, its sequence number at the origin and [mdeps], the
    origin's clock when the put was served (before the origin's own entry was
    incremented).  A message is deliverable at a replica when it is the next
    one from its origin (FIFO) and the replica already applied everything the
    message depends on from every other origin (causal delivery).

    A session token is a vector of the writes the session depends on; a get
    waits until the replica's clock dominates the token; a put waits too
    when [P.put_guard].  With [P.get_merge], a get merges the replica's clock
    into the token. *)
From Coq Require Import Arith Bool List Lia.
From KV Require Import Framework.KeyOrder Framework.Algorithm Representations.Rep Mechanisms.VectorClock.
Import ListNotations.

Module Type CV_POLICY.
  Parameter get_merge : bool.   (* get: token := vjoin token replica-clock *)
  Parameter put_guard : bool.   (* put allowed only if vle token clock *)
End CV_POLICY.

Module CausalVectors (R : REP) (P : CV_POLICY) <: ALGORITHM.
  Record state' (K V : Type) := mkSt { me : nat; clock : list nat; store : R.t K V }.
  Arguments mkSt {K V}.
  Arguments me {K V}.
  Arguments clock {K V}.
  Arguments store {K V}.
  Definition state := state'.
  Definition token := list nat.
  Record msg' (K V : Type) :=
    mkMsg { morig : nat; mseq : nat; mdeps : list nat; mkey : K; mval : V }.
  Arguments mkMsg {K V}.
  Arguments morig {K V}.
  Arguments mseq {K V}.
  Arguments mdeps {K V}.
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
          mkMsg (me st) sq (clock st) k v).

  Definition get {K V : Type} (kcmp : K -> K -> comparison) (st : state K V) (tk : token)
      (k : K) : option (option V * token) :=
    if vle tk (clock st)
    then Some (R.find kcmp k (store st), if P.get_merge then vjoin tk (clock st) else tk)
    else None.

  (** Next from its origin, and every dependency on another origin applied
      (the origin's own entry of [mdeps] is masked: FIFO covers it). *)
  Definition deliverable {K V : Type} (st : state K V) (m : msg K V) : bool :=
    Nat.eqb (S (nth (morig m) (clock st) 0)) (mseq m) &&
    vle (vset (mdeps m) (morig m) 0) (clock st).

  Definition apply {K V : Type} (kcmp : K -> K -> comparison) (st : state K V) (m : msg K V)
      : state K V :=
    mkSt (me st) (vset (clock st) (morig m) (mseq m)) (R.add kcmp (mkey m) (mval m) (store st)).
End CausalVectors.
