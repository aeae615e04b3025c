(** * The function store of Chapar (Lesani et al., POPL 2016): a map is a
    function from keys to entries; every [add] wraps the previous function
    in one more closure, so a lookup walks back to the key's last write.

    Uses only the key equality [keq kcmp]; its invariant [ok] is trivial.
    Proves the [REP] laws, all by computation. *)
From KV Require Import Framework.KeyOrder Representations.Rep.

Module FunctionStore <: REP.
  Definition t (K V : Type) := K -> option V.
  Definition empty {K V : Type} : t K V := fun _ => None.
  Definition find {K V : Type} (kcmp : K -> K -> comparison) (k : K) (s : t K V) : option V := s k.
  Definition add {K V : Type} (kcmp : K -> K -> comparison) (k : K) (v : V) (s : t K V) : t K V :=
    fun k' => if keq kcmp k k' then Some v else s k'.
  Definition ok {K V : Type} (kcmp : K -> K -> comparison) (s : t K V) : Prop := True.

  Lemma ok_empty : forall K V (kcmp : K -> K -> comparison), @ok K V kcmp (@empty K V).
  Proof. exact (fun _ _ _ => I). Qed.
  Lemma ok_add : forall K V (kcmp : K -> K -> comparison), key_order kcmp ->
    forall k (v : V) (s : t K V), ok kcmp s -> ok kcmp (add kcmp k v s).
  Proof. exact (fun _ _ _ _ _ _ _ _ => I). Qed.
  Lemma find_empty : forall K V (kcmp : K -> K -> comparison) k,
    @find K V kcmp k (@empty K V) = None.
  Proof. reflexivity. Qed.
  Lemma find_add : forall K V (kcmp : K -> K -> comparison), key_order kcmp ->
    forall k (v : V) (s : t K V) k', ok kcmp s ->
    find kcmp k' (add kcmp k v s) = if keq kcmp k k' then Some v else find kcmp k' s.
  Proof. reflexivity. Qed.
End FunctionStore.
