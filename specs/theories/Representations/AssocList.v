(** * Association-list representation: a list of (key, value) pairs with at
    most one pair per key; [add] replaces the key's pair in place. *)
From Coq Require Import List.
From KV Require Import Representations.Rep.
Import ListNotations.

Module AssocList <: REP.
  Definition t (K V : Type) := list (K * V).
  Definition empty {K V : Type} : t K V := [].
  Fixpoint find {K V : Type} (eqb : K -> K -> bool) (k : K) (s : t K V) : option V :=
    match s with
    | [] => None
    | (k', v) :: s' => if eqb k' k then Some v else find eqb k s'
    end.
  Fixpoint add {K V : Type} (eqb : K -> K -> bool) (k : K) (v : V) (s : t K V) : t K V :=
    match s with
    | [] => [(k, v)]
    | (k', v') :: s' => if eqb k k' then (k, v) :: s' else (k', v') :: add eqb k v s'
    end.

  Lemma find_empty : forall K V (eqb : K -> K -> bool) k, @find K V eqb k (@empty K V) = None.
  Proof. reflexivity. Qed.

  Lemma find_add : forall K V (eqb : K -> K -> bool),
    (forall a b, eqb a b = true <-> a = b) ->
    forall k (v : V) (s : t K V) k', find eqb k' (add eqb k v s) = if eqb k k' then Some v else find eqb k' s.
  Proof.
    intros K V eqb Hspec k v s k'; induction s as [|[k0 v0] s IH]; simpl.
    - destruct (eqb k k'); reflexivity.
    - destruct (eqb k k0) eqn:E0; simpl.
      + apply Hspec in E0; subst k0.
        destruct (eqb k k'); reflexivity.
      + destruct (eqb k0 k') eqn:E1; [|exact IH].
        apply Hspec in E1; subst k0.
        rewrite E0; reflexivity.
  Qed.
End AssocList.
