(** * Sanity: the known-bad algorithm (plain eventual propagation).

    No metadata at all: the token is [unit]; [put] always succeeds, writes
    locally and broadcasts [(key, value)]; [get] always answers from the
    local store; every message is deliverable at any time; [apply]
    overwrites.  It converges only if messages happen to arrive in the same
    order, and it gives no session guarantee: every spec must reject some of
    its traces ([Sanity.Refutations]). *)
From KV Require Import Framework.Algorithm Representations.AssocList.

Module Eventual <: ALGORITHM.
  Definition state (K V : Type) : Type := AssocList.t K V.
  Definition token : Type := unit.
  Definition msg (K V : Type) : Type := (K * V)%type.
  Definition init {K V : Type} (_ _ : nat) : state K V := AssocList.empty.
  Definition token0 (_ : nat) : token := tt.
  Definition put {K V : Type} (kcmp : K -> K -> comparison) (s : state K V) (t : token)
    (k : K) (v : V) : option (state K V * token * msg K V) :=
    Some (AssocList.add kcmp k v s, t, (k, v)).
  Definition get {K V : Type} (kcmp : K -> K -> comparison) (s : state K V) (t : token)
    (k : K) : option (option V * token) :=
    Some (AssocList.find kcmp k s, t).
  Definition deliverable {K V : Type} (_ : state K V) (_ : msg K V) : bool := true.
  Definition apply {K V : Type} (kcmp : K -> K -> comparison) (s : state K V)
    (m : msg K V) : state K V :=
    AssocList.add kcmp (fst m) (snd m) s.
End Eventual.
