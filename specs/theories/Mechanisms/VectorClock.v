(** * Vector clocks as lists of naturals (missing entries are 0).

    Plain computable fixpoints (extracted to Rust): [vset] (point update,
    padding with zeros), [vle] (pointwise order), [vmax] (pointwise max),
    and [vjoin], the pointwise max that returns its second argument itself
    when it already dominates the first (so a session token merged with a
    replica clock that covers it shares the clock instead of copying it). *)
From Coq Require Import Arith Bool List Lia.
Import ListNotations.

Fixpoint vset (v : list nat) (i x : nat) : list nat :=
  match i with
  | 0 => match v with [] => [x] | _ :: t => x :: t end
  | S i' => match v with [] => 0 :: vset [] i' x | h :: t => h :: vset t i' x end
  end.

Fixpoint vle (a b : list nat) : bool :=
  match a, b with
  | [], _ => true
  | x :: a', [] => Nat.eqb x 0 && vle a' []
  | x :: a', y :: b' => Nat.leb x y && vle a' b'
  end.

Fixpoint vmax (a b : list nat) : list nat :=
  match a, b with
  | [], _ => b
  | _, [] => a
  | x :: a', y :: b' => Nat.max x y :: vmax a' b'
  end.

Lemma nth_nil0 : forall i, nth i (@nil nat) 0 = 0.
Proof. now destruct i. Qed.

Lemma nth_vset : forall v i x j,
  nth j (vset v i x) 0 = if Nat.eqb j i then x else nth j v 0.
Proof.
  intros v i; revert v; induction i as [|i IH]; intros v x j; destruct v as [|h t], j as [|j]; simpl; auto.
  all: try (rewrite IH; destruct (Nat.eqb j i); auto; now rewrite ?nth_nil0).
  all: try now destruct j.
Qed.

Lemma vle_spec : forall a b, vle a b = true <-> forall i, nth i a 0 <= nth i b 0.
Proof.
  induction a as [|x a IH]; intros b; simpl.
  - split; auto; intros _ i; rewrite ?nth_nil0; destruct i; simpl; lia.
  - destruct b as [|y b].
    + rewrite andb_true_iff, Nat.eqb_eq, IH; split.
      * intros [Hx H] [|i]; simpl; [lia|]. specialize (H i); rewrite nth_nil0 in *; lia.
      * intros H; split; [specialize (H 0); simpl in H; lia|].
        intros i; specialize (H (S i)); simpl in H; rewrite nth_nil0; lia.
    + rewrite andb_true_iff, Nat.leb_le, IH; split.
      * intros [Hx H] [|i]; simpl; auto.
      * intros H; split; [apply (H 0)|]. intros i; apply (H (S i)).
Qed.

Lemma nth_vmax : forall a b i, nth i (vmax a b) 0 = Nat.max (nth i a 0) (nth i b 0).
Proof.
  induction a as [|x a IH]; intros b i; simpl.
  - now destruct i.
  - destruct b as [|y b]; destruct i; simpl; auto.
    + lia.
    + rewrite ?nth_nil0; destruct i; simpl; lia.
Qed.

Definition vjoin (a b : list nat) : list nat := if vle a b then b else vmax a b.

Lemma nth_vjoin : forall a b i, nth i (vjoin a b) 0 = Nat.max (nth i a 0) (nth i b 0).
Proof.
  intros a b i; unfold vjoin; destruct (vle a b) eqn:E.
  - apply vle_spec with (i := i) in E; lia.
  - apply nth_vmax.
Qed.

Lemma vle_refl : forall a, vle a a = true.
Proof. intros a; apply vle_spec; auto. Qed.
