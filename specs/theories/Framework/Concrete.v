(** * Concrete semantics of a replicated store running an algorithm.

    The system has [n] replicas, unboundedly many sessions (each may use any
    replica for each operation: nothing pins a session to a replica), and an
    asynchronous network: a multiset (here a list, any element may be taken)
    of update messages in flight, each addressed to one replica.

    - [CPut]: replica [r] runs [put] with session [s]'s token and a fresh
      value (the next write identifier); the new state and token are stored
      and the message is sent to every other replica;
    - [CGet]: replica [r] runs [get]; the returned value is observed;
    - [CDeliver]: any in-flight message whose guard holds is applied at its
      destination and removed: delivered exactly once, in any order.

    [creachable tr X]: the system reaches [X] producing the observable trace
    [tr] (newest event first). *)
From Coq Require Import Arith List Lia.
From KV Require Import Framework.Prelude Framework.Algorithm Framework.Events.
Import ListNotations.

Module Concrete (A : ALGORITHM).

Section Semantics.
  Variable K : Type.
  Variable kcmp : K -> K -> comparison.
  Variable n : nat.

  Record sys := mkSys {
    rst : nat -> A.state K nat;
    tok : nat -> A.token;
    net : list (nat * A.msg K nat);
    nextv : nat
  }.

  Definition sys0 : sys :=
    mkSys (fun r => A.init n r) (fun _ => A.token0 n) [] 0.

  (** The copies of [m] sent by replica [r]: one to each other replica. *)
  Definition broadcast (r : nat) (m : A.msg K nat) : list (nat * A.msg K nat) :=
    map (fun j => (j, m)) (filter (fun j => negb (Nat.eqb j r)) (seq 0 n)).

  Inductive cstep : sys -> option (event K) -> sys -> Prop :=
  | CPut : forall X s r k st' t' m,
      r < n ->
      A.put kcmp (rst X r) (tok X s) k (nextv X) = Some (st', t', m) ->
      cstep X (Some (EPut s r k (nextv X)))
        (mkSys (upd (rst X) r st') (upd (tok X) s t')
               (net X ++ broadcast r m) (Datatypes.S (nextv X)))
  | CGet : forall X s r k res t',
      r < n ->
      A.get kcmp (rst X r) (tok X s) k = Some (res, t') ->
      cstep X (Some (EGet s r k res))
        (mkSys (rst X) (upd (tok X) s t') (net X) (nextv X))
  | CDeliver : forall X l1 l2 j m,
      net X = l1 ++ (j, m) :: l2 ->
      A.deliverable (rst X j) m = true ->
      cstep X None
        (mkSys (upd (rst X) j (A.apply kcmp (rst X j) m)) (tok X)
               (l1 ++ l2) (nextv X)).

  Inductive creachable : list (event K) -> sys -> Prop :=
  | CR0 : creachable [] sys0
  | CRstep : forall tr X e X',
      creachable tr X -> cstep X e X' -> creachable (ocons e tr) X'.

  (** The observable traces of the implementation. *)
  Definition ctrace (tr : list (event K)) : Prop := exists X, creachable tr X.
End Semantics.

Arguments mkSys {K}.
Arguments rst {K}.
Arguments tok {K}.
Arguments net {K}.
Arguments nextv {K}.

End Concrete.
