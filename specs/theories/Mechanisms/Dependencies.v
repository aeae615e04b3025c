(** * Mechanism: explicit dependencies (COPS-style nearest dependencies).

    COPS (Lloyd, Freedman, Kaminsky, Andersen, SOSP 2011, Sec. 4): a client
    library keeps a context of the writes its session depends on; each put
    carries that context as an explicit list of dependencies, and a replica
    applies a remote write only once every dependency is applied locally.
    After a put the context collapses to the new write, which transitively
    covers everything before it ("nearest dependencies", Sec. 4.2).

    A write is named by its [dep] (origin replica, sequence number at the
    origin).  Each replica keeps per-origin applied counts [clock] (writes
    from one origin are applied in FIFO order), so a dependency [(o, q)] is
    applied at a replica iff its count for [o] reached [q], and an entry
    [(o, q)] also covers every earlier write of [o]: [dep_add] keeps at most
    one entry per origin, the newest (so a token has at most [n] entries).
    The store keeps, per key, the value with the [dep] of its write (the
    per-key version of COPS), which a get adds to the token.

    - [put]: served once every dependency of the token is applied at the
      replica (sessions may switch replicas, COPS's clients are pinned to
      their local cluster: the check makes the new write's dependencies
      applied wherever it is); the message carries the token; the token
      becomes the new write alone;
    - [get]: served once every dependency of the token is applied; with
      [P.get_track], the write read joins the token (COPS tracks reads;
      without it the token only follows the session's own writes);
    - [deliverable]: next from its origin, and every dependency applied. *)
From Coq Require Import Arith Bool List Lia.
From KV Require Import Framework.KeyOrder Framework.Algorithm Representations.Rep Mechanisms.VectorClock.
Import ListNotations.

(** A write identifier: (origin replica, sequence number at the origin). *)
Definition dep := (nat * nat)%type.

(** [(o, q)] is applied at a replica whose per-origin counts are [c]. *)
Definition dep_applied (c : list nat) (d : dep) : bool := Nat.leb (snd d) (nth (fst d) c 0).

Definition deps_applied (c : list nat) (l : list dep) : bool := forallb (dep_applied c) l.

(** Adds a dependency, keeping one entry per origin (the newest). *)
Fixpoint dep_add (d : dep) (l : list dep) : list dep :=
  match l with
  | [] => [d]
  | e :: l' => if Nat.eqb (fst e) (fst d) then (fst e, Nat.max (snd e) (snd d)) :: l'
              else e :: dep_add d l'
  end.

Module Type DP_POLICY.
  Parameter get_track : bool.   (* get: the write read becomes a dependency *)
End DP_POLICY.

Module Dependencies (R : REP) (P : DP_POLICY) <: ALGORITHM.
  Record state' (K V : Type) := mkSt { me : nat; clock : list nat; store : R.t K (V * dep) }.
  Arguments mkSt {K V}.
  Arguments me {K V}.
  Arguments clock {K V}.
  Arguments store {K V}.
  Definition state := state'.
  Definition token := list dep.
  Record msg' (K V : Type) :=
    mkMsg { morig : nat; mseq : nat; mdeps : list dep; mkey : K; mval : V }.
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
    if negb (deps_applied (clock st) tk) then None else
    let sq := S (nth (me st) (clock st) 0) in
    Some (mkSt (me st) (vset (clock st) (me st) sq) (R.add kcmp k (v, (me st, sq)) (store st)),
          [(me st, sq)],
          mkMsg (me st) sq tk k v).

  Definition get {K V : Type} (kcmp : K -> K -> comparison) (st : state K V) (tk : token)
      (k : K) : option (option V * token) :=
    if deps_applied (clock st) tk
    then match R.find kcmp k (store st) with
         | Some (v, d) => Some (Some v, if P.get_track then dep_add d tk else tk)
         | None => Some (None, tk)
         end
    else None.

  Definition deliverable {K V : Type} (st : state K V) (m : msg K V) : bool :=
    Nat.eqb (S (nth (morig m) (clock st) 0)) (mseq m) && deps_applied (clock st) (mdeps m).

  Definition apply {K V : Type} (kcmp : K -> K -> comparison) (st : state K V) (m : msg K V)
      : state K V :=
    mkSt (me st) (vset (clock st) (morig m) (mseq m))
         (R.add kcmp (mkey m) (mval m, (morig m, mseq m)) (store st)).
End Dependencies.
