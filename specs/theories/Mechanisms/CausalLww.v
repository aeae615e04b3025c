(** * Mechanism: causal+ by causal delivery, Lamport clocks and
    last-writer-wins (COPS, Lloyd, Freedman, Kaminsky, Andersen, SOSP 2011,
    Sec. 3.4 and 5).

    The causal delivery part is [Mechanisms.CausalVectors]: each replica keeps
    a vector clock [clock] counting, per origin, how many of its writes it
    applied; an update message carries its origin, its sequence number at the
    origin and the origin's clock when the put was served, and is deliverable
    when it is the next one from its origin and its other dependencies are
    applied.  Session tokens, the get guard and the policy switches are those
    of [CausalVectors].

    On top of it, each replica keeps a Lamport time [lt] and stores, for each
    key, the value together with its arbitration stamp (time, origin).  A put
    at a replica takes the stamp [(S lt, me)] (and [lt := S lt]), greater than
    every stamp the replica has seen, so the new value replaces the stored
    one; the message carries the stamp.  Applying a message sets
    [lt := max lt time] and replaces the key's entry only when the incoming
    stamp is greater than the stored one in the lexicographic order
    [stamp_ltb] of [Specs.ReadRules] (last writer wins). *)
From Coq Require Import Arith Bool List Lia.
From KV Require Import Framework.KeyOrder Framework.Algorithm Specs.ReadRules Representations.Rep
  Mechanisms.VectorClock.
Import ListNotations.

Module Type LWW_POLICY.
  Parameter get_merge : bool.   (* get: token := vjoin token replica-clock *)
  Parameter put_guard : bool.   (* put allowed only if vle token clock *)
End LWW_POLICY.

Module CausalLww (R : REP) (P : LWW_POLICY) <: ALGORITHM.
  Record state' (K V : Type) :=
    mkSt { me : nat; clock : list nat; lt : nat; store : R.t K (nat * nat * V) }.
  Arguments mkSt {K V}.
  Arguments me {K V}.
  Arguments clock {K V}.
  Arguments lt {K V}.
  Arguments store {K V}.
  Definition state := state'.
  Definition token := list nat.
  Record msg' (K V : Type) := mkMsg {
    morig : nat; mseq : nat; mdeps : list nat; mkey : K; mval : V;
    mstamp : nat * nat }.
  Arguments mkMsg {K V}.
  Arguments morig {K V}.
  Arguments mseq {K V}.
  Arguments mdeps {K V}.
  Arguments mkey {K V}.
  Arguments mval {K V}.
  Arguments mstamp {K V}.
  Definition msg := msg'.

  Definition init {K V : Type} (n r : nat) : state K V := mkSt r [] 0 R.empty.
  Definition token0 (n : nat) : token := [].

  Definition put {K V : Type} (kcmp : K -> K -> comparison) (st : state K V) (tk : token)
      (k : K) (v : V) : option (state K V * token * msg K V) :=
    if P.put_guard && negb (vle tk (clock st)) then None else
    let sq := S (nth (me st) (clock st) 0) in
    let ts := (S (lt st), me st) in
    Some (mkSt (me st) (vset (clock st) (me st) sq) (S (lt st)) (R.add kcmp k (ts, v) (store st)),
          vset tk (me st) sq,
          mkMsg (me st) sq (clock st) k v ts).

  Definition get {K V : Type} (kcmp : K -> K -> comparison) (st : state K V) (tk : token)
      (k : K) : option (option V * token) :=
    if vle tk (clock st)
    then Some (option_map snd (R.find kcmp k (store st)),
               if P.get_merge then vjoin tk (clock st) else tk)
    else None.

  (** Next from its origin, and every dependency on another origin applied. *)
  Definition deliverable {K V : Type} (st : state K V) (m : msg K V) : bool :=
    Nat.eqb (S (nth (morig m) (clock st) 0)) (mseq m) &&
    vle (vset (mdeps m) (morig m) 0) (clock st).

  (** Whether an incoming stamp beats the stored entry of its key. *)
  Definition newer {V : Type} (ts : nat * nat) (e : option (nat * nat * V)) : bool :=
    match e with Some (ts', _) => stamp_ltb ts' ts | None => true end.

  Definition apply {K V : Type} (kcmp : K -> K -> comparison) (st : state K V) (m : msg K V)
      : state K V :=
    mkSt (me st) (vset (clock st) (morig m) (mseq m)) (Nat.max (lt st) (fst (mstamp m)))
      (if newer (mstamp m) (R.find kcmp (mkey m) (store st))
       then R.add kcmp (mkey m) (mstamp m, mval m) (store st)
       else store st).
End CausalLww.
