(** * The function store of Chapar (Lesani et al., POPL 2016): a map is a
    function from keys to entries; every [add] wraps the previous function
    in one more closure, so a lookup walks back to the key's last write. *)
From KV Require Import Representations.Rep.

Module FunctionStore <: REP.
  Definition t (K V : Type) := K -> option V.
  Definition empty {K V : Type} : t K V := fun _ => None.
  Definition find {K V : Type} (eqb : K -> K -> bool) (k : K) (s : t K V) : option V := s k.
  Definition add {K V : Type} (eqb : K -> K -> bool) (k : K) (v : V) (s : t K V) : t K V :=
    fun k' => if eqb k k' then Some v else s k'.

  Lemma find_empty : forall K V (eqb : K -> K -> bool) k, @find K V eqb k (@empty K V) = None.
  Proof. reflexivity. Qed.
  Lemma find_add : forall K V (eqb : K -> K -> bool),
    (forall a b, eqb a b = true <-> a = b) ->
    forall k (v : V) (s : t K V) k', find eqb k' (add eqb k v s) = if eqb k k' then Some v else find eqb k' s.
  Proof. reflexivity. Qed.
End FunctionStore.
