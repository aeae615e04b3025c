(** * Association-list representation: a list of (key, value) pairs with at
    most one pair per key; [add] replaces the key's pair in place.

    Uses only the key equality [keq kcmp]; its invariant [ok] is trivial.
    Proves the [REP] laws [find_empty] and [find_add]. *)
From Coq Require Import List.
From KV Require Import Framework.KeyOrder Representations.Rep.
Import ListNotations.

Module AssocList <: REP.
  Definition t (K V : Type) := list (K * V).
  Definition empty {K V : Type} : t K V := [].
  Fixpoint find {K V : Type} (kcmp : K -> K -> comparison) (k : K) (s : t K V) : option V :=
    match s with
    | [] => None
    | (k', v) :: s' => if keq kcmp k' k then Some v else find kcmp k s'
    end.
  Fixpoint add {K V : Type} (kcmp : K -> K -> comparison) (k : K) (v : V) (s : t K V) : t K V :=
    match s with
    | [] => [(k, v)]
    | (k', v') :: s' => if keq kcmp k k' then (k, v) :: s' else (k', v') :: add kcmp k v s'
    end.
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
  Proof.
    intros K V kcmp Ho k v s k' _; pose proof (keq_spec kcmp Ho) as Hspec.
    induction s as [|[k0 v0] s IH]; simpl.
    - destruct (keq kcmp k k'); reflexivity.
    - destruct (keq kcmp k k0) eqn:E0; simpl.
      + apply Hspec in E0; subst k0.
        destruct (keq kcmp k k'); reflexivity.
      + destruct (keq kcmp k0 k') eqn:E1; [|exact IH].
        apply Hspec in E1; subst k0.
        rewrite E0; reflexivity.
  Qed.
End AssocList.
